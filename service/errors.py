"""One error envelope for every 4xx/5xx reply: `{"error": "...", "status": 400, ...context}`.

Exceptions carry their HTTP status (Flask tutorial's `InvalidAPIUsage`), so code that finds a problem
raises and never builds a response itself. Clients that prefer `text/plain` over JSON (some SPARQL
clients) get the message as text. Anything unexpected is a 500 with a generic message; the traceback
goes to the log only, never to the client (rdflib-endpoint echoes exception text; we do not).
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("kgqa")

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain"


class ApiError(Exception):
    """An error a client can act on; `status` is its HTTP status, `context` extra envelope keys."""

    status = 500

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class BadQuery(ApiError):
    """The request or the query is malformed (syntax error, missing or wrong parameter)."""

    status = 400


class DatasetRefused(BadQuery):
    """A dataset (FROM / FROM NAMED, default-graph-uri / named-graph-uri) this service will not serve.

    400, not 403: SPARQL 1.1 Protocol §2.1.4 lets a service refuse a request's RDF dataset and says
    to answer such a refusal with 400 Bad Request; 403 stays for what policy forbids outright
    (update, SERVICE, LOAD).
    """


class Forbidden(ApiError):
    """The request asks for something this read-only, closed endpoint never does (update, SERVICE)."""

    status = 403


class NotFound(ApiError):
    status = 404


class NotAcceptable(ApiError):
    """No media type the client accepts can represent the result."""

    status = 406


class TooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    """A request body in a media type or charset this service cannot read."""

    status = 415


class StoreError(ApiError):
    """The store failed (remote endpoint unreachable, worker crashed): not the client's fault."""

    status = 502


class EngineFailure(ApiError):
    """The query engine itself failed on this query: a query worker crashed (an Oxigraph panic
    such as pyoxigraph 0.5.13's "comparison function does not correctly implement a total order"
    on some ORDER BY, or a SIGSEGV) and was replaced.

    500, not 502 (that is a store we could not reach or that answered badly) and not 503 (the time
    and memory limits, which a client can work around by asking less): the query was valid, the
    server's own engine is at fault, and sending it again fails the same way.
    """

    status = 500


class QueryTimeout(ApiError):
    """The query ran past the time limit and was stopped."""

    status = 503


class ResourceLimit(ApiError):
    """The query needed more memory than a query worker may use, and was stopped (like a timeout)."""

    status = 503


def error_body(message: str, status: int, **context: object) -> dict:
    """The envelope itself; context keys never override `error` or `status`."""
    body: dict = {k: v for k, v in context.items() if k not in {"error", "status"}}
    body["error"] = message
    body["status"] = status
    return body


def _prefers_text() -> bool:
    accept = request.accept_mimetypes
    if not accept:
        return False
    best = accept.best_match([JSON_TYPE, TEXT_TYPE])
    return best == TEXT_TYPE and accept[TEXT_TYPE] > accept[JSON_TYPE]


def error_response(message: str, status: int, headers: dict | None = None, **context: object) -> Response:
    """Build the reply for an error, as JSON or, for clients preferring it, plain text."""
    if _prefers_text():
        resp = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    else:
        body = json.dumps(error_body(message, status, **context), ensure_ascii=False)
        resp = Response(body, status=status, content_type=JSON_TYPE)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    resp.headers["Vary"] = "Accept"
    return resp


def _handle_api_error(exc: ApiError) -> Response:
    if exc.status >= 500:
        log.warning("%s %s -> %d: %s", request.method, request.path, exc.status, exc.message)
    headers = {"Retry-After": "1"} if isinstance(exc, QueryTimeout) else None
    return error_response(exc.message, exc.status, headers=headers, **exc.context)


def _handle_http_exception(exc: HTTPException) -> Response:
    # Keep what Werkzeug computed (status, Allow for 405) but give the body our shape.
    original = exc.get_response()
    status = exc.code or 500
    messages = {
        404: f"no such resource: {request.path}",
        405: f"method {request.method} is not allowed on {request.path}",
        413: "request too large",
    }
    message = messages.get(status, exc.description or exc.name)
    headers = {k: v for k, v in original.headers.items() if k.lower() == "allow"}
    return error_response(message, status, headers=headers)


def _handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _handle_http_exception(exc)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response("internal server error; the details are in the server log", 500)


def init_app(app: Flask) -> None:
    """Register the handlers that give every error the envelope."""
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
