"""The service's settings: a typed, frozen `Settings`, read once from `KGQA_*` variables and options.

One field per setting, with its type, default and a one-line doc (pySHACL's one-place defaults).
The environment variable of a field is its name in capitals after `KGQA_` (`query_timeout` is
`KGQA_QUERY_TIMEOUT`), and its type annotation says how a string from the environment is read, so
adding a setting is adding a field. Precedence, lowest first: the defaults here, `KGQA_*`
environment variables, explicit options (the mapping given to `create_app()`, `kgqa serve` options).
A bad value stops start-up with a `SettingsError` naming the variable, instead of failing later in
a request.
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout: kg/dist, ontology/, queries/
ENV_PREFIX = "KGQA_"

# Lower bounds a number may have (the `bound` of `setting()`): what the check says, and the test.
_BOUNDS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "positive": ("more than 0", lambda v: v > 0),
    "non-negative": ("0 or more", lambda v: v >= 0),
}


class SettingsError(ValueError):
    """A setting has a value of the wrong type or out of range; the message names the variable."""


def setting(default: Any, doc: str, *, bound: str | None = None) -> Any:
    """A `Settings` field: its default, the one-line doc the README table mirrors, a lower bound."""
    assert bound is None or bound in _BOUNDS, bound
    return field(default=default, metadata={"doc": doc, "bound": bound})


@dataclass(frozen=True)
class Settings:
    """Every setting of the service, typed and checked; built once (`Settings.load`) and never changed.

    Building one (also through `dataclasses.replace`) reads strings as the annotation says and
    checks bounds, so a `Settings` that exists is a valid one.
    """

    data_files: tuple[str, ...] = setting(
        (str(REPO_ROOT / "kg" / "dist" / "kgqa-kg.trig"),),
        "The built graph (a TriG dataset with the asserted and inferred named graphs); several are "
        "separated by the path separator (`:`).",
    )
    ontology: str | None = setting(
        str(REPO_ROOT / "ontology" / "kgqa.ttl"), "The TBox, loaded into the ontology named graph; empty: none."
    )
    queries_dir: str = setting(str(REPO_ROOT / "queries"), "The directory of the canned queries (`*.rq`).")
    store_dir: str | None = setting(
        None, "A persistent pyoxigraph store (`kgqa load --store DIR`); opened read-only, never re-parsed."
    )
    endpoint: str | None = setting(None, "A remote SPARQL 1.1 query endpoint instead of the embedded store.")
    query_timeout: float = setting(
        10.0, "Seconds a query may take, its policy check and the wait for a worker included.", bound="positive"
    )
    max_rows: int = setting(10_000, "Rows a result keeps at most; the rest is cut and flagged.", bound="positive")
    max_result_bytes: int = setting(
        8 * 1024 * 1024,
        "Result size per request, in bytes of the serialised reply; cut at a row boundary and flagged like "
        "the row cap. Whole-graph downloads (/graph, /store, /ontology) have neither limit. 0: no limit.",
        bound="non-negative",
    )
    max_query_bytes: int = setting(64 * 1024, "Bytes a query's text may have.", bound="positive")
    workers: int = setting(
        2,
        "Query worker processes (embedded store). More workers than cores only helps when queries wait "
        "on I/O, which an in-memory store does not.",
        bound="positive",
    )
    reserved_workers: int = setting(
        1,
        "Query workers beyond `workers` that only the service's own queries use (questions, canned "
        "queries, entity pages, labels), so a few slow /sparql queries cannot starve /api/ask. Each "
        "costs one more copy of an in-memory store. 0: none.",
        bound="non-negative",
    )
    worker_memory_mb: int = setting(
        4096,
        "Memory one query worker may use (store included), in MiB; a query that needs more is stopped "
        "with a 503 like a timeout. 0 turns the limit off.",
        bound="non-negative",
    )
    cors: bool = setting(True, "Send `Access-Control-Allow-Origin: *` (without credentials).")
    public_url: str | None = setting(
        None,
        "The URL clients reach the service at (e.g. behind a reverse proxy), where the service names "
        "itself (sd:endpoint, /openapi.json). Unset: the bound address; the Host header is never used.",
    )
    connection_limit: int = setting(1000, "`kgqa serve`: open connections at most.", bound="positive")
    idle_timeout: float = setting(
        15.0, "`kgqa serve`: seconds an idle keep-alive connection stays open.", bound="positive"
    )
    header_timeout: float = setting(
        10.0, "`kgqa serve`: seconds a request's headers may take to arrive.", bound="positive"
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _coerce(f, _hints()[f.name], getattr(self, f.name)))

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from the defaults, `KGQA_*` variables of `environ` (default: the process's
        environment) and `overrides` (keyed by variable name, like the environment), highest last.

        Variables of `environ` that name no setting are left alone (tests use `KGQA_TEST_*`); a key of
        `overrides` that names none is a mistake and refused. A variable an override replaces is
        not read at all, so a good option mends a bad variable.

        :raise SettingsError: naming the variable with a bad value, or the unknown override.
        """
        environ = os.environ if environ is None else environ
        values = {var: environ[var] for var in env_names() if var in environ}
        values.update(_known(overrides or {}))
        return cls(**{env_names()[var]: value for var, value in values.items()})

    def merged(self, overrides: Mapping[str, Any]) -> Settings:
        """These settings with `overrides` (keyed by `KGQA_*` variable name) on top.

        :raise SettingsError: for a key that names no setting, or a bad value.
        """
        fields = {env_names()[var]: value for var, value in _known(overrides).items()}
        return dataclasses.replace(self, **fields) if fields else self


