"""The HTTP layer under hostile or sloppy clients (issue 11), on a real `kgqa serve` and in-process.

Raw sockets where it matters: `requests` and `http.client` normalise the Host header and the request
line, and the server-level behaviour (connection limit, header deadline, waitress's own errors)
only exists in a real server process. Every loop here is bounded and every socket is closed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests.conftest import MINI, serving

CLIENT_TIMEOUT = 60.0  # generous: the assertions are about success, never about speed
CAFE_LATIN1 = "SELECT+%28%22caf%E9%22+AS+%3Fx%29+%7B%7D"  # SELECT ("café" AS ?x) {} with é as ISO-8859-1


# --- a real server -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    """`kgqa serve` on the mini graph with a short header deadline (so the slow-client test is quick)."""
    env_config = {
        "KGQA_DATA_FILES": MINI["KGQA_DATA_FILES"][0],
        "KGQA_ONTOLOGY": MINI["KGQA_ONTOLOGY"],
        "KGQA_QUERIES_DIR": MINI["KGQA_QUERIES_DIR"],
    }
    options = ("--threads", "4", "--workers", "1", "--header-timeout", "2", "--idle-timeout", "5")
    with serving(*options, env=env_config) as base:
        address = urllib.parse.urlsplit(base)
        yield str(address.hostname), int(address.port or 80)


def raw_exchange(address: tuple[str, int], request: bytes, *, timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """Send `request` byte for byte; read the reply until the server closes (or Content-Length)."""
    with socket.create_connection(address, timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "-1"))
        while length < 0 or len(body) < length:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), headers, body


def get_healthz(address: tuple[str, int]) -> int:
    with urllib.request.urlopen(f"http://{address[0]}:{address[1]}/healthz", timeout=CLIENT_TIMEOUT) as resp:
        return resp.status


@pytest.mark.server
@pytest.mark.parametrize("slow", [False, True], ids=["idle", "slow-headers"])
def test_many_idle_or_slow_connections_do_not_lock_others_out(server: tuple[str, int], slow: bool) -> None:
    """150 connections that say nothing (or half a request) and a normal client is still served.

    Before: waitress's 100-connection limit stopped accepting, and the 120 s idle timeout (never
    reached by a client that keeps trickling bytes) held everyone else out.
    """
    socks = []
    try:
        for _ in range(150):
            sock = socket.create_connection(server, timeout=10)
            if slow:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            socks.append(sock)
        assert get_healthz(server) == 200
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.server
def test_slow_header_client_is_disconnected(server: tuple[str, int]) -> None:
    """A client trickling its headers (one byte every 0.2 s) is closed after the header deadline (2 s
    here); before, each byte counted as activity and it was never closed. Bounded: 300 bytes."""
    closed = False
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        for _ in range(300):
            try:
                sock.sendall(b"a")
                sock.settimeout(0.2)
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
    assert closed, "the server kept a connection whose headers never finished"
    assert get_healthz(server) == 200


@pytest.mark.server
@pytest.mark.parametrize(
    "host_lines",
    [b"Host: a:b\r\n", b"Host: x:99999\r\n", b"Host: one.example\r\nHost: two.example\r\n", b"Host: [::1\r\n"],
    ids=["not-a-port", "port-out-of-range", "two-host-headers", "unclosed-ip-literal"],
)
def test_malformed_host_is_400_json(server: tuple[str, int], host_lines: bytes) -> None:
    request = b"GET /sparql HTTP/1.1\r\n" + host_lines + b"Accept: text/turtle\r\nConnection: close\r\n\r\n"
    status, headers, body = raw_exchange(server, request)
    assert status == 400, body[:300]
    assert headers["content-type"].startswith("application/json")
    assert "Host" in json.loads(body)["error"]


@pytest.mark.server
def test_service_description_ignores_the_host_header(server: tuple[str, int]) -> None:
    request = b"GET /sparql HTTP/1.1\r\nHost: evil.example\r\nAccept: text/turtle\r\nConnection: close\r\n\r\n"
    status, _, body = raw_exchange(server, request)
    assert status == 200
    assert b"evil.example" not in body
    assert f"<http://127.0.0.1:{server[1]}/sparql>".encode() in body  # the bound address
    request = b"GET /sparql HTTP/1.1\r\nHost: evil.example\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    status, headers, _ = raw_exchange(server, request)
    assert status == 303 and "evil.example" not in headers["location"]


@pytest.mark.server
@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NOT A REQUEST LINE AT ALL\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n", 431),
        (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100000000\r\n\r\nASK {}",
            413,
        ),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ],
    ids=["bad-request-line", "bad-header-line", "headers-too-large", "body-too-large", "unknown-transfer-encoding"],
)
def test_waitress_errors_are_the_json_envelope(server: tuple[str, int], request_bytes: bytes, status: int) -> None:
    got, headers, body = raw_exchange(server, request_bytes)
    assert got == status, body[:300]
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    envelope = json.loads(body)
    assert envelope["status"] == status and envelope["error"]


@pytest.mark.server
@pytest.mark.parametrize("target", ["/sparql?query=" + CAFE_LATIN1, "/entity/caf%E9", "/api/queries?x=%FF"])
def test_invalid_utf8_in_the_url_is_400(server: tuple[str, int], target: str) -> None:
    """Exactly these bytes on the wire (the Flask test client re-encodes the path)."""
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    status, _, body = raw_exchange(server, request)
    assert status == 400, body[:300]
    assert "not valid UTF-8" in json.loads(body)["error"]


# --- in-process (the Flask app) ----------------------------------------------------------------


def test_deeply_nested_json_is_400(mini_client) -> None:
    for body in ("[" * 5000, '{"question": ' + "[" * 5000, "{" + '"a":{' * 5000):
        r = mini_client.post("/api/ask", data=body, content_type="application/json")
        assert r.status_code == 400, r.data[:200]
        assert "nested too deeply" in r.get_json()["error"]


def test_every_json_route_survives_deep_nesting(mini_app) -> None:
    """Every route that takes POST gets a deeply nested JSON body: a 4xx, never a 500."""
    client = mini_app.test_client()
    for rule in mini_app.url_map.iter_rules():
        if "POST" in (rule.methods or ()) and "<" not in rule.rule:
            r = client.post(rule.rule, data="[" * 5000, content_type="application/json")
            assert 400 <= r.status_code < 500, (rule.rule, r.status_code, r.data[:200])


def _wsgi_get(app, path: str, host: str, accept: str = "text/turtle") -> tuple[str, bytes]:
    # The Flask test client itself fails on some of these hosts (it builds a URL from them), so
    # call the WSGI app directly.
    environ = EnvironBuilder(path=path, headers={"Accept": accept}).get_environ()
    environ["HTTP_HOST"] = host
    body, status, _ = run_wsgi_app(app, environ, buffered=True)
    return status, b"".join(body)


@pytest.mark.parametrize("host", ["a:b", "x:99999", "x:0", "a, b", "[::1", "x y", "a/b"])
def test_malformed_host_in_process(mini_app, host: str) -> None:
    status, body = _wsgi_get(mini_app, "/sparql", host)
    assert status.startswith("400"), (host, status, body[:200])
    assert json.loads(body)["status"] == 400


@pytest.mark.parametrize("host", ["example.org", "example.org:8080", "127.0.0.1:5000", "[::1]:5000", "localhost"])
def test_good_hosts_pass_and_are_not_reflected(mini_app, host: str) -> None:
    status, body = _wsgi_get(mini_app, "/sparql", host)
    assert status.startswith("200"), (host, status, body[:200])
    assert host.encode() not in body or host == "localhost"


def test_public_url_names_the_endpoint(mini_state) -> None:
    from kgqa.web import create_app

    app = create_app({"TESTING": True, **MINI, "KGQA_PUBLIC_URL": "https://kg.example.org/"}, state=mini_state)
    r = app.test_client().get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
    assert r.status_code == 200
    assert b"<https://kg.example.org/sparql>" in r.data and b"evil.example" not in r.data
    spec = app.test_client().get("/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert spec["servers"][0]["url"].startswith("https://kg.example.org")


def test_openapi_does_not_reflect_host(mini_client) -> None:
    spec = mini_client.get("/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert "evil.example" not in json.dumps(spec)


def test_head_sparql_answers_like_get(mini_client) -> None:
    for accept in ("text/turtle", "application/n-triples", "text/html"):
        get = mini_client.get("/sparql", headers={"Accept": accept})
        head = mini_client.head("/sparql", headers={"Accept": accept})
        assert head.status_code == get.status_code, (accept, head.status_code, get.status_code)
        assert head.headers.get("Content-Type") == get.headers.get("Content-Type")
        assert head.data == b""


def test_invalid_utf8_is_400(mini_client) -> None:
    r = mini_client.get("/sparql?query=" + CAFE_LATIN1)
    assert r.status_code == 400 and "UTF-8" in r.get_json()["error"]
    form = "application/x-www-form-urlencoded"
    r = mini_client.post("/sparql", data=("query=" + CAFE_LATIN1).encode(), content_type=form)
    assert r.status_code == 400 and "utf-8" in r.get_json()["error"]
    query = 'SELECT ("caf\xe9" AS ?x) {}'.encode("latin-1")
    r = mini_client.post("/sparql", data=query, content_type="application/sparql-query")
    assert r.status_code == 400 and "utf-8" in r.get_json()["error"]
    boundary = "kgqa-boundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="query"\r\n\r\n'.encode()
        + query
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = mini_client.post("/sparql", data=multipart, content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 400 and "multipart form body" in r.get_json()["error"]
    good = multipart.replace(query, 'SELECT ("caf\xe9" AS ?x) {}'.encode())
    r = mini_client.post(
        "/sparql",
        data=good,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200 and r.get_json()["results"]["bindings"][0]["x"]["value"] == "caf\xe9"


def test_declared_charset_is_respected(mini_client) -> None:
    query = 'SELECT ("caf\xe9" AS ?x) {}'
    for content_type, body in (
        ("application/sparql-query; charset=UTF-8", query.encode("utf-8")),
        ("application/x-www-form-urlencoded; charset=iso-8859-1", ("query=" + CAFE_LATIN1).encode()),
        ("application/sparql-query", query.encode("utf-8")),
        ("application/x-www-form-urlencoded", ("query=" + urllib.parse.quote_plus(query)).encode()),
    ):
        r = mini_client.post("/sparql", data=body, content_type=content_type, headers={"Accept": "application/json"})
        assert r.status_code == 200, (content_type, r.data[:200])
        assert r.get_json()["results"]["bindings"][0]["x"]["value"] == "caf\xe9"
    r = mini_client.post("/sparql", data=b"ASK {}", content_type="application/sparql-query; charset=no-such-charset")
    assert r.status_code == 415 and "no-such-charset" in r.get_json()["error"]
    # A direct POST body is UTF-8 by the Protocol: another declared charset is refused, not decoded.
    utf16 = "ASK {}".encode("utf-16")
    r = mini_client.post("/sparql", data=utf16, content_type="application/sparql-query; charset=UTF-16")
    assert r.status_code == 415 and "must be UTF-8" in r.get_json()["error"]


def test_dataset_refusal_is_400_and_update_stays_403(mini_client) -> None:
    r = mini_client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "http://x/"})
    assert r.status_code == 400 and r.get_json()["graph"] == "http://x/"
    r = mini_client.get("/sparql", query_string={"query": "ASK FROM <http://x/> {}"})
    assert r.status_code == 400 and r.get_json()["graph"] == "http://x/"
    r = mini_client.get("/sparql", query_string={"update": "DROP ALL"})
    assert r.status_code == 403


def _all_gets(app) -> list[str]:
    """One URL per GET route of the app (path variables filled with something plausible)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", "x").replace(f"<path:{arg}>", "x").replace(f"<string:{arg}>", "x")
        urls.append(path)
    return urls


