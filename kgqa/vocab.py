"""The namespaces and graph IRIs of the kgqa graph, spelled once.

Its own module, importing nothing, so that any layer (the policy, the store, the web) can name them
without importing the configuration and what that imports.
"""

from __future__ import annotations

ONTOLOGY_NS = "https://w3id.org/kgqa/ontology#"
RESOURCE_NS = "https://w3id.org/kgqa/resource/"
GRAPH_NS = "https://w3id.org/kgqa/graph/"
ASSERTED_GRAPH = GRAPH_NS + "asserted"
INFERRED_GRAPH = GRAPH_NS + "inferred"
ONTOLOGY_GRAPH = GRAPH_NS + "ontology"

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
