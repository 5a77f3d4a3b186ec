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
process. This module imports only the standard library, pyoxigraph, `kgqa.vocab`, `kgqa.errors`
and the framework-free parts of `kgqa.sparql` (never Flask or Werkzeug: they would be in every
worker); workers also run the engine's parse for the read-only policy
(`kgqa.sparql.policy.check_syntax`).

Errors travel as exceptions: a worker answers `(True, value)` or `(False, exc)`, where `exc` is one
of the `kgqa.errors` classes (they pickle with their message and context), and `QueryPool.call`
returns the value or raises the exception as it is. Anything else a worker raises is logged there
and becomes a generic `StoreError` naming only its type, so no internals reach a client.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import math
import multiprocessing
import os
import pickle
import queue
import re
import select
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from kgqa.errors import ApiError, BadQuery, EngineFailure, Forbidden, QueryTimeout, ResourceLimit, StoreError
from kgqa.sparql import encode
from kgqa.sparql.messages import refused_message, syntax_message
from kgqa.vocab import ASSERTED_GRAPH

log = logging.getLogger("kgqa")

_START_TIMEOUT_S = 300.0

# What the fork server imports once, so that every worker forked from it shares the pages: this
# module, the engine, the result encoders, and kgqa.sparql.policy for the "check_syntax" requests
# (instead of each worker importing it on its first check). None of them imports a web framework
# (pinned by tests/store/test_worker_pool.py).
PRELOAD = ("kgqa.store.pool", "pyoxigraph", "kgqa.sparql.encode", "kgqa.sparql.policy")


# The request path sends and receives with these rather than `Connection.send`/`recv`: the same
# bytes on the pipe (a length-prefixed pickle, so both ends may mix them), without building a
# `ForkingPickler` (which copies the copyreg table on every call). Requests and replies are plain
# tuples of str, bytes, numbers, pyoxigraph terms and `kgqa.errors` exceptions, which need none of
# its extra reducers.
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


DEFAULT_TRIPLE_GRAPH = ASSERTED_GRAPH


def load_store(spec: StoreSpec) -> Any:
    """Load (or open read-only) the pyoxigraph store a spec describes, in the calling process."""
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


# --- network isolation -------------------------------------------------------------------------
#
# Defence in depth behind the policy's SERVICE ban: a query worker lives in a network namespace of
# its own, which has only a loopback interface, and that one down. Oxigraph's SERVICE client is
# Rust (no Python audit hook sees it), so only the kernel can stop it; in the namespace every
# connect() fails with ENETUNREACH, whatever a future parser bug lets through. Python 3.11 has no
# os.unshare, hence libc through ctypes.

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000

ISOLATED = "isolated"  # unshare(CLONE_NEWNET): needs CAP_SYS_ADMIN (root in most containers)
ISOLATED_USERNS = "isolated-userns"  # CLONE_NEWUSER|CLONE_NEWNET: unprivileged users where allowed
HOST = "host"  # neither worked: the worker shares the server's network (the policy still bans SERVICE)


