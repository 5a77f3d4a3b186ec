"""A remote SPARQL 1.1 query endpoint as a store, reached over HTTP with SPARQLWrapper."""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import socket
import time
import urllib.error
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

from kgqa.errors import ApiError, BadQuery, QueryTimeout, ResourceLimit, StoreError
from kgqa.sparql import canonical, encode, formats
from kgqa.sparql.formats import Format
from kgqa.sparql.policy import CheckedQuery
from kgqa.sparql.results import Dataset, Result, Term
from kgqa.sparql.values import inject_values
from kgqa.store.base import Capabilities, analyse_in_pool
from kgqa.store.pool import QueryPool, StoreSpec
from kgqa.vocab import GRAPH_NS, XSD

XSD_DECIMAL, XSD_DOUBLE = XSD + "decimal", XSD + "double"

log = logging.getLogger("kgqa")

# How much of a remote reply is read, as a multiple of the reply's own byte limit: nothing beyond
# this can be sent anyway.
READ_FACTOR = 4
# Only these graphs are read on a remote store: a store's own graphs (Virtuoso keeps its system
# data in graphs of the same store) never reach a reply, a count or /graph.
GRAPHS_NS = GRAPH_NS


# The Accept header per kind of answer (`_kind`): a store may answer with the first type listed
# whatever the query's form (Virtuoso), so each form asks for its own.
_ACCEPT = {kind: formats.remote_accept(kind) for kind in ("results", "graph")}
# Where a reply over the read limit may be cut so that what is kept still parses, by media type:
# after the last whole element or line, then what closes the document. An XML end tag is markup
# (a `<` in text is escaped); an N-Triples or TSV line ends at a newline outside any literal.
_CUTS: dict[str, tuple[bytes, bytes]] = {
    "application/sparql-results+xml": (b"</result>", b"\n</results>\n</sparql>\n"),
    "application/n-triples": (b"\n", b""),
    # SPARQL TSV from a store that sends it though not asked (one that writes it wrongly, as
    # Virtuoso does, fails to parse: a 502).
    "text/tab-separated-values": (b"\n", b""),
}
# Virtuoso writes its blank nodes as `nodeID://b10009`, which is no blank-node label; the label is
# what follows. Matched on markup only (in SPARQL XML a `<` in text is escaped, in JSON a quote),
# so no literal is ever changed.
_VIRTUOSO_BNODES = (
    (re.compile(rb"<bnode>nodeID://"), rb"<bnode>"),
    (re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://'), rb"\1"),
)


@dataclass(frozen=True)
class _Reply:
    """A remote reply: its bytes (at most the read limit), type, whether it was cut, and what the
    store said in its headers about having cut it itself."""

    data: bytes
    media: str
    cut: bool
    store_cut: str | None = None


@functools.lru_cache(maxsize=1024)
def _kind(sparql: str) -> str:
    """`results` or `graph`: the kind of answer this query's form gets, read from its tokens."""
    try:
        form = canonical.query_form(canonical.read(sparql))
    except ApiError:
        form = None
    return "graph" if form in {"CONSTRUCT", "DESCRIBE"} else "results"


class RemoteStore:
    """Any SPARQL 1.1 query endpoint, reached with SPARQLWrapper; tested on Oxigraph server and Virtuoso.

    Only the graphs under `GRAPHS_NS` are read: every query without a dataset of its own is sent
    with them as its `default-graph-uri` and `named-graph-uri` (SPARQL 1.1 Protocol §2.1.4), so
    the default graph is their union, as in the embedded store, and a store's system graphs
    (Virtuoso's) never reach a reply.

    Each query form asks for its own formats (`formats.remote_accept`): SPARQL XML (then JSON) for
    SELECT/ASK, N-Triples (then Turtle) for graphs; a store may answer with the first type listed
    whatever the form. Replies are capped and written by the same native writers as the embedded
    store's, so both stores' replies look the same. A capped query reads at most `READ_FACTOR`
    times the byte limit of the remote reply, cut after a whole result or line; a reply the store
    cut itself (Virtuoso's `ResultSetMaxRows`, said in `X-SPARQL-MaxRows`) is flagged truncated.

    The time limit goes to the store too, where it has one per query: Virtuoso's `timeout`
    parameter (its "anytime" answer at the limit is incomplete, so it is a 503 here). Oxigraph
    server has only `--timeout-s` for every query: start it with one no longer than the service's.

    The policy's parse of a user's query runs in `parse_workers` worker processes with no store
    and no network (`QueryPool` on an empty `StoreSpec`), as for the embedded store: pyoxigraph's
    parser, the policy's oracle, must never see a user's text in the server process, where a
    crash (stack overflow on deep unary nesting) would take the whole server down.
    """

    # Time limits are the socket's (SPARQLWrapper's timeout) and the store's own where it has one;
    # parameters go in as VALUES.
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
        self._graphs: tuple[str, ...] | None = None
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
        dataset: Dataset,
        timeout_s: float,
        read_limit: int | None = None,
        *,
        limit_s: float | None = None,
    ) -> _Reply:
        """The reply: at most `read_limit` bytes of it, cut where the kept part still parses.

        `timeout_s`: how long to wait (the socket's timeout, and the store's own `timeout`);
        `limit_s`: the time limit an error names (default the same).

        :raise QueryTimeout 503: no answer in time, or the store's answer was cut by its own limit.
        :raise BadQuery 400 / StoreError 502: the store refused the query or could not be reached.
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
        accept = _ACCEPT[_kind(sparql)]
        sw.addCustomHttpHeader("Accept", accept)
        # Virtuoso's own limit for this query, in milliseconds (other stores ignore the parameter).
        sw.addParameter("timeout", str(max(1, int(timeout_s * 1000))))
        for g in dataset.default_graphs:
            sw.addDefaultGraph(g)
        for g in dataset.named_graphs:
            sw.addNamedGraph(g)
        try:
            response = sw.query().response
            headers = response.headers
            if headers.get("X-SQL-State"):  # Virtuoso's "anytime" answer: incomplete at its time limit
                response.close()
                raise QueryTimeout(f"query exceeded the {named:g} s time limit (the remote endpoint stopped it)")
            media = headers.get("Content-Type", "").split(";")[0].strip().lower()
            max_rows = headers.get("X-SPARQL-MaxRows")
            store_cut = f"the remote SPARQL endpoint cut its answer at {max_rows} rows" if max_rows else None
            if read_limit is None:
                return _Reply(_readable(response.read()), media, False, store_cut)
            data = response.read(read_limit + 1)
            if len(data) <= read_limit:
                return _Reply(_readable(data), media, False, store_cut)
            response.close()  # the rest is never read
            return _Reply(_readable(_cut(data[:read_limit], media)), media, True, store_cut)
        except TimeoutError as exc:
            raise QueryTimeout(f"query exceeded the {named:g} s time limit") from exc
        except urllib.error.HTTPError as exc:  # a status SPARQLWrapper has no exception for (406, 405...)
            log.warning("remote endpoint %s answered %s", self.endpoint, exc)
            hint = _HTTP_HINTS.get(exc.code, "").format(accept=accept)
            raise StoreError(
                f"the remote SPARQL endpoint {self.endpoint} answered HTTP {exc.code} {exc.reason}{hint}"
            ) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise QueryTimeout(f"query exceeded the {named:g} s time limit") from exc
            log.warning("remote endpoint %s failed: %s", self.endpoint, exc)
            raise StoreError(f"the remote SPARQL endpoint {self.endpoint} could not be reached: {exc.reason}") from exc
        except SPARQLWrapperException as exc:
            log.warning("remote endpoint %s refused the query: %s", self.endpoint, exc)
            raise _refusal(exc, self.endpoint, named) from exc

    def graphs(self) -> tuple[str, ...]:
        """The store's graphs that the service reads (those under `GRAPHS_NS`), listed once."""
        if self._graphs is None:
            everything = Dataset(default_graphs=(), named_graphs=())
            res = self._run(
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", everything, timeout_s=60, max_rows=100_000
            )
            names = (row["g"].value for row in res.rows() if isinstance(row.get("g"), ox.NamedNode))
            self._graphs = tuple(sorted(g for g in names if g.startswith(GRAPHS_NS)))
        return self._graphs

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
        if dataset is None:
            graphs = self.graphs()
            dataset = Dataset(default_graphs=graphs, named_graphs=graphs)
        text = inject_values(sparql, {name: _portable(term) for name, term in (bindings or {}).items()})
        return self._run(
            text,
            dataset,
            echo=bindings or {},
            timeout_s=timeout_s,
            deadline=deadline,
            max_rows=max_rows,
            results_format=results_format,
            graph_format=graph_format,
        )

    def _run(
        self,
        text: str,
        dataset: Dataset,
        *,
        echo: Mapping[str, Term] | None = None,
        timeout_s: float,
        deadline: float | None = None,
        max_rows: int | None = None,
        results_format: Format = formats.SPARQL_JSON,
        graph_format: Format = formats.N_TRIPLES,
    ) -> Result:
        """`text` on the store with exactly this dataset (an empty one: the store's own default).

        `echo`: the parameters the text binds in its VALUES block; their columns in the reply are
        written back as the parameters themselves (`_echoed`).
        """
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(f"query exceeded the {timeout_s:g} s time limit")
            # SPARQLWrapper's timeout is the socket's; the error still names the request's limit.
            data_timeout = min(timeout_s, left)
        else:
            data_timeout = timeout_s
        max_bytes = self.max_result_bytes if max_rows is not None else None
        read_limit = None if max_bytes is None else READ_FACTOR * max_bytes
        reply = self._fetch(text, dataset, data_timeout, read_limit, limit_s=timeout_s)
        if echo:
            reply = dataclasses.replace(reply, data=_echoed(reply, echo))
        encoded = encode.encode(_parse(reply), results_format, graph_format, max_rows, max_bytes)
        if not encoded.truncated and (reply.cut or reply.store_cut):
            note = reply.store_cut or (
                f"cut at {read_limit} bytes of the remote endpoint's reply (READ_FACTOR x KGQA_MAX_RESULT_BYTES)"
            )
            encoded = dataclasses.replace(encoded, truncated=True, note=note)
        return Result.from_encoded(encoded)

    def triple_count(self) -> int:
        """The triples in the service's graphs (`graphs`), counted once."""
        if self._count is None:
            res = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", timeout_s=60)
            rows = res.rows()
            self._count = int(rows[0]["n"].value) if rows else 0
        return self._count

    def named_graphs(self, *, timeout_s: float = 30.0) -> list[str]:
        return list(self.graphs())

    def close(self) -> None:
        self.pool.close()


