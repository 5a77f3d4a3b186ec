"""Read-only and closed: which queries may run at all, decided on the text the engine will run.

Refused, never executed:
- SPARQL Update in any form (INSERT/DELETE/LOAD/CLEAR/CREATE/DROP/COPY/MOVE/ADD/WITH): 403. An
  update does not parse as a query, so the engine could not run one anyway; the 403 says why.
- `SERVICE` anywhere: Oxigraph would call the remote endpoint from the server (SSRF). Nothing in
  pyoxigraph 0.5 turns that off, so besides this check the embedded store's query workers run
  without a network (`kgqa/store/pool.py`).
- A function outside SPARQL 1.1, on every store: 403 naming it. SPARQL 1.1's functions are
  keywords; a call by IRI may only be one of the XSD casts of §17.5 (`FUNCTIONS`). A remote store
  has functions of its own that reach outside (Virtuoso's `bif:http_get` fetches any URL, `sql:`
  calls stored procedures), and the service documents none of its own. Names in an engine's
  extension namespaces (`ENGINE_NAMESPACES`) are refused anywhere in the query, not only as calls:
  Virtuoso's `bif:contains` and Jena's `apf:` property functions run as predicates.
- FROM / FROM NAMED / `default-graph-uri` / `named-graph-uri` naming a graph that is not in the
  store: 400, as the Protocol answers a dataset the service will not serve. Oxigraph only
  selects stored graphs, but a clear refusal beats a silently empty answer, and a store that
  dereferences them (rdflib does) could never be reached anyway.

How a decision is taken: the text is read once into tokens (`kgqa.sparql.canonical`), every check
below looks at those tokens, and the engine is handed the canonical text written back from them
(`CheckedQuery.text`), never the client's. A checker and an engine that read one text two ways
(comments ended by a bare CR, `\\u` escapes) cannot disagree here, because there is one reading.
Oxigraph's own parser then has the last word on syntax, without evaluating anything:
`Store.query()` parses first and then rejects the contradictory options
`use_default_graph_as_union=True, default_graph=[]` with a ValueError (pinned by
`tests/sparql/test_policy.py`). That parse is native code that can crash on hostile input, so for user
queries it runs in a query worker (`check_syntax`, sent there by the store), never in the server
process; the token checks run before it, in the server process.

The names of the steps, from the inside out: `check_tokens` (pure Python, server process),
`check_syntax` (the engine's parse, native code), `analyse_query` (both, and the query's form and
FROM graphs read into a `CheckedQuery`), `check_query` (the size limit, then `analyse_query` or a
store's `analyse`, which is `analyse_query` with `check_syntax` in a worker; verdicts cached).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kgqa.errors import BadQuery, DatasetRefused, Forbidden, TooLarge
from kgqa.sparql import canonical
from kgqa.sparql.messages import syntax_message
from kgqa.sparql.results import Dataset
from kgqa.vocab import RESOURCE_NS, XSD

# Relative IRIs in a query resolve against this when it has no BASE of its own: the namespace of
# the graph's entities, so `<minimax>` names the MiniMax resource. A fixed base (not the request's
# Host) means one query text means one thing whoever sends it and through whichever address.
BASE_IRI = RESOURCE_NS

_ORACLE = ox.Store()


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the policy: the canonical text that runs, its form and its dataset."""

    text: str
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    # Variables a SELECT projects (None for `SELECT *` and other forms). Canned queries must project
    # their parameters, so that every row says which entity it answers for.
    projection: tuple[str, ...] | None = None

    @property
    def kind(self) -> str:
        """`results` for SELECT/ASK, `graph` for CONSTRUCT/DESCRIBE: which formats can answer it."""
        return "results" if self.form in {"SELECT", "ASK"} else "graph"

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


def oxigraph_syntax_error(text: str) -> str | None:
    """Oxigraph's syntax error for `text`, or None if it parses. Never evaluates the query."""
    try:
        _ORACLE.query(text, base_iri=BASE_IRI, use_default_graph_as_union=True, default_graph=[])
    except SyntaxError as exc:
        return str(exc)
    except ValueError:
        return None
    # Not reached with pyoxigraph 0.5: parse succeeded and the option check did not fire.
    raise RuntimeError("pyoxigraph accepted contradictory dataset options; the parse oracle is broken")


