"""One contract suite for the store interface, run on the embedded store and on a real `oxigraph serve`.

Plus what only the embedded store has: worker processes that are killed on timeout and replaced,
on-disk stores opened read-only by several workers, and `kgqa load --store` idempotency.
"""

from __future__ import annotations

import http.server
import threading
import time

import pyoxigraph as ox
import pytest

from kgqa.errors import BadQuery, QueryTimeout
from kgqa.sparql import formats
from kgqa.sparql.results import Dataset, Result
from kgqa.sparql.values import inject_values
from kgqa.store.oxigraph import OxigraphStore
from kgqa.store.pool import StoreSpec
from tests.conftest import ENDLESS, MINI_DATA, MINI_ONTOLOGY
from tests.traps import loopback_server

KGR = "https://w3id.org/kgqa/resource/"
ASSERTED = "https://w3id.org/kgqa/graph/asserted"
ONTOLOGY = "https://w3id.org/kgqa/graph/ontology"


@pytest.fixture(
    params=["embedded", *(pytest.param(name, marks=pytest.mark.server) for name in ("oxigraph", "virtuoso"))]
)
def store(request):
    state = request.getfixturevalue("built_state" if request.param == "embedded" else f"{request.param}_state")
    return state.store


def test_select_rows_and_formats(store):
    q = f"SELECT ?l WHERE {{ <{KGR}MiniMax> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    res = store.query(q, timeout_s=10)
    assert res.form == "solutions" and res.variables == ("l",) and not res.truncated
    assert res.rows() == [{"l": ox.Literal("MiniMax", language="en")}]
    for fmt in formats.RESULT_FORMATS:
        assert b"MiniMax" in res.serialize(fmt)
    tsv = store.query(q, timeout_s=10, results_format=formats.TSV)
    assert tsv.format is formats.TSV and tsv.rows() == res.rows()


def test_ask_and_construct(store):
    assert store.query("ASK { ?s ?p ?o }", timeout_s=10).boolean is True
    res = store.query(
        f"CONSTRUCT {{ <{KGR}MiniMax> ?p ?o }} WHERE {{ <{KGR}MiniMax> ?p ?o }}",
        timeout_s=10,
        graph_format=formats.TURTLE,
    )
    assert res.form == "graph" and len(res.triples()) > 3
    assert ox.NamedNode(KGR + "MiniMax") in {t.subject for t in res.triples()}
    assert b"<rdf:RDF" in res.serialize(formats.RDF_XML)


def test_bindings_are_terms(store):
    nasty = ox.Literal('x" } UNION { ?s ?p ?o } # \\u0022', language="en")
    res = store.query("SELECT ?v WHERE { }", bindings={"v": nasty}, timeout_s=10)
    assert res.rows() == [{"v": nasty}]
    res = store.query(
        "SELECT ?e ?l WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l }",
        bindings={"e": ox.NamedNode(KGR + "MiniMax")},
        timeout_s=10,
    )
    assert [r["l"].value for r in res.rows()] == ["MiniMax"]


def test_dataset_restricts_graphs(store):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    total = int(store.query(q, timeout_s=10).rows()[0]["n"].value)
    onto = int(store.query(q, dataset=Dataset((ONTOLOGY,), ()), timeout_s=10).rows()[0]["n"].value)
    assert 0 < onto < total
    assert int(store.query(q, dataset=Dataset((), (ONTOLOGY,)), timeout_s=10).rows()[0]["n"].value) == 0


def test_row_cap(store):
    res = store.query("SELECT ?s WHERE { ?s ?p ?o }", timeout_s=10, max_rows=7)
    assert res.truncated and len(res.rows()) == 7
    res = store.query("CONSTRUCT WHERE { ?s ?p ?o }", timeout_s=10, max_rows=7)
    assert res.truncated and len(res.triples()) == 7


def test_counts_and_graphs(store):
    assert store.triple_count() > 1000
    assert {ASSERTED, ONTOLOGY} <= set(store.named_graphs(timeout_s=10))


def test_syntax_error(built_state):
    with pytest.raises(BadQuery, match=r"line 1, column \d+"):
        built_state.store.query("SELECT ?x WHERE { ?x }", timeout_s=5)


# --- embedded only ---------------------------------------------------------------------------


def test_timeout_kills_the_worker_and_others_keep_serving(mini_state):
    store = mini_state.store
    before = set(store.pool.pids())
    errors: list[Exception] = []

    def slow() -> None:
        try:
            store.query(ENDLESS, timeout_s=1.5)
        except Exception as exc:
            errors.append(exc)

    t = threading.Thread(target=slow)
    t.start()
    # While one worker is stuck, the other answers.
    for _ in range(5):
        assert store.query("ASK { ?s ?p ?o }", timeout_s=5).boolean
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], QueryTimeout)
    assert "1.5 s time limit" in errors[0].message
    # The stuck worker is gone and a replacement serves.
    assert store.query("ASK { ?s ?p ?o }", timeout_s=30).boolean
    assert set(store.pool.pids()) != before


