"""The three inferences the ontology promises, checked with HermiT (kgqa/kg/reason.py).

1. Unicorn is a defined class: a start-up valued at US$1 billion or more.
2. An investment by a subsidiary counts for its parent (property chain).
3. A lead investor of a round invests in the funded company; inverses are inferred.

Each is checked twice: in the built graph (kg/dist/kgqa-kg.trig, what users query) and
by running HermiT on inputs from which the conclusion is *not* asserted, so the test
shows the reasoner derives it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, XSD
from reasoning import require

from kgqa.kg.reason import ReasoningError, infer, run_hermit
from kgqa.kg.triples import KGQA, RES

ROOT = Path(__file__).resolve().parents[2]
INFERRED = URIRef("https://w3id.org/kgqa/graph/inferred")
ASSERTED = URIRef("https://w3id.org/kgqa/graph/asserted")

pytestmark = pytest.mark.java


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "kgqa.ttl")


@pytest.fixture(scope="module")
def built() -> Dataset:
    dataset = Dataset()
    dataset.parse(ROOT / "kg" / "dist" / "kgqa-kg.trig", format="trig")
    return dataset


def inferred(built: Dataset) -> Graph:
    return built.graph(INFERRED)


def test_built_graph_marks_unicorns_inferred_from_valuation(built: Dataset) -> None:
    graph = inferred(built)
    unicorns = {
        graph.value(axiom, OWL.annotatedSource)
        for axiom in graph.subjects(KGQA.entailedBy, None)
        if graph.value(axiom, OWL.annotatedTarget) == KGQA.Unicorn
    }
    assert unicorns == {RES.MiniMax, RES.Moonshot_AI}
    # ... without repeating the asserted triple: a union of the two graphs has no duplicates.
    assert not set(graph.subjects(RDF.type, KGQA.Unicorn))
    # The article's own statement covers all five, as asserted facts.
    asserted = set(built.graph(ASSERTED).subjects(RDF.type, KGQA.Unicorn))
    assert asserted == {RES.MiniMax, RES.Moonshot_AI, RES.Zhipu_AI, RES.Baichuan_Intelligence, RES["01_AI"]}


def test_built_graph_has_subsidiary_and_lead_inferences(built: Dataset) -> None:
    graph = inferred(built)
    assert (RES.Alibaba_Group, KGQA.investsIn, RES["01_AI"]) in graph
    assert (RES.Alibaba_Group, KGQA.investsIn, RES.MiniMax) in graph
    assert (RES.MiniMax, KGQA.hasInvestor, RES.Alibaba_Group) in graph
    assert (RES["MiniMax_round_2024-03"], KGQA.hasLeadInvestor, RES.Alibaba_Group) in graph
    # Inferred triples are not mixed into the asserted graph.
    assert (RES.Alibaba_Group, KGQA.investsIn, RES["01_AI"]) not in built.graph(ASSERTED)


def _individual(graph: Graph, iri: URIRef, *classes: URIRef) -> URIRef:
    graph.add((iri, RDF.type, OWL.NamedIndividual))
    for cls in classes:
        graph.add((iri, RDF.type, cls))
    return iri


def _valued_startup(graph: Graph, name: str, amount: str, prop: URIRef = KGQA.minAmount) -> URIRef:
    startup = _individual(graph, RES[name], KGQA.Startup)
    rnd = _individual(graph, RES[f"{name}_round"], KGQA.FundingRound)
    value = _individual(graph, RES[f"{name}_value"], KGQA.MonetaryAmount)
    graph.add((rnd, KGQA.fundedOrganization, startup))
    graph.add((rnd, KGQA.postMoneyValuation, value))
    graph.add((value, KGQA.currencyCode, Literal("USD")))
    graph.add((value, prop, Literal(amount, datatype=XSD.decimal)))
    return startup


def test_unicorn_is_derived_from_valuation_alone(ontology: Graph) -> None:
    require()
    data = Graph()
    big = _valued_startup(data, "Big", "2500000000")
    exact = _valued_startup(data, "Exact", "1000000000", KGQA.amountValue)
    small = _valued_startup(data, "Small", "999999999.99")
    result = run_hermit(ontology, data).inferred
    assert (big, RDF.type, KGQA.Unicorn) in result
    assert (exact, RDF.type, KGQA.Unicorn) in result  # exact figures count as lower bounds
    assert (small, RDF.type, KGQA.Unicorn) not in result


def test_subsidiary_investment_counts_for_parent(ontology: Graph) -> None:
    require()
    data = Graph()
    parent = _individual(data, RES.Parent, KGQA.Company)
    child = _individual(data, RES.Child, KGQA.Company)
    target = _individual(data, RES.Target, KGQA.Startup)
    investment = _individual(data, RES.Inv, KGQA.Investment)
    data.add((parent, KGQA.hasSubsidiary, child))
    data.add((child, KGQA.makesInvestment, investment))
    data.add((investment, KGQA.investee, target))
    result = infer(ontology, data).inferred
    assert (child, KGQA.investsIn, target) in result
    assert (parent, KGQA.investsIn, target) in result
    assert (target, KGQA.hasInvestor, parent) in result
    assert (parent, RDF.type, KGQA.Investor) in result


def test_lead_investor_invests_in_funded_company(ontology: Graph) -> None:
    require()
    data = Graph()
    lead = _individual(data, RES.Lead, KGQA.Company)
    startup = _individual(data, RES.Funded, KGQA.Startup)
    rnd = _individual(data, RES.Round, KGQA.FundingRound)
    data.add((rnd, KGQA.fundedOrganization, startup))
    data.add((lead, KGQA.ledRound, rnd))  # only the lead is asserted: no Investment node
    result = infer(ontology, data).inferred
    assert (lead, KGQA.investsIn, startup) in result
    assert (startup, KGQA.hasInvestor, lead) in result
    assert (rnd, KGQA.hasLeadInvestor, lead) in result
    assert (lead, KGQA.participatedIn, rnd) in result


def test_contradicting_lead_claim_is_inconsistent(ontology: Graph) -> None:
    """ "Did not lead" is a negative property assertion: a lead claim next to it is refused."""
    require()
    data = Graph()
    investor = _individual(data, RES.I, KGQA.Company)
    rnd = _individual(data, RES.R, KGQA.FundingRound)
    data.add((investor, KGQA.ledRound, rnd))
    npa = URIRef("https://w3id.org/kgqa/resource/npa")
    data.add((npa, RDF.type, OWL.NegativePropertyAssertion))
    data.add((npa, OWL.sourceIndividual, investor))
    data.add((npa, OWL.assertionProperty, KGQA.ledRound))
    data.add((npa, OWL.targetIndividual, rnd))
    with pytest.raises(ReasoningError, match="inconsistent"):
        run_hermit(ontology, data)
