"""The published ontology and knowledge graph open cleanly in Protégé, are OWL 2 DL and consistent.

"Protégé opens it" is checked with the OWL API itself (the library Protégé is built
on; tests/owlapi/OwlApiCheck.java through tests/owlapi.py), resolving imports only
through the catalog next to the file, as Protégé does, and never from the web.
rdflib and owlready2 accept files that the OWL API rejects, truncates or reads as
something else (an undeclared property becomes an annotation property), so they
cannot stand in for it. Consistency is checked with HermiT (through owlready2) on
the imports closure the OWL API merged, i.e. on what Protégé would reason over.

Each check is also run on tiny files of our own (tests/data/owl/) that must fail,
so that a green run means the check looked, not that it cannot fail.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import owlapi
import pytest
import reasoning
from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Namespace, URIRef

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data" / "owl"
ONTOLOGY = REPO / "ontology" / "kgqa.ttl"
KG = REPO / "kg" / "dist" / "kgqa-kg.owl"
ONTOLOGY_IRI = "https://w3id.org/kgqa/ontology"
KG_IRI_PREFIX = "https://w3id.org/kgqa/"

# name -> (file, expected ontology IRI or None for "any IRI under KG_IRI_PREFIX", syntax)
PUBLISHED: dict[str, tuple[Path, str | None, str]] = {
    "ontology": (ONTOLOGY, ONTOLOGY_IRI, "turtle"),
    "kg": (KG, None, "rdf/xml"),
}
CATALOGS = [REPO / "ontology" / "catalog-v001.xml", REPO / "kg" / "dist" / "catalog-v001.xml"]
TEST = Namespace("http://example.org/kgqa-test/startups#")


def published(name: str) -> Path:
    """The published file, or a failure saying how to make it: a missing artifact is a bug."""
    path = PUBLISHED[name][0]
    if not path.is_file():
        pytest.fail(f"{path.relative_to(REPO)} does not exist (run `make build`)", pytrace=False)
    return path


def same_ontology_file(path: Path) -> bool:
    """ontology/kgqa.ttl itself, or a byte-identical copy (kg/dist ships one next to the graph)."""
    return path.resolve() == ONTOLOGY.resolve() or path.read_bytes() == ONTOLOGY.read_bytes()


@pytest.fixture(scope="module")
def owlapi_report(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Any]]:
    """OWL API reports of the published files, one JVM run per file per test session.

    Each run also writes the merged imports closure (RDF/XML) for the HermiT tests.
    """
    owlapi.require()
    reports: dict[str, dict[str, Any]] = {}
    out_dir = tmp_path_factory.mktemp("owlapi-merged")

    def get(name: str) -> dict[str, Any]:
        if name not in reports:
            path = published(name)
            reports[name] = owlapi.check(path, merged_out=out_dir / f"{name}-merged.owl")
        return reports[name]

    return get


@pytest.fixture(scope="module")
def hermit(owlapi_report) -> Callable[[str], reasoning.Reasoning]:
    """HermiT's conclusions on the imports closure the OWL API merged, one run per file per session."""
    results: dict[str, reasoning.Reasoning] = {}

    def get(name: str) -> reasoning.Reasoning:
        if name not in results:
            reasoning.require()
            report = owlapi_report(name)
            assert report.get("merged"), owlapi.describe(report)
            results[name] = reasoning.reason(report["merged"])
        return results[name]

    return get


def _check_data(name: str, **kwargs: Any) -> dict[str, Any]:
    owlapi.require()
    return owlapi.check(DATA / name, **kwargs)


# ---- the published files, in the OWL API --------------------------------------------------


@pytest.mark.java
@pytest.mark.parametrize("name", PUBLISHED)
def test_loads_cleanly_like_protege(name: str, owlapi_report, record_property) -> None:
    """No syntax error, no missing import, no triple dropped by the parser, no logged parser error."""
    report = owlapi_report(name)
    record_property("owlapi_seconds", report["wall_seconds"])
    detail = owlapi.describe(report) + f"\n(OWL API check took {report['wall_seconds']} s)"
    assert report["load_errors"] == [], detail
    assert report["warnings"] == [], detail  # e.g. "possible malformed list", a stale catalog entry
    assert report["missing_imports"] == [], detail
    assert report["unparsed_triples"] == [], detail
    assert report["status"] != "load_error", detail
    assert PUBLISHED[name][2] in report["format"].lower(), detail
    assert report["counts"]["logical_axioms"] > 0, detail


