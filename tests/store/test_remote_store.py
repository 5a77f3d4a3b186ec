"""The same service on a remote store: a real `oxigraph serve` loaded with `kgqa load --endpoint`.

Every canned query of `queries/` runs on the embedded and on the remote store with the same
parameters, and the answers must agree.
"""

from __future__ import annotations

import subprocess

import pyoxigraph as ox
import pytest

from kgqa.canned.results import run
from tests.conftest import BIN, ROOT

pytestmark = pytest.mark.server

SAMPLE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?e ?cls WHERE { ?e a ?t . ?t rdfs:subClassOf* ?cls . FILTER (isIRI(?e)) } ORDER BY ?e LIMIT 1"""
LITERALS = {"decimal": "2000000000", "integer": "2", "string": "moon", "date": "2024-03", "boolean": "true"}


def sample_params(state, canned) -> dict[str, str]:
    """A value for every required parameter: the first entity of the declared class, or a literal."""
    params = {}
    for p in canned.params:
        if not p.required:
            continue
        if p.type == "iri":
            if p.cls:
                res = state.store.query(SAMPLE, bindings={"cls": ox.NamedNode(p.cls)}, timeout_s=10)
                rows = res.rows()
                params[p.name] = rows[0]["e"].value if rows else "https://w3id.org/kgqa/resource/MiniMax"
            else:
                params[p.name] = "https://w3id.org/kgqa/resource/MiniMax"
        elif p.type == "enum":
            params[p.name] = p.choices[0]
        else:
            params[p.name] = LITERALS[p.type]
    return params


def normalise(result) -> list:
    if result.form == "boolean":
        return [result.boolean]
    if result.form == "graph":
        return sorted(str(t) for t in result.triples() if not isinstance(t.subject, ox.BlankNode))
    return sorted(
        tuple(sorted((k, "_:b" if isinstance(v, ox.BlankNode) else str(v)) for k, v in row.items()))
        for row in result.rows()
    )


def test_canned_queries_agree(built_state, remote_state):
    assert remote_state.known_graphs == built_state.known_graphs
    assert remote_state.triples == built_state.triples
    checked = 0
    for canned in built_state.registry:
        params = sample_params(built_state, canned)
        local, _ = run(built_state, canned, params)
        remote, _ = run(remote_state, canned, params)
        assert local.form == remote.form, canned.name
        assert normalise(local) == normalise(remote), canned.name
        checked += 1
    assert checked == len(built_state.registry) >= 15


def test_nasty_string_parameter_agrees(built_state, remote_state):
    canned = next((q for q in built_state.registry if any(p.type == "string" for p in q.params)), None)
    if canned is None:
        pytest.skip("no canned query with a string parameter")
    name = next(p.name for p in canned.params if p.type == "string")
    for value in ['"} } ; DROP ALL #', "moon' } UNION { ?s ?p ?o } #", "\\u0022"]:
        local, _ = run(built_state, canned, {name: value})
        remote, _ = run(remote_state, canned, {name: value})
        assert normalise(local) == normalise(remote)


def test_load_is_idempotent(remote, remote_state):
    before = remote_state.store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", timeout_s=10).rows()[
        0
    ]["n"]
    subprocess.run([str(BIN / "kgqa"), "load", *remote.load_args], cwd=ROOT, check=True, capture_output=True)
    after = remote_state.store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", timeout_s=10).rows()[0][
        "n"
    ]
    assert before == after


def test_service_on_remote_store(remote_state):
    from kgqa.web import create_app

    client = create_app({"TESTING": True}, state=remote_state).test_client()
    r = client.get("/api/queries/round-lead?startup=MiniMax")
    assert r.status_code == 200 and any(row["answerLabel"]["value"] == "Alibaba Group" for row in r.get_json()["rows"])
    r = client.get("/entity/MiniMax", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and b"MiniMax" in r.data
    q = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 10001"  # one row past the default cap
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["X-KGQA-Truncated"] == "true"


def test_remote_store_runs_no_service_the_review_smuggled(remote_state, trap):
    """The remote `oxigraph serve` has a network: a SERVICE that got past the policy would reach the
    loopback trap from there. The review's three bypasses, and the whole refusal list, reach nothing."""
    from kgqa.web import create_app
    from tests.sparql.test_policy import refused_queries
    from tests.traps import TrapHandler

    client = create_app({"TESTING": True}, state=remote_state).test_client()
    hits = len(TrapHandler.hits)
    for q in refused_queries(trap, "file:///nonexistent"):
        r = client.post("/sparql", data={"query": q})
        assert r.status_code in (400, 403), (q, r.status_code)
    assert len(TrapHandler.hits) == hits
