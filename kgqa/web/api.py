"""`/api/queries` (the canned-query catalog and runner) and `/healthz`."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from kgqa.canned.results import result_json, run
from kgqa.canned.types import TYPES
from kgqa.errors import BadQuery, NotAcceptable, StoreError
from kgqa.sparql import formats
from kgqa.sparql.runner import run_internal_query
from kgqa.web.apidoc import STORE_ERRORS, TRUNCATION_HEADERS, documented, error_responses

bp = Blueprint("api", __name__)

# What a canned-query reply can be: our JSON shape, or the rows in one of these registry formats.
ROW_FORMATS = (formats.CSV, formats.TSV)
# `format=` value -> media type (what /openapi.json declares), and the media types for Accept.
API_PARAMS = {"json": formats.JSON, **{f.name: f.media_type for f in ROW_FORMATS}}
_API_TYPES = list(API_PARAMS.values())


# --- what /openapi.json says of these routes (kgqa/web/apidoc.py) ---
HEALTHZ_GET = {
    "summary": "Ready check",
    "operationId": "healthz",
    "responses": {
        "200": {
            "description": "ready",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["status", "triples"],
                        "properties": {
                            "status": {"const": "ok"},
                            "triples": {"type": "integer"},
                            "workerNetwork": {
                                "enum": ["isolated", "isolated-userns", "host"],
                                "description": "whether the query workers run without network: in "
                                "a network namespace of their own (isolated), in a user and "
                                "network namespace (isolated-userns), or not isolated (host)",
                            },
                        },
                    }
                }
            },
        },
        **error_responses(502),
    },
}
CATALOG_GET = {
    "summary": "The canned-query catalog",
    "operationId": "catalog",
    "tags": ["canned queries"],
    "responses": {
        "200": {
            "description": "catalog",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Catalog"}}},
        }
    },
}
CELL = {
    "type": ["object", "null"],
    "required": ["type", "value"],
    "properties": {
        "type": {"enum": ["iri", "literal", "bnode", "triple"]},
        "value": {"description": "IRI, or the literal as a JSON number/boolean/string"},
        "label": {"type": "string"},
        "id": {"type": "string"},
        "datatype": {"type": "string"},
        "lang": {"type": "string"},
    },
}
SCHEMAS = {
    "Cell": CELL,
    "QueryResult": {
        "type": "object",
        "required": ["ok", "query", "columns", "rows", "truncated"],
        "properties": {
            "ok": {"const": True},
            "query": {"type": "string"},
            "title": {"type": "string"},
            "bindings": {"type": "object"},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Cell"}},
            },
            "boolean": {"type": "boolean"},
            "truncated": {"type": "boolean"},
            "truncatedReason": {"type": "string", "description": "present when truncated: which limit cut the result"},
        },
    },
    "Catalog": {"type": "object", "properties": {"queries": {"type": "array", "items": {"type": "object"}}}},
}
# A canned query's reply (the generic path and each query's own path share it).
CANNED_RESULT = {
    "description": "results",
    "headers": {"X-KGQA-Truncated": TRUNCATION_HEADERS["X-KGQA-Truncated"]},
    "content": {
        formats.JSON: {"schema": {"$ref": "#/components/schemas/QueryResult"}},
        **{f.media_type: {"schema": {"type": "string"}} for f in ROW_FORMATS},
    },
}


def _any_case(word: str) -> str:
    """A regular expression for `word` in any ASCII case: `[Jj][Ss][Oo][Nn]`."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


FORMAT_PARAM = {
    "name": "format",
    "in": "query",
    "description": f"the reply format: {', '.join(list(API_PARAMS)[:-1])} or {list(API_PARAMS)[-1]} (any case); "
    "empty or absent: by the Accept header (JSON by default)",
    "schema": {"type": "string", "pattern": f"^({'|'.join(_any_case(v) for v in API_PARAMS)})?$"},
}


def run_canned_get(registry: Any) -> dict:
    """The generic operation: the query's name in the path, its parameters its own."""
    return {
        "summary": "Run a canned query",
        "operationId": "runQuery",
        "tags": ["canned queries"],
        "description": "Parameters are the query's own (see the catalog or the per-query paths).",
        "parameters": [
            {
                "name": "name",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": [q.name for q in registry]},
            }
        ],
        "responses": {"200": CANNED_RESULT, **error_responses(400, 404, 406, *STORE_ERRORS)},
    }


