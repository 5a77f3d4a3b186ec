"""Servers under test, on loopback and free ports, and a small HTTP load generator.

Each server is started as a process group so that stopping it also stops its workers; its memory is
sampled as the RSS of the whole process tree (kgqa's query workers are grandchildren through the
forkserver), every 0.2 s, for the peak.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, in MB (shared pages counted in each: an upper bound)."""
    tree = _children()
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(tree.get(p, []))
        try:
            with open(f"/proc/{p}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


@dataclass
class Server:
    """A started server process and what it costs."""

    name: str
    url: str  # the SPARQL query endpoint
    proc: subprocess.Popen
    started: float
    peak_rss_mb: float = 0.0
    _sampler: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    log_path: Path | None = None

    def sample(self) -> None:
        def loop() -> None:
            while not self._stop.is_set() and self.proc.poll() is None:
                self.peak_rss_mb = max(self.peak_rss_mb, tree_rss_mb(self.proc.pid))
                self._stop.wait(0.2)

        self._sampler = threading.Thread(target=loop, daemon=True)
        self._sampler.start()

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start(name: str, argv: Sequence[str], url: str, *, env: dict[str, str] | None = None, log_dir: Path) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    out = log_path.open("wb")
    proc = subprocess.Popen(
        list(argv), stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True
    )
    server = Server(name, url, proc, time.perf_counter(), log_path=log_path)
    server.sample()
    return server


def wait_for(server: Server, url: str, *, timeout: float = 300.0, check=None) -> float:
    """Seconds from the server's start until ``url`` answers 200 (and ``check(body)`` holds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}; see {server.log_path}")
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                body = resp.read()
                if resp.status == 200 and (check is None or check(body)):
                    return time.perf_counter() - server.started
        except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.name}: {url} did not answer within {timeout} s; see {server.log_path}")


def answered(body: bytes) -> bool:
    try:
        return json.loads(body).get("status") == "answered"
    except ValueError:
        return False


def replied(body: bytes) -> bool:
    """An /api/ask reply, answered or not (at 1M the question may go unanswered: see the report)."""
    try:
        return json.loads(body).get("status") in {"answered", "unknown"}
    except ValueError:
        return False


class Client:
    """One keep-alive HTTP connection (a thread's own), refusing anything but loopback."""

    def __init__(self, base: str, timeout: float = 120.0) -> None:
        parts = urllib.parse.urlsplit(base)
        if parts.hostname not in {"127.0.0.1", "localhost"}:
            raise ValueError("the benchmark only talks to loopback servers")
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def timed(
    client: Client, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[float, int, bytes]:
    t0 = time.perf_counter()
    status, data = client.request(method, path, body, headers)
    return (time.perf_counter() - t0) * 1000, status, data


def sparql_post(endpoint_path: str, query: str) -> tuple[str, bytes, dict[str, str]]:
    body = urllib.parse.urlencode({"query": query}).encode()
    return (
        endpoint_path,
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
    )


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, other: LoadResult) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(base: str, endpoint_path: str, queries: Sequence[str], *, concurrency: int, seconds: float) -> LoadResult:
    """``concurrency`` threads cycle through ``queries`` (each from its own offset) for ``seconds``.

    A request in flight at the deadline is waited for and counted, so a slow server's time grows
    rather than its work being cut.
    """
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        client = Client(base)
        mine: list[float] = []
        errors = 0
        i = offset
        try:
            while time.perf_counter() < deadline:
                path, body, headers = sparql_post(endpoint_path, queries[i % len(queries)])
                ms, status, _ = timed(client, "POST", path, body, headers)
                if status != 200:
                    errors += 1
                mine.append(ms)
                i += 1
        finally:
            client.close()
        with lock:
            result.latencies_ms += mine
            result.requests += len(mine)
            result.errors += errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


def summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    """Median and p99 (nearest rank; with fewer than 100 samples p99 is the maximum)."""
    if not latencies_ms:
        return {"n": 0, "median_ms": float("nan"), "p99_ms": float("nan")}
    ordered = sorted(latencies_ms)
    rank = max(0, min(len(ordered) - 1, round(0.99 * len(ordered) + 0.5) - 1))
    return {"n": len(ordered), "median_ms": statistics.median(ordered), "p99_ms": ordered[rank]}
