"""Content negotiation as a table: Accept header and format= parameters -> the format we write."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from kgqa import vocab
from kgqa.sparql import encode, formats

SPARQLWRAPPER_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"
SPARQLSTAR_JSON = "application/x-sparqlstar-results+json,application/sparql-results+json,application/json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept) if header else MIMEAccept()


@pytest.mark.parametrize(
    ("header", "params", "kind", "expected"),
    [
        (None, [], "results", "json"),
        ("*/*", [], "results", "json"),
        (SPARQLWRAPPER_JSON, [], "results", "json"),
        (SPARQLSTAR_JSON, [], "results", "json"),
        ("application/sparql-results+xml", [], "results", "xml"),
        ("text/csv", [], "results", "csv"),
        ("text/tab-separated-values", [], "results", "tsv"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", [], "results", "xml"),
        ("application/sparql-results+json;q=0, */*", [], "results", "xml"),
        (BROWSER, [], "results", "xml"),
        ("text/html", [], "results", None),
        ("application/sparql-results+xml", ["json"], "results", "json"),
        ("*/*", ["tsv", "text/tab-separated-values"], "results", "tsv"),
        ("text/csv", ["nonsense"], "results", "csv"),
        ("*/*", ["application/sparql-results+xml"], "results", "xml"),
        (None, [], "graph", "turtle"),
        ("*/*", [], "graph", "turtle"),
        ("application/rdf+xml", [], "graph", "rdfxml"),
        ("application/ld+json", [], "graph", "jsonld"),
        ("application/n-triples", [], "graph", "ntriples"),
        ("application/turtle,text/turtle", [], "graph", "turtle"),
        ("text/rdf+n3,application/n-triples,application/n3,text/n3", [], "graph", "ntriples"),  # SPARQLWrapper N3
        ("application/x-json+ld", [], "graph", "jsonld"),
        ("text/csv", [], "graph", None),
        ("*/*", ["xml"], "graph", "rdfxml"),
        ("*/*", ["json"], "graph", "jsonld"),
        ("*/*", ["rdf+xml", "application/rdf+xml"], "graph", "rdfxml"),
        ("*/*", ["json-ld"], "graph", "jsonld"),
        ("*/*", ["owl"], "graph", "rdfxml"),
        ("*/*", ["nt"], "graph", "ntriples"),
    ],
)
def test_negotiate(header, params, kind, expected):
    fmt = formats.negotiate(accept(header), kind, params)
    assert (fmt.name if fmt else None) == expected


def test_content_types_are_exact():
    assert formats.SPARQL_JSON.content_type == "application/sparql-results+json"
    assert formats.CSV.content_type == "text/csv; charset=utf-8"
    assert formats.TURTLE.content_type == "text/turtle; charset=utf-8"
    assert formats.RDF_XML.content_type == "application/rdf+xml"


def _solutions():
    store = ox.Store()
    for i in range(7):
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://ex/{i}"), ox.NamedNode("http://ex/p"), ox.Literal(f'v "{i}" {{#}}', language="en")
            )
        )
    return store, "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"


@pytest.mark.parametrize("fmt", formats.RESULT_FORMATS, ids=lambda f: f.name)
def test_encode_caps_rows_and_says_so(fmt):
    store, q = _solutions()
    enc = encode.encode(store.query(q), fmt, formats.TURTLE, 3)
    assert enc.truncated and enc.form == "solutions" and enc.variables == ("s", "o")
    if fmt is formats.SPARQL_JSON:
        assert len(json.loads(enc.data)["results"]["bindings"]) == 3
    elif fmt is not formats.CSV:
        assert len(list(ox.parse_query_results(enc.data, format=fmt.oxigraph))) == 3


def test_encode_uncapped_when_under_the_cap():
    store, q = _solutions()
    enc = encode.encode(store.query(q), formats.SPARQL_JSON, formats.TURTLE, 7)
    assert not enc.truncated
    rows = json.loads(enc.data)["results"]["bindings"]
    assert rows[0]["o"] == {"type": "literal", "value": 'v "0" {#}', "xml:lang": "en"}


def test_encode_graph_and_boolean():
    store, _ = _solutions()
    enc = encode.encode(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), formats.SPARQL_JSON, formats.N_TRIPLES, 2)
    assert enc.form == "graph" and enc.truncated and len(enc.data.strip().splitlines()) == 2
    enc = encode.encode(store.query("ASK { ?s ?p ?o }"), formats.SPARQL_XML, formats.N_TRIPLES, 2)
    assert enc.form == "boolean" and b"<boolean>true</boolean>" in enc.data


def test_term_to_json_datatypes():
    lit = ox.Literal("5", datatype=ox.NamedNode(vocab.XSD + "integer"))
    assert encode.term_to_sparql_json(lit) == {"type": "literal", "value": "5", "datatype": vocab.XSD + "integer"}
    assert encode.term_to_sparql_json(ox.Literal("x")) == {"type": "literal", "value": "x"}
    assert encode.term_to_sparql_json(ox.BlankNode("b1")) == {"type": "bnode", "value": "b1"}


def _awkward_store(*, star: bool = True) -> ox.Store:
    """Terms that could trip a line-per-row format: newlines, tabs, quotes, escapes, RDF-star."""
    ex = "http://example.org/"
    xsd = vocab.XSD
    objects = [
        ox.Literal('a\nb\tc"d\\e\r'),
        ox.Literal("x", language="en-GB"),
        ox.Literal("中文 \u0000 \u2028 \U0001f600"),
        ox.Literal(" 1", datatype=ox.NamedNode(xsd + "integer")),  # not a valid integer: kept as written
        ox.Literal("1.0e0", datatype=ox.NamedNode(xsd + "double")),
        ox.Literal("TRUE", datatype=ox.NamedNode(xsd + "boolean")),
        ox.Literal("x", datatype=ox.NamedNode(ex + "dt")),
        ox.Literal("1", datatype=ox.NamedNode(xsd + "integer")),
        ox.BlankNode("b0"),
        ox.NamedNode(ex + "o#frag"),
    ]
    if star:  # RDF/XML and JSON-LD cannot write triple terms (pyoxigraph 0.5)
        objects.append(ox.Triple(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p"), ox.Literal("quoted\nline")))
    store = ox.Store()
    for i, o in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(ex + "s"), ox.NamedNode(f"{ex}p{i:02d}"), o, ox.NamedNode(ex + "g")))
    return store


AWKWARD = "SELECT ?p ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?s <http://none> ?unbound } } ORDER BY ?p"


@pytest.mark.parametrize("cap", [None, 100, 5])
def test_native_encoding_matches_the_term_by_term_writer(cap):
    """Solutions written by pyoxigraph (through TSV) carry the same terms as the Python writer."""
    store = _awkward_store()
    enc = encode.encode(
        store.query(AWKWARD, use_default_graph_as_union=True), formats.SPARQL_JSON, formats.N_TRIPLES, cap
    )
    rows = list(store.query(AWKWARD, use_default_graph_as_union=True))[: cap or None]
    expected = json.loads(encode.solutions_json(("p", "o", "unbound"), rows))
    assert json.loads(enc.data) == expected
    assert enc.truncated == (cap == 5) and enc.variables == ("p", "o", "unbound")
    for fmt in (formats.SPARQL_XML, formats.TSV):
        other = encode.encode(store.query(AWKWARD, use_default_graph_as_union=True), fmt, formats.N_TRIPLES, cap)
        parsed = ox.parse_query_results(other.data, format=fmt.oxigraph)
        assert [list(r) for r in parsed] == [list(r) for r in rows]


def test_native_graph_encoding_keeps_every_triple():
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    for fmt in formats.GRAPH_FORMATS:
        store = _awkward_store(star=fmt in (formats.TURTLE, formats.N_TRIPLES))
        want = {q.triple for q in store}
        enc = encode.encode(store.query(construct, use_default_graph_as_union=True), formats.SPARQL_JSON, fmt, 1000)
        assert not enc.truncated
        assert {q.triple for q in ox.parse(enc.data, format=fmt.oxigraph)} == want, fmt.name


@pytest.mark.parametrize("cap", [0, 1, 1234, 4999, 5000])
def test_row_cap_across_many_writer_chunks(cap):
    """Caps are exact when the result spans many of pyoxigraph's 8 KiB chunks; the first rows are kept."""
    store = ox.Store()
    for i in range(5000):
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://example.org/s{i:05d}"), ox.NamedNode("http://example.org/p"), ox.Literal("v" * 30)
            )
        )
    q = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
    enc = encode.encode(store.query(q), formats.SPARQL_JSON, formats.N_TRIPLES, cap)
    rows = json.loads(enc.data)["results"]["bindings"]
    assert len(rows) == cap and enc.truncated == (cap < 5000)
    assert [r["s"]["value"] for r in rows] == [f"http://example.org/s{i:05d}" for i in range(cap)]
    if cap < 5000:
        assert f"cut at {cap} rows" in (enc.note or "")
    graph = encode.encode(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), formats.SPARQL_JSON, formats.N_TRIPLES, cap)
    assert len(graph.data.splitlines()) == cap and graph.truncated == (cap < 5000)


def test_a_query_error_while_writing_is_not_mistaken_for_a_limit():
    """An evaluation error raised inside pyoxigraph's writer reaches the caller."""

    class Broken:
        def write(self, chunk: bytes) -> int:
            raise OSError("disk on fire")

    sink = encode._LineSink(10, 10**6)
    with pytest.raises(OSError, match="disk on fire"):
        sink.fill(lambda out: Broken().write(b"x"))
