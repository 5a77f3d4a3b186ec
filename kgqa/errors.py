"""The service's exceptions, each carrying its HTTP status (Flask tutorial's `InvalidAPIUsage`).

Code that finds a problem raises one of these and never builds a response itself; `kgqa.web.errors`
turns them into the one error envelope. This module imports nothing but the standard library, so
query worker processes can raise them and the server can re-raise them as they are.
"""

from __future__ import annotations


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
