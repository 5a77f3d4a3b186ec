"""Media types and content negotiation.

Negotiation is a pure function of the client's `Accept` (Werkzeug's `MIMEAccept`, which handles
q-values, wildcards and `q=0`) and of the `format`/`output`/`results` parameters that SPARQLWrapper
and other clients add, so it can be tested as a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyoxigraph as ox

Kind = Literal["results", "graph"]


@dataclass(frozen=True)
class Format:
    """One serialisation we can produce: its short name, exact media type and pyoxigraph writer."""

    name: str
    media_type: str
    kind: Kind
    oxigraph: Any  # ox.QueryResultsFormat or ox.RdfFormat
    extension: str
    charset: bool = False

    @property
    def content_type(self) -> str:
        """The Content-Type header: text types say their charset; XML and JSON carry their own."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


SPARQL_JSON = Format("json", "application/sparql-results+json", "results", ox.QueryResultsFormat.JSON, "srj")
SPARQL_XML = Format("xml", "application/sparql-results+xml", "results", ox.QueryResultsFormat.XML, "srx")
CSV = Format("csv", "text/csv", "results", ox.QueryResultsFormat.CSV, "csv", charset=True)
TSV = Format("tsv", "text/tab-separated-values", "results", ox.QueryResultsFormat.TSV, "tsv", charset=True)
TURTLE = Format("turtle", "text/turtle", "graph", ox.RdfFormat.TURTLE, "ttl", charset=True)
N_TRIPLES = Format("ntriples", "application/n-triples", "graph", ox.RdfFormat.N_TRIPLES, "nt")
RDF_XML = Format("rdfxml", "application/rdf+xml", "graph", ox.RdfFormat.RDF_XML, "rdf")
JSON_LD = Format("jsonld", "application/ld+json", "graph", ox.RdfFormat.JSON_LD, "jsonld")

RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD)
BY_NAME: dict[str, Format] = {f.name: f for f in RESULT_FORMATS + GRAPH_FORMATS}

HTML = "text/html"
JSON = "application/json"

# Other media types clients send for the same thing. SPARQLWrapper's JSON Accept is
# "application/sparql-results+json, application/json, text/javascript, application/javascript"
# (newer releases put application/x-sparqlstar-results+json first); its N3 Accept lists Turtle,
# N3 and N-Triples types; RDF/XML is sometimes asked for as plain XML.
ALIASES: dict[Kind, dict[str, Format]] = {
    "results": {
        "application/sparql-results+json": SPARQL_JSON,
        "application/x-sparqlstar-results+json": SPARQL_JSON,
        "application/json": SPARQL_JSON,
        "text/javascript": SPARQL_JSON,
        "application/javascript": SPARQL_JSON,
        "application/sparql-results+xml": SPARQL_XML,
        "application/x-sparqlstar-results+xml": SPARQL_XML,
        "application/xml": SPARQL_XML,
        "text/xml": SPARQL_XML,
        "text/csv": CSV,
        "text/tab-separated-values": TSV,
    },
    "graph": {
        "text/turtle": TURTLE,
        "application/turtle": TURTLE,
        "application/x-turtle": TURTLE,
        "text/n3": TURTLE,
        "text/rdf+n3": TURTLE,
        "application/n3": TURTLE,
        "application/n-triples": N_TRIPLES,
        "application/rdf+xml": RDF_XML,
        "application/xml": RDF_XML,
        "text/xml": RDF_XML,
        "application/ld+json": JSON_LD,
        "application/x-json+ld": JSON_LD,
        "application/json": JSON_LD,
    },
}

# Values of the `format`/`output`/`results` parameters (SPARQLWrapper sends its return-format
# constants: json, xml, turtle, n3, rdf+xml, json-ld, csv, tsv) mapped per result kind.
PARAM_VALUES: dict[Kind, dict[str, Format]] = {
    "results": {"json": SPARQL_JSON, "srj": SPARQL_JSON, "xml": SPARQL_XML, "srx": SPARQL_XML, "csv": CSV, "tsv": TSV},
    "graph": {
        "turtle": TURTLE,
        "ttl": TURTLE,
        "n3": TURTLE,
        "nt": N_TRIPLES,
        "ntriples": N_TRIPLES,
        "n-triples": N_TRIPLES,
        "xml": RDF_XML,
        "rdf": RDF_XML,
        "rdfxml": RDF_XML,
        "rdf+xml": RDF_XML,
        "owl": RDF_XML,
        "json": JSON_LD,
        "jsonld": JSON_LD,
        "json-ld": JSON_LD,
    },
}


def from_param(kind: Kind, values: Iterable[str]) -> Format | None:
    """The first `format=` value that names a format of this kind (by short name or media type)."""
    for raw in values:
        value = raw.strip().lower()
        if not value:
            continue
        fmt = PARAM_VALUES[kind].get(value) or ALIASES[kind].get(value.split(";")[0].strip())
        if fmt is not None:
            return fmt
    return None


def negotiate(accept: Any, kind: Kind, params: Sequence[str] = ()) -> Format | None:
    """Choose the reply format: an explicit `format=` parameter first, then `Accept` with q-values.

    `accept` is a Werkzeug `MIMEAccept`. An absent Accept header means "anything" and gets the first
    (preferred) format. Returns None when nothing acceptable exists (the caller answers 406).
    Unknown `format=` values fall through to `Accept` rather than failing, because clients add
    them blindly (SPARQLWrapper sends `format=xml` *and* the right Accept).
    """
    fmt = from_param(kind, params)
    if fmt is not None:
        return fmt
    preferred = RESULT_FORMATS if kind == "results" else GRAPH_FORMATS
    if not accept:
        return preferred[0]
    candidates = [f.media_type for f in preferred] + [
        m for m in ALIASES[kind] if m not in {f.media_type for f in preferred}
    ]
    best = accept.best_match(candidates)
    return ALIASES[kind].get(best) if best else None


# --- terms -------------------------------------------------------------------------------------