def _unshare(flags: int) -> int:
    """libc unshare(2); 0 or the errno."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) == 0:
        return 0
    return ctypes.get_errno() or errno.EPERM


def isolate_network() -> tuple[str, str]:
    """Move the calling (single-threaded) process into a fresh, empty network namespace.

    Returns (mode, detail): `ISOLATED`, `ISOLATED_USERNS` (a user namespace too, mapping only our own
    uid and gid, so the files we could read stay readable and nothing else changes), or `HOST` with
    the reason both failed. Never raises: a worker without isolation still serves, and says so.
    """
    err = _unshare(CLONE_NEWNET)
    if err == 0:
        return ISOLATED, "network namespace (unshare CLONE_NEWNET)"
    first = os.strerror(err)
    if err not in (errno.EPERM, errno.EACCES):
        return HOST, f"unshare(CLONE_NEWNET) failed: {first}"
    uid, gid = os.getuid(), os.getgid()
    err = _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    if err != 0:
        return HOST, f"unshare(CLONE_NEWNET) failed: {first}; with CLONE_NEWUSER: {os.strerror(err)}"
    try:
        # Order matters: setgroups must be denied before an unprivileged process may write gid_map.
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    except OSError as exc:
        # The network namespace is in place all the same; only the identity mapping failed.
        return ISOLATED_USERNS, f"user + network namespace (id mapping failed: {exc})"
    return ISOLATED_USERNS, "user + network namespace (unshare CLONE_NEWUSER|CLONE_NEWNET)"


# --- why a worker died -------------------------------------------------------------------------

_PANIC = re.compile(r"panicked at [^\n]*:\n([^\n]+)")
_ALLOC_FAILED = re.compile(r"memory allocation of \d+ bytes failed")


def death_cause(exitcode: int | None, stderr_tail: str) -> tuple[str, str]:
    """Classify a worker that died while running a request: ("memory" | "engine", detail).

    Oxigraph (pyoxigraph 0.5.13 is built to abort on panic) dies with SIGABRT both when an
    allocation fails under RLIMIT_DATA and when it panics, so the exit status alone cannot tell
    them apart; what Rust wrote to stderr just before can: "memory allocation of N bytes failed"
    versus "thread ... panicked at FILE:LINE:COL:\nMESSAGE". A SIGKILL we did not send is most
    likely the kernel's out-of-memory killer. Anything else (SIGSEGV from a stack overflow, an exit
    status) is an engine failure.
    """
    if _ALLOC_FAILED.search(stderr_tail):
        return "memory", "an allocation failed"
    panic = _PANIC.search(stderr_tail)
    if panic:
        return "engine", f"Oxigraph panicked: {panic.group(1).strip()}"
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        if sig == signal.SIGKILL:
            return "memory", "killed by the operating system (SIGKILL, usually its out-of-memory killer)"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return "engine", f"the worker was killed by {name}"
    return "engine", f"the worker exited with status {exitcode}"


_NO_NETWORK = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN}


def memory_limit_error(memory_mb: int | None) -> ResourceLimit:
    """The 503 for a query that needed more memory than a worker may have (raised on both sides:
    by a worker whose Python allocator refused, by the parent for a worker the limit killed)."""
    if memory_mb:
        return ResourceLimit(
            f"query needed more than the {memory_mb} MB memory limit of a query worker and was "
            "stopped (KGQA_WORKER_MEMORY_MB); add a LIMIT or make the query more selective"
        )
    return ResourceLimit(
        "query needed more memory than the query worker could get and was stopped; "
        "add a LIMIT or make the query more selective"
    )


def engine_failure(detail: str) -> EngineFailure:
    """The 500 for a worker the engine took down (or that caught a panic and must go)."""
    return EngineFailure(f"the engine failed on this query and was restarted; the query was not completed ({detail})")


# A worker that reports one of these is not trusted with another request: the parent replaces it
# (its heap is near the limit, or it caught a panic and exits).
_RETIRING = (ResourceLimit, EngineFailure)


def _op_query(
    store: Any,
    sparql: str,
    dataset: tuple[tuple[str, ...], tuple[str, ...]] | None,
    results_name: str,
    graph_name: str,
    cap: int | None,
    max_bytes: int | None,
) -> Any:
    """Run a query and encode its results; the engine's errors become the client's 400/403/502."""
    import pyoxigraph as ox  # preloaded by the fork server: these are dictionary lookups

    from kgqa.sparql import formats

    # Parameters arrive already in the text, as a VALUES block (OxigraphStore.query says why).
    kwargs: dict[str, Any] = {}
    if dataset is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in dataset[0]]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset[1]]
    try:
        results = store.query(sparql, **kwargs)
        return encode.encode(results, formats.BY_NAME[results_name], formats.BY_NAME[graph_name], cap, max_bytes)
    except SyntaxError as exc:
        raise BadQuery(syntax_message(str(exc))) from None
    except RuntimeError as exc:
        # Oxigraph's evaluation errors that the query causes ("The custom function <...> is not
        # supported", a SERVICE reply it cannot read): the engine's words go back to the client.
        raise BadQuery(refused_message(str(exc))) from None
    except OSError as exc:
        # Storage errors, and a connect() that the network namespace refused (SERVICE; only
        # reached if a SERVICE got past the policy: the worker's namespace has no network).
        if exc.errno in _NO_NETWORK or "os error 101" in str(exc):
            raise Forbidden(
                "the query tried to reach the network (SERVICE), which this endpoint never does; "
                f"it was stopped ({exc})"
            ) from None
        raise StoreError(f"the store could not run the query ({exc})") from None


def _op_check_syntax(store: Any, runnable: str, original: str) -> str | None:
    """The engine's parse for the read-only policy (`kgqa.sparql.policy.check_syntax`)."""
    from kgqa.sparql.policy import check_syntax

    return check_syntax(runnable, original)


def _op_count(store: Any) -> int:
    return len(store)


def _op_sleep(store: Any, seconds: float) -> None:
    """Used by the tests: a query that cannot finish in time, without a big graph."""
    time.sleep(float(seconds))


