"""The W3C SPARQL test suites that apply to a read-only, single-dataset query endpoint, run on `/sparql`.

The vendored tests (tests/sparql/w3c/README.md): the SPARQL 1.1 syntax, federation, evaluation, protocol and
service-description suites, and the SPARQL 1.0 syntax suites (every 1.0 query is a valid 1.1 query).

Every request goes through the real endpoint (Flask test client → policy check → query workers →
pyoxigraph), on one app whose store holds every test's data, each file in a named graph called by
the file's W3C IRI; a test picks its dataset with `default-graph-uri` / `named-graph-uri`, the
protocol's own way, so one store (two workers, started once) serves all of them.

What counts as passing (the terminal summary prints the counts, `tests/conftest.py`):
- positive syntax tests: any 200; a 403 only for the tests in `POLICY_REFUSALS` (SERVICE, functions
  outside SPARQL 1.1);
- negative syntax tests: a 400;
- update syntax tests: the update is refused (403 for valid updates, 400 or 403 for invalid ones);
- evaluation tests: the endpoint's answer equals the expected results (solutions as multisets with
  blank nodes matched, in order under ORDER BY; CONSTRUCT graphs isomorphic);
- protocol tests: status class, result form and boolean as the manifest says; updates refused.
Tests failing on today's code are strict xfails listed in tests/sparql/w3c/expected-failures.txt.
"""

from __future__ import annotations

import csv
import decimal
import io
import re
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kgqa.vocab import INTEGER_TYPES, XSD
from tests.conftest import MINI_QUERIES
from tests.sparql import w3c_suite as w3c

EXPECTED = w3c.expected_failures()
# A graph no query reads: naming it as the only named graph makes the default graph empty
# (the protocol cannot say "an empty dataset" otherwise; an empty graph is not in the store).
UNUSED_GRAPH = "urn:kgqa:w3c:unused"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"

# Valid queries the endpoint refuses on purpose (403; 400 for a dataset), each with its reason. A 200 for one of
# these is a failure: it would mean a SERVICE pattern ran.
_SERVICE = "SERVICE (federated query): the endpoint never reaches the network on a user's behalf"
_UNSERVED_DATASET = (
    "the dataset names data0.rdf, a document the test gives no data for: the endpoint "
    "serves only graphs in its store and never fetches documents"
)
_UNSUPPORTED_FUNCTION = "an extension function, not SPARQL 1.1's: refused by the policy with a 403 naming it"
POLICY_REFUSALS: dict[str, str] = {
    **{f"{w3c.BASE}syntax-fed/manifest#test_{i}": _SERVICE for i in (1, 2, 3)},
    **{
        f"{w3c.BASE}service/manifest#{name}": _SERVICE
        for name in ("service1", "service2", "service3", "service4a", "service5", "service6", "service7")
    },
    **{
        f"{w3c.BASE}protocol/manifest#{name}": "SPARQL Update: the endpoint is read-only"
        for name in (
            "update_dataset_default_graph",
            "update_dataset_default_graphs",
            "update_dataset_named_graphs",
            "update_dataset_full",
            "update_post_form",
            "update_post_direct",
            "update_base_uri",
        )
    },
    **{
        f"{w3c.BASE}protocol/manifest#{name}": _UNSERVED_DATASET
        for name in (
            "query_post_form",
            "query_get",
            "query_content_type_select",
            "query_content_type_ask",
            "query_content_type_describe",
            "query_content_type_construct",
        )
    },
    # Valid syntax calling a function that is not SPARQL 1.1's: a 403 that names the function.
    **{
        test: _UNSUPPORTED_FUNCTION
        for test in (
            f"{w3c.BASE}syntax-query/manifest#test_4",
            *(
                f"{w3c.BASE10}{name}"
                for name in (
                    "syntax-sparql1/manifest#syntax-expr-05",
                    "syntax-sparql1/manifest#syntax-order-05",
                    "syntax-sparql1/manifest#syntax-order-06",
                    "syntax-sparql2/manifest#syntax-function-01",
                    "syntax-sparql2/manifest#syntax-function-02",
                    "syntax-sparql2/manifest#syntax-function-03",
                    "syntax-sparql2/manifest#syntax-function-04",
                )
            ),
        )
    },
}


