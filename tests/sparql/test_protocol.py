"""SPARQL 1.1 Protocol request parsing as pure functions (`kgqa.sparql.protocol`), table-tested.

Each row is a request as plain values and what the protocol makes of it: the query and dataset
parameters, or the error a client gets. The same rules over HTTP are in tests/web/test_sparql_protocol.py
and tests/web/test_bad_inputs.py; here they need no app, no store and no server.
"""

from __future__ import annotations

import pytest

from kgqa.errors import BadQuery, Forbidden, NotFound, TooLarge, UnsupportedMediaType
from kgqa.sparql.protocol import (
    HttpRequest,
    body_charset,
    decode_urlencoded,
    form_unquote,
    format_params,
    graph_store_target,
    query_body_charset,
    read_request,
)

LIMIT = 1000
Q = "ASK {}"
FORM = "application/x-www-form-urlencoded"


def _never() -> bytes:
    raise AssertionError("the body was read, though it should not have been")


# (id, request, (query, default-graph-uri, named-graph-uri, format params))
ACCEPTED = [
    ("get", HttpRequest("GET", args={"query": [Q]}), (Q, [], [], [])),
    ("get-no-query", HttpRequest("GET"), (None, [], [], [])),
    ("head", HttpRequest("HEAD", args={"query": [Q]}), (Q, [], [], [])),
    (
        "get-dataset",
        HttpRequest("GET", args={"query": [Q], "default-graph-uri": ["a", "b"], "named-graph-uri": ["c"]}),
        (Q, ["a", "b"], ["c"], []),
    ),
    ("form", HttpRequest("POST", FORM, body=b"query=ASK+%7B%7D"), (Q, [], [], [])),
    ("form-no-type", HttpRequest("POST", "", body=b"", args={"query": [Q]}), (Q, [], [], [])),
    (
        "form-dataset-both-places",
        HttpRequest("POST", FORM, body=b"query=ASK+%7B%7D&default-graph-uri=f", args={"default-graph-uri": ["u"]}),
        (Q, ["u", "f"], [], []),
    ),
    (
        "form-latin1",
        HttpRequest("POST", FORM, "iso-8859-1", body=b"query=ASK+%7B%7D+%23caf%E9"),
        (Q + " #café", [], [], []),
    ),
    ("direct", HttpRequest("POST", "application/sparql-query", body=Q.encode()), (Q, [], [], [])),
    ("direct-ascii", HttpRequest("POST", "application/sparql-query", "us-ascii", body=Q.encode()), (Q, [], [], [])),
    (
        "format-params-url-then-form",
        HttpRequest("POST", FORM, body=b"query=ASK+%7B%7D&format=json&output=xml", args={"format": ["csv"]}),
        (Q, [], [], ["csv", "json", "xml"]),
    ),
    (
        "multipart",
        HttpRequest("POST", "multipart/form-data", body=b"--x\r\n...", multipart=lambda: {"query": [Q]}),
        (Q, [], [], []),
    ),
]


@pytest.mark.parametrize(("req", "expected"), [r[1:] for r in ACCEPTED], ids=[r[0] for r in ACCEPTED])
def test_read_request_accepts(req: HttpRequest, expected: tuple) -> None:
    got = read_request(req, max_bytes=LIMIT)
    assert (got.query, got.default_graph_uris, got.named_graph_uris, got.format_params) == expected


# (id, request, error class, words in its message)
REFUSED = [
    ("update-param-get", HttpRequest("GET", args={"update": ["DROP ALL"]}), Forbidden, "read-only"),
    ("update-param-form", HttpRequest("POST", FORM, body=b"update=DROP+ALL"), Forbidden, "read-only"),
    ("update-body", HttpRequest("POST", "application/sparql-update", body=b"DROP ALL"), Forbidden, "read-only"),
    ("two-queries", HttpRequest("GET", args={"query": [Q, Q]}), BadQuery, "exactly one"),
    ("two-queries-form-and-url", HttpRequest("POST", FORM, body=b"query=a", args={"query": ["b"]}), BadQuery, "one"),
    ("body-type", HttpRequest("POST", "text/plain", body=b"ASK {}"), BadQuery, "unsupported request body type"),
    (
        "direct-too-long-unread",
        HttpRequest("POST", "application/sparql-query", content_length=LIMIT + 1, body=_never),
        TooLarge,
        f"{LIMIT} byte limit",
    ),
    (
        "direct-utf16",
        HttpRequest("POST", "application/sparql-query", "utf-16", body=Q.encode("utf-16")),
        UnsupportedMediaType,
        "must be UTF-8",
    ),
    (
        "direct-bad-utf8",
        HttpRequest("POST", "application/sparql-query", body=b"ASK { # caf\xe9 }"),
        BadQuery,
        "byte 0xe9",
    ),
    (
        "form-unknown-charset",
        HttpRequest("POST", FORM, "no-such-charset", body=b"query=x"),
        UnsupportedMediaType,
        "unknown charset",
    ),
    ("form-bad-utf8", HttpRequest("POST", FORM, body=b"query=caf%E9"), BadQuery, "not valid utf-8"),
    (
        "multipart-bad-utf8-before-parsing",
        HttpRequest("POST", "multipart/form-data", body=b"caf\xe9", multipart=lambda: pytest.fail("parsed")),
        BadQuery,
        "multipart form body",
    ),
]


