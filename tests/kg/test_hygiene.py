"""Ontology hygiene (issue 14): the checks ROBOT's report and the OOPS! pitfall catalogue make.

Unique labels per language, labels on the declared external terms, named inverses where a page
browses a link backwards, mappings to other vocabularies as SKOS mapping data (and in the right
direction), the graph header's licence and the article's terms, one Chinese preferred label per
entity with the curators' provenance, and a Protégé file that is OWL 2 DL without its catalog.
All over the committed ``kg/dist`` (kept fresh by test_build's staleness check) and the ontology.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections import defaultdict
from pathlib import Path

import owlapi
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kgqa.vocab import KG_IRI, ONTOLOGY_NS, RESOURCE_NS

REPO = Path(__file__).resolve().parents[2]
ONTOLOGY_FILE = REPO / "ontology" / "kgqa.ttl"
DIST = REPO / "kg" / "dist"
KGQA = Namespace(ONTOLOGY_NS)
RES = Namespace(RESOURCE_NS)
WD = Namespace("http://www.wikidata.org/prop/direct/")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
FIBO = "https://spec.edmcouncil.org/fibo/ontology/"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def kg() -> Graph:
    return Graph().parse(DIST / "kgqa-kg.ttl", format="turtle")


# ---- unique labels (ROBOT duplicate_label) ------------------------------------------------


def _key(text: str) -> str:
    """Labels that differ only in case, width or spacing name the same thing to a reader."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def duplicate_labels(graph: Graph, prop: URIRef = RDFS.label) -> dict[tuple[str, str], list[str]]:
    """Each (language, label) that ``prop`` gives to more than one subject, with those subjects."""
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(prop):
        if isinstance(o, Literal):
            holders[(o.language or "", _key(str(o)))].add(str(s))
    return {k: sorted(v) for k, v in sorted(holders.items()) if len(v) > 1}


def test_duplicate_label_check_finds_a_clash() -> None:
    """Positive control: the check reports a class and a property sharing a label, across case."""
    g = Graph()
    g.add((KGQA.Investor, RDFS.label, Literal("investor", lang="en")))
    g.add((KGQA.investor, RDFS.label, Literal("Investor ", lang="en")))
    g.add((KGQA.investor, RDFS.label, Literal("投资者", lang="zh")))
    g.add((KGQA.Investment, RDFS.label, Literal("investor", lang="zh")))  # another language: no clash
    assert duplicate_labels(g) == {("en", "investor"): sorted([str(KGQA.Investor), str(KGQA.investor)])}


@pytest.mark.parametrize("prop", [RDFS.label, SKOS.prefLabel], ids=["rdfs:label", "skos:prefLabel"])
def test_labels_are_unique_per_language(prop: URIRef, ontology: Graph, kg: Graph) -> None:
    """No two terms or individuals of the ontology and the built graph share a label in one language."""
    clashes = duplicate_labels(ontology + kg, prop)
    assert clashes == {}, "\n".join(f"{lang} {label!r}: {', '.join(who)}" for (lang, label), who in clashes.items())


