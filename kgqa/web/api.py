"""`/api/queries` (the canned-query catalog and runner) and `/healthz`."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from kgqa.canned.results import result_json, run
from kgqa.errors import BadQuery, NotAcceptable, StoreError
from kgqa.sparql import formats

bp = Blueprint("api", __name__)

# Media types a canned-query reply can take: our JSON shape, or the SPARQL CSV/TSV of the rows.
_API_TYPES = [formats.JSON, formats.CSV.media_type, formats.TSV.media_type]
_API_PARAMS = {"json": formats.JSON, "csv": formats.CSV.media_type, "tsv": formats.TSV.media_type}


def state() -> Any:
    return current_app.extensions["kgqa"]


@bp.route("/healthz")
def healthz() -> Response:
    """Ready check: answers only once the store is open; counts the triples it holds, and says
    whether the query workers run without network (`workerNetwork`: `isolated` in a network
    namespace of their own, `isolated-userns` in a user and network namespace, `host` not isolated).

    :raise StoreError 502: if the store does not answer a trivial query.
    """
    st = state()
    try:
        st.store.query("ASK { }", timeout_s=min(st.settings.query_timeout, 5.0))
    except Exception as exc:
        raise StoreError("the store does not answer") from exc
    body: dict[str, Any] = {"status": "ok", "triples": st.triples}
    network = getattr(st.store, "worker_network", None)
    if network is not None:
        body["workerNetwork"] = network
    return jsonify(body)


@bp.route("/api/queries")
def catalog() -> Response:
    """Every canned query: name, title, description, parameters, example questions, SPARQL."""
    return jsonify({"queries": [q.to_json() for q in state().registry]})


def _api_format() -> str:
    # Exactly json/csv/tsv in any ASCII case, or empty: what /openapi.json describes (no stripping,
    # so "format=%0A" is a 406 like any other unknown value; found by tests/test_fuzz_api.py).
    wanted = request.args.get("format", "").lower()
    if wanted:
        if wanted not in _API_PARAMS:
            raise NotAcceptable(f"format must be one of {', '.join(_API_PARAMS)}", param="format")
        return _API_PARAMS[wanted]
    if not request.accept_mimetypes:
        return formats.JSON
    best = request.accept_mimetypes.best_match(_API_TYPES)
    if best is None:
        raise NotAcceptable("this API answers application/json, text/csv or text/tab-separated-values")
    return best


@bp.route("/api/queries/<name>")
def run_canned(name: str) -> Response:
    """Run one canned query with `?param=value` and answer JSON (default), CSV or TSV.

    :raise NotFound 404: unknown query. :raise BadQuery 400: missing or wrong parameter.
    """
    st = state()
    canned = st.registry.get(name)
    for key in request.args:
        # `request.args.to_dict()` keeps the first value: a repeated parameter (`?first=A&first=B`)
        # would silently answer for A only, so refuse it (issue 7, tests/test_bad_inputs.py).
        if len(values := request.args.getlist(key)) > 1:
            raise BadQuery(f"parameter {key!r} is given {len(values)} times; give it once", param=key)
    media = _api_format()
    if media == formats.JSON:
        result, bindings = run(st, canned, request.args.to_dict())
        body = result_json(st, canned, result, bindings)
        resp = Response(json.dumps(body, ensure_ascii=False), content_type=formats.JSON)
    else:
        fmt = formats.CSV if media == formats.CSV.media_type else formats.TSV
        result, _ = run(st, canned, request.args.to_dict(), results_format=fmt)
        if result.form == "graph":
            raise NotAcceptable("this query returns a graph; ask for JSON")
        resp = Response(result.serialize(fmt), content_type=fmt.content_type)
        resp.headers["Content-Disposition"] = f'inline; filename="{name}.{fmt.extension}"'
    resp.headers["Vary"] = "Accept"
    if result.truncated:
        resp.headers["X-KGQA-Truncated"] = "true"
    return resp
