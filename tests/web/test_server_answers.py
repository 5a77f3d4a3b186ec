"""`/?q=` renders the answer on the server (issue 16): a page that works with JavaScript off."""

from __future__ import annotations

from urllib.parse import quote

from kgqa.web.pages import answer_sentence

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page(client, question: str) -> str:
    r = client.get("/?q=" + quote(question), headers={"Accept": BROWSER})
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_the_answer_is_in_the_page_with_its_evidence(client):
    html = page(client, "who led MiniMax's round?")
    assert "<title>who led MiniMax&#39;s round? · Ask · kgqa</title>" in html
    assert 'href="/entity/Alibaba_Group">Alibaba Group</a>' in html
    assert "On March 5, according to sources, Alibaba led a new round of financing for Minimax" in html
    assert "SELECT" in html and 'data-server-rendered="true"' in html


def test_yes_no_reads_as_a_sentence_not_data(client):
    html = page(client, "is Moonshot AI a unicorn?")
    sentence = html.split('id="answer-text" class="answer-text">', 1)[1].split("</p>", 1)[0]
    assert sentence.startswith("Yes — ") and "= true" not in html and "yes = " not in html


def test_an_unknown_question_says_why(client):
    html = page(client, "what colour is the sky over Hangzhou?")
    assert "the graph does not answer this" in html
    assert 'class="status unknown"' in html


def test_a_bad_question_is_a_message_not_an_error(client):
    html = page(client, "x" * 600)
    assert "could not be asked" in html and "limit is 500" in html


def test_sentence_uses_the_readers_text_and_suggestion_keys_are_optional():
    assert answer_sentence({"text": "Alibaba Group led it.", "answers": []}) == "Alibaba Group led it."
    assert answer_sentence({"status": "answered", "answers": [{"label": "no", "value": False}]}) == "No."
    money = {"status": "answered", "answers": [{"label": "more than US$600 million", "value": 600000000}]}
    assert answer_sentence(money) == "more than US$600 million."


def test_unknown_replies_link_suggestions_and_names(app):
    from flask import render_template

    reply = {
        "question": "who sold MiniMax?",
        "status": "unknown",
        "answers": [],
        "explanation": "I don't know that verb.",
        "suggestions": [{"question": "who led MiniMax's round?", "why": "a round's lead"}],
        "linked": [{"iri": "https://w3id.org/kgqa/resource/MiniMax", "label": "MiniMax"}],
    }
    with app.test_request_context("/?q=who+sold+MiniMax%3F"):
        html = render_template(
            "index.html",
            examples=(),
            question=reply["question"],
            reply=reply,
            problem=None,
            sentence=answer_sentence(reply),
        )
    assert 'href="/?q=who%20led%20MiniMax%27s%20round%3F"' in html
    assert 'href="/entity/MiniMax">MiniMax</a>' in html and "I don&#39;t know that verb." in html