def test_every_declared_term_has_a_label(ontology: Graph) -> None:
    """Every class, property and individual the ontology declares, its own or external, has an rdfs:label."""
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
    declared = {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    unlabelled = sorted(str(s) for s in declared if (s, RDFS.label, None) not in ontology)
    assert unlabelled == []
    external = {s for s in declared if not str(s).startswith(ONTOLOGY_NS)}
    assert len(external) >= 50  # the declarations of PROV, ORG, schema.org, SKOS, DC, VANN terms


# ---- named inverses for browsing (OOPS! P13) -------------------------------------------------

# Object properties without a named inverse, each with the reason.
NO_INVERSE = {
    "roundType": "points at a controlled value (a round type)",
    "role": "points at a controlled value (a role)",
    "amountQualifier": "points at a controlled value (an amount qualifier)",
    "datePrecision": "points at a controlled value (a date precision)",
    "dateKind": "points at a controlled value (a kind of date)",
    "participationQualifier": "points at a controlled value (a participation qualifier)",
    "relationshipKind": "points at a controlled value (a relationship kind)",
    "reportStatus": "points at a controlled value (a report status)",
    "basedIn": "points at a country, an individual of the ontology: facts about it belong to the ontology",
    "worksFor": "deprecated (owl:deprecated, replaced by affiliatedWith)",
}
CONTROLLED = {KGQA[c] for c in ("RoundType", "Role", "AmountQualifier", "DatePrecision", "DateKind")} | {
    KGQA.ParticipationQualifier,
    KGQA.RelationshipKind,
    KGQA.ReportStatus,
    KGQA.Country,
}


def _inverses(ontology: Graph) -> dict[URIRef, URIRef]:
    pairs: dict[URIRef, URIRef] = {}
    for p, q in ontology.subject_objects(OWL.inverseOf):
        pairs[p], pairs[q] = q, p  # type: ignore[index]
    return pairs


def test_every_browsed_object_property_has_a_named_inverse(ontology: Graph) -> None:
    """A link from a company, round, person, product, claim or sentence can be followed backwards by name."""
    inverses = _inverses(ontology)
    own = sorted(p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(ONTOLOGY_NS))
    missing = [str(p) for p in own if p not in inverses and str(p)[len(ONTOLOGY_NS) :] not in NO_INVERSE]
    assert missing == [], f"object properties without an inverse and without a reason: {missing}"
    for local, reason in NO_INVERSE.items():
        p = KGQA[local]
        assert p not in inverses, f"{local} has an inverse now: drop it from NO_INVERSE"
        if reason.startswith("deprecated"):
            assert (p, OWL.deprecated, Literal(True)) in ontology
        else:
            assert ontology.value(p, RDFS.range) in CONTROLLED, local
    for p, q in inverses.items():
        if str(p).startswith(ONTOLOGY_NS):
            assert (p, RDFS.label, None) in ontology and (q, RDFS.label, None) in ontology


def test_inverses_are_materialised_in_the_graph(ontology: Graph, kg: Graph) -> None:
    """Every link of the built graph has its named inverse beside it (HermiT derived it at build time)."""
    missing = []
    for p, q in _inverses(ontology).items():
        if not str(p).startswith(ONTOLOGY_NS):
            continue
        for s, o in kg.subject_objects(p):
            if (o, q, s) not in kg:
                missing.append(f"{s} {p} {o} without {q}")
    assert missing == [], "\n".join(missing[:20])
    # The links the review named, in use: a round lists its investments, an agent its claims.
    for prop in (KGQA.hasInvestment, KGQA.receivedInvestment, KGQA.stated, KGQA.subjectOf, KGQA.evidenceFor):
        assert any(kg.triples((None, prop, None))), prop


# ---- mappings to other vocabularies, as data -----------------------------------------------

# (kgqa term, SKOS mapping property, target): every mapping the ontology makes, and only these.
MAPPINGS = {
    ("InvestmentFirm", SKOS.broadMatch, URIRef(FIBO + "BE/FunctionalEntities/FunctionalEntities/FunctionalEntity")),
    ("FundingRound", SKOS.broadMatch, URIRef(FIBO + "SEC/Securities/SecuritiesIssuance/SecuritiesOffering")),
    ("MonetaryAmount", SKOS.closeMatch, URIRef(FIBO + "FND/Accounting/CurrencyAmount/MonetaryAmount")),
    ("fundedOrganization", SKOS.closeMatch, URIRef("http://ontologycentral.com/2010/05/cb/vocab#funded_organization")),
    ("hasInvestor", SKOS.closeMatch, WD.P1951),
    ("hasInvestor", SKOS.closeMatch, SCHEMA.funder),
    ("backedBy", SKOS.closeMatch, SCHEMA.sponsor),
    ("hasSubsidiary", SKOS.closeMatch, WD.P355),
    ("hasSubsidiary", SKOS.closeMatch, SCHEMA.subOrganization),
    ("subsidiaryOf", SKOS.closeMatch, WD.P749),
    ("subsidiaryOf", SKOS.closeMatch, SCHEMA.parentOrganization),
    ("developedBy", SKOS.closeMatch, WD.P178),
    ("basedIn", SKOS.closeMatch, WD.P17),
    ("affiliatedWith", SKOS.closeMatch, ORG.memberOf),
    ("holdsPosition", SKOS.closeMatch, ORG.hasMembership),
    ("about", SKOS.closeMatch, SCHEMA.about),
    ("subjectOf", SKOS.closeMatch, SCHEMA.subjectOf),
    ("publishedBy", SKOS.closeMatch, DCTERMS.publisher),
    ("publishedBy", SKOS.closeMatch, SCHEMA.publisher),
    ("minAmount", SKOS.closeMatch, SCHEMA.minValue),
    ("maxAmount", SKOS.closeMatch, SCHEMA.maxValue),
    ("amountValue", SKOS.closeMatch, SCHEMA.value),
    ("currencyCode", SKOS.exactMatch, SCHEMA.currency),
    ("title", SKOS.exactMatch, SCHEMA.headline),
    ("title", SKOS.closeMatch, DCTERMS.title),
    ("publicationDate", SKOS.closeMatch, DCTERMS.date),
    ("publicationDate", SKOS.closeMatch, SCHEMA.dateModified),
    ("quote", SKOS.closeMatch, PROV.value),
}
# Sub-property and sub-class alignments that are axioms, not annotations (the reasoner uses them).
AXIOM_ALIGNMENTS = {
    ("hasSubsidiary", RDFS.subPropertyOf, ORG.hasSubOrganization),
    ("subsidiaryOf", RDFS.subPropertyOf, ORG.subOrganizationOf),
    ("holder", RDFS.subPropertyOf, ORG.member),
    ("positionIn", RDFS.subPropertyOf, ORG.organization),
    ("statedBy", RDFS.subPropertyOf, PROV.wasAttributedTo),
}
MAPPING_PROPERTIES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


def test_mappings_are_the_table(ontology: Graph) -> None:
    """The ontology maps exactly the terms above, with these SKOS mapping properties."""
    found = {
        (str(s)[len(ONTOLOGY_NS) :], p, o)
        for p in MAPPING_PROPERTIES
        for s, o in ontology.subject_objects(p)
        if str(s).startswith(ONTOLOGY_NS)
    }
    assert found - MAPPINGS == set(), "mappings not in the table"
    assert MAPPINGS - found == set(), "mappings of the table missing from the ontology"
    for local, p, o in AXIOM_ALIGNMENTS:
        assert (KGQA[local], p, o) in ontology, (local, p, o)


def test_wikidata_investor_sits_on_has_investor(ontology: Graph) -> None:
    """P1951 'investor' is stated on the invested-in item, pointing at the investor: hasInvestor's direction."""
    holders = {s for p in (*MAPPING_PROPERTIES, RDFS.seeAlso) for s in ontology.subjects(p, WD.P1951)}
    assert holders == {KGQA.hasInvestor}


def test_mapping_annotations_are_annotation_properties(ontology: Graph) -> None:
    """SKOS mapping properties map terms: as object properties they would pun every mapped term."""
    for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch):
        assert (p, RDF.type, OWL.AnnotationProperty) in ontology
        assert (p, RDF.type, OWL.ObjectProperty) not in ontology


