"""Per-request resource limits (issue 7): result rows and bytes, request size, query time.

Each limit answers with something a person can act on: a cut result says which limit cut it (a
header, and a field in the JSON API), an oversized request is a 413 naming the limit, a slow query a
503 naming the time limit. Whole-graph downloads are exempt from the result limits by design.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from kgqa.settings import Settings
from kgqa.sparql import encode, formats
from kgqa.sparql.policy import MAX_NESTING
from kgqa.web import create_app
from tests.conftest import ENDLESS, MINI

MAX_BYTES = 1500
EVERYTHING = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def small_client() -> Iterator[Any]:
    """The mini graph with a generous row cap and a small byte limit, so only bytes cut."""
    app = create_app({"TESTING": True, **MINI, "KGQA_MAX_ROWS": 1000, "KGQA_MAX_RESULT_BYTES": MAX_BYTES})
    yield app.test_client()
    app.extensions["kgqa"].close()


def test_settings_come_from_the_environment() -> None:
    settings = Settings.load(environ={"KGQA_MAX_RESULT_BYTES": "1234", "KGQA_MAX_ROWS": "7"})
    assert settings.max_result_bytes == 1234 and settings.max_rows == 7
    assert Settings.load(environ={}).max_result_bytes == 8 * 1024 * 1024


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_results_are_cut_to_the_byte_limit_in_every_format(small_client: Any, fmt: str) -> None:
    r = small_client.get("/sparql", query_string={"query": EVERYTHING, "format": fmt})
    assert r.status_code == 200
    assert len(r.data) <= MAX_BYTES
    assert r.headers["X-KGQA-Truncated"] == "true"
    assert "KGQA_MAX_RESULT_BYTES" in r.headers["X-KGQA-Truncated-Reason"]
    assert str(MAX_BYTES) in r.headers["X-KGQA-Truncated-Reason"]
    if fmt in {"json", "xml", "tsv"}:  # still a complete document that parses, cut at a row boundary
        rows = list(ox.parse_query_results(r.data, format=formats.BY_NAME[fmt].oxigraph))
        assert 0 < len(rows) < 67


@pytest.mark.parametrize("fmt", ["ntriples", "turtle", "rdfxml", "jsonld"])
def test_graphs_are_cut_to_the_byte_limit(small_client: Any, fmt: str) -> None:
    r = small_client.get("/sparql", query_string={"query": CONSTRUCT, "format": fmt})
    assert r.status_code == 200 and len(r.data) <= MAX_BYTES
    assert "KGQA_MAX_RESULT_BYTES" in r.headers["X-KGQA-Truncated-Reason"]
    triples = list(ox.parse(r.data, format=formats.BY_NAME[fmt].oxigraph))
    assert 0 < len(triples) < 67


def test_small_results_are_not_flagged(small_client: Any) -> None:
    r = small_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    assert r.status_code == 200 and "X-KGQA-Truncated" not in r.headers


def test_canned_query_json_says_which_limit_cut(small_client: Any, mini_client: Any) -> None:
    body = mini_client.get("/api/queries/labels").get_json()  # MINI caps rows at 5
    assert body["truncated"] is True and "KGQA_MAX_ROWS" in body["truncatedReason"]
    assert len(body["rows"]) == 5
    r = mini_client.get("/sparql", query_string={"query": EVERYTHING})
    assert "cut at 5 rows" in r.headers["X-KGQA-Truncated-Reason"]


def test_whole_graph_downloads_have_no_result_limits(small_client: Any) -> None:
    r = small_client.get("/store", query_string={"format": "nt"})
    assert r.status_code == 200 and len(r.data) > MAX_BYTES and "X-KGQA-Truncated" not in r.headers


def test_encode_fits_any_limit() -> None:
    """The cut is at a row boundary whatever the limit, down to zero rows, for every format."""
    store = ox.Store()
    ex = "http://example.org/"
    for i in range(300):
        store.add(ox.Quad(ox.NamedNode(f"{ex}s{i}"), ox.NamedNode(ex + "p"), ox.Literal("ü" * (i % 40) + '"<&>')))
    for limit in (0, 50, 333, 2000, 20_000):
        for fmt in formats.RESULT_FORMATS:
            enc = encode.encode(store.query("SELECT * { ?s ?p ?o }"), fmt, formats.N_TRIPLES, None, limit)
            assert enc.truncated and "KGQA_MAX_RESULT_BYTES" in (enc.note or "")
            if len(enc.data) > limit:  # only an empty result may be larger: its header alone is
                assert "cut at 0 rows" in (enc.note or ""), (fmt.name, limit)
        for fmt in formats.GRAPH_FORMATS:
            enc = encode.encode(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), formats.SPARQL_JSON, fmt, None, limit)
            assert enc.truncated
            if len(enc.data) > limit:  # prefixes of an empty Turtle/RDF-XML document
                assert "cut at 0 triples" in (enc.note or ""), (fmt.name, limit)
    enc = encode.encode(store.query("SELECT * { ?s ?p ?o }"), formats.SPARQL_JSON, formats.N_TRIPLES, 1000, 10**9)
    assert not enc.truncated and enc.note is None and len(json.loads(enc.data)["results"]["bindings"]) == 300


def test_request_size_limits(mini_client: Any, client: Any) -> None:
    big = "ASK {} #" + "x" * 70_000
    r = mini_client.post("/sparql", data=big, content_type="application/sparql-query")
    assert r.status_code == 413 and "65536 byte limit" in r.get_json()["error"]
    r = mini_client.get("/sparql", query_string={"query": big})
    assert r.status_code == 413
    r = client.post("/api/ask", json={"question": "x" * 100_000})
    assert r.status_code == 413 and r.get_json()["error"] == "request too large"
    r = client.get("/api/ask", query_string={"q": "who " * 200})
    assert r.status_code == 400 and "the limit is 500" in r.get_json()["error"]


def test_nesting_limit(mini_client: Any) -> None:
    deep = "SELECT * WHERE " + "{" * (MAX_NESTING + 1) + "?s ?p ?o" + "}" * (MAX_NESTING + 1)
    r = mini_client.get("/sparql", query_string={"query": deep})
    assert r.status_code == 400 and f"the limit is {MAX_NESTING}" in r.get_json()["error"]


def test_time_limit(mini_client: Any) -> None:
    r = mini_client.get("/sparql", query_string={"query": ENDLESS})
    assert r.status_code == 503 and "1.5 s time limit" in r.get_json()["error"]


def test_memory_limit_stops_a_query_and_the_worker_is_replaced() -> None:
    """A SELECT DISTINCT over a product allocates fast: the worker's memory limit stops it (503)."""
    app = create_app({"TESTING": True, **MINI, "KGQA_WORKER_MEMORY_MB": 256, "KGQA_QUERY_TIMEOUT": 30})
    try:
        client = app.test_client()
        hog = "SELECT DISTINCT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a"
        r = client.get("/sparql", query_string={"query": hog})
        assert r.status_code == 503, r.data[:300]
        assert "256 MB memory limit" in r.get_json()["error"] and "KGQA_WORKER_MEMORY_MB" in r.get_json()["error"]
        # The other worker answers at once and a replacement starts in the background.
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True
    finally:
        app.extensions["kgqa"].close()
