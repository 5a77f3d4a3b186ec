"""Reading a SPARQL 1.1 Protocol request: pure functions of its method, content type, body and arguments.

No web framework here: the `/sparql` blueprint hands over the request as plain values
(`HttpRequest`) and gets the query, its dataset parameters and its format parameters back
(`SparqlRequest`), or one of the `kgqa.errors` exceptions saying what is wrong with it. So every
rule of the Protocol this service applies can be tested as a table, without an app.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from kgqa.errors import BadQuery, Forbidden, NotFound, TooLarge, UnsupportedMediaType
from kgqa.sparql.canonical import UPDATE_REFUSED

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
URLENCODED_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"
FORM_TYPES = frozenset({URLENCODED_TYPE, MULTIPART_TYPE})
# The parameters SPARQLWrapper and other clients use to name a reply format (they may repeat them).
FORMAT_PARAMS = ("format", "output", "results")
# The charsets an application/sparql-query body may declare: the Protocol says UTF-8.
QUERY_BODY_CHARSETS = frozenset({"utf-8", "ascii"})

# A parameter's values in the order they came: query-string arguments, form fields.
Fields = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class HttpRequest:
    """What the protocol reads of an HTTP request, as plain values.

    `mimetype`: the Content-Type without parameters, lower case ("" when absent); `charset`: its
    `charset=` parameter, if any. `body`: the bytes, or a function that reads them, so a body that
    is never needed (a GET, a body refused by its length) is never read. `multipart`: the web
    framework's parser for a multipart/form-data body, called only once the body is known to be
    UTF-8 (this module parses urlencoded forms itself, strictly).
    """

    method: str
    mimetype: str = ""
    charset: str | None = None
    content_length: int | None = None
    args: Fields = field(default_factory=dict)
    body: bytes | Callable[[], bytes] = b""
    multipart: Callable[[], Fields] | None = None

    def data(self) -> bytes:
        """The body's bytes (read now if they were not given)."""
        return self.body if isinstance(self.body, bytes) else self.body()


@dataclass(frozen=True)
class SparqlRequest:
    """A query operation as the Protocol defines it: the query (None: none given), the dataset
    parameters, and the format parameters a client added."""

    query: str | None
    default_graph_uris: list[str]
    named_graph_uris: list[str]
    format_params: list[str]


def form_unquote(raw: bytes) -> bytes:
    """A query-string or urlencoded-form component's bytes: `+` is a space, `%hh` a byte."""
    return unquote_to_bytes(raw.replace(b"+", b" "))


def body_charset(declared: str | None) -> str:
    """The codec named by a body's `charset=` (UTF-8 when absent).

    :raise UnsupportedMediaType 415: a charset Python has no codec for.
    """
    name = "utf-8" if declared is None else declared
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UnsupportedMediaType(f"unknown charset {name!r} in Content-Type; send UTF-8") from None


def query_body_charset(declared: str | None) -> str:
    """The charset of an `application/sparql-query` body: UTF-8, the only one the Protocol allows.

    SPARQL 1.1 Protocol §2.1.3 sends the query "unencoded" as the UTF-8 body; the W3C protocol
    suite's `bad_query_non_utf8` sends UTF-16 and expects a refusal.

    :raise UnsupportedMediaType 415: any other declared charset.
    """
    charset = body_charset(declared)
    if charset not in QUERY_BODY_CHARSETS:
        raise UnsupportedMediaType(
            f"an application/sparql-query body must be UTF-8 (SPARQL 1.1 Protocol), not {charset!r}"
        )
    return charset


def decode_strict(data: bytes, charset: str, what: str) -> str:
    """`data` decoded with `charset`; :raise BadQuery 400: if it is not text in that charset.

    Web frameworks put U+FFFD in place of bad bytes, and the query would run on text that nobody
    sent (issue 11: `"caf%E9"` ran as `"caf\ufffd"`).
    """
    try:
        return data.decode(charset)
    except UnicodeDecodeError as exc:
        raise BadQuery(
            f"the {what} is not valid {charset} (byte 0x{data[exc.start]:02x} at position {exc.start}); "
            "send text as UTF-8 or declare its charset"
        ) from None


