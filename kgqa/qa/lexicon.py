"""The compositional reader's lexicon: `lexicon.yaml`, read once and checked against its schema.

The file is data, so a wrong key or a phrase of the wrong shape must fail loudly at start-up
(`LexiconError` names the entry), not make some question silently unreadable later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LEXICON = Path(__file__).with_name("lexicon.yaml")

_RELATION_KEYS = {
    "subject",
    "object",
    "pattern",
    "event",
    "evidence",
    "verbs",
    "passive",
    "subject_nouns",
    "object_nouns",
    "role_verbs",
}
_ATTRIBUTE_KEYS = {"of", "pattern", "value", "evidence", "nouns", "verbs", "superlative", "least", "sum", "noun"}
_TOP_KEYS = {
    "function_words",
    "sole_words",
    "classes",
    "modifiers",
    "relations",
    "attributes",
    "wh",
    "yes_no",
    "most",
    "fewest",
    "all_of",
    "except",
}


class LexiconError(ValueError):
    """The lexicon file does not follow its schema."""


@dataclass(frozen=True)
class Relation:
    """A relation between a subject and an object, with the SPARQL pattern that holds it."""

    name: str
    subject: str  # ontology class local names the ends must fit
    object: str
    pattern: str
    evidence: str
    event: str | None = None
    role_verbs: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Attribute:
    """A value (an amount) of things of some classes: valuation, amount raised."""

    name: str
    of: tuple[str, ...]
    pattern: dict[str, str]
    value: str
    evidence: str
    noun: str


@dataclass(frozen=True)
class Lexicon:
    """Phrases (tuples of normalised words) and what each means; see `lexicon.yaml`."""

    function_words: frozenset[str]
    sole_words: frozenset[str]
    relations: dict[str, Relation]
    attributes: dict[str, Attribute]
    modifiers: dict[str, str]  # name -> pattern over {x}
    wh: dict[str, dict[str, Any]]
    # phrase -> every meaning it may have: (kind, detail...) tuples the tagger turns into chunks
    phrases: dict[tuple[str, ...], list[tuple[str, ...]]]

    @property
    def longest(self) -> int:
        return max(len(p) for p in self.phrases)


def _words(phrase: Any, where: str) -> tuple[str, ...]:
    if not isinstance(phrase, str) or not phrase.strip():
        raise LexiconError(f"{where}: a phrase must be a non-empty string, not {phrase!r}")
    return tuple(phrase.casefold().split())


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise LexiconError(f"{where}: expected a list of phrases")
    return value


def _keys(entry: Any, allowed: set[str], where: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise LexiconError(f"{where}: expected a mapping")
    unknown = set(entry) - allowed
    if unknown:
        raise LexiconError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = [k for k in required if k not in entry]
    if missing:
        raise LexiconError(f"{where}: missing {missing}")
    return entry


class _Builder:
    """Collects phrases with their meanings while the file is read."""

    def __init__(self) -> None:
        self.phrases: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def add(self, phrases: Any, where: str, *meaning: str) -> None:
        for phrase in _list(phrases, where):
            meanings = self.phrases.setdefault(_words(phrase, where), [])
            if meaning not in meanings:
                meanings.append(meaning)


def _relations(data: dict[str, Any], builder: _Builder) -> dict[str, Relation]:
    relations: dict[str, Relation] = {}
    for name, entry in (data.get("relations") or {}).items():
        where = f"relations.{name}"
        entry = _keys(entry, _RELATION_KEYS, where, ("subject", "object", "pattern", "evidence"))
        role_verbs = {
            role: tuple(" ".join(_words(p, where)) for p in _list(phrases, where))
            for role, phrases in (entry.get("role_verbs") or {}).items()
        }
        relations[name] = Relation(
            name, entry["subject"], entry["object"], entry["pattern"], entry["evidence"], entry.get("event"), role_verbs
        )
        builder.add(entry.get("verbs"), where, "verb", name, "active")
        builder.add(entry.get("passive"), where, "verb", name, "passive")
        builder.add(entry.get("subject_nouns"), where, "noun", name, "subject")
        builder.add(entry.get("object_nouns"), where, "noun", name, "object")
        for role, phrases in role_verbs.items():
            builder.add(list(phrases), where, "roleverb", name, role)
    return relations


def _attributes(data: dict[str, Any], builder: _Builder) -> dict[str, Attribute]:
    attributes: dict[str, Attribute] = {}
    for name, entry in (data.get("attributes") or {}).items():
        where = f"attributes.{name}"
        entry = _keys(entry, _ATTRIBUTE_KEYS, where, ("of", "pattern", "value", "evidence", "noun"))
        attributes[name] = Attribute(
            name, tuple(entry["of"]), dict(entry["pattern"]), entry["value"], entry["evidence"], entry["noun"]
        )
        for form in ("nouns", "verbs", "superlative", "least", "sum"):
            builder.add(entry.get(form), where, "attr", name, form)
    return attributes


def parse(data: Any) -> Lexicon:
    """Check `data` (the YAML document) and build the lexicon."""
    data = _keys(data, _TOP_KEYS, "lexicon", ("function_words", "classes", "relations", "wh"))
    builder = _Builder()
    for cls, phrases in data["classes"].items():
        builder.add(phrases, f"classes.{cls}", "class", cls)
    modifiers: dict[str, str] = {}
    for name, entry in (data.get("modifiers") or {}).items():
        entry = _keys(entry, {"words", "pattern"}, f"modifiers.{name}", ("words", "pattern"))
        modifiers[name] = entry["pattern"]
        builder.add(entry["words"], f"modifiers.{name}", "modifier", name)
    relations = _relations(data, builder)
    attributes = _attributes(data, builder)
    wh = {}
    for phrase, meaning in data["wh"].items():
        wh[" ".join(_words(phrase, "wh"))] = _keys(meaning or {}, {"cls", "date", "count", "amount"}, f"wh.{phrase}")
        builder.add([phrase], "wh", "wh", " ".join(_words(phrase, "wh")))
    word_lists = (("yes_no", "yesno"), ("most", "most"), ("fewest", "fewest"), ("all_of", "all"), ("except", "except"))
    for key, kind in word_lists:
        builder.add(data.get(key), key, kind)
    sole = frozenset(str(data.get("sole_words") or "").split())
    builder.add(sorted(sole), "sole_words", "sole")
    return Lexicon(
        frozenset(str(data["function_words"]).split()),
        sole,
        relations,
        attributes,
        modifiers,
        wh,
        builder.phrases,
    )


@cache
def load(path: Path = LEXICON) -> Lexicon:
    """The lexicon file, read and checked once per process."""
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))
