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
        "James_Mitchell_speech_2020": ("2020", "Year", "EventDate", "2020-01-01T00:00:00", "2020-12-31T23:59:59"),
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
    assert _values(topics, "t") == {
        "RMB_LP_market",
        "Large_model_investment",
        "Big_companies_in_the_LLM_era",
        "Chinese_large_model_unicorns",
        "USD_VC_in_China",
    }


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


# --- the article's facts the review found missing -------------------------------------------------

THE_FIVE = {"Moonshot_AI", "MiniMax", "Zhipu_AI", "Baichuan_Intelligence", "01_AI"}


def test_founded_in_2023_and_making_money_are_figures_about_the_group_not_named_companies(select) -> None:
    rows = select("""SELECT ?s ?n ?period ?printed WHERE {
        ?s a kgqa:Statistic ; kgqa:about kgr:Chinese_large_model_unicorns ; kgqa:statedBy kgr:Mondo_Finance ;
           kgqa:quantity ?n ; kgqa:period ?period ; kgqa:asReported ?printed }""")
    got = {row["s"]: (row["n"], row["period"]) for row in rows}
    assert got == {"Unicorns_founded_in_2023": ("3", "2023"), "Unicorns_making_money_since_2023": ("2", "2023")}
    for stat in got:
        quotes = _node_quotes(select, f"kgr:{stat}")
        assert any("three of the five were only established in 23 years" in q for q in quotes), stat
    # Nothing says which three or which two: no figure is about a named company of the five.
    named = select("""SELECT ?c WHERE { VALUES ?s { kgr:Unicorns_founded_in_2023 kgr:Unicorns_making_money_since_2023 }
                      ?s kgqa:about ?c . ?c a kgqa:Agent }""")
    assert not named
    assert "Mondo Finance Updated on 2024-03-07" in _node_quotes(select, "kgr:Unicorns_making_money_since_2023")


def test_alibabas_earlier_investments_are_bounded_before_2024(select) -> None:
    rows = select("""SELECT ?company WHERE {
        ?investor kgqa:makesInvestment ?i . ?i kgqa:inRound ?r . ?r kgqa:fundedOrganization ?company ; kgqa:latest ?l
        FILTER (?investor IN (kgr:Alibaba_Group, kgr:Alibaba_Cloud) && ?l < "2024-01-01T00:00:00"^^xsd:dateTime) }""")
    assert _values(rows, "company") == {"Zhipu_AI", "Baichuan_Intelligence", "01_AI"}


@pytest.mark.parametrize(
    ("rnd", "status", "by", "sentence"),
    [
        ("MiniMax_round_2024-03", "UnnamedSources", None, "On March 5, according to sources, Alibaba led"),
        ("Moonshot_AI_Series_B", "MediaReport", "LatePost", "In mid-February, according to a late report"),
    ],
)
def test_rounds_keep_how_they_were_reported(select, rnd: str, status: str, by: str | None, sentence: str) -> None:
    rows = select(f"SELECT ?s WHERE {{ kgr:{rnd} kgqa:reportStatus ?s }}")
    assert {row["s"].rsplit("#")[1] for row in rows} == {status}
    assert any(q.startswith(sentence) for q in _axiom_quotes(select, f"kgr:{rnd}", "kgqa:reportStatus"))
    reporters = _values(select(f"SELECT ?o WHERE {{ kgr:{rnd} kgqa:reportedBy ?o }}"), "o")
    assert reporters == ({by} if by else set())
    if by:
        quotes = _axiom_quotes(select, f"kgr:{rnd}", "kgqa:reportedBy")
        assert "external_translation-readings" in quotes and any(q.startswith(sentence) for q in quotes)


