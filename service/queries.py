"""The canned-query registry (`queries/*.rq`) and the one path every query runs through.

Each `.rq` file opens with a comment header (STYLE.md):

    # name: round-lead
    # title: Lead investor of a start-up's round
    # description: Who led each round ...            (continuation lines: "#   more text")
    # param: startup iri kgqa:Organization "the start-up, by IRI or name"
    # param: roundType iri kgqa:RoundType "only this type" optional
    # param: limit integer default=10 "how many"
    # param: order enum(asc|desc) default=desc "sort order"
    # ask: who led {startup}'s round?

Parameter types: `iri` (an entity: full IRI, prefixed name, `kgr:` id, or a name resolved by the
entity resolver hook), `string`, `decimal`, `integer`, `boolean`, `date` (ISO 8601 string of
reduced precision, as the ontology stores dates), `enum(a|b|c)`. A parameter is optional when
marked `optional` or given a `default=`. Headers are parsed once into frozen dataclasses; the
catalog API, `/openapi.json`, the editor, `kgqa query` and `/api/ask` all read the same registry.

Values are bound as RDF terms, written by pyoxigraph into a VALUES block at the start of the
query's WHERE group (the same for the embedded and a remote store), never spliced into the text.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from service import canonical, formats
from service.config import RESOURCE_NS
from service.errors import BadQuery, NotFound
from service.formats import INTEGER_TYPES, PREFIXES, XSD, Format
from service.policy import CheckedQuery, check_dataset, check_query
from service.store import Dataset, Result, Term

if TYPE_CHECKING:
    from service.config import State

log = logging.getLogger("kgqa")

SIMPLE_TYPES = {"iri", "string", "decimal", "integer", "boolean", "date"}
_HEADER = re.compile(r"#\s*([A-Za-z][\w-]*)\s*:\s?(.*)$")
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(default=)"((?:[^"\\]|\\.)*)"|(\S+)')
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class QueryFileError(ValueError):
    """A canned-query file is malformed; the message names file and line."""


@dataclass(frozen=True)
class Param:
    """One declared parameter of a canned query."""

    name: str
    type: str  # iri | string | decimal | integer | boolean | date | enum
    help: str = ""
    cls: str | None = None  # class IRI an `iri` value should belong to (for name resolution)
    optional: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return not self.optional and self.default is None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "help": self.help, "required": self.required}
        if self.cls:
            out["class"] = self.cls
        if self.default is not None:
            out["default"] = self.default
        if self.choices:
            out["choices"] = list(self.choices)
        return out


@dataclass(frozen=True)
class CannedQuery:
    """A parsed `.rq` file: metadata from its header and the SPARQL text run as is."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    asks: tuple[str, ...]
    sparql: str
    form: str
    path: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "form": self.form,
            "parameters": [p.to_json() for p in self.params],
            "ask": list(self.asks),
            "sparql": self.sparql,
        }


