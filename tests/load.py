"""A bounded load test with faults, on loopback, against a real `kgqa serve` (issue 7).

Usage: `python -m tests.load [--seconds 25] [--clients 4] [--attackers 1] [--timeout 2]` runs three
phases of `--seconds` each on a fresh server: normal traffic only, then the same traffic with
`--attackers` extra clients sending nothing but pathological queries (cartesian products, an
unbounded property path, a DISTINCT over a product that eats memory), then one client asking
questions (`/api/ask`) while as many clients as there are query workers send only slow `/sparql`
queries ("slow-query pressure": they would hold every shared worker; the reserved worker,
KGQA_RESERVED_WORKERS, keeps answering questions). It prints throughput and p50/p99 latency of the
normal requests in each phase, what happened to the pathological ones, and the memory (RSS) of the
server with its query workers; it exits 1 if an invariant failed:
- every normal request succeeded (200), questions under slow-query pressure included;
- every pathological request was cut off (503) by the time or memory limit;
- the server's memory stayed bounded: peak RSS of the server and all its workers below
  `server + workers x KGQA_WORKER_MEMORY_MB`, and back near the start after the load;
- afterwards the server is healthy and has as many processes as before (no leaked workers).

`tests/web/test_load.py` runs a short variant in `make test`; `bench` can import `run_load_test()`.
Sizing: each attacker holds one query worker for up to the time limit and the worker is then
replaced, so normal traffic keeps answering while attackers < workers (here 1 against 3).
Everything is bounded: requests are counted (`--max-requests`), phases are timed, and the only
address used is 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.procs import stop

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


NORMAL: list[tuple[str, str]] = [
    ("ask", "/api/ask?q=" + q("who led MiniMax's round?")),
    ("ask", "/api/ask?q=" + q("which companies has Alibaba invested in?")),
    ("ask", "/api/ask?q=" + q("is Moonshot AI a unicorn?")),
    ("ask", "/api/ask?q=" + q("who backs OpenAI?")),
    ("ask", "/api/ask?q=" + q("which is valued higher, MiniMax or Moonshot AI?")),
    ("ask", "/api/ask?q=" + q("who owns Alibaba Cloud?")),
    ("canned", "/api/queries/unicorns"),
    ("canned", "/api/queries/round-lead?startup=MiniMax"),
    ("canned", "/api/queries/portfolio?investor=Alibaba"),
    ("canned", "/api/queries/valuation?company=Moonshot%20AI"),
    ("canned", "/api/queries/startup-investors?startup=MiniMax"),
    ("canned", "/api/queries/statistics"),
    (
        "sparql",
        "/sparql?query="
        + q("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 50"),
    ),
    ("sparql", "/sparql?query=" + q("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")),
    ("sparql", "/sparql?query=" + q("ASK { ?s a <https://w3id.org/kgqa/ontology#Unicorn> }")),
    ("sparql", "/sparql?format=turtle&query=" + q("DESCRIBE <https://w3id.org/kgqa/resource/MiniMax>")),
    ("entity", "/entity/MiniMax?format=jsonld"),
]

ASKS = [(kind, path) for kind, path in NORMAL if kind == "ask"]

ANY = "(<urn:x:none>|!<urn:x:none>)"
PATHOLOGICAL: list[tuple[str, str]] = [
    ("cartesian", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"),
    ("property-path", f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {ANY}* ?b . ?c {ANY}* ?d }}"),
    ("memory-hog", "SELECT DISTINCT ?a ?d ?g WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a"),
]
SLOW = PATHOLOGICAL[:1]  # a cartesian product: holds its worker until the time limit


@dataclass
class Sample:
    kind: str
    name: str
    status: int
    seconds: float
    error: str = ""


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    normal: list[Sample] = field(default_factory=list)
    pathological: list[Sample] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        ok = sorted(s.seconds for s in self.normal if s.status == 200)
        out: dict = {
            "phase": self.name,
            "normal_requests": len(self.normal),
            "normal_failed": sum(s.status != 200 for s in self.normal),
            "throughput_rps": round(len(ok) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(1000 * statistics.median(ok), 1) if ok else None,
            "p99_ms": round(1000 * ok[min(len(ok) - 1, int(0.99 * len(ok)))], 1) if ok else None,
            "pathological_requests": len(self.pathological),
            "pathological_statuses": dict(sorted(_count(s.status for s in self.pathological).items())),
            "pathological_p50_s": round(statistics.median(s.seconds for s in self.pathological), 2)
            if self.pathological
            else None,
            "peak_rss_mb": round(max(self.rss_mb), 1) if self.rss_mb else None,
        }
        return out


def _count(values: Iterator[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


# --- the server and its processes --------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (query workers are children of the fork server)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def tree_rss_mb(pid: int) -> tuple[float, int]:
    """Resident memory of a process and its descendants (MiB), and how many processes there are."""
    total, count = 0, 0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        count += 1
                        break
        except OSError:
            continue
    return total / 1024, count


@dataclass
class Server:
    base: str
    proc: subprocess.Popen
    workers: int
    timeout: float
    memory_mb: int


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(base: str, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@contextlib.contextmanager
def serve(*, timeout: float = 2.0, workers: int = 3, threads: int = 8, memory_mb: int = 1024) -> Iterator[Server]:
    """A `kgqa serve` on a free loopback port with a short time limit; stopped on exit."""
    port = _free_port()
    env = {**os.environ, "KGQA_WORKER_MEMORY_MB": str(memory_mb)}
    cmd = [str(BIN / "kgqa"), "serve", "--port", str(port), "--timeout", str(timeout)]
    cmd += ["--workers", str(workers), "--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"kgqa serve exited with {proc.returncode}")
            with contextlib.suppress(OSError):
                if _get(base, "/healthz", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("kgqa serve did not start")
            time.sleep(0.1)
        yield Server(base, proc, workers, timeout, memory_mb)
    finally:
        stop(proc)


# --- clients -----------------------------------------------------------------------------------


def _client(
    base: str,
    kind: str,
    requests: list[tuple[str, str]],
    until: float,
    budget: Iterator[int],
    out: list[Sample],
    seed: int,
) -> None:
    """Send requests one after the other on a keep-alive connection until time or budget runs out."""
    parts = urllib.parse.urlsplit(base)
    rng = random.Random(seed)
    # Attackers go through their list in order, so a short run still sends each kind.
    cycle = itertools.cycle(requests)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        while time.monotonic() < until and next(budget, None) is not None:
            name, path = next(cycle) if kind == "pathological" else rng.choice(requests)
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                sample = Sample(kind, name, resp.status, time.perf_counter() - started)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                sample = Sample(kind, name, 0, time.perf_counter() - started, type(exc).__name__)
            out.append(sample)
    finally:
        conn.close()


def run_phase(
    server: Server,
    name: str,
    *,
    seconds: float,
    clients: int,
    attackers: int,
    max_requests: int = 200_000,
    seed: int = 0,
    normal: list[tuple[str, str]] = NORMAL,
    attacks: list[tuple[str, str]] = PATHOLOGICAL,
) -> Phase:
    """One timed phase: `clients` normal clients (requests drawn from `normal`) plus `attackers`
    sending only the queries of `attacks`, in turn."""
    phase = Phase(name)
    budget = iter(range(max_requests))  # shared by all clients: the phase never sends more than this
    pathological = [(n, "/sparql?query=" + q(text)) for n, text in attacks]
    stop_sampling = threading.Event()

    def sample_memory() -> None:
        while not stop_sampling.is_set():
            phase.rss_mb.append(tree_rss_mb(server.proc.pid)[0])
            stop_sampling.wait(0.25)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    started = time.monotonic()
    until = started + seconds
    threads = [
        threading.Thread(target=_client, args=(server.base, "normal", normal, until, budget, phase.normal, seed + i))
        for i in range(clients)
    ] + [
        threading.Thread(
            target=_client, args=(server.base, "pathological", pathological, until, budget, phase.pathological, 99 + i)
        )
        for i in range(attackers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.seconds = time.monotonic() - started
    stop_sampling.set()
    sampler.join()
    return phase


def wait_for_workers(server: Server, processes: int, timeout: float = 60.0) -> int:
    """Wait until replacements for killed workers are up again; the process count then."""
    deadline = time.monotonic() + timeout
    count = tree_rss_mb(server.proc.pid)[1]
    while count != processes and time.monotonic() < deadline:
        time.sleep(0.25)
        count = tree_rss_mb(server.proc.pid)[1]
    return count


def check(server: Server, phases: list[Phase], start_rss: float, start_procs: int) -> list[str]:
    """The invariants; returns what failed (empty when all hold)."""
    problems = []
    for phase in phases:
        bad = [s for s in phase.normal if s.status != 200]
        if bad:
            problems.append(f"{phase.name}: {len(bad)} normal requests failed, e.g. {bad[:3]}")
        wrong = [s for s in phase.pathological if s.status != 503]
        if wrong:
            problems.append(f"{phase.name}: {len(wrong)} pathological requests were not cut off (503): {wrong[:3]}")
        if not phase.normal:
            problems.append(f"{phase.name}: no normal request completed")
    bound = start_rss + server.workers * server.memory_mb
    peak = max((max(p.rss_mb) for p in phases if p.rss_mb), default=0.0)
    if peak > bound:
        problems.append(f"peak RSS {peak:.0f} MB is over the bound {bound:.0f} MB")
    procs = wait_for_workers(server, start_procs)
    if procs != start_procs:
        problems.append(f"{procs} server processes after the load, {start_procs} before")
    end_rss = tree_rss_mb(server.proc.pid)[0]
    if end_rss > 1.5 * start_rss + 200:
        problems.append(f"RSS after the load {end_rss:.0f} MB, before {start_rss:.0f} MB: memory is not given back")
    status, body = _get(server.base, "/healthz")
    if status != 200 or json.loads(body).get("status") != "ok":
        problems.append(f"unhealthy after the load: {status} {body[:200]!r}")
    status, _ = _get(server.base, NORMAL[0][1])
    if status != 200:
        problems.append(f"a question after the load got {status}")
    return problems


def run_load_test(
    *,
    seconds: float = 25.0,
    clients: int = 4,
    attackers: int = 1,
    timeout: float = 2.0,
    workers: int = 3,
    memory_mb: int = 1024,
    out=sys.stdout,
) -> tuple[list[Phase], list[str], dict]:
    """Start a server, run both phases, check the invariants, print a report; for `bench` too."""
    with serve(timeout=timeout, workers=workers, memory_mb=memory_mb) as server:
        for _, path in NORMAL:  # warm up: the Q&A index, label caches, the policy's parse cache
            _get(server.base, path)
        start_rss, start_procs = tree_rss_mb(server.proc.pid)
        phases = [
            run_phase(server, "normal only", seconds=seconds, clients=clients, attackers=0),
            run_phase(server, f"with {attackers} attacker(s)", seconds=seconds, clients=clients, attackers=attackers),
            # As many slow /sparql clients as shared workers: without reserved capacity every
            # question would wait for a worker (9.5 s instead of 3 ms, or a 503; issue 11).
            run_phase(
                server,
                f"ask, {workers} slow /sparql",
                seconds=seconds,
                clients=1,
                attackers=workers,
                normal=ASKS,
                attacks=SLOW,
            ),
        ]
        problems = check(server, phases, start_rss, start_procs)
        end_rss, _ = tree_rss_mb(server.proc.pid)
    memory = {"start_rss_mb": round(start_rss, 1), "end_rss_mb": round(end_rss, 1), "processes": start_procs}
    report(phases, memory, problems, server, clients, out)
    return phases, problems, memory


def report(phases: list[Phase], memory: dict, problems: list[str], server: Server, clients: int, out) -> None:
    print(
        f"\nload test: {clients} normal clients, query time limit {server.timeout:g} s, {server.workers} workers, "
        f"{server.memory_mb} MB per worker",
        file=out,
    )
    head = f"{'phase':<24}{'normal':>8}{'failed':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}  pathological (status: n)"
    print(head, file=out)
    for phase in phases:
        s = phase.summary()
        patho = ", ".join(f"{k}: {v}" for k, v in s["pathological_statuses"].items()) or "-"
        if s["pathological_p50_s"] is not None:
            patho += f"; median {s['pathological_p50_s']} s"
        print(
            f"{s['phase']:<24}{s['normal_requests']:>8}{s['normal_failed']:>8}{s['throughput_rps']:>8}"
            f"{s['p50_ms']!s:>9}{s['p99_ms']!s:>9}  {patho}",
            file=out,
        )
    pressure = next((p for p in phases if p.name.startswith("ask, ")), None)
    if pressure is not None:
        s = pressure.summary()
        print(
            f"questions under slow-query pressure ({pressure.name}): {s['normal_requests'] - s['normal_failed']} "
            f"of {s['normal_requests']} answered, latency p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms",
            file=out,
        )
    peaks = ", ".join(f"{p.name}: {max(p.rss_mb):.0f} MB" for p in phases if p.rss_mb)
    print(
        f"RSS of server + workers: {memory['start_rss_mb']:.0f} MB before, peak {peaks}, "
        f"{memory['end_rss_mb']:.0f} MB after ({memory['processes']} processes)",
        file=out,
    )
    print("invariants: " + ("all hold" if not problems else "FAILED\n  " + "\n  ".join(problems)), file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=25.0, help="length of each of the three phases")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--attackers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query time limit")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--memory-mb", type=int, default=1024, help="KGQA_WORKER_MEMORY_MB for the server")
    parser.add_argument("--json", type=Path, help="also write the summaries here")
    args = parser.parse_args(argv)
    phases, problems, memory = run_load_test(
        seconds=args.seconds,
        clients=args.clients,
        attackers=args.attackers,
        timeout=args.timeout,
        workers=args.workers,
        memory_mb=args.memory_mb,
    )
    if args.json:
        args.json.write_text(
            json.dumps({"phases": [p.summary() for p in phases], "memory": memory, "problems": problems}, indent=1)
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