def _readable(data: bytes) -> bytes:
    """The reply with Virtuoso's blank-node ids made labels (`nodeID://b1` -> `b1`)."""
    if b"nodeID://" in data:
        for pattern, replacement in _VIRTUOSO_BNODES:
            data = pattern.sub(replacement, data)
    return data


def _portable(term: Term) -> Term:
    """A parameter written so every tested store compares and sorts it alike (the reply shows the
    parameter as given: `_echoed`).

    Virtuoso cannot sort the rows of a query whose VALUES hold an xsd:decimal with a fraction
    digit ("Numeric value out of range for <temporary space column>", even for 1.5): an integral
    decimal goes without its fraction digits (`2400000000.0` is `2400000000`, the same value),
    any other as the xsd:double it compares as.
    """
    if not (isinstance(term, ox.Literal) and term.datatype.value == XSD_DECIMAL and "." in term.value):
        return term
    whole, _, fraction = term.value.partition(".")
    if not fraction.strip("0"):
        return ox.Literal(whole or "0", datatype=term.datatype)
    return ox.Literal(term.value, datatype=ox.NamedNode(XSD_DOUBLE))


def _echoed(reply: _Reply, echo: Mapping[str, Term]) -> bytes:
    """A SPARQL XML reply with each parameter's column written as the parameter itself.

    A VALUES-bound variable can only hold the value given, but a store may write it back with
    another type: Virtuoso answers `"2000000000"^^xsd:decimal` as an xsd:integer (and with a
    fraction digit fails to sort it). The `<binding>` elements are markup (a `<` in text is
    escaped), so matching them never touches a literal. Other formats are left as they are.
    """
    if reply.media not in {"application/sparql-results+xml", "application/xml", "text/xml"}:
        return reply.data
    data = reply.data
    for name, term in echo.items():
        element = f'<binding name="{name}">{_xml_term(term)}</binding>'.encode()
        column = re.compile(rb'<binding name="' + re.escape(name.encode()) + rb'">.*?</binding>', re.S)
        data = column.sub(lambda m, element=element: element, data)
    return data


