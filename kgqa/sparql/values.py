"""Parameters as a VALUES block placed at the start of a query's WHERE group (remote stores, shown SPARQL)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kgqa.sparql import canonical
from kgqa.sparql.results import Term

_IRI_AHEAD = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_]+")


def _group_start(sparql: str) -> int:
    """Index just after the `{` that opens the query's WHERE group.

    A small lexer (comments, strings and IRIs skipped) rather than a regex, so that braces or `#`
    inside an IRI, a string or a comment cannot move the insertion point. For CONSTRUCT with a
    template, the WHERE group is the first `{` after the template's matching `}`.

    :raise ValueError: if the query has no group (it would not be valid SPARQL).
    """
    i, n = 0, len(sparql)
    form: str | None = None
    depth = 0
    template_done = False
    while i < n:
        c = sparql[i]
        if c == "#":
            j = sparql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            quote = sparql[i : i + 3] if sparql[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not sparql.startswith(quote, j):
                j += 2 if sparql[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = _IRI_AHEAD.match(sparql, i)
            if m:
                i = m.end()
                continue
        if form is None and (c.isalpha()):
            m = _WORD.match(sparql, i)
            assert m is not None
            word = m.group(0).upper()
            if word in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}:
                form = word
            i = m.end()
            continue
        if c == "{":
            if form == "CONSTRUCT" and not template_done:
                depth += 1
            else:
                return i + 1
        elif c == "}" and form == "CONSTRUCT" and not template_done:
            depth -= 1
            if depth == 0:
                template_done = True
        elif (
            form == "CONSTRUCT"
            and not template_done
            and depth == 0
            and c.isalpha()
            and sparql[i : i + 5].upper() == "WHERE"
        ):
            template_done = True  # CONSTRUCT WHERE { ... }: the short form has no template
            i += 5
            continue
        i += 1
    raise ValueError("no WHERE group found in the query")


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