@pytest.mark.java
@pytest.mark.parametrize("name", PUBLISHED)
def test_is_owl2_dl(name: str, owlapi_report) -> None:
    """Profiles.OWL2_DL finds no violation (the OWL API's own messages are shown if it does)."""
    report = owlapi_report(name)
    assert report["dl_violations"] == [], "OWL 2 DL violations:\n" + "\n".join(report["dl_violations"])
    assert report["undeclared_entities"] == [], owlapi.describe(report)
    assert report["status"] == "ok", owlapi.describe(report)


@pytest.mark.java
@pytest.mark.parametrize("name", PUBLISHED)
def test_ontology_iri_and_version_iri(name: str, owlapi_report) -> None:
    """Imports and the w3id redirect rely on the IRI; Protégé shows the version IRI."""
    report = owlapi_report(name)
    expected = PUBLISHED[name][1]
    iri = report["ontology_iri"]
    if expected is not None:
        assert iri == expected
    else:
        assert iri and iri.startswith(KG_IRI_PREFIX) and iri != ONTOLOGY_IRI, iri
    assert report["version_iri"], f"{name} has no owl:versionIRI"
    assert report["version_iri"] != iri, "the version IRI must differ from the ontology IRI"


@pytest.mark.java
def test_kg_imports_the_ontology_through_its_catalog(owlapi_report) -> None:
    """kgqa-kg.owl imports the ontology IRI; kg/dist/catalog-v001.xml maps it to (a copy of) kgqa.ttl."""
    report = owlapi_report("kg")
    assert ONTOLOGY_IRI in report["imports"], report["imports"]
    loaded = [i for i in report["imports_closure"] if i["ontology_iri"] == ONTOLOGY_IRI]
    assert loaded, f"the import was not loaded: {owlapi.describe(report)}"
    document = Path(urlparse(loaded[0]["document"]).path)
    assert same_ontology_file(document), f"the import resolved to {document}, which differs from {ONTOLOGY}"
    # The graph was built against the current ontology, not an older release.
    assert loaded[0]["version_iri"] == owlapi_report("ontology")["version_iri"]
    assert report["counts"]["axioms"] > report["counts_document"]["axioms"]


@pytest.mark.java
@pytest.mark.parametrize("beside", [False, True], ids=["kg-alone", "kg-beside-ontology"])
def test_kg_import_does_not_resolve_without_the_catalog(beside: bool, tmp_path: Path) -> None:
    """Without the catalog the import fails offline, even with kgqa.ttl in the same folder.

    Protégé maps folder files by themselves only for RDF/XML with xml:base, never Turtle,
    so the catalog is what makes the graph open offline; this shows the check notices.
    """
    owlapi.require()
    shutil.copy(published("kg"), tmp_path / KG.name)
    if beside:
        shutil.copy(published("ontology"), tmp_path / ONTOLOGY.name)
    report = owlapi.check(tmp_path / KG.name)
    assert report["status"] == "load_error", owlapi.describe(report)
    assert ONTOLOGY_IRI in [m["iri"] for m in report["missing_imports"]], owlapi.describe(report)


# ---- catalogs (no Java needed) ----------------------------------------------------------


@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda p: str(p.relative_to(REPO)))
def test_catalog_entries_are_relative_and_exist(catalog: Path) -> None:
    """A clone anywhere must resolve the imports: entries are relative and point at files."""
    if not catalog.is_file():
        pytest.fail(f"{catalog.relative_to(REPO)} does not exist", pytrace=False)
    ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    entries = ET.parse(catalog).getroot().iter(f"{ns}uri")
    targets = {e.get("name"): e.get("uri", "") for e in entries}
    assert targets, f"{catalog} maps nothing"
    for name, target in targets.items():
        assert not urlparse(target).scheme and not target.startswith("/"), f"{name} -> {target} is absolute"
        assert (catalog.parent / target).is_file(), f"{catalog.name}: {name} -> {target} does not exist"
    if catalog.parent == KG.parent:
        assert same_ontology_file(catalog.parent / targets[ONTOLOGY_IRI]), "the catalog maps a stale ontology"


def test_python_imports_closure_follows_the_catalog() -> None:
    """reasoning.imports_closure() (for the lead's inference tests) finds the ontology via the catalog."""
    graph = reasoning.imports_closure(published("kg"))
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    with pytest.raises(reasoning.UnresolvedImportError):
        reasoning.imports_closure(DATA / "missing-import.ttl")


