"""Read-only and closed: which queries may run at all. Checked on the parsed query, before any store.

Refused, never executed:
- SPARQL Update in any form (INSERT/DELETE/LOAD/CLEAR/CREATE/DROP/COPY/MOVE/ADD; any case, with
  comments, with `\\u` escapes) — they do not parse as a query; rdflib's update parser says which.
- `SERVICE` anywhere: Oxigraph would call the remote endpoint from the server (SSRF; research note
  perf-engines §6), and nothing in pyoxigraph 0.5 turns that off.
- FROM / FROM NAMED / `default-graph-uri` / `named-graph-uri` naming a graph that is not in the store.
  Oxigraph only selects stored graphs, but a clear 403 beats a silently empty answer, and a future
  store that dereferences them (rdflib does: `SPARQL_LOAD_GRAPHS`) could never be reached anyway.

Two parsers, because each is good at one thing. rdflib gives a syntax tree to walk (SERVICE
patterns, dataset clauses, the query form) but poor error positions; Oxigraph gives exact positions
("error at 1:26: ...") and is the engine that will run the query. Oxigraph's parser is reached
without evaluation: `Store.query()` parses first and then rejects the contradictory options
`use_default_graph_as_union=True, default_graph=[]` with a ValueError, before it evaluates anything
(pinned by `tests/test_policy.py`). rdflib is only ever a parser here; its engine is never called.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib.plugins.sparql
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from service.errors import BadQuery, Forbidden, TooLarge
from service.store import Dataset, syntax_message

# Defensive: even though rdflib never evaluates queries here, never let it dereference FROM.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}

# pyparsing grammars keep per-parse state; waitress runs requests in several threads.
_PARSE_LOCK = threading.Lock()
_ORACLE = ox.Store()


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the policy: its text, form and the dataset its FROM clauses name."""

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
        _ORACLE.query(text, use_default_graph_as_union=True, default_graph=[])
    except SyntaxError as exc:
        return str(exc)
    except ValueError:
        return None
    # Not reached with pyoxigraph 0.5: parse succeeded and the option check did not fire.
    raise RuntimeError("pyoxigraph accepted contradictory dataset options; the parse oracle is broken")


def _strip_lexically(text: str) -> str:
    """The query with comments, string literals and IRIs removed (`\\u` escapes expanded first)."""
    text = expandUnicodeEscapes(text)
    pattern = re.compile(
        r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
        r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*',
        re.S,
    )
    return pattern.sub(" ", text)


_SERVICE_WORD = re.compile(r"(?<![\w?$:])SERVICE(?![\w:])", re.I)


def mentions_service(text: str) -> bool:
    """Defence in depth beside the syntax-tree check: a SERVICE keyword outside strings and IRIs."""
    return bool(_SERVICE_WORD.search(_strip_lexically(text)))


def _walk(node: object) -> Iterable[CompValue]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (Node, str)):
            continue
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple) or hasattr(item, "__iter__"):
            stack.extend(list(item))  # lists and pyparsing ParseResults


def _field(node: CompValue, name: str) -> object:
    """A parse-tree field or None: `CompValue.get()` does not return None for a missing key (rdflib 7)."""
    return dict.get(node, name)


def _is_update(text: str) -> bool:
    with _PARSE_LOCK:
        try:
            parseUpdate(text)
        except Exception:
            return False
    return True


def precheck(text: str) -> None:
    """The cheap textual checks, done in the server process before any parser sees the text.

    :raise BadQuery 400: a `\\U` escape that names no code point, or nesting deeper than MAX_NESTING.
    :raise Forbidden 403: the SERVICE keyword outside strings and IRIs.
    """
    try:
        depth = nesting_depth(text)
    except ValueError as exc:  # e.g. \UFFFFFFFF: checked here, so the parsers below never see it
        raise BadQuery(f"{exc}: a \\u or \\U escape must name a Unicode code point") from None
    if depth > MAX_NESTING:
        raise BadQuery(
            f"the query nests groups, brackets or parentheses {depth} deep; the limit is {MAX_NESTING}. "
            "It was not run: flatten it (several triple patterns can share one group)"
        )
    if mentions_service(text):
        raise Forbidden("SERVICE (federated query) is not allowed: this endpoint only answers from its own data")


