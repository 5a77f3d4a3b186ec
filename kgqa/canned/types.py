"""The canned-query parameter types, each registered once: its name, its parser, its JSON schema.

A `# param:` line of a `.rq` file names one of these types (`kgqa/canned/registry.py` checks it),
a request's value is parsed into an RDF term by it (`kgqa/canned/params.py`), and `/openapi.json`
describes the parameter with its schema. Adding a type is one entry in `TYPES`.

A parser gets the value stripped of surrounding space, the declared parameter (its name goes into
every error message, its `choices` for an enum) and a `Context`, through which an `iri` value is
resolved against the graph (this module knows nothing of stores or of the registry).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from kgqa.errors import BadQuery
from kgqa.sparql.results import Term
from kgqa.vocab import XSD

if TYPE_CHECKING:
    from kgqa.canned.registry import Param

# Numbers longer than this cannot be stored by Oxigraph (64-bit integers, 128-bit decimals) anyway.
MAX_NUMBER_DIGITS = 40
DATE_PATTERN = r"\d{4}(-\d{2}(-\d{2})?)?"
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,6})?")
_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}


class Context(Protocol):
    """What a parser may ask of the query it binds for: an `iri` value resolved to an entity."""

    def resolve_iri(self, p: Param, value: str) -> ox.NamedNode: ...


Parse = Callable[[str, "Param", Context], Term]


@dataclass(frozen=True)
class ParamType:
    """One parameter type: its name in `# param:` lines, its parser, its JSON schema.

    `choices`: the type is written with its values, `enum(a|b|c)`, and its schema lists them.
    `classed`: a parameter of the type may name a class its values belong to (`iri kgqa:Organization`).
    """

    name: str
    parse: Parse
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    choices: bool = False
    classed: bool = False

    def json_schema(self, p: Param) -> dict[str, Any]:
        """The JSON schema of a declared parameter of this type (its enum values, its default)."""
        schema = dict(self.schema)
        if self.choices:
            schema["enum"] = list(p.choices)
        if p.default is not None:
            schema["default"] = p.default
        return schema


def _refuse(p: Param, message: str) -> BadQuery:
    return BadQuery(f"parameter {p.name!r} {message}", param=p.name)


def _iri(value: str, p: Param, ctx: Context) -> Term:
    return ctx.resolve_iri(p, value)


def _string(value: str, p: Param, ctx: Context) -> Term:
    return ox.Literal(value)


def _enum(value: str, p: Param, ctx: Context) -> Term:
    if value not in p.choices:
        raise _refuse(p, f"must be one of {', '.join(p.choices)}")
    return ox.Literal(value)


def _date(value: str, p: Param, ctx: Context) -> Term:
    if not re.fullmatch(DATE_PATTERN, value):
        raise _refuse(p, "must be an ISO date: 2024, 2024-03 or 2024-03-05")
    return ox.Literal(value)


def _boolean(value: str, p: Param, ctx: Context) -> Term:
    if value.lower() not in _BOOLEANS:
        raise _refuse(p, "must be true or false")
    return ox.Literal(_BOOLEANS[value.lower()], datatype=ox.NamedNode(XSD + "boolean"))


def _number_text(value: str) -> str:
    """A number as written by people (`2,500,000`, `2_500_000`) without its separators."""
    return value.replace(",", "").replace("_", "")


def _integer(value: str, p: Param, ctx: Context) -> Term:
    number = _number_text(value)
    # A bounded length: int() of more than 4300 digits raises (it was a 500),
    # and Oxigraph's xsd:integer is 64-bit, so longer numbers could never match anything.
    if not re.fullmatch(rf"[+-]?\d{{1,{MAX_NUMBER_DIGITS}}}", number):
        raise _refuse(p, f"must be an integer of at most {MAX_NUMBER_DIGITS} digits")
    return ox.Literal(str(int(number)), datatype=ox.NamedNode(XSD + "integer"))


def _decimal(value: str, p: Param, ctx: Context) -> Term:
    number = _number_text(value)
    try:
        if not _DECIMAL.fullmatch(number):
            raise InvalidOperation
        dec = Decimal(number)
    except InvalidOperation:
        raise _refuse(p, "must be a number such as 2500000000") from None
    # Written out in full below: without this bound "1e99999999" (11 bytes) became a 100 MB literal,
    # sent to a worker and echoed in the reply.
    if not dec:
        dec = Decimal(0)  # "0e-999999" is zero, and would be written with a million zeros
    elif not -MAX_NUMBER_DIGITS <= dec.adjusted() < MAX_NUMBER_DIGITS:
        raise _refuse(p, f"is out of range: at most {MAX_NUMBER_DIGITS} digits before or after the point")
    return ox.Literal(format(dec, "f"), datatype=ox.NamedNode(XSD + "decimal"))


TYPES: dict[str, ParamType] = {
    t.name: t
    for t in (
        ParamType("iri", _iri, {"type": "string", "description": "an IRI, a kgr: id or a name"}, classed=True),
        ParamType("string", _string),
        ParamType("decimal", _decimal, {"type": "number"}),
        ParamType("integer", _integer, {"type": "integer"}),
        ParamType("boolean", _boolean, {"type": "boolean"}),
        ParamType("date", _date, {"type": "string", "pattern": f"^{DATE_PATTERN}$"}),
        ParamType("enum", _enum, choices=True),
    )
}
# The types written by name alone in a `# param:` line (the others carry their values: `enum(a|b)`).
SIMPLE_TYPES: frozenset[str] = frozenset(name for name, t in TYPES.items() if not t.choices)
