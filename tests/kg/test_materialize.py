"""`kgqa.kg.materialize`: the rules reproduce HermiT's conclusions on the article and scale to big graphs.

The article graph's inferred named graph is HermiT's (kgqa/kg/reason.py); run on the *asserted* graph
alone, the rules must produce the same facts about individuals: investsIn (with the subsidiary
chain: Alibaba invests in 01.AI through Alibaba Cloud), hasInvestor, investee, participatedIn,
hasLeadInvestor, backs/backedBy, subsidiaryOf, types with their super-classes, and the Unicorn
classification of MiniMax and Moonshot AI from their valuations (recorded as an entailedBy axiom
annotation, since the article also asserts it). Any difference is listed in the failure message.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgqa.kg.generate import generate
from kgqa.kg.materialize import compile_rules, main, materialize

ROOT = Path(__file__).resolve().parents[2]
KGQA = "https://w3id.org/kgqa/ontology#"
RES = "https://w3id.org/kgqa/resource/"
ASSERTED = ox.NamedNode("https://w3id.org/kgqa/graph/asserted")
INFERRED = ox.NamedNode("https://w3id.org/kgqa/graph/inferred")
P = "PREFIX kgqa: <https://w3id.org/kgqa/ontology#> "
# The properties and classes the canned queries read from the inferred graph.
QUERIED = {
    KGQA + p
    for p in (
        "investsIn",
        "hasInvestor",
        "investee",
        "participatedIn",
        "hasParticipant",
        "hasLeadInvestor",
        "backs",
        "backedBy",
        "subsidiaryOf",
        "hasValuation",
        "hasFundingRound",
        "investor",
        "affiliatedWith",
        "holdsPosition",
        "develops",
    )
}


def _normalised(store: ox.Store) -> set[tuple]:
    """The inferred graph with axiom annotations as (source, property, target) tuples (blank-node ids
    and the name of the reasoning run differ between HermiT and the rules)."""
    quads = list(store.quads_for_pattern(None, None, None, INFERRED))
    axioms: dict[ox.BlankNode, dict[str, object]] = {}
    out: set[tuple] = set()
    for q in quads:
        if isinstance(q.subject, ox.BlankNode):
            axioms.setdefault(q.subject, {})[q.predicate.value.rsplit("#", 1)[-1]] = q.object
        elif "reasoning-" not in q.subject.value:
            out.add((q.subject.value, q.predicate.value, str(q.object)))
    for a in axioms.values():
        out.add(
            (
                "axiom",
                str(a.get("annotatedSource")),
                str(a.get("annotatedProperty")),
                str(a.get("annotatedTarget")),
                "entailedBy" in a,
            )
        )
    return out


@pytest.fixture(scope="module")
def article() -> tuple[ox.Store, ox.Store]:
    """(the built dataset, a store holding only its asserted graph, materialised)."""
    built = ox.Store()
    built.load(path=str(ROOT / "kg" / "dist" / "kgqa-kg.trig"), format=ox.RdfFormat.TRIG)
    mine = ox.Store()
    mine.extend(built.quads_for_pattern(None, None, None, ASSERTED))
    materialize(mine)
    return built, mine


def test_rules_come_from_the_ontology() -> None:
    rules = compile_rules()
    assert not rules.skipped
    names = [r.name for r in rules.rules]
    assert sum(n.startswith("chain kgqa:investsIn") for n in names) == 3
    assert any("defined class kgqa:Unicorn" in n for n in names)
    unicorn = next(r for r in rules.rules if "defined class kgqa:Unicorn" in r.name)
    assert '"1000000000"^^<http://www.w3.org/2001/XMLSchema#decimal>' in unicorn.sparql  # the facet, read
    assert "ontology#amountValue" in unicorn.sparql  # amountValue counts as a minAmount (sub-property)


def test_reproduces_hermit_on_the_article(article: tuple[ox.Store, ox.Store]) -> None:
    built, mine = article
    hermit, rules = _normalised(built), _normalised(mine)
    only_hermit, only_rules = sorted(hermit - rules), sorted(rules - hermit)
    assert not only_hermit and not only_rules, f"only HermiT: {only_hermit}\nonly the rules: {only_rules}"
    queried = {t for t in hermit if t[1] in QUERIED}
    assert len(queried) > 80  # the comparison covered what the queries use


def test_article_specifics(article: tuple[ox.Store, ox.Store]) -> None:
    _, mine = article
    facts = _normalised(mine)
    assert (RES + "Alibaba_Group", KGQA + "investsIn", f"<{RES}01_AI>") in facts  # through Alibaba Cloud
    assert (RES + "01_AI", KGQA + "hasInvestor", f"<{RES}Alibaba_Group>") in facts
    assert (RES + "Alibaba_Cloud", KGQA + "subsidiaryOf", f"<{RES}Alibaba_Group>") in facts
    assert (RES + "OpenAI", KGQA + "backedBy", f"<{RES}Microsoft>") in facts
    for company in ("MiniMax", "Moonshot_AI"):
        assert (
            "axiom",
            f"<{RES}{company}>",
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
            f"<{KGQA}Unicorn>",
            True,
        ) in facts


def test_a_second_run_gives_the_same_graph(article: tuple[ox.Store, ox.Store]) -> None:
    _, mine = article
    before = _normalised(mine)
    report = materialize(mine)
    assert _normalised(mine) == before
    assert report.added + 5 * report.marked + 3 >= len(before)  # recomputed, not kept


def _generated(orgs: int, seed: int) -> ox.Store:
    out = io.StringIO()
    generate(orgs, seed, out)
    store = ox.Store()
    store.load(out.getvalue().encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED)
    return store


def _ask(store: ox.Store, sparql: str) -> int:
    rows = list(store.query(P + sparql, use_default_graph_as_union=True))
    return int(rows[0]["n"].value)  # type: ignore[index]


def test_generated_graph() -> None:
    store = _generated(200, 9)
    report = materialize(store)
    assert report.added > 10_000
    # Every investment made in a round gets its investee; every investsIn its inverse.
    assert (
        _ask(store, "SELECT (COUNT(*) AS ?n) WHERE { ?i kgqa:inRound ?r FILTER NOT EXISTS { ?i kgqa:investee ?c } }")
        == 0
    )
    assert (
        _ask(
            store, "SELECT (COUNT(*) AS ?n) WHERE { ?a kgqa:investsIn ?c FILTER NOT EXISTS { ?c kgqa:hasInvestor ?a } }"
        )
        == 0
    )
    # The subsidiary chain: a parent invests in whatever its subsidiaries invest in.
    assert (
        _ask(
            store,
            "SELECT (COUNT(*) AS ?n) WHERE { ?p kgqa:hasSubsidiary ?s . ?s kgqa:investsIn ?c "
            "FILTER NOT EXISTS { ?p kgqa:investsIn ?c } }",
        )
        == 0
    )
    assert _ask(store, "SELECT (COUNT(*) AS ?n) WHERE { ?p kgqa:hasSubsidiary ?s . ?s kgqa:investsIn ?c }") > 0
    # Unicorns are exactly the start-ups with a US-dollar valuation of at least 1e9 (computed here
    # without the rules: straight from the rounds).
    expected = {
        r["s"].value
        for r in store.query(
            P
            + """SELECT DISTINCT ?s WHERE {
        ?r kgqa:fundedOrganization ?s ; kgqa:postMoneyValuation ?v . ?v kgqa:currencyCode "USD" .
        { ?v kgqa:amountValue ?x } UNION { ?v kgqa:minAmount ?x } FILTER (?x >= 1000000000) }""",
            use_default_graph_as_union=True,
        )
    }  # type: ignore[union-attr]
    got = {
        q.subject.value
        for q in store.quads_for_pattern(
            None,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(KGQA + "Unicorn"),
            INFERRED,
        )
    }
    assert expected and got == expected
    # Inferred triples only in the inferred graph, never a copy of an asserted one.
    assert (
        _ask(
            store,
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/kgqa/graph/inferred> { ?s ?p ?o } "
            "GRAPH <https://w3id.org/kgqa/graph/asserted> { ?s ?p ?o } }",
        )
        == 0
    )


def test_cli_writes_a_dataset_with_both_graphs(tmp_path: Path) -> None:
    src = tmp_path / "g.nt"
    with src.open("w", encoding="utf-8") as f:
        generate(40, 2, f)
    out = tmp_path / "g.nq"
    assert main([str(src), "--out", str(out)]) == 0
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.N_QUADS)
    assert {g.value for g in store.named_graphs()} == {ASSERTED.value, INFERRED.value}
    disk = tmp_path / "store"
    ox.Store(str(disk)).bulk_load(path=str(src), format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED)
    assert main(["--store", str(disk)]) == 0
    assert len(list(ox.Store.read_only(str(disk)).quads_for_pattern(None, None, None, INFERRED))) == len(
        list(store.quads_for_pattern(None, None, None, INFERRED))
    )
