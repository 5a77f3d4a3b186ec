"""Curated facts: read ``kg/facts/*.yaml`` into typed records, checking them as we go.

The YAML is written by people, so every error names the file and line and says what
is wrong ("rounds.yaml:12: unknown key 'valuaton' (expected one of ...)"). Quotes are
not checked here but in :mod:`kgqa.kg.triples`, which knows the article; this module only
checks shape: known sections and keys, required keys, value types, known enums.
Whether a name (class, property, entity id) exists is checked against the ontology
and the entity list by :mod:`kgqa.kg.triples` too, where both are at hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from kgqa.kg import dates


class FactError(Exception):
    """A problem in the curated facts, located at file:line."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class Provenance:
    """Where a fact comes from: article quotes, and/or an external record id."""

    where: str
    quotes: tuple[str, ...] = ()
    external: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Name:
    name: str
    lang: str
    kind: str  # "pref", "alt" or "hidden"
    prov: Provenance


@dataclass(frozen=True)
class Entity:
    id: str
    types: tuple[str, ...]
    label: Name
    names: tuple[Name, ...]
    prov: Provenance


@dataclass(frozen=True)
class Amount:
    """A figure of money, with the evidence for that figure alone (not its round's)."""

    value: Decimal
    currency: str
    qualifier: str
    as_reported: str | None
    prov: Provenance | None = None  # None only for amounts made up outside the curated facts


@dataclass(frozen=True)
class Dating:
    """When a round or event happened, as the article gives it, and how the curators read that.

    ``date``/``precision`` is the date as shown; ``not_after`` an upper bound (the article
    says "before ..."), with ``not_before`` a lower one when the article only brackets the date
    ("the night before", in an article written between two known days); ``kind`` which event
    the date is of (a DateKind concept: ReportDate, ClosingDate, EventDate); ``prov`` the
    sentences the date is read from and, for relative dates ("mid-February", "this year"), the
    record of their resolution against the article's date.
    """

    kind: str
    prov: Provenance
    date: str | None = None
    precision: str | None = None
    not_after: str | None = None
    not_before: str | None = None


@dataclass(frozen=True)
class Investment:
    investor: str
    prov: Provenance
    investee: str | None = None
    round: str | None = None
    lead: bool | None = None
    qualifiers: tuple[str, ...] = ()
    dating: Dating | None = None  # only for investments outside a round (a round carries its own date)


@dataclass(frozen=True)
class Report:
    """How the article learnt of a round: a ReportStatus concept and, when named, the outlet."""

    status: str
    prov: Provenance
    by: str | None = None


@dataclass(frozen=True)
class Round:
    id: str
    company: str
    type: str
    prov: Provenance
    dating: Dating | None = None
    raised: Amount | None = None
    valuation: Amount | None = None
    investments: tuple[Investment, ...] = ()
    report: Report | None = None

    @property
    def date(self) -> str | None:
        return self.dating.date if self.dating else None

    @property
    def precision(self) -> str | None:
        return self.dating.precision if self.dating else None


@dataclass(frozen=True)
class BinaryFact:
    """A triple with its evidence; ``scope`` limits what it says ("in terms of multimodality"),
    ``after_round`` names the round after which it holds ("after this round of financing")."""

    subject: str
    property: str
    object: str
    prov: Provenance
    scope: tuple[str, ...] = ()
    after_round: str | None = None


@dataclass(frozen=True)
class Position:
    person: str
    role: str
    organization: str
    prov: Provenance


@dataclass(frozen=True)
class Strategic:
    provider: str
    counterparty: str
    kind: str
    prov: Provenance


