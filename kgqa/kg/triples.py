"""Turn curated facts into RDF: the asserted part of the knowledge graph.

Provenance follows two standard patterns, chosen so that both Protégé and SPARQL
users see it:
- n-ary fact nodes (rounds, investments, amounts, positions, relationships, statistics,
  claims) link to their evidence with ``kgqa:hasEvidence`` (a sub-property of
  ``prov:wasInfluencedBy``, which PROV-O allows on activities such as rounds);
- binary facts (class membership, labels, hasSubsidiary, developedBy, ...) carry an OWL
  axiom annotation ``kgqa:evidence`` on the asserted axiom, which Protégé shows on the
  assertion itself.
Evidence is either a sentence of the article (``kgqa:ArticleEvidence``, verbatim, with
offsets) or a curators' record (``kgqa:ExternalEvidence``) for anything added from
outside the article, so the two can never be confused.

Blank nodes (axiom annotations, negative assertions) get ids derived from their content,
so two builds produce the same ids and byte-identical files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, PROV, SKOS

from kgqa import vocab
from kgqa.kg import dates, header
from kgqa.kg.facts import (
    Amount,
    BinaryFact,
    Claim,
    Dating,
    Event,
    FactError,
    Facts,
    Investment,
    Name,
    Provenance,
    Report,
)
from kgqa.kg.sources import QuoteNotFound, SourceText

KGQA = Namespace(vocab.ONTOLOGY_NS)
RES = Namespace(vocab.RESOURCE_NS)
ONTOLOGY_IRI = URIRef(vocab.ONTOLOGY_IRI)
KG_IRI = URIRef(vocab.KG_IRI)

# The binary shortcut each kind of strategic relationship implies.
STRATEGIC_SHORTCUTS = {
    "Backing": KGQA.backs,
    "ExclusiveCloudProvision": KGQA.exclusiveCloudProviderOf,
    "ExclusiveCommercialisationLicence": KGQA.holdsExclusiveLicenceFrom,
    "PriorityTechnologyAccess": KGQA.hasPriorityAccessTo,
}
QUALIFIER_WORDS = {"Exactly": "", "MoreThan": "more than ", "AtLeast": "at least "}
_CURRENCY_SIGNS = {"USD": "US$", "CNY": "RMB ", "EUR": "€"}


def decimal_literal(value: Decimal) -> Literal:
    """An xsd:decimal literal in canonical form (never a double: see the ontology's facet)."""
    text = format(value.normalize(), "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def money_label(amount: Amount) -> str:
    """'more than US$2.5 billion': how people say an amount."""
    value = amount.value
    for size, word in ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
        if value >= size:
            number = format((value / size).normalize(), "f")
            text = f"{number} {word}"
            break
    else:
        text = f"{value:,}"
    sign = _CURRENCY_SIGNS.get(amount.currency, f"{amount.currency} ")
    return f"{QUALIFIER_WORDS[amount.qualifier]}{sign}{text}"


@dataclass
class TripleBuilder:
    """Builds the asserted graph from facts, checking every name and quote on the way."""

    facts: Facts
    text: SourceText
    ontology: Graph

    def __post_init__(self) -> None:
        self.graph = Graph()
        self.graph.bind("kgqa", KGQA)
        self.graph.bind("kgr", RES)
        self.graph.bind("prov", PROV)
        self.graph.bind("skos", SKOS)
        self.graph.bind("owl", OWL)
        self.entity_ids = {e.id for e in self.facts.entities}
        self.external_ids = {r.id for r in self.facts.external}
        self.labels = {e.id: e.label.name for e in self.facts.entities}
        source = self.facts.source
        assert source is not None
        self.source_iri = RES[source.id]

    # --- names ---------------------------------------------------------------------
    def _declared(self, local: str, kinds: Iterable[URIRef]) -> bool:
        return any((KGQA[local], RDF.type, kind) in self.ontology for kind in kinds)

    def cls(self, local: str, where: str) -> URIRef:
        if not self._declared(local, [OWL.Class]):
            raise FactError(where, f"unknown class {local!r} (not an owl:Class in ontology/kgqa.ttl)")
        return KGQA[local]

    def prop(self, local: str, where: str) -> URIRef:
        if not self._declared(local, [OWL.ObjectProperty]):
            raise FactError(where, f"unknown property {local!r} (not an owl:ObjectProperty in ontology/kgqa.ttl)")
        return KGQA[local]

    def concept(self, local: str, of_class: str, where: str) -> URIRef:
        if (KGQA[local], RDF.type, KGQA[of_class]) not in self.ontology:
            allowed = sorted(str(s).rsplit("#", 1)[1] for s in self.ontology.subjects(RDF.type, KGQA[of_class]))
            raise FactError(where, f"unknown {of_class} {local!r} (expected one of: {', '.join(allowed)})")
        return KGQA[local]

    def entity(self, local: str, where: str) -> URIRef:
        if local not in self.entity_ids:
            # Individuals of the ontology itself (countries, ...) may be referred to too.
            if (KGQA[local], RDF.type, OWL.NamedIndividual) in self.ontology:
                return KGQA[local]
            raise FactError(where, f"unknown entity {local!r} (not an id in entities.yaml)")
        return RES[local]

    # --- provenance ----------------------------------------------------------------
    def evidence(self, prov: Provenance) -> list[URIRef]:
        """Evidence nodes for a fact: its article sentences and its external record."""
        nodes: list[URIRef] = []
        for quote in prov.quotes:
            try:
                sentences = self.text.locate(quote)
            except QuoteNotFound as exc:
                raise FactError(prov.where, str(exc)) from None
            for sentence in sentences:
                node = RES[f"{self.source_iri.rsplit('/', 1)[1]}_s{sentence.index:03d}"]
                if (node, RDF.type, KGQA.ArticleEvidence) not in self.graph:
                    self._add_sentence(node, sentence.index, sentence.start, sentence.end, sentence.text)
                if node not in nodes:
                    nodes.append(node)
        if prov.external is not None:
            if prov.external not in self.external_ids:
                raise FactError(prov.where, f"unknown external record {prov.external!r} (see source.yaml)")
            nodes.append(RES[f"external_{prov.external}"])
        return nodes

    def _add_sentence(self, node: URIRef, index: int, start: int, end: int, text: str) -> None:
        g = self.graph
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, KGQA.ArticleEvidence))
        g.add((node, RDFS.label, Literal(f"sentence {index} of the article", lang="en")))
        g.add((node, KGQA.quote, Literal(text)))
        g.add((node, KGQA.sentenceIndex, Literal(index, datatype=XSD.integer)))
        g.add((node, KGQA.charStart, Literal(start, datatype=XSD.integer)))
        g.add((node, KGQA.charEnd, Literal(end, datatype=XSD.integer)))
        g.add((node, PROV.wasQuotedFrom, self.source_iri))

    def node(self, iri: URIRef, cls: URIRef, label: str, prov: Provenance) -> URIRef:
        """An n-ary fact node with its type, label, evidence and curator's note."""
        g = self.graph
        g.add((iri, RDF.type, OWL.NamedIndividual))
        g.add((iri, RDF.type, cls))
        g.add((iri, RDFS.label, Literal(label, lang="en")))
        for ev in self.evidence(prov):
            g.add((iri, KGQA.hasEvidence, ev))
        if prov.note:
            g.add((iri, KGQA.note, Literal(prov.note)))
        return iri

    def assert_annotated(self, s: URIRef, p: URIRef, o: URIRef | Literal, prov: Provenance) -> BNode:
        """Add a binary fact plus an OWL axiom annotation carrying its evidence; return the axiom."""
        evidence = self.evidence(prov)
        self.graph.add((s, p, o))
        digest = hashlib.sha1(f"{s}|{p}|{o.n3()}".encode()).hexdigest()[:16]
        axiom = BNode(f"ax{digest}")
        g = self.graph
        g.add((axiom, RDF.type, OWL.Axiom))
        g.add((axiom, OWL.annotatedSource, s))
        g.add((axiom, OWL.annotatedProperty, p))
        g.add((axiom, OWL.annotatedTarget, o))
        for ev in evidence:
            g.add((axiom, KGQA.evidence, ev))
        if prov.note:
            g.add((axiom, SKOS.note, Literal(prov.note, lang="en")))
        return axiom

    # --- sections ------------------------------------------------------------------
    def build(self) -> Graph:
        self._ontology_header()
        self._external_records()
        self._source()
        for entity in self.facts.entities:
            self._entity(entity)
        for rnd in self.facts.rounds:
            self._round(rnd)
        for inv in self.facts.investments:
            self._investment(inv)
        self._facts()
        self._positions()
        self._strategic()
        self._statistics()
        for event in self.facts.events:
            self._event(event)
        self._claims()
        return self.graph

    def _ontology_header(self) -> None:
        g = self.graph
        g.add((KG_IRI, RDF.type, OWL.Ontology))
        g.add((KG_IRI, OWL.imports, ONTOLOGY_IRI))
        g.add((KG_IRI, OWL.versionIRI, URIRef(f"{KG_IRI}/{self.facts.source.id}")))  # type: ignore[union-attr]
        source = self.facts.source
        assert source is not None
        for prop, value in header.statements(source, self.source_iri, self.labels.get(source.publisher, "")):
            g.add((KG_IRI, prop, value))

    def _external_records(self) -> None:
        g = self.graph
        for record in self.facts.external:
            node = RES[f"external_{record.id}"]
            g.add((node, RDF.type, OWL.NamedIndividual))
            g.add((node, RDF.type, KGQA.ExternalEvidence))
            g.add((node, RDFS.label, Literal(f"curators' record: {record.id}", lang="en")))
            g.add((node, KGQA.note, Literal(" ".join(record.note.split()))))
            g.add((node, PROV.wasAttributedTo, KGQA.kgqaCurators))

    def _source(self) -> None:
        source = self.facts.source
        assert source is not None
        iri = self.node(
            self.source_iri, KGQA.SourceDocument, f"{source.title} (Mondo Finance, {source.date})", source.prov
        )
        g = self.graph
        g.add((iri, KGQA.title, Literal(source.title)))
        g.add((iri, KGQA.publicationDate, Literal(source.date)))
        g.add((iri, KGQA.publishedBy, self.entity(source.publisher, source.prov.where)))
        g.add((iri, KGQA.sourceText, Literal(self.text.text)))

    def _entity(self, entity) -> None:
        iri = RES[entity.id]
        self.graph.add((iri, RDF.type, OWL.NamedIndividual))
        if not entity.types:
            raise FactError(entity.prov.where, f"entity {entity.id}: 'types' must name at least one class")
        for local in entity.types:
            self.assert_annotated(iri, RDF.type, self.cls(local, entity.prov.where), entity.prov)
        pref = entity.label
        self.assert_annotated(iri, RDFS.label, Literal(pref.name, lang=pref.lang), pref.prov)
        self.assert_annotated(iri, SKOS.prefLabel, Literal(pref.name, lang=pref.lang), pref.prov)
        seen = {(pref.name, pref.lang)}
        preferred = {pref.lang}
        for name in entity.names:
            if (name.name, name.lang) in seen:
                raise FactError(name.prov.where, f"entity {entity.id}: name {name.name!r} given twice")
            seen.add((name.name, name.lang))
            prop = self._name_property(name, preferred)
            self.assert_annotated(iri, prop, Literal(name.name, lang=name.lang), name.prov)

    @staticmethod
    def _name_property(name: Name, preferred: set[str]) -> URIRef:
        """skos:prefLabel for the first shown name in a language with none yet (the first Chinese
        name listed), else altLabel, or hiddenLabel for the article's mistranslations.

        SKOS allows one preferred label per language, and makes preferred and alternative labels
        disjoint: the Chinese name that becomes preferred is not repeated as an alternative. It keeps
        the provenance the curators gave it (their record of Chinese names), never the article's.
        """
        if name.kind == "hidden":
            return SKOS.hiddenLabel
        if name.lang not in preferred:
            preferred.add(name.lang)
            return SKOS.prefLabel
        return SKOS.altLabel

    def _amount(self, iri: URIRef, amount: Amount, where: str) -> URIRef:
        """An amount node citing the evidence of its own figure (never its round's or statistic's)."""
        g = self.graph
        prov = amount.prov
        if prov is None:
            raise FactError(where, "an amount needs its own evidence (the sentence that gives the figure)")
        self.node(iri, KGQA.MonetaryAmount, money_label(amount), prov)
        value = decimal_literal(amount.value)
        # An exact figure is both bounds (amountValue is a sub-property of min/maxAmount);
        # "more than"/"at least" give only the lower bound.
        g.add((iri, KGQA.amountValue if amount.qualifier == "Exactly" else KGQA.minAmount, value))
        g.add((iri, KGQA.currencyCode, Literal(amount.currency)))
        g.add((iri, KGQA.amountQualifier, self.concept(amount.qualifier, "AmountQualifier", prov.where)))
        if amount.as_reported:
            g.add((iri, KGQA.asReported, Literal(amount.as_reported)))
        return iri

    def _round(self, rnd) -> None:
        where = rnd.prov.where
        company = self.entity(rnd.company, where)
        rtype = self.concept(rnd.type, "RoundType", where)
        type_label = {"SeriesUnknown": "funding round"}.get(
            rnd.type, str(self.ontology.value(rtype, RDFS.label) or rnd.type)
        )
        label = f"{self.labels[rnd.company]} {type_label}" + (f" of {rnd.date}" if rnd.date else "")
        iri = self.node(RES[rnd.id], KGQA.FundingRound, label, rnd.prov)
        g = self.graph
        g.add((iri, KGQA.fundedOrganization, company))
        g.add((iri, KGQA.roundType, rtype))
        if rnd.dating:
            self._dating(iri, rnd.dating, where)
        if rnd.raised:
            g.add((iri, KGQA.moneyRaised, self._amount(RES[f"{rnd.id}_raised"], rnd.raised, where)))
        if rnd.valuation:
            g.add((iri, KGQA.postMoneyValuation, self._amount(RES[f"{rnd.id}_valuation"], rnd.valuation, where)))
        for inv in rnd.investments:
            self._investment(inv)
        if rnd.report:
            self._report(iri, rnd.report)

    def _report(self, iri: URIRef, report: Report) -> None:
        """How the article learnt of the round ("according to sources", "according to a late report")."""
        where = report.prov.where
        self.assert_annotated(iri, KGQA.reportStatus, self.concept(report.status, "ReportStatus", where), report.prov)
        if report.by is not None:
            self.assert_annotated(iri, KGQA.reportedBy, self.entity(report.by, where), report.prov)

    def _dating(self, iri: URIRef, dating: Dating, where: str) -> None:
        """The date as shown (string + precision), which event it is of, and its typed bounds.

        Each triple carries the date's own evidence as an axiom annotation: the sentence it is
        read from and, for relative dates, the record of their resolution against the article's date.
        """
        statements: list[tuple[URIRef, URIRef | Literal]] = [
            (KGQA.dateKind, self.concept(dating.kind, "DateKind", where))
        ]
        if dating.date is not None:
            statements += [
                (KGQA.date, Literal(dating.date)),
                (KGQA.datePrecision, self.concept(dating.precision or "", "DatePrecision", where)),
                (KGQA.earliest, Literal(dates.earliest(dating.date), datatype=XSD.dateTime)),
                (KGQA.latest, Literal(dates.latest(dating.date), datatype=XSD.dateTime)),
            ]
        if dating.not_before is not None:
            statements.append((KGQA.earliest, Literal(dates.earliest(dating.not_before), datatype=XSD.dateTime)))
        if dating.not_after is not None:
            statements.append((KGQA.latest, Literal(dates.latest(dating.not_after), datatype=XSD.dateTime)))
        for prop, value in statements:
            self.assert_annotated(iri, prop, value, dating.prov)

    def _investment(self, inv: Investment) -> None:
        where = inv.prov.where
        investor = self.entity(inv.investor, where)
        g = self.graph
        if inv.round is not None:
            round_iri = RES[inv.round]
            iri = self.node(
                RES[f"{inv.round}_{inv.investor}"],
                KGQA.Investment,
                f"{self.labels[inv.investor]} in {g.value(round_iri, RDFS.label)}",
                inv.prov,
            )
            g.add((iri, KGQA.inRound, round_iri))
        else:
            investee = self.entity(inv.investee or "", where)
            iri = self.node(
                RES[f"investment_{inv.investor}_in_{inv.investee}"],
                KGQA.Investment,
                f"{self.labels[inv.investor]} investment in {self.labels[inv.investee or '']}",
                inv.prov,
            )
            g.add((iri, KGQA.investee, investee))
            if inv.dating:
                self._dating(iri, inv.dating, where)
        g.add((investor, KGQA.makesInvestment, iri))
        for qualifier in inv.qualifiers:
            g.add((iri, KGQA.participationQualifier, self.concept(qualifier, "ParticipationQualifier", where)))
        if inv.lead is not None:
            g.add((iri, KGQA.isLeadInvestor, Literal(inv.lead)))
        if inv.lead is True and inv.round is not None:
            self.assert_annotated(investor, KGQA.ledRound, RES[inv.round], inv.prov)
        if inv.lead is False and inv.round is not None:
            # "did not appear as the leader": a negative property assertion, so that a
            # contradicting lead claim would make the graph inconsistent.
            npa = BNode(f"npa{hashlib.sha1(f'{investor}|{inv.round}'.encode()).hexdigest()[:16]}")
            g.add((npa, RDF.type, OWL.NegativePropertyAssertion))
            g.add((npa, OWL.sourceIndividual, investor))
            g.add((npa, OWL.assertionProperty, KGQA.ledRound))
            g.add((npa, OWL.targetIndividual, RES[inv.round]))

    def _facts(self) -> None:
        for fact in self.facts.facts:
            where = fact.prov.where
            subject = self.entity(fact.subject, where)
            if fact.property == "type":
                axiom = self.assert_annotated(subject, RDF.type, self.cls(fact.object, where), fact.prov)
            else:
                axiom = self.assert_annotated(
                    subject, self.prop(fact.property, where), self.entity(fact.object, where), fact.prov
                )
            self._qualify(axiom, fact)

    def _qualify(self, axiom: BNode, fact: BinaryFact) -> None:
        """What limits a binary fact, on its axiom: its scope, and the round after which it holds."""
        for scope in fact.scope:
            self.graph.add((axiom, KGQA.scope, Literal(scope, lang="en")))
        if fact.after_round is not None:
            if fact.after_round not in {r.id for r in self.facts.rounds}:
                raise FactError(fact.prov.where, f"unknown round {fact.after_round!r} (not an id in rounds.yaml)")
            self.graph.add((axiom, KGQA.holdsAfter, RES[fact.after_round]))

    def _positions(self) -> None:
        g = self.graph
        for pos in self.facts.positions:
            where = pos.prov.where
            role = self.concept(pos.role, "Role", where)
            role_label = self.ontology.value(role, RDFS.label)
            iri = self.node(
                RES[f"{pos.person}_{pos.role}_{pos.organization}"],
                KGQA.Position,
                f"{self.labels[pos.person]}, {role_label} of {self.labels[pos.organization]}",
                pos.prov,
            )
            g.add((iri, KGQA.holder, self.entity(pos.person, where)))
            g.add((iri, KGQA.role, role))
            g.add((iri, KGQA.positionIn, self.entity(pos.organization, where)))

    def _strategic(self) -> None:
        g = self.graph
        for rel in self.facts.strategic:
            where = rel.prov.where
            kind = self.concept(rel.kind, "RelationshipKind", where)
            provider, counterparty = self.entity(rel.provider, where), self.entity(rel.counterparty, where)
            iri = self.node(
                RES[f"{rel.provider}_{rel.kind}_{rel.counterparty}"],
                KGQA.StrategicRelationship,
                f"{self.labels[rel.provider]} – {self.ontology.value(kind, RDFS.label)} – "
                f"{self.labels[rel.counterparty]}",
                rel.prov,
            )
            g.add((iri, KGQA.relationshipKind, kind))
            g.add((iri, KGQA.provider, provider))
            g.add((iri, KGQA.counterparty, counterparty))
            self.assert_annotated(provider, STRATEGIC_SHORTCUTS[rel.kind], counterparty, rel.prov)

    def _about(self, iri: URIRef, about: Iterable[str], stated_by: str, where: str) -> None:
        for local in about:
            self.graph.add((iri, KGQA.about, self.entity(local, where)))
        self.graph.add((iri, KGQA.statedBy, self.entity(stated_by, where)))

    def _statistics(self) -> None:
        g = self.graph
        for stat in self.facts.statistics:
            where = stat.prov.where
            label = stat.measure + (f" ({stat.period})" if stat.period else "")
            iri = self.node(RES[stat.id], KGQA.Statistic, label, stat.prov)
            self._about(iri, stat.about, stat.stated_by, where)
            g.add((iri, KGQA.measure, Literal(stat.measure)))
            if stat.period:
                g.add((iri, KGQA.period, Literal(stat.period)))
            if stat.quantity is not None:
                g.add((iri, KGQA.quantity, decimal_literal(stat.quantity)))
            if stat.amount is not None:
                g.add((iri, KGQA.statisticAmount, self._amount(RES[f"{stat.id}_amount"], stat.amount, where)))
            if stat.qualifier:
                g.add((iri, KGQA.amountQualifier, self.concept(stat.qualifier, "AmountQualifier", where)))
            if stat.unit:
                g.add((iri, KGQA.unit, Literal(stat.unit)))
            if stat.as_reported:
                g.add((iri, KGQA.asReported, Literal(stat.as_reported)))

    def _event(self, event: Event) -> None:
        """A dated happening (a release, a speech): what kind, who, what was released, and when."""
        where = event.prov.where
        cls = self.cls(event.type, where)
        if (cls, RDFS.subClassOf, KGQA.Event) not in self.ontology:
            raise FactError(where, f"event {event.id}: {event.type!r} is not a subclass of kgqa:Event")
        iri = self.node(RES[event.id], cls, event.label, event.prov)
        self.graph.add((iri, KGQA.performedBy, self.entity(event.performed_by, where)))
        if event.product is not None:
            self.graph.add((iri, KGQA.releasedProduct, self.entity(event.product, where)))
        if event.dating:
            self._dating(iri, event.dating, where)

    def _claims(self) -> None:
        event_ids = {e.id for e in self.facts.events}
        for claim in self.facts.claims:
            iri = self.node(RES[claim.id], KGQA.Claim, claim.statement, claim.prov)
            self._about(iri, claim.about, claim.stated_by, claim.prov.where)
            self.graph.add((iri, KGQA.statement, Literal(" ".join(claim.statement.split()))))
            if claim.stated_in is not None:
                if claim.stated_in not in event_ids:
                    raise FactError(claim.prov.where, f"unknown event {claim.stated_in!r} (not an id under 'events')")
                self.graph.add((iri, KGQA.statedIn, RES[claim.stated_in]))
            self._reading(iri, claim)

    def _reading(self, iri: URIRef, claim: Claim) -> None:
        """An unresolved reading: the name as printed and the entities it may stand for."""
        if not claim.candidates:
            return
        g = self.graph
        g.add((iri, RDF.type, KGQA.UnresolvedReading))
        g.add((iri, KGQA.asReported, Literal(claim.as_reported)))
        for local in claim.candidates:
            g.add((iri, KGQA.candidate, self.entity(local, claim.prov.where)))


def build_asserted(facts: Facts, text: SourceText, ontology: Graph) -> Graph:
    """The asserted graph for ``facts``.

    :raise FactError: naming file:line for an unknown name or a quote not in the article.
    """
    return TripleBuilder(facts, text, ontology).build()
