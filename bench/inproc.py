"""In-process timing of the canned queries, in a child process the benchmark can kill.

A separate module (not ``bench/__main__.py``) so that a ``spawn``ed child can import it.
"""

from __future__ import annotations

import time

import pyoxigraph as ox

from bench.workload import Case, pick_cases


def repeat(fn, runs: int, cap_s: float) -> list[float]:
    """Up to ``runs`` timings (ms) after a warm-up, within ``cap_s``; at least one.

    A query slower than the cap is timed once, on its warm-up run: repeating a 60 s query would
    blow the benchmark's time budget and add nothing the table needs.
    """
    t0 = time.perf_counter()
    fn()
    first = (time.perf_counter() - t0) * 1000
    if first > cap_s * 1000:
        return [first]
    out: list[float] = []
    deadline = time.perf_counter() + cap_s
    while len(out) < runs and (len(out) < 3 or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def worker(path: str, conn) -> None:
    """Child process: load the dataset, pick the cases, then time the cases the parent asks for."""
    store = ox.Store()
    t0 = time.perf_counter()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    load_s = time.perf_counter() - t0
    cases = pick_cases(store)
    conn.send(
        (
            load_s,
            [
                (
                    c.name,
                    c.sparql,
                    {
                        k: (type(v).__name__, v.value, getattr(v, "datatype", None) and v.datatype.value)
                        for k, v in c.bindings.items()
                    },
                    c.rows,
                )
                for c in cases
            ],
        )
    )
    while True:
        try:
            index, runs, cap_s = conn.recv()
        except EOFError:
            return
        case = cases[index]
        text = case.inline()  # as the service's workers run it: bindings as a leading VALUES block

        def run(text: str = text) -> None:
            for _ in store.query(text, use_default_graph_as_union=True):  # type: ignore[union-attr]
                pass

        conn.send(repeat(run, runs, cap_s))


def case(name: str, sparql: str, bindings: dict, rows: int) -> Case:
    terms = {
        k: ox.NamedNode(v) if kind == "NamedNode" else ox.Literal(v, datatype=ox.NamedNode(dt) if dt else None)
        for k, (kind, v, dt) in bindings.items()
    }
    return Case(name, sparql, terms, rows)
