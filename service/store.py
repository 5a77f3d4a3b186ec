"""The store interface and its two backends: embedded Oxigraph and a remote SPARQL 1.1 endpoint.

The rest of the service only sees `Store.query()` and `Result`; it never learns which store it has.
Queries reaching a store have already passed `service.policy` (no updates, no SERVICE, no graphs
outside the store): the store's job is to run them within the time limit and row cap.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import socket
import time
import urllib.error
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import pyoxigraph as ox

from service import canonical, formats
from service.errors import BadQuery, Forbidden, QueryTimeout, ResourceLimit, StoreError
from service.formats import Encoded, Format
from service.pool import QueryPool, StoreSpec

log = logging.getLogger("kgqa")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Dataset:
    """An explicit RDF dataset for one query (SPARQL 1.1 Protocol §2.1.4 / FROM, FROM NAMED).

    Without one, the default graph is the union of all named graphs. With one, the default graph is
    the merge of `default_graphs` (possibly none) and only `named_graphs` are visible to GRAPH.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """Query results: their form, the serialised bytes, and whether the row cap cut them.

    The bytes are already in the format the caller asked for (serialised where the query ran), so the
    common path copies no data; `serialize()` converts natively when another format is wanted and
    `rows()`/`boolean`/`triples()` give Python callers terms.
    """

    form: Literal["solutions", "boolean", "graph"]
    format: Format
    data: bytes
    truncated: bool = False
    variables: tuple[str, ...] = ()
    note: str | None = None  # why a truncated result was cut (row or byte limit), for the reply

    @classmethod
    def from_encoded(cls, enc: Encoded) -> Result:
        return cls(enc.form, formats.BY_NAME[enc.format_name], enc.data, enc.truncated, enc.variables, enc.note)

    def serialize(self, fmt: Format) -> bytes:
        """The results in `fmt`, converted by pyoxigraph's writers when needed."""
        if fmt == self.format:
            return self.data
        if self.form == "graph":
            if fmt.kind != "graph":
                raise ValueError(f"a graph cannot be written as {fmt.media_type}")
            return formats.serialize_graph(self.triples(), fmt)
        if fmt.kind != "results":
            raise ValueError(f"query results cannot be written as {fmt.media_type}")
        return ox.parse_query_results(self.data, format=self.format.oxigraph).serialize(format=fmt.oxigraph)

    def _parsed(self) -> Any:
        fmt = self.format
        if fmt is formats.CSV:  # pyoxigraph reads no CSV (it is lossy); TSV carries full terms
            raise ValueError("CSV results cannot be read back; ask for JSON or TSV")
        return ox.parse_query_results(self.data, format=fmt.oxigraph)

    def rows(self) -> list[dict[str, Term]]:
        """Solutions as dicts of variable name → term (unbound variables left out)."""
        if self.form != "solutions":
            raise ValueError(f"a {self.form} result has no rows")
        return [{v: sol[v] for v in self.variables if sol[v] is not None} for sol in self._parsed()]

    @property
    def boolean(self) -> bool:
        if self.form != "boolean":
            raise ValueError(f"a {self.form} result is not a boolean")
        return bool(self._parsed())

    def triples(self) -> list[ox.Triple]:
        if self.form != "graph":
            raise ValueError(f"a {self.form} result has no triples")
        return [q.triple for q in ox.parse(self.data, format=self.format.oxigraph)]


class Store(Protocol):
    """What the service needs from a store (STYLE.md), plus the row cap and reply formats.

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

    # Optional, looked up with getattr by `service.queries.check`:
    # `analyse(text, *, timeout_s, deadline=None) -> CheckedQuery`, the policy's parse away from the
    # server process (`analyse_in_pool`). Both stores here have it.

    def triple_count(self) -> int: ...

    def named_graphs(self, *, timeout_s: float) -> list[str]: ...

    def close(self) -> None: ...


_SYNTAX = re.compile(r"error at (\d+):(\d+)(?:-\d+:\d+)?:\s*(.*)", re.S)


def syntax_message(raw: str) -> str:
    """Turn Oxigraph's "error at 1:26: expected ..." into a sentence with line and column."""
    m = _SYNTAX.search(raw)
    if m:
        return f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3).strip()}"
    return f"SPARQL syntax error: {raw.strip()}"


_CUSTOM_FUNCTION = re.compile(r"The custom function (<[^>]*>) is not supported")


