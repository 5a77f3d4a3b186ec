"""Entity linking (kgqa/qa/linker.py): names, aliases, Chinese, case, possessives, typos."""

from __future__ import annotations

import pytest

from kgqa.qa.linker import Linker, Target, normalise

ALIBABA = Target("kgr:Alibaba_Group", "Alibaba Group", frozenset({"Organization", "TechGiant"}))
CLOUD = Target("kgr:Alibaba_Cloud", "Alibaba Cloud", frozenset({"Organization"}))
MOONSHOT = Target("kgr:Moonshot_AI", "Moonshot AI", frozenset({"Organization", "Startup"}))
TENCENT = Target("kgr:Tencent", "Tencent", frozenset({"Organization", "TechGiant"}))
ZEROONE = Target("kgr:01_AI", "01.AI", frozenset({"Organization", "Startup"}))
SERIES_B = Target("kgqa:SeriesB", "Series B", frozenset({"RoundType"}))


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker.from_names(
        [
            ("Alibaba Group", ALIBABA),
            ("Alibaba", ALIBABA),
            ("Ali", ALIBABA),
            ("阿里巴巴", ALIBABA),
            ("Alibaba Cloud", CLOUD),
            ("阿里云", CLOUD),
            ("Moonshot AI", MOONSHOT),
            ("Moonshot", MOONSHOT),
            ("the Dark Side of the Moon", MOONSHOT),
            ("月之暗面", MOONSHOT),
            ("Tencent", TENCENT),
            ("腾讯", TENCENT),
            ("01.AI", ZEROONE),
            ("Zero One Everything", ZEROONE),
            ("Series B", SERIES_B),
        ]
    )


def linked(linker: Linker, question: str) -> list[str]:
    return [m.iri for m in linker.link(question)]


def test_normalise_drops_case_possessives_and_punctuation() -> None:
    assert normalise("Who led MiniMax's round?") == "who led minimax round"
    assert normalise("ＡＬＩＢＡＢＡ’s") == "alibaba"
    assert normalise("01.AI") == "01.ai"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who invested in Moonshot AI?", ["kgr:Moonshot_AI"]),
        ("who invested in MOONSHOT", ["kgr:Moonshot_AI"]),
        ("Who invested in the dark side of the moon's Series B", ["kgr:Moonshot_AI", "kgqa:SeriesB"]),
        ("Who invested in 月之暗面?", ["kgr:Moonshot_AI"]),
        ("阿里巴巴投资了哪些公司", ["kgr:Alibaba_Group"]),
        ("Did Alibaba Cloud invest in Zero One Everything", ["kgr:Alibaba_Cloud", "kgr:01_AI"]),
        ("What did Ali invest in", ["kgr:Alibaba_Group"]),
        ("Which companies did 01.AI's investors back", ["kgr:01_AI"]),
    ],
)
def test_links_names_aliases_and_chinese(linker: Linker, question: str, expected: list[str]) -> None:
    assert linked(linker, question) == expected


def test_longest_name_wins(linker: Linker) -> None:
    """'Alibaba Cloud' is one entity, not Alibaba followed by a stray word."""
    assert linked(linker, "Which Alibaba Cloud investments are there") == ["kgr:Alibaba_Cloud"]


@pytest.mark.parametrize(
    ("typo", "iri"), [("Moonshott", "kgr:Moonshot_AI"), ("Tencnet", "kgr:Tencent"), ("Alibbaba", "kgr:Alibaba_Group")]
)
def test_small_typos_are_forgiven(linker: Linker, typo: str, iri: str) -> None:
    mentions = linker.link(f"Who invested in {typo}?")
    assert [m.iri for m in mentions] == [iri]
    assert mentions[0].score < 100


@pytest.mark.parametrize(
    "question",
    [
        "Who invested in Huawei?",
        "What is the weather in Beijing?",
        "Did Baidu lead a round?",
        "Who is Alice?",
        "alien invasion",
    ],
)
def test_unknown_names_link_to_nothing(linker: Linker, question: str) -> None:
    assert linked(linker, question) == []


def test_short_words_never_fuzzy_match(linker: Linker) -> None:
    """'Alia' is one edit from 'Ali' but far too short to guess at."""
    assert linked(linker, "Who is Alia") == []
