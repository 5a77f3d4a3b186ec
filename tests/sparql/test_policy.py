"""Read-only and closed: updates, SERVICE and foreign graphs are refused and never executed.

Proof, not just status codes: a loopback HTTP server counts every request it receives (it must see
none), and a secret file on disk must never be opened by this process nor appear in any reply.
"""

from __future__ import annotations

import sys
import urllib.parse

import pytest

from kgqa.errors import BadQuery, Forbidden, TooLarge
from kgqa.sparql.policy import check_dataset, check_query, oxigraph_syntax_error
from tests.traps import SECRET, TrapHandler

_opened: list[str] = []
_watch: set[str] = set()


def _audit(event: str, args: tuple) -> None:
    if event == "open" and args and str(args[0]) in _watch:
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # cannot be removed; it only records opens of the watched secret file


def refused_queries(url: str, file_url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ OPTIONAL {{ SeRvIcE <{url}/a> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}/b> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERV\\u0049CE <{url}/c> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # comment\n SERVICE # another\n <{url}/d> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <{url}/> SELECT * WHERE {{ SERVICE r:e {{ ?s ?p ?o }} }}",
        f"ASK {{ SERVICE <{url}/f> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}/g> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o . FILTER EXISTS {{ SERVICE <{url}/h> {{ ?s ?p ?o }} }} }}",
        # The outside review's bypasses: a bare CR ends a comment for the engine; \u0022 and
        # \u00000022 inside a string are one character for the engine, not the string's end.
        f"SELECT * WHERE {{ # \r SERVICE <{url}/cr> {{ ?x ?y ?z }} \n }}",
        f'SELECT * WHERE {{ FILTER("a\\u0022) }} #") SERVICE <{url}/u4> {{ ?x ?y ?z }} }}',
        f'SELECT * WHERE {{ FILTER("a\\u00000022) }} #") SERVICE <{url}/u8> {{ ?x ?y ?z }} }}',
        f"SELECT * WHERE {{ #\r\rSERVICE <{url}/cr2> {{ ?x ?y ?z }} }}",
        # Virtuoso's built-in functions fetch URLs (bif:http_get); refused on every store.
        f"SELECT (bif:http_get('{url}/bif') AS ?x) {{}}",
        f"PREFIX b: <http://www.openlinksw.com/schemas/bif#> SELECT * {{ BIND(b:http_get('{url}/bif2') AS ?x) }}",
        f"SELECT * {{ ?s ?p ?o FILTER(<bif:http_get>('{url}/bif3')) }}",
        f"LOAD <{url}/remote.nt>",
        f"load <{file_url}>",
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "insert data { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX x: <http://x/> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "clear default",
        "DROP GRAPH <http://g>",
        "CREATE GRAPH <http://g>",
        "COPY DEFAULT TO <http://g>",
        "MOVE <http://a> TO <http://b>",
        "ADD <http://a> TO <http://b>",
        "\\u0049NSERT DATA { <http://a> <http://b> <http://c> }",
        "# just a comment\nDROP ALL",
        f"SELECT * FROM <{url}/remote.nt> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}/remote.nt> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{file_url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{file_url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ]


KNOWN = frozenset({"https://w3id.org/kgqa/graph/asserted"})


def test_policy_refuses_everything_in_process(trap, canary):
    _watch.add(str(canary))
    hits = len(TrapHandler.hits)
    for q in refused_queries(trap, canary.as_uri()):
        with pytest.raises((Forbidden, BadQuery)):
            check_dataset(check_query(q, max_bytes=10_000), [], [], KNOWN)
    assert len(TrapHandler.hits) == hits
    assert _opened == []


def test_oxigraph_parse_oracle_never_evaluates(trap):
    """The oracle relies on pyoxigraph parsing before it rejects contradictory options."""
    hits = len(TrapHandler.hits)
    assert oxigraph_syntax_error(f"ASK {{ SERVICE <{trap}/ask> {{ ?s ?p ?o }} }}") is None
    assert oxigraph_syntax_error(f"SELECT * {{ SERVICE <{trap}/sel> {{ ?s ?p ?o }} }}") is None
    assert "1:" in oxigraph_syntax_error("SELECT ?x WHERE { ?x ?p }")
    assert len(TrapHandler.hits) == hits


@pytest.mark.parametrize("method", ["get", "form", "direct"])
def test_http_refusals_never_reach_anything(client, trap, canary, method):
    _watch.add(str(canary))
    hits = len(TrapHandler.hits)
    for q in refused_queries(trap, canary.as_uri()):
        if method == "get":
            r = client.get("/sparql", query_string={"query": q})
        elif method == "form":
            r = client.post("/sparql", data={"query": q})
        else:
            r = client.post("/sparql", data=q.encode(), content_type="application/sparql-query")
        assert r.status_code in (400, 403), (q, r.status_code)
        assert SECRET not in r.get_data(as_text=True)
        assert r.is_json and r.get_json()["status"] == r.status_code
    assert len(TrapHandler.hits) == hits
    assert _opened == []


def test_update_protocol_forms_refused(client, trap):
    hits = len(TrapHandler.hits)
    r = client.post("/sparql", data={"update": f"LOAD <{trap}/x>"})
    assert r.status_code == 403 and "read-only" in r.get_json()["error"]
    r = client.get("/sparql", query_string={"update": "DROP ALL"})
    assert r.status_code == 403
    r = client.post("/sparql", data=b"DROP ALL", content_type="application/sparql-update")
    assert r.status_code == 403
    assert len(TrapHandler.hits) == hits


def test_dataset_parameters_must_name_stored_graphs(client, trap, canary):
    q = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    for params in ({"default-graph-uri": f"{trap}/g"}, {"named-graph-uri": canary.as_uri()}):
        r = client.get("/sparql", query_string={"query": q, **params})
        assert r.status_code == 400  # a refused dataset: SPARQL 1.1 Protocol §2.1.4
        assert "not a graph in this store" in r.get_json()["error"]
    assert not any(urllib.parse.urlsplit(h.split(" ", 1)[1]).path == "/g" for h in TrapHandler.hits)


def test_allowed_queries_pass():
    ok = check_query("PREFIX ex: <http://x/> SELECT ?service WHERE { ?service ex:SERVICE 'SERVICE' }", max_bytes=1000)
    assert ok.form == "SELECT"
    checked = check_query("SELECT * FROM <https://w3id.org/kgqa/graph/asserted> WHERE { ?s ?p ?o }", max_bytes=1000)
    ds = check_dataset(checked, [], [], KNOWN)
    assert ds is not None and ds.default_graphs == ("https://w3id.org/kgqa/graph/asserted",)
    assert check_dataset(check_query("ASK {}", max_bytes=100), [], [], KNOWN) is None
    assert check_query('SELECT * { ?s ?p "SERVICE <x> {}" } # SERVICE', max_bytes=100).form == "SELECT"


def test_limits_and_syntax_messages():
    with pytest.raises(TooLarge):
        check_query("SELECT * WHERE { ?s ?p ?o } #" + "x" * 200, max_bytes=100)
    with pytest.raises(BadQuery, match="missing query"):
        check_query("   ", max_bytes=100)
    with pytest.raises(BadQuery, match=r"SPARQL syntax error at line 2, column \d+"):
        check_query("SELECT *\nWHERE { ?s ?p }", max_bytes=100)


# --- the policy's parse runs in a query worker (OxigraphStore.analyse) ---------------------------


def _many_patterns(n: int) -> str:
    """A valid SELECT of `n` triple patterns in one group: long, but nothing an engine minds."""
    return "SELECT * WHERE { " + " ".join(f"?s <p:{i}> ?o ." for i in range(n)) + " } LIMIT 1"


def test_a_query_with_over_a_hundred_patterns_is_checked_and_run(client):
    # rdflib's recursive parser, once part of the check, refused anything over about 90 patterns.
    # (Far more patterns are legal too, but Oxigraph's own planning grows steeply: 200 take 8 s.)
    r = client.post(
        "/sparql", data={"query": _many_patterns(120)}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["results"]["bindings"] == []


def test_a_long_query_is_stopped_at_the_time_limit():
    from kgqa.state import open_state
    from kgqa.web import create_app

    long_query = _many_patterns(3500)  # 56 KB, under the 64 KB limit; Oxigraph plans it for minutes
    assert len(long_query) < 64 * 1024
    state = open_state({"KGQA_WORKERS": 1, "KGQA_QUERY_TIMEOUT": 0.5})
    try:
        client = create_app({"TESTING": True}, state=state).test_client()
        slow = client.post("/sparql", data=long_query, content_type="application/sparql-query")
        assert slow.status_code == 503
        assert "time limit" in slow.get_json()["error"]
        after = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert after.status_code == 200  # the killed worker was replaced
    finally:
        state.close()


# --- the policy decides on the text the engine runs --------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://x/> SELECT * { ex:Customer-Service ?p ?o }",
        "PREFIX ex: <http://x/> SELECT * { ex:self.service ?p ?o }",
        'SELECT * { ?s ?p "x"@en-service }',
        "SELECT * { _:a-service ?p ?o }",
        "SELECT ?service { ?service ?p 'SERVICE' } # SERVICE <http://x/>",
        "SELECT * { VALUES ?x { -1.0 } }",
        "ASK { <s> ?p ?o }",
    ],
)
def test_names_and_syntax_the_engine_accepts_are_not_refused(client, query):
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.get_json()


def test_relative_iris_resolve_against_the_resource_namespace(client):
    r = client.get(
        "/sparql",
        query_string={"query": "SELECT ?x { BIND(<minimax> AS ?x) }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200
    assert r.get_json()["results"]["bindings"][0]["x"]["value"] == "https://w3id.org/kgqa/resource/minimax"
    own = client.get(
        "/sparql",
        query_string={"query": "BASE <http://example.org/a/> SELECT ?x { BIND(<b> AS ?x) }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert own.get_json()["results"]["bindings"][0]["x"]["value"] == "http://example.org/a/b"


def test_the_engine_is_handed_the_canonical_text():
    """No comment, no bare CR and no \\u escape reaches the engine; strings keep their values."""
    checked = check_query('SELECT ("caf\\u00E9\\n" AS ?x) # note\r{ }', max_bytes=1000)
    assert "#" not in checked.text and "\r" not in checked.text and "\\u" not in checked.text
    assert '"café\\n"' in checked.text
    # A backslash in a value is written as two, so the u after it starts no escape.
    kept = check_query('SELECT ("a\\\\u0041" AS ?x) {}', max_bytes=1000)
    assert '"a\\\\u0041"' in kept.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { FILTER(" + "!" * 30_000 + "true) }", "prefix operators"),
        ("SELECT (" + "+".join(["1"] * 9000) + " AS ?x) {}", "chains 8999 operators"),
        ("SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * 9000) + " }", "UNION"),
    ],
)
def test_what_would_crash_the_engine_is_refused_without_a_native_parse(query, message):
    """pyoxigraph 0.5.13 dies with SIGSEGV on each of these; the refusal is taken on the tokens, in
    this process (a crash here would end the test run)."""
    with pytest.raises(BadQuery, match=message):
        check_query(query, max_bytes=1 << 20)


def test_long_values_lists_are_not_an_operator_chain():
    query = "SELECT * { VALUES ?x { " + " ".join(["-1"] * 5000) + " } }"
    assert check_query(query, max_bytes=1 << 20).form == "SELECT"
