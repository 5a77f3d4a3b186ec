"""The one reading of a query's text: SPARQL tokens, and the canonical text that is run.

Why this exists: the read-only policy used to read a query with one parser (rdflib, plus regular
expressions) while Oxigraph ran it, and the two disagreed about comments ended by a bare carriage
return and about `\\u` escapes, so a SERVICE clause hidden from the checker still reached the
network. Two parsers will always disagree somewhere. So the text is read once, here, into tokens;
every decision of the policy is taken on those tokens; and the engine is handed the text written
back from exactly those tokens, never the client's text. Whatever this lexer gets wrong, the
engine runs what the policy saw.

The canonical text is written so that any SPARQL lexer splits it the same way:
- no comments (a comment becomes nothing; the line end after it stays);
- line ends are `\\n` only, never a bare `\\r`;
- no `\\u`/`\\U` escape anywhere: escapes in strings and IRIs are decoded, and strings are
  written back with only `\\\\ \\" \\n \\r` escaped (a backslash in a value is written as two, so
  a `u` after it starts no escape);
- every other token is written as it was, with the same spacing, so `-1` stays one literal and
  `?x<?y` stays what it was.

Escapes follow the engine (Oxigraph), which decodes `\\u` and `\\U` inside strings and IRIs only, one
code point per `\\u` + 4 or `\\U` + 8 hex digits. The SPARQL 1.1 text (§19.2) expands them anywhere
before parsing; Oxigraph refuses them outside strings and IRIs, and so does this lexer (400), so no
query means one thing here and another there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kgqa.errors import BadQuery, Forbidden
from kgqa.vocab import XSD_STRING

# --- the SPARQL 1.1 terminals (Query §19.8), as regular expressions ---------------------------

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXPONENT = r"[eE][+-]?[0-9]+"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_IRI_CHAR = r'[^<>"{}|^`\\\x00-\x20]'

# Order matters where two could match at one place: an IRI before `<`, a prefixed name before a
# keyword (`a:b` is not the keyword `a`), a double before a decimal before an integer.
_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>[ \t\r\n]+)",
            r"(?P<comment>#[^\r\n]*)",
            f"(?P<iri><(?:{_IRI_CHAR}|{_UCHAR})*>)",
            r'(?P<string>"""|\'\'\'|"|\')',
            f"(?P<var>[?$]{_VARNAME})",
            f"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
            f"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            f"(?P<number>[0-9]+\\.[0-9]*{_EXPONENT}|\\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}|[0-9]*\\.[0-9]+|[0-9]+)",
            r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
            r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*/|^+\-!=<>?])",
        ]
    )
)
_STRING_BODY = {
    '"': re.compile(r'(?:[^"\\\n\r]|\\.)*"', re.S),
    "'": re.compile(r"(?:[^'\\\n\r]|\\.)*'", re.S),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S),
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.S),
}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_IRI_OK = re.compile(f"{_IRI_CHAR}*")
# A backslash that is not itself escaped, before a u: the start of a \\u escape.
_UNESCAPED_U = re.compile(r"(?<!\\)(?:\\\\)*\\[uU]")


@dataclass(frozen=True)
class Token:
    """One terminal: its kind, its canonical text, and where it starts in the client's text.

    `value` is what it means: the decoded IRI or string, the upper-cased keyword, the variable name.
    """

    kind: str  # iri string var bnode pname number langtag word punct
    text: str
    value: str
    start: int