# The only functions a query may call by IRI: SPARQL 1.1's XSD casts (Query §17.5). Every other
# function of SPARQL 1.1 is a keyword, and the service documents no function of its own.
FUNCTIONS = frozenset(XSD + name for name in ("boolean", "double", "float", "decimal", "integer", "dateTime", "string"))
# Namespaces of engines' own functions and magic predicates, refused wherever they appear (no
# graph of the service uses them), with whose they are for the message. Compared lower-cased.
ENGINE_NAMESPACES: dict[str, str] = {
    "bif:": "Virtuoso's built-in functions",
    "sql:": "Virtuoso's SQL procedures",
    "http://www.openlinksw.com/schemas/bif#": "Virtuoso's built-in functions",
    "http://www.openlinksw.com/schemas/virtrdf#": "Virtuoso's own system vocabulary",
    "http://jena.apache.org/arq/function#": "Jena ARQ's functions (afn:)",
    "http://jena.apache.org/arq/property#": "Jena ARQ's property functions (apf:)",
    "http://jena.hpl.hp.com/arq/function#": "Jena ARQ's functions (afn:)",
    "http://jena.hpl.hp.com/arq/property#": "Jena ARQ's property functions (apf:)",
    "http://jena.apache.org/text#": "Jena's text search",
    "java:": "Jena's functions by Java class",
    "http://www.ontotext.com/": "GraphDB's plugins",
}


def refuse_functions(reading: canonical.Reading) -> None:
    """:raise Forbidden 403: a call of a function outside SPARQL 1.1 (by IRI, not an XSD cast), or a
    name in an engine's extension namespace anywhere; the message names it."""
    tokens = reading.tokens
    for i, iri in enumerate(canonical.iri_values(reading, BASE_IRI)):
        declared = i > 1 and tokens[i - 2].kind == "word" and tokens[i - 2].value == "PREFIX"
        engine = next((who for ns, who in ENGINE_NAMESPACES.items() if iri and iri.lower().startswith(ns)), None)
        if engine is not None and not declared:
            raise Forbidden(
                f"<{iri}> is one of {engine}, which this endpoint does not support: it runs SPARQL 1.1 "
                "only, on every store"
            )
    for iri, _ in canonical.function_calls(reading, BASE_IRI):
        if iri not in FUNCTIONS:
            raise Forbidden(
                f"the query calls the function <{iri}>, which is not SPARQL 1.1's and is not supported: "
                "this endpoint runs only SPARQL 1.1's built-in functions and its XSD casts "
                "(xsd:boolean, xsd:double, xsd:float, xsd:decimal, xsd:integer, xsd:dateTime, xsd:string)"
            )


# Deeper than this, or with a longer chain of operators, a query is refused before any native
# parser sees it (see `canonical.shape` for where pyoxigraph 0.5.13 crashes). No real query comes
# near either: the canned queries nest at most 6 deep, and their longest chain has 9 operators.
MAX_NESTING = 64
MAX_CHAIN = 1000


def check_tokens(text: str) -> tuple[canonical.Reading, str | None]:
    """The checks that need no native parser: read the text once and look at its tokens.

    Pure Python and iterative, so it runs in the server process whatever the text. Returns the
    reading and the query form (None when the text starts with no query form).

    :raise BadQuery 400: a lexical error, nesting deeper than MAX_NESTING, an operator chain
        longer than MAX_CHAIN.
    :raise Forbidden 403: SERVICE, an update, or a function outside SPARQL 1.1.
    """
    reading = canonical.read(text)
    canonical.refuse_service(reading)
    form = canonical.query_form(reading)  # raises Forbidden for an update
    refuse_functions(reading)
    measured = canonical.shape(reading)
    if measured.depth > MAX_NESTING:
        raise BadQuery(
            f"the query nests groups, brackets, parentheses or prefix operators {measured.depth} deep; the limit "
            f"is {MAX_NESTING}. It was not run: flatten it (several triple patterns can share one group)"
        )
    if measured.chain > MAX_CHAIN:
        raise BadQuery(
            f"the query chains {measured.chain} operators (or UNION/OPTIONAL/MINUS) in one expression; the limit "
            f"is {MAX_CHAIN}. It was not run: use VALUES or IN (...) for long lists"
        )
    return reading, form


def _runnable_text(reading: canonical.Reading) -> str:
    """The canonical text, with a BASE declaration when it has relative IRIs (so any engine,
    a remote one included, resolves them against BASE_IRI as the oracle did)."""
    if any(t.kind == "iri" and canonical.is_relative(t.value) for t in reading.tokens):
        return f"BASE <{BASE_IRI}>\n{reading.text}"
    return reading.text