def test_see_also_points_at_documents_only(ontology: Graph) -> None:
    """rdfs:seeAlso is for further reading (a vocabulary's module), never a term meant as a match."""
    for s, o in ontology.subject_objects(RDFS.seeAlso):
        if str(s).startswith(ONTOLOGY_NS):
            assert str(o).endswith("/"), f"{s} rdfs:seeAlso {o}: a term; use a SKOS mapping property"


# ---- the graph header ---------------------------------------------------------------------------


def test_graph_header_names_title_licence_source_and_the_article_terms(kg: Graph) -> None:
    node = URIRef(KG_IRI)
    assert (node, RDF.type, OWL.Ontology) in kg
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.created, DCTERMS.rights, DCTERMS.creator):
        assert kg.value(node, prop), prop
    # The graph's licence is the project's (LICENSE: Apache 2.0), as for the ontology.
    assert "Apache License" in (REPO / "LICENSE").read_text(encoding="utf-8")[:200]
    assert kg.value(node, DCTERMS.license) == URIRef("https://www.apache.org/licenses/LICENSE-2.0")
    source = kg.value(node, DCTERMS.source)
    assert (source, RDF.type, KGQA.SourceDocument) in kg
    rights = str(kg.value(node, DCTERMS.rights))
    # The article's text is not relicensed: the header says so, and names it.
    assert "Apache License 2.0" in rights and "kgqa:sourceText" in rights and "Mondo Finance" in rights
    assert "not" in rights and "permission" in rights


def test_header_terms_are_declared(ontology: Graph, kg: Graph) -> None:
    """Every annotation on the header is a declared annotation property (else OWL 2 DL breaks)."""
    built_in = {RDF.type, OWL.imports, OWL.versionIRI, RDFS.label, RDFS.comment}
    for p in set(kg.predicates(URIRef(KG_IRI), None)) - built_in:
        assert (p, RDF.type, OWL.AnnotationProperty) in ontology, p


