"""`kgqa serve --processes N`: N copies of the server accepting on one listening socket.

Why: the request path (waitress, Flask, the view) is Python and holds the GIL for most of a
request, so one server process uses about one core however many threads and query workers it has
(more query workers did not help: 4 gave the same throughput as 2). Measured on two cores with 4
keep-alive clients on the bench's `/sparql` mix (article graph): about 1050 requests/s with one
process, 1520 with two.

How (standard library only, the classic pre-fork model): the supervisor binds the socket, then
forks the children before it has started any thread or process of its own (forking a process with
threads can copy a held lock). Each child opens its own state (its own query workers: memory grows
with N; with `--store DIR` workers open the store read-only and share the page cache) and runs
waitress on the inherited socket; the kernel hands each new connection to one of the processes
waiting in `accept`. The port starts listening when the first child has its query workers ready.

The supervisor only relays signals and keeps N children running:
- SIGTERM/SIGINT: every child gets SIGTERM (it stops its query workers), then the supervisor exits.
- SIGHUP: every child reloads its graph (kgqa/web/reload.py), each on its own: for the few seconds
  of a reload, two requests may be answered from different graphs.
- A child that exits unexpectedly is replaced (at most one start a second).
If a child fails to start, the others are stopped and the command fails: a configuration error
should not leave a half-started service.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import time
from collections.abc import Callable

log = logging.getLogger("kgqa")

# run_child(sock, ready) serves on the socket until told to stop and returns an exit code; it calls
# ready() once its server accepts connections.
ChildMain = Callable[[socket.socket, Callable[[], None]], int]

_STOP_TIMEOUT_S = 20.0


def bind_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for `host:port` (port 0: a free one); waitress calls `listen()` on it."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _start_child(sock: socket.socket, run_child: ChildMain) -> tuple[int, int]:
    """Fork one server process; returns its pid and the read end of its readiness pipe."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(ready_w)
        return pid, ready_r
    # The child. Default signal handling: the server installs its own SIGTERM and SIGHUP handlers.
    code = 2
    try:
        os.close(ready_r)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

        def ready() -> None:
            # A replacement's pipe has no reader (the supervisor does not wait for it): ignore that.
            with contextlib.suppress(OSError):
                os.write(ready_w, b"1")
            os.close(ready_w)

        code = run_child(sock, ready)
    except BaseException:
        log.exception("server process %d failed", os.getpid())
    finally:
        logging.shutdown()
        os._exit(code)  # never return into the supervisor's code


def _stop(pids: list[int]) -> None:
    """SIGTERM each child, wait for them all, SIGKILL those still running after the timeout."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_TIMEOUT_S
    left = set(pids)
    while left and time.monotonic() < deadline:
        for pid in list(left):
            with contextlib.suppress(ChildProcessError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if not done:
                    continue
            left.discard(pid)
        if left:
            time.sleep(0.05)
    for pid in left:
        log.warning("server process %d did not stop in %g s; killing it", pid, _STOP_TIMEOUT_S)
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _wait_ready(pending: dict[int, int]) -> bool:
    """Wait until every child in `pending` (pid -> readiness pipe) says it is ready.

    Returns False as soon as one exits first (it could not open the store or bind its server).
    """
    while pending:
        readable, _, _ = select.select(list(pending.values()), [], [], 0.5)
        for pid, fd in list(pending.items()):
            if fd in readable and os.read(fd, 1) == b"1":
                os.close(fd)
                del pending[pid]
                continue
            done, status = os.waitpid(pid, os.WNOHANG)
            if done or fd in readable:  # exited, or closed its pipe without saying ready
                log.error("server process %d exited while starting (status %s)", pid, status)
                for other in pending.values():
                    os.close(other)
                return False
    return True


def serve_forked(host: str, port: int, processes: int, run_child: ChildMain) -> int:
    """Run `processes` server processes on one socket until SIGTERM or SIGINT; the exit code."""
    sock = bind_socket(host, port)
    actual_port = sock.getsockname()[1]
    stopping = False

    def on_stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    children: list[int] = []
    try:
        pending = dict(_start_child(sock, run_child) for _ in range(processes))
        children = list(pending)
        if not _wait_ready(pending):
            return 2

        def on_hup(signum: int, frame: object) -> None:
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGHUP)

        signal.signal(signal.SIGHUP, on_hup)
        log.info("kgqa serving on http://%s:%s/ with %d server processes %s", host, actual_port, processes, children)
        print(f"kgqa serving on http://{host}:{actual_port}/", flush=True)
        last_start = time.monotonic()
        while True:
            pid, status = os.wait()  # a signal handler runs meanwhile; SIGTERM's ends the loop
            if pid not in children:
                continue
            log.warning("server process %d exited unexpectedly (status %d); starting another", pid, status)
            children.remove(pid)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - last_start)))
            last_start = time.monotonic()
            new, ready_r = _start_child(sock, run_child)
            os.close(ready_r)  # it serves once ready; the others carry the load meanwhile
            children.append(new)
    except (KeyboardInterrupt, SystemExit):
        stopping = True
        return 0
    finally:
        if children:
            log.info("stopping %d server processes%s", len(children), "" if stopping else " (start failed)")
            _stop(children)
        sock.close()
