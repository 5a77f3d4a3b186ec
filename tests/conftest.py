"""Shared fixtures: apps on the built graph and on a tiny test graph, and real server processes.

Each fixture that starts processes (query workers, `kgqa serve`, `oxigraph serve`) binds loopback
on a free port, waits until the thing answers, and stops it afterwards (Datasette's
`ds_localhost_http_server` habit). Session scope keeps the suite fast: workers start once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BIN = Path(sys.executable).parent
MINI_DATA = DATA / "service" / "mini.trig"
MINI_ONTOLOGY = DATA / "service" / "mini-ontology.ttl"
MINI_QUERIES = DATA / "queries"

BUILT = {"KGQA_WORKERS": 2}
MINI = {
    "KGQA_DATA_FILES": [str(MINI_DATA)],
    "KGQA_ONTOLOGY": str(MINI_ONTOLOGY),
    "KGQA_QUERIES_DIR": str(MINI_QUERIES),
    "KGQA_MAX_ROWS": 5,
    "KGQA_QUERY_TIMEOUT": 1.5,
    "KGQA_WORKERS": 2,
}
# A query that cannot finish: a four-way cartesian product over every triple.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_responds(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


from tests.ci import skip_or_fail  # noqa: E402
from tests.procs import stop  # noqa: E402 - re-exported for the test modules


@pytest.fixture(scope="session")
def built_state():
    """The state (store + registry) on the built graph, shared by the apps of the session."""
    from kgqa.state import open_state

    state = open_state(BUILT)
    yield state
    state.close()


@pytest.fixture(scope="session")
def app(built_state):
    from kgqa.web import create_app

    return create_app({"TESTING": True, **BUILT}, state=built_state)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def mini_state():
    from kgqa.state import open_state

    state = open_state(MINI)
    yield state
    state.close()


@pytest.fixture(scope="session")
def mini_app(mini_state):
    from kgqa.web import create_app

    return create_app({"TESTING": True, **MINI}, state=mini_state)


@pytest.fixture
def mini_client(mini_app):
    return mini_app.test_client()


@pytest.fixture(scope="session")
def trap() -> Iterator[str]:
    """A loopback server that records every request it gets (`tests.traps.TrapHandler.hits`)."""
    from tests.traps import serve_trap

    with serve_trap() as url:
        yield url


@pytest.fixture(scope="session")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local N-Triples file holding `tests.traps.SECRET`: no query may ever read it."""
    from tests.traps import SECRET_NT

    path = tmp_path_factory.mktemp("canary") / "canary.nt"
    path.write_text(SECRET_NT, encoding="utf-8")
    return path


@contextlib.contextmanager
def serving(*options: str, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """`kgqa serve OPTIONS` (the console script, under waitress) on a free loopback port, started and
    stopped around the block; yields its base URL once `/healthz` answers."""
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "kgqa"), "serve", "--host", "127.0.0.1", "--port", str(port), *options],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(base + "/healthz", proc=proc)
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def kgqa_server() -> Iterator[str]:
    """`kgqa serve` on the built graph."""
    with serving("--threads", "4", "--workers", "2", "--timeout", "3") as base:
        yield base


# Oxigraph server has no per-query time limit, only this one for every query (`--timeout-s`): a
# query the service gave up on runs on there until it ends (README, "Stores").
OXIGRAPH_TIMEOUT_S = 5


@dataclass(frozen=True)
class Remote:
    """A remote store started for the session: its name, its query endpoint, its server process,
    and the `kgqa load` arguments that (re)load it."""

    name: str
    endpoint: str
    proc: subprocess.Popen
    load_args: tuple[str, ...]


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator[Remote]:
    """A real `oxigraph serve` with the built graph pushed by `kgqa load --endpoint`."""
    exe = BIN / "oxigraph"
    if not exe.exists() and not shutil.which("oxigraph"):
        pytest.skip("the oxigraph server (PyPI package `oxigraph`) is not installed")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen(
        [
            str(exe if exe.exists() else shutil.which("oxigraph")),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
            "--timeout-s",
            str(OXIGRAPH_TIMEOUT_S),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}/query"
    load_args = ("--endpoint", endpoint)
    try:
        wait_until_responds(endpoint + "?query=ASK%7B%7D", proc=proc)
        subprocess.run(
            [str(BIN / "kgqa"), "load", *load_args], cwd=ROOT, check=True, capture_output=True, env={**os.environ}
        )
        yield Remote("oxigraph", endpoint, proc, load_args)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def oxigraph_endpoint(oxigraph_server: Remote) -> str:
    return oxigraph_server.endpoint


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory) -> Iterator[Remote]:
    """A real Virtuoso (`tests/virtuoso.py`) loaded with the built graph; skipped where Virtuoso is
    not installed (`scripts/system-deps.sh` installs it), failed instead under CI."""
    from tests import virtuoso

    if virtuoso.executable() is None:
        skip_or_fail(f"Virtuoso ({virtuoso.EXECUTABLE}) is not installed; as root: scripts/system-deps.sh")
    with virtuoso.running(tmp_path_factory.mktemp("virtuoso")) as server:
        yield Remote("virtuoso", server.endpoint, server.proc, server.load_args)


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def remote(request) -> Remote:
    """Each remote store the suite runs on, in turn: Oxigraph server, then Virtuoso."""
    return request.getfixturevalue(f"{request.param}_server")


def _state_on(remote: Remote) -> Iterator:
    from kgqa.state import open_state

    state = open_state({"KGQA_ENDPOINT": remote.endpoint})
    yield state
    state.close()


@pytest.fixture(scope="session")
def oxigraph_state(oxigraph_server: Remote):
    """The service's state on Oxigraph server."""
    yield from _state_on(oxigraph_server)


@pytest.fixture(scope="session")
def virtuoso_state(virtuoso_server: Remote):
    """The service's state on Virtuoso."""
    yield from _state_on(virtuoso_server)


@pytest.fixture(scope="session")
def remote_state(remote: Remote, request):
    """The service's state on each remote store in turn (`remote`)."""
    return request.getfixturevalue(f"{remote.name}_state")


# --- W3C SPARQL test suites (tests/sparql/test_w3c.py): count outcomes, print them at the end ---------


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Tally each W3C test once: its call phase, or its setup phase when it was skipped there."""
    if "test_w3c.py::" not in report.nodeid or not (report.when == "call" or report.outcome == "skipped"):
        return
    from tests.sparql import w3c_suite

    func = report.nodeid.split("::", 1)[1].split("[", 1)[0]
    if hasattr(report, "wasxfail"):
        result = "xfailed" if report.outcome == "skipped" else "xpassed"
    elif report.outcome == "passed" and ("w3c", w3c_suite.POLICY) in report.user_properties:
        result = w3c_suite.POLICY
    else:
        result = report.outcome
    w3c_suite.TALLY.add(func, result)


def pytest_terminal_summary(terminalreporter) -> None:
    """The W3C pass counts, whatever -s/-r/-q options were given."""
    from tests.sparql import w3c_suite

    lines = w3c_suite.TALLY.lines()
    if lines:
        terminalreporter.section("W3C SPARQL test suites (tests/sparql/w3c)")
        for line in lines:
            terminalreporter.write_line(line)