@dataclass(frozen=True)
class Reading:
    """A query read once: its tokens, the canonical text written from them, and what they say."""

    tokens: tuple[Token, ...]
    text: str


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _decode(body: str, text: str, start: int, *, echar: bool) -> str:
    """Escapes decoded left to right in one pass, as the engine does (`"\\\\u0041"` is `\\u0041`)."""

    def one(m: re.Match[str]) -> str:
        hex_digits = m.group(1) or m.group(2)
        if hex_digits is not None:
            code = int(hex_digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise BadQuery(
                    f"SPARQL syntax error at {_position(text, start + m.start())}: {m.group(0)} is not a Unicode "
                    "code point (surrogates are not allowed: write the character itself)"
                )
            return chr(code)
        if echar and m.group(3) in _ECHAR:
            return _ECHAR[m.group(3)]
        raise BadQuery(f"SPARQL syntax error at {_position(text, start + m.start())}: unknown escape {m.group(0)!r}")

    return _ESCAPE.sub(one, body)


def write_string(value: str) -> str:
    """A string literal any SPARQL lexer reads as `value`: only `\\\\ \\" \\n \\r` escaped.

    A backslash in the value is written as two, so a `u` after it never starts an escape: the
    text holds no `\\u` escape by the rule Java-style lexers apply before lexing (an escape needs
    an even number of backslashes before it), and none by Oxigraph's.
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def write_term(term: object) -> str:
    """An RDF term as SPARQL in canonical form (what `read` would write back for it).

    Used for the values of canned-query parameters, so that the text sent to a store keeps the
    guarantees above whatever a client typed.

    :raise BadQuery 400: an IRI with a character IRIs may not contain.
    :raise TypeError: not a pyoxigraph NamedNode or Literal.
    """
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        if not _IRI_OK.fullmatch(term.value):
            raise BadQuery(f"the IRI <{term.value}> holds a character IRIs may not contain")
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{write_string(term.value)}@{term.language}"
        if term.datatype.value == XSD_STRING:
            return write_string(term.value)
        return f"{write_string(term.value)}^^{write_term(term.datatype)}"
    raise TypeError(f"cannot write {type(term).__name__} as a SPARQL term")


def read(text: str) -> Reading:
    """Split `text` into SPARQL tokens and write the canonical text back from them.

    :raise BadQuery 400: a character no SPARQL token can start with, an unterminated string, a bad
        escape, or an escape outside a string or IRI; each with its line and column.
    """
    tokens: list[Token] = []
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        m = _TOKEN.match(text, i)
        if m is None:
            where = _position(text, i)
            if text.startswith(("\\u", "\\U"), i):
                raise BadQuery(
                    f"SPARQL syntax error at {where}: \\u and \\U escapes are only read inside strings and "
                    "IRIs; write the character itself"
                )
            raise BadQuery(f"SPARQL syntax error at {where}: unexpected character {text[i]!r}")
        kind = m.lastgroup
        assert kind is not None
        end = m.end()
        if kind == "ws":
            out.append(m.group(0).replace("\r\n", "\n").replace("\r", "\n"))
        elif kind == "comment":
            pass
        elif kind == "string":
            quote = m.group(0)
            body = _STRING_BODY[quote].match(text, end)
            if body is None:
                raise BadQuery(f"SPARQL syntax error at {_position(text, i)}: a string that is never closed")
            end = body.end()
            value = _decode(text[m.end() : end - len(quote)], text, m.end(), echar=True)
            tokens.append(Token("string", write_string(value), value, i))
            out.append(tokens[-1].text)
        elif kind == "iri":
            value = _decode(m.group(0)[1:-1], text, i + 1, echar=False)
            if not _IRI_OK.fullmatch(value):
                raise BadQuery(
                    f"SPARQL syntax error at {_position(text, i)}: the IRI <{value}> holds a character IRIs may "
                    "not contain, even escaped"
                )
            tokens.append(Token("iri", f"<{value}>", value, i))
            out.append(tokens[-1].text)
        else:
            word = m.group(0)
            value = word.upper() if kind == "word" else word
            tokens.append(Token(kind, word, value, i))
            out.append(word)
        i = end
    canonical = "".join(out).strip()
    # The promise above, checked on the result rather than trusted to the code that wrote it.
    if "\r" in canonical or _UNESCAPED_U.search(canonical):
        raise BadQuery("this query could not be written in canonical form; it was not run")
    return Reading(tokens=tuple(tokens), text=canonical)


# --- what the tokens say -----------------------------------------------------------------------

FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_REFUSED = "SPARQL Update is not allowed: this endpoint is read-only"
UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


def refuse_service(reading: Reading) -> None:
    """:raise Forbidden 403: the keyword SERVICE anywhere (a keyword, not a name, string or IRI)."""
    for token in reading.tokens:
        if token.kind == "word" and token.value == "SERVICE":
            raise Forbidden("SERVICE (federated query) is not allowed: this endpoint only answers from its own data")


def _prologue_end(tokens: Sequence[Token]) -> int:
    """Index of the first token after BASE and PREFIX declarations."""
    i = 0
    while i < len(tokens) and tokens[i].kind == "word" and tokens[i].value in {"BASE", "PREFIX"}:
        i += 2 if tokens[i].value == "BASE" else 3
    return i


def query_form(reading: Reading) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, or None when the text starts with something else.

    :raise Forbidden 403: the text is a SPARQL Update (it starts with an update operation).
    """
    tokens = reading.tokens
    i = _prologue_end(tokens)
    if i >= len(tokens):
        # Only comments and declarations: not a query, but a valid (empty) SPARQL Update.
        raise Forbidden(
            "the text holds no query, only comments or declarations; as SPARQL it is an (empty) update, and "
            + UPDATE_REFUSED
        )
    if tokens[i].kind != "word":
        return None
    if tokens[i].value in UPDATE_WORDS:
        raise Forbidden(UPDATE_REFUSED)
    return tokens[i].value if tokens[i].value in FORMS else None


def projection(reading: Reading) -> tuple[str, ...] | None:
    """The variables a SELECT projects, in order; None for `SELECT *` and for the other forms."""
    tokens = reading.tokens
    i = _prologue_end(tokens)
    if i >= len(tokens) or tokens[i].value != "SELECT":
        return None
    names: list[str] = []
    depth = 0
    for j in range(i + 1, len(tokens)):
        t = tokens[j]
        if depth == 0 and (t.text == "{" or t.value in {"WHERE", "FROM"}):
            break
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.text == "*" and depth == 0:
            return None
        elif t.kind == "var" and (depth == 0 or tokens[j - 1].value == "AS"):
            names.append(t.value[1:])
    return tuple(names)


def iri_values(reading: Reading, base: str) -> tuple[str | None, ...]:
    """Per token, the absolute IRI an `iri` or `pname` token names (None for other tokens).

    Resolved as the engine resolves them: prefixed names with the query's own PREFIX declarations
    (as declared so far), relative IRIs against its BASE (as declared so far) or `base`. A prefixed
    name whose prefix the query never declares keeps its own text (`bif:http_get`): that is how a
    store with predefined prefixes (Virtuoso's `bif:`, `sql:`) would read it.
    """
    tokens = reading.tokens
    prefixes: dict[str, str] = {}
    current = base
    values: list[str | None] = [None] * len(tokens)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "word" and t.value == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            current = resolve(tokens[i + 1].value, current)
            values[i + 1] = current
            i += 2
            continue
        if t.kind == "word" and t.value == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].value[:-1]] = values[i + 2] = resolve(tokens[i + 2].value, current)
            i += 3
            continue
        if t.kind == "iri":
            values[i] = resolve(t.value, current)
        elif t.kind == "pname":
            prefix, _, local = t.value.partition(":")
            local = re.sub(r"\\(.)", r"\1", local)
            values[i] = prefixes[prefix] + local if prefix in prefixes else f"{prefix}:{local}"
        i += 1
    return tuple(values)