def test_on_disk_store_read_only_in_several_workers(tmp_path):
    from kgqa.cli.main import load_into_store

    pairs = [(MINI_DATA, None), (MINI_ONTOLOGY, ONTOLOGY)]
    log = []

    class Out:
        def write(self, s):
            log.append(s)

        def flush(self):
            pass

    first = load_into_store(pairs, str(tmp_path / "db"), out=Out())
    load_into_store(pairs, str(tmp_path / "db"), out=Out())  # twice: still one copy
    assert any("quads/s" in line for line in log) and any(line.startswith("store ") for line in log)
    disk = OxigraphStore(StoreSpec(path=str(tmp_path / "db")), workers=2)
    try:
        assert disk.triple_count() == first
        q = "SELECT (COUNT(*) AS ?n) WHERE { ?a <http://www.w3.org/2002/07/owl#annotatedSource> ?s }"
        assert int(disk.query(q, timeout_s=10).rows()[0]["n"].value) == 1
        results = []
        threads = [
            threading.Thread(target=lambda: results.append(disk.query("ASK { ?s ?p ?o }", timeout_s=10)))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r.boolean for r in results) and len(results) == 4
    finally:
        disk.close()


def test_missing_data_file_is_a_clear_error():
    with pytest.raises(RuntimeError, match="could not open the store"):
        OxigraphStore(StoreSpec(files=(("/nonexistent/x.trig", None),)), workers=1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES"),
        ("PREFIX a: <http://x/a#> SELECT * # { comment\n { ?x ?p '{' }", "SELECT * # { comment\n { VALUES"),
        ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", "WHERE { VALUES"),
        ("CONSTRUCT WHERE { ?x ?p ?o }", "CONSTRUCT WHERE { VALUES"),
        ("ASK { ?x ?p ?o }", "ASK { VALUES"),
        ('SELECT ?x WHERE { ?x ?p """a { b""" }', "SELECT ?x WHERE { VALUES"),
    ],
)
def test_inject_values_finds_the_where_group(query, expected):
    out = inject_values(query, {"x": ox.NamedNode("http://x/1")})
    assert expected in out and "VALUES (?x) { (<http://x/1>) }" in out


def _capped_query(url: str, sparql: str, limit: int) -> Result:
    """One query through a remote store with a byte limit of `limit` on its reply (no row cap)."""
    from kgqa.store.remote import RemoteStore

    store = RemoteStore(url, max_result_bytes=limit, parse_workers=1)
    try:
        return store.query(sparql, timeout_s=30, max_rows=10_000_000)
    finally:
        store.close()


def test_a_remote_reply_is_read_only_up_to_a_bound():
    """An endpoint that would send 50 MB of rows: the remote store reads a bounded prefix and cuts it
    at a line, instead of holding the whole answer in memory before the byte limit applies."""
    from kgqa.store.remote import READ_FACTOR

    total = 50 * 1024 * 1024
    sent = {"bytes": 0}

    class Flood(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/tab-separated-values; charset=utf-8")
            self.end_headers()
            line = b'"' + b"x" * 90 + b'"\n'
            try:
                self.wfile.write(b"?s\n")
                while sent["bytes"] < total:
                    self.wfile.write(line * 1000)
                    sent["bytes"] += len(line) * 1000
            except OSError:
                pass  # the client stopped reading

        def log_message(self, *args: object) -> None:
            pass

    limit = 10_000
    with loopback_server(Flood) as base:
        result = _capped_query(base + "/sparql", "SELECT ?s WHERE { ?s ?p ?o }", limit)
        assert result.truncated and len(result.data) <= limit
        rows = result.rows()
        assert 0 < len(rows) <= READ_FACTOR * limit // 93 and all(r["s"].value == "x" * 90 for r in rows)
        time.sleep(0.1)
        assert sent["bytes"] < total / 2  # the server was stopped long before it had sent it all


def test_a_remote_xml_reply_over_the_bound_is_cut_after_a_whole_result():
    """SPARQL XML (what the remote store asks for first) over the read bound: cut after the last
    whole `<result>` and closed, so the kept rows parse; flagged truncated. Virtuoso's blank nodes
    (`nodeID://b1`) are read as blank nodes."""
    from kgqa.store.remote import READ_FACTOR

    row = b'<result><binding name="s"><bnode>nodeID://b1</bnode></binding><binding name="o"><literal>' + b"x" * 80
    row += b"</literal></binding></result>\n"

    class Flood(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+xml")
            self.end_headers()
            head = b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
            try:
                self.wfile.write(head + b'<variable name="s"/><variable name="o"/></head><results>\n')
                for _ in range(5000):
                    self.wfile.write(row * 10)
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    limit = 10_000
    with loopback_server(Flood) as base:
        rows = (result := _capped_query(base + "/sparql", "SELECT ?s ?o WHERE { ?s ?p ?o }", limit)).rows()
        assert result.truncated and 0 < len(rows) <= READ_FACTOR * limit // len(row)
        assert all(isinstance(r["s"], ox.BlankNode) and r["o"].value == "x" * 80 for r in rows)