# ---- the check can fail: tiny files of our own --------------------------------------------


@pytest.mark.java
def test_positive_control_loads_with_its_import() -> None:
    """startups.ttl imports org.rdf through tests/data/owl/catalog-v001.xml: the happy path."""
    report = _check_data("startups.ttl")
    assert report["status"] == "ok", owlapi.describe(report)
    assert report["ontology_iri"] == "http://example.org/kgqa-test/startups"
    assert report["version_iri"] == "http://example.org/kgqa-test/startups/0.1"
    assert [i["ontology_iri"] for i in report["imports_closure"]] == ["http://example.org/kgqa-test/org"]
    assert report["imports_closure"][0]["document"].endswith("/org.rdf")
    assert report["counts"]["classes"] == 4 and report["counts_document"]["classes"] == 4
    assert report["counts"]["axioms"] > report["counts_document"]["axioms"]


@pytest.mark.java
@pytest.mark.parametrize(
    ("name", "status", "field", "needle"),
    [
        ("not-dl.ttl", "not_dl", "dl_violations", "Use of non-simple property in a restriction"),
        ("undeclared.ttl", "not_dl", "dl_violations", "Use of undeclared class"),
        ("broken.ttl", "load_error", "load_errors", "syntax error"),
        ("dropped-triple.ttl", "load_error", "unparsed_triples", "owl#subClassOf"),
        ("missing-import.ttl", "load_error", "load_errors", "does-not-exist> cannot be loaded"),
    ],
)
def test_check_rejects_bad_files(name: str, status: str, field: str, needle: str) -> None:
    """Each kind of defect the published files are tested for is detected on a known-bad file."""
    report = _check_data(name)
    assert report["status"] == status, owlapi.describe(report)
    assert report["exit_code"] != 0
    assert any(needle in item for item in report.get(field) or []), owlapi.describe(report)


@pytest.mark.java
def test_rdfxml_module_maps_by_xml_base_only_without_catalog(tmp_path: Path) -> None:
    """Without a catalog Protégé maps RDF/XML files of the folder by xml:base; the check does too.

    With that disabled as well, the import must fail: nothing comes from the web.
    """
    for name in ("startups.ttl", "org.rdf"):
        shutil.copy(DATA / name, tmp_path / name)
    assert owlapi.check(tmp_path / "startups.ttl")["status"] == "ok"
    report = owlapi.check(tmp_path / "startups.ttl", auto_map=False)
    assert report["status"] == "load_error"
    assert [m["iri"] for m in report["missing_imports"]] == ["http://example.org/kgqa-test/org"]


# ---- HermiT ---------------------------------------------------------------------------------


@pytest.mark.java
@pytest.mark.parametrize("name", PUBLISHED)
def test_consistent_under_hermit(name: str, hermit) -> None:
    """HermiT on the imports closure as the OWL API merged it: consistent, every class satisfiable."""
    result = hermit(name)
    assert result.consistent, f"HermiT: {name} is inconsistent"
    assert result.unsatisfiable == [], f"unsatisfiable classes: {result.unsatisfiable}"


@pytest.mark.java
def test_hermit_on_owlapi_merged_closure_sees_the_import(tmp_path: Path) -> None:
    """Inferences need the imported module: the OWL API's merged closure carries it to HermiT."""
    reasoning.require()
    merged = tmp_path / "merged.owl"
    assert _check_data("startups.ttl", merged_out=merged)["status"] == "ok"
    result = reasoning.reason(merged)
    assert result.consistent
    assert (TEST.Alibaba, TEST.investsIn, TEST.ZeroOneAI) in result.inferred  # property chain
    assert (TEST.MiniMax, RDF.type, TEST.Unicorn) in result.inferred  # defined class, decimal facet
    assert result.has_type(TEST.MiniMax, URIRef("http://example.org/kgqa-test/org#Organization"))