@pytest.mark.parametrize(("req", "error", "says"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_read_request_refuses(req: HttpRequest, error: type, says: str) -> None:
    with pytest.raises(error) as info:
        read_request(req, max_bytes=LIMIT)
    assert says.lower() in info.value.message.lower()


def test_a_get_never_reads_the_body() -> None:
    assert read_request(HttpRequest("GET", args={"query": [Q]}, body=_never), max_bytes=LIMIT).query == Q


@pytest.mark.parametrize(
    ("declared", "codec"),
    [(None, "utf-8"), ("UTF-8", "utf-8"), ("latin-1", "iso8859-1"), ("us-ascii", "ascii"), ("utf-16", "utf-16")],
)
def test_body_charset(declared: str | None, codec: str) -> None:
    assert body_charset(declared) == codec


@pytest.mark.parametrize("declared", ["", "klingon", "utf-9"])
def test_body_charset_refuses_what_has_no_codec(declared: str) -> None:
    with pytest.raises(UnsupportedMediaType):
        body_charset(declared)


@pytest.mark.parametrize(("declared", "ok"), [(None, True), ("utf-8", True), ("ascii", True), ("latin-1", False)])
def test_query_body_charset_is_utf8_only(declared: str | None, ok: bool) -> None:
    if ok:
        assert query_body_charset(declared) in {"utf-8", "ascii"}
    else:
        with pytest.raises(UnsupportedMediaType):
            query_body_charset(declared)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [(b"a+b", b"a b"), (b"%2B", b"+"), (b"%E9", b"\xe9"), (b"100%", b"100%"), (b"", b"")],
)
def test_form_unquote(raw: bytes, decoded: bytes) -> None:
    assert form_unquote(raw) == decoded


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b"", {}),
        (b"a=1&a=2&b", {"a": ["1", "2"], "b": [""]}),
        (b"&&q=x&", {"q": ["x"]}),
        (b"q=%3D%26", {"q": ["=&"]}),
    ],
)
def test_decode_urlencoded(body: bytes, fields: dict) -> None:
    assert decode_urlencoded(body, "utf-8") == fields


def test_format_params_by_parameter_then_source() -> None:
    assert format_params({"output": ["o"], "format": ["f1"]}, {"format": ["f2"], "results": ["r"]}) == [
        "f1",
        "f2",
        "o",
        "r",
    ]


GRAPHS = frozenset({"https://w3id.org/kgqa/graph/asserted", "https://w3id.org/kgqa/graph/ontology"})


@pytest.mark.parametrize(
    ("args", "target"),
    [
        ({}, (sorted(GRAPHS), "kgqa-store")),
        ({"default": [""]}, (sorted(GRAPHS), "kgqa-store")),
        ({"graph": ["https://w3id.org/kgqa/graph/ontology"]}, (["https://w3id.org/kgqa/graph/ontology"], "ontology")),
    ],
)
def test_graph_store_target(args: dict, target: tuple) -> None:
    assert graph_store_target(args, GRAPHS) == target


def test_graph_store_target_refuses() -> None:
    with pytest.raises(BadQuery, match="not both"):
        graph_store_target({"default": [""], "graph": ["x"]}, GRAPHS)
    with pytest.raises(NotFound) as info:
        graph_store_target({"graph": ["https://example.org/nope"]}, GRAPHS)
    assert info.value.context == {"graph": "https://example.org/nope"}