def _expand(name: str, prefixes: Mapping[str, str]) -> str | None:
    """A prefixed name or <IRI> as a full IRI, or None if it is neither."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if ":" in name and "://" not in name:
        prefix, local = name.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local
        return None
    if "://" in name:
        return name
    return None


def _query_prefixes(sparql: str) -> dict[str, str]:
    return {**PREFIXES, **{(m.group(1) or ""): m.group(2) for m in _PREFIX_DECL.finditer(sparql)}}


def _parse_param(spec: str, prefixes: Mapping[str, str], where: str) -> Param:
    tokens = list(_TOKEN.finditer(spec))
    words = [m.group(4) for m in tokens[:2] if m.group(4)]
    if len(words) < 2:
        raise QueryFileError(f'{where}: a param line is `NAME TYPE [CLASS] "help" [optional] [default=V]`')
    name, ptype = words
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise QueryFileError(f"{where}: {name!r} is not a SPARQL variable name")
    choices: tuple[str, ...] = ()
    m = re.fullmatch(r"enum\((.*)\)", ptype)
    if m:
        choices = tuple(c.strip() for c in m.group(1).split("|") if c.strip())
        if not choices:
            raise QueryFileError(f"{where}: enum() needs values, e.g. enum(asc|desc)")
        ptype = "enum"
    elif ptype not in SIMPLE_TYPES:
        raise QueryFileError(
            f"{where}: unknown parameter type {ptype!r} (expected one of {', '.join(sorted(SIMPLE_TYPES))}, enum(a|b))"
        )
    help_text, cls, optional, default = "", None, False, None
    for tok in tokens[2:]:
        if tok.group(1) is not None:
            help_text = tok.group(1).replace('\\"', '"')
        elif tok.group(2):
            default = tok.group(3).replace('\\"', '"')
        else:
            word = tok.group(4)
            if word == "optional":
                optional = True
            elif word.startswith("default="):
                default = word[len("default=") :]
            elif cls is None and (expanded := _expand(word, prefixes)) is not None:
                cls = expanded
            else:
                raise QueryFileError(f"{where}: unexpected {word!r} in the param line (unknown prefix?)")
    if cls and ptype != "iri":
        raise QueryFileError(f"{where}: only iri parameters take a class")
    if default is not None and choices and default not in choices:
        raise QueryFileError(f"{where}: default {default!r} is not one of {', '.join(choices)}")
    return Param(name, ptype, help_text, cls, optional, default, choices)


def _body_variables(sparql: str) -> set[str]:
    return {t.value[1:] for t in canonical.read(sparql).tokens if t.kind == "var"}


def parse_file(path: str | Path) -> CannedQuery:
    """Parse one `.rq` file.

    :raise QueryFileError: bad header, name not the file stem, or a parameter the query never uses.
    :raise ApiError: the SPARQL itself is invalid or not allowed (policy).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    prefixes = _query_prefixes(text)
    meta: dict[str, str] = {}
    params: list[Param] = []
    asks: list[str] = []
    extra: list[tuple[str, str]] = []
    last_key: str | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            last_key = None
            continue
        if not stripped.startswith("#"):
            break
        where = f"{path}:{lineno}"
        m = _HEADER.match(stripped)
        if m:
            key, value = m.group(1).lower(), m.group(2).strip()
            if key == "param":
                params.append(_parse_param(value, prefixes, where))
            elif key == "ask":
                asks.append(value)
            elif key in {"name", "title", "description"}:
                if key in meta:
                    raise QueryFileError(f"{where}: `{key}:` given twice")
                meta[key] = value
            else:
                extra.append((key, value))
            last_key = key
        elif last_key in {"description", "title"} and stripped.lstrip("#").strip():
            meta[last_key] += " " + stripped.lstrip("#").strip()  # continuation line
    where = str(path)
    for key in ("name", "title"):
        if not meta.get(key):
            raise QueryFileError(f"{where}: the header has no `# {key}:` line")
    if meta["name"] != path.stem:
        raise QueryFileError(f"{where}: `# name: {meta['name']}` must equal the file name {path.stem!r}")
    if not _NAME.fullmatch(meta["name"]):
        raise QueryFileError(f"{where}: name {meta['name']!r} must be lower-case letters, digits and '-'")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{where}: a parameter is declared twice")
    used = _body_variables(text)
    for p in params:
        if p.name not in used:
            raise QueryFileError(f"{where}: parameter {p.name!r} is not a variable of the query (?{p.name})")
    for ask in asks:
        for placeholder in re.findall(r"\{(\w+)\}", ask):
            if placeholder not in names:
                raise QueryFileError(f"{where}: `ask:` pattern uses {{{placeholder}}}, which is not a parameter")
    checked = check_query(text, max_bytes=1 << 20)
    if checked.projection is not None:
        for p in params:
            if p.name not in checked.projection:
                raise QueryFileError(
                    f"{where}: parameter {p.name!r} must be in the SELECT clause, so that every "
                    "row says which entity it answers for"
                )
    return CannedQuery(
        name=meta["name"],
        title=meta["title"],
        description=meta.get("description", ""),
        params=tuple(params),
        asks=tuple(asks),
        sparql=text,
        form=checked.form,
        path=str(path),
        extra=tuple(extra),
    )