def dataset_clauses(reading: Reading, base: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The IRIs of the query's FROM and FROM NAMED clauses, resolved as the engine resolves them.

    Prefixed names are expanded with the query's own PREFIX declarations and relative IRIs
    resolved against its BASE, or `base` when it has none (`iri_values`); a prefixed name with an
    undeclared prefix names nothing (the engine refuses the query).
    """
    tokens = reading.tokens
    iris = iri_values(reading, base)
    default: list[str] = []
    named: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.text == "{":
            break  # dataset clauses come before the WHERE group; sub-queries have none
        if t.kind == "word" and t.value == "FROM":
            target = named if i + 1 < len(tokens) and tokens[i + 1].value == "NAMED" else default
            j = i + 2 if target is named else i + 1
            if j < len(tokens) and (tokens[j].kind == "iri" or _declared(tokens[j], iris[j])):
                target.append(iris[j])  # type: ignore[arg-type]
            i = j + 1
            continue
        i += 1
    return tuple(default), tuple(named)


def _declared(token: Token, iri: str | None) -> bool:
    """A prefixed name whose prefix the query declared (its IRI is not just its own text)."""
    return token.kind == "pname" and iri is not None and iri != token.value


# --- function calls: which names a query calls as functions ------------------------------------

# In a group pattern, only these open an expression (a FILTER constraint, a BIND); everywhere
# else in a group a `(` opens a collection, a path group or a VALUES row.
_EXPRESSION_OPENERS = frozenset({"FILTER", "BIND"})
# Clauses with no triple patterns in them, only expressions: from these to the end of their group
# (a sub-query's select clause and its solution modifiers), but for LIMIT/OFFSET/VALUES.
_EXPRESSION_CLAUSES = frozenset({"SELECT", "GROUP", "HAVING", "ORDER"})
_CLAUSE_ENDS = frozenset({"LIMIT", "OFFSET", "VALUES"})


@dataclass
class _Level:
    """One open bracket: is it an expression's, and is the rest of its group an expression clause."""

    expression: bool
    clause: bool = False


def function_calls(reading: Reading, base: str) -> list[tuple[str, Token]]:
    """The IRIs a query calls as functions (`<f>(...)`, `p:f(...)`), resolved, with their tokens.

    SPARQL 1.1's own functions are keywords (`STR(...)`), so a call by IRI is always an extension
    function: an XSD cast (§17.5), or the engine's own (Virtuoso's `bif:`, Jena's `afn:`). A name
    directly followed by `(` is a call only where an expression is: inside FILTER and BIND, in a
    select clause and in GROUP BY / HAVING / ORDER BY, and in the arguments of any call. In a
    triple pattern the same tokens mean something else: `?s :p (1 2)` is a predicate and a
    collection, `<s> (:p|:q) ?o` a subject and a path; neither calls anything. After `^^` a name
    is a datatype, never a call.
    """
    tokens = reading.tokens
    iris = iri_values(reading, base)
    levels = [_Level(expression=False)]
    calls: list[tuple[str, Token]] = []
    for i, t in enumerate(tokens):
        top = levels[-1]
        in_expression = top.expression or top.clause
        before = tokens[i - 1] if i > 0 else None
        after_filter = before is not None and before.kind == "word" and before.value == "FILTER"
        if t.kind in {"iri", "pname"} and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            if (in_expression or after_filter) and not (before is not None and before.text == "^^"):
                calls.append((iris[i] or t.value, t))
        elif t.kind == "word" and t.value in _EXPRESSION_CLAUSES:
            top.clause = True
        elif t.kind == "word" and t.value in _CLAUSE_ENDS:
            top.clause = False
        elif t.kind == "punct" and t.text == "(":
            levels.append(_Level(expression=in_expression or _opens_expression(tokens, i)))
        elif t.kind == "punct" and t.text in {"{", "["}:
            levels.append(_Level(expression=False))
        elif t.kind == "punct" and t.text in _CLOSERS and len(levels) > 1:
            levels.pop()
    return calls


def _opens_expression(tokens: Sequence[Token], i: int) -> bool:
    """In a group pattern, does the `(` at `i` open an expression: `FILTER (`, `BIND (`, or the
    arguments of a call right after FILTER (`FILTER REGEX(`, `FILTER <f>(`)?"""
    if i == 0:
        return False
    before = tokens[i - 1]
    if before.kind == "word" and before.value in _EXPRESSION_OPENERS:
        return True
    two_before = tokens[i - 2] if i > 1 else None
    return (
        before.kind in {"word", "iri", "pname"}
        and two_before is not None
        and two_before.kind == "word"
        and two_before.value == "FILTER"
    )


# --- relative IRIs (RFC 3986 §5.2), the way the engine resolves them ---------------------------

_IRI_PARTS = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S)


