"""`kgqa serve/query --endpoint` and `kgqa load --endpoint` when the remote store is wrong, as a user runs them.

A wrong or unreachable endpoint is a sentence naming the URL and exit 2 (the command could not
run), never a traceback; an HTTP status is reported as that status, not as "could not be
reached". `kgqa load` parses every file before it sends anything, and a PUT that fails says
which graphs were already replaced.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import BIN, ROOT, free_port
from tests.traps import loopback_server


@contextlib.contextmanager
def answering(*statuses: int) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server answering each request with the next status (the last one repeats);
    yields its base URL and the list of "METHOD path" it received."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(f"{self.command} {self.path}")
            status = statuses[min(len(seen), len(statuses)) - 1]
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"no")

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args: object) -> None:
            pass

    with loopback_server(Handler) as base:
        yield base, seen


def kgqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "kgqa"), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _says(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    for word in words:
        assert word in proc.stderr, (word, proc.stderr[-2000:])


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["query", "--name", "statistics"]])
def test_an_unreachable_endpoint_is_a_sentence_and_exit_2(command: list[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    _says(kgqa(*command, "--endpoint", url), url, "could not be reached")


@pytest.mark.parametrize(("status", "words"), [(406, ["406", "formats"]), (404, ["404"]), (405, ["405"])])
def test_an_endpoint_answering_a_status_names_it(status: int, words: list[str]) -> None:
    with answering(status) as (base, _):
        proc = kgqa("serve", "--port", "0", "--endpoint", base + "/sparql")
    _says(proc, base + "/sparql", *words)
    assert "could not be reached" not in proc.stderr


def test_load_into_an_unreachable_graph_store_names_it() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    _says(kgqa("load", "--endpoint", url), url.removesuffix("/sparql") + "/store", "could not be reached")


def test_load_into_what_is_no_graph_store_names_the_url_and_the_status() -> None:
    with answering(501) as (base, seen):
        proc = kgqa("load", "--endpoint", base + "/sparql")
    _says(proc, base + "/store?graph=", "501", "--graph-store")
    assert len(seen) == 1  # it stopped at the first refusal


def test_a_failed_put_says_which_graphs_were_already_replaced() -> None:
    with answering(201, 500) as (base, seen):
        proc = kgqa("load", "--endpoint", base + "/sparql", "--graph-store", base + "/gsp")
    _says(proc, "HTTP 500", "Already replaced: <https://w3id.org/kgqa/graph/", "run the load again")
    assert [s.split("?")[0] for s in seen] == ["PUT /gsp", "PUT /gsp"]


def test_a_file_that_does_not_parse_sends_nothing(tmp_path) -> None:
    good = tmp_path / "good.nt"
    good.write_text("<http://a/s> <http://a/p> <http://a/o> .\n", encoding="utf-8")
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://a/s> <http://a/p> .\n", encoding="utf-8")
    with answering(201) as (base, seen):
        proc = kgqa("load", "--endpoint", base + "/sparql", str(good), str(bad))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert seen == []


def test_load_logs_in_with_digest_authentication() -> None:
    """The Graph Store asks for digest authentication (as Virtuoso's /sparql-graph-crud-auth does):
    `--user NAME` with the password in KGQA_GRAPH_STORE_PASSWORD answers it."""
    import hashlib

    realm, nonce = "kgqa-test", "abc123"
    seen: list[str] = []

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    class Digest(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            auth = self.headers.get("Authorization", "")
            fields = dict(part.strip().split("=", 1) for part in auth.removeprefix("Digest ").split(",") if "=" in part)
            fields = {k: v.strip('"') for k, v in fields.items()}
            if fields:
                ha1, ha2 = h(f"{fields['username']}:{realm}:secret"), h(f"PUT:{fields['uri']}")
                want = h(f"{ha1}:{nonce}:{fields['nc']}:{fields['cnonce']}:{fields['qop']}:{ha2}")
                if fields["response"] == want:
                    seen.append(fields["username"])
                    self.send_response(201)
                    self.end_headers()
                    return
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Digest realm="{realm}", nonce="{nonce}", qop="auth"')
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with loopback_server(Digest) as base:
        env = {**os.environ, "KGQA_GRAPH_STORE_PASSWORD": "secret"}
        args = [str(BIN / "kgqa"), "load", "--endpoint", base + "/sparql", "--graph-store", base + "/gsp"]
        ok = subprocess.run([*args, "--user", "dba"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert ok.returncode == 0, ok.stderr[-2000:]
        assert seen == ["dba"] * 3  # asserted, inferred, ontology
        wrong = subprocess.run(
            [*args, "--user", "dba:wrong"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        _says(wrong, "HTTP 401", "--user")
