"""The one path every query runs through: policy check, dataset, store, time limit, row cap.

`/sparql`, the canned queries, `kgqa query`, the entity pages and the Q&A all run queries here.
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


def request_deadline(state: State) -> float:
    """When a request that starts now must be done (`time.monotonic()`): one limit for the policy
    check and the run together, `KGQA_QUERY_TIMEOUT` from the start."""
    return time.monotonic() + state.settings.query_timeout


def check(state: State, text: str | None, *, deadline: float | None = None) -> CheckedQuery:
    """The policy check for a user's query: the engine's parse runs in a worker process of the store.

    A worker gives the parse the query time limit and a process of its own, so a parser crash
    kills only that worker (both stores have parse workers; a store without `analyse` parses
    here). `deadline`: the request's (`request_deadline`); the run that follows gets only what the
    check left.
    """
    analyse = getattr(state.store, "analyse", None)
    if deadline is None:
        deadline = request_deadline(state)
    timeout = state.settings.query_timeout
    return check_query(
        text,
        max_bytes=state.settings.max_query_bytes,
        analyse=None if analyse is None else (lambda t: analyse(t, timeout_s=timeout, deadline=deadline)),
    )


def run_sparql(
    state: State,
    text: str | CheckedQuery,
    *,
    bindings: Mapping[str, Term] | None = None,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    results_format: Format = formats.SPARQL_JSON,
    graph_format: Format = formats.N_TRIPLES,
    max_rows: int | None = -1,
    deadline: float | None = None,
    user: bool = False,
) -> tuple[CheckedQuery, Result]:
    """The one path from query text to results: policy check, dataset, store, time limit, row cap.

    `/sparql`, the canned queries, `kgqa query` and the Q&A all call this. `max_rows=-1` means the
    configured cap; None means no cap (whole-graph downloads). `deadline`: when the request must be
    done (`request_deadline`, taken before its check), so that check and run share one time limit;
    by default it starts here. `user`: the query is a client's own (`/sparql`), which may hold only
    the store's shared workers, never those reserved for questions and canned queries.
    """
    if deadline is None:
        deadline = request_deadline(state)
    checked = text if isinstance(text, CheckedQuery) else check(state, text, deadline=deadline)
    dataset: Dataset | None = check_dataset(checked, default_graph_uris, named_graph_uris, state.known_graphs)
    cap = state.settings.max_rows if max_rows == -1 else max_rows
    result = state.store.query(
        checked.text,
        bindings=bindings,
        dataset=dataset,
        timeout_s=state.settings.query_timeout,
        results_format=results_format,
        graph_format=graph_format,
        max_rows=cap,
        deadline=deadline,
        user=user,
    )
    return checked, result


def internal_query(
    state: State,
    sparql: str,
    bindings: Mapping[str, Term] | None = None,
    *,
    graph_format: Format = formats.N_TRIPLES,
    max_rows: int | None = -1,
) -> Result:
    """Run one of the service's own fixed queries (labels, entity descriptions).

    Their text is a constant of this package, so the policy parse is skipped, but they still go
    through the store's time limit and row cap.
    """
    cap = state.settings.max_rows if max_rows == -1 else max_rows
    return state.store.query(
        sparql, bindings=bindings, timeout_s=state.settings.query_timeout, graph_format=graph_format, max_rows=cap
    )
