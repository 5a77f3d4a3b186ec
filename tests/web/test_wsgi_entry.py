"""`service/wsgi.py`: the app a third-party WSGI server imports serves the built graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BIN, free_port, stop, wait_until_responds

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from service.wsgi import app
with app.test_client() as client:
    health = client.get("/healthz")
    answer = client.get("/api/ask", query_string={"q": "who led MiniMax's round?"})
print(json.dumps({"health": health.status_code, "triples": health.get_json()["triples"],
                  "answers": [a["label"] for a in answer.get_json()["answers"]]}))
app.extensions["kgqa"].close()
"""


def test_the_wsgi_module_serves_the_built_graph() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGQA_")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT)], capture_output=True, text=True, timeout=180, env=env, cwd="/"
    )
    assert out.returncode == 0, out.stderr[-2000:]
    reply = json.loads(out.stdout.strip().splitlines()[-1])
    assert reply["health"] == 200
    assert reply["triples"] > 1000
    assert reply["answers"] == ["Alibaba Group"]


@pytest.mark.server
def test_waitress_serve_runs_the_wsgi_module() -> None:
    """The README's example: `waitress-serve service.wsgi:app` from the repository root."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGQA_")}
    proc = subprocess.Popen(
        [str(BIN / "waitress-serve"), "--listen", f"127.0.0.1:{port}", "service.wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_responds(f"http://127.0.0.1:{port}/healthz", timeout=120, proc=proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ask?q=who+led+MiniMax%27s+round%3F") as resp:
            reply = json.load(resp)
        assert [a["label"] for a in reply["answers"]] == ["Alibaba Group"]
    finally:
        stop(proc)
