"""Precision first: a reading is confident only when it explains every content word of the question.

The regex reader (`kgqa.qa.intents`) keys on a few cue words and ignores the rest, so "Who is the
chairman of the company that led MiniMax's round?" was read as "who led MiniMax's round" and
answered "Alibaba Group" — a confident wrong answer. This check looks at the words the reading
leaves unexplained (not part of a linked name, a function word, a class noun, or a cue of the query
or answer shape, all listed in `coverage.yaml`) and turns such a reading into "unknown", naming the
words it could not place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kgqa.qa.intents import Parsed, Reading
from kgqa.qa.linker import CJK

LEXICON = Path(__file__).with_name("coverage.yaml")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Lexicon:
    """`coverage.yaml`, read once: which words each reading explains."""

    always: frozenset[str]
    chinese_function_chars: frozenset[str]
    shapes: dict[str, frozenset[str]]
    queries: dict[str, frozenset[str]]
    numbers: frozenset[str]
    dated: frozenset[str]

    def explains(self, reading: Reading) -> frozenset[str]:
        return self.always | self.queries.get(reading.query, frozenset()) | self.shapes.get(reading.answer, frozenset())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@cache
def lexicon(path: Path = LEXICON) -> Lexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Lexicon(
        always=_words(data["function_words"]) | _words(data["class_nouns"]),
        chinese_function_chars=frozenset(data["chinese_function_chars"]),
        shapes={k: _words(v) for k, v in data["shapes"].items()},
        queries={k: _words(v) for k, v in data["queries"].items()},
        numbers=_words(data["numbers"]),
        dated=_words(data["dated"]),
    )


def _chinese_residue(word: str, lex: Lexicon, names: set[str]) -> str:
    """What is left of a run of Chinese characters once particles and parts of known names go."""
    rest = "".join(ch for ch in word if ch not in lex.chinese_function_chars)
    return "" if not rest or any(rest in name for name in names) else rest


MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip


@dataclass(frozen=True)
class Coverage:
    """What a reading leaves unexplained, and the dates it may check against its rows instead."""

    unexplained: tuple[str, ...]
    year: int | None = None
    month: int | None = None

    @property
    def dated(self) -> bool:
        return self.year is not None or self.month is not None

    def fits(self, iso_date: str) -> bool:
        """Whether a graph date (`2024-02`, `2024-03-05`) lies in the month/year the question names."""
        year, _, rest = iso_date.partition("-")
        if self.year is not None and year != str(self.year):
            return False
        return self.month is None or rest[:2] == f"{self.month:02d}"


# Linked terms the regex reader uses as optional filters (round types, relationship kinds): their
# words are explained by the cue lexicon, not by being bound.
FILTER_KINDS = frozenset({"RoundType", "RelationshipKind"})


def _used_iris(reading: Reading) -> set[str] | None:
    """The IRIs the reading puts to use — its parameters and the entities its answer shape names —
    or None when it matches the question's words themselves (`focus["words"]`: statistics)."""
    if "words" in reading.focus:
        return None
    used = {str(v) for v in reading.bindings.values()}
    for value in reading.focus.values():
        used.update(v for v in str(value).split() if v.startswith(("http://", "https://")))
    return used


def _unused_spans(parsed: Parsed, reading: Reading) -> set[int]:
    """Word positions of linked names the reading leaves out ("the chairman of …" read as "who led …")."""
    used = _used_iris(reading)
    if used is None:
        return set()
    spans: dict[tuple[int, int], bool] = {}
    for m in parsed.mentions:
        key = (m.start, m.end)
        spans[key] = spans.get(key, False) or m.iri in used or bool(m.target.kinds & FILTER_KINDS)
    return {i for (start, end), ok in spans.items() if not ok for i in range(start, end)}


def check(parsed: Parsed, reading: Reading, lex: Lexicon | None = None) -> Coverage:
    """The question's content words the reading does not explain, in question order.

    A linked name the reading does not use ("the chairman of …" read as "who led …") is not
    explained either. A month or a year is left to the rows when the query returns dates (`dated`
    in the lexicon): the answer then keeps only rows of that date (`Coverage.fits`).
    """
    lex = lex or lexicon()
    explained = lex.explains(reading)
    words = parsed.text.split()
    unused = _unused_spans(parsed, reading)
    in_names = {i for m in parsed.mentions for i in range(m.start, m.end)} - unused
    names = {n.replace(" ", "") for n in parsed.index if CJK.search(n)}
    out: list[str] = []
    year = month = None
    for i, word in enumerate(words):
        if i in in_names or (word in explained and i not in unused):
            continue
        if _NUMBER.fullmatch(word) and reading.query in lex.numbers:
            continue
        if reading.query in lex.dated and word in MONTHS and month is None:
            month = MONTHS.index(word) + 1
            continue
        if reading.query in lex.dated and re.fullmatch(r"(19|20)\d\d", word) and year is None:
            year = int(word)
            continue
        if CJK.search(word) and i not in unused:
            word = _chinese_residue(word, lex, names)
            if not word or word in explained:
                continue
        out.append(word)
    return Coverage(tuple(out), year, month)
