"""The one reading of a query's text (`kgqa.sparql.canonical`): tokens, canonical text, what they say."""

from __future__ import annotations

import pytest

from kgqa.errors import BadQuery, Forbidden
from kgqa.sparql import canonical

# RFC 3986 §5.4.1, "normal examples", and §5.4.2 "abnormal examples" (strict parser).
BASE = "http://a/b/c/d;p?q"
RFC3986 = {
    "g:h": "g:h",
    "g": "http://a/b/c/g",
    "./g": "http://a/b/c/g",
    "g/": "http://a/b/c/g/",
    "/g": "http://a/g",
    "//g": "http://g",
    "?y": "http://a/b/c/d;p?y",
    "g?y": "http://a/b/c/g?y",
    "#s": "http://a/b/c/d;p?q#s",
    "g#s": "http://a/b/c/g#s",
    "g?y#s": "http://a/b/c/g?y#s",
    ";x": "http://a/b/c/;x",
    "g;x": "http://a/b/c/g;x",
    "": "http://a/b/c/d;p?q",
    ".": "http://a/b/c/",
    "./": "http://a/b/c/",
    "..": "http://a/b/",
    "../": "http://a/b/",
    "../g": "http://a/b/g",
    "../..": "http://a/",
    "../../g": "http://a/g",
    "../../../g": "http://a/g",
    "/./g": "http://a/g",
    "/../g": "http://a/g",
    "g.": "http://a/b/c/g.",
    "..g": "http://a/b/c/..g",
    "./../g": "http://a/b/g",
    "g/./h": "http://a/b/c/g/h",
    "g/../h": "http://a/b/c/h",
    "g;x=1/../y": "http://a/b/c/y",
    "g#s/../x": "http://a/b/c/g#s/../x",
}


@pytest.mark.parametrize(("reference", "expected"), sorted(RFC3986.items()))
def test_relative_references_resolve_as_rfc_3986_says(reference: str, expected: str) -> None:
    assert canonical.resolve(reference, BASE) == expected


def test_from_clauses_are_resolved_with_the_query_prefixes_and_base() -> None:
    reading = canonical.read(
        "BASE <http://ex.org/dir/> PREFIX g: <graphs/> SELECT * FROM g:one FROM <two> FROM NAMED <http://x/three> "
        "WHERE { { SELECT * { ?s ?p ?o } } }"
    )
    assert canonical.dataset_clauses(reading, "https://unused/") == (
        ("http://ex.org/dir/graphs/one", "http://ex.org/dir/two"),
        ("http://x/three",),
    )


def test_projection_reads_variables_and_aliases_at_the_top_level_only() -> None:
    reading = canonical.read("SELECT DISTINCT ?a (COUNT(?b) AS ?n) WHERE { { SELECT ?c { ?c ?p ?o } } }")
    assert canonical.projection(reading) == ("a", "n")
    assert canonical.projection(canonical.read("SELECT * { ?s ?p ?o }")) is None


def test_tokens_keep_their_spacing_so_signed_numbers_stay_literals() -> None:
    reading = canonical.read("SELECT * { VALUES ?x { -1.0 +2 } FILTER(?x<?y) }")
    assert "-1.0 +2" in reading.text and "?x<?y" in reading.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('ASK { ?s ?p "open }', "never closed"),
        ("ASK { ?s ?p ?o } \\u0023", "only read inside strings and IRIs"),
        ("ASK { <a\\u003Eb> ?p ?o }", "may not contain"),
        ("ASK { ?s ?p '\\uD800' }", "surrogates"),
        ("ASK { ?s ?p '\\q' }", "unknown escape"),
        ("ASK { ?s ?p ?o } ~", "unexpected character"),
    ],
)
def test_lexical_errors_are_400_with_a_position(text: str, message: str) -> None:
    with pytest.raises(BadQuery, match=message) as info:
        canonical.read(text)
    assert "line 1, column" in info.value.message


def test_a_text_with_no_query_form_is_an_empty_update() -> None:
    with pytest.raises(Forbidden, match="read-only"):
        canonical.query_form(canonical.read("PREFIX : <http://x/> # nothing else"))