@pytest.mark.java
def test_reasoning_helper_inferences_and_failures() -> None:
    """run_hermit() returns new triples; inconsistency, unsatisfiability and non-DL input are reported."""
    reasoning.require()
    inferred = reasoning.run_hermit(DATA / "startups.ttl")
    assert (TEST.Alibaba, TEST.investsIn, TEST.ZeroOneAI) in inferred
    assert (TEST.Alibaba, RDF.type, TEST.Investor) in inferred  # rdfs:domain
    assert (TEST.ZeroOneAI, RDF.type, TEST.Startup) not in inferred  # asserted, so not news

    with pytest.raises(reasoning.InconsistentOntologyError):
        reasoning.run_hermit(DATA / "inconsistent.ttl")

    unsat = reasoning.reason(DATA / "unsatisfiable.ttl")
    assert unsat.consistent
    assert unsat.unsatisfiable == [URIRef("http://example.org/kgqa-test/unsatisfiable#StartupInvestor")]

    with pytest.raises(reasoning.ReasonerError, match="Non-simple property"):
        reasoning.reason(DATA / "not-dl.ttl")


# What the README promises a Protégé user sees after starting HermiT on kgqa-kg.owl: each
# is left to the reasoner (not asserted in the file) and follows from what is.
KGR = Namespace("https://w3id.org/kgqa/resource/")
KGQA_NS = Namespace(ONTOLOGY_IRI + "#")
PROTEGE_INFERENCES = [
    # Unicorn: a start-up whose US-dollar valuation is at least 1 billion (decimal facet)
    (KGR.MiniMax, RDF.type, KGQA_NS.Unicorn),
    (KGR.Moonshot_AI, RDF.type, KGQA_NS.Unicorn),
    # an investment by a subsidiary counts for its parent: Alibaba Cloud's angel investment
    (KGR.Alibaba_Group, KGQA_NS.investsIn, KGR["01_AI"]),
    # Alibaba Group as an investor in all five start-ups
    (KGR.Alibaba_Group, KGQA_NS.investsIn, KGR.MiniMax),
    (KGR.Alibaba_Group, KGQA_NS.investsIn, KGR.Moonshot_AI),
    (KGR.Alibaba_Group, KGQA_NS.investsIn, KGR.Zhipu_AI),
    (KGR.Alibaba_Group, KGQA_NS.investsIn, KGR.Baichuan_Intelligence),
    # inverses
    (KGR.MiniMax, KGQA_NS.hasInvestor, KGR.Alibaba_Group),
    (KGR["MiniMax_round_2024-03"], KGQA_NS.hasLeadInvestor, KGR.Alibaba_Group),
    # defined classes and super-classes
    (KGR.Alibaba_Group, RDF.type, KGQA_NS.Investor),
    (KGR.MiniMax, RDF.type, KGQA_NS.VentureBackedCompany),
    (KGR.MiniMax, RDF.type, KGQA_NS.Organization),
]


@pytest.mark.java
@pytest.mark.parametrize("triple", PROTEGE_INFERENCES, ids=lambda t: " ".join(str(x).rsplit("/", 1)[-1] for x in t))
def test_hermit_in_protege_infers_what_the_readme_says(triple: tuple, hermit) -> None:
    """kgqa-kg.owl leaves these to the reasoner, and HermiT derives them (what Protégé shows in yellow)."""
    result = hermit("kg")
    assert triple not in result.asserted, f"{triple} is asserted in kgqa-kg.owl: Protégé would show nothing new"
    assert result.holds(*triple), f"HermiT does not derive {triple} from kgqa-kg.owl"


def test_protege_file_holds_no_inferred_triple() -> None:
    """kgqa-kg.owl is the asserted graph: none of kgqa-kg.trig's inferred triples, all its asserted facts."""
    dataset = Dataset()
    dataset.parse(REPO / "kg" / "dist" / "kgqa-kg.trig", format="trig")
    inferred = {t for t in dataset.graph(URIRef("https://w3id.org/kgqa/graph/inferred")) if not _blank(t)}
    asserted = {t for t in dataset.graph(URIRef("https://w3id.org/kgqa/graph/asserted")) if not _blank(t)}
    protege = {t for t in Graph().parse(published("kg"), format="xml") if not _blank(t)}
    assert inferred and not (protege & inferred)
    # The asserted facts, less the article's "MiniMax and Moonshot AI are unicorns" (HermiT derives it).
    left_out = {t for t in asserted - protege if t[1] != RDFS.comment}  # the header says which file it is
    assert left_out == {(KGR.MiniMax, RDF.type, KGQA_NS.Unicorn), (KGR.Moonshot_AI, RDF.type, KGQA_NS.Unicorn)}
    assert (KGR.Zhipu_AI, RDF.type, KGQA_NS.Unicorn) in protege  # asserted only: no valuation to derive it from


def _blank(triple: tuple) -> bool:
    return any(isinstance(term, BNode) for term in triple)
