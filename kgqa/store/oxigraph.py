"""The embedded store: pyoxigraph in worker processes (`kgqa.store.pool`), in memory or on disk."""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from kgqa.sparql import formats
from kgqa.sparql.formats import Format
from kgqa.sparql.policy import CheckedQuery
from kgqa.sparql.results import Dataset, Result, Term
from kgqa.sparql.values import inject_values
from kgqa.store.base import Capabilities, analyse_in_pool
from kgqa.store.pool import QueryPool, StoreSpec


class OxigraphStore:
    """The embedded store: pyoxigraph in a pool of worker processes that can be killed on timeout.

    pyoxigraph 0.5.13's `Store.query` can be neither cancelled nor given a time limit, and a thread
    cannot be stopped in CPython, so each query runs in a worker process (`kgqa.store.pool`).
    The worker's errors arrive as the exceptions the client gets (`QueryPool.call` raises them).
    """

    capabilities = Capabilities(analyse=True, native_timeout=True, native_bindings=False, named_graphs=True)

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
        return Result.from_encoded(self.pool.call(request, timeout_s, deadline=deadline, user=user))

    def analyse(self, text: str, *, timeout_s: float, deadline: float | None = None) -> CheckedQuery:
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
