"""gzip for the replies that are text, when the client says it accepts it.

The page's own scripts, the vendored editor (1.6 MB of JavaScript) and JSON/SPARQL results are
text that compresses 4-8x; over a slow link that is the difference between a page that appears
and one that does not. Static files are compressed once per ETag and kept (they do not change
while the service runs); other replies are compressed as they leave. A reply that is small,
already encoded, streamed or not text goes out as it is, and every compressible reply says
`Vary: Accept-Encoding` so caches keep the two versions apart.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict
from threading import Lock

from flask import Flask, Response, request

MIN_BYTES = 1024  # below a packet, gzip's header and the CPU cost more than they save
MAX_BYTES = 32 * 1024 * 1024  # whole-graph downloads beyond this go uncompressed (memory)
LEVEL = 6
TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/ld+json",
        "application/n-triples",
        "application/n-quads",
        "application/rdf+xml",
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "application/trig",
        "application/xml",
        "image/svg+xml",
    }
)
_CACHE_ENTRIES = 64


def compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and (mimetype.startswith("text/") or mimetype in TEXT_TYPES)


class _StaticCache:
    """Compressed bodies of static files by path and ETag (a bounded LRU: the vendored files are few).

    A hit spares reading the file as well as compressing it.
    """

    def __init__(self) -> None:
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = Lock()

    def lookup(self, key: str) -> bytes | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def store(self, key: str, body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            while len(self._items) > _CACHE_ENTRIES:
                self._items.popitem(last=False)


def _wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0 or (
        "gzip" not in request.accept_encodings and request.accept_encodings["*"] > 0
    )


def init_app(app: Flask) -> None:
    """Compress the app's text replies for clients that send `Accept-Encoding: gzip`."""
    cache = _StaticCache()

    @app.after_request
    def _gzip(resp: Response) -> Response:
        if not compressible(resp.mimetype) or resp.status_code < 200 or resp.status_code in (204, 206, 304):
            return resp
        resp.vary.add("Accept-Encoding")
        # A file (static files: `direct_passthrough`) is read to be compressed; a generator is not.
        streamed = resp.is_streamed and not resp.direct_passthrough
        if streamed or "Content-Encoding" in resp.headers or not _wants_gzip():
            return resp
        etag, _ = resp.get_etag()
        static = request.endpoint is not None and request.endpoint.endswith("static") and etag
        key = f"{request.path}|{etag}" if static else None
        body = cache.lookup(key) if key else None
        if body is not None:
            resp.close()  # the file it would have sent, unread
        else:
            resp.direct_passthrough = False
            data = resp.get_data()
            if not MIN_BYTES <= len(data) <= MAX_BYTES:
                return resp
            body = gzip.compress(data, LEVEL, mtime=0)
            if key:
                cache.store(key, body)
        resp.set_data(body)
        resp.headers["Content-Encoding"] = "gzip"
        if etag:  # the compressed body is another representation: a weak validator stays honest
            resp.set_etag(etag + "-gzip")
        return resp
