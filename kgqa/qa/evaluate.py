"""Score the question answerer on a file of questions with expected answers (`kgqa eval`).

A question file is JSON: `{"questions": [{"q": ..., "family": ..., "expect": {...}}, ...]}`, with an
optional `"entities"` map from keys to the names an entity may be given by (then `expect.entities`
lists keys). An expectation is one of:

- `entities`: the answers are exactly these entities (no missing, no extra);
- `number` (or a list of equally good numbers): some answer's value is within 1 %;
- `boolean`: the one answer is this yes/no;
- `date`: some answer's value starts with this ISO date (`2024-03`, `2024-03-05`);
- `text`: some answer's label contains this text;
- `unknown`: the reply is "unknown", with no answers (the article does not say).

Precision first, as the service promises: the report separates the questions answered wrongly
(a confident wrong answer, the worst outcome) from those not answered (an honest "I don't know"
where an answer existed), and gives the precision of what was answered.
"""

from __future__ import annotations

import json
import math
import statistics
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Reply = Mapping[str, Any]
Ask = Callable[[str], Reply]

# How a question came out: right (correct), said "unknown" where an answer was expected (missed),
# or answered wrongly — which includes answering a question whose right reply is "unknown".
RIGHT, MISSED, WRONG = "right", "missed", "wrong"


@dataclass(frozen=True)
class Question:
    """One question of a file, with what a correct reply contains."""

    text: str
    family: str
    expect: Mapping[str, Any]
    id: str = ""


@dataclass(frozen=True)
class Outcome:
    question: Question
    verdict: str  # RIGHT, MISSED or WRONG
    why: str
    ms: float


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _numbers(answer: Mapping[str, Any]) -> list[float]:
    value = answer.get("value")
    return [float(value)] if isinstance(value, int | float) and not isinstance(value, bool) else []


def _entity_problem(expected: Sequence[str], answers: Sequence[Reply], aliases: Mapping[str, Sequence[str]]) -> str:
    """'' when the answers are exactly the expected entities; each may be named by any alias."""
    wanted = {key: {_norm(a) for a in aliases.get(key, [key])} for key in expected}
    found: set[str] = set()
    extra: list[str] = []
    for answer in answers:
        names = {_norm(str(n)) for n in [answer.get("label", ""), *(answer.get("altLabels") or [])]}
        owners = {key for key, names_of_key in wanted.items() if names & names_of_key}
        if not owners or owners <= found:  # not expected, or the same entity given twice
            extra.append(str(answer.get("label")))
        found |= owners
    missing = sorted(set(expected) - found)
    if not missing and not extra:
        return ""
    return f"expected {sorted(expected)}; missing {missing}, extra {sorted(extra)}"


def _value_problem(expect: Mapping[str, Any], answers: Sequence[Reply]) -> str:
    """'' when a number, boolean, date or text expectation holds, else what is wrong."""
    if "number" in expect:
        golds = expect["number"] if isinstance(expect["number"], list) else [expect["number"]]
        ok = any(abs(x - g) <= 0.01 * abs(g) for g in golds for a in answers for x in _numbers(a))
        return "" if ok else f"expected {golds}, got {[(a.get('label'), a.get('value')) for a in answers]}"
    if "boolean" in expect:
        values = [a.get("value") for a in answers]
        return "" if values == [expect["boolean"]] else f"expected {expect['boolean']}, got {values}"
    if "date" in expect:
        ok = any(str(a.get("value")).startswith(expect["date"]) for a in answers)
        return "" if ok else f"expected {expect['date']}, got {[a.get('value') for a in answers]}"
    if "text" in expect:
        ok = any(_norm(expect["text"]) in _norm(str(a.get("label"))) for a in answers)
        return "" if ok else f"expected {expect['text']!r}, got {[a.get('label') for a in answers]}"
    raise ValueError(f"unknown expectation {dict(expect)}")


