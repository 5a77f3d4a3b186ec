"""Canned-query parameters: request strings turned into RDF terms, names resolved to entities.

Values are bound as RDF terms, written by pyoxigraph into a VALUES block at the start of the
query's WHERE group (the same for the embedded and a remote store), never spliced into the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgqa.canned.registry import CannedQuery, Param, _query_prefixes
from kgqa.canned.types import TYPES
from kgqa.errors import BadQuery
from kgqa.sparql.results import Term
from kgqa.sparql.runner import run_internal_query
from kgqa.vocab import RESOURCE_NS

if TYPE_CHECKING:
    from kgqa.state import State

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
        res = run_internal_query(state, _BY_LABEL % constraint, bindings)
        return [row["e"].value for row in res.rows() if isinstance(row.get("e"), ox.NamedNode)]

    return resolve


def entity_exists(state: State, iri: str) -> bool:
    return run_internal_query(state, _ENTITY_EXISTS, {"e": ox.NamedNode(iri)}).boolean


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


@dataclass(frozen=True)
class _QueryContext:
    """The `kgqa.canned.types.Context` of one canned query: `iri` values resolved in its state."""

    state: State
    canned: CannedQuery

    def resolve_iri(self, p: Param, value: str) -> ox.NamedNode:
        return _resolve_iri(self.state, self.canned, p, value)


def to_term(state: State, canned: CannedQuery, p: Param, value: str) -> Term:
    """Convert one parameter value to an RDF term with the parser of its type (`kgqa.canned.types`).

    :raise BadQuery 400: naming the parameter, if the value does not fit.
    """
    if re.search("[\ud800-\udfff]", value):  # from argv bytes that are not UTF-8; pyoxigraph refuses them
        raise BadQuery(f"parameter {p.name!r} is not valid Unicode text (a lone surrogate)", param=p.name)
    return TYPES[p.type].parse(value.strip(), p, _QueryContext(state, canned))


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
