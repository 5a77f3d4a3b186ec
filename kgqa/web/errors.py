"""One error envelope for every 4xx/5xx reply: `{"error": "...", "status": 400, ...context}`.

Clients that prefer `text/plain` over JSON (some SPARQL clients) get the message as text; browsers
(`Accept: text/html` ranked above JSON) get an HTML page with the message and a search box, except on
the API routes (`/api/`, `/sparql`), which always answer in the envelope. Anything
unexpected is a 500 with a generic message; the traceback goes to the log only, never to the client
(rdflib-endpoint echoes exception text; we do not).
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from kgqa.errors import ApiError, QueryTimeout

log = logging.getLogger("kgqa")

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain"
HTML_TYPE = "text/html"
# Routes for programs: their errors are the JSON envelope whatever the Accept header says.
API_PREFIXES = ("/api/", "/sparql", "/openapi")
# The error page runs no script and loads only this origin's stylesheet (guards.py imports this
# module, so its page policy cannot be imported here; this one is stricter).
ERROR_PAGE_POLICY = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
HEADINGS = {404: "Not found", 405: "Not allowed", 406: "Not available in that format"}


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


def _prefers_html() -> bool:
    accept = request.accept_mimetypes
    if not accept or request.path.startswith(API_PREFIXES):
        return False
    return accept.best_match([JSON_TYPE, HTML_TYPE]) == HTML_TYPE and accept[HTML_TYPE] > accept[JSON_TYPE]


def _html_page(message: str, status: int) -> Response:
    heading = HEADINGS.get(status, "Something went wrong" if status >= 500 else "That did not work")
    page = render_template("error.html", status=status, message=message, heading=heading)
    resp = Response(page, status=status, content_type="text/html; charset=utf-8")
    resp.headers["Content-Security-Policy"] = ERROR_PAGE_POLICY
    return resp


def error_response(message: str, status: int, headers: dict | None = None, **context: object) -> Response:
    """Build the reply for an error, as JSON or, for clients preferring it, plain text."""
    if _prefers_html():
        resp = _html_page(message, status)
    elif _prefers_text():
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