def test_claude_3_release_lies_between_the_bounds_the_article_gives(select) -> None:
    rows = select("""SELECT ?e ?start ?end ?kind WHERE {
        ?e a kgqa:ProductRelease ; kgqa:releasedProduct kgr:Claude_3 ; kgqa:performedBy kgr:Anthropic ;
           kgqa:earliest ?start ; kgqa:latest ?end ; kgqa:dateKind ?kind
        FILTER NOT EXISTS { ?e kgqa:date ?shown } }""")
    assert [(r["e"], r["start"], r["end"], r["kind"].rsplit("#")[1]) for r in rows] == [
        ("Claude_3_release", "2024-03-04T00:00:00", "2024-03-06T23:59:59", "EventDate")
    ]
    for prop in ("kgqa:earliest", "kgqa:latest"):
        quotes = _axiom_quotes(select, "kgr:Claude_3_release", prop)
        assert any(q.startswith("And just the night before, Anthropic released the Claude 3 series") for q in quotes)
        assert {"Mondo Finance Updated on 2024-03-07", "external_relative-dates"} <= quotes
    notes = select("""SELECT ?n WHERE { ?ax owl:annotatedSource kgr:Claude_3_release ;
                      owl:annotatedProperty kgqa:latest ; skos:note ?n }""")
    assert any("night before" in n and "March 7, 2024" in n for n in _values(notes, "n"))
    # A date filter finds it among the events of the article's week.
    week = select("""SELECT ?e WHERE { ?e a kgqa:Event ; kgqa:earliest ?s ; kgqa:latest ?l
                     FILTER (?s >= "2024-03-01T00:00:00"^^xsd:dateTime
                             && ?l <= "2024-03-07T23:59:59"^^xsd:dateTime) }""")
    assert _values(week, "e") == {"Claude_3_release"}


def test_the_gaming_roi_remark_was_made_in_a_speech_of_2020(select) -> None:
    rows = select("""SELECT ?speech ?by ?date WHERE {
        kgr:James_Mitchell_on_gaming_ROI kgqa:statedIn ?speech .
        ?speech a kgqa:Speech ; kgqa:performedBy ?by ; kgqa:date ?date ; kgqa:earliest ?e FILTER (YEAR(?e) = 2020) }""")
    assert [(r["speech"], r["by"], r["date"]) for r in rows] == [
        ("James_Mitchell_speech_2020", "James_Mitchell", "2020")
    ]
    assert "The speech took place in early 2020." in _axiom_quotes(
        select, "kgr:James_Mitchell_speech_2020", "kgqa:date"
    )


def test_sora_is_a_text_to_video_model(select) -> None:
    quotes = _axiom_quotes(select, "kgr:Sora", "rdf:type", "kgqa:TextToVideoModel")
    assert "external_translation-readings" in quotes
    assert any("Wensheng's ** large model sora" in q for q in quotes)
    # Still an AI model (a product of OpenAI's) for the queries that ask for models.
    assert select("SELECT ?d WHERE { kgr:Sora a kgqa:AIModel ; kgqa:developedBy ?d }") == [{"d": "OpenAI"}]


def test_microsofts_investment_in_mistral_was_announced_by_the_articles_date(select) -> None:
    rows = select("""SELECT ?i ?l ?kind WHERE {
        kgr:Microsoft kgqa:makesInvestment ?i . ?i kgqa:investee kgr:Mistral_AI ; kgqa:latest ?l ; kgqa:dateKind ?kind
        FILTER NOT EXISTS { ?i kgqa:earliest ?e } }""")
    assert [(r["l"], r["kind"].rsplit("#")[1]) for r in rows] == [("2024-03-07T23:59:59", "ReportDate")]
    quotes = _axiom_quotes(select, f"kgr:{rows[0]['i']}", "kgqa:latest")
    assert any(q.startswith("Not long ago, Mistral AI") for q in quotes)
    assert {"Mondo Finance Updated on 2024-03-07", "external_relative-dates"} <= quotes