def _op_crash(store: Any, how: str, message: str) -> None:
    """Used by the tests: die as the engine does, without needing a query that does."""
    if how == "memoryerror":  # Python's allocator refusing under RLIMIT_DATA: no death
        raise MemoryError(message)
    if how == "panic":  # what a Rust panic in a build with panic=abort prints, then SIGABRT
        sys.stderr.write(f"thread '<unnamed>' panicked at test.rs:1:1:\n{message}\n")
    elif how == "alloc":  # what Rust's allocation-failure handler prints under RLIMIT_DATA
        sys.stderr.write("memory allocation of 360 bytes failed\n")
    elif how == "raise":  # an exception the worker does not expect: it must not reach a client
        raise ValueError(f"internal detail: {message}")
    sys.stderr.flush()
    if how == "segv":
        ctypes.string_at(0)  # a null dereference: SIGSEGV, as a stack overflow gives
    os.abort()


def _op_modules(store: Any, packages: tuple[str, ...]) -> list[str]:
    """Used by the tests: which modules of `packages` this worker has imported (Flask must be none)."""
    return sorted(name for name in sys.modules if name.split(".")[0] in packages)


# The requests a worker answers: name -> handler(store, *arguments).
_OPS: dict[str, Any] = {
    "query": _op_query,
    "check_syntax": _op_check_syntax,
    "count": _op_count,
    "sleep": _op_sleep,
    "crash": _op_crash,
    "modules": _op_modules,
}

# What a generic failure says, by request: an unexpected exception is named by its type only.
_FAILED = {"check_syntax": "the query could not be checked"}
_FAILED_DEFAULT = "the store could not run the query"


def _run(store: Any, request: tuple) -> Any:
    """Execute one request inside a worker: its value, or a `kgqa.errors` exception raised."""
    op = _OPS.get(request[0])
    if op is None:
        raise StoreError(f"{_FAILED_DEFAULT} (unknown request {request[0]!r})")
    return op(store, *request[1:])


def _answer(store: Any, request: tuple, memory_mb: int | None) -> tuple[bool, Any]:
    """The reply to one request: (True, value) or (False, the exception for the parent to raise).

    :raise BaseException: what the engine raised that is not an `Exception` (pyo3's
        PanicException, should a build unwind instead of abort); the caller reports it and exits.
    """
    try:
        return True, _run(store, request)
    except ApiError as exc:
        return False, exc
    except MemoryError:
        # Python's side of the memory limit (a reply too large to build): as Rust's abort is.
        return False, memory_limit_error(memory_mb)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return False, StoreError(f"{_FAILED.get(request[0], _FAILED_DEFAULT)} ({type(exc).__name__})")


def _worker_main(spec: StoreSpec, conn: Connection, memory_mb: int | None = None, err: Any = None) -> None:
    """Worker process: cut off the network, open the store, say ready, then answer requests until
    the pipe closes.

    `err`: the write end of a pipe that becomes this process's stderr; the parent forwards it to its
    own stderr and keeps the last lines, so that it can tell why the worker died (`death_cause`).
    """
    if err is not None:
        os.dup2(err.fileno(), 2)
        err.close()
    # Ctrl-C in a terminal signals the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Before the store is opened and before any request is read: nothing this process ever runs
    # can reach the network.
    network, network_detail = isolate_network()
    if memory_mb:
        # KGQA_WORKER_MEMORY_MB. The time limit alone does not bound memory: a SELECT DISTINCT over a
        # cartesian product allocates about 400 MB a second. RLIMIT_DATA (heap and private anonymous
        # mappings, not shared libraries) makes the allocation fail; Oxigraph then aborts the
        # process, and the parent answers 503 and starts a replacement.
        import resource

        limit = int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    try:
        store = load_store(spec)
        conn.send(("ready", len(store), network, network_detail))
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}", network, network_detail))
        return
    while True:
        try:
            request = _recv(conn)
        except (EOFError, OSError):
            return  # the parent has gone: nothing left to serve
        if request[0] == "stop":
            return
        try:
            reply = _answer(store, request, memory_mb)
        except BaseException as exc:  # pyo3's PanicException, should a build unwind instead of abort
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            traceback.print_exc(file=sys.stderr)
            with contextlib.suppress(OSError, ValueError, pickle.PicklingError):
                _send(conn, (False, engine_failure(f"Oxigraph panicked: {exc}")))
            return  # a panicked engine is not trusted with another query: the parent replaces us
        try:
            _send(conn, reply)
        except (pickle.PicklingError, TypeError, AttributeError):
            # A value or an exception's context that does not pickle: a generic error instead.
            with contextlib.suppress(OSError, ValueError):
                _send(conn, (False, StoreError(f"{_FAILED_DEFAULT} (its reply could not be sent)")))
        except (OSError, ValueError):
            return


