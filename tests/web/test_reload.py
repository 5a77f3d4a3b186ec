"""Safe data changes in a running service (issue 7): reload swaps atomically or not at all.

In process: a request that started before a reload finishes on the old graph (its workers are
stopped only afterwards), requests after it see the new graph, and a graph that fails to load or
to match its build's `stats.json` leaves the old one in place. Then the same on a real `kgqa serve`
told to reload with SIGHUP.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import current_app, jsonify

from kgqa.web import create_app
from kgqa.web.reload import ReloadError
from tests.conftest import BIN, MINI, MINI_DATA, ROOT, free_port, stop, wait_until_responds
from tests.procs import wait_for

EXTRA = '\n<https://w3id.org/kgqa/graph/asserted> { <http://example.org/new> <http://example.org/p> "added" . }\n'


def _healthz(base: str) -> dict:
    with urllib.request.urlopen(base + "/healthz", timeout=10) as resp:
        return json.load(resp)


@pytest.fixture
def reloadable(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """An app on a private copy of the mini graph, with a route that holds a worker for a while."""
    data = tmp_path / "mini.trig"
    shutil.copyfile(MINI_DATA, data)
    app = create_app({"TESTING": True, **MINI, "KGQA_DATA_FILES": [str(data)], "KGQA_QUERY_TIMEOUT": 10})

    @app.route("/_slow")
    def slow() -> Any:
        """Occupies a worker of the state this request pinned, then says which graph it saw."""
        st = current_app.extensions["kgqa"]
        st.store.pool.call(("sleep", 1.0), 10)
        return jsonify(triples=st.triples, closed=st.store.pool._closed)

    yield app, data
    app.extensions["kgqa"].close()


def test_in_flight_requests_finish_on_the_old_graph(reloadable: tuple[Any, Path]) -> None:
    app, data = reloadable
    live = app.extensions["kgqa"]
    old = live.current
    client = app.test_client()
    before = client.get("/healthz").get_json()["triples"]

    replies: list[Any] = []
    slow = threading.Thread(target=lambda: replies.append(app.test_client().get("/_slow").get_json()))
    slow.start()
    deadline = time.monotonic() + 10
    while not live._users and time.monotonic() < deadline:  # wait until the slow request has pinned
        time.sleep(0.01)
    assert live._users, "the slow request did not start"

    data.write_text(data.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    new = live.reload()
    assert new is live.current and new is not old and live.generation == 1
    assert not old.store.pool._closed, "the old workers were stopped under a running request"
    assert client.get("/healthz").get_json()["triples"] == before + 1
    r = client.get("/sparql", query_string={"query": 'ASK { ?s ?p "added" }'})
    assert r.get_json()["boolean"] is True

    slow.join(timeout=30)
    assert replies == [{"triples": before, "closed": False}], "the in-flight request saw the new graph"
    assert old.store.pool._closed, "the old workers were not stopped after their last request"


def test_a_graph_that_does_not_load_is_not_switched_to(reloadable: tuple[Any, Path], caplog: Any) -> None:
    app, data = reloadable
    live = app.extensions["kgqa"]
    old = live.current
    data.write_text(data.read_text(encoding="utf-8") + "\n<broken> { this is not TriG", encoding="utf-8")
    with pytest.raises(ReloadError, match="could not be loaded"):
        live.reload()
    assert live.current is old and not old.store.pool._closed and live.generation == 0
    assert "still serving the previous graph" in caplog.text
    assert app.test_client().get("/healthz").status_code == 200


def test_a_graph_that_does_not_match_its_build_is_not_switched_to(reloadable: tuple[Any, Path]) -> None:
    app, data = reloadable
    live = app.extensions["kgqa"]
    old = live.current
    (data.parent / "stats.json").write_text(json.dumps({"triples_asserted": 1, "triples_inferred": 0}))
    with pytest.raises(ReloadError, match="do not come from one build"):
        live.reload()
    assert live.current is old
    (data.parent / "stats.json").unlink()
    assert live.reload() is live.current is not old  # and with consistent files it goes through


def _replace(path: Path, text: str) -> None:
    """Write a file the way a deploy should: to a temporary name, then rename over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@pytest.mark.server
def test_sighup_reloads_a_running_server(tmp_path: Path) -> None:
    """`kill -HUP`: a consistent new build is served; a broken or mixed one is refused, old kept."""
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in ("kgqa-kg.trig", "stats.json"):
        shutil.copyfile(ROOT / "kg" / "dist" / name, dist / name)
    trig = dist / "kgqa-kg.trig"
    original = trig.read_text(encoding="utf-8")
    stats = json.loads((dist / "stats.json").read_text(encoding="utf-8"))
    log_path = tmp_path / "server.log"
    port = free_port()
    env = {**os.environ, "KGQA_DATA_FILES": str(trig)}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "kgqa"), "serve", "--port", str(port), "--workers", "1", "--threads", "4", "--timeout", "5"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(base + "/healthz", proc=proc)
        first = _healthz(base)["triples"]

        # 1. a new, consistent build: served after the signal
        stats["triples_asserted"] += 1
        _replace(trig, original + EXTRA)
        _replace(dist / "stats.json", json.dumps(stats))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: _healthz(base)["triples"] == first + 1, "the reloaded graph", timeout=90.0)

        # 2. a file that does not parse: refused, the graph of step 1 is still served
        _replace(trig, original + EXTRA + "\n<oops> { not trig")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: log_path.read_text().count("reload failed") >= 1, "the failed reload in the log", timeout=90.0)
        assert _healthz(base)["triples"] == first + 1

        # 3. data and stats.json from different builds: refused too
        _replace(trig, original)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: log_path.read_text().count("reload failed") >= 2, "the second failed reload", timeout=90.0)
        assert "do not come from one build" in log_path.read_text()
        assert _healthz(base)["triples"] == first + 1
        with urllib.request.urlopen(base + "/api/queries/unicorns", timeout=10) as resp:
            assert resp.status == 200 and json.load(resp)["rows"]
        assert proc.poll() is None
    finally:
        stop(proc)
