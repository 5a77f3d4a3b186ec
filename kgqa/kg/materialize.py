"""Inference that scales: the entailments the queries need, as SPARQL rules run to a fixed point.

Why: HermiT (``kgqa/kg/reason.py``) is right for the curated article graph (a few thousand triples, a
consistency proof, every OWL 2 DL entailment) but takes minutes to hours on a loaded graph of a
million triples. The canned queries need only a small, rule-shaped part of what HermiT derives:

* sub-classes and equivalent named classes (``?x a kgqa:Organization`` for a start-up),
* sub-properties and inverses of object properties (``backs`` from ``investsIn``, ``hasInvestor``),
* property chains, read from the ontology's ``owl:propertyChainAxiom`` (``investsIn`` from
  ``makesInvestment ∘ investee``, ``ledRound ∘ fundedOrganization`` and, recursively,
  ``hasSubsidiary ∘ investsIn``; ``investee``, ``participatedIn``, ``hasValuation``, ``affiliatedWith``),
* domains and ranges (named classes only),
* membership of *defined* classes whose ``owl:equivalentClass`` is an intersection of named classes
  and ``someValuesFrom`` / ``hasValue`` restrictions, including datatype facets: the Unicorn rule
  (a start-up with a US-dollar valuation whose lower bound is ≥ 1,000,000,000) is compiled from the
  ontology's own definition, not written by hand, and so are ``Investor``, ``LeadInvestment``,
  ``VentureBackedCompany`` and the round classes.

This is the OWL 2 RL subset (prp-spo1, prp-inv, prp-spo2, prp-dom/rng, cax-sco, cls-int1/2, cls-svf1,
cls-hv2) restricted, like the build's inferred graph, to facts about named individuals (IRIs), and
to object properties: ``amountValue ⊑ minAmount`` is used inside the Unicorn test but no
``minAmount`` copies are written, as owlready2 writes none for HermiT either. Everything else HermiT
knows (consistency, cardinalities, disjointness, ``someValuesFrom`` on the right-hand side) is not
derived here; ``tests/kg/test_materialize.py`` lists how the result compares with HermiT's on the
article.

Each rule is a SPARQL CONSTRUCT run on pyoxigraph over the union of all graphs, its new triples
added to the inferred named graph; a rule runs again only when a predicate or class it reads has
gained triples since it last ran (a predicate-level semi-naive evaluation), until nothing changes.
Membership of a defined class is written to the inferred graph even when it is also asserted, as
the build does for ``Unicorn``, so that a query can tell derived from told (``unicorns.rq``).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from kgqa.vocab import ASSERTED_GRAPH, ENTAILED_BY, INFERRED_GRAPH, ONTOLOGY_NS, PREFIXES, RESOURCE_NS

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ONTOLOGY = ROOT / "ontology" / "kgqa.ttl"
TYPE = str(RDF.type)
REASONING_RUN = RESOURCE_NS + "reasoning-rules"  # the prov:Activity each materialised triple cites

# Datatypes whose values are decimals (XSD 1.1 §3.3): a facet on xsd:decimal accepts all of them.
_DECIMAL_TYPES = (
    "decimal",
    "integer",
    "long",
    "int",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
)
_FACETS = {XSD.minInclusive: ">=", XSD.maxInclusive: "<=", XSD.minExclusive: ">", XSD.maxExclusive: "<"}


class Unsupported(Exception):
    """A class expression outside the rule-shaped subset; its rule is skipped (and logged)."""


@dataclass(frozen=True)
class Rule:
    """One CONSTRUCT and what it reads and writes.

    ``reads``/``writes`` are keys: a predicate IRI, or ``"a <class IRI>"`` for class membership, or
    ``"a *"`` for any membership. They decide when the rule must run again.
    """

    name: str
    sparql: str
    reads: frozenset[str]
    writes: frozenset[str]
    # For a defined class: a SELECT of the members that are also *asserted* and not yet marked,
    # whose re-derivation is recorded as a ``kgqa:entailedBy`` axiom annotation (as the build
    # marks HermiT's), since the triple itself is already in the store.
    rederived: str | None = None


@dataclass
class RuleRun:
    name: str
    added: int
    seconds: float


@dataclass
class Report:
    """What a run did: triples added, rounds, time, and each rule run (for ``--verbose``)."""

    added: int = 0
    marked: int = 0  # asserted memberships of defined classes that the rules derive again
    rounds: int = 0
    seconds: float = 0.0
    runs: list[RuleRun] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"materialised {self.added:,} triples ({self.marked:,} asserted re-derived) in {self.seconds:.2f} s "
            f"({len(self.runs)} rule runs in {self.rounds} rounds)"
        )


def _n3(term: URIRef | Literal) -> str:
    if isinstance(term, Literal):
        return term.n3()
    return f"<{term}>"


def _closure(edges: dict[URIRef, set[URIRef]]) -> dict[URIRef, set[URIRef]]:
    """Reflexive-free transitive closure of a small graph given as adjacency sets."""
    result: dict[URIRef, set[URIRef]] = {}
    for start in edges:
        seen: set[URIRef] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
        seen.discard(start)
        result[start] = seen
    return result


def _named_pairs(g: Graph, predicate: URIRef) -> Iterator[tuple[URIRef, URIRef]]:
    """The (subject, object) pairs of `predicate` where both are IRIs (blank nodes are expressions)."""
    for x, y in g.subject_objects(predicate):
        if isinstance(x, URIRef) and isinstance(y, URIRef):
            yield x, y


def _superproperty_edges(o: Graph) -> dict[URIRef, set[URIRef]]:
    """Direct super-properties: rdfs:subPropertyOf, and owl:equivalentProperty both ways."""
    edges: dict[URIRef, set[URIRef]] = {}
    for p, q in _named_pairs(o, RDFS.subPropertyOf):
        edges.setdefault(p, set()).add(q)
    for p, q in _named_pairs(o, OWL.equivalentProperty):
        edges.setdefault(p, set()).add(q)
        edges.setdefault(q, set()).add(p)
    return edges


def _superclass_edges(o: Graph) -> dict[URIRef, set[URIRef]]:
    """Direct super-classes: rdfs:subClassOf, owl:equivalentClass both ways, and the named conjuncts
    of a defined class (C ≡ A ⊓ ... entails C ⊑ A: cls-int2, then cax-sco)."""
    edges: dict[URIRef, set[URIRef]] = {}
    for c, d in _named_pairs(o, RDFS.subClassOf):
        edges.setdefault(c, set()).add(d)
    for c, e in _named_pairs(o, OWL.equivalentClass):
        edges.setdefault(c, set()).add(e)
        edges.setdefault(e, set()).add(c)
    for c, e in o.subject_objects(OWL.equivalentClass):
        members = o.value(e, OWL.intersectionOf) if isinstance(c, URIRef) and isinstance(e, BNode) else None
        for m in Collection(o, members) if members is not None else ():
            if isinstance(m, URIRef):
                edges.setdefault(c, set()).add(m)  # type: ignore[arg-type]
    return edges


# The guard of every rule: add only what is not there yet (a rule that re-adds its own output never ends).
_NOT_ANY = "FILTER NOT EXISTS {{ {} }}"


def _values1(terms: Iterable[URIRef], var: str) -> str:
    return f"VALUES ?{var} {{ {' '.join(_n3(t) for t in sorted(terms))} }}"


_PREFIXES = {PREFIXES[p]: p + ":" for p in ("kgqa", "prov", "org", "schema", "skos")}


def _short(term: URIRef) -> str:
    """kgqa:Person, prov:Person: rule names must be unique, so the prefix stays."""
    text = str(term)
    for ns, prefix in _PREFIXES.items():
        if text.startswith(ns):
            return prefix + text[len(ns) :]
    return f"<{text}>"


class RuleCompiler:
    """Reads an ontology (rdflib Graph) and writes the rules that materialise its entailments."""

    def __init__(self, ontology: Graph) -> None:
        self.g = ontology
        self.fresh = itertools.count()
        self.skipped: list[str] = []
        o = ontology
        self.object_props = {p for p in o.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef)}
        self.object_props |= {
            p
            for kind in (OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.InverseFunctionalProperty)
            for p in o.subjects(RDF.type, kind)
            if isinstance(p, URIRef)
        }
        self.data_props = {p for p in o.subjects(RDF.type, OWL.DatatypeProperty) if isinstance(p, URIRef)}
        self.superprops = _closure(_superproperty_edges(o))
        self.subprops: dict[URIRef, set[URIRef]] = {}
        for p, ups in self.superprops.items():
            for q in ups:
                self.subprops.setdefault(q, set()).add(p)
        supc = _superclass_edges(o)
        self.superclasses = {c: ups - {OWL.Thing, RDFS.Resource} for c, ups in _closure(supc).items()}
        self.tbox_individuals = {str(i) for i in o.subjects(RDF.type, OWL.NamedIndividual) if isinstance(i, URIRef)}

    # --- class expressions → SPARQL -------------------------------------------------------
    def _var(self) -> str:
        return f"?v{next(self.fresh)}"

    def _path(self, prop: URIRef | BNode, reads: set[str]) -> str:
        """A property, or its inverse, with its sub-properties as alternatives (data properties' are
        not materialised, so amountValue must count as a minAmount here)."""
        if isinstance(prop, BNode):
            inner = self.g.value(prop, OWL.inverseOf)
            if not isinstance(inner, URIRef):
                raise Unsupported("an anonymous property that is not an inverse")
            return f"^{self._path(inner, reads)}"
        props = sorted({prop} | self.subprops.get(prop, set()))
        reads.update(str(p) for p in props)
        return "|".join(_n3(p) for p in props) if len(props) == 1 else "(" + "|".join(_n3(p) for p in props) + ")"

    def _datarange(self, dr: URIRef | BNode, var: str) -> str:
        g = self.g
        if dr == RDFS.Literal:
            return ""
        if isinstance(dr, URIRef):
            if dr == XSD.decimal:
                types = ", ".join(f"<{XSD}{t}>" for t in _DECIMAL_TYPES)
                return f"FILTER (DATATYPE({var}) IN ({types}))"
            return f"FILTER (DATATYPE({var}) = {_n3(dr)})"
        base = g.value(dr, OWL.onDatatype)
        facets = g.value(dr, OWL.withRestrictions)
        if base is None or facets is None:
            raise Unsupported("a data range other than a named datatype or a facet restriction")
        parts = [self._datarange(base, var)]
        for facet in Collection(g, facets):
            for key, op in _FACETS.items():
                value = g.value(facet, key)
                if value is not None:
                    parts.append(f"FILTER ({var} {op} {_n3(value)})")
        return " ".join(p for p in parts if p)

    def pattern(self, expr: URIRef | BNode, var: str, reads: set[str]) -> str:
        """A graph pattern binding ``var`` to the members of the class expression ``expr``.

        :raise Unsupported: for expressions that are not rule-shaped (allValuesFrom, cardinality,
            complement): a forward rule cannot prove those over an open world.
        """
        g = self.g
        if isinstance(expr, URIRef):
            if expr == OWL.Thing:
                reads.add("a *")
                return f"{var} a ?thing{next(self.fresh)} ."
            reads.add(f"a {expr}")
            return f"{var} a {_n3(expr)} ."
        if (members := g.value(expr, OWL.intersectionOf)) is not None:
            return " ".join(self.pattern(m, var, reads) for m in Collection(g, members))  # type: ignore[arg-type]
        if (members := g.value(expr, OWL.unionOf)) is not None:
            return " UNION ".join("{ " + self.pattern(m, var, reads) + " }" for m in Collection(g, members))  # type: ignore[arg-type]
        if (values := g.value(expr, OWL.oneOf)) is not None:
            return f"VALUES {var} {{ {' '.join(_n3(v) for v in Collection(g, values))} }}"  # type: ignore[arg-type]
        prop = g.value(expr, OWL.onProperty)
        if prop is None:
            raise Unsupported(f"class expression {expr}")
        path = self._path(prop, reads)  # type: ignore[arg-type]
        if (value := g.value(expr, OWL.hasValue)) is not None:
            return f"{var} {path} {_n3(value)} ."  # type: ignore[arg-type]
        if (filler := g.value(expr, OWL.someValuesFrom)) is not None:
            inner = self._var()
            if (
                prop in self.data_props
                or (filler, RDF.type, RDFS.Datatype) in g
                or str(filler).startswith(str(XSD))
                or filler == RDFS.Literal
            ):
                return f"{var} {path} {inner} . {self._datarange(filler, inner)}"  # type: ignore[arg-type]
            return f"{var} {path} {inner} . {self.pattern(filler, inner, reads)}"  # type: ignore[arg-type]
        raise Unsupported("a restriction other than someValuesFrom or hasValue")

    # --- rules -----------------------------------------------------------------------------
    def rules(self) -> list[Rule]:
        """Every rule the ontology compiles to, kind by kind (OWL 2 RL rule names in each rule's name)."""
        return [
            *self._subclass_rules(),
            *self._subproperty_rules(),
            *self._inverse_rules(),
            *self._transitive_rules(),
            *self._chain_rules(),
            *self._domain_range_rules(),
            *self._defined_class_rules(),
        ]

    def _subclass_rules(self) -> list[Rule]:
        """Rules for sub-classes: cax-sco."""
        rules: list[Rule] = []
        # One rule per class or property read, so that a rule runs again only when *its* input
        # grew (a rule over all sub-class pairs at once would rescan every membership each round).
        for c, ups in sorted(self.superclasses.items()):
            if ups:
                rules.append(
                    Rule(
                        f"sub-classes of {_short(c)} (cax-sco)",
                        f"CONSTRUCT {{ ?x a ?sup }} WHERE {{ ?x a {_n3(c)} . FILTER (isIRI(?x)) "
                        f"{_values1(ups, 'sup')} {_NOT_ANY.format('?x a ?sup')} }}",
                        frozenset({f"a {c}"}),
                        frozenset(f"a {d}" for d in ups),
                    )
                )
        return rules

    def _subproperty_rules(self) -> list[Rule]:
        """Rules for super-properties: prp-spo1."""
        rules: list[Rule] = []
        for p, ups in sorted(self.superprops.items()):
            ups = {q for q in ups if q in self.object_props}
            if ups and p in self.object_props:
                rules.append(
                    Rule(
                        f"super-properties of {_short(p)} (prp-spo1)",
                        f"CONSTRUCT {{ ?x ?q ?y }} WHERE {{ ?x {_n3(p)} ?y . FILTER (isIRI(?x) && isIRI(?y)) "
                        f"{_values1(ups, 'q')} {_NOT_ANY.format('?x ?q ?y')} }}",
                        frozenset({str(p)}),
                        frozenset(str(q) for q in ups),
                    )
                )
        return rules

    def _inverse_rules(self) -> list[Rule]:
        """Rules for inverses and symmetric properties: prp-inv1/2, prp-symp."""
        g = self.g
        rules: list[Rule] = []
        inverse: dict[URIRef, set[URIRef]] = {}
        for p, q in g.subject_objects(OWL.inverseOf):
            if isinstance(p, URIRef) and isinstance(q, URIRef):
                inverse.setdefault(p, set()).add(q)
                inverse.setdefault(q, set()).add(p)
        for p in g.subjects(RDF.type, OWL.SymmetricProperty):
            if isinstance(p, URIRef):
                inverse.setdefault(p, set()).add(p)
        for p, qs in sorted(inverse.items()):
            rules.append(
                Rule(
                    f"inverse of {_short(p)} (prp-inv1/2, prp-symp)",
                    f"CONSTRUCT {{ ?y ?q ?x }} WHERE {{ ?x {_n3(p)} ?y . FILTER (isIRI(?x) && isIRI(?y)) "
                    f"{_values1(qs, 'q')} {_NOT_ANY.format('?y ?q ?x')} }}",
                    frozenset({str(p)}),
                    frozenset(str(q) for q in qs),
                )
            )
        return rules

    def _transitive_rules(self) -> list[Rule]:
        """Rules for transitive properties: prp-trp."""
        g = self.g
        rules: list[Rule] = []
        for p in sorted(g.subjects(RDF.type, OWL.TransitiveProperty)):
            if isinstance(p, URIRef):
                rules.append(
                    Rule(
                        f"transitive {p} (prp-trp)",
                        f"CONSTRUCT {{ ?x {_n3(p)} ?z }} WHERE {{ ?x {_n3(p)} ?y . ?y {_n3(p)} ?z . "
                        f"FILTER (isIRI(?x) && isIRI(?z) && ?x != ?z) {_NOT_ANY.format(f'?x {_n3(p)} ?z')} }}",
                        frozenset({str(p)}),
                        frozenset({str(p)}),
                    )
                )
        return rules

    def _chain_rules(self) -> list[Rule]:
        """Rules for property chains: prp-spo2."""
        g = self.g
        rules: list[Rule] = []
        for prop, chain_list in sorted(g.subject_objects(OWL.propertyChainAxiom)):
            if not isinstance(prop, URIRef):
                continue
            reads: set[str] = set()
            try:
                steps = list(Collection(g, chain_list))  # type: ignore[arg-type]
                body = " ".join(
                    f"?x{i} {self._path(step, reads)} ?x{i + 1} ."  # type: ignore[arg-type]
                    for i, step in enumerate(steps)
                )
            except Unsupported as exc:
                self.skipped.append(f"chain of {prop}: {exc}")
                continue
            n = len(steps)
            names = " ∘ ".join(str(s).rsplit("#", 1)[-1] for s in steps)
            rules.append(
                Rule(
                    f"chain {_short(prop)} ← {names} (prp-spo2)",
                    f"CONSTRUCT {{ ?x0 {_n3(prop)} ?x{n} }} WHERE {{ {body} "
                    f"FILTER (isIRI(?x0) && isIRI(?x{n})) {_NOT_ANY.format(f'?x0 {_n3(prop)} ?x{n}')} }}",
                    frozenset(reads),
                    frozenset({str(prop)}),
                )
            )
        return rules

    def _domain_range_rules(self) -> list[Rule]:
        """Rules for domains and ranges: prp-dom, prp-rng."""
        g = self.g
        rules: list[Rule] = []
        for axiom, position, rule_id in ((RDFS.domain, "?x", "prp-dom"), (RDFS.range, "?y", "prp-rng")):
            by_prop: dict[URIRef, set[URIRef]] = {}
            for p, c in g.subject_objects(axiom):
                if not (isinstance(p, URIRef) and isinstance(c, URIRef)) or c == OWL.Thing:
                    continue
                if p in self.object_props or (axiom == RDFS.domain and p in self.data_props):
                    # Triples of a sub-property carry the domain too; data sub-properties are not
                    # materialised, so list them here.
                    for q in {p} | self.subprops.get(p, set()):
                        by_prop.setdefault(q, set()).add(c)
            check = "isIRI(?x) && isIRI(?y)" if axiom == RDFS.range else "isIRI(?x)"
            for p, classes in sorted(by_prop.items()):
                # DISTINCT first: a start-up has many triples of a property but needs one check.
                rules.append(
                    Rule(
                        f"{'domain' if axiom == RDFS.domain else 'range'} of {_short(p)} ({rule_id})",
                        f"CONSTRUCT {{ {position} a ?c }} WHERE {{ {{ SELECT DISTINCT {position} WHERE {{ "
                        f"?x {_n3(p)} ?y . FILTER ({check}) }} }} {_values1(classes, 'c')} "
                        f"{_NOT_ANY.format(f'{position} a ?c')} }}",
                        frozenset({str(p)}),
                        frozenset(f"a {c}" for c in classes),
                    )
                )
        return rules

    def _defined_class_rules(self) -> list[Rule]:
        """Rules for defined classes: cls-int1, cls-svf1, cls-hv2."""
        g = self.g
        rules: list[Rule] = []
        for cls, expr in sorted(g.subject_objects(OWL.equivalentClass)):
            if not (isinstance(cls, URIRef) and isinstance(expr, BNode)):
                continue
            reads = set()
            try:
                body = self.pattern(expr, "?x", reads)
            except Unsupported as exc:
                self.skipped.append(f"definition of {cls}: {exc}")
                continue
            rules.append(
                Rule(
                    f"defined class {_short(cls)} (cls-int1, cls-svf1, cls-hv2)",
                    f"CONSTRUCT {{ ?x a {_n3(cls)} }} WHERE {{ {body} FILTER (isIRI(?x)) "
                    f"{_NOT_ANY.format(f'?x a {_n3(cls)}')} }}",
                    frozenset(reads),
                    frozenset({f"a {cls}"}),
                    rederived=f"SELECT DISTINCT ?x WHERE {{ {body} FILTER (isIRI(?x)) "
                    f"FILTER EXISTS {{ GRAPH ?g {{ ?x a {_n3(cls)} }} FILTER (?g != <{{target}}>) }} }}",
                )
            )
        return rules


@dataclass(frozen=True)
class RuleSet:
    """The compiled rules of an ontology, the axioms left out (with why) and its own individuals."""

    rules: list[Rule]
    skipped: list[str]
    tbox_individuals: frozenset[str]


def compile_rules(ontology: Graph | str | Path = DEFAULT_ONTOLOGY) -> RuleSet:
    """The rules for an ontology (a Graph or a Turtle file)."""
    if not isinstance(ontology, Graph):
        ontology = Graph().parse(str(ontology), format="turtle")
    compiler = RuleCompiler(ontology)
    rules = compiler.rules()
    return RuleSet(rules, compiler.skipped, frozenset(compiler.tbox_individuals))


def _mark(x: ox.NamedNode, cls: ox.NamedNode, graph: ox.NamedNode) -> list[ox.Quad]:
    """The axiom annotation saying the rules re-derive the asserted ``x a cls`` (cf. kgqa.kg.build)."""
    digest = hashlib.sha1(f"{x.value}|{TYPE}|{cls.value}".encode()).hexdigest()[:16]
    ax = ox.BlankNode(f"ent{digest}")
    return [
        ox.Quad(ax, ox.NamedNode(TYPE), ox.NamedNode(str(OWL.Axiom)), graph),
        ox.Quad(ax, ox.NamedNode(str(OWL.annotatedSource)), x, graph),
        ox.Quad(ax, ox.NamedNode(str(OWL.annotatedProperty)), ox.NamedNode(TYPE), graph),
        ox.Quad(ax, ox.NamedNode(str(OWL.annotatedTarget)), cls, graph),
        ox.Quad(ax, ox.NamedNode(ENTAILED_BY), ox.NamedNode(REASONING_RUN), graph),
    ]


def _marked(store: ox.Store, x: ox.NamedNode, cls: ox.NamedNode, graph: ox.NamedNode) -> bool:
    source, target = ox.NamedNode(str(OWL.annotatedSource)), ox.NamedNode(str(OWL.annotatedTarget))
    for q in store.quads_for_pattern(None, source, x, graph):
        if any(store.quads_for_pattern(q.subject, target, cls, graph)) and any(
            store.quads_for_pattern(q.subject, ox.NamedNode(ENTAILED_BY), None, graph)
        ):
            return True
    return False


def _run_node(graph: ox.NamedNode) -> list[ox.Quad]:
    run = ox.NamedNode(REASONING_RUN)
    return [
        ox.Quad(run, ox.NamedNode(TYPE), ox.NamedNode(str(OWL.NamedIndividual)), graph),
        ox.Quad(run, ox.NamedNode(TYPE), ox.NamedNode(ONTOLOGY_NS + "ReasoningActivity"), graph),
        ox.Quad(
            run,
            ox.NamedNode(str(RDFS.label)),
            ox.Literal("rule materialisation of kgqa (kgqa.kg.materialize)", language="en"),
            graph,
        ),
    ]


def _keys(triples: Iterable[ox.Triple]) -> set[str]:
    keys: set[str] = set()
    for t in triples:
        p = t.predicate.value
        if p == TYPE:
            keys.add(f"a {t.object.value}")
            keys.add("a *")
        else:
            keys.add(p)
    return keys


def materialize(
    store: ox.Store,
    *,
    ontology: Graph | str | Path = DEFAULT_ONTOLOGY,
    target: str = INFERRED_GRAPH,
    replace: bool = True,
    log: Callable[[str], None] | None = None,
) -> Report:
    """Add the rule entailments of everything in ``store`` to the named graph ``target``.

    ``replace`` clears ``target`` first, so the inferred graph is recomputed from the other graphs
    (a second run gives the same graph; stale inferences of removed facts go). Reads the union of
    all graphs; writes only ``target``. Works on in-memory and on-disk stores alike; on disk each
    rule's additions are one transaction.
    """
    started = time.perf_counter()
    ruleset = compile_rules(ontology)
    rules, skipped, tbox = ruleset.rules, ruleset.skipped, ruleset.tbox_individuals
    report = Report(skipped=skipped)
    graph = ox.NamedNode(target)
    say = log or (lambda message: None)
    for reason in skipped:
        say(f"skipped (not rule-shaped): {reason}")
    if replace:
        store.clear_graph(graph)
    last_run = [-1] * len(rules)
    # changed_at[key] = the "time" (a counter of rule runs) when a key last gained triples.
    changed_at: dict[str, int] = {}
    clock = 0
    pending = True
    while pending:
        pending = False
        report.rounds += 1
        for index, rule in enumerate(rules):
            if last_run[index] >= 0 and not any(changed_at.get(k, -1) > last_run[index] for k in rule.reads):
                continue
            t0 = time.perf_counter()
            clock += 1
            last_run[index] = clock
            sparql = rule.sparql.replace("{target}", target)
            # Facts about the ontology's own individuals (round types, roles, countries) belong to
            # the ontology, as in the build's inferred graph.
            new = {
                t
                for t in store.query(sparql, use_default_graph_as_union=True)  # type: ignore[union-attr]
                if t.subject.value not in tbox
            }
            if rule.rederived is not None:
                cls = ox.NamedNode(next(iter(rule.writes))[2:])
                # Whether a mark exists is checked here, not in the query: Oxigraph would join the
                # NOT EXISTS over every axiom annotation (quadratic at a million triples).
                marks = [
                    q
                    for row in store.query(
                        rule.rederived.replace("{target}", target),  # type: ignore[union-attr]
                        use_default_graph_as_union=True,
                    )
                    if not _marked(store, row["x"], cls, graph)
                    for q in _mark(row["x"], cls, graph)
                ]
                if marks:
                    store.extend(
                        marks
                        + (
                            []
                            if any(store.quads_for_pattern(ox.NamedNode(REASONING_RUN), None, None, graph))
                            else _run_node(graph)
                        )
                    )
                    report.marked += len(marks) // 5
            if new:
                store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in new)
                clock += 1
                for key in _keys(new):
                    changed_at[key] = clock
                pending = True
            took = time.perf_counter() - t0
            report.runs.append(RuleRun(rule.name, len(new), took))
            report.added += len(new)
            say(f"  round {report.rounds}: {rule.name}: +{len(new):,} in {took:.2f} s")
    report.seconds = time.perf_counter() - started
    say(report.summary())
    return report


