"""Sentence splitting and quote lookup in the article (kgqa/kg/sources.py)."""

from pathlib import Path

import pytest

from kgqa.kg.sources import QuoteNotFound, SourceText

ARTICLE = Path(__file__).resolve().parents[2] / "kg" / "sources" / "mondo-finance-2024-03-07.txt"


@pytest.fixture(scope="module")
def article() -> SourceText:
    return SourceText.from_file(ARTICLE)


def test_sentences_are_verbatim_spans_of_the_text(article: SourceText) -> None:
    assert len(article.sentences) > 50
    for sentence in article.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text


def test_chinese_full_stop_and_closing_quote_end_sentences() -> None:
    text = SourceText("as high as 406% and 267%。The typical model. invest too conservatively. 」 Next one.")
    assert [s.text for s in text.sentences] == [
        "as high as 406% and 267%。",
        "The typical model.",
        "invest too conservatively. 」",
        "Next one.",
    ]


def test_decimal_points_do_not_split(article: SourceText) -> None:
    (sentence,) = article.locate("post-investment valuation of more than $2.5 billion")
    assert sentence.text.startswith("On March 5, according to sources, Alibaba led")
    assert sentence.text.endswith("$2.5 billion.")


def test_quote_spanning_two_sentences_gives_both(article: SourceText) -> None:
    sentences = article.locate("valued at over $2.3 billion.\n\nCounting these two")
    assert [s.index for s in sentences] == [7, 8]


def test_missing_quote_reports_nearest_passage(article: SourceText) -> None:
    with pytest.raises(QuoteNotFound) as info:
        article.locate("Alibaba led a new round of financing for MiniMax")  # article writes "Minimax"
    assert "Minimax" in info.value.nearest
    assert info.value.similarity > 0.9


def test_ambiguous_quote_is_rejected(article: SourceText) -> None:
    with pytest.raises(QuoteNotFound, match="more than once"):
        article.locate("Zero One Everything")
