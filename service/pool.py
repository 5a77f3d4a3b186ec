"""A pool of query worker processes for the embedded Oxigraph store: timeouts that really stop work.

Why processes: pyoxigraph 0.5.13's `Store.query` has no timeout and no cancellation, and CPython
cannot stop a thread, so a runaway query (a cartesian product, a `*` property path) would hold a
core until it finished. Each worker process opens the store itself (in-memory: parses the data
files; on-disk: `pyoxigraph.Store.read_only`, which several processes can do at once), runs one
query at a time, serialises the results itself and sends the bytes back over a pipe. When a query
passes its deadline the request thread kills that worker, answers 503, and a replacement starts in
the background while the other workers keep serving.

Why 'forkserver': the service runs under waitress with several threads; forking a multithreaded
process can copy a held lock into the child. The fork server is a fresh single-threaded process
that preloads this module (and pyoxigraph) once, so starting a worker is a cheap fork of a clean
process. This module imports only the standard library, pyoxigraph and `service.formats`; workers
also run the read-only policy's parse (`service.policy.analyse_in_worker`) for `OxigraphStore.analyse`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import pickle
import queue
import select
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("kgqa")

_START_TIMEOUT_S = 300.0


# The request path sends and receives with these rather than `Connection.send`/`recv`: the same
# bytes on the pipe (a length-prefixed pickle, so both ends may mix them), without building a
# `ForkingPickler` (which copies the copyreg table on every call). Requests and replies are plain
# tuples of str, bytes, numbers and pyoxigraph terms, which need none of its extra reducers.
def _send(conn: Connection, obj: Any) -> None:
    conn.send_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _recv(conn: Connection) -> Any:
    return pickle.loads(conn.recv_bytes())


@dataclass(frozen=True)
class StoreSpec:
    """How a worker opens the store; picklable, so it can be sent to a new process.

    `files`: (path, graph IRI) pairs loaded into a fresh in-memory store; the graph is where a
    triple-format file goes (TriG/N-Quads keep their own graphs; None means the asserted graph).
    `path`: an on-disk store opened read-only instead.
    """

    files: tuple[tuple[str, str | None], ...] = ()
    path: str | None = None


DEFAULT_TRIPLE_GRAPH = "https://w3id.org/kgqa/graph/asserted"


def open_store(spec: StoreSpec) -> Any:
    """Open the pyoxigraph store a spec describes (in the calling process)."""
    import pyoxigraph as ox

    if spec.path:
        return ox.Store.read_only(spec.path)
    store = ox.Store()
    for path, graph in spec.files:
        fmt = ox.RdfFormat.from_extension(os.path.splitext(path)[1].lstrip(".") or "ttl")
        if fmt is None and path.endswith(".owl"):
            fmt = ox.RdfFormat.RDF_XML
        if fmt is None:
            raise ValueError(f"unknown RDF format for {path}")
        if fmt.supports_datasets:
            store.bulk_load(path=path, format=fmt)
        else:
            store.bulk_load(path=path, format=fmt, to_graph=ox.NamedNode(graph or DEFAULT_TRIPLE_GRAPH))
    return store


def _run(store: Any, request: tuple) -> tuple:
    """Execute one request inside a worker; returns the reply tuple sent back to the parent."""
    import pyoxigraph as ox  # preloaded by the fork server: these are dictionary lookups

    from service import formats

    op = request[0]
    if op == "query":
        # Parameters arrive already in the text, as a VALUES block (OxigraphStore.query says why).
        _, sparql, dataset, results_name, graph_name, cap, max_bytes = request
        kwargs: dict[str, Any] = {}
        if dataset is None:
            kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in dataset[0]]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset[1]]
        try:
            results = store.query(sparql, **kwargs)
            encoded = formats.encode(
                results, formats.BY_NAME[results_name], formats.BY_NAME[graph_name], cap, max_bytes
            )
        except SyntaxError as exc:
            return ("error", "syntax", str(exc))
        return ("ok", encoded)
    if op == "check":  # the read-only policy's parse (service.policy.analyse_query), time-limited here
        from service.policy import analyse_in_worker

        return analyse_in_worker(request[1])
    if op == "count":
        return ("ok", len(store))
    if op == "sleep":  # used by the tests: a query that cannot finish in time, without a big graph
        time.sleep(float(request[1]))
        return ("ok", None)
    return ("error", "internal", f"unknown request {op!r}")


def _worker_main(spec: StoreSpec, conn: Connection, memory_mb: int | None = None) -> None:
    """Worker process: open the store, say ready, then answer requests until the pipe closes."""
    # Ctrl-C in a terminal signals the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        # KGQA_WORKER_MEMORY_MB. The time limit alone does not bound memory: a SELECT DISTINCT over a
        # cartesian product allocates about 400 MB a second. RLIMIT_DATA (heap and private anonymous
        # mappings, not shared libraries) makes the allocation fail; Oxigraph then aborts the
        # process, and the parent answers 503 and starts a replacement.
        import resource

        limit = int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        store = open_store(spec)
        conn.send(("ready", len(store)))
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    while True:
        try:
            request = _recv(conn)
        except (EOFError, OSError):
            return  # the parent has gone: nothing left to serve
        if request[0] == "stop":
            return
        try:
            reply = _run(store, request)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            reply = ("error", "internal", type(exc).__name__)
        try:
            _send(conn, reply)
        except (OSError, ValueError, pickle.PicklingError):
            return


class _Worker:
    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.triples = 0
        # Waiting for a reply with a poll object made once per worker, not `Connection.poll`, which
        # builds and registers a selector on every call. A dead worker shows as POLLHUP, and the
        # read that follows raises EOFError as before.
        self.poller = select.poll()
        self.poller.register(conn.fileno(), select.POLLIN)

    def wait(self, timeout_s: float) -> bool:
        """True when a reply (or EOF) can be read before `timeout_s` seconds pass."""
        return bool(self.poller.poll(math.ceil(max(0.0, timeout_s) * 1000)))

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class QueryPool:
    """A fixed number of worker processes, each used by one request thread at a time."""

    def __init__(self, spec: StoreSpec, *, size: int = 2, memory_mb: int | None = None) -> None:
        self.spec = spec
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self.triple_count = 0
        self._ctx = multiprocessing.get_context("forkserver")
        # service.policy (and with it rdflib's SPARQL parser) for the "check" requests: imported
        # once in the fork server, its pages are shared by every worker instead of each importing
        # it on its first check.
        self._ctx.set_forkserver_preload(["service.pool", "pyoxigraph", "service.formats", "service.policy"])
        # Last in, first out: at low concurrency one worker serves request after request with its
        # store still in the CPU caches, rather than every worker in turn with cold ones (about a
        # fifth less worker CPU per small query, measured).
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    # -- lifecycle --

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_worker_main, args=(self.spec, child, self.memory_mb), daemon=True, name="kgqa-query-worker"
        )
        process.start()
        child.close()  # so that the parent sees EOF if the worker dies
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        if not parent.poll(_START_TIMEOUT_S):
            self._discard(worker)
            raise RuntimeError("a query worker did not open the store in time")
        try:
            status, detail = parent.recv()
        except (EOFError, OSError):
            status, detail = "failed", "the worker exited while opening the store"
        if status != "ready":
            self._discard(worker)
            if self.memory_mb and worker.process.exitcode == -signal.SIGABRT:
                detail += f" (it ran out of memory: raise KGQA_WORKER_MEMORY_MB, now {self.memory_mb})"
            raise RuntimeError(f"a query worker could not open the store: {detail}")
        worker.triples = detail
        return worker

    def start(self) -> None:
        """Start every worker and wait until each has opened the store (so the first request is fast)."""
        started = time.perf_counter()
        workers = []
        try:
            for _ in range(self.size):
                workers.append(self._spawn())
        except BaseException:
            self.close()
            raise
        self.triple_count = workers[0].triples
        for w in workers:
            self._idle.put(w)
        log.info(
            "started %d query workers (%d quads each) in %.2f s",
            self.size,
            self.triple_count,
            time.perf_counter() - started,
        )

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start another in the background, so the caller can answer at once."""
        self._discard(worker)
        if self._closed:
            return

        def respawn() -> None:
            for attempt in range(3):
                if self._closed:
                    return
                try:
                    new = self._spawn()
                except Exception:
                    log.exception("could not start a replacement query worker (attempt %d)", attempt + 1)
                    time.sleep(1.0)
                    continue
                if self._closed:
                    self._discard(new)
                else:
                    self._idle.put(new)
                    log.info("replacement query worker ready (pid %s)", new.process.pid)
                return

        threading.Thread(target=respawn, name="kgqa-respawn", daemon=True).start()

    def close(self) -> None:
        """Stop all workers; idempotent. Workers also exit on their own if this process dies."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(("stop",))
        for w in workers:
            w.process.join(timeout=1)
            w.kill()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    # -- requests --

    def call(self, request: tuple, timeout_s: float) -> tuple:
        """Send a request to an idle worker and wait for its reply until the deadline.

        :raise QueryTimeout: if no worker is free in time, or the query runs past the deadline
            (its worker is then killed and replaced).
        :raise StoreError: if the worker died while running the query.
        """
        from service.errors import QueryTimeout, ResourceLimit, StoreError

        if self._closed:
            raise StoreError("the store is closed")
        deadline = time.monotonic() + timeout_s
        limit = f"query exceeded the {timeout_s:g} s time limit"
        try:
            worker = self._idle.get(timeout=max(0.0, timeout_s))
        except queue.Empty:
            raise QueryTimeout(f"{limit} while waiting for a free query worker") from None
        try:
            _send(worker.conn, request)
            if not worker.wait(deadline - time.monotonic()):
                log.warning("query passed the %g s limit; killing worker pid %s", timeout_s, worker.process.pid)
                self._replace(worker)
                raise QueryTimeout(limit)
            reply = _recv(worker.conn)
        except (EOFError, OSError) as exc:
            self._replace(worker)  # kills (if needed) and reaps it, so its exit code is known
            if self.memory_mb and worker.process.exitcode == -signal.SIGABRT:
                log.warning(
                    "query passed the %d MB memory limit; worker pid %s stopped", self.memory_mb, worker.process.pid
                )
                raise ResourceLimit(
                    f"query needed more than the {self.memory_mb} MB memory limit of a query worker and was "
                    "stopped (KGQA_WORKER_MEMORY_MB); add a LIMIT or make the query more selective"
                ) from exc
            log.error("query worker pid %s died while running a query", worker.process.pid)
            raise StoreError("the query worker stopped unexpectedly; the query was not completed") from exc
        self._idle.put(worker)
        return reply
