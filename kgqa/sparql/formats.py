"""The format registry, and content negotiation over it.

Every serialisation is registered once, in `REGISTRY`: its media types, the `format=` values it
answers to, its file extension, its pyoxigraph writer, its W3C formats IRI. Everything else that
lists formats derives from it: negotiation here, the service description's `sd:resultFormat`, the
web page's download links, the remote store's Accept header, the OpenAPI enums. Adding a format
is one entry.

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
KINDS: tuple[Kind, ...] = ("results", "graph")

FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True, kw_only=True)
class Format:
    """One serialisation we can produce, with everything any list of formats needs to know of it."""

    name: str
    media_type: str
    kind: Kind
    oxigraph: Any  # ox.QueryResultsFormat or ox.RdfFormat
    extension: str
    w3c: str  # its local name in http://www.w3.org/ns/formats/ (the service description names it)
    # Other media types clients send for it. SPARQLWrapper's JSON Accept is "application/sparql-results+json,
    # application/json, text/javascript, application/javascript" (newer releases put
    # application/x-sparqlstar-results+json first); its N3 Accept lists Turtle, N3 and N-Triples
    # types; RDF/XML is sometimes asked for as plain XML.
    media_aliases: tuple[str, ...] = ()
    # `format=` values besides its name and extension (SPARQLWrapper sends its return-format constants:
    # json, xml, turtle, n3, rdf+xml, json-ld, csv, tsv).
    param_aliases: tuple[str, ...] = ()
    charset: bool = False
    # Its q-value in the Accept header sent to a remote store; None: never asked for (lossy, or a
    # format stores spell differently: Virtuoso's TSV is not SPARQL TSV). SPARQL XML ranks first
    # for results: every store writes it, and a reply over the read limit can be cut after a
    # `</result>` (markup, never text) and closed; N-Triples for graphs, cut at a line.
    remote_q: float | None = None
    # The label of the web page's download links ("Graph (Turtle)"); None: not offered there.
    download: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header: text types say their charset; XML and JSON carry their own."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        """Its own media type first, then the other ones clients use for it."""
        return (self.media_type, *self.media_aliases)

    @property
    def param_values(self) -> tuple[str, ...]:
        """Every `format=` value that names it: its name, its extension, then the other spellings."""
        return tuple(dict.fromkeys((self.name, self.extension, *self.param_aliases)))

    @property
    def w3c_iri(self) -> str:
        return FORMATS_NS + self.w3c


R = ox.QueryResultsFormat
G = ox.RdfFormat

SPARQL_JSON = Format(
    name="json",
    media_type="application/sparql-results+json",
    kind="results",
    oxigraph=R.JSON,
    extension="srj",
    w3c="SPARQL_Results_JSON",
    media_aliases=(
        "application/x-sparqlstar-results+json",
        "application/json",
        "text/javascript",
        "application/javascript",
    ),
    remote_q=0.9,
)
SPARQL_XML = Format(
    name="xml",
    media_type="application/sparql-results+xml",
    kind="results",
    oxigraph=R.XML,
    extension="srx",
    w3c="SPARQL_Results_XML",
    media_aliases=("application/x-sparqlstar-results+xml", "application/xml", "text/xml"),
    remote_q=1.0,
)
CSV = Format(
    name="csv",
    media_type="text/csv",
    kind="results",
    oxigraph=R.CSV,
    extension="csv",
    w3c="SPARQL_Results_CSV",
    charset=True,
)
TSV = Format(
    name="tsv",
    media_type="text/tab-separated-values",
    kind="results",
    oxigraph=R.TSV,
    extension="tsv",
    w3c="SPARQL_Results_TSV",
    charset=True,
)
TURTLE = Format(
    name="turtle",
    media_type="text/turtle",
    kind="graph",
    oxigraph=G.TURTLE,
    extension="ttl",
    w3c="Turtle",
    media_aliases=("application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3", "application/n3"),
    param_aliases=("n3",),
    charset=True,
    remote_q=0.8,
    download="Turtle",
)
N_TRIPLES = Format(
    name="ntriples",
    media_type="application/n-triples",
    kind="graph",
    oxigraph=G.N_TRIPLES,
    extension="nt",
    w3c="N-Triples",
    param_aliases=("n-triples",),
    remote_q=1.0,
)
RDF_XML = Format(
    name="rdfxml",
    media_type="application/rdf+xml",
    kind="graph",
    oxigraph=G.RDF_XML,
    extension="rdf",
    w3c="RDF_XML",
    media_aliases=("application/xml", "text/xml"),
    param_aliases=("xml", "rdf+xml", "owl"),
    remote_q=0.5,
    download="RDF/XML, for Protégé",
)
JSON_LD = Format(
    name="jsonld",
    media_type="application/ld+json",
    kind="graph",
    oxigraph=G.JSON_LD,
    extension="jsonld",
    w3c="JSON-LD",
    media_aliases=("application/x-json+ld", "application/json"),
    param_aliases=("json-ld", "json"),
    download="JSON-LD",
)

# Every format, in order of preference within its kind: the first is the default when the client
# accepts anything. The lists below are all derived from this one.
REGISTRY: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV, TURTLE, N_TRIPLES, RDF_XML, JSON_LD)


def of_kind(kind: Kind) -> tuple[Format, ...]:
    """The formats of one kind, in order of preference."""
    return tuple(f for f in REGISTRY if f.kind == kind)


def param_values(kind: Kind) -> tuple[str, ...]:
    """Every `format=` value that names a format of this kind, format by format."""
    return tuple(v for f in of_kind(kind) for v in f.param_values)


def _index(kind: Kind, keys: str) -> dict[str, Format]:
    """A lookup table from each format's `media_types` or `param_values` to the format.

    :raise ValueError: two formats of one kind answer to the same key (the registry is wrong).
    """
    table: dict[str, Format] = {}
    for fmt in of_kind(kind):
        for key in getattr(fmt, keys):
            if table.setdefault(key, fmt) is not fmt:
                raise ValueError(f"{keys} {key!r} names both {table[key].name} and {fmt.name}")
    return table


RESULT_FORMATS: tuple[Format, ...] = of_kind("results")
GRAPH_FORMATS: tuple[Format, ...] = of_kind("graph")
BY_NAME: dict[str, Format] = {f.name: f for f in REGISTRY}
# Media type -> format, and `format=` value -> format, per kind (a value like `xml` means SPARQL XML
# for a SELECT and RDF/XML for a CONSTRUCT).
ALIASES: dict[Kind, dict[str, Format]] = {kind: _index(kind, "media_types") for kind in KINDS}
PARAM_VALUES: dict[Kind, dict[str, Format]] = {kind: _index(kind, "param_values") for kind in KINDS}
# Media types that are not serialisations we write, but that routes offer besides them.
HTML = "text/html"
JSON = "application/json"


def remote_accept(kind: Kind) -> str:
    """The Accept header for a remote store's answer of this kind (`results` for SELECT/ASK, `graph`
    for CONSTRUCT/DESCRIBE): the formats we read back, by their `remote_q` ranking. One header per
    kind, since a store may answer with the first type listed whatever the query's form (Virtuoso)."""
    ranked = sorted((f for f in of_kind(kind) if f.remote_q is not None), key=lambda f: -(f.remote_q or 0))
    return ", ".join(f.media_type if f.remote_q == 1 else f"{f.media_type};q={f.remote_q:g}" for f in ranked)


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
    preferred = of_kind(kind)
    if not accept:
        return preferred[0]
    candidates = [f.media_type for f in preferred] + [
        m for m in ALIASES[kind] if m not in {f.media_type for f in preferred}
    ]
    best = accept.best_match(candidates)
    return ALIASES[kind].get(best) if best else None