def refusal_status(iri: str) -> int:
    """400 for a dataset the endpoint will not serve (Protocol §2.1.4); 403 for SERVICE, Update and a
    function outside SPARQL 1.1."""
    return 400 if POLICY_REFUSALS[iri] == _UNSERVED_DATASET else 403


def params(cases: list) -> list:
    """pytest params by test IRI, the ones failing today as strict xfails with their cause."""
    out = []
    for case in cases:
        marks = []
        if case.iri in EXPECTED:
            marks.append(pytest.mark.xfail(strict=True, reason=EXPECTED[case.iri]))
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


SYNTAX = w3c.cases(w3c.SYNTAX_SUITES)
EVAL = [c for c in w3c.cases(w3c.EVAL_SUITES) if c.kind in ("QueryEvaluationTest", "CSVResultFormatTest")]
PROTOCOL = w3c.protocol_cases()


# --- the app ---------------------------------------------------------------------------------

_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML}


def _quads(path: Path, graph: str, index: int) -> Iterator[ox.Quad]:
    """The file's triples in `graph`, blank nodes renamed apart per file (so that graphs never share one)."""
    g = ox.NamedNode(graph)

    def term(t):
        return ox.BlankNode(f"f{index}x{t.value}") if isinstance(t, ox.BlankNode) else t

    for q in ox.parse(path=path, format=_FORMATS[path.suffix], base_iri=w3c.file_iri(path)):
        yield ox.Quad(term(q.subject), q.predicate, term(q.object), g)


@pytest.fixture(scope="session")
def w3c_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, str], set[str]]:
    """One N-Quads file with every test's data; the files that did not parse, with the error; empty graphs.

    A file with no triples makes no graph in the store, so tests leave empty graphs out of their dataset.
    """
    graphs: dict[str, Path] = {}
    for case in EVAL:
        for path in case.data + case.graph_data:
            graphs[w3c.file_iri(path)] = path
    for pcase in PROTOCOL:
        for name, path in pcase.graph_data:
            graphs[name] = path
    broken: dict[Path, str] = {}
    empty: set[str] = set()
    quads = [
        ox.Quad(
            ox.NamedNode(UNUSED_GRAPH),
            ox.NamedNode(UNUSED_GRAPH),
            ox.NamedNode(UNUSED_GRAPH),
            ox.NamedNode(UNUSED_GRAPH),
        )
    ]
    for i, (name, path) in enumerate(sorted(graphs.items())):
        try:
            found = list(_quads(path, name, i))
        except SyntaxError as exc:
            broken[path] = str(exc)
            continue
        if not found:
            empty.add(name)
        quads += found
    out = tmp_path_factory.mktemp("w3c") / "w3c.nq"
    out.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    return out, broken, empty


@pytest.fixture(scope="session")
def w3c_app(w3c_data):
    from kgqa.state import open_state
    from kgqa.web import create_app

    config = {
        "KGQA_DATA_FILES": [str(w3c_data[0])],
        "KGQA_ONTOLOGY": None,
        "KGQA_QUERIES_DIR": str(MINI_QUERIES),
        "KGQA_MAX_ROWS": 100_000,
        "KGQA_WORKERS": 2,
    }
    state = open_state(config)
    try:
        yield create_app({"TESTING": True, **config}, state=state)
    finally:
        state.close()


@pytest.fixture
def w3c_client(w3c_app):
    return w3c_app.test_client()


def post_query(client, text: str, *, default: list[str] = (), named: list[str] = (), accept: str = ACCEPT):
    qs = [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]
    return client.post(
        "/sparql?" + urllib.parse.urlencode(qs),
        data=text.encode("utf-8"),
        content_type="application/sparql-query",
        headers={"Accept": accept},
    )


def outcome(request: pytest.FixtureRequest, value: str) -> None:
    """Tell the terminal summary how this test passed (`record_property` reaches the report)."""
    request.node.user_properties.append(("w3c", value))


def explain(resp) -> str:
    return f"HTTP {resp.status_code}: {resp.get_data(as_text=True)[:300]}"