# The engine's verdict on a query's syntax: (runnable text, client's text) -> message or None.
SyntaxCheck = Callable[[str, str], str | None]


def check_syntax(runnable: str, original: str) -> str | None:
    """None if the engine parses `runnable`; else the message for the client, with line and column
    in the client's own text where it fails there too (the canonical text's otherwise).

    Native code that hostile text can crash: for user queries the stores run it in a worker.
    """
    error = oxigraph_syntax_error(runnable)
    if error is None:
        return None
    return syntax_message(oxigraph_syntax_error(original) or error)


def analyse_query(text: str, *, syntax: SyntaxCheck = check_syntax) -> CheckedQuery:
    """Check the query and read its form and FROM graphs; the engine parses the canonical text.

    The token checks run here; `syntax` is the engine's parse, which the stores send to a worker
    for user queries (a store's `analyse`: `kgqa.store.base.analyse_in_pool`); by default it runs
    here (canned queries, which ship with the service).

    :raise BadQuery 400: a syntax error (with line and column), or not a query.
    :raise Forbidden 403: an update, or SERVICE.
    """
    reading, form = check_tokens(text)
    runnable = _runnable_text(reading)
    message = syntax(runnable, text)
    if message is not None:
        raise BadQuery(message)
    if form is None:
        raise BadQuery("not a SPARQL query")
    from_graphs, from_named = canonical.dataset_clauses(reading, BASE_IRI)
    return CheckedQuery(
        text=runnable,
        form=form,
        from_graphs=from_graphs,
        from_named=from_named,
        projection=canonical.projection(reading) if form == "SELECT" else None,
    )


Analyser = Callable[[str], CheckedQuery]


class _Verdicts:
    """Accepted queries by text, least recently used first out: a client that repeats a query (a
    dashboard, a benchmark) pays for the checks once. Refusals raise, so they are never kept."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[str, CheckedQuery] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> CheckedQuery | None:
        with self._lock:
            checked = self._items.get(text)
            if checked is not None:
                self._items.move_to_end(text)
            return checked

    def put(self, text: str, checked: CheckedQuery) -> None:
        with self._lock:
            self._items[text] = checked
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_VERDICTS = _Verdicts()


def check_query(text: str | None, *, max_bytes: int, analyse: Analyser | None = None) -> CheckedQuery:
    """Parse and vet a query before it goes near a store.

    `analyse` is a store's `analyse` (`analyse_query` with the engine's parse in its workers:
    time-limited, killable, in parallel); by default everything runs here (`analyse_query`).

    :raise BadQuery 400: missing, empty or syntactically wrong query (with line and column), or
        nested deeper than `MAX_NESTING`.
    :raise TooLarge 413: longer than `max_bytes` in UTF-8.
    :raise Forbidden 403: an update, or SERVICE.
    """
    if text is None or not text.strip():
        raise BadQuery(
            "missing query: send it as the `query` parameter or as an application/sparql-query body", param="query"
        )
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise TooLarge(f"query is longer than the {max_bytes} byte limit")
    checked = _VERDICTS.get(text)
    if checked is None:
        checked = (analyse or analyse_query)(text)
        _VERDICTS.put(text, checked)
    return checked


def check_dataset(
    checked: CheckedQuery,
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    known_graphs: frozenset[str],
) -> Dataset | None:
    """The dataset the query runs on: protocol parameters override FROM (SPARQL 1.1 Protocol §2.1.4).

    Returns None for "no dataset given" (the default graph is the union of all graphs).

    :raise DatasetRefused 400: a graph that is not in the store (SPARQL 1.1 Protocol §2.1.4: a
        service may refuse a dataset it will not serve with 400).
    """
    if default_graph_uris or named_graph_uris:
        default, named, origin = tuple(default_graph_uris), tuple(named_graph_uris), "parameter"
    elif checked.has_dataset:
        default, named, origin = checked.from_graphs, checked.from_named, "FROM"
    else:
        return None
    for iri in default + named:
        if iri not in known_graphs:
            where = "FROM/FROM NAMED" if origin == "FROM" else "default-graph-uri/named-graph-uri"
            raise DatasetRefused(
                f"{where} <{iri}> is not a graph in this store; this endpoint never fetches "
                "documents. Graphs available: " + ", ".join(sorted(known_graphs)),
                graph=iri,
            )
    return Dataset(default_graphs=default, named_graphs=named)
