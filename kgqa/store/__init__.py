"""Stores: the `Store` protocol, embedded Oxigraph in worker processes, and remote SPARQL endpoints."""
