"""The namespaces and graph IRIs of the kgqa graph, spelled once.

Its own module, importing nothing, so that any layer (the policy, the store, the web) can name them
without importing the configuration and what that imports.
"""

from __future__ import annotations

KGQA_BASE = "https://w3id.org/kgqa/"  # every IRI below starts here
ONTOLOGY_IRI = KGQA_BASE + "ontology"  # the ontology's own IRI (what the graph's owl:imports names)
ONTOLOGY_NS = ONTOLOGY_IRI + "#"  # its classes and properties: https://w3id.org/kgqa/ontology#Organization
RESOURCE_NS = KGQA_BASE + "resource/"  # the entities: https://w3id.org/kgqa/resource/minimax
SHAPES_NS = KGQA_BASE + "shapes#"  # the SHACL shapes the build validates against
KG_IRI = KGQA_BASE + "kg"  # the built graph as an OWL ontology (it imports ONTOLOGY_IRI)
GRAPH_NS = KGQA_BASE + "graph/"
ASSERTED_GRAPH = GRAPH_NS + "asserted"
INFERRED_GRAPH = GRAPH_NS + "inferred"
ONTOLOGY_GRAPH = GRAPH_NS + "ontology"
# Links an inferred triple's reification to the reasoning run that derived it.
ENTAILED_BY = ONTOLOGY_NS + "entailedBy"

XSD = "http://www.w3.org/2001/XMLSchema#"
# The integer datatypes of XSD: written as JSON numbers, compared as integers.
INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
}
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

PREFIXES: dict[str, str] = {
    "kgqa": ONTOLOGY_NS,
    "kgr": RESOURCE_NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
}


def prologue(*prefixes: str) -> str:
    """SPARQL `PREFIX` declarations, one a line, for the given names of `PREFIXES` (a fixed query's)."""
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in prefixes)
