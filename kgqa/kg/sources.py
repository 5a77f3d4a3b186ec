"""Source documents: the verbatim text, its sentences, and where a quote sits in it.

Evidence in the graph is a *sentence* of the article, quoted verbatim with its
character offsets, so a reader can always find it in the original. Curated facts
quote any exact fragment of the article; this module finds the sentence(s) that
contain the fragment, and when a quote is not verbatim it finds the closest
passage so the error message can show the curator what the article really says.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

# A sentence ends at . ! ? (followed by space or end) or at a Chinese full stop, which
# the machine translation leaves without a following space ("406% and 267%。The ...").
# Closing quote marks that follow the stop belong to the sentence they close, even after
# a space ("invest too conservatively. 」"); only unambiguous closing marks may follow a space.
_SENTENCE_END = re.compile(r"(?:[.!?](?=\s|$)|。)(?:[\"'”’」]|\s+[”」])*")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a source: its number (from 1), text and offsets in the source."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class QuoteNotFound(Exception):
    """A quote is not verbatim in the source; carries the closest passage found."""

    quote: str
    nearest: str
    similarity: float

    def __str__(self) -> str:
        return (
            f"quote not found verbatim in the article: {self.quote!r}; "
            f"nearest passage ({self.similarity:.0%} similar): {self.nearest!r}"
        )


@dataclass(frozen=True)
class SourceText:
    """The verbatim text of a source document, split into sentences."""

    text: str

    @classmethod
    def from_file(cls, path: Path) -> SourceText:
        """Read a source file as UTF-8, exactly (no newline translation, no stripping)."""
        with open(path, encoding="utf-8", newline="") as fh:
            return cls(fh.read())

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """Sentences in order; paragraphs (lines) never share a sentence."""
        out: list[Sentence] = []
        offset = 0
        for line in self.text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            cursor = 0
            for match in _SENTENCE_END.finditer(body):
                out.extend(self._trimmed(body, offset, cursor, match.end(), len(out)))
                cursor = match.end()
            out.extend(self._trimmed(body, offset, cursor, len(body), len(out)))
            offset += len(line)
        return tuple(out)

    @staticmethod
    def _trimmed(line: str, line_offset: int, start: int, end: int, count: int) -> list[Sentence]:
        """The span line[start:end] without surrounding white space, if anything is left."""
        chunk = line[start:end]
        stripped = chunk.strip()
        if not stripped:
            return []
        lead = len(chunk) - len(chunk.lstrip())
        begin = line_offset + start + lead
        return [Sentence(count + 1, begin, begin + len(stripped), stripped)]

    def locate(self, quote: str) -> list[Sentence]:
        """The sentences that contain ``quote`` (one, or several when it spans sentences).

        :raise QuoteNotFound: if the quote is not verbatim in the text, or occurs more
            than once in different sentences (ambiguous evidence is as bad as none).
        """
        first = self.text.find(quote)
        if first < 0 or not quote.strip():
            nearest, ratio = self.nearest(quote)
            raise QuoteNotFound(quote, nearest, ratio)
        second = self.text.find(quote, first + 1)
        if second >= 0:
            raise QuoteNotFound(quote, "the quote occurs more than once; quote more of the sentence", 1.0)
        end = first + len(quote)
        return [s for s in self.sentences if s.start < end and first < s.end]

    def nearest(self, quote: str) -> tuple[str, float]:
        """The passage of the text most similar to ``quote`` (for error messages)."""
        best, best_ratio = "", 0.0
        width = max(len(quote), 1)
        for sentence in self.sentences:
            text = sentence.text
            for start in range(0, max(len(text) - width, 0) + 1, max(width // 4, 1)):
                window = text[start : start + width]
                ratio = difflib.SequenceMatcher(None, quote.casefold(), window.casefold()).ratio()
                if ratio > best_ratio:
                    best, best_ratio = window, ratio
        return best, best_ratio
