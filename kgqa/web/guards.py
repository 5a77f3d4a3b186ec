"""Request-level guards that hold for every route, whatever the blueprint does with the input.

JSON bodies: Python's `json` accepts `"\\ud800"` (a lone UTF-16 surrogate escape) and returns a `str`
that cannot be encoded as UTF-8. Handed to a route that echoes it (`/api/ask` repeats the question),
it made the reply itself fail with a 500 (found by tests/web/test_fuzz_api.py). Such text is not Unicode
(RFC 8259 §8.2 calls it unpredictable; I-JSON, RFC 7493 §2.1, forbids it), so it is refused where it
enters, as a 400 naming the escape, before any route sees it. A document nested too deeply for the
parser (`[` x 5000 raised RecursionError, a 500) is a 400 too.

URLs: Werkzeug decodes paths and query strings as UTF-8 with replacement characters, so a query
`"caf%E9"` ran as `"caf\ufffd"`; `RequestGuard` refuses bytes that are not UTF-8 with a 400 instead,
and bad Host headers, and adds the headers every reply must carry (issue 11).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask.json.provider import DefaultJSONProvider

from kgqa.errors import BadQuery
from kgqa.sparql.protocol import form_unquote
from kgqa.web.errors import error_body


def _find_surrogate(value: Any) -> str | None:
    """The first lone surrogate in any string of a parsed JSON document, or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            for ch in item:
                if "\ud800" <= ch <= "\udfff":
                    return ch
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents whose strings are not valid Unicode.

    :raise BadQuery 400: from `loads` (so also from `request.get_json(silent=True)`, which only
        silences `ValueError`).
    """

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            # `[` x 5000 exhausts the C parser's recursion limit; that is the document's fault.
            raise BadQuery(
                "the JSON body is nested too deeply to read; send a flat object such as "
                '{"question": "who led MiniMax\'s round?"}'
            ) from None
        bad = _find_surrogate(data)
        if bad is not None:
            raise BadQuery(
                f"the JSON body contains the escape \\u{ord(bad):04x}, a lone surrogate that is not a "
                "Unicode character; send text as UTF-8"
            )
        return data


# --- WSGI-level guards -------------------------------------------------------------------------

# RFC 9110 §7.2 / RFC 3986 §3.2.2: a host (reg-name, IPv4 or a bracketed IP literal) and an
# optional port. Anything else (`a:b`, `x:99999`, two Host headers, which waitress joins as
# "a, b") is a bad request; before this check, Werkzeug failed on such a host with a 500.
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::([0-9]{1,5}))?")
_REG_NAME_BAD = re.compile(r"[,;]")

# The page policy (web pages, entity pages, the /sparql page): scripts and all else only from
# this origin. Styles allow 'unsafe-inline' because CodeMirror (inside YASGUI) and cytoscape set
# style attributes at run time; no page template contains inline style or script. No page frames
# another, so no page may be framed at all (clickjacking).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Every HTML reply gets it (RequestGuard); SVG can carry script, so it gets it too.
_POLICY_TYPES = ("text/html", "image/svg+xml")


def host_problem(host: str | None) -> str | None:
    """Why `host` (the Host header) is not a valid `host[:port]`, or None if it is (or is absent)."""
    if host is None:
        return None
    match = _HOST.fullmatch(host)
    if match is None or _REG_NAME_BAD.search(host):
        return f"malformed Host header {host!r}: expected host or host:port (one Host header)"
    port = match.group(1)
    if port is not None and not 0 < int(port) <= 65535:
        return f"bad port in Host header {host!r}: must be 1 to 65535"
    return None


def utf8_problem(raw: bytes, what: str) -> str | None:
    """Why the percent-decoded `raw` is not UTF-8, or None. `raw` is a path or a query string."""
    try:
        form_unquote(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the {what} is not valid UTF-8 after percent-decoding (byte position {exc.start}); encode text as UTF-8"
    return None


class RequestGuard:
    """WSGI middleware around the Flask app: refuses bad Host headers and non-UTF-8 URLs, and
    gives every reply `X-Content-Type-Options: nosniff` (HTML and SVG also the page policy).

    It sits outside Flask because Flask's URL matching reads the Host header and the URL before any
    `before_request` hook runs, and because headers added here reach every reply, including
    error replies and static files, whatever route or handler made them.
    """

    def __init__(self, app: Callable, policy: str) -> None:
        self.app = app
        self.policy = policy

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def with_headers(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {k.lower() for k, _ in headers}
            if "x-content-type-options" not in names:
                headers.append(("X-Content-Type-Options", "nosniff"))
            media = next((v for k, v in headers if k.lower() == "content-type"), "")
            if media.split(";")[0].strip().lower() in _POLICY_TYPES and "content-security-policy" not in names:
                headers.append(("Content-Security-Policy", self.policy))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        problem = host_problem(environ.get("HTTP_HOST"))
        if problem is None:
            # WSGI gives the path as latin-1 decoded bytes, the query string as the raw bytes.
            problem = utf8_problem(environ.get("PATH_INFO", "").encode("latin-1"), "URL path") or utf8_problem(
                environ.get("QUERY_STRING", "").encode("latin-1"), "query string"
            )
        if problem is not None:
            body = json.dumps(error_body(problem, 400), ensure_ascii=False).encode()
            with_headers("400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, with_headers)
