"""The one place a query runs: policy check, dataset, store, time limit, row cap.

One public function per kind of query, each saying how far its text is trusted:

- `run_user_query`: a client's text (`/sparql`, `kgqa query FILE.rq`). Checked by the policy with
  the engine's parse in a store worker (`check_user_query`), run on the shared workers only.
- `run_trusted_query`: a canned query, text that ships with the service or that the operator gave.
  Checked by the policy in this process (the verdict is cached from load), run with its bindings.
- `run_internal_query`: one of the service's own fixed queries (labels, entity pages, health, graph
  dumps). Its text is a constant of the package: no policy parse, but the store's time limit and
  row cap as for the others.

Every caller (the web blueprints, canned queries, Q&A, the command line, reload) goes through one
of these, so the limits apply in one place and no caller talks to `state.store.query` directly.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from kgqa.sparql import formats
from kgqa.sparql.formats import Format
from kgqa.sparql.policy import CheckedQuery, check_dataset, check_query
from kgqa.sparql.results import Dataset, Result, Term

if TYPE_CHECKING:
    from kgqa.state import State

# The size limit for a trusted (canned) query's text: generous, it is not a client's.
TRUSTED_MAX_BYTES = 1 << 20

# `max_rows` default: the configured cap (`KGQA_MAX_ROWS`); None means no cap (whole-graph dumps).
CONFIGURED = -1


def request_deadline(state: State) -> float:
    """When a request that starts now must be done (`time.monotonic()`): one limit for the policy
    check and the run together, `KGQA_QUERY_TIMEOUT` from the start."""
    return time.monotonic() + state.settings.query_timeout


def check_user_query(state: State, text: str | None, *, deadline: float | None = None) -> CheckedQuery:
    """The policy check for a client's query: the engine's parse runs where the store says.

    A store with the `analyse` capability gives the parse the query time limit and a process of its
    own, so a parser crash kills only that worker (both stores here have it); without it the parse
    runs here. `deadline`: the request's (`request_deadline`); the run that follows gets only what
    the check left.
    """
    if deadline is None:
        deadline = request_deadline(state)
    store = state.store
    end = deadline

    def in_store(t: str) -> CheckedQuery:
        return store.analyse(t, timeout_s=state.settings.query_timeout, deadline=end)

    return check_query(
        text,
        max_bytes=state.settings.max_query_bytes,
        analyse=in_store if store.capabilities.analyse else None,
    )


def run_user_query(
    state: State,
    text: str | CheckedQuery | None,
    *,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    results_format: Format = formats.SPARQL_JSON,
    graph_format: Format = formats.N_TRIPLES,
    deadline: float | None = None,
) -> tuple[CheckedQuery, Result]:
    """Check (unless `text` is already a `CheckedQuery` from `check_user_query`) and run a client's
    query on its dataset, under the configured row cap.

    `deadline`: when the request must be done (`request_deadline`, taken before its check), so
    that check and run share one time limit; by default it starts here. A client's query may hold
    only the store's shared workers, never those reserved for questions and canned queries.
    """
    if deadline is None:
        deadline = request_deadline(state)
    checked = text if isinstance(text, CheckedQuery) else check_user_query(state, text, deadline=deadline)
    dataset = check_dataset(checked, default_graph_uris, named_graph_uris, state.known_graphs)
    result = _run(
        state,
        checked.text,
        dataset=dataset,
        results_format=results_format,
        graph_format=graph_format,
        deadline=deadline,
        user=True,
    )
    return checked, result


def run_trusted_query(
    state: State,
    text: str,
    *,
    bindings: Mapping[str, Term] | None = None,
    results_format: Format = formats.SPARQL_JSON,
    graph_format: Format = formats.N_TRIPLES,
) -> tuple[CheckedQuery, Result]:
    """Run a canned query with its parameters bound: the policy checks it here (cached since the
    registry loaded it), its FROM clauses are honoured, and the configured row cap applies."""
    checked = check_query(text, max_bytes=TRUSTED_MAX_BYTES)
    dataset = check_dataset(checked, (), (), state.known_graphs)
    result = _run(
        state,
        checked.text,
        bindings=bindings,
        dataset=dataset,
        results_format=results_format,
        graph_format=graph_format,
        deadline=request_deadline(state),
    )
    return checked, result


def run_internal_query(
    state: State,
    sparql: str,
    bindings: Mapping[str, Term] | None = None,
    *,
    dataset: Dataset | None = None,
    graph_format: Format = formats.N_TRIPLES,
    max_rows: int | None = CONFIGURED,
    timeout_s: float | None = None,
) -> Result:
    """Run one of the service's own fixed queries (labels, entity descriptions, counts, dumps).

    Their text is a constant of this package, so the policy parse is skipped, but they still go
    through the store's time limit and row cap. `timeout_s`: a limit other than the configured one
    (a health probe wants less, a whole-graph dump more).
    """
    return _run(
        state,
        sparql,
        bindings=bindings,
        dataset=dataset,
        graph_format=graph_format,
        max_rows=max_rows,
        timeout_s=timeout_s,
    )


def _run(
    state: State,
    text: str,
    *,
    bindings: Mapping[str, Term] | None = None,
    dataset: Dataset | None = None,
    results_format: Format = formats.SPARQL_JSON,
    graph_format: Format = formats.N_TRIPLES,
    max_rows: int | None = CONFIGURED,
    timeout_s: float | None = None,
    deadline: float | None = None,
    user: bool = False,
) -> Result:
    """The store call all three share: the configured time limit and row cap unless told otherwise."""
    return state.store.query(
        text,
        bindings=bindings,
        dataset=dataset,
        timeout_s=state.settings.query_timeout if timeout_s is None else timeout_s,
        results_format=results_format,
        graph_format=graph_format,
        max_rows=state.settings.max_rows if max_rows == CONFIGURED else max_rows,
        deadline=deadline,
        user=user,
    )
