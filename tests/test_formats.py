"""Content negotiation as a table: Accept header and format= parameters -> the format we write."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from service import formats

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
    enc = formats.encode(store.query(q), fmt, formats.TURTLE, 3)
    assert enc.truncated and enc.form == "solutions" and enc.variables == ("s", "o")
    if fmt is formats.SPARQL_JSON:
        assert len(json.loads(enc.data)["results"]["bindings"]) == 3
    elif fmt is not formats.CSV:
        assert len(list(ox.parse_query_results(enc.data, format=fmt.oxigraph))) == 3


def test_encode_uncapped_when_under_the_cap():
    store, q = _solutions()
    enc = formats.encode(store.query(q), formats.SPARQL_JSON, formats.TURTLE, 7)
    assert not enc.truncated
    rows = json.loads(enc.data)["results"]["bindings"]
    assert rows[0]["o"] == {"type": "literal", "value": 'v "0" {#}', "xml:lang": "en"}


def test_encode_graph_and_boolean():
    store, _ = _solutions()
    enc = formats.encode(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), formats.SPARQL_JSON, formats.N_TRIPLES, 2)
    assert enc.form == "graph" and enc.truncated and len(enc.data.strip().splitlines()) == 2
    enc = formats.encode(store.query("ASK { ?s ?p ?o }"), formats.SPARQL_XML, formats.N_TRIPLES, 2)
    assert enc.form == "boolean" and b"<boolean>true</boolean>" in enc.data


def test_term_to_json_datatypes():
    lit = ox.Literal("5", datatype=ox.NamedNode(formats.XSD + "integer"))
    assert formats.term_to_sparql_json(lit) == {"type": "literal", "value": "5", "datatype": formats.XSD + "integer"}
    assert formats.term_to_sparql_json(ox.Literal("x")) == {"type": "literal", "value": "x"}
    assert formats.term_to_sparql_json(ox.BlankNode("b1")) == {"type": "bnode", "value": "b1"}
