"""Precision first (kgqa/qa/coverage.py): a reading that leaves content words unexplained is not
an answer. The questions are the review's confident wrong answers (issue 13), and their
neighbours that must still be answered."""

from __future__ import annotations

from typing import Any

import pytest

from kgqa.qa.coverage import lexicon


def ask(client: Any, question: str) -> dict[str, Any]:
    reply = client.get("/api/ask", query_string={"q": question}).get_json()
    assert reply["status"] in {"answered", "unknown"}
    return reply


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Who is the chairman of the company that led MiniMax's round?", ["chairman"]),
        ("Which companies did Alibaba invest in this year?", ["year"]),
        ("How much did Tencent invest in MiniMax?", ["much"]),
        ("What did Microsoft get out of its investment in OpenAI?", ["get", "out"]),
        ("Why was Alibaba Cloud the lead investor in MiniMax's round?", ["why"]),
        ("What is the combined valuation of MiniMax and Moonshot AI?", ["combined"]),
        ("Who will lead MiniMax's next round?", ["will", "next"]),
    ],
)
def test_unexplained_words_make_the_reply_unknown_and_are_named(client: Any, question: str, words: list[str]) -> None:
    reply = ask(client, question)
    assert reply["status"] == "unknown" and reply["answers"] == []
    for word in words:
        assert f"\u201c{word}\u201d" in reply["explanation"]


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("Who led MiniMax's latest round?", "Alibaba Group"),
        ("How much is Moonshott worth?", "more than US$2.3 billion"),
        ("Where does Chen Yu work?", "Yunqi Capital"),
        ("Is Joe Tsai the chairman of Alibaba?", "yes"),
    ],
)
def test_questions_the_reading_explains_are_still_answered(client: Any, question: str, label: str) -> None:
    reply = ask(client, question)
    assert reply["status"] == "answered" and label in [a["label"] for a in reply["answers"]]


def test_a_month_and_year_are_checked_against_the_rows_not_ignored(client: Any) -> None:
    right = ask(client, "What type of round did Moonshot AI raise in February 2024?")
    assert right["status"] == "answered" and [a["label"] for a in right["answers"]] == ["Series B"]
    for month in ("March 2024", "February 2023"):
        assert ask(client, f"What type of round did Moonshot AI raise in {month}?")["status"] == "unknown"


def test_every_query_the_lexicon_names_exists(client: Any) -> None:
    registry = client.application.extensions["kgqa"].registry
    lex = lexicon()
    named = set(lex.queries) | lex.numbers | lex.dated
    assert named <= {q.name for q in registry}, named - {q.name for q in registry}


def test_no_confident_wrong_answer_on_the_family_set(client: Any) -> None:
    """The README's table: on tests/data/questions_families.json nothing is answered wrongly, and
    at least the accuracy it states is reached (raise both numbers as the reader improves)."""
    from kgqa.qa.evaluate import RIGHT, WRONG, judge, load
    from tests.conftest import ROOT

    questions, aliases = load(ROOT / "tests" / "data" / "questions_families.json")
    verdicts = [(q, judge(q.expect, ask(client, q.text), aliases)) for q in questions]
    wrong = [f"[{q.family}] {q.text}: {why}" for q, (verdict, why) in verdicts if verdict == WRONG]
    assert not wrong, "\n".join(wrong)
    assert sum(verdict == RIGHT for _, (verdict, _) in verdicts) / len(questions) >= 0.48
