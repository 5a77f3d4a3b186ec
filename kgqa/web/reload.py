"""Safe data changes in a running service: load the new graph aside, check it, swap, retire the old.

`kgqa serve` reloads on SIGHUP (`kill -HUP <pid>`; systemd `ExecReload=/bin/kill -HUP $MAINPID`).
Why a signal and no HTTP admin route: a signal has no network surface at all, and only the
service's own user (or root) may send it, so nothing has to be authenticated. "Accept it only
from loopback" is weaker than it sounds: behind a reverse proxy on the same host every request
arrives from 127.0.0.1, and the admin route would be public.

What a reload does, in order (`LiveState.reload`):
1. Open a complete new state from the same settings: new query worker processes each load the
   data files again (or reopen the on-disk store), and the canned-query registry is read again.
   Each worker reports its triple count before it is used, so a file that does not parse fails here.
2. Check it (`check_state`): the store is not empty and answers; when the graph is loaded from
   files and the build's `stats.json` lies next to one, the asserted and inferred graphs hold
   exactly the triples it reports (a mixed or half-copied `kg/dist/` is caught); every canned
   query without required parameters runs; the question answerer's entity index builds.
3. Swap under a lock. Requests pin the state they started with (`before_request`), so a request
   never mixes the old graph and the new one, and queries in flight finish on the old workers.
   The old state is closed when its last request ends.
If step 1 or 2 fails, the new workers are stopped, the reason is logged, and the service goes on
serving the old graph: a bad build never takes the service down.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgqa.canned.results import run
from kgqa.qa.ask import asker_for
from kgqa.qa.names import INDEX_QUERY
from kgqa.settings import Settings
from kgqa.sparql.runner import run_internal_query
from kgqa.state import State, open_state
from kgqa.vocab import ASSERTED_GRAPH, INFERRED_GRAPH

log = logging.getLogger("kgqa")

_PINNED = "_kgqa_state"


class ReloadError(Exception):
    """The new graph could not be loaded or did not pass the checks; the old one is still served."""


def _count(state: State, graph: str) -> int:
    res = run_internal_query(
        state,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        timeout_s=max(state.settings.query_timeout, 60.0),
        max_rows=None,
    )
    rows = res.rows()
    return int(rows[0]["n"].value) if rows else 0


def check_state(state: State) -> None:
    """Check a freshly opened state before it may serve requests: each check in `_CHECKS`, in order.

    :raise ReloadError: saying what is wrong.
    """
    for check in _CHECKS:
        check(state)


def _check_answers(state: State) -> None:
    if state.triples <= 0:
        raise ReloadError("the new store holds no triples")
    try:
        run_internal_query(state, "ASK { }", timeout_s=10.0, max_rows=None)
    except Exception as exc:
        raise ReloadError(f"the new store does not answer: {exc}") from exc


def _check_build_counts(state: State) -> None:
    """Graphs loaded from files hold exactly what the build's `stats.json` beside them reports."""
    settings = state.settings
    if settings.endpoint or settings.store_dir:
        return
    for name in settings.data_files:
        stats_file = Path(name).with_name("stats.json")
        if not stats_file.is_file():
            continue
        try:
            stats = json.loads(stats_file.read_text(encoding="utf-8"))
            expected = {ASSERTED_GRAPH: int(stats["triples_asserted"]), INFERRED_GRAPH: int(stats["triples_inferred"])}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReloadError(f"{stats_file} cannot be read: {exc}") from exc
        for graph, want in expected.items():
            got = _count(state, graph)
            if got != want:
                raise ReloadError(
                    f"<{graph}> holds {got} triples but {stats_file} says the build wrote {want}: "
                    "the data files do not come from one build"
                )


def _check_canned_queries(state: State) -> None:
    """Every canned query without required parameters runs."""
    for canned in state.registry:
        if any(p.required for p in canned.params):
            continue
        try:
            run(state, canned, {})
        except Exception as exc:
            raise ReloadError(f"canned query {canned.name!r} fails on the new graph: {exc}") from exc


def _check_question_index(state: State) -> None:
    if INDEX_QUERY in state.registry:
        try:
            asker_for(state)  # builds the entity index once, before the first question needs it
        except Exception as exc:
            raise ReloadError(f"the question answerer cannot index the new graph: {exc}") from exc


_CHECKS: tuple[Callable[[State], None], ...] = (
    _check_answers,
    _check_build_counts,
    _check_canned_queries,
    _check_question_index,
)


