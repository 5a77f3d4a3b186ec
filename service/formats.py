"""Media types, content negotiation and result serialisation.

Media types are constants here only (STYLE.md). Negotiation is a pure function of the client's
`Accept` (Werkzeug's `MIMEAccept`, which handles q-values, wildcards and `q=0`) and of the
`format`/`output`/`results` parameters that SPARQLWrapper and other clients add, so
`tests/test_formats.py` can check it as a table.

Serialisation is also here because both the embedded store's worker processes and the remote store
need the same thing: take pyoxigraph results, keep at most `cap` rows (one more is read so the reply
can say it was cut), and write them with pyoxigraph's native writers. This module imports only
pyoxigraph and the standard library so that worker processes stay small.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyoxigraph as ox

Kind = Literal["results", "graph"]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

PREFIXES: dict[str, str] = {
    "kgqa": "https://w3id.org/kgqa/ontology#",
    "kgr": "https://w3id.org/kgqa/resource/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
}


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


def term_to_sparql_json(term: Any) -> dict:
    """A term in the SPARQL 1.1 JSON results shape (with the RDF-star `triple` extension)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_to_sparql_json(term.subject),
                "predicate": term_to_sparql_json(term.predicate),
                "object": term_to_sparql_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


# --- serialisation with a row cap ---------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    """Serialised results as they travel from a worker (or remote store) to the request thread.

    `note` says why a truncated result was cut (row limit or byte limit), in words for the reply.
    """

    form: Literal["solutions", "boolean", "graph"]
    format_name: str
    data: bytes
    truncated: bool
    variables: tuple[str, ...] = ()
    note: str | None = None


def _take(items: Iterable[Any], cap: int | None, budget: int | None, size_of: Any) -> tuple[list[Any], str | None]:
    """Read at most `cap` items, stopping early once their estimated size passes `budget` bytes.

    Returns the items and what cut them ("rows", "bytes" or None). Reading stops at the limit, so a
    huge result never sits in the worker's memory; one item past the row cap is read so that the
    reply can say it was cut.
    """
    kept: list[Any] = []
    size = 0
    for item in items:
        if cap is not None and len(kept) >= cap:
            return kept, "rows"
        if budget is not None:
            size += size_of(item)
            if size > budget:
                return kept, "bytes"
        kept.append(item)
    return kept, None


def _fit(items: list[Any], write: Any, max_bytes: int) -> tuple[list[Any], bytes]:
    """The longest prefix of `items` (nearly) whose serialisation is at most `max_bytes`.

    The size estimate used while reading is exact for SPARQL JSON only; XML or JSON-LD are larger,
    so shrink in proportion until the written bytes fit (two or three rounds in practice).
    """
    data = write(items)
    while len(data) > max_bytes and items:
        keep = min(len(items) - 1, int(len(items) * max_bytes / len(data) * 0.95))
        items = items[: max(0, keep)]
        data = write(items)
    return items, data


def _note(cut: str | None, kept: int, cap: int | None, max_bytes: int | None, what: str) -> str | None:
    if cut == "rows":
        return f"the result was cut at {kept} {what}, the row limit (KGQA_MAX_ROWS)"
    if cut == "bytes":
        return f"the result was cut at {kept} {what} to stay under the {max_bytes}-byte limit (KGQA_MAX_RESULT_BYTES)"
    return None


def _row_size(variables: Sequence[str]) -> Any:
    """A cheap estimate (a little under the real size) of a solution's bytes in SPARQL JSON."""

    def size(row: Any) -> int:
        return sum(len(str(row[n])) + len(n) + 20 for n in variables if row[n] is not None) + 4

    return size


def encode(
    results: Any, results_format: Format, graph_format: Format, cap: int | None, max_bytes: int | None = None
) -> Encoded:
    """Serialise pyoxigraph query results (`QuerySolutions`/`QueryBoolean`/`QueryTriples` or a triple
    iterator) in the requested format, keeping at most `cap` rows or triples and, if `max_bytes` is
    given, at most that many bytes (cut at a row boundary, so the reply stays valid).

    Native writers serialise a whole `QuerySolutions`; a capped result is a list, so solutions are
    written as SPARQL JSON here and converted by pyoxigraph's own writers for the other formats.
    """
    if isinstance(results, ox.QueryBoolean):
        return Encoded("boolean", results_format.name, results.serialize(format=results_format.oxigraph), False)
    if isinstance(results, ox.QuerySolutions):
        variables = tuple(v.value for v in results.variables)

        def write(rows: list[Any]) -> bytes:
            data = solutions_json(variables, rows)
            if results_format is not SPARQL_JSON:
                data = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON).serialize(
                    format=results_format.oxigraph
                )
            return data

        rows, cut = _take(results, cap, max_bytes, _row_size(variables))
        if max_bytes is not None:
            before = len(rows)
            rows, data = _fit(rows, write, max_bytes)
            cut = "bytes" if len(rows) < before else cut
        else:
            data = write(rows)
        return Encoded(
            "solutions",
            results_format.name,
            data,
            cut is not None,
            variables,
            _note(cut, len(rows), cap, max_bytes, "rows"),
        )

    def write_graph(triples: list[Any]) -> bytes:
        return serialize_graph(triples, graph_format)

    triples, cut = _take(results, cap, max_bytes, lambda t: len(str(t)) + 3)
    if max_bytes is not None:
        before = len(triples)
        triples, data = _fit(triples, write_graph, max_bytes)
        cut = "bytes" if len(triples) < before else cut
    else:
        data = write_graph(triples)
    return Encoded(
        "graph", graph_format.name, data, cut is not None, (), _note(cut, len(triples), cap, max_bytes, "triples")
    )


def solutions_json(variables: Sequence[str], rows: Iterable[Any]) -> bytes:
    """SPARQL 1.1 Query Results JSON for solutions (pyoxigraph `QuerySolution`s or dicts of terms)."""
    bindings = []
    for row in rows:
        binding = {}
        for name in variables:
            term = row[name]
            if term is not None:
                binding[name] = term_to_sparql_json(term)
        bindings.append(binding)
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def serialize_graph(triples: Iterable[Any], fmt: Format) -> bytes:
    """Write triples natively; Turtle, RDF/XML and JSON-LD get the project's prefixes for readability."""
    kwargs = {"prefixes": PREFIXES} if fmt in (TURTLE, RDF_XML, JSON_LD) else {}
    try:
        return ox.serialize(triples, format=fmt.oxigraph, **kwargs)
    except TypeError:  # a writer that takes no prefixes
        return ox.serialize(triples, format=fmt.oxigraph)
