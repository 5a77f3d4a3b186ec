"""OpenAPI building blocks, and `documented`, which records a view's operations next to its route.

Each blueprint module describes its own routes where it defines them:

    @bp.route("/graph")
    @documented(get={"summary": "The whole knowledge graph", ...})
    def whole_graph(): ...

and `kgqa/web/openapi.py` walks the app's URL map and assembles what the views declare into
`/openapi.json`, so a route cannot be added without its description travelling with it. An
operation may be a function of the canned-query registry (the enum of query names), and a view
may add further paths (one per canned query) and component schemas its operations refer to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kgqa.sparql import formats
from kgqa.sparql.formats import Format, Kind

# An operation object, or a function building it from the canned-query registry.
Operation = Mapping[str, Any] | Callable[[Any], Mapping[str, Any]]
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Declared:
    """What one view declares: its operations by HTTP method, extra paths, component schemas."""

    operations: Mapping[str, Operation]
    paths: Callable[[Any], Mapping[str, Any]] | None = None
    schemas: Mapping[str, Any] = field(default_factory=dict)

    def operations_for(self, registry: Any) -> dict[str, dict[str, Any]]:
        """The operation objects by lower-case method, those built from the registry built now."""
        return {method.lower(): dict(op(registry) if callable(op) else op) for method, op in self.operations.items()}

    def paths_for(self, registry: Any) -> dict[str, Any]:
        return dict(self.paths(registry)) if self.paths else {}


def documented(
    *,
    paths: Callable[[Any], Mapping[str, Any]] | None = None,
    schemas: Mapping[str, Any] | None = None,
    **operations: Operation,
) -> Callable[[View], View]:
    """Record the OpenAPI operations of a view (`get=`, `post=`, ...) on the view function itself.

    `paths`: more path items the view serves, built from the registry (`/api/queries/round-lead`).
    `schemas`: component schemas its operations refer to (`#/components/schemas/Answer`).
    """

    def record(view: View) -> View:
        view.openapi = Declared(operations, paths, schemas or {})  # type: ignore[attr-defined]
        return view

    return record


def declared(view: Any) -> Declared | None:
    """What a view declared with `documented`, or None."""
    found = getattr(view, "openapi", None)
    return found if isinstance(found, Declared) else None


# --- building blocks -------------------------------------------------------------------------

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "status"],
    "description": "one envelope for every error; context keys where they help",
    "properties": {
        "error": {"type": "string", "description": "what is wrong, for a person"},
        "status": {"type": "integer"},
        "param": {"type": "string", "description": "the parameter at fault"},
        "query": {"type": "string", "description": "an unknown canned-query name"},
        "id": {"type": "string", "description": "an unknown entity id"},
        "graph": {"type": "string", "description": "a graph that is not in the store"},
        "candidates": {
            "type": "array",
            "items": {"type": "string"},
            "description": "entities an ambiguous name could mean",
        },
    },
}

# Every error is the JSON envelope, or its message as plain text for clients that prefer text/plain
# (kgqa/errors.py). Routes that run a query can always fail with 500 (the engine crashed), 502 (store
# unavailable) and 503 (time or memory limit), so those are listed with every such route.
STORE_ERRORS = (500, 502, 503)
ERROR_TEXT = {
    400: (
        "bad request (the message says what is wrong): a malformed query, parameter, Host header or "
        "URL that is not UTF-8, or a dataset (FROM, FROM NAMED, default-graph-uri, named-graph-uri) "
        "naming a graph that is not in this store (SPARQL 1.1 Protocol §2.1.4; the envelope's "
        "`graph` names it)"
    ),
    403: "refused: SPARQL Update, LOAD and SERVICE are not allowed (read-only, answers only from its own data)",
    404: "not found",
    406: "no acceptable format",
    413: "request too large (KGQA_MAX_QUERY_BYTES)",
    415: "a request body in a charset this service cannot decode (send UTF-8)",
    500: "the query engine failed on this query (it crashed; its worker was replaced): a defect of the "
    "engine, not of the request",
    502: "store unavailable",
    503: "the query exceeded the time limit (KGQA_QUERY_TIMEOUT) or the memory limit (KGQA_WORKER_MEMORY_MB)",
}


def error_responses(*codes: int) -> dict[str, Any]:
    """The responses of these error statuses: the envelope as JSON, or its message as text."""
    content = {"application/json": {"schema": ERROR}, "text/plain": {"schema": {"type": "string"}}}
    return {str(c): {"description": ERROR_TEXT[c], "content": content} for c in codes}


TRUNCATION_HEADERS = {
    "X-KGQA-Truncated": {
        "description": "`true` when the result was cut by a limit",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "X-KGQA-Truncated-Reason": {
        "description": "which limit cut it: the row limit (KGQA_MAX_ROWS) or the byte limit (KGQA_MAX_RESULT_BYTES)",
        "schema": {"type": "string"},
    },
}


def text_content(media_types: Iterable[str]) -> dict[str, Any]:
    """A response's content: each media type, its body a string."""
    return {m: {"schema": {"type": "string"}} for m in media_types}


def formats_content(fmts: Iterable[Format]) -> dict[str, Any]:
    """A response's content: the media type of each registered format."""
    return text_content(f.media_type for f in fmts)


def format_values(*kinds: Kind) -> list[str]:
    """Every `format=` value the registry knows for these kinds, once each (`xml` is of both)."""
    return list(dict.fromkeys(v for kind in kinds for v in formats.param_values(kind)))


def format_names(*kinds: Kind) -> str:
    """The formats' names for a description: "json, xml, csv, tsv (results); turtle, ... (graphs)"."""
    plural = {"results": "results", "graph": "graphs"}
    return "; ".join(f"{', '.join(f.name for f in formats.of_kind(k))} ({plural[k]})" for k in kinds)


def format_param(*kinds: Kind, enum: bool = True, extra: Iterable[str] = ()) -> dict[str, Any]:
    """The `format` query parameter of a route answering formats of these kinds, from the registry.

    `enum=False` where a value outside the list is not an error (it falls through to Accept) and the
    route is fuzzed from this document, whose negative mode would expect such a value refused.
    """
    values = [*format_values(*kinds), *extra]
    schema: dict[str, Any] = {"type": "string", "enum": values} if enum else {"type": "string"}
    description = f"{format_names(*kinds)}; every value recognised: {', '.join(values)}"
    return {"name": "format", "in": "query", "schema": schema, "description": description}


PAGE: Mapping[str, Any] = {"responses": {"200": {"description": "an HTML page", "content": {"text/html": {}}}}}
