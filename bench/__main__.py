"""``make bench`` (``python -m bench [--quick]``): kgqa's speed, side by side with the alternatives.

One command, bounded in time (about 6 minutes in full, 2 with ``--quick`` on two cores), printing
one table and writing ``bench/results/bench-<time>.json`` and ``.csv`` (plus ``latest.*``) with
the versions and machine facts. Datasets (``bench/data.py``): the article graph, and the article
plus a generated graph materialised to ~100k and ~1M triples (``--quick``: the first two).

Per dataset:
* ``kgqa build`` time (once: it builds the article graph);
* cold start, process start → first *answered* ``/api/ask`` question, for ``kgqa serve`` in memory
  and with a persistent store (after ``kgqa load``, whose time is reported too);
* per canned query (bindings from ``bench/workload.py``): median/p99 in-process (pyoxigraph, as the
  service's workers run it) and over HTTP (``/api/queries/<name>``);
* ``/api/ask`` median/p99 over the project's own questions (``tests/data/questions.json``);
* ``/sparql`` throughput and latency at concurrency 1 and 4 on a fixed query mix, for kgqa (one
  server process, and ``--processes 2``), a raw
  ``oxigraph serve`` (in memory, union default graph: the engine's own ceiling) and
  ``rdflib-endpoint`` (what a Python user would pick instead; skipped at 1M, where rdflib needs
  about a minute and 1.3 GB just to load). Servers take turns (alternating order, several rounds),
  and ratios come from the same run;
* peak RSS of each server's process tree (kgqa's query workers included).

Numbers from a shared two-core machine are noisy (±30 %); read the ratios. Targets are checked by
reading the table, never by timed tests.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench import data, inproc, servers
from bench.inproc import repeat as _repeat
from bench.servers import BIN, Client, free_port, load, summary, timed
from bench.workload import QUESTIONS, Case

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
FIRST_QUESTION = "Which investor led the new financing round of Minimax?"
# The /sparql mix: a point lookup and five canned queries (bindings inlined as VALUES).
MIX = ("round-lead", "startup-investors", "portfolio-size", "valuation", "unicorns")


class Settings:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.datasets = ["article", "100k"] if quick else ["article", "100k", "1m"]
        self.runs = 7 if quick else 20  # per query, after one warm-up
        self.cap_s = 0.5 if quick else 1.5  # time cap per query
        self.mix_s = 1.0 if quick else 2.5  # per server, concurrency and round
        self.rounds = 2
        self.questions = 30 if quick else None


_T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"{time.perf_counter() - _T0:6.0f} s  {message}", file=sys.stderr, flush=True)


# --- machine and versions ----------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "not installed"

    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as pkg

    packages = {}
    for name in ("pyoxigraph", "rdflib", "flask", "waitress", "owlready2", "rdflib-endpoint", "fastapi", "uvicorn"):
        try:
            packages[name] = pkg(name)
        except PackageNotFoundError:
            packages[name] = None

    def proc_field(path: str, key: str) -> str:
        try:
            with open(path, encoding="utf-8") as f:
                return next((line.split(":", 1)[1].strip() for line in f if line.startswith(key)), "")
        except OSError:
            return ""

    cpu, mem = proc_field("/proc/cpuinfo", "model name"), proc_field("/proc/meminfo", "MemTotal")
    commit = version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "loadavg": os.getloadavg(),
        "packages": packages,
        "oxigraph_cli": version([str(BIN / "oxigraph"), "--version"]),
        "git": commit,
    }


# --- measurements ------------------------------------------------------------------------------


def build_time() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(BIN / "kgqa"), "build", "--out", str(Path(tmp) / "dist"), "-q"], capture_output=True, text=True
        )
        took = time.perf_counter() - t0
    if proc.returncode:
        return {"seconds": None, "error": (proc.stderr or proc.stdout)[-300:]}
    return {"seconds": took}


def in_process(ds: data.Dataset, s: Settings) -> tuple[list[Case], dict[str, Any]]:
    """Per canned query, in a child process (pyoxigraph 0.5 cannot stop a running query: a query past
    ``timeout_s`` is reported as a timeout, and the child restarts for the rest)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    timeout_s = 20.0 if s.quick else 30.0

    def spawn():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=inproc.worker, args=(str(ds.path), child), daemon=True)
        proc.start()
        if not parent.poll(900):
            raise RuntimeError("the in-process worker did not load the dataset")
        load_s, raw = parent.recv()
        return proc, parent, load_s, [inproc.case(*r) for r in raw]

    proc, conn, load_s, cases = spawn()
    per_query: dict[str, Any] = {}
    try:
        for index, case in enumerate(cases):
            conn.send((index, s.runs, s.cap_s))
            if conn.poll(timeout_s):
                per_query[case.name] = {"rows": case.rows, **summary(conn.recv())}
            else:
                per_query[case.name] = {"rows": case.rows, **summary([]), "timeout_s": timeout_s}
                log(f"  {case.name}: no answer within {timeout_s:g} s in-process; restarting the worker")
                proc.kill()
                proc.join()
                proc, conn, _, _ = spawn()
    finally:
        proc.kill()
        proc.join()
    return cases, {"load_s": load_s, "queries": per_query}


