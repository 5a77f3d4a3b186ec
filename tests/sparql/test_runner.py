"""The one query runner (`kgqa.sparql.runner`) and the capabilities each store declares.

Callers test a store's declared `Capabilities`, never its attributes: a store without `analyse`
gets the policy's parse in this process, one with it gets it in its workers.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kgqa.errors import BadQuery, Forbidden
from kgqa.sparql import runner
from kgqa.store.base import Capabilities
from kgqa.store.oxigraph import OxigraphStore
from kgqa.store.remote import RemoteStore


@pytest.mark.parametrize("backend", [OxigraphStore, RemoteStore])
def test_each_backend_declares_its_capabilities(backend: type) -> None:
    caps = backend.capabilities
    assert isinstance(caps, Capabilities)
    # Both parse user queries in worker processes and enforce the time limit themselves; both
    # write parameters into the text as a VALUES block.
    assert caps.analyse and caps.native_timeout and caps.named_graphs and not caps.native_bindings
    assert callable(backend.analyse)


def test_no_backend_imports_another() -> None:
    import ast
    from pathlib import Path

    store_dir = Path(runner.__file__).resolve().parents[1] / "store"
    for backend in ("oxigraph", "remote"):
        tree = ast.parse((store_dir / f"{backend}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        others = {f"kgqa.store.{b}" for b in ("oxigraph", "remote") if b != backend}
        assert not imported & others, f"{backend}.py imports another backend"


class _Store:
    """The real store under declared capabilities of our choosing, counting `analyse` calls."""

    def __init__(self, store: Any, capabilities: Capabilities) -> None:
        self._store = store
        self.capabilities = capabilities
        self.analysed: list[str] = []

    def analyse(self, text: str, **kwargs: Any) -> Any:
        self.analysed.append(text)
        return self._store.analyse(text, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _unique(text: str) -> str:
    """`text` never seen before, so the policy's verdict cache cannot answer for the store."""
    import time

    return f"{text} # {time.time_ns()}"


def test_user_query_check_runs_where_the_store_says(mini_state: Any) -> None:
    with_analyse = _Store(mini_state.store, Capabilities(analyse=True))
    state = dataclasses.replace(mini_state, store=with_analyse)
    checked, result = runner.run_user_query(state, _unique("ASK { ?s ?p ?o }"))
    assert checked.form == "ASK" and result.boolean is True
    assert len(with_analyse.analysed) == 1

    without = _Store(mini_state.store, Capabilities())
    state = dataclasses.replace(mini_state, store=without)
    checked, result = runner.run_user_query(state, _unique("ASK { ?s ?p ?o }"))
    assert checked.form == "ASK" and result.boolean is True
    assert without.analysed == []  # parsed here: the store was not asked


def test_each_intent_applies_its_own_rules(mini_state: Any) -> None:
    # A client's text is checked by the policy ...
    with pytest.raises(Forbidden):
        runner.run_user_query(mini_state, "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }")
    with pytest.raises(BadQuery, match="missing query"):
        runner.run_user_query(mini_state, None)
    # ... and so is a trusted (canned) query's, here in this process.
    with pytest.raises(BadQuery, match="syntax error"):
        runner.run_trusted_query(mini_state, "SELECT ?x WHERE { ?x ?p }")
    canned = mini_state.registry.get("investors")
    checked, result = runner.run_trusted_query(mini_state, canned.sparql)
    assert checked.form == "SELECT" and result.form == "solutions"
    # An internal query is the service's own constant: run under the store's limits, unchecked.
    assert runner.run_internal_query(mini_state, "ASK { ?s ?p ?o }", max_rows=None).boolean is True
