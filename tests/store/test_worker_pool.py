"""The query worker pool's own guarantees (issue 11), each on real worker processes:

- no network: a worker lives in a network namespace of its own, so a SERVICE that got past the
  policy (sent here straight to the store, bypassing `check_query`) reaches nothing, and says so;
- crashes are reported truthfully: a panic or SIGSEGV is "the engine failed" (500), the memory
  limit is a 503 naming it, the time limit a 503; the worker is replaced each time;
- an extension function (outside SPARQL 1.1) is refused by the policy with a 403 that names it;
- one deadline per request: the run gets what the check left of the time limit;
- reserved workers: slow user queries cannot starve questions and canned queries;
- a remote store parses user queries in parse workers: a parser crash kills a worker, not the server.

No timed assertions: where time matters, the margins are such that the old behaviour provably
differs (a 5 s sleep against a 0.5 s deadline).
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from kgqa.errors import BadQuery, EngineFailure, Forbidden, QueryTimeout, ResourceLimit, StoreError
from kgqa.sparql.results import Result
from kgqa.store.oxigraph import OxigraphStore
from kgqa.store.pool import HOST, ISOLATED, ISOLATED_USERNS, QueryPool, StoreSpec, death_cause
from tests.conftest import (
    ENDLESS,
    MINI,
    MINI_DATA,
    MINI_ONTOLOGY,
    ROOT,
    serving,
)
from tests.traps import TrapHandler

ONTOLOGY = "https://w3id.org/kgqa/graph/ontology"
MINI_SPEC = StoreSpec(files=((str(MINI_DATA), None), (str(MINI_ONTOLOGY), ONTOLOGY)))
# Crashes the policy's parsers (Oxigraph's recursive-descent parser overflows its stack; rdflib's
# recursion runs out): it must never be parsed in the server process.
BANGS = "SELECT * WHERE { FILTER(" + "!" * 30_000 + "true) }"


def _query_request(text: str) -> tuple:
    """A raw "query" request as `OxigraphStore.query` sends it (union default graph, JSON, no cap)."""
    return ("query", text, None, "json", "ntriples", None, None)


# --- 1. no network in the workers ------------------------------------------------------------


def test_workers_have_no_network_even_when_the_policy_is_bypassed(mini_state: Any, trap: str) -> None:
    store = mini_state.store
    assert store.worker_network in {ISOLATED, ISOLATED_USERNS}
    before = list(TrapHandler.hits)
    service = f"SELECT * WHERE {{ SERVICE <{trap}/sparql> {{ ?s ?p ?o }} }}"
    # Straight to the store: no check_query, no SERVICE ban. The namespace is all that stops it.
    with pytest.raises(Forbidden, match="tried to reach the network"):
        store.query(service, timeout_s=10)
    # The pool's own API, one level further down: the worker's error raised as it is, not a hang.
    with pytest.raises(Forbidden, match="tried to reach the network") as info:
        store.pool.call(_query_request(service), 10)
    assert "unreachable" in info.value.message
    # SILENT swallows the failure: an empty answer, and still no request.
    silent = store.query(f"SELECT * WHERE {{ SERVICE SILENT <{trap}/sparql> {{ ?s ?p ?o }} }}", timeout_s=10)
    assert silent.rows() in ([], [{}])
    assert TrapHandler.hits == before, "a query worker reached the loopback trap"
    # Ordinary queries still answer.
    assert store.query("ASK { ?s ?p ?o }", timeout_s=10).boolean


def test_healthz_says_whether_workers_are_isolated(mini_client: Any) -> None:
    assert mini_client.get("/healthz").get_json()["workerNetwork"] in {ISOLATED, ISOLATED_USERNS}


def test_on_disk_store_opens_inside_the_namespace(tmp_path: Any, trap: str) -> None:
    from kgqa.cli.main import load_into_store

    class Quiet:
        def write(self, s: str) -> None:
            pass

        def flush(self) -> None:
            pass

    count = load_into_store([(MINI_DATA, None), (MINI_ONTOLOGY, ONTOLOGY)], str(tmp_path / "db"), out=Quiet())
    disk = OxigraphStore(StoreSpec(path=str(tmp_path / "db")), workers=1)
    try:
        assert disk.worker_network in {ISOLATED, ISOLATED_USERNS}
        assert disk.triple_count() == count
        assert disk.query("ASK { ?s ?p ?o }", timeout_s=10).boolean
        before = list(TrapHandler.hits)
        with pytest.raises(Forbidden):
            disk.query(f"SELECT * WHERE {{ SERVICE <{trap}/x> {{ ?s ?p ?o }} }}", timeout_s=10)
        assert TrapHandler.hits == before
    finally:
        disk.close()


_AS_NOBODY = """
import json, socket, sys
from kgqa.store.pool import isolate_network
mode, detail = isolate_network()
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=5).close()
    network = "reached"
