"""The canned-query registry: header parsing, parameter typing, binding as terms."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgqa.canned.params import bind
from kgqa.canned.registry import QueryFileError, Registry, parse_file
from kgqa.canned.results import run
from kgqa.errors import BadQuery
from tests.conftest import MINI_QUERIES, ROOT

XSD = "http://www.w3.org/2001/XMLSchema#"


def write(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.rq"
    path.write_text(text)
    return path


def test_parse_test_queries():
    reg = Registry.from_directory(MINI_QUERIES)
    echo = reg.get("echo")
    assert echo.title == "Echo a value" and echo.form == "SELECT"
    assert echo.description.endswith("never spliced into the query text.")
    text, n, mode = echo.params
    assert (text.type, text.required) == ("string", True)
    assert (n.type, n.default, n.required) == ("integer", "5", False)
    assert (mode.type, mode.choices, mode.default) == ("enum", ("plain", "fancy"), "plain")
    inv = reg.get("investors")
    assert inv.params[0].cls == "https://w3id.org/kgqa/ontology#Organization"
    assert inv.asks == ("who invested in {startup}?",)
    assert reg.get("is-startup").form == "ASK"


def test_project_queries_parse():
    reg = Registry.from_directory(ROOT / "queries")
    assert len(reg) >= 15
    for q in reg:
        assert q.title and q.sparql


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# title: t\n", "no `# name:`"),
        ("# name: other\n# title: t\n", "must equal the file name"),
        ('# name: bad\n# title: t\n# param: x float "h"\n', "unknown parameter type"),
        ('# name: bad\n# title: t\n# param: y string "h"\n', "not a variable of the query"),
        ('# name: bad\n# title: t\n# param: x string foo:Bar "h"\n', "unexpected 'foo:Bar'"),
        ('# name: bad\n# title: t\n# param: x enum(a|b) default=c "h"\n', "not one of"),
        ("# name: bad\n# title: t\n# ask: what is {z}?\n", "not a parameter"),
        ('# name: bad\n# title: t\n# param: x enum() "h"\n', r"enum\(\) needs values"),
        ('# name: bad\n# title: t\n# param: x string(a|b) "h"\n', "unknown parameter type"),
        ('# name: bad\n# title: t\n# param: x string kgqa:Organization "h"\n', "only iri parameters take a class"),
    ],
)
def test_header_errors_name_file_and_line(tmp_path, header, message):
    path = write(tmp_path, "bad", header + "SELECT ?x WHERE { ?x ?p ?o }\n")
    with pytest.raises(QueryFileError, match=message) as info:
        parse_file(path)
    assert str(path) in str(info.value)


def test_parameter_must_be_projected(tmp_path):
    path = write(tmp_path, "bad", '# name: bad\n# title: t\n# param: o string "h"\nSELECT ?s WHERE { ?s ?p ?o }\n')
    with pytest.raises(QueryFileError, match="SELECT clause"):
        parse_file(path)


def test_default_with_quotes_and_class(tmp_path):
    path = write(
        tmp_path,
        "ok",
        '# name: ok\n# title: t\n# param: x string default="a b" "help \\"q\\""\n'
        '# param: e iri <http://x/C> optional "an entity"\nSELECT ?x ?e WHERE { }\n',
    )
    q = parse_file(path)
    assert q.params[0].default == "a b" and q.params[0].help == 'help "q"'
    assert q.params[1].cls == "http://x/C" and q.params[1].optional


def test_bind_types(mini_state):
    echo = mini_state.registry.get("echo")
    b = bind(mini_state, echo, {"text": "x", "n": "1,000"})
    assert b["n"] == ox.Literal("1000", datatype=ox.NamedNode(XSD + "integer"))
    assert b["mode"] == ox.Literal("plain")
    with pytest.raises(BadQuery) as info:
        bind(mini_state, echo, {})
    assert info.value.context["param"] == "text"


NASTY = ['"} } ; DROP ALL #', "'\"\\u0022 <http://x> } UNION { ?s ?p ?o } #", "a\\\\u0022b", "line\nbreak {#}"]


@pytest.mark.parametrize("value", NASTY)
def test_values_are_terms_not_text(mini_state, value):
    result, _ = run(mini_state, mini_state.registry.get("echo"), {"text": value})
    rows = result.rows()
    assert len(rows) == 1 and rows[0]["text"] == ox.Literal(value.strip())


def test_the_unknown_type_error_lists_every_registered_type(tmp_path):
    from kgqa.canned.types import TYPES

    path = write(tmp_path, "bad", '# name: bad\n# title: t\n# param: x float "h"\nSELECT ?x WHERE { ?x ?p ?o }\n')
    with pytest.raises(QueryFileError) as info:
        parse_file(path)
    assert "(expected one of boolean, date, decimal, integer, iri, string, enum(a|b))" in str(info.value)
    assert all(name in str(info.value) for name in TYPES)