def _remove_dots(path: str) -> str:
    out: list[str] = []
    while path:
        if path.startswith(("../", "./")):
            path = path[path.index("/") + 1 :]
        elif path.startswith("/./") or path == "/.":
            path = "/" + path[3:]
        elif path.startswith("/../") or path == "/..":
            path = "/" + path[4:]
            if out:
                out.pop()
        elif path in {".", ".."}:
            path = ""
        else:
            m = re.match(r"/?[^/]*", path)
            assert m is not None
            out.append(m.group(0))
            path = path[m.end() :]
    return "".join(out)


def resolve(reference: str, base: str) -> str:
    """`reference` resolved against the absolute IRI `base` (RFC 3986 §5.2.2, strict)."""
    scheme, authority, path, query, fragment = _IRI_PARTS.match(reference).groups()  # type: ignore[union-attr]
    if scheme is not None:
        return _join(scheme, authority, _remove_dots(path), query, fragment)
    b_scheme, b_authority, b_path, b_query, _ = _IRI_PARTS.match(base).groups()  # type: ignore[union-attr]
    if authority is not None:
        return _join(b_scheme, authority, _remove_dots(path), query, fragment)
    if path == "":
        return _join(b_scheme, b_authority, b_path, query if query is not None else b_query, fragment)
    if path.startswith("/"):
        return _join(b_scheme, b_authority, _remove_dots(path), query, fragment)
    merged = "/" + path if b_authority is not None and b_path == "" else b_path[: b_path.rfind("/") + 1] + path
    return _join(b_scheme, b_authority, _remove_dots(merged), query, fragment)


