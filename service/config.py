"""Configuration defaults and the per-app state object (`app.extensions["kgqa"]`).

Defaults live in one place (pySHACL's `_load_default_options` habit): `DEFAULTS` below, overridden by
`KGQA_*` environment variables, overridden by the mapping given to `create_app()` or by `kgqa serve`
options. The state object holds everything a request needs (store, registry, known graphs) so that
no module keeps process-global state and each test app is independent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Re-exported: the graph IRIs the configuration names (spelled once, in service.vocab).
from service.vocab import (  # noqa: F401
    ASSERTED_GRAPH,
    GRAPH_NS,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    ONTOLOGY_NS,
    RESOURCE_NS,
)

REPO_ROOT = Path(__file__).resolve().parent.parent

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
    # `kgqa serve` (service/httpserver.py): open connections at most; seconds an idle keep-alive
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


@dataclass
class State:
    """Everything requests share: the store, the canned-query registry and what the store holds.

    `entity_resolver` is the hook that turns a name ("MiniMax", "阿里巴巴") into entity IRIs for `iri`
    parameters; the default matches labels exactly, and the Q&A module may replace it with its
    fuzzy linker (`state.entity_resolver = linker.resolve`).
    """

    config: dict
    store: Any
    registry: Any
    known_graphs: frozenset[str]
    triples: int
    entity_resolver: Callable[[str, str | None], list[str]] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def timeout(self) -> float:
        return float(self.config["KGQA_QUERY_TIMEOUT"])

    @property
    def max_rows(self) -> int:
        return int(self.config["KGQA_MAX_ROWS"])

    def close(self) -> None:
        """Stop the store's worker processes (idempotent)."""
        self.store.close()


def _max_result_bytes(config: Mapping[str, Any]) -> int | None:
    """The byte limit on results; 0 or None turns it off."""
    value = config.get("KGQA_MAX_RESULT_BYTES")
    return int(value) if value else None


def _limits(config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of `OxigraphStore`: workers and the per-request limits they enforce."""
    memory = config.get("KGQA_WORKER_MEMORY_MB")
    return {
        "workers": int(config["KGQA_WORKERS"]),
        "max_result_bytes": _max_result_bytes(config),
        "memory_mb": int(memory) if memory else None,
        "reserved_workers": int(config.get("KGQA_RESERVED_WORKERS") or 0),
    }


def open_store(config: Mapping[str, Any]):
    """Open the store the configuration asks for: remote endpoint, on-disk store, or in-memory.

    :raise FileNotFoundError: if a data file or the store directory is missing.
    """
    from service.pool import StoreSpec
    from service.store import OxigraphStore, RemoteStore

    if config.get("KGQA_ENDPOINT"):
        log.info("using the remote SPARQL endpoint %s", config["KGQA_ENDPOINT"])
        memory = config.get("KGQA_WORKER_MEMORY_MB")
        # KGQA_WORKERS parse-only workers: the policy's parse of user queries runs there.
        return RemoteStore(
            config["KGQA_ENDPOINT"],
            max_result_bytes=_max_result_bytes(config),
            parse_workers=int(config["KGQA_WORKERS"]),
            memory_mb=int(memory) if memory else None,
        )
    workers = int(config["KGQA_WORKERS"])
    if config.get("KGQA_STORE_DIR"):
        path = Path(config["KGQA_STORE_DIR"])
        if not path.is_dir():
            raise FileNotFoundError(f"store directory {path} does not exist: run `kgqa load --store {path}`")
        log.info("opening the on-disk store %s read-only in %d workers", path, workers)
        return OxigraphStore(StoreSpec(path=str(path)), **_limits(config))
    files: list[tuple[str, str | None]] = []
    for name in config["KGQA_DATA_FILES"]:
        files.append((str(name), None))
    if config.get("KGQA_ONTOLOGY"):
        files.append((str(config["KGQA_ONTOLOGY"]), ONTOLOGY_GRAPH))
    for name, _ in files:
        if not Path(name).is_file():
            raise FileNotFoundError(f"{name} not found: run `kgqa build` first (or set KGQA_DATA_FILES)")
    log.info("loading %s into an in-memory store in each of %d workers", ", ".join(f for f, _ in files), workers)
    return OxigraphStore(StoreSpec(files=tuple(files)), **_limits(config))


def open_state(overrides: Mapping[str, Any] | None = None, *, config: dict | None = None) -> State:
    """Open the store and load the registry: what `create_app()` and the CLI both need.

    The caller owns the result and must `close()` it (it may hold worker processes).
    """
    from service.queries import Registry, label_resolver

    config = config if config is not None else load_config(overrides)
    store = open_store(config)
    try:
        timeout = float(config["KGQA_QUERY_TIMEOUT"])
        known = frozenset(store.named_graphs(timeout_s=max(timeout, 30.0)))
        triples = store.triple_count()
        registry = Registry.from_directory(config["KGQA_QUERIES_DIR"])
    except BaseException:
        store.close()
        raise
    state = State(config=config, store=store, registry=registry, known_graphs=known, triples=triples)
    state.entity_resolver = label_resolver(state)
    return state
