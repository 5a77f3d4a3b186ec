"""The per-app state (`app.extensions["kgqa"]`): the store, the canned-query registry, what the store holds.

The state holds everything a request needs so that no module keeps process-global state and each
test app is independent. `open_state` is what both `create_app()` and the CLI call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.settings import load_config
from kgqa.vocab import ONTOLOGY_GRAPH

log = logging.getLogger("kgqa")


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
    from kgqa.store.oxigraph import OxigraphStore
    from kgqa.store.pool import StoreSpec
    from kgqa.store.remote import RemoteStore

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
    from kgqa.canned.params import label_resolver
    from kgqa.canned.registry import Registry

    config = config if config is not None else load_config(overrides)
    store = open_store(config)
    try:
        timeout = float(config["KGQA_QUERY_TIMEOUT"])
        listed = store.named_graphs(timeout_s=max(timeout, 30.0)) if store.capabilities.named_graphs else []
        known = frozenset(listed)
        triples = store.triple_count()
        registry = Registry.from_directory(config["KGQA_QUERIES_DIR"])
    except BaseException:
        store.close()
        raise
    state = State(config=config, store=store, registry=registry, known_graphs=known, triples=triples)
    state.entity_resolver = label_resolver(state)
    return state
