"""Linked Data: `/entity/<id>` for every `kgr:` IRI, and `/graph`, `/ontology` downloads.

An entity's description is a concise bounded description: its own triples, the triples that point
at it, the labels of everything it links to (so a page or a client can show names without another
request), the OWL axiom annotations about its binary facts and the evidence nodes (quote + source)
of its facts. One CONSTRUCT builds it, so the embedded and the remote store give the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from kgqa.errors import NotAcceptable, NotFound
from kgqa.qa.summary import summarise
from kgqa.sparql import formats
from kgqa.sparql.runner import run_internal_query
from kgqa.vocab import ONTOLOGY_GRAPH, PREFIXES, RESOURCE_NS, prologue
from kgqa.web.apidoc import STORE_ERRORS, documented, error_responses, format_param, formats_content
from kgqa.web.sparql import graph_dump, reply

bp = Blueprint("entities", __name__)

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS = PREFIXES["skos"]
KGQA = PREFIXES["kgqa"]
OWL = PREFIXES["owl"]
PROV_QUOTED = PREFIXES["prov"] + "wasQuotedFrom"
LABEL_PROPS = {RDFS_LABEL, SKOS + "prefLabel"}
NAME_PROPS = LABEL_PROPS | {SKOS + "altLabel", SKOS + "hiddenLabel"}
DESCRIPTION_PROPS = [SKOS + "definition", PREFIXES["rdfs"] + "comment", KGQA + "statement"]

DESCRIBE_ENTITY = (
    prologue("rdfs", "skos", "owl", "prov", "kgqa")
    + """CONSTRUCT {
  ?e ?p ?o . ?o ?olp ?ol . ?p rdfs:label ?pl .
  ?s ?ip ?e . ?s ?slp ?sl . ?ip rdfs:label ?ipl .
  ?ax ?axp ?axo .
  ?e kgqa:hasEvidence ?ev1 . ?ev1 ?evp1 ?evo1 .
  ?holder kgqa:hasEvidence ?ev2 . ?ev2 ?evp2 ?evo2 .
  ?ev3 ?evp3 ?evo3 .
} WHERE {
  { ?e ?p ?o .
    OPTIONAL { ?o ?olp ?ol . FILTER (?olp IN (rdfs:label, skos:prefLabel)) }
    OPTIONAL { ?p rdfs:label ?pl . FILTER (LANGMATCHES(LANG(?pl), "en")) } }
  UNION
  { ?s ?ip ?e . FILTER (!isBlank(?s))
    OPTIONAL { ?s ?slp ?sl . FILTER (?slp IN (rdfs:label, skos:prefLabel)) }
    OPTIONAL { ?ip rdfs:label ?ipl . FILTER (LANGMATCHES(LANG(?ipl), "en")) } }
  UNION
  { ?ax owl:annotatedSource|owl:annotatedTarget ?e ; ?axp ?axo . }
  UNION
  { ?e kgqa:hasEvidence ?ev1 . ?ev1 ?evp1 ?evo1 .
    FILTER (?evp1 IN (kgqa:quote, prov:wasQuotedFrom, rdfs:label)) }
  UNION
  { ?holder ?hp ?e ; kgqa:hasEvidence ?ev2 . ?ev2 ?evp2 ?evo2 .
    FILTER (?evp2 IN (kgqa:quote, prov:wasQuotedFrom, rdfs:label)) }
  UNION
  { ?axiom owl:annotatedSource|owl:annotatedTarget ?e ; kgqa:evidence ?ev3 . ?ev3 ?evp3 ?evo3 .
    FILTER (?evp3 IN (kgqa:quote, prov:wasQuotedFrom, rdfs:label)) }
}"""
)

_PAGE_TYPES = [formats.HTML] + [f.media_type for f in formats.GRAPH_FORMATS]

# --- what /openapi.json says of these routes (kgqa/web/apidoc.py) ---
_RDF = formats_content(formats.GRAPH_FORMATS)
ENTITY_GET = {
    "summary": "An entity: HTML page, or its bounded description in RDF",
    "operationId": "entity",
    "tags": ["Linked Data"],
    "parameters": [
        {"name": "entity_id", "in": "path", "required": True, "schema": {"type": "string"}},
        # No enum: another value is no error (Accept decides), and the fuzzer would expect a 4xx for it.
        format_param("graph", enum=False, extra=("html",)),
    ],
    "responses": {
        "200": {"description": "the entity", "content": {formats.HTML: {"schema": {"type": "string"}}, **_RDF}},
        **error_responses(404, 406, *STORE_ERRORS),
    },
}
GRAPH_GET = {
    "summary": "The whole knowledge graph",
    "operationId": "graph",
    "tags": ["Linked Data"],
    "parameters": [format_param("graph")],
    "responses": {"200": {"description": "RDF", "content": _RDF}, **error_responses(406, *STORE_ERRORS)},
}
ONTOLOGY_GET = {
    "summary": "The OWL ontology",
    "operationId": "ontology",
    "tags": ["Linked Data"],
    "parameters": [format_param("graph")],
    "responses": {"200": {"description": "RDF", "content": _RDF}, **error_responses(404, 406, *STORE_ERRORS)},
}


def state() -> Any:
    return current_app.extensions["kgqa"]


def describe(entity_id: str, fmt: formats.Format = formats.N_TRIPLES) -> Any:
    """The entity's bounded description as a store Result.

    :raise NotFound 404: if the id is not a valid IRI segment or nothing in the graph mentions it.
    """
    try:
        node = ox.NamedNode(RESOURCE_NS + entity_id)
    except ValueError:
        raise NotFound(f"no entity with id {entity_id!r}", id=entity_id) from None
    # A description is bounded by the graph, not by the row cap meant for ad-hoc queries.
    cap = max(state().settings.max_rows, 50_000)
    result = run_internal_query(state(), DESCRIBE_ENTITY, {"e": node}, graph_format=fmt, max_rows=cap)
    if not result.data.strip() or (fmt is formats.JSON_LD and result.data.strip() in {b"[]", b"{}"}):
        raise NotFound(f"no entity with id {entity_id!r} in the graph", id=entity_id)
    return result


@bp.route("/entity/<path:entity_id>")
@documented(get=ENTITY_GET)
def entity(entity_id: str) -> Response:
    """HTML for browsers; Turtle, JSON-LD, N-Triples or RDF/XML by content negotiation (`?format=`)."""
    wanted = request.args.getlist("format")
    fmt = formats.from_param("graph", wanted) if wanted else None
    if fmt is None and not (wanted and wanted[0].lower() == "html"):
        best = request.accept_mimetypes.best_match(_PAGE_TYPES) if request.accept_mimetypes else formats.HTML
        if best is None:
            raise NotAcceptable("available: " + ", ".join(_PAGE_TYPES))
        if best != formats.HTML:
            fmt = formats.ALIASES["graph"][best]
    if fmt is not None:
        return reply(describe(entity_id, fmt), fmt)
    result = describe(entity_id)
    iri = RESOURCE_NS + entity_id
    page = render_template(
        "entity.html",
        **view_model(iri, result.triples()),
        summary=summarise(state(), iri).to_json(),
        truncated=result.truncated,
    )
    resp = Response(page, content_type="text/html; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    return resp


def _text(term: Any) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else str(term)


class _Description:
    """A bounded description (triples around one entity) read for a page: labels, links, evidence."""

    def __init__(self, iri: str, triples: list[ox.Triple]) -> None:
        self.me = ox.NamedNode(iri)
        self.triples = triples
        self.props: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.props[t.subject][t.predicate.value].append(t.object)
        self.mine = self.props.get(self.me, {})
        # Axiom annotations: (source, property, target) -> evidence nodes.
        self.axiom_evidence: dict[tuple, list[Any]] = defaultdict(list)
        for p in self.props.values():
            if OWL + "Axiom" in [_text(x) for x in p.get(RDF_TYPE, [])]:
                key = tuple(
                    p.get(OWL + k, [None])[0] for k in ("annotatedSource", "annotatedProperty", "annotatedTarget")
                )
                self.axiom_evidence[key] += p.get(KGQA + "evidence", [])

    def label(self, term: Any) -> str:
        """The English preferred label or rdfs:label the description holds, else a prefixed name."""
        if isinstance(term, ox.Literal):
            return term.value
        p = self.props.get(term, {})
        for key in (SKOS + "prefLabel", RDFS_LABEL):
            values = p.get(key, [])
            english = [v for v in values if isinstance(v, ox.Literal) and v.language in {"en", None, ""}]
            if english or values:
                return (english or values)[0].value
        value = _text(term)
        for prefix, ns in PREFIXES.items():
            if value.startswith(ns):
                return f"{prefix}:{value[len(ns) :]}"
        return value

    def link(self, term: Any) -> dict:
        local = isinstance(term, ox.NamedNode) and term.value.startswith(RESOURCE_NS)
        return {
            "text": self.label(term),
            "iri": term.value if isinstance(term, ox.NamedNode) else None,
            "href": "/entity/" + term.value[len(RESOURCE_NS) :] if local else None,
            "literal": isinstance(term, ox.Literal),
            "lang": term.language if isinstance(term, ox.Literal) else None,
        }

    def evidence(self, ev: Any) -> dict:
        p = self.props.get(ev, {})
        quote = p.get(KGQA + "quote", [])
        source = p.get(PROV_QUOTED, [])
        return {
            "quote": quote[0].value if quote else self.label(ev),
            "source": self.link(source[0]) if source else None,
            "node": self.link(ev),
        }

    def names(self) -> list[tuple[str, str, str | None]]:
        return [
            (p.rsplit("#", 1)[-1], v.value, v.language)
            for p in sorted(NAME_PROPS)
            for v in self.mine.get(p, [])
            if isinstance(v, ox.Literal)
        ]

    def facts(self) -> list[dict]:
        """The entity's own statements except names, types and descriptions, each with its evidence."""
        skip = NAME_PROPS | {RDF_TYPE} | set(DESCRIPTION_PROPS) | {KGQA + "hasEvidence"}
        facts = []
        for pred in sorted(self.mine, key=lambda p: self.label(ox.NamedNode(p))):
            if pred in skip:
                continue
            values = []
            for obj in self.mine[pred]:
                v = self.link(obj)
                evidence = self.axiom_evidence.get((self.me, ox.NamedNode(pred), obj), [])
                v["evidence"] = [self.evidence(ev) for ev in evidence]
                values.append(v)
            facts.append({"predicate": self.label(ox.NamedNode(pred)), "iri": pred, "values": values})
        return facts

    def incoming(self) -> list[dict]:
        """Statements of other (named) nodes about the entity, grouped by property."""
        by_pred: dict[str, list[Any]] = defaultdict(list)
        for t in self.triples:
            if t.object == self.me and not isinstance(t.subject, ox.BlankNode):
                by_pred[t.predicate.value].append(t.subject)
        incoming = []
        for pred, subjects in sorted(by_pred.items(), key=lambda kv: self.label(ox.NamedNode(kv[0]))):
            items = []
            for s in dict.fromkeys(subjects):
                item = self.link(s)
                item["evidence"] = [self.evidence(ev) for ev in self.props.get(s, {}).get(KGQA + "hasEvidence", [])]
                items.append(item)
            incoming.append({"predicate": self.label(ox.NamedNode(pred)), "iri": pred, "subjects": items})
        return incoming

    def text(self) -> str | None:
        return next(
            (v.value for p in DESCRIPTION_PROPS for v in self.mine.get(p, []) if isinstance(v, ox.Literal)), None
        )


