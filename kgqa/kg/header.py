"""The knowledge graph's header: what the graph is, who may reuse it and on what terms.

The graph's ``owl:Ontology`` node is what Protégé, a catalogue or a crawler reads first, so it
names the graph, says where its facts come from, and separates the two licences it carries:
kgqa's own (Apache 2.0, as the LICENSE file: the graph's structure, the curators' records and
notes) and the article's, which kgqa does not own. The article is shipped whole, not only the
quoted sentences, because every evidence sentence points into it by character offsets and the
web page shows each sentence in its context; it is attributed and unchanged, as a quotation that
lets anyone check every fact against the text, and it is not relicensed.

Kept as data, and free of build times, so that two builds stay byte-identical.
"""

from __future__ import annotations

from rdflib import RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS

from kgqa.kg.facts import Source

TITLE = "kgqa knowledge graph: AI start-up investments in China, from one news article"
LICENSE = URIRef("https://www.apache.org/licenses/LICENSE-2.0")
CREATOR = "kgqa developers"
# The date this edition of the graph's header was written (a constant: builds are deterministic).
CREATED = "2026-12-02"
DESCRIPTION = (
    "Investors, start-ups, funding rounds, people and strategic relationships stated in one news "
    "article ({title}, {publisher_name}, {date}), each fact with the sentence that supports it "
    "verbatim, plus what the curators added from outside the article (usual and Chinese names, "
    "corrected figures, background facts), each with the curators' record of why. The Turtle, "
    "JSON-LD and TriG files also hold the triples the HermiT reasoner infers (in their own named "
    "graph in kgqa-kg.trig)."
)
COMMENT = (
    "Facts taken from the source article, each with its evidence sentence, plus the triples the "
    "HermiT reasoner infers from them (listed separately in kgqa-kg.trig)."
)
RIGHTS = (
    "The graph (its structure, the curators' names, records and notes) is licensed under the "
    "Apache License 2.0, like the rest of kgqa. The article it quotes is not: its full text "
    "(kgqa:sourceText) and the sentences quoted as evidence (kgqa:quote) are an English machine "
    "translation of a report by {publisher_name} of {date}, whose rights stay with their holders. "
    "They are shipped unchanged and attributed, as quotation, so that every fact can be checked "
    "against its sentence in context; reusing the article's text for anything else needs its "
    "rights holders' permission."
)


def statements(source: Source, source_iri: URIRef, publisher_name: str) -> list[tuple]:
    """The (property, value) pairs of the graph's ``owl:Ontology`` node, for ``source``."""
    fill = {"title": source.title, "publisher_name": publisher_name, "date": source.date}
    return [
        (RDFS.label, Literal("kgqa knowledge graph", lang="en")),
        (RDFS.comment, Literal(COMMENT, lang="en")),
        (DCTERMS.title, Literal(TITLE, lang="en")),
        (DCTERMS.description, Literal(DESCRIPTION.format(**fill), lang="en")),
        (DCTERMS.license, LICENSE),
        (DCTERMS.rights, Literal(RIGHTS.format(**fill), lang="en")),
        (DCTERMS.source, source_iri),
        (DCTERMS.creator, Literal(CREATOR)),
        (DCTERMS.created, Literal(CREATED)),
    ]
