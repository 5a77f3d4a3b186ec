"""`kgqa serve --processes N`: N server processes on one port, supervised, stopped cleanly.

End to end on a real server: both processes accept on the shared socket (one is frozen with
SIGSTOP and the other still answers), a killed process is replaced, SIGHUP reaches every process,
and SIGTERM leaves no process of the tree behind (server processes, fork servers, query workers).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT, free_port, stop, wait_until_responds
from tests.procs import wait_for

pytestmark = pytest.mark.server

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return out


def _tree(pid: int) -> list[int]:
    seen, stack = [], [pid]
    while stack:
        p = stack.pop()
        seen.append(p)
        stack.extend(_children(p))
    return seen


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _count(base: str) -> int:
    url = base + "/sparql?" + urllib.parse.urlencode({"query": QUERY})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        return int(json.load(resp)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "kgqa"), "serve", "--port", str(port), "--processes", "2", "--workers", "1", "--threads", "2"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(base + "/healthz", proc=proc)
        wait_for(lambda: "kgqa serving on" in log_path.read_text(), "the supervisor's serving line")
        yield proc, base, log_path
    finally:
        stop(proc)


def test_processes_share_the_port_and_stop_cleanly(two_processes: tuple[subprocess.Popen, str, Path]) -> None:
    proc, base, log_path = two_processes
    servers = _children(proc.pid)
    assert len(servers) == 2, servers
    expected = _count(base)
    assert expected > 0

    # Each process accepts on the shared socket: freeze one at a time, the other answers.
    for frozen in servers:
        os.kill(frozen, signal.SIGSTOP)
        try:
            assert _count(base) == expected
        finally:
            os.kill(frozen, signal.SIGCONT)

    # SIGHUP is relayed: every process reloads its own graph.
    proc.send_signal(signal.SIGHUP)
    wait_for(lambda: log_path.read_text().count("reload: now serving") >= 2, "both processes to reload")

    # A process that dies is replaced, and its query workers and fork server exit with it.
    orphans = _tree(servers[0])
    os.kill(servers[0], signal.SIGKILL)
    # Wait for the supervisor's word first: once, on a clean clone, the /proc scan below already saw
    # two children without the killed one 85 ms before the supervisor had reaped it and said so.
    wait_for(lambda: "exited unexpectedly" in log_path.read_text(), "the supervisor to see the death")
    wait_for(lambda: len(_children(proc.pid)) == 2 and servers[0] not in _children(proc.pid), "a replacement")
    wait_for(lambda: log_path.read_text().count("kgqa serving on http://127.0.0.1") >= 5, "the replacement to serve")
    for _ in range(6):
        assert _count(base) == expected
    wait_for(lambda: not any(_alive(p) for p in orphans), "the killed process's workers to exit", timeout=30)

    # SIGTERM stops the supervisor, the server processes and all of their query workers.
    everything = _tree(proc.pid)
    assert len(everything) >= 1 + 2 * 3  # supervisor; per server: fork server and one query worker at least
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    wait_for(lambda: not any(_alive(p) for p in everything), "every process of the tree to exit", timeout=30)


def test_a_process_that_cannot_start_fails_the_command(tmp_path: Path) -> None:
    """A configuration error stops the whole command (exit 2), leaving nothing running."""
    port = free_port()
    env = {**os.environ, "KGQA_DATA_FILES": str(tmp_path / "missing.trig")}
    result = subprocess.run(
        [str(BIN / "kgqa"), "serve", "--port", str(port), "--processes", "2", "--workers", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "missing.trig" in result.stderr and "exited while starting" in result.stderr