class LiveState:
    """What `app.extensions["kgqa"]` holds: the current `State`, swapped atomically by `reload()`.

    Attribute access goes to the state the current request pinned (or to the current state outside
    a request), so every module keeps reading `current_app.extensions["kgqa"].store` as before and
    never sees a mix of two graphs within one request.
    """

    def __init__(self, state: State, opener: Callable[[Settings], State] | None = None) -> None:
        object.__setattr__(self, "_current", state)
        object.__setattr__(self, "_opener", opener or (lambda settings: open_state(settings=settings)))
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_reload_lock", threading.Lock())
        object.__setattr__(self, "_users", {})  # id(state) -> requests using it
        object.__setattr__(self, "_retired", {})  # id(state) -> state, closed when its last user ends
        object.__setattr__(self, "_closed", False)
        object.__setattr__(self, "generation", 0)

    # -- which state a caller sees --

    @property
    def current(self) -> State:
        return self._current

    def _target(self) -> State:
        from flask import g, has_app_context

        if has_app_context():
            pinned = g.get(_PINNED)
            if pinned is not None:
                return pinned
        return self._current

    def pinned(self) -> State:
        """The state this request sees (the current one outside a request).

        Every attribute read through the proxy looks the pinned state up again; a hot path that
        reads several (`/sparql`) resolves it once with this instead.
        """
        return self._target()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        # e.g. the Q&A module installs its linker as `state.entity_resolver`: per state, so the new
        # graph gets its own.
        setattr(self._target(), name, value)

    # -- per request --

    def acquire(self) -> State:
        with self._lock:
            state = self._current
            self._users[id(state)] = self._users.get(id(state), 0) + 1
        return state

    def release(self, state: State) -> None:
        with self._lock:
            left = self._users.get(id(state), 1) - 1
            if left:
                self._users[id(state)] = left
            else:
                self._users.pop(id(state), None)
            done = self._retired.pop(id(state), None) if not left else None
        if done is not None:
            log.info("reload: the last request on the previous graph ended; stopping its workers")
            done.close()

    def init_app(self, app: Any) -> None:
        """Pin the current state for the length of each request."""
        from flask import g

        @app.before_request
        def _pin() -> None:
            if g.get(_PINNED) is None:
                g.setdefault(_PINNED, self.acquire())

        @app.teardown_request
        def _unpin(exc: BaseException | None) -> None:
            state = g.pop(_PINNED, None)
            if state is not None:
                self.release(state)

    # -- reloading --

    def reload(self) -> State:
        """Open, check and switch to a new state from the same settings.

        :raise ReloadError: if the new graph fails to load or to pass `check_state`; the old state
            is then still the current one and nothing else changed.
        """
        with self._reload_lock:  # one reload at a time; a second SIGHUP waits for the first
            old = self._current
            log.info("reload: loading the graph again from %s", ", ".join(old.settings.data_files))
            try:
                new = self._opener(old.settings)
            except Exception as exc:
                log.error("reload failed: %s; still serving the previous graph (%d triples)", exc, old.triples)
                raise ReloadError(f"the new graph could not be loaded: {exc}") from exc
            try:
                check_state(new)
            except Exception as exc:
                new.close()
                log.error("reload failed: %s; still serving the previous graph (%d triples)", exc, old.triples)
                raise exc if isinstance(exc, ReloadError) else ReloadError(str(exc)) from exc
            with self._lock:
                if self._closed:
                    new.close()
                    raise ReloadError("the service is shutting down")
                object.__setattr__(self, "_current", new)
                object.__setattr__(self, "generation", self.generation + 1)
                busy = self._users.get(id(old), 0)
                if busy:
                    self._retired[id(old)] = old
            log.info(
                "reload: now serving %d triples (was %d); %s",
                new.triples,
                old.triples,
                f"{busy} request(s) still finishing on the previous graph" if busy else "previous workers stopped",
            )
            if not busy:
                old.close()
            return new

    def reload_in_background(self) -> threading.Thread:
        """Reload without blocking the caller (a signal handler must return at once)."""

        def work() -> None:
            try:
                self.reload()
            except ReloadError:
                pass  # already logged; the old graph is still served
            except Exception:
                log.exception("reload failed unexpectedly; still serving the previous graph")

        thread = threading.Thread(target=work, name="kgqa-reload", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop the current state and any retired one still finishing (idempotent)."""
        with self._lock:
            object.__setattr__(self, "_closed", True)
            states = [self._current, *self._retired.values()]
            self._retired.clear()
        for state in states:
            state.close()
