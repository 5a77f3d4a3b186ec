"""`/sparql`: the SPARQL 1.1 Protocol query operation, and `/store`: read-only Graph Store Protocol.

Small steps, each its own function (unlike rdflib-endpoint's one closure that does everything):
read the request → check policy → negotiate → run on the store → write the reply.
Updates have no route at all; an `update=` parameter or an update body is refused with 403.
"""

from __future__ import annotations

import codecs
import functools
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template_string, request, url_for
from flask import g as flask_g
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_accept_header

from kgqa.errors import BadQuery, Forbidden, NotAcceptable, NotFound, TooLarge, UnsupportedMediaType
from kgqa.sparql import encode, formats
from kgqa.sparql.canonical import UPDATE_REFUSED
from kgqa.sparql.formats import Format
from kgqa.sparql.policy import CheckedQuery
from kgqa.sparql.results import Dataset, Result
from kgqa.sparql.runner import check, request_deadline, run_sparql
from kgqa.web.guards import form_unquote

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
FORMAT_PARAMS = ("format", "output", "results")

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
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


def body_charset() -> str:
    """The codec named by the body's `charset=` (UTF-8 when absent).

    :raise UnsupportedMediaType 415: a charset Python has no codec for.
    """
    declared = request.mimetype_params.get("charset", "utf-8")
    try:
        return codecs.lookup(declared).name
    except LookupError:
        raise UnsupportedMediaType(f"unknown charset {declared!r} in Content-Type; send UTF-8") from None


def query_body_charset() -> str:
    """The charset of an `application/sparql-query` body: UTF-8, the only one the Protocol allows.

    SPARQL 1.1 Protocol §2.1.3 sends the query "unencoded" as the UTF-8 body; the W3C protocol
    suite's `bad_query_non_utf8` sends UTF-16 and expects a refusal.

    :raise UnsupportedMediaType 415: any other declared charset.
    """
    charset = body_charset()
    if charset not in {"utf-8", "ascii"}:
        raise UnsupportedMediaType(
            f"an application/sparql-query body must be UTF-8 (SPARQL 1.1 Protocol), not {charset!r}"
        )
    return charset


def decode_strict(data: bytes, charset: str, what: str) -> str:
    """`data` decoded with `charset`; :raise BadQuery 400: if it is not text in that charset.

    Werkzeug would put U+FFFD in place of bad bytes, and the query would run on text that nobody
    sent (issue 11: `"caf%E9"` ran as `"caf\ufffd"`).
    """
    try:
        return data.decode(charset)
    except UnicodeDecodeError as exc:
        raise BadQuery(
            f"the {what} is not valid {charset} (byte 0x{data[exc.start]:02x} at position {exc.start}); "
            "send text as UTF-8 or declare its charset"
        ) from None


def form() -> MultiDict:
    """The POSTed form's fields; an urlencoded body is decoded strictly in its declared charset.

    A multipart body is parsed by Werkzeug, which would put U+FFFD in place of bad bytes, so it
    must be valid UTF-8 as a whole first (the endpoint takes no file uploads). Cached per request;
    the body is read here before anything touches `request.form`, which would consume it.
    """
    if "kgqa_form" not in flask_g:
        if request.method != "POST" or request.mimetype not in FORM_TYPES:
            flask_g.kgqa_form = MultiDict()
        elif request.mimetype == "application/x-www-form-urlencoded":
            charset = body_charset()
            fields: MultiDict = MultiDict()
            for part in request.get_data(cache=True).split(b"&"):
                if not part:
                    continue
                key, _, value = part.partition(b"=")
                fields.add(
                    decode_strict(form_unquote(key), charset, "form body"),
                    decode_strict(form_unquote(value), charset, "form body"),
                )
            flask_g.kgqa_form = fields
        else:
            decode_strict(request.get_data(cache=True), "utf-8", "multipart form body")
            flask_g.kgqa_form = request.form
    return flask_g.kgqa_form


def format_params() -> list[str]:
    """Every value of the format parameters SPARQLWrapper and others add (it may repeat them)."""
    values: list[str] = []
    for name in FORMAT_PARAMS:
        values += request.args.getlist(name) + form().getlist(name)
    return values


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


