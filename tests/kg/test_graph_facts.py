"""The built graph answers for its dates and for each fact the article review found unfaithful.

SPARQL over the committed kg/dist on the embedded store, the way users query it: typed date
bounds (YEAR(), xsd:dateTime comparisons), which event a date is of, and every changed fact
with the evidence sentences it cites (issue 14).
"""

from __future__ import annotations

import pytest

PREFIXES = """
PREFIX kgqa: <https://w3id.org/kgqa/ontology#>
PREFIX kgr: <https://w3id.org/kgqa/resource/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
KGR = "https://w3id.org/kgqa/resource/"
DATED_2024 = {"MiniMax_round_2024-03", "Moonshot_AI_Series_B"}
BEFORE_2024 = {"01_AI_angel_round", "Zhipu_AI_round_with_Alibaba", "Baichuan_Intelligence_round_with_Alibaba"}


@pytest.fixture(scope="module")
def select(built_state):
    """Run a SELECT on the built graph; rows as {variable: plain value}, IRIs of resources as local names."""

    def run(query: str) -> list[dict[str, str]]:
        rows = built_state.store.query(PREFIXES + query, timeout_s=20).rows()
        return [{k: v.value.removeprefix(KGR) for k, v in row.items() if v is not None} for row in rows]

    return run


def _values(rows: list[dict[str, str]], var: str) -> set[str]:
    return {row[var] for row in rows if var in row}


def _axiom_quotes(select, subject: str, prop: str, target: str = "?o") -> set[str]:
    """The evidence quotes (and external record ids) on the axiom annotations of one assertion."""
    rows = select(f"""
        SELECT ?quote ?ev WHERE {{
          ?ax owl:annotatedSource {subject} ; owl:annotatedProperty {prop} ; owl:annotatedTarget {target} ;
              kgqa:evidence ?ev .
          OPTIONAL {{ ?ev kgqa:quote ?quote }}
        }}""")
    return _values(rows, "quote") | _values(rows, "ev")


def _node_quotes(select, node: str) -> set[str]:
    return _values(select(f"SELECT ?quote WHERE {{ {node} kgqa:hasEvidence/kgqa:quote ?quote }}"), "quote")


# --- dates -----------------------------------------------------------------------------------------


def test_year_of_the_earliest_instant_finds_the_2024_rounds(select) -> None:
    rows = select("SELECT ?r WHERE { ?r a kgqa:FundingRound ; kgqa:earliest ?start FILTER (YEAR(?start) = 2024) }")
    assert _values(rows, "r") == DATED_2024


def test_latest_instant_keeps_the_february_round(select) -> None:
    # The string "2024-02" compares below "2024-02-01"; the typed bound does not drop the round.
    rows = select("""SELECT ?r WHERE { ?r a kgqa:FundingRound ; kgqa:latest ?latest
                     FILTER (?latest >= "2024-02-01T00:00:00"^^xsd:dateTime) }""")
    assert _values(rows, "r") == DATED_2024
    mid_february = '"2024-02-15T12:00:00"^^xsd:dateTime'
    rows = select(f"""SELECT ?r WHERE {{ ?r kgqa:earliest ?e ; kgqa:latest ?l
                      FILTER (?e <= {mid_february} && ?l >= {mid_february}) }}""")
    assert _values(rows, "r") == {"Moonshot_AI_Series_B"}


def test_dates_keep_their_display_string_precision_and_bounds(select) -> None:
    rows = select("""SELECT ?r ?date ?p ?kind ?e ?l WHERE {
        ?r kgqa:date ?date ; kgqa:datePrecision ?p ; kgqa:dateKind ?kind ; kgqa:earliest ?e ; kgqa:latest ?l }""")
    local = {"p", "kind"}
    got = {
        row["r"]: tuple(row[k].rsplit("#")[1] if k in local else row[k] for k in ("date", "p", "kind", "e", "l"))
        for row in rows
    }
    assert got == {
        "MiniMax_round_2024-03": ("2024-03-05", "Day", "ReportDate", "2024-03-05T00:00:00", "2024-03-05T23:59:59"),
        "Moonshot_AI_Series_B": ("2024-02", "Month", "ClosingDate", "2024-02-01T00:00:00", "2024-02-29T23:59:59"),
    }


def test_rounds_the_article_only_places_before_2024_have_an_upper_bound_only(select) -> None:
    rows = select("""SELECT ?r ?l ?kind WHERE { ?r a kgqa:FundingRound ; kgqa:latest ?l ; kgqa:dateKind ?kind
                     FILTER NOT EXISTS { ?r kgqa:earliest ?e } FILTER NOT EXISTS { ?r kgqa:date ?d } }""")
    assert _values(rows, "r") == BEFORE_2024
    assert _values(rows, "l") == {"2023-12-31T23:59:59"}
    for rnd in BEFORE_2024:
        quotes = _axiom_quotes(select, f"kgr:{rnd}", "kgqa:latest")
        assert any(q.startswith("Before investing in the dark side of the moon and minimax") for q in quotes)
        assert "This is the second time this year that Ali has shot in the field of large models." in quotes


@pytest.mark.parametrize(
    ("rnd", "sentence"),
    [
        ("MiniMax_round_2024-03", "On March 5, according to sources, Alibaba led a new round of financing"),
        ("Moonshot_AI_Series_B", "In mid-February, according to a late report, the dark side of the moon completed"),
    ],
)
def test_relative_dates_cite_their_sentence_and_their_resolution(select, rnd: str, sentence: str) -> None:
    for prop in ("kgqa:date", "kgqa:earliest", "kgqa:latest", "kgqa:dateKind"):
        quotes = _axiom_quotes(select, f"kgr:{rnd}", prop)
        assert any(q.startswith(sentence) for q in quotes), prop
        assert "Mondo Finance Updated on 2024-03-07" in quotes, prop
        assert "external_relative-dates" in quotes, prop
    notes = select(
        f"SELECT ?n WHERE {{ ?ax owl:annotatedSource kgr:{rnd} ; owl:annotatedProperty kgqa:date ; skos:note ?n }}"
    )
    assert any("2024" in n for n in _values(notes, "n"))


# --- faithfulness -----------------------------------------------------------------------------------


def test_truss_is_an_unresolved_reading_not_a_backer_of_xai(select) -> None:
    assert not select("SELECT ?b WHERE { ?b kgqa:backs kgr:xAI }")
    assert not select("SELECT ?r WHERE { ?r kgqa:counterparty kgr:xAI }")
    assert not select("SELECT ?t WHERE { kgr:Tesla skos:hiddenLabel ?t }")
    rows = select("""SELECT ?r ?name ?c ?by WHERE { ?r a kgqa:UnresolvedReading ; kgqa:asReported ?name ;
                     kgqa:candidate ?c ; kgqa:about kgr:xAI ; kgqa:statedBy ?by }""")
    assert _values(rows, "name") == {"Truss"} and _values(rows, "c") == {"Tesla", "Elon_Musk"}
    assert _values(rows, "by") == {"Mondo_Finance"}
    reading = f"kgr:{rows[0]['r']}"
    assert any("XAI has Truss's support behind it" in q for q in _node_quotes(select, reading))
    assert _values(select(f"SELECT ?e WHERE {{ {reading} kgqa:hasEvidence ?e }}"), "e") >= {"external_truss-reading"}


def test_each_amount_cites_the_sentence_that_gives_its_figure(select) -> None:
    raised = _node_quotes(select, "kgr:Moonshot_AI_Series_B_raised")
    assert any("$800 million" in q for q in raised)
    assert not any("valued at over $2.3 billion" in q for q in raised)
    assert not select("SELECT ?n WHERE { ?a a kgqa:MonetaryAmount ; kgqa:note ?n }")
    rows = select("""SELECT ?a ?text ?quote WHERE {
        ?a a kgqa:MonetaryAmount ; kgqa:asReported ?text ; kgqa:hasEvidence/kgqa:quote ?quote }""")
    amounts = _values(rows, "a")
    assert len(amounts) == 4
    for amount in amounts:
        mine = [row for row in rows if row["a"] == amount]
        assert all(row["text"] in row["quote"] for row in mine), amount


def test_claims_are_about_their_topic_not_their_speaker(select) -> None:
    rows = select("SELECT ?s ?about WHERE { ?s a kgqa:Statistic ; kgqa:statedBy kgr:Qingke ; kgqa:about ?about }")
    assert len(_values(rows, "s")) == 2 and _values(rows, "about") == {"RMB_LP_market"}
    chen = _values(select("SELECT ?a WHERE { kgr:Chen_Yu_on_large_model_investment_window kgqa:about ?a }"), "a")
    assert "Yunqi_Capital" not in chen and "Large_model_investment" in chen
    snakes = _values(select("SELECT ?a WHERE { kgr:Consensus_Shredder_on_giants_as_snakes kgqa:about ?a }"), "a")
    assert snakes == {"Big_companies_in_the_LLM_era"}
    topics = select("SELECT ?t ?q WHERE { ?t a kgqa:Topic . ?ax owl:annotatedSource ?t ; kgqa:evidence/kgqa:quote ?q }")
    assert _values(topics, "t") == {"RMB_LP_market", "Large_model_investment", "Big_companies_in_the_LLM_era"}


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Alibaba_strongest_cloud_in_China", "it means that the money invested by Ali can finally be returned to Ali"),
        ("Consensus_Shredder_on_giants_as_snakes", "On the other hand, they continue to absorb various industrial"),
        ("James_Mitchell_on_gaming_ROI", "Since the beginning of this year, Tencent's investment pace has"),
    ],
)
def test_claims_cite_the_sentences_they_paraphrase(select, claim: str, sentence: str) -> None:
    assert any(sentence in q for q in _node_quotes(select, f"kgr:{claim}"))


def test_a_founder_is_affiliated_with_not_working_for_his_firm(select) -> None:
    assert not select("SELECT ?p WHERE { ?p kgqa:worksFor ?o }")
    rows = select("SELECT ?o WHERE { kgr:Eddie_Wu kgqa:affiliatedWith ?o }")
    assert _values(rows, "o") == {"Yuanjing_Capital", "Alibaba_Group"}


def test_largest_shareholder_holds_after_its_round(select) -> None:
    rows = select("""SELECT ?r ?l ?q WHERE {
        ?ax owl:annotatedSource kgr:Alibaba_Group ; owl:annotatedProperty kgqa:largestInstitutionalShareholderOf ;
            owl:annotatedTarget kgr:Moonshot_AI ; kgqa:holdsAfter ?r ; kgqa:evidence/kgqa:quote ?q .
        ?r kgqa:latest ?l }""")
    assert _values(rows, "r") == {"Moonshot_AI_Series_B"} and _values(rows, "l") == {"2024-02-29T23:59:59"}
    assert any("after this round of financing" in q for q in _values(rows, "q"))


def test_claude_3_outperforms_gpt_4_only_in_its_stated_scope(select) -> None:
    rows = select("""SELECT ?scope ?q WHERE {
        ?ax owl:annotatedSource kgr:Claude_3 ; owl:annotatedProperty kgqa:outperforms ; owl:annotatedTarget kgr:GPT-4 ;
            kgqa:scope ?scope ; kgqa:evidence/kgqa:quote ?q }""")
    assert _values(rows, "scope") == {"multimodality", "language capabilities"}
    assert any("in terms of multimodality and language capabilities" in q for q in _values(rows, "q"))
