"""Unique names: the controlled values and the graph's individuals are declared pairwise different.

OWL has no unique-name assumption, so with a functional property two values of one subject
are read as one individual under two names. The ontology declares its controlled values
different (one owl:AllDifferent) and `kgqa build` adds one for the graph's individuals
(kgqa/kg/unique.py); a contradiction then is an inconsistency that names itself
(kgqa/kg/explain.py) rather than a silent merger.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from reasoning import require

from kgqa.kg.explain import explain
from kgqa.kg.reason import ReasoningError, run_hermit
from kgqa.kg.unique import all_different, named_individuals

ROOT = Path(__file__).resolve().parents[2]
KGQA = Namespace("https://w3id.org/kgqa/ontology#")
TEST = Namespace("http://example.org/kgqa-test/")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "kgqa.ttl")


def _groups(graph: Graph) -> list[set[URIRef]]:
    return [
        set(Collection(graph, members))
        for axiom in graph.subjects(RDF.type, OWL.AllDifferent)
        for members in graph.objects(axiom, OWL.members)
    ]


def test_ontology_declares_every_individual_it_names_different(ontology: Graph) -> None:
    """One owl:AllDifferent in ontology/kgqa.ttl lists every named individual of the file."""
    groups = _groups(ontology)
    assert len(groups) == 1
    missing = set(named_individuals(ontology)) - groups[0]
    assert not missing, f"add {sorted(missing)} to the owl:AllDifferent at the end of ontology/kgqa.ttl"
    assert {KGQA.Angel, KGQA.SeriesB, KGQA.Chairman, KGQA.China, KGQA.Exactly} <= groups[0]


def test_protege_file_declares_every_individual_different(ontology: Graph) -> None:
    """kgqa-kg.owl has one owl:AllDifferent over its own individuals and the ontology's."""
    graph = Graph().parse(ROOT / "kg" / "dist" / "kgqa-kg.owl", format="xml")
    groups = _groups(graph)
    assert len(groups) == 1
    assert groups[0] == set(named_individuals(graph, ontology))
    assert len(groups[0]) > 100


def test_all_different_is_deterministic_and_skips_fewer_than_two() -> None:
    members = [TEST.b, TEST.a, TEST.c]
    first, second = all_different(members), all_different(list(members))
    assert set(first) == set(second)  # same blank-node ids: byte-identical builds
    assert _groups(first) == [set(members)]
    assert len(all_different([TEST.a])) == 0


def _contradiction() -> Graph:
    """A round whose roundType is Angel and which is stated to be a Series B round."""
    data = Graph()
    data.add((TEST.round, RDF.type, OWL.NamedIndividual))
    data.add((TEST.round, RDF.type, KGQA.FundingRound))
    data.add((TEST.round, RDF.type, KGQA.SeriesBRound))
    data.add((TEST.round, KGQA.roundType, KGQA.Angel))
    data.add((TEST.round, KGQA.fundedOrganization, TEST.company))
    data.add((TEST.company, RDF.type, OWL.NamedIndividual))
    data.add((TEST.company, RDF.type, KGQA.Startup))
    return data


def _without_all_different(graph: Graph) -> Graph:
    out = Graph()
    axioms = set(graph.subjects(RDF.type, OWL.AllDifferent))
    lists = {node for axiom in axioms for node in _list_nodes(graph, graph.value(axiom, OWL.members))}
    for triple in graph:
        if triple[0] not in axioms and triple[0] not in lists:
            out.add(triple)
    return out


def _list_nodes(graph: Graph, head: object) -> list:
    nodes: list = []
    while head is not None and head != RDF.nil:
        nodes.append(head)
        head = graph.value(head, RDF.rest)
    return nodes


@pytest.mark.java
def test_unique_names_turn_two_round_types_into_an_inconsistency(ontology: Graph) -> None:
    """With the ontology's AllDifferent HermiT rejects the round; without it, it merges Angel and SeriesB."""
    require()
    data = _contradiction()
    with pytest.raises(ReasoningError, match="inconsistent"):
        run_hermit(ontology, data)
    merged = run_hermit(_without_all_different(ontology), data).inferred
    assert (KGQA.AngelRound, OWL.equivalentClass, KGQA.SeriesBRound) in merged or (
        KGQA.SeriesBRound,
        OWL.equivalentClass,
        KGQA.AngelRound,
    ) in merged, "without unique names HermiT was expected to identify the two round types"


def test_explain_names_the_functional_property_and_the_class(ontology: Graph) -> None:
    """The build's report: which individual, which property, which values and where each comes from."""
    causes = explain(ontology + _contradiction())
    assert causes == [
        "<http://example.org/kgqa-test/round> has two values for the functional property kgqa:roundType: "
        "kgqa:Angel (asserted) and kgqa:SeriesB (because it is a kgqa:SeriesBRound), "
        "which the graph declares different (owl:AllDifferent)"
    ]
    assert explain(_without_all_different(ontology) + _contradiction()) == []


def test_explain_names_disjoint_classes(ontology: Graph) -> None:
    data = Graph()
    data.add((TEST.someone, RDF.type, OWL.NamedIndividual))
    data.add((TEST.someone, RDF.type, KGQA.Person))
    data.add((TEST.someone, RDF.type, KGQA.Company))
    causes = explain(ontology + data)
    assert (
        "<http://example.org/kgqa-test/someone> is in the disjoint classes kgqa:Organization (as a kgqa:Company) "
        "and kgqa:Person (as a kgqa:Person)"
    ) in causes
