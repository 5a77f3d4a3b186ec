"""``kgqa generate``: a deterministic synthetic investment graph in kgqa's own ontology.

Why: the article graph has ~2,700 triples; people load a year of funding news or a Crunchbase
export. To measure (``make bench``) and to test the materialiser at scale we need graphs of 100k
and 1M triples that *look like the real one*, so the canned queries and the question answerer run
on them unchanged: the same IRIs scheme (``kgr:<Name>``, ``kgr:<round>_<investor>``), n-ary
``FundingRound`` / ``Investment`` / ``MonetaryAmount`` / ``Position`` / ``StrategicRelationship``
nodes, labels (``rdfs:label`` + ``skos:prefLabel``, ``skos:altLabel`` in English and Chinese),
``xsd:decimal`` amounts, dates of reduced precision with a ``datePrecision``, evidence sentences
(``kgqa:ArticleEvidence`` with a verbatim ``kgqa:quote`` and character offsets into a synthetic
``kgqa:SourceDocument``), and OWL axiom annotations carrying the evidence of every binary fact, as
``ontology/shapes.ttl`` demands.

Shape: organisations are start-ups (~72 %, most of them AI start-ups), investment firms (~22 %),
technology giants (~1 %, each with a cloud unit and a venture arm that invest in its name), a
few data providers and one publisher. Investor activity is heavy-tailed (Zipf, exponent 0.85 on
a random ranking): a few investors take part in thousands of rounds, most in a handful. Each
start-up raises 1–6 rounds of increasing type (angel/seed → Series A/B/C → rounds of unstated
type) with amounts, valuations (a few pass US$1 billion: unicorns, derived by the materialiser,
never asserted), a lead investor and followers. People hold positions; giants back AI start-ups
and provide their cloud; models outperform each other; analysts state claims and statistics.

Only asserted triples are written: the inferred graph comes from ``kgqa.kg.materialize``.

Size: about 190 asserted triples per organisation (``TRIPLES_PER_ORG``, checked by
``tests/kg/test_generate.py``), and ``kgqa.kg.materialize`` adds about 100 inferred ones: ``--orgs 350``
gives ~66k asserted + ~35k inferred ≈ 100k triples, ``--orgs 3500`` ~670k + ~360k ≈ 1M (the two
sizes ``make bench`` uses). Generation runs at ~0.5–0.9M triples/s.

Output is streamed (constant memory apart from the entity list) in N-Triples (``.nt``), N-Quads
(``.nq``) or TriG (``.trig``), chosen by the file extension; the same ``--orgs``/``--seed`` give
byte-identical files. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import hashlib
import itertools
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from kgqa.kg.facts import Amount
from kgqa.kg.progress import Progress
from kgqa.kg.triples import QUALIFIER_WORDS
from kgqa.kg.triples import money_label as build_label
from kgqa.vocab import ASSERTED_GRAPH, ONTOLOGY_NS, PREFIXES, RESOURCE_NS, XSD

KGQA = ONTOLOGY_NS
RES = RESOURCE_NS
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
SKOS = PREFIXES["skos"]
PROV = PREFIXES["prov"]

# Asserted triples per --orgs (measured: 189 at 350 orgs, 191 at 3,500; tests/kg/test_generate.py
# checks it) and what kgqa.kg.materialize adds on top (~100 per organisation).
TRIPLES_PER_ORG = 190
INFERRED_PER_ORG = 100

SENTENCES_PER_DOCUMENT = 100
ZIPF_EXPONENT = 0.85

# Round types in the order a company raises them, with (min, max) amounts in millions of the currency.
ROUND_SIZES = {
    "Angel": (0.1, 2),
    "Seed": (0.5, 6),
    "SeriesA": (3, 30),
    "SeriesB": (10, 100),
    "SeriesC": (30, 300),
    "SeriesUnknown": (5, 300),
}
# The ontology's English labels of the round types, roles and relationship kinds (kgqa.ttl), used in
# node labels exactly as kgqa/kg/triples.py builds them ("MiniMax funding round of 2024-03-05").
ROUND_LABELS = {
    "Angel": "angel round",
    "Seed": "seed round",
    "SeriesA": "Series A",
    "SeriesB": "Series B",
    "SeriesC": "Series C",
    "SeriesUnknown": "funding round",
}
ROUND_WORDS = {
    "Angel": "an angel round",
    "Seed": "a seed round",
    "SeriesA": "a Series A round",
    "SeriesB": "a Series B round",
    "SeriesC": "a Series C round",
    "SeriesUnknown": "a new round of financing",
}
ROLE_LABELS = {
    "Founder": "founder",
    "ChiefExecutiveOfficer": "chief executive officer",
    "Partner": "partner",
    "Chairman": "chairman",
    "Analyst": "analyst",
    "ChiefStrategyOfficer": "chief strategy officer",
}
KIND_LABELS = {"Backing": "backing", "ExclusiveCloudProvision": "exclusive cloud provider"}
CURRENCIES = (("USD", 0.80), ("CNY", 0.15), ("EUR", 0.05))
COUNTRIES = (("China", 0.45), ("UnitedStates", 0.40), ("France", 0.15))
COUNTRY_NAMES = {"China": "China", "UnitedStates": "the United States", "France": "France"}
MONTHS = tuple(calendar.month_name)[1:]  # "January" ... "December"

# Invented syllables: names no real company (nor the article) has, unique by construction.
_HEADS = (
    "Vel",
    "Quan",
    "Zen",
    "Nov",
    "Lum",
    "Ax",
    "Cor",
    "Syn",
    "Ther",
    "Or",
    "Kai",
    "Mer",
    "Ast",
    "Hel",
    "Tor",
    "Vex",
    "Pyr",
    "Sol",
    "Ner",
    "Cal",
    "Dra",
    "Fen",
    "Gal",
    "Ist",
    "Jor",
    "Kel",
    "Lyr",
    "Myr",
)
_MIDS = ("a", "i", "o", "e", "u", "ar", "en", "ix", "on", "ys")
_TAILS = ("ra", "tix", "via", "lon", "dex", "mos", "nia", "gen", "tum", "lix", "ron", "sa")
_QUALIFIERS = (
    "Blue",
    "North",
    "Prime",
    "Nova",
    "Deep",
    "Bright",
    "Silver",
    "Red",
    "Open",
    "True",
    "Swift",
    "Clear",
    "Grand",
    "High",
    "Iron",
    "Jade",
    "Keen",
    "Lunar",
    "Noble",
    "Polar",
    "Quiet",
    "Rapid",
    "Solar",
    "Terra",
    "Ultra",
    "Vivid",
    "Wild",
    "Young",
    "Zero Point",
    "Alpha",
    "Beta",
    "Gamma",
    "Delta",
    "Sigma",
    "Omega",
    "Apex",
    "Core",
    "Edge",
    "Flux",
    "Halo",
    "Ion",
    "Pulse",
    "Quartz",
    "Ridge",
    "Stone",
    "Tide",
    "Vector",
    "Wave",
    "Zenith",
    "Echo",
)
_FIRST = (
    "Mira",
    "Jonas",
    "Ava",
    "Liang",
    "Sofia",
    "Ethan",
    "Yuki",
    "Omar",
    "Lena",
    "Ravi",
    "Chloe",
    "Mateo",
    "Hana",
    "Felix",
    "Priya",
    "Noah",
    "Ines",
    "Kenji",
    "Zara",
    "Lucas",
    "Mei",
    "Arjun",
    "Elena",
    "Tariq",
    "Nora",
    "Hugo",
    "Aiko",
    "Diego",
    "Freya",
    "Idris",
    "Jun",
    "Kira",
    "Leo",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Qing",
    "Rosa",
    "Sami",
    "Tess",
    "Uma",
    "Viktor",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
    "Bao",
    "Clara",
    "Dev",
    "Emil",
    "Farah",
    "Gus",
    "Hye",
    "Ivo",
    "Jia",
    "Kofi",
    "Lior",
    "Mads",
    "Nia",
)
_LAST = (
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Castell",
    "Brennan",
    "Haddad",
    "Novak",
    "Petrova",
    "Quintero",
    "Rahman",
    "Sato",
    "Thorne",
    "Ueda",
    "Varga",
    "Whitlock",
    "Xu",
    "Yilmaz",
    "Zhou",
    "Abbott",
    "Bianchi",
    "Cheng",
    "Dumont",
    "Eriksen",
    "Fontaine",
    "Gallo",
    "Huang",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Mendes",
    "Nakamura",
    "Oyelaran",
    "Park",
    "Rossi",
    "Schulz",
    "Takeda",
    "Umar",
    "Vance",
    "Weber",
    "Yamada",
    "Zhang",
    "Alvarez",
    "Bauer",
    "Costa",
    "Dubois",
    "Esposito",
    "Fischer",
    "Garcia",
    "Hoffmann",
    "Ito",
    "Jovanovic",
    "Kim",
    "Lopez",
    "Muller",
    "Nguyen",
    "Olsen",
    "Pereira",
    "Qureshi",
    "Richter",
    "Silva",
    "Tran",
    "Urban",
    "Vogel",
    "Wang",
    "Young",
    "Ziegler",
    "Arnaud",
    "Becker",
)
_ZH = "星云量子智源深蓝极光远航天工灵犀启明云帆数擎未来长风青松知行开物光年时代"
_ZH_SUFFIX = {"startup": "科技", "firm": "资本", "giant": "集团", "cloud": "云", "arm": "投资"}
_STARTUP_SUFFIXES = ("AI", "Labs", "Robotics", "Technologies", "Intelligence", "Systems", "Bio", "Data")
_FIRM_SUFFIXES = ("Capital", "Ventures", "Partners", "Investment", "Fund")


def _stems() -> list[str]:
    return [h + m + t for h in _HEADS for m in _MIDS for t in _TAILS]


def _stem(index: int, stems: list[str]) -> str:
    """The index-th unique name stem: a base word, qualified by a second word past the first round."""
    base, qualifier = index % len(stems), index // len(stems)
    if qualifier == 0:
        return stems[base]
    return f"{_QUALIFIERS[(qualifier - 1) % len(_QUALIFIERS)]} {stems[base]}" + (
        f" {qualifier // len(_QUALIFIERS) + 1}" if qualifier > len(_QUALIFIERS) else ""
    )


def _round_sentence(
    subject: str, round_words: str, raised: str | None, valuation: str | None, lead: Org | None, followers: list[Org]
) -> str:
    """The article's sentence for one round: "On May 3, 2019, X raised $5M in a Series A led by Y, ..."."""
    text = f"{subject} raised"
    if raised is not None:
        text += f" {raised} in"
    text += f" {round_words}"
    if lead is not None:
        text += f" led by {lead.name}"
    if followers:
        text += f"{',' if lead else ''} with participation from {', '.join(f.name for f in followers)}"
    if valuation is not None:
        text += f", at a post-money valuation of {valuation}"
    return text + "."