# --- syntax ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", params([c for c in SYNTAX if c.kind in ("PositiveSyntaxTest", "PositiveSyntaxTest11")])
)
def test_syntax_positive(w3c_client, case: w3c.Case, request):
    """A valid query is answered (on an empty default graph): never refused as bad syntax."""
    resp = post_query(w3c_client, case.query_text(), named=[UNUSED_GRAPH])
    if case.iri in POLICY_REFUSALS:
        assert resp.status_code == refusal_status(case.iri), (
            f"{case.iri} must be refused ({POLICY_REFUSALS[case.iri]}): {explain(resp)}"
        )
        outcome(request, w3c.POLICY)
        return
    assert resp.status_code == 200, explain(resp)


@pytest.mark.parametrize(
    "case", params([c for c in SYNTAX if c.kind in ("NegativeSyntaxTest", "NegativeSyntaxTest11")])
)
def test_syntax_negative(w3c_client, case: w3c.Case):
    """An invalid query gets 400 (a client error naming the syntax problem), never runs."""
    resp = post_query(w3c_client, case.query_text(), named=[UNUSED_GRAPH])
    assert resp.status_code == 400, explain(resp)


@pytest.mark.parametrize("case", params([c for c in SYNTAX if "Update" in c.kind]))
def test_update_refused(w3c_client, case: w3c.Case, request):
    """An update, valid or not, in any body form, is refused: 403 for valid ones (the policy), 400/403 else."""
    text = case.query_text()
    for resp in (
        w3c_client.post("/sparql", data=text.encode(), content_type="application/sparql-update"),
        w3c_client.post("/sparql", data={"update": text}),
        post_query(w3c_client, text),  # an update sent as if it were a query
    ):
        if case.kind == "PositiveUpdateSyntaxTest11":
            assert resp.status_code == 403, explain(resp)
        else:
            assert resp.status_code in (400, 403), explain(resp)
    outcome(request, w3c.POLICY)


# --- evaluation ------------------------------------------------------------------------------

_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?<", re.IGNORECASE)
_RESULTS_FORMATS = {
    ".srx": ox.QueryResultsFormat.XML,
    ".srj": ox.QueryResultsFormat.JSON,
    ".tsv": ox.QueryResultsFormat.TSV,
}


_DECIMALS = INTEGER_TYPES | {XSD + "decimal"}
_FLOATS = {XSD + "double", XSD + "float"}


def canonical(term: object) -> object:
    """Numeric and boolean literals by value within their datatype ("1.0" = "1" as xsd:decimal,
    "3.0E4" = "30000" as xsd:double, "0" = "false"), as W3C result comparisons do; others as they are."""
    if isinstance(term, ox.Literal) and term.datatype.value in _DECIMALS | _FLOATS:
        try:
            value: object = (
                float(term.value) if term.datatype.value in _FLOATS else decimal.Decimal(term.value).normalize()
            )
        except (ValueError, decimal.InvalidOperation):
            return term
        return ("number", term.datatype.value, value)
    if isinstance(term, ox.Literal) and term.datatype.value == XSD + "boolean" and term.value in ("0", "1"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    return term


def _rows(results: ox.QuerySolutions) -> tuple[set[str], list[dict[str, object]]]:
    names = {v.value for v in results.variables}
    rows = []
    for sol in results:
        rows.append({n: canonical(sol[n]) for n in names if sol[n] is not None})
    return names, rows


RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")


def _ox(term: rdflib.term.Node) -> object:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD + "string")))


def _result_set(g: rdflib.Graph) -> tuple[set[str], list[dict[str, object]]] | bool:
    """An expected result written in the DAWG result-set vocabulary (rs:ResultSet in Turtle)."""
    rs = next(g.subjects(rdflib.RDF.type, RS.ResultSet))
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return bool(boolean.toPython())
    names = {str(v) for v in g.objects(rs, RS.resultVariable)}
    rows = []
    for sol in g.objects(rs, RS.solution):
        rows.append(
            {str(g.value(b, RS.variable)): canonical(_ox(g.value(b, RS.value))) for b in g.objects(sol, RS.binding)}
        )
    return names, rows


Renaming = tuple[dict, set]  # blank node of the actual rows -> of the expected rows; those used