def load_files(store: ox.Store, files: Iterable[str | Path], graph: str = ASSERTED_GRAPH) -> None:
    """Bulk-load RDF files; datasets keep their graphs, triple formats go to ``graph``."""
    for path in files:
        path = Path(path)
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
        if fmt.supports_datasets:
            store.bulk_load(path=str(path), format=fmt)
        else:
            store.bulk_load(path=str(path), format=fmt, to_graph=ox.NamedNode(graph))


def main(argv: list[str] | None = None) -> int:
    """``kgqa materialize``: infer into a persistent store in place, or from files into a file."""
    parser = argparse.ArgumentParser(prog="kgqa materialize", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="RDF files to read (TriG/N-Quads keep their graphs; others go to the asserted graph)",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", metavar="DIR", help="a persistent store (kgqa load) to materialise in place")
    where.add_argument(
        "--out", type=Path, metavar="OUT", help="write the dataset with its inferred graph here (.nq or .trig)"
    )
    parser.add_argument("--only-inferred", action="store_true", help="with --out: write only the inferred graph")
    parser.add_argument("--ontology", type=Path, default=DEFAULT_ONTOLOGY, help="the TBox (Turtle)")
    parser.add_argument("--graph", default=INFERRED_GRAPH, help=f"graph to write (default {INFERRED_GRAPH})")
    parser.add_argument("--keep", action="store_true", help="add to the inferred graph instead of recomputing it")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every rule run")
    args = parser.parse_args(argv)
    if args.out and not args.files:
        parser.error("--out needs input FILEs")

    def log(message: str) -> None:
        if args.verbose or not message.startswith("  "):
            print(message, file=sys.stderr, flush=True)

    try:
        started = time.perf_counter()
        store = ox.Store(args.store) if args.store else ox.Store()
        if args.files:
            load_files(store, args.files)
            print(f"loaded {len(store):,} quads in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        materialize(store, ontology=args.ontology, target=args.graph, replace=not args.keep, log=log)
        if args.out:
            suffix = args.out.suffix.lower()
            fmt = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES}.get(suffix)
            if fmt is None:
                parser.error("--out must end in .nq, .trig or .nt (.nt: only the inferred graph)")
            tmp = args.out.with_name(args.out.name + ".part")
            if args.only_inferred or fmt is ox.RdfFormat.N_TRIPLES:
                if fmt is ox.RdfFormat.N_TRIPLES:
                    store.dump(str(tmp), fmt, from_graph=ox.NamedNode(args.graph))
                else:
                    only = ox.Store()
                    only.bulk_extend(store.quads_for_pattern(None, None, None, ox.NamedNode(args.graph)))
                    only.dump(str(tmp), fmt)
            else:
                store.dump(str(tmp), fmt)
            tmp.replace(args.out)
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            store.flush()
    except (OSError, SyntaxError, ValueError) as exc:
        print(f"kgqa materialize: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