def analyse_query(text: str) -> CheckedQuery:
    """Parse the query with both parsers and read its form, SERVICE patterns and FROM graphs.

    Runs in a query worker for the embedded store (`analyse_in_worker`), where it has a time limit
    and its own parser; here, under a lock, for a remote store and for the canned queries.

    :raise BadQuery 400: a syntax error (with line and column), or not a query.
    :raise Forbidden 403: an update, or SERVICE.
    """
    too_deep = False
    with _PARSE_LOCK:
        try:
            tree = parseQuery(text)
        except RecursionError:
            tree, too_deep = None, True
        except Exception:
            tree = None
    if tree is None:
        error = oxigraph_syntax_error(text)
        if _is_update(text):
            raise Forbidden("SPARQL Update is not allowed: this endpoint is read-only")
        if error is not None:
            raise BadQuery(syntax_message(error))
        if too_deep:
            raise BadQuery(
                "this query is too long for the endpoint's safety check to read (its parser ran out of "
                "recursion); it was not run: split it into smaller queries"
            )
        raise BadQuery(
            "this query uses syntax the endpoint's safety check cannot read; it was not run (try plain SPARQL 1.1)"
        )
    query = tree[1]
    form = FORMS.get(query.name)
    if form is None:
        raise BadQuery("not a SPARQL query")
    for part in _walk(tree):
        if part.name == "ServiceGraphPattern":
            raise Forbidden("SERVICE (federated query) is not allowed: this endpoint only answers from its own data")
    # rdflib accepts a few things Oxigraph does not; the engine's word is final, with its position.
    error = oxigraph_syntax_error(text)
    if error is not None:
        raise BadQuery(syntax_message(error))
    from_graphs: list[str] = []
    from_named: list[str] = []
    if _field(query, "datasetClause"):
        from rdflib.plugins.sparql.algebra import translateQuery

        with _PARSE_LOCK:
            try:
                algebra = translateQuery(tree).algebra
            except Exception as exc:
                raise BadQuery(f"the query's FROM clauses could not be read: {type(exc).__name__}") from None
        for clause in algebra.get("datasetClause") or []:
            # CompValue.get() does not return None for a missing key: test membership.
            if "default" in clause:
                from_graphs.append(str(clause["default"]))
            if "named" in clause:
                from_named.append(str(clause["named"]))
    projection = None
    if form == "SELECT" and _field(query, "projection"):
        projection = tuple(str(v["evar"] if "evar" in v else v["var"]) for v in query["projection"])
    return CheckedQuery(
        text=text, form=form, from_graphs=tuple(from_graphs), from_named=tuple(from_named), projection=projection
    )


# Deeper than this, a query is refused before any parser sees it. Oxigraph's parser (pyoxigraph
# 0.5.13) recurses on the native stack and crashes the whole process with SIGSEGV at about 3000
# nested groups, brackets or parentheses (a 6 KB query; tests/test_bad_inputs.py), and rdflib's
# parser gives up with RecursionError from about 30. No real query nests anywhere near this.
MAX_NESTING = 64
_OPENERS, _CLOSERS = "{([", "})]"


def nesting_depth(text: str) -> int:
    """The deepest nesting of `{`, `(` and `[` outside comments, strings and IRIs (escapes expanded).

    :raise ValueError: a `\\U` escape that names no code point (rdflib's expansion refuses it).
    """
    depth = deepest = 0
    for c in _strip_lexically(text):
        if c in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif c in _CLOSERS:
            depth = max(0, depth - 1)
    return deepest


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

    `analyse` runs `analyse_query` somewhere else (the embedded store's workers: time-limited,
    killable, in parallel); by default it runs here, one parse at a time.

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
        precheck(text)
        checked = (analyse or analyse_query)(text)
        _VERDICTS.put(text, checked)
    return checked


# In a query worker the parse has a time limit and a process of its own, so rdflib's recursive
# parser may go deep: a 74 KB query of 5,000 triple patterns needs about 60,000 frames (3.8 s);
# with Python's default 1,000 it refuses anything over about 90 patterns.
WORKER_RECURSION_LIMIT = 200_000


def analyse_in_worker(text: str) -> tuple:
    """`analyse_query` inside a query worker, as a reply tuple the pool can send back."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), WORKER_RECURSION_LIMIT))
    try:
        return ("ok", analyse_query(text))
    except (BadQuery, Forbidden) as exc:
        return ("rejected", type(exc).__name__, exc.message)


def raise_rejection(kind: str, message: str) -> None:
    """Re-raise a refusal reported by `analyse_in_worker` as the error it was."""
    raise (Forbidden if kind == "Forbidden" else BadQuery)(message)


def check_dataset(
    checked: CheckedQuery,
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    known_graphs: frozenset[str],
) -> Dataset | None:
    """The dataset the query runs on: protocol parameters override FROM (SPARQL 1.1 Protocol §2.1.4).

    Returns None for "no dataset given" (the default graph is the union of all graphs).

    :raise Forbidden 403: a graph that is not in the store.
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
            raise Forbidden(
                f"{where} <{iri}> is not a graph in this store; this endpoint never fetches "
                "documents. Graphs available: " + ", ".join(sorted(known_graphs)),
                graph=iri,
            )
    return Dataset(default_graphs=default, named_graphs=named)