def test_every_reply_has_nosniff_and_html_has_csp(mini_app) -> None:
    client = mini_app.test_client()
    urls = [
        *_all_gets(mini_app),
        "/static/web/kgqa.css",
        "/static/web/favicon.svg",
        "/no/such/page",
        "/sparql?query=SELEC",
        "/sparql?query=ASK%7B%7D",
        "/sparql?query=ASK%7B%7D&format=csv",
    ]
    assert len(urls) > 10
    for url in urls:
        for accept in ("text/html", "application/json", "*/*"):
            r = client.get(url, headers={"Accept": accept})
            assert r.headers.get("X-Content-Type-Options") == "nosniff", (url, accept, r.status_code)
            if r.mimetype in ("text/html", "image/svg+xml"):
                csp = r.headers.get("Content-Security-Policy", "")
                # Scripts from the service only; error pages run none at all.
                scripts = "script-src 'self'" in csp or "script-src 'none'" in csp
                assert "frame-ancestors 'none'" in csp and scripts, (url, accept)
    for method in (client.post, client.put, client.delete, client.options):
        r = method("/sparql")
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (method, r.status_code)


def test_entity_and_error_pages_have_csp(mini_client) -> None:
    """The entity page (another blueprint than the web pages) had no CSP before issue 11."""
    for url, status in (("/entity/Alpha", 200), ("/entity/NoSuchThing", 404)):
        r = mini_client.get(url, headers={"Accept": "text/html"})
        assert r.status_code == status
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        if r.mimetype == "text/html":
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert mini_client.get("/entity/Alpha", headers={"Accept": "text/html"}).mimetype == "text/html"
