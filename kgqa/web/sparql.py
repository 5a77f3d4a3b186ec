"""`/sparql`: the SPARQL 1.1 Protocol query operation, and `/store`: read-only Graph Store Protocol.

Small steps, each its own function (unlike rdflib-endpoint's one closure that does everything):
read the request (`kgqa.sparql.protocol`, pure functions of the request's plain values) → check
policy → negotiate → run (`kgqa.sparql.runner`) → write the reply.
Updates have no route at all; an `update=` parameter or an update body is refused with 403.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template_string, request, url_for
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_accept_header

from kgqa.errors import NotAcceptable
from kgqa.sparql import encode, formats, protocol
from kgqa.sparql.formats import Format
from kgqa.sparql.policy import CheckedQuery
from kgqa.sparql.results import Dataset, Result
from kgqa.sparql.runner import check_user_query, request_deadline, run_internal_query, run_user_query
from kgqa.web.apidoc import STORE_ERRORS, TRUNCATION_HEADERS, documented, error_responses, format_param, formats_content

bp = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"

# --- what /openapi.json says of these routes (kgqa/web/apidoc.py) ---
_ANY_RESULT = formats_content(formats.REGISTRY)
_GRAPH_PARAMS = [
    {
        "name": name,
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
        "description": description,
    }
    for name, description in (
        ("default-graph-uri", "graphs of this store to use as the default graph"),
        ("named-graph-uri", "graphs of this store visible to GRAPH"),
    )
]
SPARQL_GET = {
    "summary": "SPARQL 1.1 Protocol query (read-only)",
    "operationId": "sparqlGet",
    "tags": ["SPARQL"],
    "parameters": [
        {
            "name": "query",
            "in": "query",
            "schema": {"type": "string"},
            "description": "a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE); without it, the service description",
        },
        *_GRAPH_PARAMS,
        format_param("results", "graph"),
    ],
    "responses": {
        "200": {
            "description": "results, or (without a query) the service description",
            "headers": TRUNCATION_HEADERS,
            "content": _ANY_RESULT,
        },
        "303": {"description": "a browser asking for the endpoint without a query: the SPARQL editor"},
        **error_responses(400, 403, 406, 413, *STORE_ERRORS),
    },
}
SPARQL_POST = {
    "summary": "SPARQL 1.1 Protocol query by POST (form or application/sparql-query)",
    "operationId": "sparqlPost",
    "tags": ["SPARQL"],
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
            },
            "application/sparql-query": {"schema": {"type": "string"}},
        }
    },
    "responses": {
        "200": {"description": "results", "headers": TRUNCATION_HEADERS, "content": _ANY_RESULT},
        **error_responses(400, 403, 406, 413, 415, *STORE_ERRORS),
    },
}
GRAPH_STORE_GET = {
    "summary": "Graph Store Protocol, read-only",
    "operationId": "graphStore",
    "tags": ["SPARQL"],
    "parameters": [
        {"name": "default", "in": "query", "allowEmptyValue": True, "schema": {"type": "string"}},
        {"name": "graph", "in": "query", "schema": {"type": "string"}},
        format_param("graph"),
    ],
    "responses": {
        "200": {"description": "the graph", "content": formats_content(formats.GRAPH_FORMATS)},
        **error_responses(400, 404, 406, *STORE_ERRORS),
    },
}


def state() -> Any:
    return current_app.extensions["kgqa"]


def public_base() -> str:
    """The service's own base URL, without a trailing slash: `KGQA_PUBLIC_URL` when set, else the
    address the server is bound to (waitress's SERVER_NAME/SERVER_PORT, set by `kgqa serve`).

    Never the request's Host header: a client could make the service name any host it likes
    (in the service description, in links), and a cache would keep that for everyone.
    """
    configured = state().settings.public_url
    if configured:
        return str(configured).rstrip("/")
    env = request.environ
    scheme = env.get("wsgi.url_scheme", "http")
    name = str(env.get("SERVER_NAME", "localhost"))
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    port = str(env.get("SERVER_PORT", ""))
    default_port = {"http": "80", "https": "443"}.get(scheme)
    return f"{scheme}://{name}" + ("" if not port or port == default_port else f":{port}") + request.script_root


def _fields(multi: MultiDict) -> dict[str, list[str]]:
    return multi.to_dict(flat=False)


def http_request() -> protocol.HttpRequest:
    """The current request as `kgqa.sparql.protocol` reads it; the body is read only on demand
    (and before anything touches `request.form`, which would consume it)."""
    return protocol.HttpRequest(
        method=request.method,
        mimetype=request.mimetype,
        charset=request.mimetype_params.get("charset"),
        content_length=request.content_length,
        args=_fields(request.args),
        body=lambda: request.get_data(cache=True),
        multipart=lambda: _fields(request.form),
    )


def query_format_params() -> list[str]:
    """The format parameters of a request that carries no query (`/store`, `/ontology`): its URL's."""
    return protocol.format_params(_fields(request.args))


# Longer Accept headers and format parameters are negotiated afresh each time, so that what the
# cache holds stays small whatever clients send.
_CACHEABLE_CHARS = 512


@functools.lru_cache(maxsize=256)
def _negotiate_cached(accept: str, kind: str, params: tuple[str, ...]) -> Format | None:
    """`formats.negotiate` for an Accept header's text; cached, since it is a pure function of it.

    Parsing and matching Accept (q-values, wildcards) cost more than the rest of the `/sparql` view
    on a small query, and a client sends the same header with every request.
    """
    return formats.negotiate(parse_accept_header(accept or None, MIMEAccept), kind, params)  # type: ignore[arg-type]


def choose_format(kind: str, format_params: Sequence[str] | None = None) -> Format:
    """The reply format for `format_params` (by default the URL's) and the Accept header.

    :raise NotAcceptable 406: when neither `format=` nor Accept names something we can write.
    """
    accept = request.headers.get("Accept", "")
    params = tuple(query_format_params() if format_params is None else format_params)
    if len(accept) + sum(len(p) for p in params) <= _CACHEABLE_CHARS:
        fmt = _negotiate_cached(accept, kind, params)
    else:
        fmt = formats.negotiate(request.accept_mimetypes, kind, params)  # type: ignore[arg-type]
    if fmt is None:
        raise NotAcceptable(
            "none of the accepted media types can represent this result; available: "
            + ", ".join(f.media_type for f in formats.of_kind(kind))  # type: ignore[arg-type]
        )
    return fmt


def reply(result: Result, fmt: Format, *, filename: str | None = None) -> Response:
    """Write a result with its exact media type, `Vary: Accept`, and the truncation header."""
    resp = Response(result.serialize(fmt), content_type=fmt.content_type)
    resp.headers["Vary"] = "Accept"
    if result.truncated:
        resp.headers["X-KGQA-Truncated"] = "true"
        if result.note:  # which limit cut it, e.g. "... under the 8388608-byte limit (KGQA_MAX_RESULT_BYTES)"
            resp.headers["X-KGQA-Truncated-Reason"] = result.note
    if filename:
        resp.headers["Content-Disposition"] = f'inline; filename="{filename}.{fmt.extension}"'
    return resp


@bp.route("/sparql", methods=["GET", "POST"])
@documented(get=SPARQL_GET, post=SPARQL_POST)
def sparql() -> Response:
    """SPARQL 1.1 Protocol query operation (GET, form POST, direct POST)."""
    req = protocol.read_request(http_request(), max_bytes=state().settings.max_query_bytes)
    if req.query is None and request.method in ("GET", "HEAD"):
        return service_description(req.format_params)
    live = state().pinned()  # resolved once: the check and the run read several of its attributes
    deadline = request_deadline(live)  # one time limit for the check and the run together
    checked: CheckedQuery = check_user_query(live, req.query, deadline=deadline)
    fmt = choose_format(checked.kind, req.format_params)  # before running: a 406 should cost nothing
    _, result = run_user_query(
        live,
        checked,
        default_graph_uris=req.default_graph_uris,
        named_graph_uris=req.named_graph_uris,
        results_format=fmt if fmt.kind == "results" else formats.SPARQL_JSON,
        graph_format=fmt if fmt.kind == "graph" else formats.N_TRIPLES,
        deadline=deadline,
    )
    return reply(result, fmt)


_PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgqa SPARQL endpoint</title></head>
<body><h1>kgqa SPARQL endpoint</h1>
<p>This is a read-only SPARQL 1.1 endpoint. Send a query as <code>?query=</code> (GET), as a form
POST or as an <code>application/sparql-query</code> body. The query editor is coming soon.</p>
<form method="get" action="{{ endpoint }}">
<textarea name="query" rows="8" cols="80">SELECT * WHERE { ?s ?p ?o } LIMIT 10</textarea><br>
<button type="submit">Run</button></form>
<p>Service description: <a href="{{ endpoint }}?format=turtle">Turtle</a>.
API: <a href="{{ url_for('openapi.openapi') }}">OpenAPI</a>.</p>
</body></html>"""


def service_description(format_params: Sequence[str]) -> Response:
    """SPARQL 1.1 Service Description in the RDF format asked for; browsers get an HTML page."""
    candidates = [f.media_type for f in formats.GRAPH_FORMATS] + [formats.HTML]
    best = request.accept_mimetypes.best_match(candidates) if request.accept_mimetypes else None
    wants_html = best == formats.HTML and not format_params
    endpoint = public_base() + url_for("sparql.sparql")  # never from the Host header
    if wants_html:
        if "web.editor" in current_app.view_functions:  # the web page's YASGUI editor (issue 5)
            return redirect(url_for("web.editor"), code=303)
        html = render_template_string(_PLACEHOLDER, endpoint=endpoint)
        resp = Response(html, content_type="text/html; charset=utf-8")
        resp.headers["Vary"] = "Accept"
        return resp
    fmt = choose_format("graph", format_params)
    triples = description_triples(endpoint, sorted(state().known_graphs))
    resp = Response(encode.serialize_graph(triples, fmt), content_type=fmt.content_type)
    resp.headers["Vary"] = "Accept"
    return resp


def description_triples(endpoint: str, graphs: list[str]) -> list[ox.Triple]:
    """The service description graph: endpoint, language, formats, union default graph, named graphs."""
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    svc = ox.NamedNode(endpoint + "#service")

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    out = [
        ox.Triple(svc, rdf_type, sd("Service")),
        ox.Triple(svc, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
    ]
    for fmt in formats.REGISTRY:
        out.append(ox.Triple(svc, sd("resultFormat"), ox.NamedNode(fmt.w3c_iri)))
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")
    out += [
        ox.Triple(svc, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, sd("Graph")),
    ]
    for i, g in enumerate(graphs):
        node = ox.BlankNode(f"g{i}")
        out += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, rdf_type, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(g)),
        ]
    return out


# --- Graph Store Protocol, read-only -----------------------------------------------------------


def graph_dump(graphs: list[str], *, filename: str | None = None) -> Response:
    """All triples of the given named graphs, in the negotiated RDF format, uncapped.

    Runs as a CONSTRUCT over an explicit dataset so that it works the same on a remote store.
    """
    fmt = choose_format("graph")
    st = state()
    result = run_internal_query(
        st,
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        dataset=Dataset(default_graphs=tuple(graphs), named_graphs=()),
        timeout_s=max(st.settings.query_timeout, 60.0),
        graph_format=fmt,
        max_rows=None,
    )
    return reply(result, fmt, filename=filename)


@bp.route("/store", methods=["GET"])
@documented(get=GRAPH_STORE_GET)
def graph_store() -> Response:
    """GSP GET: `?default` (the union default graph), `?graph=IRI`, or no parameter (everything).

    :raise NotFound 404: a graph that is not in the store.
    :raise BadQuery 400: both `default` and `graph`.
    """
    graphs, filename = protocol.graph_store_target(_fields(request.args), state().known_graphs)
    return graph_dump(graphs, filename=filename)