def _bind_term(at: object, et: object, mapping: dict, used: set) -> bool:
    """Extend `mapping` (in place) so that `at` matches `et`; False when they cannot match."""
    if not (isinstance(at, ox.BlankNode) and isinstance(et, ox.BlankNode)):
        return at == et
    if at in mapping:
        return mapping[at] == et
    if et in used:
        return False
    mapping[at] = et
    used.add(et)
    return True


def _bind_row(a: dict, e: dict, renaming: Renaming) -> Renaming | None:
    """`renaming` extended so that row `a` equals row `e`, or None."""
    if a.keys() != e.keys():
        return None
    mapping, used = dict(renaming[0]), set(renaming[1])
    return (mapping, used) if all(_bind_term(at, e[k], mapping, used) for k, at in a.items()) else None


def _has_bnode(row: dict) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in row.values())


def _match_unordered(rest_a: list[dict], rest_e: list[dict], i: int, renaming: Renaming, taken: frozenset) -> bool:
    """Backtracking search for a pairing of the rows with blank nodes under one renaming."""
    if i == len(rest_a):
        return True
    for j, e in enumerate(rest_e):
        step = None if j in taken else _bind_row(rest_a[i], e, renaming)
        if step is not None and _match_unordered(rest_a, rest_e, i + 1, step, taken | {j}):
            return True
    return False


def _match(actual: list[dict], expected: list[dict], ordered: bool) -> bool:
    """Solutions equal up to a renaming of blank nodes (a bijection), as multisets or in order."""
    if len(actual) != len(expected):
        return False
    if ordered:
        renaming: Renaming | None = ({}, set())
        for a, e in zip(actual, expected, strict=True):
            renaming = _bind_row(a, e, renaming) if renaming is not None else None
        return renaming is not None
    plain_a = Counter(frozenset(r.items()) for r in actual if not _has_bnode(r))
    plain_e = Counter(frozenset(r.items()) for r in expected if not _has_bnode(r))
    if plain_a != plain_e:
        return False
    rest_a = [r for r in actual if _has_bnode(r)]
    rest_e = [r for r in expected if _has_bnode(r)]
    return _match_unordered(rest_a, rest_e, 0, ({}, set()), frozenset())


def _diff(got: list[dict], want: list[dict], ordered: bool) -> str:
    """The rows only one side has (blank nodes aside), so that a failure shows what differs."""
    g = Counter(frozenset(r.items()) for r in got)
    w = Counter(frozenset(r.items()) for r in want)
    return (
        f"solutions differ{' (in order)' if ordered else ''}: {len(got)} rows, {len(want)} expected\n"
        f" only got:  {[dict(r) for r in (g - w)]}\n only want: {[dict(r) for r in (w - g)]}"
    )


def _graph(data: bytes | str, fmt: str, base: str | None = None) -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=fmt, publicID=base)


def skip_reason(case: w3c.Case, broken: dict[Path, str]) -> str | None:
    """Why an evaluation test cannot be run on a read-only single-dataset endpoint, or None."""
    for path in case.data + case.graph_data:
        if path in broken:
            return f"its data {path.name} does not parse in pyoxigraph: {broken[path]}"
    if case.result is None:
        return "the manifest names no expected result"
    return None


