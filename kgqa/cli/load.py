"""`kgqa load --store DIR`: bulk-load RDF files into a persistent Oxigraph store, all or nothing.

The steps, and why each is where it is:

1. Parse every file into one in-memory staging store. A syntax error stops the load before the
   store is touched, and several files filling the same graph (a TriG's asserted graph and an .nt
   going there too) add up instead of each replacing the one before.
2. Copy the store (an Oxigraph backup: hard links, so cheap) into a staging directory beside it,
   and work there: clear each graph the files fill, then add their quads with a progress line.
   Loading the same files twice leaves one copy (blank nodes get new identities on every parse,
   so adding without clearing would duplicate them).
3. Materialise the rule entailments the queries need (`kgqa.kg.materialize`, the scalable stand-in for
   the build's HermiT step) into the inferred graph, keeping what the files brought there.
4. Write the question answerer's entity index beside the data (`kgqa.qa.names`), so that
   `kgqa serve --store DIR` starts without reading every name in the graph.
5. Swap the staging directory in (`kgqa.kg.staging.install`). A load that fails or is killed at any
   step leaves the store as it was; running servers keep reading the files they opened.
"""

from __future__ import annotations

import shutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from kgqa.kg import staging as staging_dirs
from kgqa.kg.progress import Progress
from kgqa.store.pool import StoreSpec, load_store


def parse_files(pairs: Sequence[tuple[Path, str | None]]) -> Any:
    """Every file in one in-memory store (the workers' own loader: same formats, same graphs)."""
    return load_store(StoreSpec(files=tuple((str(path), graph) for path, graph in pairs)))


def load_into_store(
    pairs: Sequence[tuple[Path, str | None]],
    directory: str | Path,
    *,
    ontology: str | Path | None = None,
    names_query: str | None = None,
    chunk: int = 100_000,
    out: TextIO = sys.stderr,
) -> int:
    """Load `pairs` (file, graph for triple formats) into the store at `directory`; all or nothing.

    `ontology`: materialise its rule entailments after loading (None: skip). `names_query`: write
    the entity index from this query (None: skip). Returns the number of quads the files held.

    :raise SyntaxError, ValueError: a file that does not parse (the store is untouched).
    :raise OSError: the store cannot be read or written (the store is untouched).
    """
    target = Path(directory)
    say: Callable[[str], None] = lambda message: print(message, file=out, flush=True)  # noqa: E731
    started = time.perf_counter()
    parsed = parse_files(pairs)
    graphs = list(parsed.named_graphs())
    total = len(parsed)
    say(f"parsed {len(pairs)} file(s): {total:,} quads in {len(graphs)} graph(s) in {_since(started):.1f} s")

    staging_dirs.recover(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dirs.make(target)
    staging.chmod(0o755)  # mkdtemp makes it private; a store made by Oxigraph itself is not
    try:
        # An existing store is copied and added to; a missing or empty directory starts empty.
        current = target if target.is_dir() and any(target.iterdir()) else None
        quads = _fill(staging, current, parsed, ontology, names_query, chunk, say, out)
        staging_dirs.install(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"store {target}: {quads:,} quads (load took {_since(started):.1f} s)")
    return total


def _fill(
    staging: Path,
    current: Path | None,
    parsed: Any,
    ontology: str | Path | None,
    names_query: str | None,
    chunk: int,
    say: Callable[[str], None],
    out: TextIO,
) -> int:
    """Steps 2–4 in the staging directory; the store is closed on return, even on failure (an open
    RocksDB keeps writing its log and would refill a directory being deleted)."""
    import pyoxigraph as ox

    if current is not None:
        shutil.rmtree(staging)  # backup() wants to create the directory itself
        ox.Store.read_only(str(current)).backup(str(staging))
    store = ox.Store(str(staging))
    try:
        graphs = list(parsed.named_graphs())
        for g in graphs:
            store.clear_graph(g)
        total = len(parsed)
        progress = Progress("adding", total, out, unit="quads")
        batch: list[Any] = []
        done = 0
        for quad in parsed.quads_for_pattern(None, None, None, None):
            batch.append(quad)
            if len(batch) >= chunk:
                store.bulk_extend(batch)
                done += len(batch)
                batch = []
                progress.update(done)
        store.bulk_extend(batch)
        progress.update(total)
        say(f"added {total:,} quads in {progress.finish():.1f} s")
        if ontology is not None:
            _materialize(store, ontology, say)
        store.flush()
        store.optimize()
        if names_query is not None:
            from kgqa.qa import names as name_index

            started = time.perf_counter()
            rows = name_index.for_store(store, names_query, staging)
            say(f"indexed {len(rows):,} names for the question answerer in {_since(started):.1f} s")
        return len(store)
    except BaseException as exc:
        # The traceback's frames (materialize's, say) still hold the store: let it go with them.
        traceback.clear_frames(exc.__traceback__)
        raise
    finally:
        del store


def _materialize(store: Any, ontology: str | Path, say: Callable[[str], None]) -> None:
    """Add the rule entailments to the inferred graph, keeping what the files brought there.

    Not recomputed from scratch (`replace=False`): the article's inferred graph comes from HermiT,
    which knows more than the rules; they only add what the newly loaded facts entail.
    """
    from kgqa.kg.materialize import materialize

    report = materialize(store, ontology=ontology, replace=False, log=lambda m: None)
    say(f"materialised {report.added:,} inferred triples in {report.seconds:.1f} s ({report.rounds} rounds)")


def _since(started: float) -> float:
    return time.perf_counter() - started