# ---- Chinese preferred labels --------------------------------------------------------------------


def _evidence(kg: Graph, s: URIRef, p: URIRef, o: Literal) -> set[URIRef]:
    axioms = set(kg.subjects(OWL.annotatedSource, s)) & set(kg.subjects(OWL.annotatedProperty, p))
    axioms &= set(kg.subjects(OWL.annotatedTarget, o))
    return {e for a in axioms for e in kg.objects(a, KGQA.evidence)}  # type: ignore[misc]


def test_entities_with_a_chinese_name_have_one_chinese_pref_label(kg: Graph) -> None:
    """One skos:prefLabel@zh per entity, not also an altLabel, cited to the curators' record, not the article."""
    chinese = defaultdict(list)
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        for s, o in kg.subject_objects(prop):
            if isinstance(o, Literal) and o.language == "zh" and str(s).startswith(RESOURCE_NS):
                chinese[s].append((prop, o))
    assert len(chinese) >= 20
    for entity, names in sorted(chinese.items()):
        prefs = [o for p, o in names if p == SKOS.prefLabel]
        assert len(prefs) == 1, f"{entity}: {prefs}"
        assert (entity, SKOS.altLabel, prefs[0]) not in kg, f"{entity}: {prefs[0]} is preferred and alternative"
        evidence = _evidence(kg, entity, SKOS.prefLabel, prefs[0])
        assert evidence == {RES["external_chinese-names"]}, (entity, evidence)
        assert (RES["external_chinese-names"], RDF.type, KGQA.ExternalEvidence) in kg
    # The Chinese name listed first in the facts is the preferred one; the others stay alternatives.
    assert (RES.Alibaba_Group, SKOS.prefLabel, Literal("阿里巴巴", lang="zh")) in kg
    assert (RES.Alibaba_Group, SKOS.altLabel, Literal("阿里巴巴集团", lang="zh")) in kg
    assert (RES.Moonshot_AI, SKOS.prefLabel, Literal("月之暗面", lang="zh")) in kg


# ---- the Protégé file without its catalog; the w3id redirect ------------------------------------------


def test_protege_file_declares_the_terms_it_uses(ontology: Graph) -> None:
    """Each kgqa term the .owl uses is declared in it too, so no check depends on the import resolving."""
    owl = Graph().parse(DIST / "kgqa-kg.owl", format="xml")
    used = {t for triple in owl for t in triple if isinstance(t, URIRef) and str(t).startswith(ONTOLOGY_NS)}
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
    undeclared = sorted(str(t) for t in used if not any((t, RDF.type, k) in owl for k in kinds))
    assert undeclared == []


@pytest.mark.java
def test_protege_file_is_owl2_dl_without_its_catalog(tmp_path: Path) -> None:
    """Opened alone (import unresolved, as when w3id.org/kgqa is not reachable), the file is still OWL 2 DL."""
    owlapi.require()
    shutil.copy(DIST / "kgqa-kg.owl", tmp_path / "kgqa-kg.owl")
    report = owlapi.check(tmp_path / "kgqa-kg.owl", use_catalog=False, auto_map=False)
    assert [m["iri"] for m in report["missing_imports"]] == [ONTOLOGY_NS.rstrip("#")], owlapi.describe(report)
    assert report["dl_violations"] == [], "\n".join(report["dl_violations"][:20])
    assert report["undeclared_entities"] == [], owlapi.describe(report)


def test_w3id_redirect_file_covers_the_project_iris() -> None:
    """docs/w3id/.htaccess, ready for a pull request to perma-id/w3id.org: ontology, resources, graphs."""
    htaccess = (REPO / "docs" / "w3id" / ".htaccess").read_text(encoding="utf-8")
    assert "RewriteEngine on" in htaccess
    rules = re.findall(r"^RewriteRule\s+(\S+)\s+(\S+)", htaccess, flags=re.MULTILINE)
    patterns = " ".join(p for p, _ in rules)
    for path in ("ontology", "resource", "graph", "kg", "shapes"):
        assert path in patterns, path
    assert all(target.startswith("https://") for _, target in rules)
    assert (REPO / "docs" / "w3id" / "README.md").is_file()