def _person_name(index: int) -> str:
    first, rest = index % len(_FIRST), index // len(_FIRST)
    last, initial = rest % len(_LAST), rest // len(_LAST)
    if initial == 0:
        return f"{_FIRST[first]} {_LAST[last]}"
    letters = "ABCDEFGHJKLMNPRSTVW"
    middle = letters[(initial - 1) % len(letters)]
    extra = (initial - 1) // len(letters)
    return f"{_FIRST[first]} {middle}. {_LAST[last]}" + (f" {extra + 1}" if extra else "")


def local_id(name: str) -> str:
    """The IRI local name for a display name, as the curated facts spell ids (spaces → '_')."""
    return name.replace(" ", "_").replace(".", "")


# --- serialisation ---------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def iri(value: str) -> str:
    return f"<{value}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    if lang:
        return f'"{_escape(text)}"@{lang}'
    if datatype:
        return f'"{_escape(text)}"^^<{datatype}>'
    return f'"{_escape(text)}"'


def decimal_lit(units: int) -> str:
    """An xsd:decimal in the canonical form kgqa/kg/triples.py writes ("2500000000.0"), never a double."""
    return f'"{units}.0"^^<{XSD}decimal>'


def money_label(value: int, currency: str, qualifier: str) -> str:
    """'more than US$2.5 billion': the build's own wording, so generated and curated labels agree."""
    return build_label(Amount(Decimal(value), currency, qualifier, None))


