"""Parameters as a VALUES block placed at the start of a query's WHERE group (remote stores, shown SPARQL)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from kgqa.sparql import canonical
from kgqa.sparql.results import Term


def _group_start(sparql: str) -> int:
    """Index just after the `{` that opens the query's WHERE group.

    Read with the policy's own lexer (`canonical.read`), so that braces or `#` inside an IRI, a
    string or a comment cannot move the insertion point. For CONSTRUCT with a template, the WHERE
    group is the first `{` after the template's matching `}`.

    :raise ValueError: if the query has no group (it would not be valid SPARQL).
    """
    tokens = canonical.read(sparql).tokens
    start = 0
    for i, token in enumerate(tokens):
        if token.kind == "word" and token.value in canonical.FORMS:
            if token.value == "CONSTRUCT" and i + 1 < len(tokens) and tokens[i + 1].text == "{":
                start = _matching_close(tokens, i + 1) + 1
            break
    for token in tokens[start:]:
        if token.kind == "punct" and token.text == "{":
            return token.start + 1
    raise ValueError("no WHERE group found in the query")


def _matching_close(tokens: Sequence[canonical.Token], open_at: int) -> int:
    """Index of the `}` that closes the `{` at `open_at` (the end when it is never closed)."""
    depth = 0
    for j in range(open_at, len(tokens)):
        if tokens[j].kind == "punct" and tokens[j].text in ("{", "}"):
            depth += 1 if tokens[j].text == "{" else -1
            if depth == 0:
                return j
    return len(tokens)


def values_block(bindings: Mapping[str, Term]) -> str:
    """A VALUES block whose terms are written in canonical form (`kgqa.sparql.canonical.write_term`).

    Terms are objects, never user text: a literal full of quotes, braces and `#` is escaped and
    stays one literal, and the block keeps the canonical text's guarantees (no comment, no bare
    CR, no `\\u` escape), so a remote engine reads it as the embedded one does.

    :raise BadQuery 400: a value `write_term` cannot write safely.
    """
    names = list(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
    variables = " ".join(f"?{n}" for n in names)
    row = " ".join(canonical.write_term(bindings[n]) for n in names)
    return f" VALUES ({variables}) {{ ({row}) }} "


def inject_values(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with `bindings` as a VALUES block at the start of its WHERE group.

    At the start rather than after the query: a trailing VALUES is joined after grouping, so a
    binding of a variable that is aggregated away would not restrict the groups.
    """
    if not bindings:
        return sparql
    at = _group_start(sparql)
    return sparql[:at] + values_block(bindings) + sparql[at:]