def _xml_term(term: Term) -> str:
    """An IRI or literal as SPARQL XML results write it."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'<literal xml:lang="{xml_escape(term.language)}">{xml_escape(term.value)}</literal>'
        return f'<literal datatype="{xml_escape(term.datatype.value)}">{xml_escape(term.value)}</literal>'
    return f"<bnode>{xml_escape(str(term.value))}</bnode>"


def _cut(data: bytes, media: str) -> bytes:
    """The first whole results (or lines) of a reply cut at the read limit, closed so it parses.

    :raise ResourceLimit 503: a reply that cannot be cut so (SPARQL JSON, Turtle, RDF/XML).
    """
    after, closing = _CUTS.get(media, (b"", b""))
    end = data.rfind(after) if after else -1
    if end < 0:
        raise ResourceLimit(
            f"the remote SPARQL endpoint's reply is over {len(data)} bytes and in a format that "
            f"cannot be cut ({media or 'no type'}); add a LIMIT to the query"
        )
    return data[: end + len(after)] + closing


def _parse(reply: _Reply) -> object:
    """The reply as pyoxigraph results, for `encode.encode`.

    :raise StoreError 502: a type that is not a results or graph format we read.
    """
    media = reply.media
    if media in formats.ALIASES["results"] and media != "text/csv":
        try:
            return ox.parse_query_results(reply.data, format=formats.ALIASES["results"][media].oxigraph)
        except SyntaxError as exc:
            raise StoreError(f"the remote SPARQL endpoint's answer could not be read ({media}): {exc}") from exc
    if media in formats.ALIASES["graph"]:
        try:
            quads = list(ox.parse(reply.data, format=formats.ALIASES["graph"][media].oxigraph))
        except SyntaxError as exc:
            raise StoreError(f"the remote SPARQL endpoint's answer could not be read ({media}): {exc}") from exc
        return (q.triple for q in quads)
    raise StoreError(f"the remote SPARQL endpoint answered with an unexpected type {media!r}")


# What a status means when the endpoint answers with one, as a clause after it.
_HTTP_HINTS = {
    404: " (is this URL the store's SPARQL query endpoint?)",
    405: " (is this URL the store's SPARQL query endpoint? it refuses POST)",
    406: " (it offers none of the formats asked for: {accept}; is this a SPARQL endpoint?)",
}
# Refusals a store words in its reply, by a phrase in it: Virtuoso's cost estimate and its own
# time limit are the service's time limit; its row and memory limits are resource limits.
_STORE_REFUSALS: tuple[tuple[str, type[ApiError]], ...] = (
    ("estimated execution time", QueryTimeout),
    ("transaction timed out", QueryTimeout),
    ("exceeds the limit", ResourceLimit),
    ("out of memory", ResourceLimit),
)


def _refusal(exc: Exception, endpoint: str, limit_s: float) -> ApiError:
    """The error for a store's refusal (a SPARQLWrapper exception): a sentence with what it said."""
    said = _store_says(exc)
    name = type(exc).__name__
    if "QueryBadFormed" in name:
        return BadQuery(f"the remote SPARQL endpoint rejected the query as malformed{said}")
    for phrase, error in _STORE_REFUSALS:
        if phrase in said.lower():
            if error is QueryTimeout:
                return QueryTimeout(f"query exceeded the {limit_s:g} s time limit (the remote endpoint said{said})")
            return error(f"the remote SPARQL endpoint refused the query{said}")
    if "EndPointNotFound" in name:
        return StoreError(f"the remote SPARQL endpoint {endpoint} answered HTTP 404{_HTTP_HINTS[404]}")
    if "Unauthorized" in name:
        return StoreError(f"the remote SPARQL endpoint {endpoint} answered HTTP 401: it wants credentials")
    return StoreError(f"the remote SPARQL endpoint {endpoint} failed to answer the query{said}")


def _store_says(exc: Exception) -> str:
    """What the store said when it refused a query, as a clause for the message (its first line)."""
    text = str(exc)
    body = text.split("Response:", 1)[-1].strip() if "Response:" in text else ""
    first = next((line.strip() for line in body.replace("\\n", "\n").splitlines() if line.strip()), "")
    first = first.removeprefix("b'").removeprefix('b"')
    return f": {first[:300]}" if first and not first.startswith("<") else ""  # not an HTML page
