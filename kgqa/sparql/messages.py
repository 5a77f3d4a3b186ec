"""The engine's error messages turned into sentences a client can act on."""

from __future__ import annotations

import re

_SYNTAX = re.compile(r"error at (\d+):(\d+)(?:-\d+:\d+)?:\s*(.*)", re.S)


def syntax_message(raw: str) -> str:
    """Turn Oxigraph's "error at 1:26: expected ..." into a sentence with line and column."""
    m = _SYNTAX.search(raw)
    if m:
        return f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3).strip()}"
    return f"SPARQL syntax error: {raw.strip()}"


_CUSTOM_FUNCTION = re.compile(r"The custom function (<[^>]*>) is not supported")


def refused_message(message: str) -> str:
    """The client's sentence for an evaluation error of Oxigraph's (e.g. an unknown function)."""
    m = _CUSTOM_FUNCTION.search(message)
    if m:
        return (
            f"the query calls the function {m.group(1)}, which this endpoint does not support "
            f"(the engine said: {message.strip()}); use SPARQL 1.1's built-in functions"
        )
    return f"the engine could not evaluate this query: {message.strip()}"