def short_money(value: int, currency: str) -> str:
    """'$23.4 million' as a news sentence writes it."""
    sign = {"USD": "$", "CNY": "RMB ", "EUR": "€"}[currency]
    for size, word in ((10**9, "billion"), (10**6, "million")):
        if value >= size:
            return f"{sign}{value / size:.3g} {word}"
    return f"{sign}{value:,}"


class Writer:
    """Streams statements as N-Triples, N-Quads or TriG lines and counts them.

    TriG is written as one graph block of N-Triples-syntax statements, which TriG allows, so the
    file can be produced in one pass without holding anything back.
    """

    def __init__(self, out: TextIO, fmt: str, graph: str | None) -> None:
        self.out, self.fmt, self.count = out, fmt, 0
        self.graph = graph or ASSERTED_GRAPH
        self._suffix = f" <{self.graph}> .\n" if fmt == "nq" else " .\n"
        self._buffer: list[str] = []
        if fmt == "trig":
            out.write(f"<{self.graph}> {{\n")

    def add(self, s: str, p: str, o: str) -> None:
        self._buffer.append(f"{s} {p} {o}{self._suffix}")
        self.count += 1
        if len(self._buffer) >= 4096:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self._buffer))
        self._buffer.clear()

    def close(self) -> None:
        self.flush()
        if self.fmt == "trig":
            self.out.write("}\n")


FORMATS = {".nt": "nt", ".nq": "nq", ".trig": "trig"}


# --- the model -------------------------------------------------------------------------------


@dataclass
class Org:
    index: int
    kind: str  # startup | firm | giant | cloud | arm | data | media
    name: str
    local: str
    classes: tuple[str, ...]
    country: str
    alt: list[str] = field(default_factory=list)
    zh: str | None = None
    parent: Org | None = None
    subsidiaries: list[Org] = field(default_factory=list)


@dataclass
class Sentence:
    node: str
    text: str


