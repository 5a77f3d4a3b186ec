"""gzip on the wire (kgqa/web/compress.py): text replies shrink for clients that accept it, and
decompress to exactly what an uncompressed request gets."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import pytest

from kgqa.web import create_app
from kgqa.web.compress import compressible

YASGUI = "/static/web/vendor/yasgui/yasgui.min.js"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    app = create_app({"TESTING": True, "KGQA_WORKERS": 1})
    yield app.test_client()
    app.extensions["kgqa"].close()


@pytest.mark.parametrize(
    "path",
    [YASGUI, "/api/queries", "/", "/graph?format=turtle", "/sparql?query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D"],
    ids=["vendored editor", "catalog JSON", "page", "graph Turtle", "SPARQL JSON"],
)
def test_text_is_gzipped_for_clients_that_accept_it(client: Any, path: str) -> None:
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)


def test_the_vendored_editor_shrinks_several_times(client: Any) -> None:
    plain = client.get(YASGUI).data
    packed = client.get(YASGUI, headers={"Accept-Encoding": "gzip"}).data
    assert len(packed) * 3 < len(plain)


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0", "br"], ids=["none", "identity", "gzip-refused", "br"])
def test_nothing_is_compressed_unless_gzip_is_accepted(client: Any, accept: str) -> None:
    reply = client.get("/api/queries", headers={"Accept-Encoding": accept} if accept else {})
    assert reply.status_code == 200 and "Content-Encoding" not in reply.headers


def test_small_replies_go_as_they_are(client: Any) -> None:
    for path in ("/healthz", "/static/web/favicon.svg"):  # under a kilobyte each
        reply = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert reply.status_code == 200 and "Content-Encoding" not in reply.headers, path


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [
        ("text/html", True),
        ("application/sparql-results+json", True),
        ("text/turtle", True),
        ("image/png", False),
        ("application/octet-stream", False),
        (None, False),
    ],
)
def test_only_text_types_are_compressible(mimetype: str | None, expected: bool) -> None:
    assert compressible(mimetype) is expected
