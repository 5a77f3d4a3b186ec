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
