"""The waitress server `kgqa serve` runs: connection limits, timeouts, and JSON for waitress's own errors.

Why not waitress's defaults (issue 11): it accepts at most 100 connections and closes an idle one
only after 120 s, so 100 sockets that say nothing lock every other client out for two minutes.
Waitress has no limit on how long a request's headers may take, so a client sending one byte a
second is never idle and is never closed. Here:

- `connection_limit` is raised (default 1000) and `asyncore_use_poll=True`, because `select()`
  cannot watch descriptors above 1024; the process's open-file limit is raised to its hard limit so
  the kernel does not refuse the sockets first.
- `channel_timeout` (idle keep-alive connections, default 15 s) is shorter, and the server looks for
  idle and slow connections every `cleanup_interval` (2 s) instead of every 30 s.
- A request whose headers have not all arrived `header_timeout` seconds (default 10 s) after its
  first byte is closed (`HeaderDeadlineChannel`): the slow-header ("slowloris") client.
  A connection closed this way gets no reply: the client is not reading one.

Errors waitress answers itself (bad request line or headers, headers over `max_request_header_size`,
a body over `max_request_body_size`, an unsupported Transfer-Encoding, an app that fails after
starting its reply) get the service's JSON envelope (`kgqa.web.errors.error_body`) through
`JSONErrorTask`. What still cannot be shaped: a connection refused or delayed in the kernel's
backlog while the connection limit is reached, and connections closed for a timeout (no reply).
"""

from __future__ import annotations

import json
import logging
import resource
import socket
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from kgqa.settings import Settings
from kgqa.web.errors import error_body

log = logging.getLogger("kgqa")


class JSONErrorTask(ErrorTask):
    """Waitress's error reply, with the JSON envelope instead of its plain-text body."""

    def execute(self) -> None:
        error = self.request.error
        status = int(error.code)
        body = json.dumps(error_body(f"{error.reason}: {error.body}", status), ensure_ascii=False).encode()
        self.status = f"{status} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff")])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class HeaderDeadlineChannel(HTTPChannel):
    """An HTTP connection that remembers when the request it is reading began.

    `request_started` is the time the first byte of a request arrived while no request was being
    read; it is cleared once the request is complete. `deadline_maintenance` closes channels whose
    request started more than `header_timeout` seconds ago and still has unfinished headers.
    """

    error_task_class = JSONErrorTask
    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if data and self.request is None:
            self.request_started = time.monotonic()
        done = super().received(data)
        if self.request is None:  # every request in `data` was complete
            self.request_started = None
        return done


def deadline_maintenance(server: BaseWSGIServer, now: float, header_timeout: float) -> None:
    """Waitress's idle sweep, plus: close connections whose request headers are overdue."""
    BaseWSGIServer.maintenance(server, now)
    cutoff = time.monotonic() - header_timeout
    for channel in list(server.active_channels.values()):
        started = getattr(channel, "request_started", None)
        request = channel.request
        if started is not None and started < cutoff and request is not None and not request.headers_finished:
            log.info("closing a connection from %s: request headers not complete in %g s", channel.addr, header_timeout)
            channel.will_close = True


def raise_open_file_limit() -> int:
    """Raise this process's soft limit on open files to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def server_settings(settings: Settings) -> dict[str, Any]:
    """Waitress adjustments from the service's settings (`KGQA_CONNECTION_LIMIT`, ...)."""
    return {
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.idle_timeout,
        "cleanup_interval": min(2, max(1, int(settings.idle_timeout))),
        "asyncore_use_poll": True,
    }


def make_server(
    app: Any,
    settings: Settings,
    *,
    sock: socket.socket | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    **adjustments: Any,
) -> Any:
    """A waitress server for `app` on `sock` (pre-forked) or `host:port`, with the limits above."""
    limit = raise_open_file_limit()
    waitress = server_settings(settings)
    if settings.connection_limit + 64 > limit:
        log.warning("KGQA_CONNECTION_LIMIT %d is close to the open-file limit %d", settings.connection_limit, limit)
    where: dict[str, Any] = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    server = create_server(app, **where, server_name=host, **waitress, **adjustments)
    header_timeout = settings.header_timeout
    listeners = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = HeaderDeadlineChannel
            listener.maintenance = lambda now, s=listener: deadline_maintenance(s, now, header_timeout)
    return server
