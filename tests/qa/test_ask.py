"""Questions in plain language, end to end through /api/ask (kgqa/qa/ask.py, intents.py).

The questions in tests/data/questions.json are our own, one or more per kind of question,
phrased differently from any list the code was written against; each names what a correct
reply contains. Answers must come from SPARQL over the graph, with evidence from the graph.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kgqa.qa.evaluate import RIGHT, judge

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = json.loads((ROOT / "tests" / "data" / "questions.json").read_text(encoding="utf-8"))["questions"]
ARTICLE = (ROOT / "kg" / "sources" / "mondo-finance-2024-03-07.txt").read_text(encoding="utf-8")


def ask(client: Any, question: str) -> dict[str, Any]:
    response = client.get("/api/ask", query_string={"q": question})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def check(expect: dict[str, Any], reply: dict[str, Any]) -> str:
    """'' when the reply meets the expectation, else what is wrong (the scoring of `kgqa eval`)."""
    verdict, why = judge(expect, reply)
    return "" if verdict == RIGHT else f"{verdict}: {why}"


@pytest.mark.parametrize("item", QUESTIONS, ids=lambda item: f"{item['kind']}: {item['q']}")
def test_question(client: Any, item: dict[str, Any]) -> None:
    reply = ask(client, item["q"])
    problem = check(item["expect"], reply)
    assert not problem, f"{item['q']}: {problem}\n{json.dumps(reply, ensure_ascii=False, indent=1)[:1500]}"


def test_every_kind_is_covered() -> None:
    kinds = {item["kind"] for item in QUESTIONS}
    assert kinds >= {
        "lead",
        "investors",
        "portfolio",
        "multihop",
        "money",
        "round",
        "subsidiary",
        "people",
        "strategic",
        "products",
        "unicorn",
        "stats",
        "unknown",
    }


def test_reply_follows_the_contract(client: Any) -> None:
    reply = ask(client, "Who led MiniMax's round?")
    assert set(reply) == {"question", "status", "answers", "sparql", "query", "bindings", "evidence", "explanation"}
    assert reply["status"] == "answered"
    (answer,) = reply["answers"]
    assert answer["label"] == "Alibaba Group"
    assert answer["iri"] == "https://w3id.org/kgqa/resource/Alibaba_Group"
    assert "阿里巴巴" in answer["altLabels"] and "Ali" in answer["altLabels"]
    assert answer["value"] is None
    assert reply["query"] == "round-lead"
    assert reply["bindings"] == {"startup": "https://w3id.org/kgqa/resource/MiniMax"}
    # The SPARQL shown is runnable as it is: the parameter is inlined as a VALUES block.
    assert "VALUES (?startup) { (<https://w3id.org/kgqa/resource/MiniMax>) }" in reply["sparql"]
    assert reply["explanation"]
    assert any("Alibaba led a new round of financing for Minimax" in e["text"] for e in reply["evidence"])


def test_the_sparql_shown_gives_the_same_answer_on_the_endpoint(client: Any) -> None:
    reply = ask(client, "Which companies has Tencent invested in?")
    response = client.post(
        "/sparql", data={"query": reply["sparql"]}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    rows = response.get_json()["results"]["bindings"]
    assert {r["answer"]["value"] for r in rows} == {a["iri"] for a in reply["answers"]}


@pytest.mark.parametrize(
    "question",
    [
        "Who led MiniMax's round?",
        "Who invested in Moonshot AI's Series B?",
        "What is MiniMax's valuation?",
        "When did Moonshot AI close its Series B?",
        "Who is the chairman of Alibaba?",
        "Who made Gemini 1.5?",
        "Which Alibaba subsidiary invested in 01.AI?",
        "Is MiniMax a unicorn?",
        "Who backs OpenAI?",
    ],
)
def test_evidence_is_verbatim_from_the_article(client: Any, question: str) -> None:
    reply = ask(client, question)
    article = [e for e in reply["evidence"] if e.get("kind") != "external"]
    assert article, reply
    for item in article:
        assert item["text"] in ARTICLE
        assert item["source"] == "https://w3id.org/kgqa/resource/mondo-finance-2024-03-07"


def test_outside_facts_are_labelled_as_such(client: Any) -> None:
    """GPT-4's developer is not in the article: the evidence says it is the curators' addition."""
    reply = ask(client, "Who made GPT-4?")
    assert [a["label"] for a in reply["answers"]] == ["OpenAI"]
    assert reply["evidence"] and all(e.get("kind") == "external" for e in reply["evidence"])


def test_amounts_dates_and_booleans_have_typed_values(client: Any) -> None:
    valuation = ask(client, "What is the valuation of MiniMax?")["answers"][0]
    assert valuation["value"] == 2500000000 and valuation["label"] == "more than US$2.5 billion"
    date = ask(client, "When did Moonshot AI close its Series B?")["answers"][0]
    assert date["value"] == "2024-02" and date["label"] == "February 2024"
    yes = ask(client, "Is MiniMax a unicorn?")["answers"][0]
    assert yes["value"] is True and yes["label"] == "yes"
    count = ask(client, "How many companies has Alibaba invested in?")["answers"][0]
    assert count["value"] == 5


@pytest.mark.parametrize(
    "question",
    [
        "Who led MiniMax's round?\" } ; DROP ALL ; SELECT * { ?s ?p ?o } #",
        "Who invested in <http://127.0.0.1:1/x> SERVICE { }",
        "who led minimax's round ' } UNION { ?s ?p ?o } #",
    ],
)
def test_question_text_never_reaches_the_sparql(client: Any, question: str) -> None:
    reply = ask(client, question)
    if reply["sparql"]:
        for fragment in ("DROP", "SERVICE", "127.0.0.1", "UNION { ?s ?p ?o }"):
            assert fragment not in reply["sparql"]


def test_post_json_and_form(client: Any) -> None:
    by_json = client.post("/api/ask", json={"question": "Who backs OpenAI?"}).get_json()
    by_form = client.post("/api/ask", data={"question": "Who backs OpenAI?"}).get_json()
    assert [a["label"] for a in by_json["answers"]] == [a["label"] for a in by_form["answers"]] == ["Microsoft"]


@pytest.mark.parametrize(
    ("request_kwargs", "message"),
    [
        ({"method": "GET"}, "missing question"),
        ({"method": "GET", "query_string": {"q": "   "}}, "empty"),
        ({"method": "GET", "query_string": {"q": "x" * 501}}, "limit is 500"),
        ({"method": "GET", "query_string": {"q": "who\x00led"}}, "control characters"),
        ({"method": "POST", "json": {"question": 42}}, "must be a string"),
        ({"method": "POST", "json": ["who led MiniMax's round?"]}, "JSON object"),
        ({"method": "POST", "data": "{not json", "content_type": "application/json"}, "JSON object"),
    ],
)
def test_bad_requests_get_a_clear_400(client: Any, request_kwargs: dict[str, Any], message: str) -> None:
    response = client.open("/api/ask", **request_kwargs)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and message in body["error"]