@pytest.mark.parametrize("case", params(EVAL))
def test_evaluation(w3c_client, w3c_data, case: w3c.Case, request):
    """The endpoint's answer on the test's dataset equals the W3C's expected results."""
    reason = skip_reason(case, w3c_data[1])
    if reason:
        pytest.skip(reason)
    # The protocol has no base IRI parameter: the test's base (the query file's IRI) goes in as BASE.
    text = f"BASE <{w3c.file_iri(case.query)}>\n" + case.query_text()
    empty = w3c_data[2]
    default = [g for g in map(w3c.file_iri, case.data) if g not in empty]
    named = [g for g in map(w3c.file_iri, case.graph_data) if g not in empty] or ([] if default else [UNUSED_GRAPH])
    if _FROM.search(case.query_text()):  # FROM <data.ttl> resolves (against BASE) to the graph holding it
        default, named = [], []
    if case.iri in POLICY_REFUSALS:
        resp = post_query(w3c_client, text, default=default, named=named)
        assert resp.status_code == refusal_status(case.iri), (
            f"must be refused ({POLICY_REFUSALS[case.iri]}): {explain(resp)}"
        )
        outcome(request, w3c.POLICY)
        return
    # The query as the W3C wrote it (no BASE added) must not be refused as bad syntax either.
    # A 400 naming a graph is fine: a relative FROM resolved against the endpoint's own base names
    # no graph of the store, and the endpoint never fetches documents.
    raw = post_query(w3c_client, case.query_text(), default=default, named=named)
    refused_graph = raw.status_code == 400 and "graph" in (raw.get_json(silent=True) or {})
    assert raw.status_code == 200 or refused_graph, f"the query as written: {explain(raw)}"
    assert case.result is not None
    suffix = case.result.suffix
    accept = {".csv": "text/csv", ".tsv": "text/tab-separated-values"}.get(suffix, ACCEPT)
    resp = post_query(w3c_client, text, default=default, named=named, accept=accept)
    assert resp.status_code == 200, explain(resp)
    assert "X-KGQA-Truncated" not in resp.headers
    ctype = resp.mimetype
    if suffix == ".csv":
        got = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
        want = list(csv.reader(io.StringIO(case.result.read_text(encoding="utf-8"))))
        # Columns compared by name (their order is not the test's point), blank node labels ignored.
        assert sorted(got[0]) == sorted(want[0])
        order = [got[0].index(v) for v in want[0]]
        blank = re.compile(r"^_:.*")

        def rows(table: list[list[str]], cols: list[int]) -> Counter:
            return Counter(tuple(blank.sub("_:", r[i]) for i in cols) for r in table[1:])

        assert rows(got, order) == rows(want, list(range(len(want[0]))))
        return
    if suffix in _RESULTS_FORMATS:
        want = ox.parse_query_results(path=case.result, format=_RESULTS_FORMATS[suffix])
        fmt = {"application/sparql-results+json": ox.QueryResultsFormat.JSON}.get(ctype, ox.QueryResultsFormat.TSV)
        got = ox.parse_query_results(resp.data, format=fmt)
        if isinstance(want, ox.QueryBoolean):
            assert isinstance(got, ox.QueryBoolean) and bool(got) == bool(want)
            return
        assert isinstance(got, ox.QuerySolutions), f"expected solutions, got {type(got).__name__}"
        want_vars, want_rows = _rows(want)
        got_vars, got_rows = _rows(got)
        assert got_vars == want_vars
        ordered = bool(_ORDER_BY.search(case.query_text()))
        assert _match(got_rows, want_rows, ordered), _diff(got_rows, want_rows, ordered)
        return
    want_g = _graph(
        case.result.read_bytes(), {".ttl": "turtle", ".nt": "nt", ".rdf": "xml"}[suffix], w3c.file_iri(case.result)
    )
    if (None, rdflib.RDF.type, RS.ResultSet) in want_g:
        expected = _result_set(want_g)
        got = ox.parse_query_results(resp.data, format=ox.QueryResultsFormat.JSON)
        if isinstance(expected, bool):
            assert isinstance(got, ox.QueryBoolean) and bool(got) is expected
            return
        assert isinstance(got, ox.QuerySolutions)
        got_vars, got_rows = _rows(got)
        assert got_vars == expected[0]
        assert _match(got_rows, expected[1], False), f"solutions differ:\n got  {got_rows}\n want {expected[1]}"
        return
    assert ctype == "application/n-triples", explain(resp)
    got_g = _graph(resp.data, "nt")
    assert isomorphic(got_g, want_g), f"graphs differ:\n got {sorted(got_g)}\n want {sorted(want_g)}"


# --- protocol --------------------------------------------------------------------------------

_RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
_RDF_TYPES = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"}


def _status_ok(code: int, statuses: frozenset[str]) -> bool:
    return any(s == f"{code // 100}xx" or s == str(code) for s in statuses)


def _boolean(resp) -> bool:
    fmt = {"application/sparql-results+json": ox.QueryResultsFormat.JSON}.get(resp.mimetype, ox.QueryResultsFormat.XML)
    result = ox.parse_query_results(resp.data, format=fmt)
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