def decode_urlencoded(body: bytes, charset: str) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body's fields, each name and value decoded strictly.

    :raise BadQuery 400: a name or value that is not text in `charset` once percent-decoded.
    """
    fields: dict[str, list[str]] = {}
    for part in body.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        name = decode_strict(form_unquote(key), charset, "form body")
        fields.setdefault(name, []).append(decode_strict(form_unquote(value), charset, "form body"))
    return fields


def read_form(req: HttpRequest) -> Fields:
    """The POSTed form's fields (none unless the request is a form POST).

    An urlencoded body is decoded here in its declared charset; a multipart body must be valid
    UTF-8 as a whole before the framework parses it (the endpoint takes no file uploads).
    """
    if req.method != "POST" or req.mimetype not in FORM_TYPES:
        return {}
    if req.mimetype == URLENCODED_TYPE:
        return decode_urlencoded(req.data(), body_charset(req.charset))
    decode_strict(req.data(), "utf-8", "multipart form body")
    return req.multipart() if req.multipart is not None else {}


def values(name: str, *sources: Fields) -> list[str]:
    """Every value of parameter `name`, from each source in turn."""
    return [v for source in sources for v in source.get(name, ())]


def format_params(*sources: Fields) -> list[str]:
    """Every value of the format parameters (`FORMAT_PARAMS`), by parameter, then by source."""
    return [v for name in FORMAT_PARAMS for v in values(name, *sources)]


def read_request(req: HttpRequest, *, max_bytes: int) -> SparqlRequest:
    """The query and its dataset and format parameters, from GET, a form POST or a direct POST.

    :raise Forbidden 403: an update request in any of its protocol forms.
    :raise BadQuery 400: a POST with an unsupported body type, or several `query` parameters.
    :raise TooLarge 413: a body over the query size limit (known from Content-Length, unread).
    :raise UnsupportedMediaType 415: a body in a charset we cannot (or may not) read.
    """
    form = read_form(req)
    if "update" in req.args or "update" in form:
        raise Forbidden(UPDATE_REFUSED, param="update")
    default = values("default-graph-uri", req.args)
    named = values("named-graph-uri", req.args)
    if req.method in ("GET", "HEAD"):  # HEAD answers like GET, without the body
        queries = values("query", req.args)
    elif req.mimetype == UPDATE_TYPE:
        raise Forbidden(UPDATE_REFUSED)
    elif req.mimetype == QUERY_TYPE:
        if req.content_length is not None and req.content_length > max_bytes:
            raise TooLarge(f"query is longer than the {max_bytes} byte limit")
        charset = query_body_charset(req.charset)
        queries = [decode_strict(req.data(), charset, "application/sparql-query body")]
    elif req.mimetype in FORM_TYPES or not req.mimetype:
        queries = values("query", form, req.args)
        default += values("default-graph-uri", form)
        named += values("named-graph-uri", form)
    else:
        raise BadQuery(
            f"unsupported request body type {req.mimetype!r}: POST the query as "
            "application/x-www-form-urlencoded (query=...) or as application/sparql-query"
        )
    if len(queries) > 1:
        raise BadQuery("give exactly one `query` parameter", param="query")
    return SparqlRequest(
        query=queries[0] if queries else None,
        default_graph_uris=default,
        named_graph_uris=named,
        format_params=format_params(req.args, form),
    )


def graph_store_target(args: Fields, known_graphs: frozenset[str]) -> tuple[list[str], str]:
    """What a read-only Graph Store Protocol GET asks for: the graphs to dump and the file name.

    `?default` (the union default graph) and no parameter both mean every graph.

    :raise BadQuery 400: both `default` and `graph`.
    :raise NotFound 404: a graph that is not in the store.
    """
    graphs = sorted(known_graphs)
    if "graph" not in args:
        return graphs, "kgqa-store"
    if "default" in args:
        raise BadQuery("give either ?default or ?graph=IRI, not both")
    iri = args["graph"][0]
    if iri not in known_graphs:
        raise NotFound(f"no graph <{iri}> in this store; graphs: " + ", ".join(graphs), graph=iri)
    return [iri], iri.rstrip("/#").rsplit("/", 1)[-1]
