"""SPARQL 1.1 Protocol through the test client: every request form, every format, the service description."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib

from kgqa.sparql import formats

SELECT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l LIMIT 3"
)
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
ASK = "ASK { ?s ?p ?o }"


def send(client, method: str, query: str, **kw):
    if method == "get":
        return client.get("/sparql", query_string={"query": query, **kw.pop("params", {})}, **kw)
    if method == "form":
        return client.post("/sparql", data={"query": query, **kw.pop("params", {})}, **kw)
    return client.post(
        "/sparql", data=query.encode(), content_type="application/sparql-query", query_string=kw.pop("params", {}), **kw
    )


@pytest.mark.parametrize("method", ["get", "form", "direct"])
def test_select_json_every_method(client, method):
    r = send(client, method, SELECT)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/sparql-results+json"
    assert "Accept" in [v.strip() for v in r.headers["Vary"].split(",")]
    body = r.get_json(force=True)
    assert body["head"]["vars"] == ["s", "l"] and len(body["results"]["bindings"]) == 3


@pytest.mark.parametrize("fmt", formats.RESULT_FORMATS, ids=lambda f: f.name)
def test_select_every_format(client, fmt):
    r = send(client, "get", SELECT, headers={"Accept": fmt.media_type})
    assert r.status_code == 200 and r.headers["Content-Type"] == fmt.content_type
    if fmt is formats.CSV:
        rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
        assert rows[0] == ["s", "l"] and len(rows) == 4
    else:
        assert len(list(ox.parse_query_results(r.data, format=fmt.oxigraph))) == 3


@pytest.mark.parametrize("fmt", formats.GRAPH_FORMATS, ids=lambda f: f.name)
def test_construct_every_format(client, fmt):
    r = send(client, "form", CONSTRUCT, headers={"Accept": fmt.media_type})
    assert r.status_code == 200 and r.headers["Content-Type"] == fmt.content_type
    g = rdflib.Graph().parse(
        data=r.data, format={"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}[fmt.name]
    )
    assert len(g) == 5


def test_ask_and_describe(client):
    r = send(client, "get", ASK, headers={"Accept": "application/sparql-results+xml"})
    assert r.status_code == 200 and b"<boolean>true</boolean>" in r.data
    assert send(client, "get", ASK).get_json(force=True)["boolean"] is True
    r = send(client, "get", "DESCRIBE <https://w3id.org/kgqa/resource/MiniMax>", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/kgqa/resource/MiniMax"), None, None) in g


def test_sparqlwrapper_habits(client):
    """format/output/results parameters (repeated), x-sparqlstar JSON Accept, XML by default."""
    r = send(
        client,
        "get",
        SELECT,
        params={"format": "json", "output": "json", "results": "json"},
        headers={"Accept": "application/x-sparqlstar-results+json,application/sparql-results+json"},
    )
    assert r.headers["Content-Type"] == "application/sparql-results+json"
    r = send(
        client,
        "get",
        SELECT,
        params={"format": ["tsv", "text/tab-separated-values"]},
        headers={"Accept": "text/tab-separated-values"},
    )
    assert r.headers["Content-Type"].startswith("text/tab-separated-values")
    r = send(client, "get", SELECT, headers={"Accept": "application/sparql-results+xml"}, params={"format": "xml"})
    assert r.headers["Content-Type"] == "application/sparql-results+xml"
    r = send(client, "get", CONSTRUCT, params={"format": "xml"}, headers={"Accept": "application/rdf+xml"})
    assert r.headers["Content-Type"] == "application/rdf+xml"


def test_not_acceptable(client):
    r = send(client, "get", SELECT, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.get_json()["error"]
    r = send(client, "get", CONSTRUCT, headers={"Accept": "text/csv"})
    assert r.status_code == 406


def test_dataset_parameters_and_from(client):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    total = int(send(client, "get", q).get_json(force=True)["results"]["bindings"][0]["n"]["value"])
    onto = "https://w3id.org/kgqa/graph/ontology"
    r = send(client, "get", q, params={"default-graph-uri": onto})
    only = int(r.get_json(force=True)["results"]["bindings"][0]["n"]["value"])
    assert 0 < only < total
    r = send(client, "get", f"SELECT (COUNT(*) AS ?n) FROM <{onto}> WHERE {{ ?s ?p ?o }}")
    assert int(r.get_json(force=True)["results"]["bindings"][0]["n"]["value"]) == only
    r = send(client, "get", f"SELECT DISTINCT ?g FROM NAMED <{onto}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert [b["g"]["value"] for b in r.get_json(force=True)["results"]["bindings"]] == [onto]


def test_service_description(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/turtle; charset=utf-8"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert any(g.triples((None, sd.endpoint, None)))
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in g
    names = {str(o) for o in g.objects(None, sd.name)}
    assert "https://w3id.org/kgqa/graph/asserted" in names
    for media, fmt in (("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")):
        r = client.get("/sparql", headers={"Accept": media})
        assert any(rdflib.Graph().parse(data=r.data, format=fmt).triples((None, sd.endpoint, None)))


def test_browsers_get_a_page(client):
    r = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code in (200, 303)
    if r.status_code == 200:
        assert r.headers["Content-Type"].startswith("text/html")


def test_missing_query_and_bad_body(client):
    r = client.post("/sparql", data={})
    assert r.status_code == 400 and r.get_json()["param"] == "query"
    r = client.post("/sparql", data=b"{}", content_type="application/json")
    assert r.status_code == 400
    r = client.get("/sparql", query_string=[("query", "ASK {}"), ("query", "ASK {}")])
    assert r.status_code == 400


def test_syntax_error_has_position(client):
    r = send(client, "get", "SELECT ?x\nWHERE { ?x ?p }")
    assert r.status_code == 400
    assert r.get_json()["error"].startswith("SPARQL syntax error at line 2, column ")


def test_too_large(client, app):
    limit = app.extensions["kgqa"].settings.max_query_bytes
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * limit
    assert send(client, "get", big).status_code == 413
    assert send(client, "direct", big).status_code == 413
    assert send(client, "form", big + "x" * 8192).status_code == 413


def test_row_cap_is_visible(mini_client):
    q = "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    r = send(mini_client, "get", q)
    assert r.headers["X-KGQA-Truncated"] == "true"
    assert len(r.get_json(force=True)["results"]["bindings"]) == 5
    r = send(mini_client, "get", q + " LIMIT 2")
    assert "X-KGQA-Truncated" not in r.headers


def test_cors(client):
    r = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in r.headers
    r = send(client, "get", ASK, headers={"Origin": "https://yasgui.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_graph_store_protocol(client):
    r = client.get("/store?graph=https://w3id.org/kgqa/graph/inferred", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/n-triples"
    inferred = len(rdflib.Graph().parse(data=r.data, format="nt"))
    r = client.get("/store?default", headers={"Accept": "text/turtle"})
    assert len(rdflib.Graph().parse(data=r.data, format="turtle")) > inferred > 0
    assert client.get("/store?graph=http://nope/").status_code == 404
    assert client.put("/store?default", data=b"").status_code == 405
    assert client.delete("/store?default").status_code == 405


def test_unicode_round_trip(client):
    q = 'SELECT ?l WHERE { ?s ?p ?l FILTER (LANG(?l) = "zh") } LIMIT 1'
    r = send(client, "get", q)
    value = json.loads(r.data)["results"]["bindings"][0]["l"]["value"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in value)
