"""Configuration defaults, read once from `KGQA_*` environment variables and explicit options.

Defaults live in one place (pySHACL's `_load_default_options` habit): `DEFAULTS` below, overridden by
`KGQA_*` environment variables, overridden by the mapping given to `create_app()` or by `kgqa serve`
options.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout: kg/dist, ontology/, queries/

DEFAULTS: dict[str, Any] = {
    # The built graph (a TriG dataset with the asserted and inferred named graphs).
    "KGQA_DATA_FILES": [str(REPO_ROOT / "kg" / "dist" / "kgqa-kg.trig")],
    # The TBox, loaded into the ontology named graph.
    "KGQA_ONTOLOGY": str(REPO_ROOT / "ontology" / "kgqa.ttl"),
    "KGQA_QUERIES_DIR": str(REPO_ROOT / "queries"),
    # A persistent pyoxigraph store (`kgqa load --store DIR`); opened read-only, never re-parsed.
    "KGQA_STORE_DIR": None,
    # A remote SPARQL 1.1 query endpoint instead of the embedded store.
    "KGQA_ENDPOINT": None,
    "KGQA_QUERY_TIMEOUT": 10.0,
    "KGQA_MAX_ROWS": 10_000,
    # Result size per request, in bytes of the serialised reply; cut at a row boundary and flagged
    # like the row cap. Whole-graph downloads (/graph, /store, /ontology) have neither limit.
    "KGQA_MAX_RESULT_BYTES": 8 * 1024 * 1024,
    "KGQA_MAX_QUERY_BYTES": 64 * 1024,
    # Query worker processes (embedded store). Two cores here; more workers than cores only helps
    # when queries wait on I/O, which an in-memory store does not.
    "KGQA_WORKERS": 2,
    # Query workers beyond KGQA_WORKERS that only the service's own queries use (questions, canned
    # queries, entity pages, labels): user /sparql queries hold at most KGQA_WORKERS at once, so a
    # few slow ones cannot starve /api/ask. Each costs one more copy of an in-memory store. 0: none.
    "KGQA_RESERVED_WORKERS": 1,
    # Memory one query worker may use (store included), in MiB; a query that needs more is stopped
    # with a 503 like a timeout. 0 turns the limit off. Raise it for graphs of millions of triples.
    "KGQA_WORKER_MEMORY_MB": 4096,
    "KGQA_CORS": True,
    # The URL clients reach the service at (e.g. "https://kg.example.org" behind a reverse proxy);
    # used where the service names itself (the service description's sd:endpoint). Unset: the
    # address the server is bound to. The request's Host header is never used (issue 11).
    "KGQA_PUBLIC_URL": None,
    # `kgqa serve` (kgqa/web/server.py): open connections at most; seconds an idle keep-alive
    # connection stays open; seconds a request's headers may take to arrive.
    "KGQA_CONNECTION_LIMIT": 1000,
    "KGQA_IDLE_TIMEOUT": 15.0,
    "KGQA_HEADER_TIMEOUT": 10.0,
}

_FLOAT_KEYS = {"KGQA_QUERY_TIMEOUT", "KGQA_IDLE_TIMEOUT", "KGQA_HEADER_TIMEOUT"}
_INT_KEYS = {
    "KGQA_CONNECTION_LIMIT",
    "KGQA_MAX_ROWS",
    "KGQA_MAX_RESULT_BYTES",
    "KGQA_MAX_QUERY_BYTES",
    "KGQA_WORKERS",
    "KGQA_RESERVED_WORKERS",
    "KGQA_WORKER_MEMORY_MB",
}
_BOOL_KEYS = {"KGQA_CORS"}
_LIST_KEYS = {"KGQA_DATA_FILES"}

log = logging.getLogger("kgqa")


def _coerce(key: str, value: Any) -> Any:
    """Turn an environment string into the type the default has, so env and mapping agree."""
    if value is None or not isinstance(value, str):
        return value
    if key in _FLOAT_KEYS:
        return float(value)
    if key in _INT_KEYS:
        return int(value)
    if key in _BOOL_KEYS:
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    if key in _LIST_KEYS:
        return [p for p in value.split(os.pathsep) if p]
    return value


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Merge defaults, `KGQA_*` environment variables and explicit overrides (highest wins)."""
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if key in environ:
            config[key] = _coerce(key, environ[key])
    for key, value in (overrides or {}).items():
        config[key] = _coerce(key, value) if key in DEFAULTS else value
    return config
