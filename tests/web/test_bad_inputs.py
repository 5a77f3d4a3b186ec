"""A catalogue of bad inputs over every route (issue 7): each gets the right status and a helpful
message, and none of them changes the graph, reaches the network or reads a file.

The table `CASES` is the catalogue. Each row is sent exactly as written (method, target with its
query string already percent-encoded, headers, body), twice: to a real `kgqa serve` over a socket,
and to the app in process. Proofs that nothing happened besides the reply:
- a loopback HTTP server (`trap`) counts every request it receives; queries name it in SERVICE,
  FROM, LOAD and as parameters; it must count zero;
- a canary file holds RDF with a secret; queries name it by `file:` IRI and path; the secret must
  appear in no reply, and, in process, an audit hook (PEP 578) records any `open()` of it or any
  `socket.connect()` to the trap: none may happen;
- the store's content is the same before and after: same triple count and the same checksum,
  computed by a SPARQL query over every quad (order-free: a sum of per-quad SHA-256 prefixes).
Some rows expect a 200: a question full of SPARQL, quotes or right-to-left marks is answered (or
"unknown") like any other, and its text must not reach the query.

Found by this catalogue (fixed): a 6 KB query of nested `{` crashed the whole server process with
SIGSEGV inside pyoxigraph's parser (now a 400 before any parser runs); `\\UFFFFFFFF` in a query and
a lone-surrogate escape in a JSON body were 500s; a repeated canned-query parameter was silently
reduced to its first value.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.traps import SECRET, TrapHandler


@dataclass(frozen=True)
class Bad:
    """One catalogue row. `{trap}` and `{canary}` in target/body are filled in at run time."""

    id: str
    method: str
    target: str
    status: int
    says: str  # a piece of the error message (or, for a 200, of the reply), case-insensitive
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    over_http_only: bool = False


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def sparql(text: str, status: int, says: str, id: str) -> Bad:
    return Bad(id, "GET", "/sparql?query=" + q(text), status, says)


NEST = 5000  # enough to crash pyoxigraph 0.5.13's parser (SIGSEGV) if it ever saw the query
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
READ_ONLY = "read-only"
ESCAPE_OUTSIDE = "only read inside strings and IRIs"
NOT_IN_STORE = "not a graph in this store"

CASES: list[Bad] = [
    # --- malformed, truncated, oversized, deeply nested SPARQL ---
    sparql("SELEC * WHERE { ?s ?p ?o }", 400, "SPARQL syntax error at line 1, column 1", "typo"),
    sparql("SELECT * WHERE { ?s ?p", 400, "SPARQL syntax error at line 1", "truncated-group"),
    sparql('SELECT * WHERE { ?s ?p "abc', 400, "SPARQL syntax error at line 1", "truncated-string"),
    sparql("PREFIX x: <http://x/", 400, "SPARQL syntax error", "truncated-prefix"),
    Bad("empty-query", "GET", "/sparql?query=", 400, "missing query"),
    Bad("huge-query-get", "GET", "/sparql?query=" + q("ASK {} #" + "x" * 70_000), 413, "byte limit"),
    Bad("huge-query-post", "POST", "/sparql", 413, "byte limit", b"ASK {} #" + b"x" * 200_000, SPARQL_QUERY),
    Bad("huge-form-body", "POST", "/sparql", 413, "too large", b"query=" + b"x" * 300_000, FORM),
    Bad("huge-body-2mb", "POST", "/sparql", 413, "too large", b"x" * 2_000_000, SPARQL_QUERY, over_http_only=True),
    sparql("SELECT * WHERE " + "{" * NEST + "?s ?p ?o" + "}" * NEST, 400, "nests", "nested-braces"),
    sparql("ASK { FILTER(" + "(" * NEST + "1" + ")" * NEST + ") }", 400, "nests", "nested-parentheses"),
    sparql("ASK { ?s ?p " + "[ ?p " * NEST + "1" + " ]" * NEST + " }", 400, "nests", "nested-brackets"),
    # Escapes are read inside strings and IRIs only, as the engine reads them: elsewhere a 400.
    sparql("SELECT * WHERE " + "\\u007B" * NEST + "?s" + "}" * NEST, 400, ESCAPE_OUTSIDE, "nested-escaped-braces"),
    sparql("ASK { \x00 }", 400, "SPARQL syntax error", "nul-byte"),
    Bad("nul-byte-body", "POST", "/sparql", 400, "SPARQL syntax error", b"ASK { ?s ?p \x00 }", SPARQL_QUERY),
    # Bytes that are not UTF-8 are refused as such, not run with U+FFFD in their place (issue 11).
    Bad("non-utf8-body", "POST", "/sparql", 400, "is not valid utf-8", b"ASK { ?s ?p \xff\xfe }", SPARQL_QUERY),
    Bad("non-utf8-get", "GET", "/sparql?query=ASK%20%7B%20%FF%FE%20%7D", 400, "is not valid UTF-8"),
    sparql("ASK { ?s ?p '\\UFFFFFFFF' }", 400, "is not a Unicode code point", "bad-u-escape"),
    # --- wrong content types, unknown and repeated parameters, absurd Accept headers ---
    Bad(
        "text-plain-body",
        "POST",
        "/sparql",
        400,
        "unsupported request body type",
        b"ASK {}",
        {"Content-Type": "text/plain"},
    ),
    Bad("json-body", "POST", "/sparql", 400, "unsupported request body type", b'{"query": "ASK {}"}', JSON),
    Bad("repeated-query", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", 400, "exactly one"),
    Bad("accept-image", "GET", "/sparql?query=ASK%7B%7D", 406, "available", headers={"Accept": "image/png"}),
    Bad(
        "accept-q0",
        "GET",
        "/sparql?query=ASK%7B%7D",
        406,
        "available",
        headers={"Accept": "application/sparql-results+json;q=0, */*;q=0"},
    ),
    Bad(
        "accept-8kb-garbage",
        "GET",
        "/sparql?query=ASK%7B%7D",
        406,
        "available",
        headers={"Accept": ", ".join(f"x-{i}/y-{i};q=0.{i % 10}" for i in range(500))},
    ),
    Bad("accept-entity", "GET", "/entity/MiniMax", 406, "available", headers={"Accept": "application/x-nonsense"}),
    Bad("accept-graph", "GET", "/graph", 406, "available", headers={"Accept": "image/png"}),
    # --- SPARQL Update in every spelling ---
    Bad("update-param", "GET", "/sparql?update=" + q("DROP ALL"), 403, READ_ONLY),
    Bad("update-body", "POST", "/sparql", 403, READ_ONLY, b"DROP ALL", {"Content-Type": "application/sparql-update"}),
    Bad("update-form", "POST", "/sparql", 403, READ_ONLY, b"update=" + q("CLEAR ALL").encode(), FORM),
    sparql("INSERT DATA { <http://x/s> <http://x/p> 1 }", 403, READ_ONLY, "insert-data"),
    sparql("dElEtE wHeRe { ?s ?p ?o }", 403, READ_ONLY, "delete-where-mixed-case"),
    sparql("WITH <http://x/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", 403, READ_ONLY, "with-delete"),
    sparql("\\u0049NSERT DATA { <http://x/s> <http://x/p> 1 }", 400, ESCAPE_OUTSIDE, "insert-u-escape"),
    sparql("# comment\nDROP # more\n SILENT ALL", 403, READ_ONLY, "drop-with-comments"),
    sparql("CLEAR GRAPH <https://w3id.org/kgqa/graph/asserted>", 403, READ_ONLY, "clear-graph"),
    sparql("CREATE GRAPH <http://x/g>", 403, READ_ONLY, "create"),
    sparql("COPY DEFAULT TO <http://x/g>", 403, READ_ONLY, "copy"),
    sparql("MOVE DEFAULT TO <http://x/g>", 403, READ_ONLY, "move"),
    sparql("ADD DEFAULT TO <http://x/g>", 403, READ_ONLY, "add"),
    sparql("INSERT DATA { <http://x/s> <http://x/p> 1 } ; DROP ALL", 403, READ_ONLY, "two-updates"),
    sparql("LOAD <{trap}/data.nt>", 403, READ_ONLY, "load-http"),
    sparql("LOAD <file://{canary}> INTO GRAPH <http://x/g>", 403, READ_ONLY, "load-file"),
    # --- SERVICE, FROM and dataset parameters outside the store ---
    sparql("SELECT * WHERE { SERVICE <{trap}/sparql> { ?s ?p ?o } }", 403, "SERVICE", "service"),
    sparql("select * where { optional { service silent <{trap}/a> { ?s ?p ?o } } }", 403, "SERVICE", "service-silent"),
    sparql("SELECT * WHERE { \\u0053ERVICE <{trap}/b> { ?s ?p ?o } }", 400, ESCAPE_OUTSIDE, "service-u-escape"),
    sparql("SELECT * FROM <file://{canary}> WHERE { ?s ?p ?o }", 400, NOT_IN_STORE, "from-file"),
    sparql("SELECT * FROM NAMED <file://{canary}> WHERE { GRAPH ?g { ?s ?p ?o } }", 400, NOT_IN_STORE, "from-named"),
    sparql("SELECT * FROM <{trap}/data.nt> WHERE { ?s ?p ?o }", 400, NOT_IN_STORE, "from-loopback"),
    Bad("default-graph-uri", "GET", "/sparql?query=ASK%7B%7D&default-graph-uri=" + q("{trap}/g"), 400, "not a graph"),
    Bad(
        "named-graph-uri", "GET", "/sparql?query=ASK%7B%7D&named-graph-uri=" + q("file://{canary}"), 400, "not a graph"
    ),
    Bad("gsp-file", "GET", "/store?graph=" + q("file://{canary}"), 404, "no graph"),
    Bad("gsp-loopback", "GET", "/store?graph=" + q("{trap}/g"), 404, "no graph"),
    # --- questions: confusables, right-to-left text, injection ---
    Bad("ask-missing", "GET", "/api/ask", 400, "missing question"),
    Bad("ask-nul", "GET", "/api/ask?q=who%00led", 400, "control characters"),
    Bad("ask-too-long", "GET", "/api/ask?q=" + "why" * 200, 400, "the limit is 500"),
    Bad("ask-not-object", "POST", "/api/ask", 400, "must be a JSON object", b"[1, 2]", JSON),
    Bad("ask-not-string", "POST", "/api/ask", 400, "must be a string", b'{"question": {"$ne": 1}}', JSON),
    Bad("ask-bad-json", "POST", "/api/ask", 400, "must be a JSON object", b'{"question": \xff}', JSON),
    Bad("ask-lone-surrogate", "POST", "/api/ask", 400, "lone surrogate", b'{"question": "who led \\ud800?"}', JSON),
    Bad("ask-wrong-type", "POST", "/api/ask", 400, "missing question", b"question=hi", {"Content-Type": "text/plain"}),
    Bad("ask-method", "PUT", "/api/ask", 405, "not allowed", b"x", JSON),
    Bad("ask-rtl", "GET", "/api/ask?q=" + q("\u202ewho led MiniMax's round?\u202c"), 200, '"status"'),
    Bad("ask-confusable", "GET", "/api/ask?q=" + q("who led Мinimax’s rоund?"), 200, '"status"'),
    Bad("ask-sparql-injection", "GET", "/api/ask?q=" + q("who led MiniMax' } ; DROP ALL ; #"), 200, '"status"'),
    Bad(
        "ask-service-injection",
        "POST",
        "/api/ask",
        200,
        '"status"',
        json.dumps({"question": "who backs MiniMax } SERVICE <{trap}/s> { ?s ?p ?o } #"}).encode(),
        JSON,
    ),
    Bad(
        "ask-load-injection",
        "GET",
        "/api/ask?q=" + q("LOAD <file://{canary}> who led MiniMax's round"),
        200,
        '"status"',
    ),
    # --- canned queries: unknown, repeated and injected parameters ---
    Bad("canned-unknown-param", "GET", "/api/queries/unicorns?foo=1", 400, "unknown parameter 'foo'"),
    Bad("canned-repeated-param", "GET", "/api/queries/parent?company=Alibaba&company=Tencent", 400, "given 2 times"),
    Bad("canned-missing-param", "GET", "/api/queries/parent", 400, "missing parameter 'company'"),
    Bad(
        "canned-iri-injection",
        "GET",
        "/api/queries/parent?company=" + q("Alibaba> } ; DROP ALL #"),
        400,
        "no entity is called",
    ),
    Bad("canned-iri-file", "GET", "/api/queries/parent?company=" + q("file://{canary}"), 400, "is not in the graph"),
    Bad("canned-iri-loopback", "GET", "/api/queries/parent?company=" + q("{trap}/x"), 400, "is not in the graph"),
    Bad(
        "canned-string-injection",
        "GET",
        "/api/queries/entity-search?text=" + q('" } UNION { ?s ?p ?o } SERVICE <{trap}/x> {} #'),
        200,
        "UNION { ?s ?p ?o }",  # echoed back as the bound literal, and matching nothing
    ),
    Bad("canned-number-dos", "GET", "/api/queries/valued-above?amount=1e999999", 400, "out of range"),
    Bad("canned-bad-format", "GET", "/api/queries/unicorns?format=png", 406, "format must be one of"),
    Bad("canned-traversal", "GET", "/api/queries/..%2F..%2Fetc%2Fpasswd", 404, "no such resource"),
    # --- path traversal in /entity/ and static files ---
    Bad("entity-traversal", "GET", "/entity/..%2F..%2F..%2Fetc%2Fpasswd", 404, "no entity"),
    Bad("entity-canary", "GET", "/entity/" + q("file://{canary}"), 404, "no entity"),
    Bad("entity-nul", "GET", "/entity/%00", 404, "no entity"),
    Bad("entity-script", "GET", "/entity/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 404, "no entity"),
    Bad("static-dotdot", "GET", "/static/web/%2e%2e/%2e%2e/%2e%2e/kgqa/settings.py", 404, "no such resource"),
    Bad("static-encoded-slash", "GET", "/static/web/..%2f..%2f..%2fservice%2fconfig.py", 404, "no such resource"),
    Bad("static-backslash", "GET", "/static/web/css/..%5c..%5c..%5cconfig.py", 404, "no such resource"),
    Bad("static-absolute", "GET", "/static/web//etc/passwd", 404, "no such resource"),
    # --- methods ---
    Bad("sparql-delete", "DELETE", "/sparql", 405, "not allowed"),
    Bad("entity-post", "POST", "/entity/MiniMax", 405, "not allowed", b"x", JSON),
]

# A checksum of the store's content in one SPARQL query, so it works the same over HTTP and in
# process: per quad, the first six hex digits of a SHA-256 of its text (blank nodes as "_:", since
# their labels differ between worker processes), summed; plus the count.
_HEX = '"0123456789abcdef"'
_DIGITS = " + ".join(f"STRLEN(STRBEFORE({_HEX}, SUBSTR(?h, {i + 1}, 1))) * {16 ** (5 - i)}" for i in range(6))
CHECKSUM = f"""SELECT (COUNT(*) AS ?n) (SUM(?x) AS ?sum) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  BIND (SHA256(CONCAT(STR(?g), " ", IF(isBlank(?s), "_:", STR(?s)), " ", STR(?p), " ",
        IF(isBlank(?o), "_:", CONCAT(STR(?o), "|", IF(isLiteral(?o), CONCAT(LANG(?o), "|", STR(DATATYPE(?o))), "")))))
        AS ?h)
  BIND ({_DIGITS} AS ?x)
}}"""


_AUDIT: list[str] = []
_WATCH: dict[str, Any] = {"paths": set(), "ports": set()}


def _audit(event: str, args: tuple) -> None:
    """PEP 578 hook: in this process, record any open() of the canary and any connect() to the trap."""
    if event == "open" and args and str(args[0]) in _WATCH["paths"]:
        _AUDIT.append(f"open {args[0]}")
    elif (
        event == "socket.connect"
        and len(args) > 1
        and isinstance(args[1], tuple)
        and len(args[1]) >= 2
        and args[1][1] in _WATCH["ports"]
    ):
        _AUDIT.append(f"connect {args[1]}")


sys.addaudithook(_audit)  # hooks cannot be removed; this one only records what it watches


def fill(case: Bad, trap: str, canary: Path) -> tuple[str, bytes | None]:
    """The row's target and body with the trap URL and canary path filled in (raw or %-encoded)."""
    target, body = case.target, case.body
    for key, value in (("{trap}", trap), ("{canary}", str(canary))):
        target = target.replace(key, value).replace(q(key), q(value))
        if body is not None:
            body = body.replace(key.encode(), value.encode())
    return target, body


