"""The canned-query registry: `queries/*.rq` files, their headers parsed once into frozen dataclasses.

Each `.rq` file opens with a comment header:

    # name: round-lead
    # title: Lead investor of a start-up's round
    # description: Who led each round ...            (continuation lines: "#   more text")
    # param: startup iri kgqa:Organization "the start-up, by IRI or name"
    # param: roundType iri kgqa:RoundType "only this type" optional
    # param: limit integer default=10 "how many"
    # param: order enum(asc|desc) default=desc "sort order"
    # ask: who led {startup}'s round?

Parameter types (registered in `kgqa/canned/types.py`): `iri` (an entity: full IRI, prefixed name,
`kgr:` id, or a name resolved by the entity resolver hook), `string`, `decimal`, `integer`,
`boolean`, `date` (ISO 8601 string of reduced precision, as the ontology stores dates), `enum(a|b|c)`.
A parameter is optional when marked `optional` or given a `default=`. The catalog API,
`/openapi.json`, the editor, `kgqa query` and `/api/ask` all read the same registry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.canned.types import SIMPLE_TYPES, TYPES
from kgqa.errors import NotFound
from kgqa.sparql import canonical
from kgqa.sparql.policy import check_query
from kgqa.vocab import PREFIXES

log = logging.getLogger("kgqa")

_HEADER = re.compile(r"#\s*([A-Za-z][\w-]*)\s*:\s?(.*)$")
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(default=)"((?:[^"\\]|\\.)*)"|(\S+)')
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class QueryFileError(ValueError):
    """A canned-query file is malformed; the message names file and line."""


@dataclass(frozen=True)
class Param:
    """One declared parameter of a canned query."""

    name: str
    type: str  # a name in kgqa.canned.types.TYPES: iri | string | decimal | integer | boolean | date | enum
    help: str = ""
    cls: str | None = None  # class IRI an `iri` value should belong to (for name resolution)
    optional: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return not self.optional and self.default is None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "help": self.help, "required": self.required}
        if self.cls:
            out["class"] = self.cls
        if self.default is not None:
            out["default"] = self.default
        if self.choices:
            out["choices"] = list(self.choices)
        return out


@dataclass(frozen=True)
class CannedQuery:
    """A parsed `.rq` file: metadata from its header and the SPARQL text run as is."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    asks: tuple[str, ...]
    sparql: str
    form: str
    path: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "form": self.form,
            "parameters": [p.to_json() for p in self.params],
            "ask": list(self.asks),
            "sparql": self.sparql,
        }