class Documents:
    """Synthetic source documents: sentences are numbered into documents of a fixed size.

    Each document's ``kgqa:sourceText`` is its headline plus its sentences, so every quote sits at
    its charStart/charEnd exactly (the SHACL rule the real article obeys).
    """

    def __init__(self, w: Writer, seed: int, publisher: str) -> None:
        self.w, self.seed, self.publisher = w, seed, publisher
        self.number = 0
        self.sentences: list[Sentence] = []
        self.doc_local = ""
        self._open()

    def _open(self) -> None:
        self.number += 1
        self.doc_local = f"synthetic-wire-{self.seed}-{self.number:05d}"
        self.sentences = []

    def say(self, text: str) -> str:
        """Add a sentence to the current document; returns its evidence node IRI (in <>)."""
        if len(self.sentences) >= SENTENCES_PER_DOCUMENT:
            self.close()
            self._open()
        index = len(self.sentences) + 2  # sentence 1 is the headline, as in the real article
        node = iri(f"{RES}{self.doc_local}_s{index:03d}")
        self.sentences.append(Sentence(node, text))
        return node

    def close(self) -> None:
        if not self.sentences:
            return
        w = self.w
        year = 2015 + (self.number % 10)
        date = f"{year}-{(self.number % 12) + 1:02d}-{(self.number % 28) + 1:02d}"
        title = f"Funding wire no. {self.number}: who raised what, and from whom"
        doc = iri(RES + self.doc_local)
        text = title + "\n\n"
        for i, sentence in enumerate(self.sentences, start=2):
            start = len(text)
            text += sentence.text
            end = len(text)
            text += " "
            n = sentence.node
            w.add(n, iri(RDF_TYPE), iri(OWL + "NamedIndividual"))
            w.add(n, iri(RDF_TYPE), iri(KGQA + "ArticleEvidence"))
            w.add(n, iri(RDFS + "label"), lit(f"sentence {i} of the article", "en"))
            w.add(n, iri(KGQA + "quote"), lit(sentence.text))
            w.add(n, iri(KGQA + "sentenceIndex"), lit(str(i), datatype=XSD + "integer"))
            w.add(n, iri(KGQA + "charStart"), lit(str(start), datatype=XSD + "integer"))
            w.add(n, iri(KGQA + "charEnd"), lit(str(end), datatype=XSD + "integer"))
            w.add(n, iri(PROV + "wasQuotedFrom"), doc)
        w.add(doc, iri(RDF_TYPE), iri(OWL + "NamedIndividual"))
        w.add(doc, iri(RDF_TYPE), iri(KGQA + "SourceDocument"))
        w.add(doc, iri(RDFS + "label"), lit(f"{title} (Synthetic Funding Wire, {date})", "en"))
        w.add(doc, iri(KGQA + "title"), lit(title))
        w.add(doc, iri(KGQA + "publicationDate"), lit(date))
        w.add(doc, iri(KGQA + "publishedBy"), self.publisher)
        w.add(doc, iri(KGQA + "sourceText"), lit(text.rstrip(" ")))
        self.sentences = []


