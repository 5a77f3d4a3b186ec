"""The compositional reader's lexicon: the shipped file follows its schema, a broken one fails loudly."""

from __future__ import annotations

import pytest

from kgqa.qa.lexicon import LexiconError, load, parse


def test_shipped_lexicon_loads_with_ambiguity_kept() -> None:
    lexicon = load()
    # "invested in" may relate an investor to a company or to a round: both readings are kept,
    # for type checking to choose between.
    assert {m[1] for m in lexicon.phrases[("invested", "in")]} == {"invest", "participate"}
    assert ("class", "InvestmentFirm") in lexicon.phrases[("venture", "capital", "firms")]
    assert all(r.pattern and r.evidence for r in lexicon.relations.values())


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"function_words": "a", "classes": {}, "relations": {"x": {"subject": "A"}}, "wh": {}}, "relations.x: miss"),
        ({"function_words": "a", "classes": {"C": ["ok", ""]}, "relations": {}, "wh": {}}, "classes.C: a phrase"),
        ({"function_words": "a", "classes": {}, "relations": {}, "wh": {}, "colour": 1}, "unknown keys"),
    ],
)
def test_broken_lexicon_names_the_entry(document: dict, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        parse(document)
