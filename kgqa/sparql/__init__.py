"""SPARQL without a web framework: the read-only policy, formats, encoding, the one query runner."""
