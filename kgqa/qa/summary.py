"""An entity in words: what it is, its key facts as sentences with their evidence, its relations.

Used by the entity pages and, through `summarise`, by "Tell me about X" answers. Everything comes
from fixed SPARQL over the graph (`run_internal_query`), so a summary says only what the graph
records; relation names are the ontology's English `rdfs:label`s, never property local names.
Hidden labels (`skos:hiddenLabel`: the curators' record of known mistranslations) are not aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgqa.qa.ask import human_date
from kgqa.sparql.runner import run_internal_query
from kgqa.vocab import prologue

if TYPE_CHECKING:
    from kgqa.state import State

_P = prologue("rdfs", "skos", "owl", "prov", "kgqa")

# The entity's English label, its most specific classes of the ontology (with their labels).
KIND_QUERY = (
    _P
    + """SELECT ?label ?class ?classLabel WHERE {
  OPTIONAL { ?e rdfs:label ?label FILTER (LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }
  OPTIONAL { ?e a ?class . ?class rdfs:label ?classLabel FILTER (LANGMATCHES(LANG(?classLabel), "en"))
    FILTER (STRSTARTS(STR(?class), STR(kgqa:)))
    FILTER NOT EXISTS { ?e a ?sub . ?sub rdfs:subClassOf+ ?class FILTER (?sub != ?class) } }
}"""
)

# Names a reader may meet: alternative labels and preferred labels in other languages.
ALIAS_QUERY = (
    _P
    + """SELECT DISTINCT ?name WHERE {
  { ?e skos:altLabel ?name } UNION { ?e skos:prefLabel ?name } UNION { ?e rdfs:label ?name }
} ORDER BY ?name"""
)

# The funding rounds of the entity, each with what the sentence needs and the evidence quotes.
ROUND_QUERY = (
    _P
    + """SELECT ?round ?date ?raised ?valuation ?type ?lead ?leadLabel ?evidence ?source WHERE {
  ?round kgqa:fundedOrganization ?e .
  OPTIONAL { ?round kgqa:date ?date }
  OPTIONAL { ?round kgqa:moneyRaised/rdfs:label ?raised }
  OPTIONAL { ?round kgqa:postMoneyValuation/rdfs:label ?valuation }
  OPTIONAL { ?round kgqa:roundType ?rt . ?rt rdfs:label ?type FILTER (LANGMATCHES(LANG(?type), "en"))
             FILTER (?rt != kgqa:SeriesUnknown) }
  OPTIONAL { ?round kgqa:hasLeadInvestor ?lead . ?lead rdfs:label ?leadLabel
             FILTER (LANGMATCHES(LANG(?leadLabel), "en")) }
  OPTIONAL { ?round kgqa:hasEvidence ?ev . ?ev kgqa:quote ?evidence OPTIONAL { ?ev prov:wasQuotedFrom ?source } }
} ORDER BY ?date ?round"""
)

# Every named neighbour by a labelled property of the ontology, both ways, with the evidence of the
# statement (its axiom annotation). Incoming statements whose property has an inverse the entity
# states already are left out: "MiniMax has investor Alibaba" and "Alibaba invests in MiniMax" once.
RELATION_QUERY = (
    _P
    + """SELECT ?p ?pl ?dir ?o ?ol ?evidence ?source WHERE {
  { ?e ?p ?o . BIND ("out" AS ?dir) }
  UNION
  { ?o ?p ?e . BIND ("in" AS ?dir)
    FILTER NOT EXISTS { ?p owl:inverseOf|^owl:inverseOf ?q . ?e ?q ?o } }
  FILTER (isIRI(?o) && STRSTARTS(STR(?p), STR(kgqa:)))
  ?p rdfs:label ?pl FILTER (LANGMATCHES(LANG(?pl), "en"))
  ?o rdfs:label ?ol FILTER (LANGMATCHES(LANG(?ol), "en"))
  FILTER NOT EXISTS { ?o a kgqa:Evidence }
  OPTIONAL {
    ?ax owl:annotatedProperty ?p ; kgqa:evidence ?ev .
    { ?ax owl:annotatedSource ?e ; owl:annotatedTarget ?o }
    UNION { ?ax owl:annotatedSource ?o ; owl:annotatedTarget ?e }
    ?ev kgqa:quote ?evidence OPTIONAL { ?ev prov:wasQuotedFrom ?source } }
} ORDER BY ?dir ?pl ?ol"""
)

# Relations shown as sentences rather than only in the groups (they are the rounds' own facts).
ROUND_PROPERTIES = {"fundedOrganization", "hasFundingRound"}
MAX_EVIDENCE = 3


@dataclass
class Evidence:
    text: str
    source: str = ""


@dataclass
class Fact:
    text: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Group:
    relation: str
    values: list[dict[str, str]] = field(default_factory=list)  # {"iri", "label"}


@dataclass
class Summary:
    """An entity in words; `to_json()` is the shape /api/ask and the entity page share."""

    iri: str
    label: str
    kind: str | None
    lead: str
    facts: list[Fact] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "label": self.label,
            "kind": self.kind,
            "lead": self.lead,
            "facts": [
                {"text": f.text, "evidence": [{"text": e.text, "source": e.source} for e in f.evidence]}
                for f in self.facts
            ],
            "aliases": list(self.aliases),
            "groups": [{"relation": g.relation, "values": list(g.values)} for g in self.groups],
        }


def _rows(state: State, query: str, iri: str) -> list[dict[str, str]]:
    result = run_internal_query(state, query, {"e": ox.NamedNode(iri)}, max_rows=5_000)
    return [{k: v.value for k, v in row.items()} for row in result.rows()]


def article(word: str) -> str:
    """'a' or 'an' before a class name ("an AI start-up", "a funding round")."""
    return "an" if word[:1].lower() in "aeio" else "a"


def _cite(fact: Fact, row: dict[str, str]) -> None:
    """Add the row's evidence sentence to the fact, once, up to MAX_EVIDENCE sentences."""
    ev = Evidence(row["evidence"], row.get("source", "")) if row.get("evidence") else None
    if ev and ev not in fact.evidence and len(fact.evidence) < MAX_EVIDENCE:
        fact.evidence.append(ev)


def _round_facts(rows: list[dict[str, str]], label: str) -> list[Fact]:
    """One sentence per round: "MiniMax raised more than US$600 million in a round led by Alibaba Group
    on 5 March 2024." Only the parts the graph records are said."""
    facts: dict[str, Fact] = {}
    for row in rows:
        fact = facts.get(row["round"])
        if fact is None:
            kind = f"a {row['type']} round" if row.get("type") else "a funding round"
            verb = f"raised {row['raised']} in {kind}" if row.get("raised") else f"had {kind}"
            text = f"{label} {verb}"
            if row.get("leadLabel"):
                text += f" led by {row['leadLabel']}"
            if row.get("date"):
                text += (" in " if len(row["date"]) < 10 else " on ") + human_date(row["date"])
            if row.get("valuation"):
                text += f", valuing it at {row['valuation']}"
            fact = facts[row["round"]] = Fact(text + ".")
        _cite(fact, row)
    return list(facts.values())


def _groups(rows: list[dict[str, str]]) -> tuple[list[Group], list[Fact]]:
    """Relations grouped by their readable name, and a sentence for each evidenced statement."""
    groups: dict[str, Group] = {}
    facts: dict[tuple[str, str], Fact] = {}
    for row in rows:
        local = row["p"].rsplit("#", 1)[-1]
        relation = row["pl"] if row["dir"] == "out" else f"{row['pl']} (of)"
        group = groups.setdefault(relation, Group(relation))
        value = {"iri": row["o"], "label": row["ol"]}
        if value not in group.values:
            group.values.append(value)
        if row.get("evidence") and local not in ROUND_PROPERTIES and row["dir"] == "out":
            _cite(facts.setdefault((relation, row["o"]), Fact(f"{row['pl']} {row['ol']}")), row)
    return list(groups.values()), list(facts.values())


def summarise(state: State, iri: str) -> Summary:
    """The summary of the entity `iri`; an entity the graph does not know gets an empty lead."""
    kinds = _rows(state, KIND_QUERY, iri)
    label = next((r["label"] for r in kinds if r.get("label")), iri.rsplit("/", 1)[-1])
    classes = sorted({r["classLabel"] for r in kinds if r.get("classLabel")})
    kind = classes[0] if classes else None
    lead = f"{label} is {article(kind)} {kind}." if kind else ""
    aliases = [r["name"] for r in _rows(state, ALIAS_QUERY, iri) if r["name"] != label]
    groups, relation_facts = _groups(_rows(state, RELATION_QUERY, iri))
    facts = _round_facts(_rows(state, ROUND_QUERY, iri), label) + [
        Fact(f"{label}: {f.text}.", f.evidence) for f in relation_facts
    ]
    return Summary(iri, label, kind, lead, facts, aliases, groups)