def _expand(name: str, prefixes: Mapping[str, str]) -> str | None:
    """A prefixed name or <IRI> as a full IRI, or None if it is neither."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if ":" in name and "://" not in name:
        prefix, local = name.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local
        return None
    if "://" in name:
        return name
    return None


def _query_prefixes(sparql: str) -> dict[str, str]:
    return {**PREFIXES, **{(m.group(1) or ""): m.group(2) for m in _PREFIX_DECL.finditer(sparql)}}


_WITH_CHOICES = re.compile(r"(\w+)\((.*)\)")


def _parse_type(word: str, where: str) -> tuple[str, tuple[str, ...]]:
    """A param line's type: a name of `TYPES`, or a choice type with its values, `enum(a|b)`.

    :raise QueryFileError: an unknown type, or a choice type without values.
    """
    m = _WITH_CHOICES.fullmatch(word)
    if m and m.group(1) in TYPES and TYPES[m.group(1)].choices:
        choices = tuple(c.strip() for c in m.group(2).split("|") if c.strip())
        if not choices:
            raise QueryFileError(f"{where}: {m.group(1)}() needs values, e.g. {m.group(1)}(asc|desc)")
        return m.group(1), choices
    if word not in SIMPLE_TYPES:
        written = sorted(SIMPLE_TYPES) + [f"{t.name}(a|b)" for t in TYPES.values() if t.choices]
        raise QueryFileError(f"{where}: unknown parameter type {word!r} (expected one of {', '.join(written)})")
    return word, ()


def _parse_param(spec: str, prefixes: Mapping[str, str], where: str) -> Param:
    tokens = list(_TOKEN.finditer(spec))
    words = [m.group(4) for m in tokens[:2] if m.group(4)]
    if len(words) < 2:
        raise QueryFileError(f'{where}: a param line is `NAME TYPE [CLASS] "help" [optional] [default=V]`')
    name, ptype = words
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise QueryFileError(f"{where}: {name!r} is not a SPARQL variable name")
    ptype, choices = _parse_type(ptype, where)
    help_text, cls, optional, default = "", None, False, None
    for tok in tokens[2:]:
        if tok.group(1) is not None:
            help_text = tok.group(1).replace('\\"', '"')
        elif tok.group(2):
            default = tok.group(3).replace('\\"', '"')
        else:
            word = tok.group(4)
            if word == "optional":
                optional = True
            elif word.startswith("default="):
                default = word[len("default=") :]
            elif cls is None and (expanded := _expand(word, prefixes)) is not None:
                cls = expanded
            else:
                raise QueryFileError(f"{where}: unexpected {word!r} in the param line (unknown prefix?)")
    if cls and not TYPES[ptype].classed:
        classed = " and ".join(t.name for t in TYPES.values() if t.classed)
        raise QueryFileError(f"{where}: only {classed} parameters take a class")
    if default is not None and choices and default not in choices:
        raise QueryFileError(f"{where}: default {default!r} is not one of {', '.join(choices)}")
    return Param(name, ptype, help_text, cls, optional, default, choices)


def _body_variables(sparql: str) -> set[str]:
    return {t.value[1:] for t in canonical.read(sparql).tokens if t.kind == "var"}


@dataclass
class _Header:
    """The comment header of a `.rq` file as read, before its checks."""

    meta: dict[str, str] = field(default_factory=dict)
    params: list[Param] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)


def _read_header(path: Path, text: str) -> _Header:
    """The header's lines up to the first non-comment line; continuation lines extend title/description.

    :raise QueryFileError: a bad `param:` line or a `name:`/`title:`/`description:` given twice.
    """
    prefixes = _query_prefixes(text)
    header = _Header()
    last_key: str | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            last_key = None
            continue
        m = _HEADER.match(stripped)
        if m:
            last_key = m.group(1).lower()
            _add_header_line(header, last_key, m.group(2).strip(), prefixes, f"{path}:{lineno}")
        elif last_key in {"description", "title"} and stripped.lstrip("#").strip():
            header.meta[last_key] += " " + stripped.lstrip("#").strip()  # continuation line
    return header


def _add_header_line(header: _Header, key: str, value: str, prefixes: Mapping[str, str], where: str) -> None:
    if key == "param":
        header.params.append(_parse_param(value, prefixes, where))
    elif key == "ask":
        header.asks.append(value)
    elif key in {"name", "title", "description"}:
        if key in header.meta:
            raise QueryFileError(f"{where}: `{key}:` given twice")
        header.meta[key] = value
    else:
        header.extra.append((key, value))


def _check_header(path: Path, header: _Header, text: str) -> None:
    """:raise QueryFileError: no name or title, a name that is not the file stem, a parameter
    declared twice or not used, an `ask:` placeholder that is not a parameter."""
    where, meta = str(path), header.meta
    for key in ("name", "title"):
        if not meta.get(key):
            raise QueryFileError(f"{where}: the header has no `# {key}:` line")
    if meta["name"] != path.stem:
        raise QueryFileError(f"{where}: `# name: {meta['name']}` must equal the file name {path.stem!r}")
    if not _NAME.fullmatch(meta["name"]):
        raise QueryFileError(f"{where}: name {meta['name']!r} must be lower-case letters, digits and '-'")
    names = [p.name for p in header.params]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{where}: a parameter is declared twice")
    used = _body_variables(text)
    for name in names:
        if name not in used:
            raise QueryFileError(f"{where}: parameter {name!r} is not a variable of the query (?{name})")
    for ask in header.asks:
        for placeholder in re.findall(r"\{(\w+)\}", ask):
            if placeholder not in names:
                raise QueryFileError(f"{where}: `ask:` pattern uses {{{placeholder}}}, which is not a parameter")


def parse_file(path: str | Path) -> CannedQuery:
    """Parse one `.rq` file.

    :raise QueryFileError: bad header, name not the file stem, or a parameter the query never uses.
    :raise ApiError: the SPARQL itself is invalid or not allowed (policy).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    header = _read_header(path, text)
    _check_header(path, header, text)
    checked = check_query(text, max_bytes=1 << 20)
    missing = [p.name for p in header.params if checked.projection is not None and p.name not in checked.projection]
    if missing:
        raise QueryFileError(
            f"{path}: parameter {missing[0]!r} must be in the SELECT clause, so that every "
            "row says which entity it answers for"
        )
    return CannedQuery(
        name=header.meta["name"],
        title=header.meta["title"],
        description=header.meta.get("description", ""),
        params=tuple(header.params),
        asks=tuple(header.asks),
        sparql=text,
        form=checked.form,
        path=str(path),
        extra=tuple(header.extra),
    )


class Registry:
    """All canned queries by name, in file-name order."""

    def __init__(self, queries: Sequence[CannedQuery]) -> None:
        self.queries: dict[str, CannedQuery] = {q.name: q for q in sorted(queries, key=lambda q: q.name)}

    @classmethod
    def from_directory(cls, directory: str | Path | None) -> Registry:
        """Load every `*.rq` in `directory` (a missing directory gives an empty registry, logged)."""
        if not directory or not Path(directory).is_dir():
            log.warning("no canned-query directory at %s; the catalog is empty", directory)
            return cls([])
        queries = [parse_file(p) for p in sorted(Path(directory).glob("*.rq"))]
        log.info("loaded %d canned queries from %s", len(queries), directory)
        return cls(queries)

    def __iter__(self) -> Iterator[CannedQuery]:
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def __contains__(self, name: object) -> bool:
        return name in self.queries

    def get(self, name: str) -> CannedQuery:
        """:raise NotFound 404: if there is no canned query of that name."""
        try:
            return self.queries[name]
        except KeyError:
            raise NotFound(f"no canned query named {name!r}; GET /api/queries lists them", query=name) from None
