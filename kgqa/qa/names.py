"""The rows the question answerer's entity index is built from, read once and kept beside the store.

Every name in the graph (labels, aliases, Chinese names) comes from the `names` canned query. At a
million triples that query returns about 96,000 rows and takes 4 s on an on-disk store (12 s with
an ORDER BY), which is more than the whole cold-start budget of `kgqa serve --store` (3 s). So
`kgqa load --store DIR` writes the rows to `DIR/kgqa-names.json`, keyed by the store's quad count
and the query's text, and the service reads them back in a fraction of a second. When the key does
not match (the store or the query changed) the service reads the graph again and rewrites the file
if it can.

JSON rather than pickle: the file sits in a data directory, and reading it must never run code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kgqa.sparql.runner import run_internal_query

log = logging.getLogger("kgqa")

INDEX_QUERY = "names"  # the canned query the entity index is read from
COLUMNS = ("target", "label", "name", "nameKind", "kind")
CACHE_FILE = "kgqa-names.json"
FORMAT = 1
# Reading every name of a large graph is one long query; it must not fail on the per-request limit.
INDEX_TIMEOUT_S = 300.0

NameRow = tuple[str, ...]  # the values of COLUMNS, "" where unbound


def cache_key(sparql: str, quads: int) -> dict[str, Any]:
    """What the cached rows depend on: the file format, the query text and the store's size."""
    return {"format": FORMAT, "query": hashlib.sha256(sparql.encode("utf-8")).hexdigest()[:16], "quads": quads}


def rows_from_solutions(solutions: Iterable[Any]) -> list[NameRow]:
    """Rows from pyoxigraph solutions (or `Result.rows()` dicts), sorted so the index is deterministic.

    Sorted here rather than by the query: ORDER BY over 96,000 rows triples the query's time on disk.
    """
    rows: list[NameRow] = []
    for solution in solutions:
        values = []
        for column in COLUMNS:
            term = solution.get(column) if isinstance(solution, dict) else solution[column]
            values.append("" if term is None else term.value)
        rows.append(tuple(values))
    rows.sort()
    return rows


def read_cache(directory: str | Path, key: dict[str, Any]) -> list[NameRow] | None:
    """The cached rows if the file exists and its key matches, else None (never raises)."""
    path = Path(directory) / CACHE_FILE
    try:
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("rows"), list):
        return None
    rows = data["rows"]
    if not all(isinstance(r, list) and len(r) == len(COLUMNS) and all(isinstance(v, str) for v in r) for r in rows):
        return None
    return [tuple(r) for r in rows]


def write_cache(directory: str | Path, key: dict[str, Any], rows: list[NameRow]) -> bool:
    """Write the rows atomically (a reader sees the old file or the new one); False if not writable."""
    directory = Path(directory)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".kgqa-names-", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"key": key, "rows": rows}, f, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, directory / CACHE_FILE)
    except OSError as exc:
        log.info("could not write the entity index cache in %s: %s", directory, exc)
        return False
    return True


def for_store(store: Any, sparql: str, directory: str | Path) -> list[NameRow]:
    """Read the rows from an open pyoxigraph store and write the cache (`kgqa load --store`)."""
    rows = rows_from_solutions(store.query(sparql, use_default_graph_as_union=True))
    write_cache(directory, cache_key(sparql, len(store)), rows)
    return rows


def for_state(state: Any) -> list[NameRow]:
    """The rows for the service's store: from the cache beside an on-disk store, or from the graph."""
    started = time.perf_counter()
    sparql = state.registry.get(INDEX_QUERY).sparql
    directory = state.settings.store_dir
    key = cache_key(sparql, state.triples)
    if directory:
        rows = read_cache(directory, key)
        if rows is not None:
            log.info("read %d names from %s in %.2f s", len(rows), Path(directory) / CACHE_FILE, _since(started))
            return rows
    result = run_internal_query(
        state, sparql, timeout_s=max(state.settings.query_timeout, INDEX_TIMEOUT_S), max_rows=None
    )
    rows = rows_from_solutions(result.rows())
    log.info("read %d names from the graph in %.2f s", len(rows), _since(started))
    if directory and write_cache(directory, key, rows):
        log.info("wrote them to %s for the next start", Path(directory) / CACHE_FILE)
    return rows


def _since(started: float) -> float:
    return time.perf_counter() - started
