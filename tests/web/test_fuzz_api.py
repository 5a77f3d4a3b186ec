"""Fuzzing the JSON API from its own description: Schemathesis against `/openapi.json` (issue 7).

Schemathesis reads the OpenAPI document the app serves, generates requests for each operation, both
valid ones (positive mode) and ones that break the description (negative mode: wrong types, missing
required parameters, values outside an enum), sends them to the app in process (WSGI, no sockets),
and checks every reply: never a 5xx, a status code and content type the document lists, a body that
validates against the documented schema, and invalid requests refused with a 4xx.

Why drive Hypothesis directly rather than `schema.parametrize()`: the number of examples differs by
route (hundreds for the free-text routes, fewer for each of the 30-odd canned-query paths), failures
are collected per route into one readable report, and the examples actually run are counted, so the
closing note can quote them. `KGQA_FUZZ_EXAMPLES=N` scales every budget (default 1; e.g. 5 for a
longer run); `--hypothesis-seed` reproduces a run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections import Counter
from typing import Any

import pyoxigraph as ox
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
SCALE = float(os.environ.get("KGQA_FUZZ_EXAMPLES", "1"))

# route → (operations as (method, path or path prefix), examples per operation and mode)
ROUTES: dict[str, tuple[list[tuple[str, str]], int]] = {
    "ask-get": ([("GET", "/api/ask")], 150),
    "ask-post": ([("POST", "/api/ask")], 150),
    "query-by-name": ([("GET", "/api/queries/{name}")], 150),
    "canned-queries": ([("GET", "/api/queries/*")], 20),
    "entity": ([("GET", "/entity/{entity_id}")], 150),
    "health-and-catalog": ([("GET", "/healthz"), ("GET", "/api/queries")], 5),
}

# Examples run per route and mode, for the summary test at the end of this module.
RUN: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def _operations(schema: Any, wanted: list[tuple[str, str]]) -> list[Any]:
    ops = []
    for result in schema.get_all_operations():
        op = result.ok()
        for method, path in wanted:
            if op.method.upper() != method:
                continue
            if path.endswith("/*"):
                prefix = path[:-1]
                if op.path.startswith(prefix) and "{" not in op.path:
                    ops.append(op)
            elif op.path == path:
                ops.append(op)
    return ops


def fuzz(op: Any, mode: GenerationMode, examples: int, failures: dict[str, str]) -> int:
    """Run `examples` generated requests on one operation; record distinct failures; return the count."""
    count = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal count
        count += 1
        try:
            # The in-process WSGI transport does not undo gzip as an HTTP client does (gzip itself:
            # tests/web/test_compress.py), so ask for the body as it is.
            case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
        except (Exception, BaseExceptionGroup) as exc:  # keep the first failure of each kind, go on
            lines = [line for line in str(exc).splitlines() if line.strip()]
            key = f"{op.method.upper()} {op.path} [{mode.value}] " + " | ".join(lines[1:3])
            failures.setdefault(key, str(exc)[:2000])

    # Unsatisfiable: no parameter to break (negative mode of /healthz), so nothing to generate.
    with contextlib.suppress(Unsatisfiable):
        run()
    return count


@pytest.mark.parametrize("route", list(ROUTES))
def test_fuzz_route(api_schema: Any, route: str) -> None:
    wanted, per_op = ROUTES[route]
    ops = _operations(api_schema, wanted)
    assert ops, f"no operation of {route} in /openapi.json"
    budget = max(1, int(per_op * SCALE))
    failures: dict[str, str] = {}
    for op in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            RUN[f"{route} {mode.value}"] += fuzz(op, mode, budget, failures)
    assert not failures, f"{len(failures)} distinct failure(s):\n\n" + "\n\n".join(
        f"{key}\n{detail}" for key, detail in failures.items()
    )


def test_zz_examples_were_run() -> None:
    """Print how many requests each route got (the closing note quotes these); hundreds per route."""
    if not RUN:
        pytest.skip("the fuzz tests did not run in this session")
    per_route: Counter[str] = Counter()
    for key, n in RUN.items():
        per_route[key.split()[0]] += n
    print("\nfuzz examples run:", dict(sorted(RUN.items())), "per route:", dict(per_route))
    for route, n in per_route.items():
        minimum = 2 if route == "health-and-catalog" else 100
        assert n >= minimum * min(1.0, SCALE), f"{route}: only {n} examples ran"


# --- the canned-query parameter binder (kgqa/canned/registry.py `bind`/`to_term`) --------------------

# Any code point, lone surrogates included: they reach `bind` from `kgqa query --param` (argv bytes
# that are not UTF-8 decode to surrogates), though not over HTTP.
any_text = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(exclude_categories=()), max_size=20),
    st.sampled_from(['" } ; DROP ALL #', "<http://127.0.0.1:9/x>", "kgr:Alpha", "Alpha", "1e999999", "9" * 5000]),
    st.from_regex(r"[+-]?\d{1,60}(\.\d{0,30})?([eE][+-]?\d{1,8})?", fullmatch=True),
)
TYPES: list[tuple[str, tuple[str, ...]]] = [
    ("string", ()),
    ("integer", ()),
    ("decimal", ()),
    ("boolean", ()),
    ("date", ()),
    ("enum", ("plain", "fancy")),
    ("iri", ()),
]


class _Recorder:
    """A store that records the query text it is asked to run, then runs it on the real store."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.texts: list[str] = []

    def query(self, sparql: str, **kwargs: Any) -> Any:
        self.texts.append(sparql)
        return self.store.query(sparql, **kwargs)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(value=any_text, kind=st.sampled_from(TYPES))
@example(value="a\ud800", kind=("string", ()))  # was a ValueError (a 500 over any route that reached it)
@example(value="a\ud800", kind=("iri", ()))
def test_binder_gives_a_term_or_a_400_naming_the_parameter(mini_state: Any, value: str, kind: tuple) -> None:
    from kgqa.canned.params import to_term
    from kgqa.canned.registry import Param
    from kgqa.errors import BadQuery

    ptype, choices = kind
    canned = mini_state.registry.get("investors")
    p = Param("x", ptype, "a value", choices=choices)
    try:
        term = to_term(mini_state, canned, p, value)
    except BadQuery as exc:
        assert exc.status == 400 and exc.context.get("param") == "x" and exc.message
        return
    if ptype == "iri":
        assert isinstance(term, ox.NamedNode) and term.value.startswith("https://w3id.org/kgqa/")
    else:
        assert isinstance(term, ox.Literal) and len(term.value) <= len(value) + 50
    if ptype in {"string", "enum"}:
        assert term.value == value.strip()  # the value itself, as one literal: nothing parsed out of it


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(text=any_text, n=any_text)
def test_parameters_never_change_the_query_text(mini_state: Any, text: str, n: str) -> None:
    """Whatever the values, the store runs the canned query's own (checked) text, and `text` comes back intact."""
    from kgqa.canned.results import run
    from kgqa.errors import BadQuery
    from kgqa.sparql.policy import check_query

    recorder = _Recorder(mini_state.store)
    state = dataclasses.replace(mini_state, store=recorder)
    canned = state.registry.get("echo")
    try:
        result, bindings = run(state, canned, {"text": text, "n": n})
    except BadQuery as exc:
        assert exc.context.get("param") in {"text", "n"}
        return
    assert recorder.texts and set(recorder.texts) == {check_query(canned.sparql, max_bytes=1 << 20).text}
    row = result.rows()[0]
    assert row["text"].value == text.strip() == bindings["text"].value
