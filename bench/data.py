"""The benchmark's datasets: the article graph, and the article plus generated graphs of ~100k and ~1M.

Each dataset is *one* N-Quads file holding every graph the servers need (asserted, inferred, the
ontology), so that kgqa, ``oxigraph serve`` and rdflib-endpoint load exactly the same quads, and
``kgqa load`` gets one file (it replaces the graphs each file fills, so several files filling the
asserted graph would overwrite each other). Generated data is materialised with ``kgqa.kg.materialize``.
Files are cached under ``bench/.cache/`` by a key of the generator, the materialiser and the
ontology, so a second ``make bench`` does not rebuild them.
"""

from __future__ import annotations

import hashlib
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
ARTICLE = ROOT / "kg" / "dist" / "kgqa-kg.trig"
ONTOLOGY = ROOT / "ontology" / "kgqa.ttl"
ONTOLOGY_GRAPH = "https://w3id.org/kgqa/graph/ontology"
ASSERTED_GRAPH = "https://w3id.org/kgqa/graph/asserted"
SEED = 42


@dataclass(frozen=True)
class Dataset:
    name: str
    orgs: int  # 0: the article alone
    path: Path
    quads: int
    generated_asserted: int = 0
    generated_inferred: int = 0
    generate_s: float = 0.0
    materialize_s: float = 0.0


SIZES = {"article": 0, "100k": 350, "1m": 3500}


def _key(orgs: int) -> str:
    h = hashlib.sha1()
    for path in (ROOT / "kg" / "generate.py", ROOT / "kg" / "materialize.py", ONTOLOGY, ARTICLE):
        h.update(path.read_bytes())
    h.update(f"{orgs}|{SEED}".encode())
    return h.hexdigest()[:12]


def prepare(name: str, log=print) -> Dataset:
    """The dataset file for ``name`` (article, 100k, 1m), built if it is not cached."""
    from kgqa.kg.generate import generate
    from kgqa.kg.materialize import INFERRED_GRAPH, materialize

    orgs = SIZES[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{_key(orgs)}.nq"
    meta = path.with_suffix(".meta")
    if path.exists() and meta.exists():
        values = [float(v) for v in meta.read_text().split()]
        return Dataset(name, orgs, path, int(values[0]), int(values[1]), int(values[2]), values[3], values[4])
    for old in CACHE.glob(f"{name}-*"):
        old.unlink()
    log(f"preparing dataset {name} ...")
    store = ox.Store()
    gen_s = mat_s = 0.0
    asserted = inferred = 0
    if orgs:
        t0 = time.perf_counter()
        buffer = io.StringIO()
        asserted = generate(orgs, SEED, buffer)
        gen_s = time.perf_counter() - t0
        store.load(buffer.getvalue().encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(ASSERTED_GRAPH))
        del buffer
        t0 = time.perf_counter()
        report = materialize(store, log=lambda m: None)
        mat_s = time.perf_counter() - t0
        inferred = report.added
        log(f"  generated {asserted:,} triples in {gen_s:.1f} s; materialised {inferred:,} in {mat_s:.1f} s")
    # The article's own graphs (HermiT's inferred graph included) and the ontology go in as well.
    store.load(path=str(ARTICLE), format=ox.RdfFormat.TRIG)
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    assert INFERRED_GRAPH
    tmp = path.with_suffix(".part")
    store.dump(str(tmp), ox.RdfFormat.N_QUADS)
    tmp.replace(path)
    quads = len(store)
    meta.write_text(f"{quads} {asserted} {inferred} {gen_s} {mat_s}\n")
    log(f"  {path.name}: {quads:,} quads")
    return Dataset(name, orgs, path, quads, asserted, inferred, gen_s, mat_s)


if __name__ == "__main__":
    for n in sys.argv[1:] or list(SIZES):
        print(prepare(n))