class Registry:
    """All canned queries by name, in file-name order."""

    def __init__(self, queries: Sequence[CannedQuery]) -> None:
        self.queries: dict[str, CannedQuery] = {q.name: q for q in sorted(queries, key=lambda q: q.name)}

    @classmethod
    def from_directory(cls, directory: str | Path | None) -> Registry:
        """Load every `*.rq` in `directory` (a missing directory gives an empty registry, logged)."""
        if not directory or not Path(directory).is_dir():
            log.warning("no canned-query directory at %s; the catalog is empty", directory)
            return cls([])
        queries = [parse_file(p) for p in sorted(Path(directory).glob("*.rq"))]
        log.info("loaded %d canned queries from %s", len(queries), directory)
        return cls(queries)

    def __iter__(self) -> Iterator[CannedQuery]:
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def __contains__(self, name: object) -> bool:
        return name in self.queries

    def get(self, name: str) -> CannedQuery:
        """:raise NotFound 404: if there is no canned query of that name."""
        try:
            return self.queries[name]
        except KeyError:
            raise NotFound(f"no canned query named {name!r}; GET /api/queries lists them", query=name) from None


# --- running -----------------------------------------------------------------------------------


def request_deadline(state: State) -> float:
    """When a request that starts now must be done (`time.monotonic()`): one limit for the policy
    check and the run together, `KGQA_QUERY_TIMEOUT` from the start."""
    return time.monotonic() + state.timeout


def check(state: State, text: str | None, *, deadline: float | None = None) -> CheckedQuery:
    """The policy check for a user's query: the engine's parse runs in a worker process of the store.

    A worker gives the parse the query time limit and a process of its own, so a parser crash
    kills only that worker (both stores have parse workers; a store without `analyse` parses
    here). `deadline`: the request's (`request_deadline`); the run that follows gets only what the
    check left.
    """
    analyse = getattr(state.store, "analyse", None)
    if deadline is None:
        deadline = request_deadline(state)
    return check_query(
        text,
        max_bytes=int(state.config["KGQA_MAX_QUERY_BYTES"]),
        analyse=None if analyse is None else (lambda t: analyse(t, timeout_s=state.timeout, deadline=deadline)),
    )


def run_sparql(
    state: State,
    text: str | CheckedQuery,
    *,
    bindings: Mapping[str, Term] | None = None,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    results_format: Format = formats.SPARQL_JSON,
    graph_format: Format = formats.N_TRIPLES,
    max_rows: int | None = -1,
    deadline: float | None = None,
    user: bool = False,
) -> tuple[CheckedQuery, Result]:
    """The one path from query text to results: policy check, dataset, store, time limit, row cap.

    `/sparql`, the canned queries, `kgqa query` and the Q&A all call this. `max_rows=-1` means the
    configured cap; None means no cap (whole-graph downloads). `deadline`: when the request must be
    done (`request_deadline`, taken before its check), so that check and run share one time limit;
    by default it starts here. `user`: the query is a client's own (`/sparql`), which may hold only
    the store's shared workers, never those reserved for questions and canned queries.
    """
    if deadline is None:
        deadline = request_deadline(state)
    checked = text if isinstance(text, CheckedQuery) else check(state, text, deadline=deadline)
    dataset: Dataset | None = check_dataset(checked, default_graph_uris, named_graph_uris, state.known_graphs)
    cap = state.max_rows if max_rows == -1 else max_rows
    result = state.store.query(
        checked.text,
        bindings=bindings,
        dataset=dataset,
        timeout_s=state.timeout,
        results_format=results_format,
        graph_format=graph_format,
        max_rows=cap,
        deadline=deadline,
        user=user,
    )
    return checked, result


