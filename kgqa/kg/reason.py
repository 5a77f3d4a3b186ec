"""Run the HermiT reasoner (through owlready2) and collect what it infers.

HermiT checks that the ontology plus the asserted facts are consistent and derives new
class memberships (e.g. MiniMax is a Unicorn because of its valuation) and property
values (property chains such as "an investment by a subsidiary counts for its parent",
and inverses). The store that serves queries has no reasoner, so the build writes these
inferences into the graph, in their own named graph so that they stay distinguishable.

owlready2 cannot read Turtle and would fetch ``owl:imports`` over the network, so the
graphs are handed over as N-Triples without imports, in a fresh ``World`` per run.
HermiT reports only *direct* types; the super-classes and super-properties a SPARQL
user expects are added by :func:`rdfs_closure`, restricted to named classes/properties.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kgqa.vocab import KGQA_BASE

log = logging.getLogger(__name__)

INFERENCES_IRI = "http://inferrences/"  # owlready2's fixed name for HermiT's output


class ReasoningError(Exception):
    """HermiT found the graph inconsistent, or could not run."""


class InconsistentGraphError(ReasoningError):
    """HermiT found the graph inconsistent (it has no model): a fact contradicts another or the ontology."""


@dataclass(frozen=True)
class ReasonerResult:
    inferred: Graph  # new triples only: never one that is also asserted
    seconds: float
    rederived: frozenset[tuple] = frozenset()  # held-back asserted triples the reasoner derived again


def _ntriples_without_imports(*graphs: Graph) -> bytes:
    merged = Graph()
    for graph in graphs:
        for triple in graph:
            if triple[1] != OWL.imports:
                merged.add(triple)
    return merged.serialize(format="nt", encoding="utf-8")


def run_hermit(ontology: Graph, data: Graph) -> ReasonerResult:
    """Consistency check + inferred types and object property values of named individuals.

    :raise ReasoningError: when the graph is inconsistent (with HermiT's message) or Java
        is missing.
    """
    import time

    import owlready2
    from owlready2.base import OwlReadyInconsistentOntologyError

    if shutil.which(owlready2.JAVA_EXE) is None and not os.path.exists(owlready2.JAVA_EXE):
        raise ReasoningError("Java is needed to run HermiT: install a Java 17 runtime")
    world = owlready2.World()
    onto = world.get_ontology(KGQA_BASE + "build-input")
    onto.load(fileobj=io.BytesIO(_ntriples_without_imports(ontology, data)), format="ntriples")
    inferred_onto = world.get_ontology(INFERENCES_IRI)
    started = time.perf_counter()
    try:
        with inferred_onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
    except OwlReadyInconsistentOntologyError as exc:
        detail = str(exc).strip()
        raise InconsistentGraphError(
            "the graph is inconsistent according to HermiT" + (f": {detail}" if detail else "")
        ) from None
    except owlready2.OwlReadyJavaError as exc:
        raise ReasoningError(f"HermiT failed: {exc}") from None
    seconds = time.perf_counter() - started
    buffer = io.BytesIO()
    inferred_onto.save(file=buffer, format="ntriples")
    inferred = Graph().parse(data=buffer.getvalue().decode("utf-8"), format="nt")
    # owlready2 declares its own output ontology; that is not an inference about our data.
    for triple in list(inferred.triples((URIRef(INFERENCES_IRI.rstrip("/")), None, None))):
        inferred.remove(triple)
    for triple in list(inferred.triples((URIRef(INFERENCES_IRI), None, None))):
        inferred.remove(triple)
    world.close()
    return ReasonerResult(inferred, seconds)


Ancestors = dict[URIRef, set[URIRef]]


def _named_ancestors(ontology: Graph, kind: URIRef, parent: URIRef) -> Ancestors:
    """For each named member of `kind`, its named ancestors along `parent` (itself left out)."""
    ancestors: dict[URIRef, set[URIRef]] = {}
    for node in set(ontology.subjects(RDF.type, kind)):
        if isinstance(node, URIRef):
            ups = {c for c in ontology.transitive_objects(node, parent) if isinstance(c, URIRef)}
            ancestors[node] = ups - {node}
    return ancestors


def _one_step(
    s: Node, p: Node, o: Node, superclasses: Ancestors, superprops: Ancestors, inverses: Ancestors
) -> list[tuple]:
    """The triples one triple entails directly: its super-types, super-properties and inverses."""
    if p == RDF.type:
        return [(s, RDF.type, up) for up in superclasses.get(o, ())]
    return [(s, up, o) for up in superprops.get(p, ())] + [(o, inv, s) for inv in inverses.get(p, ())]


def rdfs_closure(ontology: Graph, data: Graph) -> Graph:
    """Super-classes, super-properties and inverses that HermiT's report leaves implicit.

    HermiT (through owlready2) reports direct types only, and owlready2 keeps one direction
    of each inverse pair; a SPARQL user expects ``?x a kgqa:Organization`` and
    ``?round kgqa:hasLeadInvestor ?x`` to work too. Only named classes and properties count
    (blank-node class expressions are not something a user asks for). Iterates to a fixed
    point, since an inverse can have super-properties and vice versa.
    """
    superclasses = _named_ancestors(ontology, OWL.Class, RDFS.subClassOf)
    superclasses = {c: ups - {OWL.Thing} for c, ups in superclasses.items()}
    superprops = _named_ancestors(ontology, OWL.ObjectProperty, RDFS.subPropertyOf)
    inverses: dict[URIRef, set[URIRef]] = {}
    for p, q in ontology.subject_objects(OWL.inverseOf):
        if isinstance(p, URIRef) and isinstance(q, URIRef):
            inverses.setdefault(p, set()).add(q)
            inverses.setdefault(q, set()).add(p)
    known = set(data)
    closure = Graph()
    frontier = list(known)
    while frontier:
        new: list[tuple] = []
        for s, p, o in frontier:
            if isinstance(s, BNode) or isinstance(o, Literal | BNode):
                continue
            derived = _one_step(s, p, o, superclasses, superprops, inverses)
            for triple in derived:
                if triple not in known:
                    known.add(triple)
                    closure.add(triple)
                    new.append(triple)
        frontier = new
    return closure


def without(graph: Graph, triples: set[tuple]) -> Graph:
    """``graph`` less ``triples`` and the axiom annotations on them.

    An annotated axiom's ``owl:Axiom`` node restates its triple, and OWL tools (owlready2,
    the OWL API) read it as an assertion of that triple: it has to go too.
    """
    hidden_axioms = {
        axiom
        for axiom in graph.subjects(RDF.type, OWL.Axiom)
        if (
            graph.value(axiom, OWL.annotatedSource),
            graph.value(axiom, OWL.annotatedProperty),
            graph.value(axiom, OWL.annotatedTarget),
        )
        in triples
    }
    out = Graph()
    for triple in graph:
        if triple not in triples and triple[0] not in hidden_axioms:
            out.add(triple)
    return out


def infer(ontology: Graph, asserted: Graph, held_back: Graph | None = None) -> ReasonerResult:
    """Everything the store should know beyond ``asserted``: HermiT's conclusions + RDFS closure.

    ``held_back`` triples are left out of the reasoner's input and then count as asserted:
    the article's own statement that the five companies are unicorns would otherwise hide
    that HermiT derives it from the valuations for MiniMax and Moonshot AI. Those it derives
    again are reported in ``rederived`` rather than repeated in ``inferred`` (a triple in both
    named graphs would come back twice from a store's union default graph).
    """
    reasoner_input = asserted
    if held_back is not None and len(held_back):
        reasoner_input = without(asserted, set(held_back))
        # The full graph must be consistent too: check it first (HermiT, same as below).
        run_hermit(ontology, asserted)
    result = run_hermit(ontology, reasoner_input)
    everything = Graph()
    for triple in asserted:
        everything.add(triple)
    for triple in result.inferred:
        everything.add(triple)
    closure = rdfs_closure(ontology, everything)
    inferred = Graph()
    rederived: set[tuple] = set()
    for triple in list(result.inferred) + list(closure):
        s, p, o = triple
        if isinstance(s, BNode) or (p == RDF.type and o in (OWL.Thing, OWL.NamedIndividual)):
            continue
        # Only facts about individuals: HermiT's class/property hierarchy conclusions belong
        # to the ontology, and owlready2 reports some of them in one run and not the next.
        if p in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty):
            continue
        if triple in reasoner_input:
            continue
        # Held-back facts that HermiT re-derives are genuine inferences: keep them.
        if triple in asserted:
            if held_back is not None and triple in held_back:
                rederived.add(triple)
            continue
        inferred.add(triple)
    return ReasonerResult(inferred, result.seconds, frozenset(rederived))
