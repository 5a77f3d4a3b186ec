"""kgqa: knowledge-graph question answering over a news article.

Layers, lowest first (the import-direction test pins them): `vocab`, `errors`, `settings` ->
`sparql` (policy, formats, encoding, the one query runner) -> `store` (embedded Oxigraph, remote
endpoints, the worker pool) -> `canned` (the query registry) and `qa` (questions) -> `state` ->
`web` (Flask) and `cli`. `kgqa.kg` builds the graph files the store loads. Importing this package
imports nothing else.
"""
