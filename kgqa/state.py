"""The per-app state (`app.extensions["kgqa"]`): the settings, the store, the canned-query registry.

The state holds everything a request needs, its settings included, so that no module keeps
process-global state and each test app is independent. `open_state` is what both `create_app()`
and the CLI call.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.settings import Settings
from kgqa.vocab import ONTOLOGY_GRAPH

log = logging.getLogger("kgqa")


@dataclass
class State:
    """Everything requests share: the settings, the store, the canned-query registry, what the store holds.

    `entity_resolver` is the hook that turns a name ("MiniMax", "阿里巴巴") into entity IRIs for `iri`
    parameters; the default matches labels exactly, and the Q&A module may replace it with its
    fuzzy linker (`state.entity_resolver = linker.resolve`).
    """

    settings: Settings
    store: Any
    registry: Any
    known_graphs: frozenset[str]
    triples: int
    entity_resolver: Callable[[str, str | None], list[str]] | None = None
    extra: dict = field(default_factory=dict)

    def with_settings(self, settings: Settings) -> State:
        """This state (the same store, registry and caches) under other settings: an app sharing
        an open store with others, with a limit or public URL of its own (tests do)."""
        return self if settings == self.settings else dataclasses.replace(self, settings=settings)

    def close(self) -> None:
        """Stop the store's worker processes (idempotent)."""
        self.store.close()


def _limits(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of both stores' worker pools: the limits their workers enforce (0: off)."""
    return {
        "max_result_bytes": settings.max_result_bytes or None,
        "memory_mb": settings.worker_memory_mb or None,
    }


def open_configured_store(settings: Settings) -> Any:
    """Open the store the settings ask for: remote endpoint, on-disk store, or in-memory.

    :raise FileNotFoundError: if a data file or the store directory is missing.
    """
    from kgqa.store.oxigraph import OxigraphStore
    from kgqa.store.pool import StoreSpec
    from kgqa.store.remote import RemoteStore

    if settings.endpoint:
        log.info("using the remote SPARQL endpoint %s", settings.endpoint)
        # KGQA_WORKERS parse-only workers: the policy's parse of user queries runs there.
        return RemoteStore(settings.endpoint, parse_workers=settings.workers, **_limits(settings))
    workers = {"workers": settings.workers, "reserved_workers": settings.reserved_workers}
    if settings.store_dir:
        path = Path(settings.store_dir)
        if not path.is_dir():
            raise FileNotFoundError(f"store directory {path} does not exist: run `kgqa load --store {path}`")
        log.info("opening the on-disk store %s read-only in %d workers", path, settings.workers)
        return OxigraphStore(StoreSpec(path=str(path)), **workers, **_limits(settings))
    files: list[tuple[str, str | None]] = [(name, None) for name in settings.data_files]
    if settings.ontology:
        files.append((settings.ontology, ONTOLOGY_GRAPH))
    for name, _ in files:
        if not Path(name).is_file():
            raise FileNotFoundError(f"{name} not found: run `kgqa build` first (or set KGQA_DATA_FILES)")
    log.info(
        "loading %s into an in-memory store in each of %d workers", ", ".join(f for f, _ in files), settings.workers
    )
    return OxigraphStore(StoreSpec(files=tuple(files)), **workers, **_limits(settings))


def open_state(overrides: Mapping[str, Any] | None = None, *, settings: Settings | None = None) -> State:
    """Open the store and load the registry: what `create_app()` and the CLI both need.

    `settings`, or else `Settings.load(overrides)`. The caller owns the result and must `close()` it
    (it may hold worker processes).

    :raise SettingsError: for a bad setting, before anything starts.
    """
    from kgqa.canned.params import label_resolver
    from kgqa.canned.registry import Registry

    settings = settings if settings is not None else Settings.load(overrides)
    store = open_configured_store(settings)
    try:
        timeout_s = max(settings.query_timeout, 30.0)
        listed = store.named_graphs(timeout_s=timeout_s) if store.capabilities.named_graphs else []
        known = frozenset(listed)
        triples = store.triple_count()
        registry = Registry.from_directory(settings.queries_dir)
    except BaseException:
        store.close()
        raise
    state = State(settings=settings, store=store, registry=registry, known_graphs=known, triples=triples)
    state.entity_resolver = label_resolver(state)
    return state
