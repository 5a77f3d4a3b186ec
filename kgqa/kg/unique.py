"""Unique names for the knowledge graph: one ``owl:AllDifferent`` over its named individuals.

OWL makes no unique-name assumption: two IRIs may denote one thing unless the graph says
otherwise. With functional properties that turns a contradiction into a silent merger: a
round stated to be both an angel and a Series B round (``roundType`` is functional) makes
HermiT conclude that the two round types are one, instead of reporting the conflict. Every
IRI the curators coin names a different thing, so the graph says so, in one axiom that
covers its own individuals and the ontology's controlled values it stands beside (pairs
across groups count too: nothing makes a company and a round type the same either).
"""

from __future__ import annotations

import hashlib

from rdflib import OWL, RDF, BNode, Graph, URIRef


def named_individuals(*graphs: Graph) -> list[URIRef]:
    """The IRIs declared ``owl:NamedIndividual`` in any of ``graphs``, sorted."""
    found = {s for g in graphs for s in g.subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef)}
    return sorted(found)


def all_different(members: list[URIRef]) -> Graph:
    """An ``owl:AllDifferent`` axiom over ``members``, with blank-node ids derived from them.

    Content-derived ids keep builds byte-identical (a fresh ``BNode()`` differs per run).
    """
    graph = Graph()
    if len(members) < 2:
        return graph
    digest = hashlib.sha1("\n".join(members).encode("utf-8")).hexdigest()[:16]
    axiom = BNode(f"alldiff{digest}")
    head = BNode(f"alldiff{digest}l0000")
    graph.add((axiom, RDF.type, OWL.AllDifferent))
    graph.add((axiom, OWL.members, head))
    cells = [head] + [BNode(f"alldiff{digest}l{i:04d}") for i in range(1, len(members))]
    for i, (cell, member) in enumerate(zip(cells, members, strict=True)):
        graph.add((cell, RDF.first, member))
        graph.add((cell, RDF.rest, cells[i + 1] if i + 1 < len(cells) else RDF.nil))
    return graph