def send_http(base: str, method: str, target: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
    """Send the request exactly as given (no client-side normalisation of the path)."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for key, value in headers.items():
            conn.putheader(key, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            # The server may answer (413) and close before reading all of it.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                conn.send(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def checksum_over_http(base: str) -> tuple[int, int]:
    status, data = send_http(base, "GET", "/sparql?query=" + q(CHECKSUM), None, {})
    assert status == 200, data[:300]
    row = json.loads(data)["results"]["bindings"][0]
    return int(row["n"]["value"]), int(row["sum"]["value"])


def checksum_in_process(client: Any) -> tuple[int, int]:
    r = client.get("/sparql", query_string={"query": CHECKSUM})
    assert r.status_code == 200, r.data[:300]
    row = r.get_json()["results"]["bindings"][0]
    return int(row["n"]["value"]), int(row["sum"]["value"])


def check_reply(case: Bad, status: int, data: bytes, trap: str) -> None:
    text = data.decode("utf-8", "replace")
    assert status == case.status, f"{case.id}: {status} {text[:300]}"
    assert case.says.lower() in text.lower(), f"{case.id}: {text[:300]}"
    assert SECRET not in text
    assert "Traceback" not in text
    if 400 <= status < 500 and text.startswith("{"):
        body = json.loads(text)
        assert body["status"] == status and body["error"]
    if case.id.startswith("ask-") and status == 200:
        reply = json.loads(text)
        assert reply["status"] in {"answered", "unknown"}
        for bad in ("DROP", "SERVICE", "LOAD", trap, "file:"):
            assert bad not in (reply.get("sparql") or ""), f"{case.id}: {bad!r} reached the query"


def test_catalogue_is_big_enough() -> None:
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.server
def test_catalogue_over_http(kgqa_server: str, trap: str, canary: Path) -> None:
    """Every row against a real `kgqa serve`; the graph is unchanged and the trap saw nothing."""
    TrapHandler.hits.clear()
    before = checksum_over_http(kgqa_server)
    wrong = []
    for case in CASES:
        target, body = fill(case, trap, canary)
        status, data = send_http(kgqa_server, case.method, target, body, case.headers)
        try:
            check_reply(case, status, data, trap)
        except AssertionError as exc:
            wrong.append(str(exc).splitlines()[0])
    assert not wrong, "\n".join(wrong)
    # The server is alive (the nested-brace rows used to kill it) and its graph unchanged.
    assert checksum_over_http(kgqa_server) == before
    assert TrapHandler.hits == [], "the service made outbound requests"


def test_catalogue_in_process(client: Any, trap: str, canary: Path) -> None:
    """Every row through the WSGI app, under an audit hook that sees file opens and connects."""
    TrapHandler.hits.clear()
    _AUDIT.clear()
    _WATCH["paths"] = {str(canary), str(canary.resolve())}
    _WATCH["ports"] = {int(trap.rsplit(":", 1)[1])}
    before = checksum_in_process(client)
    wrong = []
    try:
        for case in CASES:
            if case.over_http_only:
                continue
            target, body = fill(case, trap, canary)
            r = client.open(target, method=case.method, data=body, headers=case.headers)
            try:
                check_reply(case, r.status_code, r.get_data(), trap)
            except AssertionError as exc:
                wrong.append(str(exc).splitlines()[0])
    finally:
        _WATCH["paths"], _WATCH["ports"] = set(), set()
    assert not wrong, "\n".join(wrong)
    assert checksum_in_process(client) == before
    assert _AUDIT == [], "a watched file was opened or the trap was connected to"
    assert TrapHandler.hits == []


def test_checksum_sees_a_change() -> None:
    """The checksum is not vacuous: one more quad changes it."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(
        path=str(Path(__file__).resolve().parents[1] / "data" / "service" / "mini.trig"), format=ox.RdfFormat.TRIG
    )

    def digest() -> tuple[int, int]:
        row = next(iter(store.query(CHECKSUM)))
        return int(row["n"].value), int(row["sum"].value)

    before = digest()
    store.add(
        ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal(SECRET), ox.NamedNode("http://x/g"))
    )
    assert digest() != before and digest()[0] == before[0] + 1
