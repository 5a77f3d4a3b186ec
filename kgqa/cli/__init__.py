"""The `kgqa` command (build, load, serve, query, ask)."""
