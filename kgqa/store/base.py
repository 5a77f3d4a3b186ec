"""The store interface: what the rest of the service needs from any store, and what each can do.

The service only sees `Store.query()` and `Result`; it never learns which store it has, only the
`Capabilities` the store declares. Queries reaching a store have already passed
`kgqa.sparql.policy` (no updates, no SERVICE, no graphs outside the store): the store's job is to
run them within the time limit and row cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from kgqa.errors import BadQuery, EngineFailure
from kgqa.sparql import formats
from kgqa.sparql.formats import Format
from kgqa.sparql.policy import CheckedQuery, analyse_query
from kgqa.sparql.results import Dataset, Result, Term

if TYPE_CHECKING:
    from kgqa.store.pool import QueryPool


@dataclass(frozen=True)
class Capabilities:
    """What a store can do beyond `query`, declared by each backend so callers need not probe it.

    `analyse`: `Store.analyse` runs the policy's engine parse away from the server process (a
    parser crash then kills a worker, not the server); without it the runner parses in-process.
    `native_timeout`: the store itself stops a query at its time limit (a killed worker, a socket
    timeout), so `timeout_s` and `deadline` are enforced, not merely hoped for.
    `native_bindings`: the engine substitutes `bindings` itself; when False they are written into
    the text as a leading VALUES block (`kgqa.sparql.values`), so the query that runs is the one
    `/api/ask` shows.
    `named_graphs`: `Store.named_graphs` lists the store's graphs (FROM and `default-graph-uri` are
    checked against them).
    """

    analyse: bool = False
    native_timeout: bool = False
    native_bindings: bool = False
    named_graphs: bool = False


class Store(Protocol):
    """What the service needs from a store, plus the row cap and reply formats.

    `deadline` (a `time.monotonic()` value) ends the query earlier than `timeout_s` when part of the
    request's one time limit is spent already (the policy check); `timeout_s` stays the limit the
    error names. `user`: a client's own query (`/sparql`), which must leave reserved capacity to
    the service's own queries.
    """

    capabilities: Capabilities

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

    def analyse(self, text: str, *, timeout_s: float, deadline: float | None = None) -> CheckedQuery:
        """`kgqa.sparql.policy.analyse_query` away from the server process; only called when
        `capabilities.analyse` is set."""
        ...

    def triple_count(self) -> int: ...

    def named_graphs(self, *, timeout_s: float) -> list[str]: ...

    def close(self) -> None: ...


def analyse_in_pool(pool: QueryPool, text: str, *, timeout_s: float, deadline: float | None = None) -> CheckedQuery:
    """`kgqa.sparql.policy.analyse_query` with the engine's parse in a worker of `pool`.

    Shared by the backends that have a pool (the embedded store's query workers, the remote store's
    parse workers). No user query is parsed by native code (pyoxigraph's parser, the policy's
    syntax oracle) in the server process: a parser crash then kills a worker, which is replaced,
    and the server lives. The token checks run here first, so a refused query never reaches a
    worker; the parse gets what is left of the request's time limit.

    :raise BadQuery 400 / Forbidden 403: what the policy says; a worker that dies while parsing
        (a parser crash) is a 400 too: the text is at fault, not the store.
    :raise QueryTimeout 503: the parse took longer than the time limit.
    """

    def check_syntax_in_pool(runnable: str, original: str) -> str | None:
        try:
            return pool.call(("check_syntax", runnable, original), timeout_s, deadline=deadline, user=True)
        except EngineFailure:
            raise BadQuery(
                "the endpoint's safety check could not read this query (its parser failed); it was not run"
            ) from None

    return analyse_query(text, syntax=check_syntax_in_pool)