def judge(
    expect: Mapping[str, Any], reply: Reply, aliases: Mapping[str, Sequence[str]] | None = None
) -> tuple[str, str]:
    """(verdict, why) for one reply: RIGHT, MISSED (an "unknown" where an answer existed) or WRONG."""
    answers = list(reply.get("answers") or [])
    answered = reply.get("status") == "answered" and bool(answers)
    if expect.get("unknown"):
        return (WRONG, f"expected unknown, answered {[a.get('label') for a in answers]}") if answered else (RIGHT, "")
    if not answered:
        return MISSED, f"no answer: {reply.get('explanation', '')}"
    if "entities" in expect:
        problem = _entity_problem(expect["entities"], answers, aliases or {})
    else:
        problem = _value_problem(expect, answers)
    return (WRONG, problem) if problem else (RIGHT, "")


def load(path: str | Path) -> tuple[list[Question], dict[str, list[str]]]:
    """The questions of a file and its entity alias map (empty when it names entities by label).

    :raise ValueError: the file is not a question file (what is wrong, and where).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        items = data["questions"]
        questions = [
            Question(item["q"], item.get("family") or item.get("kind") or "-", item["expect"], str(item.get("id", "")))
            for item in items
        ]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a question file ({type(exc).__name__}: {exc})") from None
    aliases = {key: list(names) for key, names in (data.get("entities") or {}).items()}
    return questions, aliases


def run(questions: Iterable[Question], ask: Ask, aliases: Mapping[str, Sequence[str]] | None = None) -> list[Outcome]:
    """Ask every question once, timing each reply."""
    outcomes = []
    for question in questions:
        started = time.perf_counter()
        reply = ask(question.text)
        ms = (time.perf_counter() - started) * 1000
        verdict, why = judge(question.expect, reply, aliases)
        outcomes.append(Outcome(question, verdict, why, ms))
    return outcomes


@dataclass
class Tally:
    """The counts of one family (or of all questions)."""

    right: int = 0
    missed: int = 0
    wrong: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.verdict, getattr(self, outcome.verdict) + 1)
        self.ms.append(outcome.ms)

    @property
    def n(self) -> int:
        return self.right + self.missed + self.wrong

    def metrics(self) -> dict[str, float | int | None]:
        """accuracy; answer rate (replies that commit to an answer — for a question the article does
        not answer, "unknown" is that answer); precision (right among those; None when none);
        wrong (the share of confident wrong answers); median and 95th-percentile latency in ms."""
        n = self.n or 1
        committed = self.right + self.wrong
        ms = sorted(self.ms) or [0.0]
        return {
            "n": self.n,
            "accuracy": self.right / n,
            "answer rate": committed / n,
            "precision": self.right / committed if committed else None,
            "wrong": self.wrong / n,
            "median ms": statistics.median(ms),
            "p95 ms": ms[max(0, math.ceil(len(ms) * 0.95) - 1)],  # nearest rank
        }

    def row(self, name: str) -> list[str]:
        """The metrics as table cells: two decimals for shares, one for milliseconds."""
        cells = [name]
        for key, value in self.metrics().items():
            if value is None:
                cells.append("-")
            elif key == "n":
                cells.append(str(value))
            else:
                cells.append(f"{value:.1f}" if key.endswith("ms") else f"{value:.2f}")
        return cells


HEADER = ["family", "n", "accuracy", "answer rate", "precision", "wrong", "median ms", "p95 ms"]


def tallies(outcomes: Iterable[Outcome]) -> dict[str, Tally]:
    """Per family, in order of first appearance, and "all" last."""
    by_family: dict[str, Tally] = {}
    total = Tally()
    for outcome in outcomes:
        by_family.setdefault(outcome.question.family, Tally()).add(outcome)
        total.add(outcome)
    return {**by_family, "all": total}


def table(outcomes: Sequence[Outcome]) -> str:
    """The report as an aligned text table, one row per family and a total."""
    rows = [HEADER] + [tally.row(name) for name, tally in tallies(outcomes).items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]

    def line(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))]
        return "  ".join(cells)

    lines = [line(row) for row in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])
