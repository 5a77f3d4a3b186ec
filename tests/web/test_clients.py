"""Real clients against a real `kgqa serve` (waitress, worker processes): SPARQLWrapper, rdflib's
SPARQLStore, raw HTTP for the error cases; and a clean shutdown that leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.conftest import BIN, ENDLESS, ROOT, free_port, stop, wait_until_responds

pytestmark = pytest.mark.server

SELECT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l LIMIT 4"""
ASK = "ASK { <https://w3id.org/kgqa/resource/MiniMax> ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 6"
DESCRIBE = "DESCRIBE <https://w3id.org/kgqa/resource/MiniMax>"


def wrapper(server: str, query: str, fmt: str, method: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    return sw


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select(kgqa_server, fmt, method):
    res = wrapper(kgqa_server, SELECT, fmt, method).query()
    data = res.convert()
    if fmt == JSON:
        assert len(data["results"]["bindings"]) == 4
    elif fmt == XML:
        assert len(data.getElementsByTagName("result")) == 4
    else:
        assert len(data.decode().strip().splitlines()) == 5


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(kgqa_server, fmt, method):
    data = wrapper(kgqa_server, ASK, fmt, method).query().convert()
    assert (data["boolean"] if fmt == JSON else data.getElementsByTagName("boolean")[0].firstChild.data) in (
        True,
        "true",
    )


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [XML, RDFXML, TURTLE, N3, JSONLD])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_graphs(kgqa_server, query, fmt, method):
    data = wrapper(kgqa_server, query, fmt, method).query().convert()
    g = (
        data
        if isinstance(data, rdflib.Graph)
        else rdflib.Graph().parse(data=data, format={TURTLE: "turtle", N3: "n3", JSONLD: "json-ld"}.get(fmt, "xml"))
    )
    assert len(g) >= (6 if query == CONSTRUCT else 3)


def test_rdflib_sparqlstore(kgqa_server):
    g = rdflib.Graph(store=SPARQLStore(kgqa_server + "/sparql"))
    rows = list(g.query(SELECT))
    assert len(rows) == 4 and all(isinstance(r[0], rdflib.URIRef) for r in rows)
    assert g.query(ASK).askAnswer is True
    assert len(g.query(CONSTRUCT).graph) == 6
    minimax = rdflib.URIRef("https://w3id.org/kgqa/resource/MiniMax")
    assert rdflib.Literal("MiniMax", lang="en") in set(g.objects(minimax, rdflib.RDFS.label))


def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.mark.parametrize(
    ("path", "kw", "status"),
    [
        ("/sparql?query=SELEC", {}, 400),
        ("/sparql", {"data": b"", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400),
        ("/sparql?update=DROP%20ALL", {}, 403),
        ("/sparql", {"data": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}, 403),
        (
            "/sparql",
            {"data": b"update=CLEAR%20ALL", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            403,
        ),
        ("/sparql?query=" + urllib.parse.quote("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), {}, 403),
        ("/sparql?query=" + urllib.parse.quote("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"), {}, 400),
        ("/sparql?default-graph-uri=http://x/&query=ASK%7B%7D", {}, 400),
        ("/sparql?query=ASK%7B%7D", {"headers": {"Accept": "image/png"}}, 406),
        ("/sparql", {"data": b"ASK {} #" + b"x" * 70000, "headers": {"Content-Type": "application/sparql-query"}}, 413),
        ("/sparql?query=" + "x" * 70000, {}, 413),
        ("/sparql", {"method": "DELETE"}, 405),
        ("/api/queries/nope", {}, 404),
        ("/api/queries/round-lead", {}, 400),
        ("/entity/Nobody", {}, 404),
        ("/nowhere", {}, 404),
    ],
)
def test_error_cases_over_http(kgqa_server, path, kw, status):
    code, headers, body = http(kgqa_server + path, **kw)
    assert code == status
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["status"] == status


def test_timeout_while_others_are_served(kgqa_server):
    url = kgqa_server + "/sparql?query=" + urllib.parse.quote(ENDLESS)
    slow: list = []
    t = threading.Thread(target=lambda: slow.append(http(url)))
    t.start()
    fast = [http(kgqa_server + "/sparql?query=" + urllib.parse.quote(ASK))[0] for _ in range(5)]
    t.join()
    assert fast == [200] * 5
    code, _, body = slow[0]
    assert code == 503 and json.loads(body)["error"] == "query exceeded the 3 s time limit"
    assert http(kgqa_server + "/healthz")[0] == 200


def test_truncation_header_and_cors(kgqa_server):
    q = urllib.parse.quote("SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 10001")
    code, headers, _ = http(kgqa_server + "/sparql?query=" + q, headers={"Origin": "https://editor.example"})
    assert code == 200 and headers["X-KGQA-Truncated"] == "true"
    assert headers["Access-Control-Allow-Origin"] == "*"
    code, headers, _ = http(
        kgqa_server + "/sparql",
        method="OPTIONS",
        headers={"Origin": "https://editor.example", "Access-Control-Request-Method": "POST"},
    )
    assert code == 200 and headers["Access-Control-Allow-Origin"] == "*"


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            out.add(child)
            stack.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_clean_shutdown_leaves_no_process(sig):
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "kgqa"), "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_responds(f"http://127.0.0.1:{port}/healthz", proc=proc)
        family = descendants(proc.pid)
        assert len(family) >= 2  # the fork server and the query workers
        os.kill(proc.pid, sig)
        assert proc.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in family):
            time.sleep(0.1)
        assert not [p for p in family if alive(p)]
    finally:
        stop(proc)
