"""The store interface: what the rest of the service needs from any store.

The service only sees `Store.query()` and `Result`; it never learns which store it has. Queries
reaching a store have already passed `kgqa.sparql.policy` (no updates, no SERVICE, no graphs
outside the store): the store's job is to run them within the time limit and row cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from kgqa.sparql import formats
from kgqa.sparql.formats import Format
from kgqa.sparql.results import Dataset, Result, Term


class Store(Protocol):
    """What the service needs from a store, plus the row cap and reply formats.

    `deadline` (a `time.monotonic()` value) ends the query earlier than `timeout_s` when part of the
    request's one time limit is spent already (the policy check); `timeout_s` stays the limit the
    error names. `user`: a client's own query (`/sparql`), which must leave reserved capacity to
    the service's own queries.
    """

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        dataset: Dataset | None = None,
        timeout_s: float,
        results_format: Format = formats.SPARQL_JSON,
        graph_format: Format = formats.N_TRIPLES,
        max_rows: int | None = None,
        deadline: float | None = None,
        user: bool = False,
    ) -> Result: ...

    # Optional, looked up with getattr by `kgqa.canned.registry.check`:
    # `analyse(text, *, timeout_s, deadline=None) -> CheckedQuery`, the policy's parse away from the
    # server process (`analyse_in_pool`). Both stores here have it.

    def triple_count(self) -> int: ...

    def named_graphs(self, *, timeout_s: float) -> list[str]: ...

    def close(self) -> None: ...
