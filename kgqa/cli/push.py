"""`kgqa load --endpoint URL`: put the built graph into a remote store with the Graph Store Protocol.

What is and is not atomic (SPARQL 1.1 Graph Store HTTP Protocol §5.3: a PUT replaces one graph):
- every file is parsed before anything is sent, so a file that does not parse changes nothing;
- each graph is replaced by one PUT, which the store applies as a whole (Oxigraph server in one
  transaction; Virtuoso in one request);
- across graphs it is not all or nothing: if the second PUT fails, the first graph is already
  replaced and the rest are as they were. The error names the URL and the graph, and loading
  again is safe (a PUT replaces, so nothing is duplicated), so the remedy is to run it again.
  For one transaction over everything, use the store's bulk loader (README, "When one machine is
  not enough").

Where the Graph Store is: `--graph-store URL`, or guessed from the query endpoint's URL (Oxigraph
serves `/query` and `/store`). Virtuoso's is `/sparql-graph-crud-auth`, with digest
authentication: `--user dba` and the password in `KGQA_GRAPH_STORE_PASSWORD` (or `--user
dba:PASSWORD`). Basic and digest authentication are both answered, whichever the store asks for.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kgqa.cli.load import parse_files

PASSWORD_ENV = "KGQA_GRAPH_STORE_PASSWORD"


class PushError(Exception):
    """The Graph Store could not be reached or refused a graph; the message names the URL."""


def default_graph_store(endpoint: str) -> str:
    """Oxigraph serves queries at /query and the Graph Store Protocol at /store; guess likewise."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for suffix in ("/query", "/sparql"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path + "/store", "", ""))


def opener(graph_store: str, user: str | None) -> urllib.request.OpenerDirector:
    """A URL opener that answers the store's basic or digest challenge with `user` (USER[:PASSWORD];
    the password otherwise from KGQA_GRAPH_STORE_PASSWORD)."""
    if not user:
        return urllib.request.build_opener()
    name, _, password = user.partition(":")
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, graph_store, name, password or os.environ.get(PASSWORD_ENV, ""))
    return urllib.request.build_opener(
        urllib.request.HTTPDigestAuthHandler(passwords), urllib.request.HTTPBasicAuthHandler(passwords)
    )


def push_to_endpoint(
    pairs: Sequence[tuple[Path, str | None]],
    graph_store: str,
    *,
    user: str | None = None,
    out: Any = sys.stderr,
    timeout: float = 120.0,
) -> int:
    """PUT each graph with the SPARQL 1.1 Graph Store Protocol (PUT replaces: loading twice is safe).

    Every file is parsed first (a syntax error sends nothing). Returns the triples sent.

    :raise SyntaxError, ValueError: a file does not parse (nothing was sent).
    :raise PushError: the Graph Store is unreachable or refused a PUT (graphs sent before it stay).
    """
    import pyoxigraph as ox

    parsed = parse_files(pairs)
    graphs = sorted(parsed.named_graphs(), key=lambda g: g.value)
    bodies = []
    for g in graphs:
        triples = [q.triple for q in parsed.quads_for_pattern(None, None, None, g)]
        bodies.append((g.value, len(triples), ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)))
    http = opener(graph_store, user)
    total = 0
    for done, (graph, count, body) in enumerate(bodies):
        status = _put(http, graph_store, graph, body, timeout, replaced=[g for g, _, _ in bodies[:done]])
        total += count
        print(f"PUT <{graph}> ({count} triples) → {status}", file=out, flush=True)
    return total


def _put(
    http: urllib.request.OpenerDirector, graph_store: str, graph: str, body: bytes, timeout: float, replaced: list[str]
) -> int:
    """One PUT; its failure as a `PushError` saying which URL, what it answered and what is left."""
    url = graph_store + "?" + urllib.parse.urlencode({"graph": graph})
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "application/n-triples"})
    left = f" Already replaced: {', '.join(f'<{g}>' for g in replaced)}; run the load again." if replaced else ""
    try:
        with http.open(request, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        hint = {
            401: "give --user (and the password in KGQA_GRAPH_STORE_PASSWORD)",
            403: "the store refuses writes there; Virtuoso's writable Graph Store is /sparql-graph-crud-auth "
            "with --user",
            404: "is this the Graph Store Protocol URL? give --graph-store",
            405: "is this the Graph Store Protocol URL? give --graph-store",
            501: "is this the Graph Store Protocol URL? give --graph-store",
        }.get(exc.code, "")
        raise PushError(
            f"PUT {url} answered HTTP {exc.code} {exc.reason} for <{graph}>" + (f": {hint}." if hint else ".") + left
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushError(f"the Graph Store {graph_store} could not be reached ({reason}).{left}") from None