def _param_doc(p: Any) -> dict:
    """A canned query's parameter, its schema from its type (kgqa/canned/types.py)."""
    schema = TYPES[p.type].json_schema(p)
    return {"name": p.name, "in": "query", "required": p.required, "description": p.help, "schema": schema}


def canned_paths(registry: Any) -> dict:
    """One path per canned query (`/api/queries/round-lead`), so that Swagger-style tools show a form
    for each with its declared parameters (grlc's idea)."""
    return {
        f"/api/queries/{q.name}": {
            "get": {
                "summary": q.title,
                "description": q.description,
                "operationId": f"query-{q.name}",
                "tags": ["canned queries"],
                "parameters": [*(_param_doc(p) for p in q.params), FORMAT_PARAM],
                "responses": {"200": CANNED_RESULT, **error_responses(400, 406, *STORE_ERRORS)},
            }
        }
        for q in registry
    }


def state() -> Any:
    return current_app.extensions["kgqa"]


@bp.route("/healthz")
@documented(get=HEALTHZ_GET)
def healthz() -> Response:
    """Ready check: answers only once the store is open; counts the triples it holds, and says
    whether the query workers run without network (`workerNetwork`: `isolated` in a network
    namespace of their own, `isolated-userns` in a user and network namespace, `host` not isolated).

    :raise StoreError 502: if the store does not answer a trivial query.
    """
    st = state()
    try:
        run_internal_query(st, "ASK { }", timeout_s=min(st.settings.query_timeout, 5.0), max_rows=None)
    except Exception as exc:
        raise StoreError("the store does not answer") from exc
    body: dict[str, Any] = {"status": "ok", "triples": st.triples}
    network = getattr(st.store, "worker_network", None)
    if network is not None:
        body["workerNetwork"] = network
    return jsonify(body)


@bp.route("/api/queries")
@documented(get=CATALOG_GET, schemas=SCHEMAS)
def catalog() -> Response:
    """Every canned query: name, title, description, parameters, example questions, SPARQL."""
    return jsonify({"queries": [q.to_json() for q in state().registry]})


def _api_format() -> str:
    # Exactly json/csv/tsv in any ASCII case, or empty: what /openapi.json describes (no stripping,
    # so "format=%0A" is a 406 like any other unknown value; found by tests/web/test_fuzz_api.py).
    wanted = request.args.get("format", "").lower()
    if wanted:
        if wanted not in API_PARAMS:
            raise NotAcceptable(f"format must be one of {', '.join(API_PARAMS)}", param="format")
        return API_PARAMS[wanted]
    if not request.accept_mimetypes:
        return formats.JSON
    best = request.accept_mimetypes.best_match(_API_TYPES)
    if best is None:
        raise NotAcceptable("this API answers application/json, text/csv or text/tab-separated-values")
    return best


@bp.route("/api/queries/<name>")
@documented(get=run_canned_get, paths=canned_paths)
def run_canned(name: str) -> Response:
    """Run one canned query with `?param=value` and answer JSON (default), CSV or TSV.

    :raise NotFound 404: unknown query. :raise BadQuery 400: missing or wrong parameter.
    """
    st = state()
    canned = st.registry.get(name)
    for key in request.args:
        # `request.args.to_dict()` keeps the first value: a repeated parameter (`?first=A&first=B`)
        # would silently answer for A only, so refuse it (issue 7, tests/web/test_bad_inputs.py).
        if len(values := request.args.getlist(key)) > 1:
            raise BadQuery(f"parameter {key!r} is given {len(values)} times; give it once", param=key)
    media = _api_format()
    if media == formats.JSON:
        result, bindings = run(st, canned, request.args.to_dict())
        body = result_json(st, canned, result, bindings)
        resp = Response(json.dumps(body, ensure_ascii=False), content_type=formats.JSON)
    else:
        fmt = formats.ALIASES["results"][media]
        result, _ = run(st, canned, request.args.to_dict(), results_format=fmt)
        if result.form == "graph":
            raise NotAcceptable("this query returns a graph; ask for JSON")
        resp = Response(result.serialize(fmt), content_type=fmt.content_type)
        resp.headers["Content-Disposition"] = f'inline; filename="{name}.{fmt.extension}"'
    resp.headers["Vary"] = "Accept"
    if result.truncated:
        resp.headers["X-KGQA-Truncated"] = "true"
    return resp
