"""The embedded store: pyoxigraph in worker processes (`kgqa.store.pool`), in memory or on disk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from kgqa.errors import BadQuery, Forbidden, StoreError
from kgqa.sparql import formats
from kgqa.sparql.formats import Format
from kgqa.sparql.messages import refused_message, syntax_message
from kgqa.sparql.results import Dataset, Result, Term
from kgqa.sparql.values import inject_values
from kgqa.store.pool import QueryPool, StoreSpec


def analyse_in_pool(pool: QueryPool, text: str, *, timeout_s: float, deadline: float | None = None) -> Any:
    """`kgqa.sparql.policy.analyse_query` with the engine's parse in a worker of `pool`.

    No user query is parsed by native code (pyoxigraph's parser, the policy's syntax oracle) in
    the server process: a parser crash then kills a worker, which is replaced, and the server
    lives. The token checks run here first, so a refused query never reaches a worker; the parse
    gets what is left of the request's time limit.

    :raise BadQuery 400 / Forbidden 403: what the policy says; a worker that dies while parsing
        (a parser crash) is a 400 too: the text is at fault, not the store.
    :raise QueryTimeout 503: the parse took longer than the time limit.
    """
    from kgqa.errors import EngineFailure
    from kgqa.sparql.policy import analyse_query

    def syntax_in_pool(runnable: str, original: str) -> str | None:
        try:
            reply = pool.call(("check", runnable, original), timeout_s, deadline=deadline, user=True)
        except (EngineFailure, StoreError):
            raise BadQuery(
                "the endpoint's safety check could not read this query (its parser failed); it was not run"
            ) from None
        if reply[0] == "ok":
            return reply[1]
        raise StoreError(f"the query could not be checked ({reply[2]})")

    return analyse_query(text, syntax=syntax_in_pool)


class OxigraphStore:
    """The embedded store: pyoxigraph in a pool of worker processes that can be killed on timeout.

    pyoxigraph 0.5.13's `Store.query` can be neither cancelled nor given a time limit, and a thread
    cannot be stopped in CPython, so each query runs in a worker process (`kgqa.store.pool`).
    """

    def __init__(
        self,
        spec: StoreSpec,
        *,
        workers: int = 2,
        max_result_bytes: int | None = None,
        memory_mb: int | None = None,
        reserved_workers: int = 0,
    ) -> None:
        self.spec = spec
        # Applies with the row cap: a query asked for without one (whole-graph downloads) has neither.
        self.max_result_bytes = max_result_bytes
        self.pool = QueryPool(spec, size=workers, memory_mb=memory_mb, reserved=reserved_workers)
        self.pool.start()
        self._count = self.pool.triple_count

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
    ) -> Result:
        # Parameters go in as a leading VALUES block, as for a remote store, not as pyoxigraph
        # substitutions: Oxigraph plans a query before substituting, so with substitutions it
        # cannot see that the start-up is fixed and often starts from the wrong pattern (at 1M
        # triples, startup-investors took 88 ms that way and 0.8 ms with VALUES). It also means
        # the query that runs is exactly the one /api/ask shows.
        request = (
            "query",
            inject_values(sparql, bindings or {}),
            None if dataset is None else (dataset.default_graphs, dataset.named_graphs),
            results_format.name,
            graph_format.name,
            max_rows,
            self.max_result_bytes if max_rows is not None else None,
        )
        reply = self.pool.call(request, timeout_s, deadline=deadline, user=user)
        if reply[0] == "ok":
            return Result.from_encoded(reply[1])
        _, kind, message = reply
        if kind == "syntax":
            raise BadQuery(syntax_message(message))
        if kind == "refused":
            raise BadQuery(refused_message(message))
        if kind == "network":
            # Only reached if a SERVICE got past the policy: the worker's namespace has no network.
            raise Forbidden(
                "the query tried to reach the network (SERVICE), which this endpoint never does; "
                f"it was stopped ({message})"
            )
        raise StoreError(f"the store could not run the query ({message})")

    def analyse(self, text: str, *, timeout_s: float, deadline: float | None = None) -> Any:
        """`kgqa.sparql.policy.analyse_query` in a query worker (`analyse_in_pool`)."""
        return analyse_in_pool(self.pool, text, timeout_s=timeout_s, deadline=deadline)

    @property
    def worker_network(self) -> str:
        """How the query workers reach the network: isolated, isolated-userns, or host."""
        return self.pool.network

    def triple_count(self) -> int:
        return self._count

    def named_graphs(self, *, timeout_s: float = 30.0) -> list[str]:
        res = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", timeout_s=timeout_s)
        return sorted(row["g"].value for row in res.rows() if isinstance(row.get("g"), ox.NamedNode))

    def close(self) -> None:
        self.pool.close()
