"""Running a canned query and its JSON reply (rows of labelled cells, the SPARQL, the bindings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgqa import vocab
from kgqa.canned.params import bind
from kgqa.canned.registry import CannedQuery
from kgqa.sparql import formats
from kgqa.sparql.formats import Format
from kgqa.sparql.results import Result, Term
from kgqa.sparql.runner import run_internal_query, run_trusted_query
from kgqa.vocab import INTEGER_TYPES, RESOURCE_NS, XSD

if TYPE_CHECKING:
    from kgqa.state import State


def run(
    state: State,
    canned: CannedQuery,
    raw: Mapping[str, str],
    *,
    results_format: Format = formats.SPARQL_JSON,
    graph_format: Format = formats.N_TRIPLES,
) -> tuple[Result, dict[str, Term]]:
    """Bind a canned query's request parameters and run it (`kgqa.sparql.runner.run_trusted_query`)."""
    bindings = bind(state, canned, raw)
    _, result = run_trusted_query(
        state, canned.sparql, bindings=bindings, results_format=results_format, graph_format=graph_format
    )
    return result, bindings


# --- JSON cells --------------------------------------------------------------------------------

_FLOATING = {XSD + t for t in ("decimal", "double", "float")}

_LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?pref ?label WHERE {
  VALUES ?e { %s }
  OPTIONAL { ?e skos:prefLabel ?pref FILTER (LANGMATCHES(LANG(?pref), "en") || LANG(?pref) = "") }
  OPTIONAL { ?e rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }
}"""


def fetch_labels(state: State, iris: Sequence[str], limit: int = 2000) -> dict[str, str]:
    """Preferred English labels for IRIs, in one query (IRIs written by pyoxigraph, never raw text)."""
    iris = list(dict.fromkeys(iris))[:limit]
    if not iris:
        return {}
    values = " ".join(str(ox.NamedNode(i)) for i in iris)
    res = run_internal_query(state, _LABELS % values, max_rows=None)
    labels: dict[str, str] = {}
    for row in res.rows():
        e = row["e"].value
        best = row.get("pref") or row.get("label")
        if best is not None and (e not in labels or row.get("pref") is not None):
            labels[e] = best.value
    return labels


def _json_value(lexical: str, datatype: str) -> Any:
    """A literal's value as JSON: a number or boolean where the datatype says so, else the text.

    A lexical form its datatype does not accept stays text rather than failing the reply.
    """
    try:
        if datatype in INTEGER_TYPES:
            return int(lexical)
        if datatype in _FLOATING:
            num = Decimal(lexical)
            return int(num) if num == num.to_integral_value() and abs(num) < 10**18 else float(num)
        if datatype == XSD + "boolean":
            return lexical in {"true", "1"}
    except (ValueError, InvalidOperation):
        pass
    return lexical


def cell(term: Term | None, labels: Mapping[str, str]) -> dict | None:
    """One result cell for the JSON API: value (as a JSON number/boolean where the datatype says so),
    type, and the label of an IRI when the graph has one."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        out: dict[str, Any] = {"type": "iri", "value": term.value}
        if term.value in labels:
            out["label"] = labels[term.value]
        if term.value.startswith(RESOURCE_NS):
            out["id"] = term.value[len(RESOURCE_NS) :]
        return out
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        out = {"type": "literal", "value": _json_value(term.value, dt)}
        if term.language:
            out["lang"] = term.language
        elif dt != vocab.XSD_STRING:
            out["datatype"] = dt
        return out
    return {"type": "triple", "value": str(term)}


def result_json(state: State, canned: CannedQuery, result: Result, bindings: Mapping[str, Term]) -> dict:
    """The JSON reply of `/api/queries/<name>` (Datasette-like, one cell object per value)."""
    body: dict[str, Any] = {
        "ok": True,
        "query": canned.name,
        "title": canned.title,
        "bindings": {k: v.value for k, v in bindings.items()},
    }
    if result.form == "boolean":
        body.update(boolean=result.boolean, columns=[], rows=[], truncated=False)
        return body
    if result.form == "graph":
        columns = ["subject", "predicate", "object"]
        rows = [dict(zip(columns, (t.subject, t.predicate, t.object), strict=True)) for t in result.triples()]
    else:
        columns = list(result.variables)
        rows = result.rows()
    # Look labels up only for IRI columns the query does not already label (?x with ?xLabel).
    need = [c for c in columns if f"{c}Label" not in columns]
    iris = [r[c].value for r in rows for c in need if isinstance(r.get(c), ox.NamedNode)]
    labels = fetch_labels(state, iris)
    body["columns"] = columns
    body["rows"] = [{c: cell(r.get(c), labels) for c in columns} for r in rows]
    body["truncated"] = result.truncated
    if result.truncated and result.note:
        body["truncatedReason"] = result.note  # which limit cut it: KGQA_MAX_ROWS or KGQA_MAX_RESULT_BYTES
    return body