@pytest.mark.parametrize("case", params(PROTOCOL))
def test_protocol(w3c_client, case: w3c.ProtocolCase, request):
    """Each HTTP exchange of the case, in order; for a refused update only the refusal is checked."""
    for req in case.requests:
        assert req.path.startswith("/sparql/")
        path = "/sparql" + req.path[len("/sparql/") :]
        headers = {k.lower(): v for k, v in req.headers}
        content_type = headers.pop("content-type", None)
        resp = w3c_client.open(path, method=req.method, data=req.body, content_type=content_type, headers=headers)
        if case.iri in POLICY_REFUSALS:
            assert resp.status_code == refusal_status(case.iri), (
                f"must be refused ({POLICY_REFUSALS[case.iri]}): {explain(resp)}"
            )
            outcome(request, w3c.POLICY)
            return
        assert _status_ok(resp.status_code, req.statuses), f"want {sorted(req.statuses)}; {explain(resp)}"
        if req.expected_format in ("boolean", "tabular"):
            assert resp.mimetype in _RESULT_TYPES, resp.mimetype
        elif req.expected_format == "RDF":
            assert resp.mimetype in _RDF_TYPES, resp.mimetype
        if req.expected_boolean is not None:
            assert _boolean(resp) is req.expected_boolean


# --- service description ---------------------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
_LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}


def _description(client) -> tuple[rdflib.Graph, str]:
    resp = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle", explain(resp)
    return _graph(resp.data, "turtle"), "http://localhost/sparql"


@pytest.mark.parametrize("case", params(w3c.service_description_cases()))
def test_service_description(w3c_client, case: w3c.Case):
    """GET /sparql without a query: RDF naming this endpoint, in the shape the SD vocabulary defines."""
    g, endpoint = _description(w3c_client)
    name = case.iri.rsplit("#", 1)[-1]
    if name == "returns-rdf":
        assert len(g) > 0
    elif name == "has-endpoint-triple":
        assert (None, SD.endpoint, rdflib.URIRef(endpoint)) in g
    else:  # conforms-to-schema: the ranges and types the SD vocabulary gives its properties
        services = set(g.subjects(rdflib.RDF.type, SD.Service))
        assert services
        for svc in services:
            assert isinstance(g.value(svc, SD.endpoint), rdflib.URIRef)
            assert set(g.objects(svc, SD.supportedLanguage)) <= _LANGUAGES
            assert set(g.objects(svc, SD.supportedLanguage))
            for ds in g.objects(svc, SD.defaultDataset):
                assert (ds, rdflib.RDF.type, SD.Dataset) in g
                for dg in g.objects(ds, SD.defaultGraph):
                    assert (dg, rdflib.RDF.type, SD.Graph) in g
                for ng in g.objects(ds, SD.namedGraph):
                    assert isinstance(g.value(ng, SD.name), rdflib.URIRef)


# --- the lists themselves ------------------------------------------------------------------------


def test_lists_name_real_tests():
    """Every IRI in expected-failures.txt and POLICY_REFUSALS is a test that runs (a typo would hide nothing)."""
    known = {c.iri for c in SYNTAX + EVAL + w3c.service_description_cases()} | {c.iri for c in PROTOCOL}
    assert set(EXPECTED) - known == set()
    assert set(POLICY_REFUSALS) - known == set()
    assert set(EXPECTED) & set(POLICY_REFUSALS) == set()


def test_vendored_suites_complete():
    """The vendored manifests still hold the tests the counts in the report are out of."""
    kinds = Counter(c.kind for c in SYNTAX)
    assert kinds["PositiveSyntaxTest"] + kinds["PositiveSyntaxTest11"] == 215
    assert kinds["NegativeSyntaxTest"] + kinds["NegativeSyntaxTest11"] == 81
    assert kinds["PositiveUpdateSyntaxTest11"] + kinds["NegativeUpdateSyntaxTest11"] == 55
    assert (len(EVAL), len(PROTOCOL)) == (242, 34)
    for case in SYNTAX + EVAL:
        for path in (case.query, case.result, *case.data, *case.graph_data):
            assert path is None or path.is_file(), path
