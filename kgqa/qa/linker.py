"""Entity linking: find the graph's entities and controlled terms named in a question.

The index is built from the graph itself (every rdfs:label, skos:prefLabel, altLabel and
hiddenLabel), so new aliases in the facts are understood without code changes. Matching
goes from strict to loose and stops at the first hit for each span of the question:
1. exact match of a normalised word n-gram (any case, possessives and punctuation
   removed) — longest spans first, so "Alibaba Cloud" wins over "Alibaba";
2. Chinese names as substrings (Chinese text has no spaces between words);
3. fuzzy match (rapidfuzz, optimal string alignment distance) for small typos
   ("Moonshott", "Tencnet": one edit, a swap of neighbours counting as one), only for
   n-grams of at least five letters and at most one edit (two for names of ten letters or
   more), so that "Huawei" or "weather" match nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Words that never start or make up an entity mention by themselves; they keep the
# fuzzy matcher from pairing "invest" with "Investor" or "round" with "Ground".
STOPWORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "and",
        "or",
        "but",
        "with",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "did",
        "do",
        "does",
        "has",
        "have",
        "had",
        "who",
        "whom",
        "whose",
        "what",
        "which",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "its",
        "it",
        "their",
        "this",
        "that",
        "these",
        "those",
        "as",
        "than",
        "more",
        "most",
        "less",
        "any",
        "all",
        "both",
        "not",
        "no",
        "yes",
        "s",
        "company",
        "companies",
        "startup",
        "startups",
        "firm",
        "group",
    )
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+(?:[.\-][0-9a-z]+)*|[\u3400-\u9fff\uf900-\ufaff]+")
FUZZY_MIN_LENGTH = 5


def allowed_typos(length: int) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) tolerated in a name this long."""
    return 1 if length < 10 else 2


def normalise(text: str) -> str:
    """Case-, width- and punctuation-insensitive form: 'MiniMax's round?' -> 'minimax round'."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"['’`´]s\b", " ", text)  # possessives
    return " ".join(_WORD.findall(text))


@dataclass(frozen=True)
class Target:
    """Something a name can refer to: an entity or a controlled term, with its classes."""

    iri: str
    label: str
    kinds: frozenset[str]  # local names of classes, e.g. {"Startup", "Organization"}


@dataclass(frozen=True)
class Mention:
    """A span of the (normalised) question linked to a target."""

    start: int  # word index in the normalised question
    end: int
    text: str
    target: Target
    score: float  # 100 for exact matches

    @property
    def iri(self) -> str:
        return self.target.iri


class _Found:
    """The mentions found so far in a question's words, and which words they took."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.taken = [False] * len(words)
        self.mentions: list[Mention] = []

    def free_spans(self, max_words: int) -> Iterator[tuple[int, int]]:
        """(start, end) of every span of untaken words, longest first, left to right; a span
        claimed meanwhile is skipped (the generator looks again at each step)."""
        for size in range(min(max_words, len(self.words)), 0, -1):
            for start in range(len(self.words) - size + 1):
                if not any(self.taken[start : start + size]):
                    yield start, start + size

    def claim(self, start: int, end: int, targets: set[Target], score: float) -> None:
        for target in sorted(targets, key=lambda t: t.iri):
            self.mentions.append(Mention(start, end, " ".join(self.words[start:end]), target, score))
        for i in range(start, end):
            self.taken[i] = True


@dataclass
class Linker:
    """Links question spans to targets; build with :meth:`from_names`."""

    names: dict[str, set[Target]] = field(default_factory=dict)
    max_words: int = 1

    @classmethod
    def from_names(cls, entries: Iterable[tuple[str, Target]]) -> Linker:
        linker = cls()
        for name, target in entries:
            key = normalise(name)
            if not key:
                continue
            linker.names.setdefault(key, set()).add(target)
            linker.max_words = max(linker.max_words, len(key.split()))
        linker._fuzzy_keys = [k for k in linker.names if len(k.replace(" ", "")) >= FUZZY_MIN_LENGTH]
        return linker

    def _lookup(self, key: str) -> set[Target]:
        return self.names.get(key, set())

    def link(self, question: str) -> list[Mention]:
        """Mentions in the question, left to right, non-overlapping, longest first.

        Three passes, each over the words the earlier ones left: exact names (n-grams, longest
        first), Chinese names inside a run of Chinese characters, then near misses (typos).
        """
        found = _Found(normalise(question).split())
        for start, end in found.free_spans(self.max_words):
            key = " ".join(found.words[start:end])
            if not (end - start == 1 and key in STOPWORDS) and (targets := self._lookup(key)):
                found.claim(start, end, targets, 100.0)
        for index, word in enumerate(found.words):
            if not found.taken[index] and CJK.search(word) and (targets := self._chinese(word)):
                found.claim(index, index + 1, targets, 100.0)
        for start, end in found.free_spans(self.max_words):
            if (match := self._fuzzy(found.words[start:end])) is not None:
                found.claim(start, end, self.names[match[0]], 100.0 - 10 * match[1])
        found.mentions.sort(key=lambda m: (m.start, m.target.iri))
        return found.mentions

    def _chinese(self, word: str) -> set[Target] | None:
        """The longest Chinese name contained in a run of Chinese characters."""
        for key in sorted(self.names, key=len, reverse=True):
            if CJK.search(key) and key.replace(" ", "") in word:
                return self.names[key]
        return None

    def _fuzzy(self, span: list[str]) -> tuple[str, float] | None:
        """The nearest name within the allowed typos, for spans of five letters or more (no CJK)."""
        if span[0] in STOPWORDS or span[-1] in STOPWORDS:
            return None
        key = " ".join(span)
        if len(key.replace(" ", "")) < FUZZY_MIN_LENGTH or CJK.search(key):
            return None
        best = process.extractOne(key, self._fuzzy_keys, scorer=OSA.distance, score_cutoff=allowed_typos(len(key)))
        return None if best is None else (best[0], best[1])

    def candidates(self, name: str) -> list[Target]:
        """Targets a whole name refers to (for canned-query parameters given by name)."""
        key = normalise(name)
        if targets := self._lookup(key):
            return sorted(targets, key=lambda t: t.iri)
        mentions = [m for m in self.link(name) if m.start == 0 and m.end == len(key.split())]
        return sorted({m.target for m in mentions}, key=lambda t: t.iri)
