"""A remote SPARQL 1.1 query endpoint as a store, reached over HTTP with SPARQLWrapper."""

from __future__ import annotations

import dataclasses
import logging
import socket
import time
import urllib.error
from collections.abc import Mapping

import pyoxigraph as ox

from kgqa.errors import BadQuery, QueryTimeout, ResourceLimit, StoreError
from kgqa.sparql import encode, formats
from kgqa.sparql.formats import Format
from kgqa.sparql.policy import CheckedQuery
from kgqa.sparql.results import Dataset, Result, Term
from kgqa.sparql.values import inject_values
from kgqa.store.base import Capabilities, analyse_in_pool
from kgqa.store.pool import QueryPool, StoreSpec

log = logging.getLogger("kgqa")

# Ranked by the registry's `remote_q`: line-based formats first, so that a reply over the read
# limit can be cut at a line and still parse.
_ACCEPT = formats.remote_accept()
_LINE_TYPES = frozenset({"text/tab-separated-values", "application/n-triples"})
# How much of a remote reply is read, as a multiple of the reply's own byte limit: TSV and
# N-Triples are rarely larger than what they become, and nothing beyond this can be sent anyway.
READ_FACTOR = 4


class RemoteStore:
    """Any SPARQL 1.1 query endpoint, reached with SPARQLWrapper.

    The endpoint's default graph should be the union of its named graphs (Oxigraph:
    `--union-default-graph`; Fuseki: `tdb2:unionDefaultGraph true`), as in the embedded store.
    Results are fetched in one format we can parse (TSV, or N-Triples for graphs, by preference),
    capped, and written by the same native writers as the embedded store, so both stores' replies
    look the same. A capped query reads at most `READ_FACTOR` times the byte limit of the remote
    reply: a huge answer costs the server that much memory, not the whole answer.

    The policy's parse of a user's query runs in `parse_workers` worker processes with no store
    and no network (`QueryPool` on an empty `StoreSpec`), as for the embedded store: pyoxigraph's
    parser, the policy's oracle, must never see a user's text in the server process, where a
    crash (stack overflow on deep unary nesting) would take the whole server down.
    """

    # Time limits are the socket's (SPARQLWrapper's timeout); parameters go in as VALUES.
    capabilities = Capabilities(analyse=True, native_timeout=True, native_bindings=False, named_graphs=True)

    def __init__(
        self,
        endpoint: str,
        *,
        agent: str = "kgqa (+https://w3id.org/kgqa)",
        max_result_bytes: int | None = None,
        parse_workers: int = 2,
        memory_mb: int | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.agent = agent
        self.max_result_bytes = max_result_bytes
        self._count: int | None = None
        self.pool = QueryPool(StoreSpec(), size=parse_workers, memory_mb=memory_mb)
        self.pool.start()

    def analyse(self, text: str, *, timeout_s: float, deadline: float | None = None) -> CheckedQuery:
        """`kgqa.sparql.policy.analyse_query` in a parse worker (`analyse_in_pool`)."""
        return analyse_in_pool(self.pool, text, timeout_s=timeout_s, deadline=deadline)

    @property
    def worker_network(self) -> str:
        """How the parse workers reach the network (the remote store itself is reached from here)."""
        return self.pool.network

    def _fetch(
        self,
        sparql: str,
        dataset: Dataset | None,
        timeout_s: float,
        read_limit: int | None = None,
        *,
        limit_s: float | None = None,
    ) -> tuple[bytes, str, bool]:
        """The reply's bytes (at most `read_limit`), its Content-Type, and whether there was more.

        `timeout_s`: how long to wait; `limit_s`: the time limit an error names (default the same).
        """
        named = timeout_s if limit_s is None else limit_s
        from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        sw = SPARQLWrapper(self.endpoint, agent=self.agent)
        sw.setOnlyConneg(True)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)
        sw.setTimeout(max(1, int(timeout_s + 0.999)))
        sw.setQuery(sparql)
        sw.addCustomHttpHeader("Accept", _ACCEPT)
        if dataset is not None:
            for g in dataset.default_graphs:
                sw.addDefaultGraph(g)
            for g in dataset.named_graphs:
                sw.addNamedGraph(g)
        try:
            response = sw.query().response
            content_type = response.headers.get("Content-Type", "")
            if read_limit is None:
                return response.read(), content_type, False
            data = response.read(read_limit + 1)
            if len(data) <= read_limit:
                return data, content_type, False
            response.close()  # the rest is never read
            return data[:read_limit], content_type, True
        except TimeoutError as exc:
            raise QueryTimeout(f"query exceeded the {named:g} s time limit") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise QueryTimeout(f"query exceeded the {named:g} s time limit") from exc
            log.warning("remote endpoint %s failed: %s", self.endpoint, exc)
            raise StoreError("the remote SPARQL endpoint could not be reached") from exc
        except SPARQLWrapperException as exc:
            log.warning("remote endpoint %s refused the query: %s", self.endpoint, exc)
            if "QueryBadFormed" in type(exc).__name__:
                raise BadQuery("the remote SPARQL endpoint rejected the query as malformed") from exc
            raise StoreError("the remote SPARQL endpoint failed to answer the query") from exc

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
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(f"query exceeded the {timeout_s:g} s time limit")
            # SPARQLWrapper's timeout is the socket's; the error still names the request's limit.
            data_timeout = min(timeout_s, left)
        else:
            data_timeout = timeout_s
        text = inject_values(sparql, bindings or {})
        max_bytes = self.max_result_bytes if max_rows is not None else None
        read_limit = None if max_bytes is None else READ_FACTOR * max_bytes
        data, content_type, cut = self._fetch(text, dataset, data_timeout, read_limit, limit_s=timeout_s)
        media = content_type.split(";")[0].strip().lower()
        if cut:
            if media not in _LINE_TYPES:
                raise ResourceLimit(
                    f"the remote SPARQL endpoint's reply is over {read_limit} bytes and in a format that "
                    f"cannot be cut ({media or 'no type'}); add a LIMIT to the query"
                )
            data = data[: data.rfind(b"\n") + 1]  # whole lines only
        if media in formats.ALIASES["results"] and media not in {"text/csv"}:
            fmt = formats.ALIASES["results"][media]
            parsed = ox.parse_query_results(data, format=fmt.oxigraph)
        elif media in formats.ALIASES["graph"]:
            fmt = formats.ALIASES["graph"][media]
            parsed = (q.triple for q in ox.parse(data, format=fmt.oxigraph))
        else:
            raise StoreError(f"the remote SPARQL endpoint answered with an unexpected type {media!r}")
        encoded = encode.encode(parsed, results_format, graph_format, max_rows, max_bytes)
        if cut and not encoded.truncated:
            note = f"cut at {read_limit} bytes of the remote endpoint's reply (READ_FACTOR x KGQA_MAX_RESULT_BYTES)"
            encoded = dataclasses.replace(encoded, truncated=True, note=note)
        return Result.from_encoded(encoded)

    def triple_count(self) -> int:
        if self._count is None:
            res = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", timeout_s=60)
            rows = res.rows()
            self._count = int(rows[0]["n"].value) if rows else 0
        return self._count

    def named_graphs(self, *, timeout_s: float = 30.0) -> list[str]:
        res = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", timeout_s=timeout_s)
        return sorted(row["g"].value for row in res.rows() if isinstance(row.get("g"), ox.NamedNode))

    def close(self) -> None:
        self.pool.close()