def choose_format(kind: str) -> Format:
    """:raise NotAcceptable 406: when neither `format=` nor Accept names something we can write."""
    accept = request.headers.get("Accept", "")
    params = tuple(format_params())
    if len(accept) + sum(len(p) for p in params) <= _CACHEABLE_CHARS:
        fmt = _negotiate_cached(accept, kind, params)
    else:
        fmt = formats.negotiate(request.accept_mimetypes, kind, params)  # type: ignore[arg-type]
    if fmt is None:
        offered = formats.RESULT_FORMATS if kind == "results" else formats.GRAPH_FORMATS
        raise NotAcceptable(
            "none of the accepted media types can represent this result; available: "
            + ", ".join(f.media_type for f in offered)
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


def read_query() -> tuple[str | None, list[str], list[str]]:
    """The query text and dataset parameters, from GET, a form POST or a direct POST.

    :raise Forbidden 403: an update request in any of its protocol forms.
    :raise BadQuery 400: a POST with an unsupported body type, or several `query` parameters.
    :raise TooLarge 413: a body over the query size limit.
    """
    limit = state().settings.max_query_bytes
    if "update" in request.args or "update" in form():
        raise Forbidden(UPDATE_REFUSED, param="update")
    default = request.args.getlist("default-graph-uri")
    named = request.args.getlist("named-graph-uri")
    if request.method in ("GET", "HEAD"):  # HEAD answers like GET, without the body (Flask drops it)
        queries = request.args.getlist("query")
    elif request.mimetype == UPDATE_TYPE:
        raise Forbidden(UPDATE_REFUSED)
    elif request.mimetype == QUERY_TYPE:
        if request.content_length is not None and request.content_length > limit:
            raise TooLarge(f"query is longer than the {limit} byte limit")
        queries = [decode_strict(request.get_data(), query_body_charset(), "application/sparql-query body")]
    elif request.mimetype in FORM_TYPES or not request.mimetype:
        queries = form().getlist("query") + request.args.getlist("query")
        default += form().getlist("default-graph-uri")
        named += form().getlist("named-graph-uri")
    else:
        raise BadQuery(
            f"unsupported request body type {request.mimetype!r}: POST the query as "
            "application/x-www-form-urlencoded (query=...) or as application/sparql-query"
        )
    if len(queries) > 1:
        raise BadQuery("give exactly one `query` parameter", param="query")
    return (queries[0] if queries else None), default, named


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """SPARQL 1.1 Protocol query operation (GET, form POST, direct POST)."""
    text, default, named = read_query()
    if text is None and request.method in ("GET", "HEAD"):
        return service_description()
    live = state().pinned()  # resolved once: the check and run_sparql read several of its attributes
    deadline = request_deadline(live)  # one time limit for the check and the run together
    checked: CheckedQuery = check(live, text, deadline=deadline)
    fmt = choose_format(checked.kind)  # before running: a 406 should cost nothing
    _, result = run_sparql(
        live,
        checked,
        default_graph_uris=default,
        named_graph_uris=named,
        results_format=fmt if fmt.kind == "results" else formats.SPARQL_JSON,
        graph_format=fmt if fmt.kind == "graph" else formats.N_TRIPLES,
        deadline=deadline,
        user=True,  # a client's query: it leaves the reserved workers to questions and canned queries
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


def service_description() -> Response:
    """SPARQL 1.1 Service Description in the RDF format asked for; browsers get an HTML page."""
    candidates = [f.media_type for f in formats.GRAPH_FORMATS] + [formats.HTML]
    best = request.accept_mimetypes.best_match(candidates) if request.accept_mimetypes else None
    wants_html = best == formats.HTML and not format_params()
    endpoint = public_base() + url_for("sparql.sparql")  # never from the Host header
    if wants_html:
        if "web.editor" in current_app.view_functions:  # the web page's YASGUI editor (issue 5)
            return redirect(url_for("web.editor"), code=303)
        html = render_template_string(_PLACEHOLDER, endpoint=endpoint)
        resp = Response(html, content_type="text/html; charset=utf-8")
        resp.headers["Vary"] = "Accept"
        return resp
    fmt = choose_format("graph")
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
    for name in _SD_FORMATS.values():
        out.append(ox.Triple(svc, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name)))
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
    result = st.store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        dataset=Dataset(default_graphs=tuple(graphs), named_graphs=()),
        timeout_s=max(st.settings.query_timeout, 60.0),
        graph_format=fmt,
        max_rows=None,
    )
    return reply(result, fmt, filename=filename)


@bp.route("/store", methods=["GET"])
def graph_store() -> Response:
    """GSP GET: `?default` (the union default graph), `?graph=IRI`, or no parameter (everything).

    :raise NotFound 404: a graph that is not in the store.
    :raise BadQuery 400: both `default` and `graph`.
    """
    graphs = sorted(state().known_graphs)
    if "graph" in request.args:
        if "default" in request.args:
            raise BadQuery("give either ?default or ?graph=IRI, not both")
        iri = request.args["graph"]
        if iri not in state().known_graphs:
            raise NotFound(f"no graph <{iri}> in this store; graphs: " + ", ".join(graphs), graph=iri)
        return graph_dump([iri], filename=iri.rstrip("/#").rsplit("/", 1)[-1])
    return graph_dump(graphs, filename="kgqa-store")