def is_relative(iri: str) -> bool:
    """True for a relative reference (no scheme): the engine resolves it against the base IRI."""
    return _IRI_PARTS.match(iri).group(1) is None  # type: ignore[union-attr]


def _join(scheme: str | None, authority: str | None, path: str, query: str | None, fragment: str | None) -> str:
    iri = f"{scheme}:" if scheme else ""
    if authority is not None:
        iri += f"//{authority}"
    iri += path
    if query is not None:
        iri += f"?{query}"
    if fragment is not None:
        iri += f"#{fragment}"
    return iri


# --- how deep the engine's parser and evaluator will have to recurse ---------------------------

_OPENERS, _CLOSERS = frozenset("{(["), frozenset("})]")
_PREFIX_OPERATORS = frozenset({"!", "+", "-", "^"})
_CHAIN_OPERATORS = frozenset({"+", "-", "*", "/", "|", "&&", "||", "=", "!=", "<", ">", "<=", ">=", "!", "^"})
# Left-deep in the engine's algebra, like a chain of `+`: `{} UNION {} UNION ...`, OPTIONAL after OPTIONAL.
_CHAIN_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS"})
# Where one expression ends and the next starts, at the same bracket level.
_CHAIN_BREAKS = frozenset({".", ";", "FILTER", "BIND", "GRAPH", "VALUES", "WHERE", "ORDER", "GROUP", "HAVING"})


@dataclass(frozen=True)
class Shape:
    """How deep the query nests (brackets plus prefix operators) and its longest operator chain."""

    depth: int
    chain: int


def _is_operator(t: Token) -> bool:
    return (t.kind == "punct" and t.text in _CHAIN_OPERATORS) or (t.kind == "word" and t.value in _CHAIN_WORDS)


def _ends_operand(t: Token | None) -> bool:
    """After such a token an operator is binary (`?x - 1`); after anything else it is prefix (`(-1`)."""
    return t is not None and (t.kind not in {"punct", "word"} or t.text in {")", "]"} or t.value in {"TRUE", "FALSE"})


def shape(reading: Reading) -> Shape:
    """Measure what makes Oxigraph's parser and evaluator recurse, on the tokens (never natively).

    Both recurse on the native stack: pyoxigraph 0.5.13 crashes the whole process (SIGSEGV) at
    about 9,000 nested brackets, 30,000 `!` in a row, or a chain of 9,000 `+` or UNION (all
    measured), which the policy's limits stay far below. A chain is counted per bracket level, so
    `(1)+(1)+...` is a chain too. Inside a VALUES block nothing is an expression: `-1 -2 ...` are
    values, not a chain.
    """
    chains = [0]  # one running chain length per open bracket
    deepest = longest = prefix_run = 0
    in_values_at: int | None = None  # the bracket level a VALUES block was opened at
    previous: Token | None = None
    for t in reading.tokens:
        if t.kind == "punct" and t.text in _OPENERS:
            chains.append(0)
            prefix_run = 0
        elif t.kind == "punct" and t.text in _CLOSERS:
            if len(chains) > 1:
                chains.pop()
            if in_values_at is not None and len(chains) - 1 <= in_values_at and t.text == "}":
                in_values_at = None
            prefix_run = 0
        elif t.value in _CHAIN_BREAKS and t.kind in {"punct", "word"}:
            chains[-1] = 0
            prefix_run = 0
            if t.value == "VALUES":
                in_values_at = len(chains) - 1
        elif in_values_at is None and _is_operator(t):
            chains[-1] += 1
            longest = max(longest, chains[-1])
            prefix_run = prefix_run + 1 if t.text in _PREFIX_OPERATORS and not _ends_operand(previous) else 0
        else:
            prefix_run = 0
        deepest = max(deepest, len(chains) - 1 + prefix_run)
        previous = t
    return Shape(depth=deepest, chain=longest)