def kgqa_serve(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> tuple[servers.Server, str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = servers.start(
        name, [str(BIN / "kgqa"), "serve", "--port", str(port), *args], base + "/sparql", env=env, log_dir=log_dir
    )
    url = base + "/api/ask?" + urllib.parse.urlencode({"q": FIRST_QUESTION})
    try:
        # Cold start ends at the first /api/ask reply; whether it was answered is in the ask section.
        cold = servers.wait_for(server, url, check=servers.replied)
    except BaseException:
        server.stop()  # never leave a server behind when it does not come up
        raise
    return server, base, cold


def http_canned(base: str, cases: list[Case], s: Settings) -> dict[str, Any]:
    client = Client(base)
    out: dict[str, Any] = {}
    for case in cases:
        path = f"/api/queries/{case.name}?" + urllib.parse.urlencode(case.http_params())
        statuses: list[int] = []

        def run(path: str = path, statuses: list[int] = statuses) -> None:
            _, status, _ = timed(client, "GET", path)
            statuses.append(status)

        times = _repeat(run, s.runs, s.cap_s)
        out[case.name] = {**summary(times), "errors": sum(1 for st in statuses if st != 200)}
    client.close()
    return out


def http_ask(base: str, s: Settings) -> dict[str, Any]:
    questions = [q["q"] for q in json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]]
    if s.questions:
        questions = questions[: s.questions]
    client = Client(base)
    times: list[float] = []
    answered = errors = 0
    for q in questions:
        ms, status, body = timed(client, "GET", "/api/ask?" + urllib.parse.urlencode({"q": q}))
        times.append(ms)
        if status != 200:
            errors += 1
        elif servers.answered(body):
            answered += 1
    client.close()
    return {**summary(times), "questions": len(questions), "answered": answered, "errors": errors}


def oxigraph_serve(ds: data.Dataset, log_dir: Path, started: dict[str, servers.Server]) -> tuple[servers.Server, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = servers.start(
        "oxigraph",
        [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        base + "/query",
        log_dir=log_dir,
    )
    started["oxigraph"] = server
    servers.wait_for(server, base + "/query?" + urllib.parse.urlencode({"query": "ASK {}"}))
    client = Client(base, timeout=600)
    status, body = client.request("POST", "/store", ds.path.read_bytes(), {"Content-Type": "application/n-quads"})
    client.close()
    if status not in (200, 201, 204):
        raise RuntimeError(f"oxigraph refused the data: {status} {body[:200]!r}")
    return server, time.perf_counter() - server.started


def rdflib_endpoint(
    ds: data.Dataset, log_dir: Path, started: dict[str, servers.Server]
) -> tuple[servers.Server, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = servers.start(
        "rdflib-endpoint",
        [str(BIN / "rdflib-endpoint"), "serve", str(ds.path), "--host", "127.0.0.1", "--port", str(port)],
        base + "/",
        log_dir=log_dir,
    )
    started["rdflib-endpoint"] = server  # stopped by the caller even if it never answers
    # rdflib-endpoint's CLI serves SPARQL at "/" (SparqlEndpoint's default path).
    cold = servers.wait_for(server, base + "/?" + urllib.parse.urlencode({"query": "ASK {}"}))
    return server, cold


def sparql_mix(cases: list[Case]) -> list[str]:
    by_name = {c.name: c for c in cases}
    startup = by_name["round-lead"].bindings.get("startup")
    mix = [f"SELECT ?p ?o WHERE {{ <{startup.value}> ?p ?o }}"] if startup is not None else []
    return mix + [by_name[n].inline() for n in MIX if n in by_name]


def compare_sparql(targets: dict[str, servers.Server], mix: list[str], s: Settings) -> dict[str, Any]:
    """Throughput and latency of each server on the mix, at concurrency 1 and 4, taking turns."""
    out: dict[str, Any] = {}
    names = list(targets)
    for concurrency in (1, 4):
        totals = {n: servers.LoadResult() for n in names}
        for r in range(s.rounds):
            order = names if r % 2 == 0 else list(reversed(names))
            for n in order:
                url = urllib.parse.urlsplit(targets[n].url)
                base = f"{url.scheme}://{url.netloc}"
                totals[n].add(load(base, url.path, mix, concurrency=concurrency, seconds=s.mix_s))
        for n, res in totals.items():
            out[f"{n}/c{concurrency}"] = {
                "throughput_rps": res.throughput,
                "requests": res.requests,
                "errors": res.errors,
                **summary(res.latencies_ms),
            }
    return out


def persistent(ds: data.Dataset, log_dir: Path, s: Settings) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="kgqa-bench-store-"))
    try:
        store_dir = tmp / "store"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(BIN / "kgqa"), "load", str(ds.path), "--store", str(store_dir)], capture_output=True, text=True
        )
        load_s = time.perf_counter() - t0
        if proc.returncode:
            return {"error": (proc.stderr or proc.stdout)[-300:]}
        server, base, cold = kgqa_serve("kgqa-persistent", ["--store", str(store_dir)], {}, log_dir)
        try:
            client = Client(base)
            _, _, body = timed(client, "GET", "/healthz")
            client.close()
            triples = json.loads(body).get("triples")
            ask = http_ask(base, s)
        finally:
            server.stop()
        return {
            "load_s": load_s,
            "cold_start_s": cold,
            "triples": triples,
            "ask": ask,
            "peak_rss_mb": server.peak_rss_mb,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_dataset(name: str, s: Settings, log_dir: Path) -> dict[str, Any]:
    ds = data.prepare(name, log=log)
    res: dict[str, Any] = {
        "quads": ds.quads,
        "generated_asserted": ds.generated_asserted,
        "generated_inferred": ds.generated_inferred,
        "generate_s": ds.generate_s,
        "materialize_s": ds.materialize_s,
        "orgs": ds.orgs,
    }
    log(f"[{name}] in-process queries ({ds.quads:,} quads)")
    cases, res["inproc"] = in_process(ds, s)
    res["empty_queries"] = [c.name for c in cases if c.rows == 0]
    log(f"[{name}] kgqa serve (in memory): cold start")
    env = {"KGQA_DATA_FILES": str(ds.path)}
    kgqa, base, cold = kgqa_serve("kgqa", [], env, log_dir)
    started: dict[str, servers.Server] = {"kgqa": kgqa}
    try:
        res["cold_start_s"] = cold
        log(f"[{name}] canned queries over HTTP, /api/ask")
        res["http"] = http_canned(base, cases, s)
        res["ask"] = http_ask(base, s)
        log(f"[{name}] oxigraph serve" + ("" if name == "1m" else " and rdflib-endpoint"))
        _, ox_cold = oxigraph_serve(ds, log_dir, started)
        res["oxigraph_cold_start_s"] = ox_cold
        if name != "1m":
            _, rdf_cold = rdflib_endpoint(ds, log_dir, started)
            res["rdflib_cold_start_s"] = rdf_cold
        # Two server processes on one port (`--processes 2`): how much of the gap at concurrency 4
        # is one Python process's GIL. Started last, so the single-process numbers above are
        # not measured beside its extra workers' memory.
        started["kgqa-2p"], _, _ = kgqa_serve("kgqa-2p", ["--processes", "2"], env, log_dir)
        mix = sparql_mix(cases)
        log(f"[{name}] /sparql mix of {len(mix)} queries, concurrency 1 and 4, {s.rounds} rounds")
        res["sparql"] = compare_sparql(started, mix, s)
    finally:
        for srv in started.values():
            srv.stop()
    res["peak_rss_mb"] = {n: srv.peak_rss_mb for n, srv in started.items()}
    log(f"[{name}] persistent store: kgqa load, kgqa serve --store")
    res["persistent"] = persistent(ds, log_dir, s)
    return res


# --- report ------------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def rows(results: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(metric, value per dataset) rows of the one table."""
    names = list(results["datasets"])
    sets = [results["datasets"][n] for n in names]
    out: list[tuple[str, list[str]]] = []

    def add(label: str, getter, digits: int = 1) -> None:
        vals = []
        for r in sets:
            try:
                vals.append(_fmt(getter(r), digits))
            except (KeyError, TypeError, ZeroDivisionError):
                vals.append("–")
        out.append((label, vals))

    add("quads in the store", lambda r: r["quads"])
    add(
        "generated: asserted + inferred triples",
        lambda r: f"{r['generated_asserted']:,} + {r['generated_inferred']:,}" if r["orgs"] else None,
    )
    add(
        "generate s / materialise s",
        lambda r: f"{r['generate_s']:.1f} / {r['materialize_s']:.1f}" if r["orgs"] else None,
    )
    build = results.get("build", {}).get("seconds")
    out.append(("kgqa build s (article)", [_fmt(build) if n == "article" else "" for n in names]))
    add("cold start s: kgqa serve, in memory", lambda r: r["cold_start_s"], 2)
    add("kgqa load --store s", lambda r: r["persistent"]["load_s"], 2)
    add("cold start s: kgqa serve --store", lambda r: r["persistent"]["cold_start_s"], 2)
    add("cold start s: oxigraph serve + data PUT", lambda r: r["oxigraph_cold_start_s"], 2)
    add("cold start s: rdflib-endpoint", lambda r: r.get("rdflib_cold_start_s"), 2)

    def ok(queries: dict[str, Any]) -> dict[str, Any]:
        return {n: q for n, q in queries.items() if q["median_ms"] == q["median_ms"] and not q.get("errors")}

    def worst(queries: dict[str, Any]) -> str:
        good = ok(queries)
        slow = sorted(((q["median_ms"], n) for n, q in good.items()), reverse=True)[:2]
        return ", ".join(f"{n} {ms:,.0f}" for ms, n in slow)

    add(
        "canned queries, in-process: median of medians ms",
        lambda r: statistics.median(q["median_ms"] for q in ok(r["inproc"]["queries"]).values()),
        2,
    )
    add("canned queries, in-process: slowest (median ms)", lambda r: worst(r["inproc"]["queries"]))
    add(
        "canned queries, in-process: timed out (30 s)",
        lambda r: ", ".join(n for n, q in r["inproc"]["queries"].items() if "timeout_s" in q) or "none",
    )
    add(
        "canned queries, HTTP: median of medians ms",
        lambda r: statistics.median(q["median_ms"] for q in ok(r["http"]).values()),
        2,
    )
    add("canned queries, HTTP: slowest (median ms)", lambda r: worst(r["http"]))
    add(
        "canned queries, HTTP: failed (503 = time limit)",
        lambda r: ", ".join(n for n, q in r["http"].items() if q.get("errors")) or "none",
    )
    add(
        "canned queries < 10 ms median, HTTP",
        lambda r: f"{sum(1 for q in ok(r['http']).values() if q['median_ms'] < 10)}/{len(r['http'])}",
    )
    add("/api/ask median / p99 ms", lambda r: f"{r['ask']['median_ms']:.1f} / {r['ask']['p99_ms']:.1f}")
    add("/api/ask answered", lambda r: f"{r['ask']['answered']}/{r['ask']['questions']}")
    add("/api/ask median ms, persistent store", lambda r: r["persistent"]["ask"]["median_ms"])
    for c in (1, 4):
        for srv in ("kgqa", "kgqa-2p", "oxigraph", "rdflib-endpoint"):
            add(
                f"/sparql c{c} {srv}: req/s (median / p99 ms)",
                lambda r, k=f"{srv}/c{c}": "{:,.0f} ({:.1f} / {:.1f})".format(
                    r["sparql"][k]["throughput_rps"], r["sparql"][k]["median_ms"], r["sparql"][k]["p99_ms"]
                ),
            )
        add(
            f"/sparql c{c} throughput kgqa ÷ oxigraph",
            lambda r, c=c: (
                r["sparql"][f"kgqa/c{c}"]["throughput_rps"] / r["sparql"][f"oxigraph/c{c}"]["throughput_rps"]
            ),
            2,
        )
        add(
            f"/sparql c{c} throughput kgqa --processes 2 ÷ oxigraph",
            lambda r, c=c: (
                r["sparql"][f"kgqa-2p/c{c}"]["throughput_rps"] / r["sparql"][f"oxigraph/c{c}"]["throughput_rps"]
            ),
            2,
        )
        add(
            f"/sparql c{c} throughput kgqa ÷ rdflib-endpoint",
            lambda r, c=c: (
                r["sparql"][f"kgqa/c{c}"]["throughput_rps"] / r["sparql"][f"rdflib-endpoint/c{c}"]["throughput_rps"]
            ),
            1,
        )
    add("peak RSS MB: kgqa (in memory, all processes)", lambda r: r["peak_rss_mb"]["kgqa"], 0)
    add("peak RSS MB: kgqa --store", lambda r: r["persistent"]["peak_rss_mb"], 0)
    add("peak RSS MB: oxigraph serve", lambda r: r["peak_rss_mb"]["oxigraph"], 0)
    add("peak RSS MB: rdflib-endpoint", lambda r: r["peak_rss_mb"].get("rdflib-endpoint"), 0)
    return out


def table(results: dict[str, Any]) -> str:
    names = list(results["datasets"])
    body = rows(results)
    widths = [max(len(r[0]) for r in body)] + [max(len(n), *(len(r[1][i]) for r in body)) for i, n in enumerate(names)]
    line = (
        "| "
        + " | ".join(["metric".ljust(widths[0])] + [n.rjust(w) for n, w in zip(names, widths[1:], strict=True)])
        + " |"
    )
    sep = "|" + "-" * (widths[0] + 2) + "|" + "|".join("-" * (w + 1) + ":" for w in widths[1:]) + "|"
    lines = [line, sep]
    for label, vals in body:
        lines.append(
            "| "
            + " | ".join([label.ljust(widths[0])] + [v.rjust(w) for v, w in zip(vals, widths[1:], strict=True)])
            + " |"
        )
    return "\n".join(lines)


def write(results: dict[str, Any]) -> tuple[Path, Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("-", "")[:15]
    json_path = RESULTS / f"bench-{stamp}.json"
    csv_path = RESULTS / f"bench-{stamp}.csv"
    json_path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "section", "name", "metric", "value"])
        for ds, r in results["datasets"].items():
            for section in ("inproc", "http"):
                queries = r[section]["queries"] if section == "inproc" else r[section]
                for qname, stats in queries.items():
                    for metric, value in stats.items():
                        w.writerow([ds, section, qname, metric, value])
            for key, stats in r["sparql"].items():
                for metric, value in stats.items():
                    w.writerow([ds, "sparql", key, metric, value])
            for metric, value in r["ask"].items():
                w.writerow([ds, "ask", "", metric, value])
        for label, vals in rows(results):
            for ds, v in zip(results["datasets"], vals, strict=True):
                w.writerow([ds, "summary", label, "", v])
    for src, name in ((json_path, "latest.json"), (csv_path, "latest.csv")):
        shutil.copyfile(src, RESULTS / name)
    return json_path, csv_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="article and 100k only, fewer repetitions (~2 min)")
    parser.add_argument("--datasets", help="comma-separated subset of article,100k,1m")
    args = parser.parse_args(argv)
    s = Settings(args.quick)
    if args.datasets:
        s.datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    for exe in ("kgqa", "oxigraph", "rdflib-endpoint"):
        if not (BIN / exe).exists():
            print(f"bench: {BIN / exe} is missing (pip install -e '.[bench]')", file=sys.stderr)
            return 2
    started = time.perf_counter()
    results: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": s.quick,
        "machine": machine(),
        "datasets": {},
    }
    log_dir = Path(tempfile.mkdtemp(prefix="kgqa-bench-logs-"))
    log("kgqa build (article graph)")
    results["build"] = build_time()
    for name in s.datasets:
        results["datasets"][name] = run_dataset(name, s, log_dir)
    results["seconds"] = time.perf_counter() - started
    json_path, csv_path = write(results)
    print(table(results))
    print(
        f"\n{results['machine']['cpus']} cpus ({results['machine']['cpu']}), {results['machine']['memory']}; "
        f"python {results['machine']['python']}, pyoxigraph {results['machine']['packages']['pyoxigraph']}, "
        f"rdflib {results['machine']['packages']['rdflib']}, rdflib-endpoint "
        f"{results['machine']['packages']['rdflib-endpoint']}; {results['seconds']:.0f} s; "
        f"written to {json_path.relative_to(ROOT)} and {csv_path.relative_to(ROOT)}; server logs in {log_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