@dataclass(frozen=True)
class Statistic:
    id: str
    about: tuple[str, ...]
    measure: str
    stated_by: str
    prov: Provenance
    period: str | None = None
    quantity: Decimal | None = None
    amount: Amount | None = None
    qualifier: str | None = None
    unit: str | None = None
    as_reported: str | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened at a time the article gives: a product release, a speech.

    ``type`` is a subclass of kgqa:Event; ``performed_by`` who released or spoke; ``product``
    what was released (ProductRelease only).
    """

    id: str
    type: str
    label: str
    performed_by: str
    prov: Provenance
    product: str | None = None
    dating: Dating | None = None


@dataclass(frozen=True)
class Claim:
    """A statement the article attributes to someone. With ``candidates`` it is an unresolved
    reading: the article names someone (``as_reported``) the curators cannot resolve to one
    entity, so the graph lists who it may be instead of asserting a fact about one of them."""

    id: str
    about: tuple[str, ...]
    stated_by: str
    statement: str
    prov: Provenance
    as_reported: str | None = None
    candidates: tuple[str, ...] = ()
    stated_in: str | None = None  # the event (a speech) in which it was stated


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    title: str
    publisher: str
    date: str
    prov: Provenance


@dataclass(frozen=True)
class ExternalRecord:
    id: str
    note: str
    where: str


@dataclass
class Facts:
    """Everything curated, in file order."""

    source: Source | None = None
    external: list[ExternalRecord] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    investments: list[Investment] = field(default_factory=list)
    facts: list[BinaryFact] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    strategic: list[Strategic] = field(default_factory=list)
    statistics: list[Statistic] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)


AMOUNT_QUALIFIERS = ("Exactly", "MoreThan", "AtLeast")
DATE_PRECISIONS = ("Day", "Month", "Year")
_PROV_KEYS = {"evidence", "external", "note"}
# The keys of a date (see `_dating`), allowed on rounds, events and investments outside a round.
_DATE_KEYS = {"date", "precision", "not_after", "not_before", "date_kind", "date_evidence"}


class _Loader(yaml.SafeLoader):
    """A SafeLoader that remembers the line of every mapping as ``__line__``.

    Why: errors must point people at the line to fix, and PyYAML forgets marks
    once it has built plain dicts.
    """


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise yaml.constructor.ConstructorError(None, None, f"duplicate key {sorted(duplicates)[0]!r}", node.start_mark)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Reader:
    """Checks one YAML mapping's keys and values, with errors located at file:line."""

    def __init__(self, path: Path, data: dict[str, Any], what: str) -> None:
        self.path = path
        self.data = data
        self.what = what
        self.where = f"{path.name}:{data.get('__line__', '?')}"

    def fail(self, message: str) -> FactError:
        return FactError(self.where, f"{self.what}: {message}")

    def keys(self, required: set[str], optional: set[str]) -> None:
        present = set(self.data) - {"__line__"}
        unknown = present - required - optional
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(f"unknown key {sorted(unknown)[0]!r} (expected one of: {allowed})")
        missing = required - present
        if missing:
            raise self.fail(f"missing key {sorted(missing)[0]!r}")

    def str(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f"{key!r} must be text, not {type(value).__name__}")
        return str(value)

    def req(self, key: str) -> str:
        value = self.str(key)
        if value is None or not value.strip():
            raise self.fail(f"{key!r} must not be empty")
        return value

    def strs(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"{key!r} must be a text or a list of texts")
        return tuple(value)

    def enum(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.str(key, default)
        if value is not None and value not in allowed:
            raise self.fail(f"{key!r} is {value!r}; expected one of {', '.join(allowed)}")
        return value

    def decimal(self, key: str) -> Decimal | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            raise self.fail(f"{key!r} must be a number")
        try:
            # Through str(): a YAML float such as 0.3 must become Decimal("0.3"), not
            # the binary double nearest to it (xsd:decimal facets need exact values).
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(f"{key!r} must be a number, not {value!r}") from None
        if not number.is_finite() or number < 0:
            raise self.fail(f"{key!r} must be a non-negative number, not {value!r}")
        return number

    def prov(self, *, required: bool = True) -> Provenance:
        quotes = self.strs("evidence")
        external = self.str("external")
        if required and not quotes and not external:
            raise self.fail("needs evidence (a quote from the article) or external (a record id)")
        return Provenance(self.where, quotes, external, self.str("note"))

    def child(self, key: str, what: str) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(f"{key!r} must be a mapping")
        return _Reader(self.path, value, f"{self.what} {what}")

    def items(self, key: str, what: str) -> list[_Reader]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{key!r} must be a list")
        out = []
        for item in value:
            if not isinstance(item, dict):
                raise self.fail(f"each item of {key!r} must be a mapping, not {item!r}")
            out.append(_Reader(self.path, item, what))
        return out


def _amount(r: _Reader | None) -> Amount | None:
    if r is None:
        return None
    r.keys({"value", "currency"}, {"qualifier", "as_reported"} | _PROV_KEYS)
    value = r.decimal("value")
    currency = r.req("currency")
    if value is None:
        raise r.fail("'value' must be a number")
    if len(currency) != 3 or not currency.isupper():
        raise r.fail(f"currency {currency!r} is not an ISO 4217 code such as USD")
    qualifier = r.enum("qualifier", AMOUNT_QUALIFIERS, "Exactly")
    assert qualifier is not None
    return Amount(value, currency, qualifier, r.str("as_reported"), r.prov())


def _name(r: _Reader, kind: str) -> Name:
    r.keys({"name"}, {"lang", "kind"} | _PROV_KEYS)
    kind = r.enum("kind", ("alt", "hidden"), kind) if kind != "pref" else kind
    assert kind is not None
    return Name(r.req("name"), r.str("lang", "en") or "en", kind, r.prov())


def _entity(r: _Reader) -> Entity:
    r.keys({"id", "types", "label"}, {"names"} | _PROV_KEYS)
    label = r.child("label", "label")
    if label is None:
        raise r.fail("'label' must be a mapping such as {name: ..., evidence: ...}")
    return Entity(
        r.req("id"),
        r.strs("types"),
        _name(label, "pref"),
        tuple(_name(n, "alt") for n in r.items("names", f"{r.data.get('id')} name")),
        r.prov(),
    )


def _investment(r: _Reader, round_id: str | None) -> Investment:
    if round_id is None:
        r.keys({"investor", "investee"}, {"lead", "qualifiers"} | _DATE_KEYS | _PROV_KEYS)
    else:
        r.keys({"investor"}, {"lead", "qualifiers"} | _PROV_KEYS)
    lead = r.data.get("lead")
    if lead is not None and not isinstance(lead, bool):
        raise r.fail(f"'lead' must be true or false, not {lead!r}")
    qualifiers = r.strs("qualifiers")
    return Investment(r.req("investor"), r.prov(), r.str("investee"), round_id, lead, qualifiers, _dating(r))


def _check_date_shape(
    r: _Reader, date: str | None, precision: str | None, not_after: str | None, not_before: str | None
) -> None:
    """A date with its precision, or bounds (an upper one, optionally a lower one), all real dates."""
    if (date is None) != (precision is None):
        raise r.fail("'date' and 'precision' go together")
    if date is not None:
        if dates.PRECISION_OF_LENGTH.get(len(date)) != precision:
            raise r.fail(f"date {date!r} does not match precision {precision} (e.g. 2024, 2024-02, 2024-03-05)")
        if not_after is not None or not_before is not None:
            raise r.fail("give either 'date' or bounds ('not_after', 'not_before'), not both")
    if not_before is not None and not_after is None:
        raise r.fail("'not_before' needs 'not_after': an event the article dates only from below is not dated")
    for value in (date, not_after, not_before):
        try:
            dates.check(value) if value is not None else None
        except ValueError as exc:
            raise r.fail(str(exc)) from None
    if not_before is not None and not_after is not None and dates.earliest(not_before) > dates.latest(not_after):
        raise r.fail(f"'not_before' {not_before} is after 'not_after' {not_after}")


def _dating(r: _Reader) -> Dating | None:
    """The date keys: ``date`` + ``precision``, or bounds only (``not_after``, with or without
    ``not_before``); ``date_kind`` and the date's own provenance ``date_evidence`` (defaulting
    to the record's) go with either."""
    date, precision = r.str("date"), r.enum("precision", DATE_PRECISIONS)
    not_after, not_before = r.str("not_after"), r.str("not_before")
    _check_date_shape(r, date, precision, not_after, not_before)
    kind = r.str("date_kind")
    if date is None and not_after is None:
        if kind is not None or "date_evidence" in r.data:
            raise r.fail("'date_kind' and 'date_evidence' need a 'date' or 'not_after'")
        return None
    if kind is None:
        raise r.fail("a date needs 'date_kind' (ReportDate, ClosingDate, EventDate): which event is the date of?")
    evidence = r.child("date_evidence", "date evidence")
    if evidence is None:
        prov = r.prov()
    else:
        evidence.keys(set(), _PROV_KEYS)
        prov = evidence.prov()
    return Dating(kind, prov, date, precision, not_after, not_before)


def _report(r: _Reader | None) -> Report | None:
    if r is None:
        return None
    r.keys({"status"}, {"by"} | _PROV_KEYS)
    return Report(r.req("status"), r.prov(), r.str("by"))


def _round(r: _Reader) -> Round:
    r.keys(
        {"id", "company", "type"},
        {"raised", "valuation", "investments", "report"} | _DATE_KEYS | _PROV_KEYS,
    )
    rid = r.req("id")
    return Round(
        rid,
        r.req("company"),
        r.req("type"),
        r.prov(),
        _dating(r),
        _amount(r.child("raised", "raised")),
        _amount(r.child("valuation", "valuation")),
        tuple(_investment(i, rid) for i in r.items("investments", f"investment in {rid}")),
        _report(r.child("report", "report")),
    )


def _event(r: _Reader) -> Event:
    r.keys({"id", "type", "label", "performed_by"}, {"product"} | _DATE_KEYS | _PROV_KEYS)
    return Event(
        r.req("id"), r.req("type"), r.req("label"), r.req("performed_by"), r.prov(), r.str("product"), _dating(r)
    )


def _statistic(r: _Reader) -> Statistic:
    r.keys(
        {"id", "about", "measure", "stated_by"},
        {"period", "quantity", "amount", "qualifier", "unit", "as_reported"} | _PROV_KEYS,
    )
    quantity, amount = r.decimal("quantity"), _amount(r.child("amount", "amount"))
    if (quantity is None) == (amount is None):
        raise r.fail("give exactly one of 'quantity' (a number) and 'amount' (money)")
    return Statistic(
        r.req("id"),
        r.strs("about"),
        r.req("measure"),
        r.req("stated_by"),
        r.prov(),
        r.str("period"),
        quantity,
        amount,
        r.enum("qualifier", AMOUNT_QUALIFIERS),
        r.str("unit"),
        r.str("as_reported"),
    )


def _external(r: _Reader) -> ExternalRecord:
    r.keys({"id", "note"}, set())
    return ExternalRecord(r.req("id"), r.req("note"), r.where)


def _binary_fact(r: _Reader) -> BinaryFact:
    r.keys({"subject", "property", "object"}, {"scope", "after_round"} | _PROV_KEYS)
    return BinaryFact(
        r.req("subject"), r.req("property"), r.req("object"), r.prov(), r.strs("scope"), r.str("after_round")
    )


def _position(r: _Reader) -> Position:
    r.keys({"person", "role", "organization"}, _PROV_KEYS)
    return Position(r.req("person"), r.req("role"), r.req("organization"), r.prov())


def _strategic(r: _Reader) -> Strategic:
    r.keys({"provider", "counterparty", "kind"}, _PROV_KEYS)
    return Strategic(r.req("provider"), r.req("counterparty"), r.req("kind"), r.prov())


def _claim(r: _Reader) -> Claim:
    r.keys({"id", "about", "stated_by", "statement"}, {"as_reported", "candidates", "stated_in"} | _PROV_KEYS)
    as_reported, candidates = r.str("as_reported"), r.strs("candidates")
    if (as_reported is None) != (not candidates):
        raise r.fail("an unresolved reading gives both 'as_reported' (the name printed) and 'candidates'")
    return Claim(
        r.req("id"),
        r.strs("about"),
        r.req("stated_by"),
        r.req("statement"),
        r.prov(),
        as_reported,
        candidates,
        r.str("stated_in"),
    )


# The list sections of a facts file: section -> (what one item is called in errors, its reader,
# the `Facts` list it joins). In file order, so errors come in the order a reader meets them.
_LIST_SECTIONS: dict[str, tuple[str, Callable[[_Reader], Any], str]] = {
    "external": ("external record", _external, "external"),
    "entities": ("entity", _entity, "entities"),
    "rounds": ("round", _round, "rounds"),
    "investments": ("investment", lambda r: _investment(r, None), "investments"),
    "facts": ("fact", _binary_fact, "facts"),
    "positions": ("position", _position, "positions"),
    "strategic": ("strategic relationship", _strategic, "strategic"),
    "statistics": ("statistic", _statistic, "statistics"),
    "events": ("event", _event, "events"),
    "claims": ("claim", _claim, "claims"),
}


_SECTIONS = {"source", *_LIST_SECTIONS}


def _load_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else "?"
        raise FactError(f"{path.name}:{line}", f"YAML syntax error: {exc.problem or exc}") from None


def _read_file(path: Path, facts: Facts) -> None:
    data = _load_yaml(path)
    if data is None:
        return
    top = _Reader(path, data, "file")
    top.where = f"{path.name}:1"
    unknown = set(data) - _SECTIONS - {"__line__"}
    if unknown:
        raise top.fail(f"unknown section {sorted(unknown)[0]!r} (expected: {', '.join(sorted(_SECTIONS))})")
    if (s := top.child("source", "")) is not None:
        s.what = "source"
        s.keys({"id", "file", "title", "publisher", "date"}, _PROV_KEYS)
        facts.source = Source(s.req("id"), s.req("file"), s.req("title"), s.req("publisher"), s.req("date"), s.prov())
    for section, (what, read, target) in _LIST_SECTIONS.items():
        getattr(facts, target).extend(read(r) for r in top.items(section, what))


def load_facts(directory: Path) -> Facts:
    """Read every ``*.yaml`` file of ``directory`` in name order.

    :raise FactError: on the first problem, located at file:line.
    """
    facts = Facts()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise FactError(str(directory), "no *.yaml fact files found")
    for path in files:
        _read_file(path, facts)
    if facts.source is None:
        raise FactError(str(directory), "no 'source' section: which article do the facts come from?")
    return facts