def refused_message(message: str) -> str:
    """The client's sentence for an evaluation error of Oxigraph's (e.g. an unknown function)."""
    m = _CUSTOM_FUNCTION.search(message)
    if m:
        return (
            f"the query calls the function {m.group(1)}, which this endpoint does not support "
            f"(the engine said: {message.strip()}); use SPARQL 1.1's built-in functions"
        )
    return f"the engine could not evaluate this query: {message.strip()}"


def analyse_in_pool(pool: QueryPool, text: str, *, timeout_s: float, deadline: float | None = None) -> Any:
    """`service.policy.analyse_query` with the engine's parse in a worker of `pool`.

    No user query is parsed by native code (pyoxigraph's parser, the policy's syntax oracle) in
    the server process: a parser crash then kills a worker, which is replaced, and the server
    lives. The token checks run here first, so a refused query never reaches a worker; the parse
    gets what is left of the request's time limit.

    :raise BadQuery 400 / Forbidden 403: what the policy says; a worker that dies while parsing
        (a parser crash) is a 400 too: the text is at fault, not the store.
    :raise QueryTimeout 503: the parse took longer than the time limit.
    """
    from service.errors import EngineFailure
    from service.policy import analyse_query

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
    cannot be stopped in CPython, so each query runs in a worker process (`service.pool`).
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
        """`service.policy.analyse_query` in a query worker (`analyse_in_pool`)."""
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


# --- remote store ------------------------------------------------------------------------------

_IRI_AHEAD = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_]+")


def _group_start(sparql: str) -> int:
    """Index just after the `{` that opens the query's WHERE group.

    A small lexer (comments, strings and IRIs skipped) rather than a regex, so that braces or `#`
    inside an IRI, a string or a comment cannot move the insertion point. For CONSTRUCT with a
    template, the WHERE group is the first `{` after the template's matching `}`.

    :raise ValueError: if the query has no group (it would not be valid SPARQL).
    """
    i, n = 0, len(sparql)
    form: str | None = None
    depth = 0
    template_done = False
    while i < n:
        c = sparql[i]
        if c == "#":
            j = sparql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            quote = sparql[i : i + 3] if sparql[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not sparql.startswith(quote, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = _IRI_AHEAD.match(sparql, i)
            if m:
                i = m.end()
                continue
        if form is None and (c.isalpha()):
            m = _WORD.match(sparql, i)
            assert m is not None
            word = m.group(0).upper()
            if word in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}:
                form = word
            i = m.end()
            continue
        if c == "{":
            if form == "CONSTRUCT" and not template_done:
                depth += 1
            else:
                return i + 1
        elif c == "}" and form == "CONSTRUCT" and not template_done:
            depth -= 1
            if depth == 0:
                template_done = True
        elif (
            form == "CONSTRUCT"
            and not template_done
            and depth == 0
            and c.isalpha()
            and sparql[i : i + 5].upper() == "WHERE"
        ):
            template_done = True  # CONSTRUCT WHERE { ... }: the short form has no template
            i += 5
            continue
        i += 1
    raise ValueError("no WHERE group found in the query")


def values_block(bindings: Mapping[str, Term]) -> str:
    """A VALUES block whose terms are written in canonical form (`service.canonical.write_term`).

    Terms are objects, never user text: a literal full of quotes, braces and `#` is escaped and
    stays one literal, and the block keeps the canonical text's guarantees (no comment, no bare
    CR, no `\\u` escape), so a remote engine reads it as the embedded one does.

    :raise BadQuery 400: a value `write_term` cannot write safely.
    """
    names = list(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
    variables = " ".join(f"?{n}" for n in names)
    row = " ".join(canonical.write_term(bindings[n]) for n in names)
    return f" VALUES ({variables}) {{ ({row}) }} "


def inject_values(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with `bindings` as a VALUES block at the start of its WHERE group.

    At the start rather than after the query: a trailing VALUES is joined after grouping, so a
    binding of a variable that is aggregated away would not restrict the groups.
    """
    if not bindings:
        return sparql
    at = _group_start(sparql)
    return sparql[:at] + values_block(bindings) + sparql[at:]


# Line-based formats first: a reply over the read limit can then be cut at a line and still parse.
_ACCEPT = (
    "text/tab-separated-values, application/n-triples;q=0.95, application/sparql-results+json;q=0.9, "
    "text/turtle;q=0.8, application/sparql-results+xml;q=0.5, application/rdf+xml;q=0.5"
)
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

    def analyse(self, text: str, *, timeout_s: float, deadline: float | None = None) -> Any:
        """`service.policy.analyse_query` in a parse worker (`analyse_in_pool`)."""
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
        encoded = formats.encode(parsed, results_format, graph_format, max_rows, max_bytes)
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
