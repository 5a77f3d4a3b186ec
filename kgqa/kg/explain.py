"""Say in words why HermiT finds the graph inconsistent, for the two usual causes.

HermiT (through owlready2) answers only "inconsistent". The person running ``kgqa build``
needs the fact to fix, so when the graph is inconsistent the asserted graph is searched
for the two contradictions curated facts usually make:

- a functional property with two values that are declared different (unique names):
  a round with round type Angel that is also stated to be a Series B round;
- an individual in two disjoint classes: a person stated to be an organisation.

Values and classes implied by a named class (``SeriesBRound`` ≡ ``FundingRound`` ⊓
``roundType`` value ``SeriesB``) and by named super-classes are followed; anything subtler
is left to HermiT's own message.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kgqa.vocab import ONTOLOGY_NS, RESOURCE_NS

PREFIXES = (("kgqa:", ONTOLOGY_NS), ("kgr:", RESOURCE_NS))


def short(term: Node) -> str:
    """``kgqa:SeriesB`` rather than the full IRI, for messages."""
    text = str(term)
    for prefix, ns in PREFIXES:
        if text.startswith(ns):
            return prefix + text[len(ns) :]
    return f"<{text}>"


class _Schema:
    """What the explanations need from the ontology and the graph: classes, values, differences."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.functional = {
            p for p in graph.subjects(RDF.type, OWL.FunctionalProperty) if (p, RDF.type, OWL.ObjectProperty) in graph
        }
        self.groups = [
            frozenset(Collection(graph, members))
            for axiom in graph.subjects(RDF.type, OWL.AllDifferent)
            for members in graph.objects(axiom, OWL.members)
        ]
        self.disjoint = {frozenset(pair) for pair in graph.subject_objects(OWL.disjointWith)}

    def different(self, a: Node, b: Node) -> bool:
        return a != b and (
            (a, OWL.differentFrom, b) in self.graph
            or (b, OWL.differentFrom, a) in self.graph
            or any(a in group and b in group for group in self.groups)
        )

    def _parts(self, cls: Node) -> list[Node]:
        """The class expressions a class is, or is at least: its super-classes, equivalents, conjuncts."""
        parts: list[Node] = [*self.graph.objects(cls, RDFS.subClassOf), *self.graph.objects(cls, OWL.equivalentClass)]
        for expression in list(parts):
            for members in self.graph.objects(expression, OWL.intersectionOf):
                parts.extend(Collection(self.graph, members))
        return parts

    def classes(self, individual: Node) -> dict[Node, Node]:
        """Every class the individual is in by its asserted types: class -> the asserted type it follows from."""
        found: dict[Node, Node] = {}
        for asserted in self.graph.objects(individual, RDF.type):
            todo = [asserted]
            while todo:
                cls = todo.pop()
                if cls in found:
                    continue
                found[cls] = asserted
                todo.extend(self._parts(cls))
        return found

    def values(self, individual: Node) -> dict[Node, dict[Node, str]]:
        """Functional-property values: property -> value -> why (an asserted triple or a class)."""
        values: dict[Node, dict[Node, str]] = defaultdict(dict)
        for p in self.functional:
            for o in self.graph.objects(individual, p):
                values[p].setdefault(o, "asserted")
        for cls, asserted in self.classes(individual).items():
            p = self.graph.value(cls, OWL.onProperty)
            v = self.graph.value(cls, OWL.hasValue)
            if p in self.functional and v is not None:
                values[p].setdefault(v, f"because it is a {short(asserted)}")
        return values


def explain(graph: Graph) -> list[str]:
    """Readable causes of an inconsistency found in ``graph`` (ontology + asserted facts)."""
    schema = _Schema(graph)
    problems: list[str] = []
    individuals = sorted({s for s in graph.subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef)})
    for x in individuals:
        for p, by_value in sorted(schema.values(x).items()):
            for a, b in combinations(sorted(by_value), 2):
                if schema.different(a, b):
                    problems.append(
                        f"{short(x)} has two values for the functional property {short(p)}: "
                        f"{short(a)} ({by_value[a]}) and {short(b)} ({by_value[b]}), "
                        "which the graph declares different (owl:AllDifferent)"
                    )
        classes = schema.classes(x)
        for a, b in combinations(sorted(c for c in classes if isinstance(c, URIRef)), 2):
            if frozenset((a, b)) in schema.disjoint:
                problems.append(
                    f"{short(x)} is in the disjoint classes {short(a)} (as a {short(classes[a])}) "
                    f"and {short(b)} (as a {short(classes[b])})"
                )
    return problems
