"""Local declarations for the Protégé file, so that it stays OWL 2 DL without its import.

``kgqa-kg.owl`` imports the ontology by its w3id IRI (``kgqa.vocab.ONTOLOGY_IRI``), which
resolves offline only through ``catalog-v001.xml`` next to it (and online only once the w3id
redirect is registered). Opened without the catalog, the OWL API cannot tell whether
``kgqa:fundedOrganization`` is an object, data or annotation property, and the OWL 2 DL profile
check fails on every use of an undeclared term. Repeating in the file the ontology's
declaration of each term the file uses costs a few hundred triples and keeps it DL either way;
with the import resolved, a declaration stated twice means nothing more.
"""

from __future__ import annotations

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import OWL

# The OWL entity kinds a declaration names (OWL 2 mapping to RDF, table 7).
ENTITY_KINDS = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
)


def used_terms(graph: Graph) -> set[URIRef]:
    """Every IRI in ``graph``, in any position."""
    return {term for triple in graph for term in triple if isinstance(term, URIRef)}


def declarations(graph: Graph, ontology: Graph) -> Graph:
    """The ontology's declarations of the terms ``graph`` uses (only those it does not already hold)."""
    out = Graph()
    for term in sorted(used_terms(graph)):
        for kind in ENTITY_KINDS:
            if (term, RDF.type, kind) in ontology and (term, RDF.type, kind) not in graph:
                out.add((term, RDF.type, kind))
    return out
