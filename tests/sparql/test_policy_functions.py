"""Functions outside SPARQL 1.1 are refused on every store, found on the canonical tokens.

A table of where a name followed by `(` is a call and where it is not (a predicate and a
collection, a subject and a path, a datatype), then a property: wherever a generated query puts an
unknown function, the policy refuses it exactly when the engine itself would call it (pyoxigraph
reports "The custom function ... is not supported" while planning, before any row, so it is an
oracle for "this text calls a function").
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgqa.errors import ApiError, Forbidden
from kgqa.sparql.policy import check_query

P = "PREFIX ex: <http://example.org/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "

REFUSED = {
    "Virtuoso's bif: prefix, undeclared": ("SELECT (bif:http_get('http://127.0.0.1:9/') AS ?x) {}", "bif:http_get"),
    "bif: in upper case": ("SELECT (BIF:http_get('http://127.0.0.1:9/') AS ?x) {}", "BIF:http_get"),
    "bif: as an IRI": ("SELECT * { BIND(<bif:http_get>('http://127.0.0.1:9/') AS ?x) }", "bif:http_get"),
    "Virtuoso's bif namespace, declared": (
        "PREFIX b: <http://www.openlinksw.com/schemas/bif#> SELECT * { ?s ?p ?o FILTER(b:http_get(?o)) }",
        "http://www.openlinksw.com/schemas/bif#http_get",
    ),
    "sql: procedure": ("SELECT * { ?s ?p ?o FILTER(sql:foo(?o)) }", "sql:foo"),
    "bif:contains as a predicate": ("SELECT * { ?s bif:contains 'x' }", "bif:contains"),
    "Jena property function": (
        "PREFIX apf: <http://jena.apache.org/ARQ/property#> SELECT * { ?x apf:strSplit ('a b' ' ') }",
        "http://jena.apache.org/ARQ/property#strSplit",
    ),
    "Jena afn: call": (
        "PREFIX afn: <http://jena.apache.org/ARQ/function#> SELECT (afn:now() AS ?t) {}",
        "http://jena.apache.org/ARQ/function#now",
    ),
    "java: class function": ("SELECT (<java:com.example.F>(1) AS ?x) {}", "java:com.example.F"),
    "FILTER with a bare call": (P + "SELECT * { ?s ?p ?o FILTER ex:f(?o) }", "http://example.org/f"),
    "in BIND": (P + "SELECT * { BIND(ex:f(1) AS ?x) }", "http://example.org/f"),
    "nested in a built-in": (P + "SELECT * { ?s ?p ?o FILTER(STR(ex:f(?o)) = '') }", "http://example.org/f"),
    "in a select expression": (P + "SELECT (ex:f(?o) AS ?x) { ?s ?p ?o }", "http://example.org/f"),
    "in ORDER BY": (P + "SELECT * { ?s ?p ?o } ORDER BY ex:f(?o)", "http://example.org/f"),
    "in ORDER BY after a variable": (P + "SELECT * { ?s ?p ?o } ORDER BY ?s ex:f(?o)", "http://example.org/f"),
    "in GROUP BY": (P + "SELECT ?x { ?s ?p ?o } GROUP BY (ex:f(?o) AS ?x)", "http://example.org/f"),
    "in HAVING": (P + "SELECT ?s { ?s ?p ?o } GROUP BY ?s HAVING ex:f(?s)", "http://example.org/f"),
    "in a sub-query's ORDER BY": (
        P + "SELECT * { { SELECT ?o { ?s ?p ?o } ORDER BY ex:f(?o) LIMIT 1 } }",
        "http://example.org/f",
    ),
    "inside FILTER EXISTS": (
        P + "SELECT * { ?s ?p ?o FILTER EXISTS { ?o ?q ?r FILTER(ex:f(?r)) } }",
        "http://example.org/f",
    ),
    "relative IRI against BASE": (
        "BASE <http://example.org/a/> SELECT (<f>(1) AS ?x) {}",
        "http://example.org/a/f",
    ),
    "relative IRI against the service's base": ("SELECT (<f>(1) AS ?x) {}", "https://w3id.org/kgqa/resource/f"),
    "a prefix declared twice: the second counts": (
        "PREFIX x: <http://www.w3.org/2001/XMLSchema#> PREFIX x: <http://example.org/> SELECT (x:integer(1) AS ?y) {}",
        "http://example.org/integer",
    ),
    "an XSD type SPARQL 1.1 has no cast for": (P + "SELECT (xsd:date('2020-01-01') AS ?d) {}", "XMLSchema#date"),
}

ACCEPTED = {
    "XSD cast": P + "SELECT (xsd:integer('1') AS ?x) {}",
    "XSD cast by IRI": "SELECT (<http://www.w3.org/2001/XMLSchema#dateTime>('2020-01-01T00:00:00') AS ?x) {}",
    "XSD cast through BASE": "BASE <http://www.w3.org/2001/XMLSchema> SELECT (<#decimal>('1') AS ?x) {}",
    "a predicate followed by a collection": P + "SELECT * { ?s ex:f (1 2) }",
    "a subject followed by a path group": P + "SELECT * { ex:s (ex:p|ex:q) ?o }",
    "a path step followed by a group": P + "SELECT * { ?s ex:p/(ex:q) ?o }",
    "nested collections": P + "SELECT * { ?s a (ex:x (ex:y)) }",
    "a collection inside FILTER EXISTS": P + "SELECT * { ?s ?p ?o FILTER EXISTS { ?s ex:p (ex:f) } }",
    "a datatype": P + "SELECT * { ?s ?p ?o FILTER(?o = '1'^^xsd:integer) }",
    "built-in keywords": P + "SELECT (STR(?o) AS ?x) { ?s ?p ?o FILTER(REGEX(STR(?o), 'a') && BOUND(?s)) }",
    "a VALUES block after ORDER BY": P + "SELECT * { ?s ?p ?o } ORDER BY ?s VALUES (?s) { (ex:a) }",
    "a name like bif in a string": "SELECT * { ?s ?p 'bif:http_get(1)' }",
    "a declared but unused engine prefix": "PREFIX b: <http://www.openlinksw.com/schemas/bif#> ASK {}",
}


@pytest.mark.parametrize("query, name", REFUSED.values(), ids=REFUSED.keys())
def test_functions_outside_sparql_are_refused_naming_them(query: str, name: str) -> None:
    with pytest.raises(Forbidden) as refused:
        check_query(query, max_bytes=10_000)
    assert name in str(refused.value)
    assert refused.value.status == 403


@pytest.mark.parametrize("query", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_what_is_not_a_call_or_is_a_cast_is_accepted(query: str) -> None:
    check_query(query, max_bytes=10_000)


# --- the property: the policy sees a call exactly where the engine does ----------------------

CALL = "ex:f(?o)"
# Places for a piece of text in `SELECT ?o ... { ?s ?p ?o . <HERE> } ...`, some expressions, some
# patterns where a `(` after a name is a collection or a path.
IN_GROUP = [
    "FILTER({x})",
    "FILTER {x}",
    "BIND({x} AS ?b)",
    "FILTER(STR({x}) != '')",
    "FILTER(?o IN (1, {x}))",
    "FILTER EXISTS {{ ?o ?q ?r FILTER({x}) }}",
    "?s ex:p ({y})",
    "?s ex:p ({y} ({y}))",
    "?s (ex:p|ex:q) ?o",
    "?s ex:p/(ex:q) ?o",
    "OPTIONAL {{ ?s ex:f ({y}) }}",
    "{{ SELECT ?o {{ ?s ?p ?o }} ORDER BY {x} LIMIT 1 }}",
]
AFTER = ["", "ORDER BY {x}", "ORDER BY ?o {x}", "GROUP BY ?o HAVING({x})", "ORDER BY ?o VALUES (?o) {{ (ex:a) }}"]
PROJECTIONS = ["?o", "?o ({x} AS ?z)", "?o (STR({x}) AS ?z)"]
ITEMS = ["ex:a", "ex:f", "1", "'s'", CALL]


@st.composite
def queries(draw: st.DrawFn) -> str:
    def fill(template: str) -> str:
        return template.format(x=draw(st.sampled_from([CALL, "?o", "1"])), y=draw(st.sampled_from(ITEMS)))

    group = " . ".join(fill(t) for t in draw(st.lists(st.sampled_from(IN_GROUP), max_size=3)))
    return (
        f"PREFIX ex: <http://example.org/> SELECT {fill(draw(st.sampled_from(PROJECTIONS)))} "
        f"{{ ?s ?p ?o . {group} }} {fill(draw(st.sampled_from(AFTER)))}"
    )


def _engine_calls_a_function(store: ox.Store, text: str) -> bool | None:
    """True if the engine would call a custom function for `text`; None if it does not parse."""
    try:
        list(store.query(text))
    except SyntaxError:
        return None
    except RuntimeError as exc:
        return "custom function" in str(exc)
    return False


def test_the_policy_refuses_a_call_exactly_where_the_engine_makes_one() -> None:
    store = ox.Store()
    seen = {"refused": 0, "accepted": 0}

    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(query=queries())
    def check(query: str) -> None:
        calls = _engine_calls_a_function(store, query)
        if calls is None:
            return
        try:
            check_query(query, max_bytes=10_000)
            refused = False
        except ApiError as exc:
            refused = "calls the function" in str(exc)
        assert refused == calls, query
        seen["refused" if refused else "accepted"] += 1

    check()
    assert seen["refused"] > 0 and seen["accepted"] > 0, seen
