"""`kgqa generate`: deterministic, shaped like the article graph, the documented size, queryable.

Small sizes only (a few hundred organisations); the 100k/1M graphs are for `make bench`.
"""

from __future__ import annotations

import io
import statistics
import sys
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgqa.kg.generate import TRIPLES_PER_ORG, generate, main, money_label
from kgqa.kg.materialize import materialize

ROOT = Path(__file__).resolve().parents[2]
ASSERTED = ox.NamedNode("https://w3id.org/kgqa/graph/asserted")
ONTOLOGY_GRAPH = ox.NamedNode("https://w3id.org/kgqa/graph/ontology")
P = (
    "PREFIX kgqa: <https://w3id.org/kgqa/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX prov: <http://www.w3.org/ns/prov#> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)


def _text(orgs: int, seed: int, fmt: str = "nt") -> str:
    out = io.StringIO()
    generate(orgs, seed, out, fmt)
    return out.getvalue()


@pytest.fixture(scope="module")
def small() -> ox.Store:
    """A generated graph of 120 organisations, materialised, with the ontology in its graph."""
    store = ox.Store()
    store.load(_text(120, 7).encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED)
    store.bulk_load(path=str(ROOT / "ontology" / "kgqa.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    materialize(store)
    return store


def _count(store: ox.Store, where: str) -> int:
    rows = list(store.query(P + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", use_default_graph_as_union=True))
    return int(rows[0]["n"].value)  # type: ignore[index]


def test_same_seed_same_bytes_other_seed_other_graph() -> None:
    assert _text(40, 1) == _text(40, 1)
    assert _text(40, 1) != _text(40, 2)


def test_file_formats_hold_the_same_triples(tmp_path: Path) -> None:
    counts = {}
    for ext in ("nt", "nq", "trig"):
        path = tmp_path / f"g.{ext}"
        assert main(["--orgs", "30", "--seed", "5", "-q", str(path)]) == 0
        store = ox.Store()
        fmt = ox.RdfFormat.from_extension(ext)
        if fmt.supports_datasets:
            store.load(path=str(path), format=fmt)
            assert {str(g) for g in store.named_graphs()} == {str(ASSERTED)}
        else:
            store.load(path=str(path), format=fmt, to_graph=ASSERTED)
        counts[ext] = len(store)
    assert len(set(counts.values())) == 1, counts
    assert main(["--orgs", "30", str(tmp_path / "g.ttl")]) == 2  # unknown extension: refused


def test_scale_ratio_is_as_documented() -> None:
    for orgs in (100, 400):
        lines = _text(orgs, 11).count("\n")
        assert 0.8 * TRIPLES_PER_ORG <= lines / orgs <= 1.2 * TRIPLES_PER_ORG, (orgs, lines / orgs)


def test_each_round_has_one_funded_organisation_type_and_evidence(small: ox.Store) -> None:
    rounds = _count(small, "?r a kgqa:FundingRound")
    assert rounds > 100
    assert (
        _count(
            small,
            "?r a kgqa:FundingRound ; kgqa:fundedOrganization ?o ; kgqa:roundType ?t ; "
            "kgqa:hasEvidence ?e ; kgqa:date ?d ; kgqa:datePrecision ?p",
        )
        == rounds
    )
    # Dates fit their precision (SHACL rule of ontology/shapes.ttl).
    assert (
        _count(
            small,
            "?r kgqa:date ?d ; kgqa:datePrecision ?p FILTER ((?p = kgqa:Day && STRLEN(?d) != 10) "
            "|| (?p = kgqa:Month && STRLEN(?d) != 7) || (?p = kgqa:Year && STRLEN(?d) != 4))",
        )
        == 0
    )
    # Every round type appears.
    types = {
        r["t"].value.rsplit("#", 1)[1]
        for r in small.query(  # type: ignore[union-attr]
            P + "SELECT DISTINCT ?t WHERE { ?r kgqa:roundType ?t }", use_default_graph_as_union=True
        )
    }
    assert types == {"Angel", "Seed", "SeriesA", "SeriesB", "SeriesC", "SeriesUnknown"}


def test_amounts_are_decimals_with_labels_as_the_build_writes_them(small: ox.Store) -> None:
    amounts = list(
        small.query(
            P + "SELECT ?a ?v ?c ?q ?l WHERE { ?a a kgqa:MonetaryAmount ; kgqa:currencyCode ?c ; "
            "kgqa:amountQualifier ?q ; rdfs:label ?l { ?a kgqa:amountValue ?v } UNION "
            "{ ?a kgqa:minAmount ?v } }",
            use_default_graph_as_union=True,
        )
    )
    assert len(amounts) > 100
    from kgqa.kg.facts import Amount
    from kgqa.kg.triples import money_label as build_label

    for row in amounts:
        value = row["v"]
        assert value.datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"), value
        qualifier = row["q"].value.rsplit("#", 1)[1]
        amount = Amount(Decimal(value.value), row["c"].value, qualifier, None)
        assert row["l"].value == build_label(amount)
    assert money_label(2_500_000_000, "USD", "MoreThan") == "more than US$2.5 billion"


def test_entities_have_labels_and_every_binary_fact_its_evidence(small: ox.Store) -> None:
    agents = _count(small, "?x a kgqa:Agent FILTER (STRSTARTS(STR(?x), 'https://w3id.org/kgqa/resource/'))")
    assert agents > 200
    assert (
        _count(
            small,
            "?x a kgqa:Agent FILTER (STRSTARTS(STR(?x), 'https://w3id.org/kgqa/resource/')) "
            "FILTER NOT EXISTS { ?x rdfs:label ?l ; skos:prefLabel ?p }",
        )
        == 0
    )
    assert _count(small, "?x skos:altLabel ?l FILTER (LANG(?l) = 'zh')") > 5
    # ontology/shapes.ttl AnnotatedFactShape: binary facts carry an axiom annotation with evidence.
    missing = _count(
        small,
        """GRAPH <https://w3id.org/kgqa/graph/asserted> { ?x ?p ?v }
        FILTER (?p IN (rdf:type, kgqa:hasSubsidiary, kgqa:backs, kgqa:developedBy, kgqa:basedIn, kgqa:outperforms,
                       kgqa:ledRound, kgqa:largestInstitutionalShareholderOf, kgqa:exclusiveCloudProviderOf))
        FILTER (?v != <http://www.w3.org/2002/07/owl#NamedIndividual>)
        FILTER EXISTS { ?x a kgqa:Agent } FILTER (STRSTARTS(STR(?x), "https://w3id.org/kgqa/resource/"))
        FILTER NOT EXISTS { ?ax <http://www.w3.org/2002/07/owl#annotatedSource> ?x ;
                                <http://www.w3.org/2002/07/owl#annotatedProperty> ?p ;
                                <http://www.w3.org/2002/07/owl#annotatedTarget> ?v ; kgqa:evidence ?e }""".replace(
            "rdf:type", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
        ),
    )
    assert missing == 0


def test_quotes_sit_at_their_offsets_in_the_source_text(small: ox.Store) -> None:
    assert _count(small, "?e a kgqa:ArticleEvidence") > 300
    assert (
        _count(
            small,
            "?e kgqa:quote ?q ; kgqa:charStart ?s ; kgqa:charEnd ?end ; prov:wasQuotedFrom ?d . "
            "?d a kgqa:SourceDocument ; kgqa:sourceText ?t "
            "FILTER (SUBSTR(?t, ?s + 1, ?end - ?s) != ?q)",
        )
        == 0
    )
    assert (
        _count(small, "?e a kgqa:ArticleEvidence FILTER NOT EXISTS { ?e kgqa:quote ?q ; prov:wasQuotedFrom ?d }") == 0
    )


def test_investor_activity_is_heavy_tailed() -> None:
    store = ox.Store()
    store.load(_text(400, 3).encode(), format=ox.RdfFormat.N_TRIPLES)
    counts = [
        int(r["n"].value)
        for r in store.query(  # type: ignore[union-attr]
            P + "SELECT ?x (COUNT(?i) AS ?n) WHERE { ?x kgqa:makesInvestment ?i } GROUP BY ?x ORDER BY DESC(?n)"
        )
    ]
    assert counts[0] >= 10 * statistics.median(counts), counts[:5]


def test_names_do_not_collide_with_the_article() -> None:
    article = ox.Store()
    article.load(path=str(ROOT / "kg" / "dist" / "kgqa-kg.trig"), format=ox.RdfFormat.TRIG)
    generated = ox.Store()
    generated.load(_text(400, 42).encode(), format=ox.RdfFormat.N_TRIPLES)
    subjects = {q.subject for q in generated if isinstance(q.subject, ox.NamedNode)}
    assert not subjects & {q.subject for q in article}
    names = {
        q.object.value.lower()
        for q in generated.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"), None)
    }
    article_names = {
        q.object.value.lower()
        for q in article
        if q.predicate.value.endswith(("#label", "#altLabel")) and isinstance(q.object, ox.Literal)
    }
    assert not names & article_names


def test_every_canned_query_returns_rows(small: ox.Store) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.workload import pick_cases

    empty = [c.name for c in pick_cases(small) if c.rows == 0]
    assert not empty, f"canned queries with no rows on a generated graph: {empty}"
