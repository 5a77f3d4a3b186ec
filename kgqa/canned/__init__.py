"""Canned queries: `queries/*.rq` as a registry, their typed parameters and their JSON results."""
