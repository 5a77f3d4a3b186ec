"""An entity in words (kgqa.qa.summary): what it is, key facts with evidence, readable relations."""

from __future__ import annotations

from typing import Any

import pytest

from kgqa.qa.summary import summarise

KGR = "https://w3id.org/kgqa/resource/"


@pytest.fixture(scope="module")
def state(built_state: Any) -> Any:
    return built_state


def test_what_it_is_in_words(state: Any) -> None:
    summary = summarise(state, KGR + "Zhipu_AI").to_json()
    assert summary["lead"] == "Zhipu AI is an AI start-up."
    assert summary["label"] == "Zhipu AI" and summary["kind"] == "AI start-up"


def test_a_round_is_a_sentence_with_its_evidence(state: Any) -> None:
    summary = summarise(state, KGR + "MiniMax").to_json()
    texts = [f["text"] for f in summary["facts"]]
    fact = next(f for f in summary["facts"] if "led by Alibaba Group" in f["text"])
    assert fact["text"].startswith("MiniMax ") and "5 March 2024" in fact["text"], texts
    assert any(
        e["text"].startswith("On March 5, according to sources, Alibaba led a new round") for e in fact["evidence"]
    )


def test_relations_are_readable_and_not_duplicated(state: Any) -> None:
    summary = summarise(state, KGR + "MiniMax").to_json()
    relations = [g["relation"] for g in summary["groups"]]
    assert relations and all("https://" not in r and r != "type" for r in relations)
    assert not any(r in {"hasInvestor", "investsIn", "fundedOrganization"} for r in relations)
    pairs = [(g["relation"], v["iri"]) for g in summary["groups"] for v in g["values"]]
    assert len(pairs) == len(set(pairs))


def test_hidden_labels_are_not_aliases(state: Any) -> None:
    summary = summarise(state, KGR + "MiniMax").to_json()
    assert "稀宇科技" in summary["aliases"]
    from kgqa.sparql.runner import run_internal_query

    hidden = run_internal_query(
        state, "SELECT ?e ?h WHERE { ?e <http://www.w3.org/2004/02/skos/core#hiddenLabel> ?h }"
    ).rows()
    assert hidden, "the graph records hidden labels"
    for row in hidden:
        assert row["h"].value not in summarise(state, row["e"].value).aliases