def env_name(name: str) -> str:
    """The environment variable of the field `name`: `query_timeout` -> `KGQA_QUERY_TIMEOUT`."""
    return ENV_PREFIX + name.upper()


@cache
def env_names() -> dict[str, str]:
    """Every setting's environment variable, to its field name, in field order."""
    return {env_name(f.name): f.name for f in dataclasses.fields(Settings)}


def _known(overrides: Mapping[str, Any]) -> Mapping[str, Any]:
    """`overrides`, once each key is known to name a setting.

    :raise SettingsError: naming the keys that do not (a typo would otherwise go unnoticed).
    """
    unknown = sorted(k for k in overrides if k not in env_names())
    if unknown:
        raise SettingsError(f"unknown setting {', '.join(unknown)}; known: {', '.join(env_names())}")
    return overrides


@cache
def _hints() -> dict[str, Any]:
    """The fields' annotations as types (they are strings under `from __future__ import annotations`)."""
    return typing.get_type_hints(Settings)


# The words a yes/no setting may be (case and spaces aside); set but empty is off, as it always was.
_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
_BOOL_WORDS[""] = False


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word not in _BOOL_WORDS:
        raise ValueError(f"not one of {', '.join(w for w in _BOOL_WORDS if w)}")
    return _BOOL_WORDS[word]


def _parse_paths(text: str) -> tuple[str, ...]:
    return tuple(p for p in text.split(os.pathsep) if p)


# How an environment string becomes each base type; a value already of the type is kept as it is.
_PARSERS: dict[type, tuple[str, Callable[[str], Any]]] = {
    bool: ("yes or no (1/0, true/false, on/off)", _parse_bool),
    int: ("a whole number", lambda text: int(text.strip())),
    float: ("a number", lambda text: float(text.strip())),
    str: ("text", str),
    tuple: (f"paths separated by {os.pathsep!r}", _parse_paths),
}


def _split_optional(hint: Any) -> tuple[type, bool]:
    """(base type, whether None is allowed) of an annotation such as `str | None` or `tuple[str, ...]`."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (base,) = [a for a in args if a is not type(None)]
        return _split_optional(base)[0], True
    return typing.get_origin(hint) or hint, False


def _already(base: type, value: Any) -> Any:
    """`value` as `base` when it is one already (a mapping given in code), else None."""
    if base is bool:
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None  # True is an int to Python, but never a count or a number of seconds
    if base is float and isinstance(value, int | float):
        return float(value)
    if base is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if base is str and isinstance(value, os.PathLike):
        return os.fspath(value)
    if base is tuple and isinstance(value, list | tuple) and all(isinstance(v, str | os.PathLike) for v in value):
        return tuple(os.fspath(v) for v in value)
    return value if isinstance(value, base) else None


def _coerce(f: dataclasses.Field, hint: Any, value: Any) -> Any:
    """The value of field `f` as its type, read from a string if need be, and within its bound.

    :raise SettingsError: naming the field's variable.
    """
    var = env_name(f.name)
    base, optional = _split_optional(hint)
    what, parse = _PARSERS[base]
    if value is None or (optional and value == ""):
        if optional:
            return None
        raise SettingsError(f"{var} must be {what}, not empty")
    typed = _already(base, value)
    if typed is None:
        if not isinstance(value, str):
            raise SettingsError(f"{var} must be {what}, got {value!r}")
        try:
            typed = parse(value)
        except ValueError:
            raise SettingsError(f"{var} must be {what}, got {value!r}") from None
    if base is float and not math.isfinite(typed):
        raise SettingsError(f"{var} must be a finite number, got {value!r}")
    bound = f.metadata.get("bound")
    if bound is not None:
        says, holds = _BOUNDS[bound]
        if not holds(typed):
            raise SettingsError(f"{var} must be {says}, got {value!r}")
    return typed
