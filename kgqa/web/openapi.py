"""`/openapi.json`: an OpenAPI 3.1 description of every route, assembled from what each view declares.

Each blueprint module declares its routes' operations next to them (`kgqa.web.apidoc.documented`);
this module walks the app's URL map and puts them together, with the component schemas they refer
to. Each canned query also gets its own path (`/api/queries/round-lead`) with its declared
parameters, so Swagger-style tools show a form per query (grlc's idea). A route whose view declares
nothing is still listed, as an HTML page described by its docstring; `tests/web/test_api.py` checks that
every route is declared and that every documented path is a route, so the document cannot drift
from the code.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.routing import Rule

from kgqa.web.apidoc import ERROR_SCHEMA, PAGE, Declared, declared, documented

bp = Blueprint("openapi", __name__)

INFO = {
    "title": "kgqa",
    "version": "0.1.0",
    "description": "Knowledge-graph question answering over a news article: a read-only SPARQL 1.1 "
    "endpoint, canned queries, Q&A and Linked Data pages.",
}
_IGNORED_METHODS = {"HEAD", "OPTIONS"}


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: `/entity/<path:entity_id>` is `/entity/{entity_id}`."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def documented_rules(app: Flask) -> list[Rule]:
    """The app's rules that /openapi.json describes: all but the static files."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static" and not r.endpoint.endswith(".static")]


def _operations(rule: Rule, view: Any, registry: Any) -> dict[str, dict[str, Any]]:
    """A rule's operations by method; what the view does not say comes from its docstring and endpoint."""
    found = declared(view) or Declared({"get": PAGE})
    path = openapi_path(rule.rule)
    summary = ((view.__doc__ or "").strip().splitlines() or [rule.endpoint])[0]
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in re.findall(r"{(\w+)}", path)
    ]
    ops = found.operations_for(registry)
    for op in ops.values():
        op.setdefault("summary", summary)
        op.setdefault("operationId", rule.endpoint)
        if params:
            op.setdefault("parameters", params)
    return ops


def assemble(app: Flask, registry: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The paths and the component schemas the app's views declare."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for rule in documented_rules(app):
        view = app.view_functions[rule.endpoint]
        paths.setdefault(openapi_path(rule.rule), {}).update(_operations(rule, view, registry))
        if found := declared(view):
            paths.update(found.paths_for(registry))
            schemas.update(found.schemas)
    return paths, schemas


def build(app: Flask, registry: Any, server_url: str = "/") -> dict:
    """The OpenAPI document for this app and its registry."""
    paths, schemas = assemble(app, registry)
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


@bp.route("/openapi.json")
@documented(
    get={"summary": "This document", "operationId": "openapi", "responses": {"200": {"description": "OpenAPI 3.1"}}}
)
def openapi() -> Any:
    """This document."""
    # A configured public URL, else a relative server URL: never the request's Host header.
    base = current_app.extensions["kgqa"].settings.public_url
    server_url = (str(base).rstrip("/") + "/") if base else "/"
    return jsonify(build(current_app, current_app.extensions["kgqa"].registry, server_url))  # type: ignore[arg-type]
