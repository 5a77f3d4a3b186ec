"""`kgqa eval` and its scoring (kgqa/qa/evaluate.py): what counts as right, missed and wrong."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kgqa.qa.evaluate import MISSED, RIGHT, WRONG, Outcome, Question, judge, load, table, tallies
from tests.conftest import BIN


def answered(*answers: dict) -> dict:
    return {"status": "answered", "answers": list(answers), "explanation": ""}


UNKNOWN = {"status": "unknown", "answers": [], "explanation": "the article does not say"}
ALIBABA = {"label": "Alibaba Group", "altLabels": ["Ali", "阿里巴巴"]}
TENCENT = {"label": "Tencent"}


@pytest.mark.parametrize(
    ("expect", "reply", "verdict"),
    [
        ({"entities": ["Alibaba Group"]}, answered(ALIBABA), RIGHT),
        ({"entities": ["Alibaba Group"]}, answered(ALIBABA, TENCENT), WRONG),  # an extra answer
        ({"entities": ["Alibaba Group", "Tencent"]}, answered(ALIBABA), WRONG),  # a missing one
        ({"entities": ["Alibaba Group"]}, answered(ALIBABA, ALIBABA), WRONG),  # the same one twice
        ({"entities": ["Alibaba Group"]}, UNKNOWN, MISSED),
        ({"unknown": True}, UNKNOWN, RIGHT),
        ({"unknown": True}, answered(TENCENT), WRONG),  # answering what the article does not say
        ({"number": 2.5e9}, answered({"label": "more than US$2.5 billion", "value": 2500000000}), RIGHT),
        ({"number": [1e9, 2.5e9]}, answered({"label": "US$1 billion", "value": 1000000000}), RIGHT),
        ({"number": 2.5e9}, answered({"label": "US$2.3 billion", "value": 2300000000}), WRONG),
        ({"number": 1.0}, answered({"label": "yes", "value": True}), WRONG),  # a boolean is no number
        ({"boolean": False}, answered({"label": "no", "value": False}), RIGHT),
        ({"boolean": False}, answered({"label": "yes", "value": True}), WRONG),
        ({"date": "2024-03"}, answered({"label": "5 March 2024", "value": "2024-03-05"}), RIGHT),
        ({"date": "2024-02"}, answered({"label": "5 March 2024", "value": "2024-03-05"}), WRONG),
        ({"text": "cloud"}, answered({"label": "Exclusive  Cloud provision"}), RIGHT),
        ({"text": "licence"}, answered({"label": "exclusive cloud provision"}), WRONG),
    ],
)
def test_a_reply_is_right_missed_or_wrong(expect: dict, reply: dict, verdict: str) -> None:
    assert judge(expect, reply)[0] == verdict


def test_entities_by_key_match_any_alias_of_the_file() -> None:
    aliases = {"ALIBABA": ["Alibaba", "Alibaba Group", "阿里巴巴"]}
    assert judge({"entities": ["ALIBABA"]}, answered({"label": "阿里巴巴"}), aliases)[0] == RIGHT
    assert judge({"entities": ["ALIBABA"]}, answered(TENCENT), aliases)[0] == WRONG


def test_an_unknown_expectation_kind_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="unknown expectation"):
        judge({"colour": "red"}, answered(TENCENT))


def _outcome(family: str, verdict: str, ms: float) -> Outcome:
    return Outcome(Question("q", family, {}), verdict, "", ms)


def test_the_tally_separates_wrong_from_missed() -> None:
    outcomes = [_outcome("a", RIGHT, 10), _outcome("a", WRONG, 20), _outcome("a", MISSED, 30), _outcome("b", RIGHT, 5)]
    by_family = tallies(outcomes)
    assert list(by_family) == ["a", "b", "all"]
    a = by_family["a"].metrics()
    assert (a["n"], a["accuracy"], a["answer rate"], a["precision"], a["wrong"]) == (3, 1 / 3, 2 / 3, 0.5, 1 / 3)
    assert a["median ms"] == 20 and a["p95 ms"] == 30
    assert by_family["all"].metrics()["n"] == 4
    lines = table(outcomes).splitlines()
    assert lines[0].split()[:3] == ["family", "n", "accuracy"] and lines[-1].split()[:3] == ["all", "4", "0.50"]


def test_a_file_that_is_not_a_question_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": []}')
    with pytest.raises(ValueError, match="is not a question file"):
        load(bad)


def test_kgqa_eval_scores_a_file_per_family(tmp_path: Path) -> None:
    """The command on the real graph: one right, one wrong on purpose, one right "unknown"."""
    questions = tmp_path / "q.json"
    questions.write_text(
        json.dumps(
            {
                "questions": [
                    {"family": "lead", "q": "who led MiniMax's round?", "expect": {"entities": ["Alibaba Group"]}},
                    {"family": "lead", "q": "who led MiniMax's round?", "expect": {"entities": ["Tencent"]}},
                    {"family": "none", "q": "what is the capital of France?", "expect": {"unknown": True}},
                ]
            }
        )
    )
    out = subprocess.run([str(BIN / "kgqa"), "eval", str(questions), "-v"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = {line.split()[0]: line.split() for line in out.stdout.splitlines() if line.split()}
    assert rows["lead"][1:6] == ["2", "0.50", "1.00", "0.50", "0.50"]
    assert rows["none"][1:3] == ["1", "1.00"]
    assert "WRONG" in out.stdout and "Tencent" in out.stdout
    strict = subprocess.run(
        [str(BIN / "kgqa"), "eval", str(questions), "--min-accuracy", "0.9"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert strict.returncode == 1


def test_kgqa_eval_on_a_missing_file_exits_2(tmp_path: Path) -> None:
    out = subprocess.run([str(BIN / "kgqa"), "eval", str(tmp_path / "nope.json")], capture_output=True, text=True)
    assert out.returncode == 2 and "is not a question file" in out.stderr