class Generator:
    """Builds the organisations first (small), then streams every statement about them."""

    def __init__(self, orgs: int, seed: int, w: Writer, progress: Callable[[int, int], None] | None = None) -> None:
        if orgs < 20:
            raise ValueError("--orgs must be at least 20 (a giant, firms, start-ups and their rounds)")
        self.n, self.seed, self.w = orgs, seed, w
        self.rng = random.Random(seed)
        self.progress = progress or (lambda done, total: None)
        self.blank = 0
        self.people = 0
        self.stems = _stems()
        self.rng.shuffle(self.stems)  # so that a small graph's names do not all start alike
        self.orgs: list[Org] = []
        self.models: list[tuple[str, str]] = []  # (iri, evidence) of AI models, for comparisons

    # --- helpers ----------------------------------------------------------------------------
    def axiom(self, s: str, p: str, o: str, evidence: str, note: str | None = None) -> None:
        """A binary fact plus its OWL axiom annotation (kgqa:evidence), as kgqa/kg/triples.py writes them."""
        w = self.w
        w.add(s, p, o)
        self.blank += 1
        digest = hashlib.sha1(f"{self.seed}|{self.blank}".encode()).hexdigest()[:12]
        ax = f"_:g{digest}"
        w.add(ax, iri(RDF_TYPE), iri(OWL + "Axiom"))
        w.add(ax, iri(OWL + "annotatedSource"), s)
        w.add(ax, iri(OWL + "annotatedProperty"), p)
        w.add(ax, iri(OWL + "annotatedTarget"), o)
        w.add(ax, iri(KGQA + "evidence"), evidence)
        if note:
            w.add(ax, iri(SKOS + "note"), lit(note, "en"))

    def node(self, local: str, cls: str, label: str, evidence: list[str]) -> str:
        """An n-ary fact node: type, label, evidence (kgqa.kg.triples.TripleBuilder.node)."""
        w = self.w
        s = iri(RES + local)
        w.add(s, iri(RDF_TYPE), iri(OWL + "NamedIndividual"))
        w.add(s, iri(RDF_TYPE), iri(KGQA + cls))
        w.add(s, iri(RDFS + "label"), lit(label, "en"))
        for ev in evidence:
            w.add(s, iri(KGQA + "hasEvidence"), ev)
        return s

    def pick(self, table: tuple[tuple[str, float], ...]) -> str:
        r, acc = self.rng.random(), 0.0
        for value, weight in table:
            acc += weight
            if r < acc:
                return value
        return table[-1][0]

    # --- organisations ----------------------------------------------------------------------
    def plan(self) -> None:
        """Decide every organisation (kinds, names, parents) before writing anything."""
        rng = self.rng
        n = self.n
        order = list(range(n * 2))
        rng.shuffle(order)  # names are handed out in a random order so that kinds do not cluster
        names = iter(order)
        giants = max(1, n // 100)
        data_providers = max(1, n // 500)
        firms = max(3, n * 22 // 100)
        startups = n - giants * 3 - data_providers - 1 - firms
        if startups < 5:
            raise ValueError("--orgs is too small for this mix of organisations")

        def org(kind: str, suffix: str, classes: tuple[str, ...]) -> Org:
            stem = _stem(next(names), self.stems)
            name = f"{stem} {suffix}".strip()
            o = Org(len(self.orgs), kind, name, local_id(name), classes, self.pick(COUNTRIES))
            self.orgs.append(o)
            if kind in {"startup", "firm", "giant"}:
                o.alt.append(stem)
            if rng.random() < 0.2 and kind != "media":
                a, b = rng.randrange(len(_ZH)), rng.randrange(len(_ZH))
                o.zh = _ZH[a] + _ZH[b] + _ZH_SUFFIX.get(kind, "")
            return o

        self.publisher = org("media", "Funding Wire", ("MediaOrganization",))
        self.publisher.name = "Synthetic Funding Wire"
        self.publisher.local = f"Synthetic_Funding_Wire_{self.seed}"
        for _ in range(giants):
            g = org("giant", "Group", ("TechGiant",))
            g.alt.append(f"{g.alt[0]} Holdings")
            stem = g.alt[0]
            cloud = Org(
                len(self.orgs),
                "cloud",
                f"{stem} Cloud",
                local_id(f"{stem} Cloud"),
                ("Company", "CloudProvider"),
                g.country,
                alt=[f"{stem} Cloud Intelligence"],
                parent=g,
            )
            arm = Org(
                len(self.orgs) + 1,
                "arm",
                f"{stem} Ventures",
                local_id(f"{stem} Ventures"),
                ("InvestmentFirm",),
                g.country,
                parent=g,
            )
            self.orgs += [cloud, arm]
            g.subsidiaries += [cloud, arm]
        for _ in range(data_providers):
            org("data", "Research", ("DataProvider",))
        for _ in range(firms):
            f = org("firm", rng.choice(_FIRM_SUFFIXES), ("InvestmentFirm",))
            f.alt.append(f"{f.name} Management")
        for _ in range(startups):
            ai = rng.random() < 0.7
            s = org("startup", rng.choice(_STARTUP_SUFFIXES), ("AIStartup",) if ai else ("Startup",))
            if rng.random() < 0.3:
                s.alt.append(f"{s.name} Inc.")
        # A few firms are owned by another firm or a giant (a fund family): chains of investsIn.
        firms_list = [o for o in self.orgs if o.kind == "firm"]
        giants_list = [o for o in self.orgs if o.kind == "giant"]
        for f in firms_list[: max(1, len(firms_list) // 25)]:
            parent = rng.choice(giants_list + firms_list)
            if parent is not f and parent.parent is not f and f.parent is None:
                f.parent = parent
                parent.subsidiaries.append(f)
        self.ai_startups = [o for o in self.orgs if o.kind == "startup" and "AIStartup" in o.classes]
        # Investor popularity: Zipf weights on a random ranking of everyone who invests.
        self.investors = [o for o in self.orgs if o.kind in {"firm", "giant", "cloud", "arm"}]
        rng.shuffle(self.investors)
        weights = [1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(self.investors))]
        self.cumulative = list(itertools.accumulate(weights))

    def investors_for(self, k: int) -> list[Org]:
        """k distinct investors, drawn by popularity (heavy-tailed)."""
        chosen: list[Org] = []
        total = self.cumulative[-1]
        tries = 0
        while len(chosen) < k and tries < k * 20:
            tries += 1
            o = self.investors[bisect.bisect_left(self.cumulative, self.rng.random() * total)]
            if o not in chosen:
                chosen.append(o)
        return chosen

    # --- statements -------------------------------------------------------------------------
    def run(self, docs: Documents) -> None:
        self.docs = docs
        self.curators = iri(RES + f"external_synthetic-names-{self.seed}")
        w = self.w
        w.add(self.curators, iri(RDF_TYPE), iri(OWL + "NamedIndividual"))
        w.add(self.curators, iri(RDF_TYPE), iri(KGQA + "ExternalEvidence"))
        w.add(self.curators, iri(RDFS + "label"), lit(f"curators' record: synthetic-names-{self.seed}", "en"))
        w.add(
            self.curators,
            iri(KGQA + "note"),
            lit("Chinese names of the synthetic organisations, made up by kgqa generate."),
        )
        w.add(self.curators, iri(PROV + "wasAttributedTo"), iri(KGQA + "kgqaCurators"))
        total = len(self.orgs)
        for i, o in enumerate(self.orgs):
            self.organisation(o)
            if o.kind == "startup":
                self.rounds(o)
            if i % 500 == 0 or i == total - 1:
                self.progress(i + 1, total)
        self.comparisons()
        docs.close()

    def _founders(self, o: Org) -> list[tuple[str, str, str]]:
        """The people an organisation is described with: (person local id, role, name)."""
        rng = self.rng
        founders: list[tuple[str, str, str]] = []
        roles = {
            "startup": ("Founder", "ChiefExecutiveOfficer"),
            "firm": ("Partner", "Partner"),
            "arm": ("Partner",),
            "giant": ("Chairman", "ChiefExecutiveOfficer", "ChiefStrategyOfficer"),
            "data": ("Analyst",),
            "cloud": (),
            "media": (),
        }[o.kind]
        count = len(roles) if o.kind != "startup" else (1 if rng.random() < 0.5 else 2)
        for role in roles[:count]:
            name = _person_name(self.people)
            self.people += 1
            founders.append((local_id(name), role, name))
        return founders

    def _person(self, o: Org, s: Any, person_local: str, role: str, name: str, ev: Any) -> None:
        """A person, their position in the organisation `s` and, for analysts, their claims."""
        w, rng = self.w, self.rng
        p = iri(RES + person_local)
        w.add(p, iri(RDF_TYPE), iri(OWL + "NamedIndividual"))
        self.axiom(p, iri(RDF_TYPE), iri(KGQA + "Person"), ev)
        self.axiom(p, iri(RDFS + "label"), lit(name, "en"), ev)
        self.axiom(p, iri(SKOS + "prefLabel"), lit(name, "en"), ev)
        pos = self.node(
            f"{person_local}_{role}_{o.local}", "Position", f"{name}, {ROLE_LABELS[role]} of {o.name}", [ev]
        )
        w.add(pos, iri(KGQA + "holder"), p)
        w.add(pos, iri(KGQA + "role"), iri(KGQA + role))
        w.add(pos, iri(KGQA + "positionIn"), s)
        if o.kind == "data" and rng.random() < 0.9:
            self.claims(o, p, name)

    def organisation(self, o: Org) -> None:
        w, rng = self.w, self.rng
        s = iri(RES + o.local)
        what = {
            "startup": "an AI start-up" if "AIStartup" in o.classes else "a start-up",
            "firm": "an investment firm",
            "giant": "a technology giant",
            "cloud": "a cloud provider",
            "arm": "a venture capital firm",
            "data": "a research and data provider",
            "media": "a news publisher",
        }[o.kind]
        sentence = f"{o.name}"
        if o.alt:
            sentence += f" (also known as {o.alt[0]})"
        sentence += f" is {what} based in {COUNTRY_NAMES[o.country]}"
        if o.parent is not None:
            sentence += f" and a subsidiary of {o.parent.name}"
        founders = self._founders(o)
        if founders:
            sentence += "; " + ", ".join(f"{name} is its {ROLE_LABELS[role]}" for _, role, name in founders)
        ev = self.docs.say(sentence + ".")
        w.add(s, iri(RDF_TYPE), iri(OWL + "NamedIndividual"))
        for cls in o.classes:
            self.axiom(s, iri(RDF_TYPE), iri(KGQA + cls), ev)
        self.axiom(s, iri(RDFS + "label"), lit(o.name, "en"), ev)
        self.axiom(s, iri(SKOS + "prefLabel"), lit(o.name, "en"), ev)
        for alt in o.alt:
            self.axiom(s, iri(SKOS + "altLabel"), lit(alt, "en"), ev)
        if o.zh:
            self.axiom(s, iri(SKOS + "altLabel"), lit(o.zh, "zh"), self.curators)
        if o.kind != "media":
            self.axiom(s, iri(KGQA + "basedIn"), iri(KGQA + o.country), ev)
        if o.parent is not None:
            self.axiom(iri(RES + o.parent.local), iri(KGQA + "hasSubsidiary"), s, ev)
        for person_local, role, name in founders:
            self._person(o, s, person_local, role, name, ev)
        if o.kind == "startup" and "AIStartup" in o.classes and rng.random() < 0.5:
            self.models_of(o, s)
        if o.kind == "giant":
            self.strategic(o)

    def models_of(self, o: Org, s: str) -> None:
        w, rng = self.w, self.rng
        for k in range(1 if rng.random() < 0.7 else 2):
            name = f"{o.alt[0] if o.alt else o.name}-{k + 1}"
            ev = self.docs.say(f"{o.name} released {name}, its {'first' if k == 0 else 'second'} large model.")
            m = iri(RES + local_id(name))
            w.add(m, iri(RDF_TYPE), iri(OWL + "NamedIndividual"))
            self.axiom(m, iri(RDF_TYPE), iri(KGQA + "AIModel"), ev)
            self.axiom(m, iri(RDFS + "label"), lit(name, "en"), ev)
            self.axiom(m, iri(SKOS + "prefLabel"), lit(name, "en"), ev)
            self.axiom(m, iri(KGQA + "developedBy"), s, ev)
            self.models.append((m, name))

    def strategic(self, giant: Org) -> None:
        """A giant backs some AI start-ups, and its cloud unit is the exclusive cloud of some."""
        rng = self.rng
        ai = self.ai_startups
        picks = rng.sample(ai, min(len(ai), rng.randrange(3, 13)))
        cloud = next((c for c in giant.subsidiaries if c.kind == "cloud"), None)
        for i, target in enumerate(picks):
            provider, kind, shortcut = giant, "Backing", "backs"
            if cloud is not None and i % 3 == 2:
                provider, kind, shortcut = cloud, "ExclusiveCloudProvision", "exclusiveCloudProviderOf"
            text = (
                f"{target.name} has {provider.name} behind it."
                if kind == "Backing"
                else f"{provider.name} is the exclusive cloud provider of {target.name}."
            )
            ev = self.docs.say(text)
            rel = self.node(
                f"{provider.local}_{kind}_{target.local}",
                "StrategicRelationship",
                f"{provider.name} – {KIND_LABELS[kind]} – {target.name}",
                [ev],
            )
            w = self.w
            w.add(rel, iri(KGQA + "relationshipKind"), iri(KGQA + kind))
            w.add(rel, iri(KGQA + "provider"), iri(RES + provider.local))
            w.add(rel, iri(KGQA + "counterparty"), iri(RES + target.local))
            self.axiom(iri(RES + provider.local), iri(KGQA + shortcut), iri(RES + target.local), ev)

    def claims(self, provider: Org, analyst: str, name: str) -> None:
        """An analyst's statistic about an investor's activity and a claim about the market."""
        rng, w = self.rng, self.w
        firm = rng.choice(self.investors[:50])
        year = rng.randrange(2016, 2025)
        count = rng.randrange(5, 120)
        ev = self.docs.say(
            f"{name}, an analyst at {provider.name}, said that in {year} {firm.name} "
            f"invested in more than {count} companies."
        )
        local = f"{firm.local}_investments_{year}_{provider.local}"
        st = self.node(local, "Statistic", f"companies {firm.name} invested in ({year})", [ev])
        w.add(st, iri(KGQA + "about"), iri(RES + firm.local))
        w.add(st, iri(KGQA + "statedBy"), analyst)
        w.add(st, iri(KGQA + "measure"), lit(f"companies {firm.name} invested in"))
        w.add(st, iri(KGQA + "period"), lit(str(year)))
        w.add(st, iri(KGQA + "quantity"), decimal_lit(count))
        w.add(st, iri(KGQA + "amountQualifier"), iri(KGQA + "MoreThan"))
        w.add(st, iri(KGQA + "unit"), lit("companies"))
        statement = f"{firm.name} is one of the most active investors in AI start-ups."
        ev2 = self.docs.say(f"According to {name}, {statement[0].lower()}{statement[1:]}")
        cl = self.node(f"{provider.local}_on_{firm.local}", "Claim", statement, [ev2])
        w.add(cl, iri(KGQA + "about"), iri(RES + firm.local))
        w.add(cl, iri(KGQA + "statedBy"), analyst)
        w.add(cl, iri(KGQA + "statement"), lit(statement))

    def rounds(self, o: Org) -> None:
        """1–6 funding rounds of a start-up, each with its investments, amounts and evidence."""
        rng, w = self.rng, self.w
        company = iri(RES + o.local)
        n_rounds = rng.choices((1, 2, 3, 4, 5, 6), weights=(30, 25, 20, 12, 8, 5))[0]
        sequence = ["Angel" if rng.random() < 0.4 else "Seed", "SeriesA", "SeriesB", "SeriesC"]
        year, month = rng.randrange(2012, 2023), rng.randrange(1, 13)
        currency = self.pick(CURRENCIES)
        best: tuple[int, Org] | None = None
        used_ids: set[str] = set()
        for k in range(n_rounds):
            rtype = sequence[k] if k < len(sequence) else "SeriesUnknown"
            if rng.random() < 0.08:
                rtype = "SeriesUnknown"
            day = rng.randrange(1, 29)
            precision = self.pick((("Day", 0.6), ("Month", 0.3), ("Year", 0.1)))
            date = {"Day": f"{year}-{month:02d}-{day:02d}", "Month": f"{year}-{month:02d}", "Year": f"{year}"}[
                precision
            ]
            round_local = f"{o.local}_{rtype}" if rtype != "SeriesUnknown" else f"{o.local}_round_{date}"
            if round_local in used_ids:
                round_local += f"_{k + 1}"
            used_ids.add(round_local)
            low, high = ROUND_SIZES[rtype]
            raised = int(rng.uniform(low, high) * 10) * 100_000
            valuation = raised * rng.randrange(3, 11)
            if rtype in {"SeriesC", "SeriesUnknown"} and rng.random() < 0.15:
                valuation *= rng.randrange(2, 5)  # the hot ones: unicorns are rare but not absent
            has_raised = rng.random() < 0.85
            has_valuation = rng.random() < 0.5
            investors = self.investors_for(1 + min(11, int(rng.expovariate(0.6))))
            lead = investors[0] if rng.random() < 0.85 else None
            followers = [i for i in investors if i is not lead]
            when = {
                "Day": f"On {MONTHS[month - 1]} {day}, {year}",
                "Month": f"In {MONTHS[month - 1]} {year}",
                "Year": f"In {year}",
            }[precision]
            text = _round_sentence(
                f"{when}, {o.name}",
                ROUND_WORDS[rtype],
                short_money(raised, currency) if has_raised else None,
                short_money(valuation, currency) if has_valuation else None,
                lead,
                followers,
            )
            ev = self.docs.say(text)
            label = f"{o.name} {ROUND_LABELS[rtype]} of {date}"
            r = self.node(round_local, "FundingRound", label, [ev])
            w.add(r, iri(KGQA + "fundedOrganization"), company)
            w.add(r, iri(KGQA + "roundType"), iri(KGQA + rtype))
            w.add(r, iri(KGQA + "date"), lit(date))
            w.add(r, iri(KGQA + "datePrecision"), iri(KGQA + precision))
            if has_raised:
                w.add(r, iri(KGQA + "moneyRaised"), self.amount(f"{round_local}_raised", raised, currency, ev))
            if has_valuation:
                w.add(
                    r,
                    iri(KGQA + "postMoneyValuation"),
                    self.amount(f"{round_local}_valuation", valuation, currency, ev),
                )
            for inv in investors:
                self.investment(inv, round_local, r, label, inv is lead, lead is not None, ev)
            if lead is not None and (best is None or raised > best[0]):
                best = (raised, lead)
            month += rng.randrange(8, 25)
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        # "X has also appeared in Y": an investment without a known round (investee asserted).
        if rng.random() < 0.05:
            inv = self.investors_for(1)[0]
            ev = self.docs.say(f"{inv.name} has also appeared in {o.name}.")
            node = self.node(
                f"investment_{inv.local}_in_{o.local}", "Investment", f"{inv.name} investment in {o.name}", [ev]
            )
            w.add(node, iri(KGQA + "investee"), company)
            w.add(iri(RES + inv.local), iri(KGQA + "makesInvestment"), node)
        if best is not None and rng.random() < 0.1:
            ev = self.docs.say(f"{best[1].name} is now the largest institutional shareholder of {o.name}.")
            self.axiom(iri(RES + best[1].local), iri(KGQA + "largestInstitutionalShareholderOf"), company, ev)

    def amount(self, local: str, value: int, currency: str, ev: str) -> str:
        w, rng = self.w, self.rng
        qualifier = self.pick((("Exactly", 0.85), ("MoreThan", 0.10), ("AtLeast", 0.05)))
        a = self.node(local, "MonetaryAmount", money_label(value, currency, qualifier), [ev])
        w.add(a, iri(KGQA + ("amountValue" if qualifier == "Exactly" else "minAmount")), decimal_lit(value))
        w.add(a, iri(KGQA + "currencyCode"), lit(currency))
        w.add(a, iri(KGQA + "amountQualifier"), iri(KGQA + qualifier))
        if rng.random() < 0.5:
            w.add(a, iri(KGQA + "asReported"), lit(QUALIFIER_WORDS[qualifier] + short_money(value, currency)))
        return a

    def investment(
        self, inv: Org, round_local: str, r: str, round_label: str, is_lead: bool, lead_known: bool, ev: str
    ) -> None:
        w = self.w
        node = self.node(f"{round_local}_{inv.local}", "Investment", f"{inv.name} in {round_label}", [ev])
        w.add(node, iri(KGQA + "inRound"), r)
        investor = iri(RES + inv.local)
        w.add(investor, iri(KGQA + "makesInvestment"), node)
        if is_lead:
            w.add(node, iri(KGQA + "isLeadInvestor"), lit("true", datatype=XSD + "boolean"))
            self.axiom(investor, iri(KGQA + "ledRound"), r, ev)
        elif lead_known:
            # The sentence names the lead, so the others are known not to have led.
            w.add(node, iri(KGQA + "isLeadInvestor"), lit("false", datatype=XSD + "boolean"))
        if is_lead and self.rng.random() < 0.1:
            w.add(node, iri(KGQA + "participationQualifier"), iri(KGQA + "MostOfFunds"))

    def comparisons(self) -> None:
        """Some models outperform others (product-comparisons)."""
        rng = self.rng
        for m, name in self.models[: max(1, len(self.models) // 20)]:
            other, other_name = rng.choice(self.models)
            if other == m:
                continue
            ev = self.docs.say(f"In benchmarks, {name} showed capabilities beyond {other_name}.")
            self.axiom(m, iri(KGQA + "outperforms"), other, ev)


def generate(
    orgs: int,
    seed: int,
    out: TextIO,
    fmt: str = "nt",
    graph: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the graph for (orgs, seed) to ``out``; returns the number of triples written."""
    w = Writer(out, fmt, graph)
    gen = Generator(orgs, seed, w, progress)
    gen.plan()
    docs = Documents(w, seed, iri(RES + gen.publisher.local))
    gen.run(docs)
    w.close()
    return w.count


def iter_lines(orgs: int, seed: int) -> Iterator[str]:
    """The N-Triples lines for (orgs, seed), for tests that want them in memory."""
    import io

    buffer = io.StringIO()
    generate(orgs, seed, buffer)
    yield from buffer.getvalue().splitlines()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``kgqa generate``: exit 0, or 2 for bad arguments."""
    parser = argparse.ArgumentParser(prog="kgqa generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="OUT", help="output file: .nt, .nq or .trig")
    parser.add_argument(
        "--orgs",
        type=int,
        default=3500,
        help=f"number of organisations (~{TRIPLES_PER_ORG} asserted triples each; default 3500 ≈ 1M "
        "triples once materialised)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--graph", help=f"named graph for .nq/.trig (default {ASSERTED_GRAPH})")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    fmt = FORMATS.get(args.out.suffix.lower())
    if fmt is None:
        print(f"kgqa generate: unknown extension {args.out.suffix!r}; use .nt, .nq or .trig", file=sys.stderr)
        return 2
    started = time.perf_counter()
    bar = None if args.quiet else Progress("generating", 0, sys.stderr, unit="organisations")

    tmp = args.out.with_name(args.out.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as out:
            count = generate(args.orgs, args.seed, out, fmt, args.graph, None if bar is None else bar.update)
    except ValueError as exc:
        tmp.unlink(missing_ok=True)
        print(f"kgqa generate: {exc}", file=sys.stderr)
        return 2
    tmp.replace(args.out)  # a killed run leaves no half-written OUT behind
    took = time.perf_counter() - started
    if bar is not None:
        bar.finish()
    if not args.quiet:
        print(
            f"generate: wrote {count:,} triples about {args.orgs:,} organisations to {args.out} "
            f"in {took:.1f} s ({count / took:,.0f} triples/s)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