def view_model(iri: str, triples: list[ox.Triple]) -> dict:
    """Group a bounded description for the HTML page: names, types, facts with evidence, incoming links."""
    d = _Description(iri, triples)
    mine = d.mine
    return {
        "iri": iri,
        "title": d.label(d.me),
        "names": d.names(),
        "types": [d.link(t) for t in mine.get(RDF_TYPE, []) if _text(t) != OWL + "NamedIndividual"],
        "description": d.text(),
        "facts": d.facts(),
        "incoming": d.incoming(),
        "evidence": [d.evidence(ev) for ev in mine.get(KGQA + "hasEvidence", [])],
        "formats": [(f.name, f.media_type) for f in formats.GRAPH_FORMATS],
    }


@bp.route("/graph")
@documented(get=GRAPH_GET)
def whole_graph() -> Response:
    """The knowledge graph (every named graph except the ontology), in the RDF format asked for."""
    graphs = sorted(g for g in state().known_graphs if g != ONTOLOGY_GRAPH)
    return graph_dump(graphs, filename="kgqa-kg")


@bp.route("/ontology")
@documented(get=ONTOLOGY_GET)
def ontology() -> Response:
    """The ontology (TBox) graph; `?format=owl` or `rdf` gives the RDF/XML that Protégé opens.

    :raise NotFound 404: if the store holds no ontology graph.
    """
    if ONTOLOGY_GRAPH not in state().known_graphs:
        raise NotFound(f"this store has no ontology graph <{ONTOLOGY_GRAPH}>")
    return graph_dump([ONTOLOGY_GRAPH], filename="kgqa")