def internal_query(
    state: State,
    sparql: str,
    bindings: Mapping[str, Term] | None = None,
    *,
    graph_format: Format = formats.N_TRIPLES,
    max_rows: int | None = -1,
) -> Result:
    """Run one of the service's own fixed queries (labels, entity descriptions).

    Their text is a constant of this package, so the policy parse is skipped, but they still go
    through the store's time limit and row cap.
    """
    cap = state.max_rows if max_rows == -1 else max_rows
    return state.store.query(
        sparql, bindings=bindings, timeout_s=state.timeout, graph_format=graph_format, max_rows=cap
    )


_ENTITY_EXISTS = "ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }"
_BY_LABEL = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?e ?name ?cls WHERE {
  ?e rdfs:label|skos:prefLabel|skos:altLabel|skos:hiddenLabel ?l .
  FILTER (LCASE(STR(?l)) = LCASE(STR(?name)))
  %s
} ORDER BY ?e LIMIT 20"""


def label_resolver(state: State) -> Callable[[str, str | None], list[str]]:
    """The default name → entity hook: exact, case-insensitive match on any label.

    The Q&A module may replace `state.entity_resolver` with its fuzzy linker.
    """

    def resolve(name: str, cls: str | None) -> list[str]:
        constraint = "?e a ?type . ?type rdfs:subClassOf* ?cls ." if cls else ""
        bindings: dict[str, Term] = {"name": ox.Literal(name)}
        if cls:
            bindings["cls"] = ox.NamedNode(cls)
        res = internal_query(state, _BY_LABEL % constraint, bindings)
        return [row["e"].value for row in res.rows() if isinstance(row.get("e"), ox.NamedNode)]

    return resolve


def entity_exists(state: State, iri: str) -> bool:
    return internal_query(state, _ENTITY_EXISTS, {"e": ox.NamedNode(iri)}).boolean


def _resolve_iri(state: State, canned: CannedQuery, p: Param, value: str) -> ox.NamedNode:
    prefixes = _query_prefixes(canned.sparql)
    candidates: list[str] = []
    if "://" in value or (value.startswith("<") and value.endswith(">")):
        candidates = [value.strip("<>")]
    elif ":" in value and value.split(":", 1)[0] in prefixes:
        candidates = [prefixes[value.split(":", 1)[0]] + value.split(":", 1)[1]]
    elif re.fullmatch(r"[\w.~-]+", value):
        candidates = [RESOURCE_NS + value]  # a kgr: id; fall back to a name below
    for iri in candidates:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            raise BadQuery(f"parameter {p.name!r}: {value!r} is not a valid IRI", param=p.name) from None
        if entity_exists(state, iri):
            return node
        if "://" in value or value.startswith("<"):
            raise BadQuery(f"parameter {p.name!r}: <{iri}> is not in the graph", param=p.name)
    resolver = state.entity_resolver
    found = resolver(value, p.cls) if resolver else []
    if not found:
        raise BadQuery(f"parameter {p.name!r}: no entity is called {value!r}; give its IRI or id", param=p.name)
    if len(found) > 1:
        raise BadQuery(
            f"parameter {p.name!r}: {value!r} is ambiguous: " + ", ".join(found[:10]),
            param=p.name,
            candidates=found[:10],
        )
    return ox.NamedNode(found[0])


# Numbers longer than this cannot be stored by Oxigraph (64-bit integers, 128-bit decimals) anyway.
MAX_NUMBER_DIGITS = 40


def to_term(state: State, canned: CannedQuery, p: Param, value: str) -> Term:
    """Convert one parameter value to an RDF term, checking its type.

    :raise BadQuery 400: naming the parameter, if the value does not fit.
    """
    if re.search("[\ud800-\udfff]", value):  # from argv bytes that are not UTF-8; pyoxigraph refuses them
        raise BadQuery(f"parameter {p.name!r} is not valid Unicode text (a lone surrogate)", param=p.name)
    value = value.strip()
    if p.type == "iri":
        return _resolve_iri(state, canned, p, value)
    if p.type == "string":
        return ox.Literal(value)
    if p.type == "enum":
        if value not in p.choices:
            raise BadQuery(f"parameter {p.name!r} must be one of {', '.join(p.choices)}", param=p.name)
        return ox.Literal(value)
    if p.type == "date":
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise BadQuery(f"parameter {p.name!r} must be an ISO date: 2024, 2024-03 or 2024-03-05", param=p.name)
        return ox.Literal(value)
    if p.type == "boolean":
        if value.lower() not in {"true", "false", "1", "0"}:
            raise BadQuery(f"parameter {p.name!r} must be true or false", param=p.name)
        return ox.Literal("true" if value.lower() in {"true", "1"} else "false", datatype=ox.NamedNode(XSD + "boolean"))
    number = value.replace(",", "").replace("_", "")
    if p.type == "integer":
        # A bounded length: int() of more than 4300 digits raises (it was a 500),
        # and Oxigraph's xsd:integer is 64-bit, so longer numbers could never match anything.
        if not re.fullmatch(rf"[+-]?\d{{1,{MAX_NUMBER_DIGITS}}}", number):
            raise BadQuery(
                f"parameter {p.name!r} must be an integer of at most {MAX_NUMBER_DIGITS} digits", param=p.name
            )
        return ox.Literal(str(int(number)), datatype=ox.NamedNode(XSD + "integer"))
    # decimal
    try:
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,6})?", number):
            raise InvalidOperation
        dec = Decimal(number)
    except InvalidOperation:
        raise BadQuery(f"parameter {p.name!r} must be a number such as 2500000000", param=p.name) from None
    # Written out in full below: without this bound "1e99999999" (11 bytes) became a 100 MB literal,
    # sent to a worker and echoed in the reply.
    if not dec:
        dec = Decimal(0)  # "0e-999999" is zero, and would be written with a million zeros
    elif not -MAX_NUMBER_DIGITS <= dec.adjusted() < MAX_NUMBER_DIGITS:
        raise BadQuery(
            f"parameter {p.name!r} is out of range: at most {MAX_NUMBER_DIGITS} digits before or after the point",
            param=p.name,
        )
    text = format(dec, "f")
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))


RESERVED_PARAMS = {"format", "output", "results"}


def bind(state: State, canned: CannedQuery, raw: Mapping[str, str]) -> dict[str, Term]:
    """Check and convert request parameters into bindings.

    :raise BadQuery 400: a missing, malformed or unknown parameter (named in the envelope's `param`).
    """
    for key in raw:
        if key not in RESERVED_PARAMS and not key.startswith("_") and canned.param(key) is None:
            known = ", ".join(p.name for p in canned.params) or "none"
            raise BadQuery(f"unknown parameter {key!r} for query {canned.name!r} (parameters: {known})", param=key)
    bindings: dict[str, Term] = {}
    for p in canned.params:
        value = raw.get(p.name)
        if value is None or not value.strip():
            if p.default is not None:
                value = p.default
            elif p.optional:
                continue
            else:
                raise BadQuery(f"missing parameter {p.name!r}: {p.help or p.type}", param=p.name)
        bindings[p.name] = to_term(state, canned, p, value)
    return bindings


def run(
    state: State,
    canned: CannedQuery,
    raw: Mapping[str, str],
    *,
    results_format: Format = formats.SPARQL_JSON,
    graph_format: Format = formats.N_TRIPLES,
) -> tuple[Result, dict[str, Term]]:
    """Run a canned query with request parameters, through the same path as `/sparql`."""
    bindings = bind(state, canned, raw)
    checked = check_query(canned.sparql, max_bytes=1 << 20)  # cached since load
    _, result = run_sparql(state, checked, bindings=bindings, results_format=results_format, graph_format=graph_format)
    return result, bindings


# --- JSON cells --------------------------------------------------------------------------------

_FLOATING = {XSD + t for t in ("decimal", "double", "float")}

_LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?pref ?label WHERE {
  VALUES ?e { %s }
  OPTIONAL { ?e skos:prefLabel ?pref FILTER (LANGMATCHES(LANG(?pref), "en") || LANG(?pref) = "") }
  OPTIONAL { ?e rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }
}"""


def fetch_labels(state: State, iris: Sequence[str], limit: int = 2000) -> dict[str, str]:
    """Preferred English labels for IRIs, in one query (IRIs written by pyoxigraph, never raw text)."""
    iris = list(dict.fromkeys(iris))[:limit]
    if not iris:
        return {}
    values = " ".join(str(ox.NamedNode(i)) for i in iris)
    res = internal_query(state, _LABELS % values, max_rows=None)
    labels: dict[str, str] = {}
    for row in res.rows():
        e = row["e"].value
        best = row.get("pref") or row.get("label")
        if best is not None and (e not in labels or row.get("pref") is not None):
            labels[e] = best.value
    return labels


def cell(term: Term | None, labels: Mapping[str, str]) -> dict | None:
    """One result cell for the JSON API: value (as a JSON number/boolean where the datatype says so),
    type, and the label of an IRI when the graph has one."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        out: dict[str, Any] = {"type": "iri", "value": term.value}
        if term.value in labels:
            out["label"] = labels[term.value]
        if term.value.startswith(RESOURCE_NS):
            out["id"] = term.value[len(RESOURCE_NS) :]
        return out
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        value: Any = term.value
        try:
            if dt in INTEGER_TYPES:
                value = int(term.value)
            elif dt in _FLOATING:
                num = Decimal(term.value)
                value = int(num) if num == num.to_integral_value() and abs(num) < 10**18 else float(num)
            elif dt == XSD + "boolean":
                value = term.value in {"true", "1"}
        except (ValueError, InvalidOperation):
            value = term.value
        out = {"type": "literal", "value": value}
        if term.language:
            out["lang"] = term.language
        elif dt != formats.XSD_STRING:
            out["datatype"] = dt
        return out
    return {"type": "triple", "value": str(term)}


def result_json(state: State, canned: CannedQuery, result: Result, bindings: Mapping[str, Term]) -> dict:
    """The JSON reply of `/api/queries/<name>` (Datasette-like, one cell object per value)."""
    body: dict[str, Any] = {
        "ok": True,
        "query": canned.name,
        "title": canned.title,
        "bindings": {k: v.value for k, v in bindings.items()},
    }
    if result.form == "boolean":
        body.update(boolean=result.boolean, columns=[], rows=[], truncated=False)
        return body
    if result.form == "graph":
        columns = ["subject", "predicate", "object"]
        rows = [dict(zip(columns, (t.subject, t.predicate, t.object), strict=True)) for t in result.triples()]
    else:
        columns = list(result.variables)
        rows = result.rows()
    # Look labels up only for IRI columns the query does not already label (?x with ?xLabel).
    need = [c for c in columns if f"{c}Label" not in columns]
    iris = [r[c].value for r in rows for c in need if isinstance(r.get(c), ox.NamedNode)]
    labels = fetch_labels(state, iris)
    body["columns"] = columns
    body["rows"] = [{c: cell(r.get(c), labels) for c in columns} for r in rows]
    body["truncated"] = result.truncated
    if result.truncated and result.note:
        body["truncatedReason"] = result.note  # which limit cut it: KGQA_MAX_ROWS or KGQA_MAX_RESULT_BYTES
    return body
