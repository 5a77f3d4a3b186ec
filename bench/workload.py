"""What the benchmark (and ``tests/kg/test_generate.py``) asks: a binding for every canned query.

A canned query with parameters needs entities that exist in the graph at hand, and the article
graph, the generated graphs and their union have different ones. Instead of hard-coding IRIs, a
few *pools* of candidates are found by SPARQL (the busiest investor, a start-up with a led round
and a valuation, a group with a subsidiary that invested, ...), ordered so the choice is the
same on every run; each query then takes the first combination of candidates that returns rows.
Optional parameters stay unbound.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
QUESTIONS = ROOT / "tests" / "data" / "questions.json"
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")

_P = "PREFIX kgqa: <https://w3id.org/kgqa/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
# Each pool: SELECT ?x ... ; ordered by activity then IRI, so the choice is stable.
POOLS: dict[str, str] = {
    "investors": _P + "SELECT ?x (COUNT(?c) AS ?n) WHERE { ?x kgqa:investsIn ?c } "
    "GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT 4",
    "led": _P + "SELECT DISTINCT ?x WHERE { ?r kgqa:fundedOrganization ?x ; kgqa:postMoneyValuation ?v . "
    "?i kgqa:inRound ?r ; kgqa:isLeadInvestor true } ORDER BY ?x LIMIT 3",
    "valued": _P + 'SELECT DISTINCT ?x WHERE { ?x kgqa:hasValuation ?v . ?v kgqa:currencyCode "USD" } '
    "ORDER BY ?x LIMIT 3",
    "parents": _P + "SELECT DISTINCT ?x WHERE { ?x kgqa:hasSubsidiary ?s . ?s kgqa:makesInvestment ?i . "
    "?i kgqa:investee ?c } ORDER BY ?x LIMIT 2",
    "subsidiaries": _P + "SELECT DISTINCT ?x WHERE { ?p kgqa:hasSubsidiary ?x } ORDER BY ?x LIMIT 2",
    "backed": _P + "SELECT DISTINCT ?x WHERE { ?r kgqa:counterparty ?x } ORDER BY ?x LIMIT 2",
    "held": _P + "SELECT DISTINCT ?x WHERE { ?s kgqa:largestInstitutionalShareholderOf ?x } ORDER BY ?x LIMIT 2",
    "developers": _P + "SELECT DISTINCT ?x WHERE { ?p kgqa:developedBy ?x } ORDER BY ?x LIMIT 2",
    "employers": _P + "SELECT DISTINCT ?x WHERE { ?p kgqa:positionIn ?x } ORDER BY ?x LIMIT 2",
    "people": _P + "SELECT DISTINCT ?x WHERE { ?p kgqa:holder ?x } ORDER BY ?x LIMIT 2",
    "compared": _P + "SELECT DISTINCT ?x WHERE { ?x kgqa:outperforms ?o } ORDER BY ?x LIMIT 2",
    "products": _P + "SELECT DISTINCT ?x WHERE { ?x kgqa:developedBy ?o } ORDER BY ?x LIMIT 2",
    "claimants": _P + "SELECT DISTINCT ?x WHERE { ?c kgqa:statedBy ?x } ORDER BY ?x LIMIT 2",
    "sub_investees": _P + "SELECT ?x WHERE { ?p kgqa:hasSubsidiary ?s . ?s kgqa:makesInvestment ?i . "
    "?i kgqa:investee ?x } ORDER BY ?p ?x LIMIT 2",
    "invested": _P + "SELECT DISTINCT ?x WHERE { ?i kgqa:investee ?x } ORDER BY ?x LIMIT 2",
}
# Which pools a parameter's candidates come from, by parameter name (then by class).
BY_NAME: dict[str, Sequence[str]] = {
    "startup": ("led", "invested", "valued"),
    "investor": ("investors", "parents"),
    "first": ("investors", "valued", "parents"),
    "second": ("investors", "valued"),
    "company": ("valued", "backed", "parents", "subsidiaries", "held", "led"),
    "organization": ("employers", "developers"),
    "person": ("people",),
    "product": ("compared", "products"),
    "entity": ("led", "investors"),
    "statedBy": ("claimants",),
    "about": ("investors",),
}

# Queries whose parameters must fit together (a group and a company *its subsidiary* invested in).
BY_QUERY: dict[str, dict[str, Sequence[str]]] = {
    "subsidiary-investor": {"company": ("parents",), "startup": ("sub_investees",)},
}


@dataclass(frozen=True)
class Case:
    """One canned query with the bindings the benchmark uses, and how many rows they give."""

    name: str
    sparql: str
    bindings: Mapping[str, ox.NamedNode | ox.Literal]
    rows: int

    def http_params(self) -> dict[str, str]:
        """The bindings as `/api/queries/<name>` takes them: IRIs and lexical values."""
        return {k: v.value for k, v in self.bindings.items()}

    def inline(self) -> str:
        """The SPARQL with the bindings as a leading VALUES block, as the service runs it."""
        from kgqa.sparql.values import inject_values

        return inject_values(self.sparql, dict(self.bindings))


Runner = Callable[[str, Mapping[str, ox.NamedNode | ox.Literal]], int]


def store_runner(store: ox.Store) -> Runner:
    """Rows a query returns on a pyoxigraph store (union default graph, bindings as leading VALUES)."""
    from kgqa.sparql.values import inject_values

    def run(sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> int:
        result = store.query(inject_values(sparql, bindings), use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return int(bool(result))
        return sum(1 for _ in result)  # type: ignore[union-attr]

    return run


def pools(store: ox.Store) -> dict[str, list[ox.NamedNode]]:
    out: dict[str, list[ox.NamedNode]] = {}
    for name, sparql in POOLS.items():
        rows = store.query(sparql, use_default_graph_as_union=True)
        out[name] = [r["x"] for r in rows if isinstance(r["x"], ox.NamedNode)]  # type: ignore[union-attr]
    return out


def _candidates(
    query: str, param, found: Mapping[str, list[ox.NamedNode]], text: str
) -> list[ox.NamedNode | ox.Literal]:
    if param.type == "string":
        return [ox.Literal(text)]
    if param.type == "decimal":
        return [ox.Literal("1000000000", datatype=XSD_DECIMAL)]
    names = BY_QUERY.get(query, {}).get(param.name) or BY_NAME.get(param.name, ("investors", "led", "valued"))
    seen: list[ox.NamedNode | ox.Literal] = []
    for pool in names:
        for iri in found.get(pool, []):
            if iri not in seen:
                seen.append(iri)
    return seen


def pick_cases(
    store: ox.Store,
    queries: Iterable | None = None,
    *,
    run: Runner | None = None,
    max_tries: int = 40,
) -> list[Case]:
    """A Case for every canned query: the first candidate bindings that give rows.

    Queries for which no candidate gives rows are still returned (``rows == 0``) so that a caller
    can report them rather than silently measure less.
    """
    from kgqa.canned.registry import Registry

    queries = list(queries if queries is not None else Registry.from_directory(QUERIES))
    run = run or store_runner(store)
    found = pools(store)
    label_rows = store.query(
        _P + "SELECT ?l WHERE { ?x kgqa:fundedOrganization ?s . ?s rdfs:label ?l } ORDER BY ?l LIMIT 1",
        use_default_graph_as_union=True,
    )
    labels = [r["l"].value for r in label_rows]  # type: ignore[union-attr]
    text = (labels[0][:4] if labels else "a").lower()
    cases: list[Case] = []
    for q in queries:
        required = [p for p in q.params if p.required]
        options = [_candidates(q.name, p, found, text) for p in required]
        best: Case | None = None
        for combo in itertools.islice(itertools.product(*options), max_tries):
            if len({c.value for c in combo}) < len(combo):
                continue  # the same entity twice ("backed by both X and X") is not a real question
            bindings = {p.name: v for p, v in zip(required, combo, strict=True)}
            rows = run(q.sparql, bindings)
            best = Case(q.name, q.sparql, bindings, rows)
            if rows:
                break
        cases.append(best or Case(q.name, q.sparql, {}, run(q.sparql, {}) if not required else 0))
    return cases