@pytest.mark.parametrize(
    ("claim", "stated_by", "about", "sentence"),
    [
        ("Alibaba_China_OpenAI_ETF", "Mondo_Finance", {"Alibaba_Group"}, 'Ali is now the ETF of "China OpenAI"'),
        (
            "Alibaba_heavy_bets_on_Moonshot_AI_and_MiniMax",
            "Mondo_Finance",
            {"Alibaba_Group", "Moonshot_AI", "MiniMax"},
            "placed heavy bets on the dark side of the moon and minimax",
        ),
        ("Alibaba_bolder_in_2024", "Mondo_Finance", {"Alibaba_Group"}, "a more decisive and bold move"),
        ("Win_win_for_Alibaba_and_the_unicorns", "Mondo_Finance", {"Alibaba_Group"}, "this is a win-win situation"),
        (
            "Alibaba_investment_returns_as_cloud_revenue",
            "Mondo_Finance",
            {"Alibaba_Group", "Alibaba_Cloud"},
            "part of the investment amount itself is paid with computing power",
        ),
        (
            "Alibaba_investment_returns_as_cloud_revenue",
            "Mondo_Finance",
            {"Alibaba_Group", "Alibaba_Cloud"},
            "returned to Ali in the form of cloud computing income",
        ),
        (
            "Alibaba_Cloud_split_not_completed",
            "Mondo_Finance",
            {"Alibaba_Cloud", "Alibaba_Group"},
            "Alibaba Cloud has not completed the split",
        ),
        ("Joe_Tsai_investment_background", "Mondo_Finance", {"Joe_Tsai"}, "is from a VC background"),
        ("Eddie_Wu_investment_background", "Mondo_Finance", {"Eddie_Wu"}, "Wu Yongming is the founder of Yuanjing"),
        ("Eddie_Wu_investment_background", "Mondo_Finance", {"Eddie_Wu"}, "a relatively deep investment background"),
        ("Tencent_2020_wide_net_acceleration", "Mondo_Finance", {"Tencent"}, "investment pace has significantly"),
        ("Tencent_2020_wide_net_acceleration", "Mondo_Finance", {"Tencent"}, "The speech took place in early 2020."),
        (
            "Tencent_world_record_game_investment_pace",
            "Daniel_Ahmad",
            {"Tencent"},
            "setting a record for the fastest investment in the game field in the world",
        ),
        ("Tencent_games_globalisation_logic", "Mondo_Finance", {"Tencent"}, "globalization of the game business"),
        ("USD_VC_shrinking", "Mondo_Finance", {"USD_VC_in_China"}, "US dollar VC are shrinking"),
        (
            "RMB_LPs_avoid_large_models",
            "Mondo_Finance",
            {"RMB_LP_market"},
            "not in line with the investment preference",
        ),
        (
            "Alibaba_as_distributor_like_Microsoft",
            "Mondo_Finance",
            {"Alibaba_Group", "Microsoft", "OpenAI"},
            "Ali can also become a distributor",
        ),
    ],
)
def test_the_articles_claims_are_in_the_graph_with_their_evidence(
    select, claim: str, stated_by: str, about: set[str], sentence: str
) -> None:
    rows = select(f"""SELECT ?by ?about ?statement WHERE {{
        kgr:{claim} a kgqa:Claim ; kgqa:statedBy ?by ; kgqa:about ?about ; kgqa:statement ?statement }}""")
    assert _values(rows, "by") == {stated_by}
    assert about <= _values(rows, "about")
    assert _values(rows, "about").isdisjoint({stated_by})
    assert any(sentence in q for q in _node_quotes(select, f"kgr:{claim}"))


def test_thesis_claims_about_the_five_are_about_the_group(select) -> None:
    rows = select("""SELECT ?c WHERE { ?c a kgqa:Claim ; kgqa:about kgr:Chinese_large_model_unicorns }""")
    assert _values(rows, "c") >= {
        "Alibaba_China_OpenAI_ETF",
        "Win_win_for_Alibaba_and_the_unicorns",
        "Unicorns_founded_in_2023",
        "Unicorns_making_money_since_2023",
    }
    assert THE_FIVE.isdisjoint(_values(select("SELECT ?a WHERE { kgr:Alibaba_China_OpenAI_ETF kgqa:about ?a }"), "a"))