except OSError as exc:
    network = exc.errno
with open(sys.argv[1], encoding="utf-8") as f:  # a file it could read before stays readable
    readable = bool(f.read())
print(json.dumps({"mode": mode, "detail": detail, "network": network, "readable": readable}))
"""


@pytest.mark.skipif(os.getuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to drop to nobody")
def test_unprivileged_workers_fall_back_to_a_user_namespace(trap: str) -> None:
    """Without CAP_SYS_ADMIN, unshare(CLONE_NEWNET) fails with EPERM; `isolate_network` (what each
    worker calls first) then takes a user namespace as well, mapping only its own ids: the network
    is gone and the files it could read stay readable."""
    with tempfile.TemporaryDirectory() as tmp:  # pytest's tmp_path is private to root
        os.chmod(tmp, 0o755)
        data = Path(tmp) / "mini.trig"
        shutil.copy(MINI_DATA, data)
        os.chmod(data, 0o644)
        before = list(TrapHandler.hits)
        port = urllib.parse.urlsplit(trap).port
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        out = subprocess.run(
            [*nobody, sys.executable, "-c", _AS_NOBODY, str(data), str(port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": tmp},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["mode"] == HOST:
        pytest.skip(f"this kernel allows no unprivileged user namespaces: {result['detail']}")
    assert result["mode"] == ISOLATED_USERNS, result
    assert result["network"] == errno.ENETUNREACH and result["readable"] is True
    assert TrapHandler.hits == before


# --- 2. crashes reported truthfully ----------------------------------------------------------


def test_death_cause_reads_what_rust_printed() -> None:
    panic = "thread '<unnamed>' (12) panicked at library/core/src/slice/sort.rs:854:5:\nuser-provided comparison\n"
    assert death_cause(-6, panic) == ("engine", "Oxigraph panicked: user-provided comparison")
    assert death_cause(-6, "memory allocation of 360 bytes failed\n")[0] == "memory"
    assert death_cause(-11, "") == ("engine", "the worker was killed by SIGSEGV")
    assert death_cause(-9, "")[0] == "memory"  # a SIGKILL we did not send: the OOM killer
    assert death_cause(1, "")[0] == "engine"


@pytest.mark.parametrize(
    ("how", "error", "says"),
    [
        ("panic", EngineFailure, "Oxigraph panicked: boom"),
        ("segv", EngineFailure, "SIGSEGV"),
        ("alloc", ResourceLimit, "memory limit"),
        ("memoryerror", ResourceLimit, "memory limit"),
    ],
)
def test_each_kind_of_worker_death_gets_its_own_error(how: str, error: type, says: str) -> None:
    pool = QueryPool(MINI_SPEC, size=1, memory_mb=1024)
    pool.start()
    try:
        before = set(pool.pids())
        with pytest.raises(error) as info:
            pool.call(("crash", how, "boom"), 30)
        assert says in info.value.message
        assert "memory" not in info.value.message or error is ResourceLimit
        # The dead worker is replaced, and the replacement serves.
        assert Result.from_encoded(pool.call(_query_request("ASK { ?s ?p ?o }"), 30)).boolean
        assert set(pool.pids()) != before
    finally:
        pool.close()


def test_engine_panic_on_order_by_is_a_500_not_the_memory_limit(client: Any) -> None:
    """pyoxigraph 0.5.13 panics on this query over the built graph ("comparison function does not
    correctly implement a total order") and aborts its process. It used to be reported as the
    memory limit (503); it is the engine failing on a valid query. A fixed engine answers 5 rows."""
    r = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } ORDER BY ?o LIMIT 5"})
    body = r.get_json()
    if r.status_code == 200:  # a pyoxigraph without the bug
        assert len(body["results"]["bindings"]) == 5
    else:
        assert r.status_code == 500 and body["status"] == 500
        assert "engine failed on this query" in body["error"] and "total order" in body["error"]
        assert "memory" not in body["error"]
    # The worker was replaced: the service answers the next query.
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True


def test_an_unexpected_worker_exception_is_a_generic_error_that_leaks_nothing() -> None:
    """Anything a worker raises that is not one of `kgqa.errors` becomes the generic 502, named by
    its type only; the worker stays (it did not die) and serves the next request."""
    pool = QueryPool(MINI_SPEC, size=1)
    pool.start()
    try:
        before = set(pool.pids())
        with pytest.raises(StoreError) as info:
            pool.call(("crash", "raise", "a secret path /etc/kgqa"), 30)
        assert info.value.message == "the store could not run the query (ValueError)"
        assert "secret" not in info.value.message and not info.value.context
        assert Result.from_encoded(pool.call(_query_request("ASK { ?s ?p ?o }"), 30)).boolean
        assert set(pool.pids()) == before
    finally:
        pool.close()


def test_worker_errors_are_the_exceptions_themselves(mini_state: Any) -> None:
    """A syntax error in a query sent straight to the pool comes back as the client's `BadQuery`."""
    with pytest.raises(BadQuery, match="SPARQL syntax error at line 1"):
        mini_state.store.pool.call(_query_request("SELECT ?x WHERE { ?x ?p }"), 10)


# --- 3. unsupported extension functions -------------------------------------------------------


def test_unsupported_extension_function_is_a_403_naming_it(mini_client: Any) -> None:
    q = "PREFIX ex: <http://example.org/> SELECT (ex:foo(1) AS ?x) {}"
    r = mini_client.get("/sparql", query_string={"query": q})
    assert r.status_code == 403, r.data
    assert "<http://example.org/foo>" in r.get_json()["error"] and "not supported" in r.get_json()["error"]


# --- 4. one deadline per request --------------------------------------------------------------


def test_pool_call_ends_at_the_request_deadline(mini_state: Any) -> None:
    """A 5 s sleep with a 30 s limit but only 0.5 s left of the request: stopped at the deadline,
    and the error names the request's limit (the old pool had no deadline and let it finish)."""
    with pytest.raises(QueryTimeout, match="30 s time limit"):
        mini_state.store.pool.call(("sleep", 5.0), 30.0, deadline=time.monotonic() + 0.5)
    with pytest.raises(QueryTimeout):  # nothing left: not even sent to a worker
        mini_state.store.query("ASK { ?s ?p ?o }", timeout_s=30, deadline=time.monotonic() - 1)


class _Recording:
    """The real store, with a note of the time budget each phase of a request was given."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.calls: list[tuple[str, float, float | None, float]] = []

    def analyse(self, text: str, *, timeout_s: float, deadline: float | None = None) -> Any:
        self.calls.append(("check", timeout_s, deadline, time.monotonic()))
        return self._store.analyse(text, timeout_s=timeout_s, deadline=deadline)

    def query(self, sparql: str, **kwargs: Any) -> Any:
        self.calls.append(("run", kwargs["timeout_s"], kwargs.get("deadline"), time.monotonic()))
        return self._store.query(sparql, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_check_and_run_share_one_deadline(mini_state: Any) -> None:
    """Over `/sparql`: the check and the run get the same deadline, taken before the check, so the
    run has only what the check left (it used to get a fresh 1.5 s of its own)."""
    from kgqa.web import create_app

    recording = _Recording(mini_state.store)
    state = dataclasses.replace(mini_state, store=recording)
    client = create_app({"TESTING": True, **MINI}, state=state).test_client()
    started = time.monotonic()
    # A text never seen before, so the policy's verdict cache cannot skip the check.
    r = client.get("/sparql", query_string={"query": f"ASK {{ ?s ?p ?o }} # {time.time_ns()}"})
    assert r.status_code == 200
    (check, _, check_deadline, _), (run, limit, run_deadline, run_at) = recording.calls
    assert (check, run) == ("check", "run") and limit == mini_state.settings.query_timeout
    assert check_deadline is not None and run_deadline == check_deadline
    assert started < check_deadline <= started + mini_state.settings.query_timeout + 0.5
    assert run_deadline - run_at < mini_state.settings.query_timeout  # the run's budget is what was left


# --- 5. reserved capacity for the service's own queries ----------------------------------------


def test_user_calls_cannot_take_the_reserved_worker() -> None:
    pool = QueryPool(MINI_SPEC, size=1, reserved=1)
    pool.start()
    try:
        assert len(pool.pids()) == 2
        sleeper = threading.Thread(target=lambda: pool.call(("sleep", 3.0), 30, user=True))
        sleeper.start()
        deadline = time.monotonic() + 10
        while pool.user_calls < 1 and time.monotonic() < deadline:  # until it holds the one shared slot
            time.sleep(0.02)
        with pytest.raises(QueryTimeout, match="waiting for a free query worker"):
            pool.call(_query_request("ASK {}"), 0.5, user=True)  # the user share is taken
        assert Result.from_encoded(pool.call(_query_request("ASK { ?s ?p ?o }"), 5)).boolean  # the service's own
        sleeper.join()
    finally:
        pool.close()


def test_slow_sparql_queries_do_not_starve_questions_and_canned_queries() -> None:
    """Four endless `/sparql` queries against two shared workers; questions and a canned query
    still get the reserved worker and answer (they used to wait for a worker, then get a 503)."""
    from kgqa.web import create_app

    app = create_app({"TESTING": True, "KGQA_WORKERS": 2, "KGQA_RESERVED_WORKERS": 1, "KGQA_QUERY_TIMEOUT": 6})
    try:
        st = app.extensions["kgqa"]
        slow_statuses: list[int] = []

        def slow() -> None:
            slow_statuses.append(app.test_client().get("/sparql", query_string={"query": ENDLESS}).status_code)

        threads = [threading.Thread(target=slow) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 5
        while st.store.pool.user_calls < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert st.store.pool.user_calls == 2, "the slow queries did not take the shared workers"
        client = app.test_client()
        ask = client.get("/api/ask", query_string={"q": "who led MiniMax's round?"})
        assert ask.status_code == 200, ask.data[:300]
        canned = client.get("/api/queries/unicorns")
        assert canned.status_code == 200, canned.data[:300]
        for t in threads:
            t.join()
        assert slow_statuses == [503] * 4
    finally:
        app.extensions["kgqa"].close()


# --- 6. a remote store parses user queries in parse workers ------------------------------------


@pytest.mark.server
def test_remote_store_parse_crash_kills_a_parse_worker_not_the_process(remote_state: Any) -> None:
    store = remote_state.store
    # The token guard refuses the 30,000-`!` query before any parser sees it ...
    with pytest.raises(BadQuery, match="nests"):
        store.analyse(BANGS, timeout_s=30)
    # ... and should a query ever crash the native parser anyway, only a parse worker dies.
    before = set(store.pool.pids())
    with pytest.raises(EngineFailure):
        store.pool.call(("crash", "segv", "as a parser stack overflow does"), 30)
    assert set(store.pool.pids()) != before  # the crashed worker is being replaced
    checked = store.analyse("ASK { ?s ?p ?o }", timeout_s=30)
    assert checked.form == "ASK"


@pytest.mark.server
def test_remote_mode_server_survives_a_parser_crashing_query(oxigraph_endpoint: str) -> None:
    """`kgqa serve --endpoint`: the 30,000-`!` query used to overflow Oxigraph's parser in the
    server process and kill it. Now it is a JSON error and the server answers afterwards."""
    with serving("--endpoint", oxigraph_endpoint, "--workers", "1") as base:
        data = urllib.parse.urlencode({"query": BANGS}).encode()
        try:
            with urllib.request.urlopen(base + "/sparql", data=data, timeout=60) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        assert 400 <= status < 600 and json.loads(body)["status"] == status
        with urllib.request.urlopen(base + "/healthz", timeout=10) as resp:  # the server lives
            health = json.loads(resp.read())
        assert health["status"] == "ok" and health["workerNetwork"] in {ISOLATED, ISOLATED_USERNS}
        ask = urllib.parse.quote("ASK { ?s ?p ?o }")
        with urllib.request.urlopen(f"{base}/sparql?query={ask}", timeout=30) as resp:
            assert json.loads(resp.read())["boolean"] is True


# --- 7. no web framework in the workers ---------------------------------------------------------

WEB = ("flask", "werkzeug", "jinja2")


def test_the_pool_and_what_its_fork_server_preloads_import_no_web_framework() -> None:
    """A fresh interpreter importing the pool and the modules its fork server preloads has not
    imported Flask, Werkzeug or Jinja (every query worker would carry them)."""
    code = (
        "import importlib, sys\n"
        "from kgqa.store.pool import PRELOAD\n"
        "for name in [*PRELOAD, 'kgqa.store.base', 'kgqa.store.oxigraph', 'kgqa.store.remote']:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {WEB!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_query_worker_has_not_imported_a_web_framework(mini_state: Any) -> None:
    """Asked by the real worker of a running pool, in a process (pytest's) that has Flask loaded."""
    import flask  # noqa: F401  (the parent has it: the worker must not inherit or import it)

    assert "flask" in sys.modules
    assert mini_state.store.pool.call(("modules", WEB), 10) == []
    assert "pyoxigraph" in mini_state.store.pool.call(("modules", ("pyoxigraph",)), 10)  # the op sees imports
