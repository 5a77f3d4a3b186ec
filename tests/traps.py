"""What the read-only tests watch: a loopback trap server and a canary file with a secret in it.

A query that made the service fetch a URL or read a local file would show up as a hit on the trap
or as the secret in a reply (both answer with RDF that holds it).
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar

SECRET = "CANARY-SECRET-5d1e"
SECRET_NT = f'<http://x/s> <http://x/p> "{SECRET}" .\n'


class TrapHandler(http.server.BaseHTTPRequestHandler):
    """Records every request as "METHOD path" and answers with RDF holding the secret."""

    hits: ClassVar[list[str]] = []

    def _hit(self) -> None:
        type(self).hits.append(f"{self.command} {self.path}")
        body = SECRET_NT.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _hit

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def loopback_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` serving on a free loopback port, in a thread; yields the base URL, stops after."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def serve_trap() -> contextlib.AbstractContextManager[str]:
    """The trap on a free loopback port; yields its base URL."""
    return loopback_server(TrapHandler)
