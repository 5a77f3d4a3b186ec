"""`/openapi.json`: an OpenAPI 3.1 description of every route, built from the canned-query registry.

Each canned query also gets its own path (`/api/queries/round-lead`) with its declared parameters,
so Swagger-style tools show a form per query (grlc's idea). `tests/test_api.py` checks that every
route of the app appears here, so this document cannot drift from the code.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, jsonify

from kgqa.sparql import formats

bp = Blueprint("openapi", __name__)

_TYPES = {
    "iri": {"type": "string", "description": "an IRI, a kgr: id or a name"},
    "string": {"type": "string"},
    "decimal": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
}

ERROR = {"$ref": "#/components/schemas/Error"}


# Every error is the JSON envelope, or its message as plain text for clients that prefer text/plain
# (kgqa/errors.py). Routes that run a query can always fail with 502 (store unavailable) and 503
# (time or memory limit), so those are listed with every such route.
STORE_ERRORS = (500, 502, 503)


def _error_responses(*codes: int) -> dict:
    text = {
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
    content = {"application/json": {"schema": ERROR}, "text/plain": {"schema": {"type": "string"}}}
    return {str(c): {"description": text[c], "content": content} for c in codes}


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


# A canned query's reply (the catalog's generic path and each query's own path share it).
CANNED_RESULT = {
    "description": "results",
    "headers": {"X-KGQA-Truncated": TRUNCATION_HEADERS["X-KGQA-Truncated"]},
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/QueryResult"}},
        "text/csv": {"schema": {"type": "string"}},
        "text/tab-separated-values": {"schema": {"type": "string"}},
    },
}


def _sparql_params() -> list[dict]:
    return [
        {
            "name": "query",
            "in": "query",
            "schema": {"type": "string"},
            "description": "a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE); without it, the service description",
        },
        {
            "name": "default-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
            "style": "form",
            "explode": True,
            "description": "graphs of this store to use as the default graph",
        },
        {
            "name": "named-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
            "style": "form",
            "explode": True,
            "description": "graphs of this store visible to GRAPH",
        },
        {
            "name": "format",
            "in": "query",
            "schema": {"type": "string"},
            "description": "json, xml, csv, tsv (results); turtle, ntriples, rdfxml, jsonld (graphs)",
        },
    ]


def _results_content() -> dict:
    return {f.media_type: {"schema": {"type": "string"}} for f in formats.RESULT_FORMATS + formats.GRAPH_FORMATS}


def _rdf_content() -> dict:
    return {f.media_type: {"schema": {"type": "string"}} for f in formats.GRAPH_FORMATS}


def _canned_path(q: Any) -> dict:
    params = []
    for p in q.params:
        schema = dict(_TYPES.get(p.type, {"type": "string"}))
        if p.choices:
            schema = {"type": "string", "enum": list(p.choices)}
        if p.default is not None:
            schema["default"] = p.default
        params.append({"name": p.name, "in": "query", "required": p.required, "description": p.help, "schema": schema})
    params.append(
        {
            "name": "format",
            "in": "query",
            "description": "the reply format: json, csv or tsv (any case); empty or absent: by the Accept "
            "header (JSON by default)",
            "schema": {"type": "string", "pattern": "^([Jj][Ss][Oo][Nn]|[Cc][Ss][Vv]|[Tt][Ss][Vv])?$"},
        }
    )
    return {
        "get": {
            "summary": q.title,
            "description": q.description,
            "operationId": f"query-{q.name}",
            "tags": ["canned queries"],
            "parameters": params,
            "responses": {
                "200": CANNED_RESULT,
                **_error_responses(400, 406, *STORE_ERRORS),
            },
        }
    }


def build(registry: Any, server_url: str = "/") -> dict:
    """The OpenAPI document for this app and its registry."""
    paths: dict[str, Any] = {
        "/healthz": {
            "get": {
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
                    **_error_responses(502),
                },
            }
        },
        "/sparql": {
            "get": {
                "summary": "SPARQL 1.1 Protocol query (read-only)",
                "operationId": "sparqlGet",
                "tags": ["SPARQL"],
                "parameters": _sparql_params(),
                "responses": {
                    "200": {
                        "description": "results, or (without a query) the service description",
                        "headers": TRUNCATION_HEADERS,
                        "content": _results_content(),
                    },
                    "303": {"description": "a browser asking for the endpoint without a query: the SPARQL editor"},
                    **_error_responses(400, 403, 406, 413, *STORE_ERRORS),
                },
            },
            "post": {
                "summary": "SPARQL 1.1 Protocol query by POST (form or application/sparql-query)",
                "operationId": "sparqlPost",
                "tags": ["SPARQL"],
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"query": {"type": "string"}},
                                "required": ["query"],
                            }
                        },
                        "application/sparql-query": {"schema": {"type": "string"}},
                    }
                },
                "responses": {
                    "200": {"description": "results", "headers": TRUNCATION_HEADERS, "content": _results_content()},
                    **_error_responses(400, 403, 406, 413, 415, *STORE_ERRORS),
                },
            },
        },
        "/store": {
            "get": {
                "summary": "Graph Store Protocol, read-only",
                "operationId": "graphStore",
                "tags": ["SPARQL"],
                "parameters": [
                    {"name": "default", "in": "query", "allowEmptyValue": True, "schema": {"type": "string"}},
                    {"name": "graph", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "the graph", "content": _rdf_content()},
                    **_error_responses(400, 404, 406, *STORE_ERRORS),
                },
            }
        },
        "/graph": {
            "get": {
                "summary": "The whole knowledge graph",
                "operationId": "graph",
                "tags": ["Linked Data"],
                "parameters": [{"name": "format", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "RDF", "content": _rdf_content()},
                    **_error_responses(406, *STORE_ERRORS),
                },
            }
        },
        "/ontology": {
            "get": {
                "summary": "The OWL ontology",
                "operationId": "ontology",
                "tags": ["Linked Data"],
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["ttl", "nt", "rdf", "owl", "jsonld"]},
                    }
                ],
                "responses": {
                    "200": {"description": "RDF", "content": _rdf_content()},
                    **_error_responses(404, 406, *STORE_ERRORS),
                },
            }
        },
        "/entity/{entity_id}": {
            "get": {
                "summary": "An entity: HTML page, or its bounded description in RDF",
                "operationId": "entity",
                "tags": ["Linked Data"],
                "parameters": [
                    {"name": "entity_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "format", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "the entity",
                        "content": {"text/html": {"schema": {"type": "string"}}, **_rdf_content()},
                    },
                    **_error_responses(404, 406, *STORE_ERRORS),
                },
            }
        },
        "/api/queries": {
            "get": {
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
        },
        "/api/queries/{name}": {
            "get": {
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
                "responses": {
                    "200": CANNED_RESULT,
                    **_error_responses(400, 404, 406, *STORE_ERRORS),
                },
            }
        },
        "/api/ask": {
            "get": {
                "summary": "Answer a question in English",
                "operationId": "askGet",
                "tags": ["Q&A"],
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "description": "the question, at most 500 characters, no control characters",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "the answer",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}},
                    },
                    **_error_responses(400, *STORE_ERRORS),
                },
            },
            "post": {
                "summary": "Answer a question in English",
                "operationId": "askPost",
                "tags": ["Q&A"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["question"],
                                "properties": {"question": {"type": "string"}},
                            }
                        },
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["question"],
                                "properties": {"question": {"type": "string"}},
                            }
                        },
                    },
                },
                "responses": {
                    "200": {
                        "description": "the answer",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}},
                    },
                    **_error_responses(400, 413, *STORE_ERRORS),
                },
            },
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },
        "/": {
            "get": {
                "summary": "The web page",
                "operationId": "index",
                "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}},
            }
        },
    }
    for q in registry:
        paths[f"/api/queries/{q.name}"] = _canned_path(q)
    cell = {
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
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kgqa",
            "version": "0.1.0",
            "description": "Knowledge-graph question answering over a news article: a read-only SPARQL 1.1 "
            "endpoint, canned queries, Q&A and Linked Data pages.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
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
                },
                "Cell": cell,
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
                        "truncatedReason": {
                            "type": "string",
                            "description": "present when truncated: which limit cut the result",
                        },
                    },
                },
                "Catalog": {
                    "type": "object",
                    "properties": {"queries": {"type": "array", "items": {"type": "object"}}},
                },
                "Answer": {
                    "type": "object",
                    "required": ["question", "status", "answers"],
                    "properties": {
                        "question": {"type": "string"},
                        "status": {"enum": ["answered", "unknown"]},
                        "answers": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "label": {"type": "string"},
                                    "iri": {"type": ["string", "null"]},
                                    "altLabels": {"type": "array", "items": {"type": "string"}},
                                    "value": {"type": ["number", "boolean", "string", "null"]},
                                },
                            },
                        },
                        "sparql": {"type": ["string", "null"]},
                        "query": {"type": ["string", "null"]},
                        "bindings": {"type": "object"},
                        "evidence": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"text": {"type": "string"}, "source": {"type": "string"}},
                            },
                        },
                        "explanation": {"type": "string"},
                    },
                },
            }
        },
    }


def add_other_routes(doc: dict, app: Any) -> dict:
    """Describe routes other blueprints add (the web pages) from their docstrings, so that every
    route of the app is in the document even when its module is written elsewhere."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        if path in doc["paths"]:
            continue
        view = app.view_functions.get(rule.endpoint)
        summary = ((view.__doc__ or "").strip().splitlines() or [rule.endpoint])[0] if view else rule.endpoint
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", path)
        ]
        doc["paths"][path] = {
            "get": {
                "summary": summary,
                "operationId": rule.endpoint,
                "parameters": params,
                "responses": {"200": {"description": "an HTML page", "content": {"text/html": {}}}},
            }
        }
    return doc


@bp.route("/openapi.json")
def openapi() -> Any:
    # A configured public URL, else a relative server URL: never the request's Host header.
    base = current_app.extensions["kgqa"].settings.public_url
    doc = build(current_app.extensions["kgqa"].registry, (str(base).rstrip("/") + "/") if base else "/")
    return jsonify(add_other_routes(doc, current_app))