_TAIL_BYTES = 16 * 1024


class _Worker:
    def __init__(self, process: Any, conn: Connection, err: Connection | None = None) -> None:
        self.process = process
        self.conn = conn
        self.triples = 0
        self.network = HOST
        self.network_detail = ""
        # Waiting for a reply with a poll object made once per worker, not `Connection.poll`, which
        # builds and registers a selector on every call. A dead worker shows as POLLHUP, and the
        # read that follows raises EOFError as before.
        self.poller = select.poll()
        self.poller.register(conn.fileno(), select.POLLIN)
        self._tail = b""
        self._tail_lock = threading.Lock()
        self.stderr_closed = threading.Event()
        if err is None:
            self.stderr_closed.set()
        else:
            threading.Thread(target=self._pump, args=(err,), name="kgqa-worker-stderr", daemon=True).start()

    def _pump(self, err: Connection) -> None:
        """Copy the worker's stderr to ours as it comes, keeping the last `_TAIL_BYTES` of it."""
        fd = err.fileno()
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                with self._tail_lock:
                    self._tail = (self._tail + chunk)[-_TAIL_BYTES:]
                with contextlib.suppress(OSError):
                    os.write(2, chunk)
        finally:
            with contextlib.suppress(OSError):
                err.close()
            self.stderr_closed.set()

    def clear_tail(self) -> None:
        """Forget earlier output, so that a death is judged by what its own request printed."""
        with self._tail_lock:
            self._tail = b""

    def stderr_tail(self, wait_s: float = 2.0) -> str:
        """What the worker last wrote to stderr; after its death, waits (briefly) for all of it."""
        self.stderr_closed.wait(wait_s)
        with self._tail_lock:
            return self._tail.decode("utf-8", "replace")

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
    """A fixed number of worker processes, each used by one request thread at a time.

    `size` workers serve everything; `reserved` more serve only calls made with `user=False` (the
    service's own queries: questions, canned queries, entity pages, labels). User calls (`/sparql`
    queries and their checks) hold at most `size` workers at once, so however many slow user
    queries arrive, a question still finds a worker at once.
    """

    def __init__(self, spec: StoreSpec, *, size: int = 2, memory_mb: int | None = None, reserved: int = 0) -> None:
        self.spec = spec
        self.size = max(1, size)
        self.reserved = max(0, reserved)
        self.memory_mb = memory_mb
        self.triple_count = 0
        # How the workers reach the network: ISOLATED, ISOLATED_USERNS or HOST (see isolate_network).
        self.network = HOST
        self.network_detail = "no worker started yet"
        self._warned_network = False
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(list(PRELOAD))
        # Last in, first out: at low concurrency one worker serves request after request with its
        # store still in the CPU caches, rather than every worker in turn with cold ones (about a
        # fifth less worker CPU per small query, measured).
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._user_slots = threading.BoundedSemaphore(self.size)
        self._user_calls = 0  # user calls holding a slot now (`user_calls`)
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def user_calls(self) -> int:
        """User calls that hold one of the `size` shared slots right now (at most `size`)."""
        with self._lock:
            return self._user_calls

    @property
    def processes(self) -> int:
        """Worker processes the pool keeps running: `size + reserved`."""
        return self.size + self.reserved

    # -- lifecycle --

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        err_r, err_w = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=_worker_main,
            args=(self.spec, child, self.memory_mb, err_w),
            daemon=True,
            name="kgqa-query-worker",
        )
        process.start()
        child.close()  # so that the parent sees EOF if the worker dies
        err_w.close()  # and the stderr pump sees EOF too
        worker = _Worker(process, parent, err_r)
        with self._lock:
            self._all.add(worker)
        if not parent.poll(_START_TIMEOUT_S):
            self._discard(worker)
            raise RuntimeError("a query worker did not open the store in time")
        try:
            status, detail, network, network_detail = parent.recv()
        except (EOFError, OSError):
            status, detail, network, network_detail = "failed", "the worker exited while opening the store", HOST, ""
        if status != "ready":
            self._discard(worker)
            if self.memory_mb and worker.process.exitcode == -signal.SIGABRT:
                detail += f" (it ran out of memory: raise KGQA_WORKER_MEMORY_MB, now {self.memory_mb})"
            raise RuntimeError(f"a query worker could not open the store: {detail}")
        worker.triples = detail
        worker.network, worker.network_detail = network, network_detail
        self._note_network(worker)
        return worker

    def _note_network(self, worker: _Worker) -> None:
        """Record the isolation the workers have (the weakest any has) and warn once without it."""
        rank = {ISOLATED: 0, ISOLATED_USERNS: 1, HOST: 2}
        with self._lock:
            first = self.network_detail == "no worker started yet"
            if first or rank.get(worker.network, 2) > rank.get(self.network, 2):
                self.network, self.network_detail = worker.network, worker.network_detail
            warn = worker.network == HOST and not self._warned_network
            self._warned_network |= warn
        if warn:
            log.warning(
                "query workers are NOT network-isolated (%s): they share this host's network; the "
                "policy's SERVICE ban is then the only guard against queries reaching the network",
                worker.network_detail,
            )

    def start(self) -> None:
        """Start every worker and wait until each has opened the store (so the first request is fast)."""
        started = time.perf_counter()
        workers = []
        try:
            for _ in range(self.processes):
                workers.append(self._spawn())
        except BaseException:
            self.close()
            raise
        self.triple_count = workers[0].triples
        for w in workers:
            self._idle.put(w)
        log.info(
            "started %d query workers%s (%d quads each; network: %s) in %.2f s",
            self.processes,
            f" ({self.reserved} reserved for the service's own queries)" if self.reserved else "",
            self.triple_count,
            self.network,
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

    def call(self, request: tuple, timeout_s: float, *, deadline: float | None = None, user: bool = False) -> Any:
        """Send a request to an idle worker and return its value, or raise the error it reports.

        `timeout_s` is the request's time limit, named in the error; `deadline` (a `time.monotonic()`
        value) is when the whole request must be done, if earlier phases of it (the policy check)
        already used part of the limit. Waiting for a free worker counts. `user`: a query from a
        client (`/sparql`), which may only hold one of the `size` shared workers, never a reserved one.

        :raise QueryTimeout: if no worker is free in time, or the query runs past the deadline
            (its worker is then killed and replaced).
        :raise ResourceLimit: the worker died because the query hit the memory limit.
        :raise EngineFailure: the worker died for another reason (an Oxigraph panic, SIGSEGV).
        :raise ApiError: what the worker raised for this request (a syntax error is a `BadQuery`).
        """
        if self._closed:
            raise StoreError("the store is closed")
        end = time.monotonic() + timeout_s
        if deadline is not None:
            end = min(end, deadline)
        limit = f"query exceeded the {timeout_s:g} s time limit"
        if end <= time.monotonic():  # the request's earlier phases used up its time: not even sent
            raise QueryTimeout(limit)
        if user:
            if not self._user_slots.acquire(timeout=max(0.0, end - time.monotonic())):
                raise QueryTimeout(f"{limit} while waiting for a free query worker")
            with self._lock:
                self._user_calls += 1
        try:
            try:
                worker = self._idle.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise QueryTimeout(f"{limit} while waiting for a free query worker") from None
            return self._exchange(worker, request, end, timeout_s, limit)
        finally:
            if user:
                with self._lock:
                    self._user_calls -= 1
                self._user_slots.release()

    def _exchange(self, worker: _Worker, request: tuple, end: float, timeout_s: float, limit: str) -> Any:
        """One request on one worker: its value, or the right error once it is killed or has died."""
        worker.clear_tail()
        try:
            _send(worker.conn, request)
            if not worker.wait(end - time.monotonic()):
                log.warning("query passed the %g s limit; killing worker pid %s", timeout_s, worker.process.pid)
                self._replace(worker)
                raise QueryTimeout(limit)
            ok, value = _recv(worker.conn)
        except (EOFError, OSError) as exc:
            self._replace(worker)  # kills (if needed) and reaps it, so its exit code is known
            cause, detail = death_cause(worker.process.exitcode, worker.stderr_tail())
            pid = worker.process.pid
            if cause == "memory":
                log.warning("query worker pid %s stopped: out of memory (%s)", pid, detail)
                raise memory_limit_error(self.memory_mb) from exc
            log.error("query worker pid %s died while running a request: %s", pid, detail)
            raise engine_failure(detail) from exc
        if ok:
            self._idle.put(worker)
            return value
        if isinstance(value, _RETIRING):
            self._replace(worker)  # see _RETIRING: a fresh worker takes its place
            if isinstance(value, EngineFailure):
                log.error("query worker pid %s: %s", worker.process.pid, value.message)
            raise value
        self._idle.put(worker)
        if not isinstance(value, ApiError):  # never from our workers; never shown to a client as is
            raise StoreError(f"{_FAILED_DEFAULT} ({type(value).__name__})")
        raise value
