"""`kgqa load --store DIR` (kgqa/cli/load.py) and the entity index kept beside it (kgqa/qa/names.py).

What a user relies on: several files add up; loading twice leaves one copy; a load that fails at
any step leaves the store as it was; loaded facts get their rule entailments; and `kgqa serve
--store` finds every entity without reading every name again.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgqa.canned.registry import Registry
from kgqa.cli.load import load_into_store
from kgqa.kg.generate import generate
from kgqa.qa import names as name_index

ROOT = Path(__file__).resolve().parents[2]
KGQA = str(Path(sys.executable).with_name("kgqa"))
ARTICLE = ROOT / "kg" / "dist" / "kgqa-kg.trig"
ONTOLOGY = ROOT / "ontology" / "kgqa.ttl"
ASSERTED = "https://w3id.org/kgqa/graph/asserted"
INFERRED = "https://w3id.org/kgqa/graph/inferred"
ONTOLOGY_GRAPH = "https://w3id.org/kgqa/graph/ontology"
NAMES = Registry.from_directory(ROOT / "queries").get(name_index.INDEX_QUERY).sparql
INVESTS_IN = ox.NamedNode("https://w3id.org/kgqa/ontology#investsIn")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated graph as N-Triples, with no inferred graph of its own."""
    path = tmp_path_factory.mktemp("gen") / "generated.nt"
    with path.open("w", encoding="utf-8") as f:
        generate(20, 5, f, "nt")
    return path


def quads(directory: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(directory))
    try:
        return set(store)
    finally:
        del store


def load(pairs: list[tuple[Path, str | None]], directory: Path, **kwargs) -> str:
    out = io.StringIO()
    load_into_store(pairs, directory, out=out, **kwargs)
    return out.getvalue()


def test_files_filling_one_graph_add_up_and_a_second_load_changes_nothing(tmp_path: Path, generated: Path) -> None:
    db = tmp_path / "db"
    pairs = [(ARTICLE, None), (generated, ASSERTED), (ONTOLOGY, ONTOLOGY_GRAPH)]
    load(pairs, db)
    first = quads(db)
    asserted = {q for q in first if q.graph_name == ox.NamedNode(ASSERTED)}
    article = ox.Store()
    article.load(path=str(ARTICLE), format=ox.RdfFormat.TRIG)
    article_asserted = sum(1 for q in article if q.graph_name == ox.NamedNode(ASSERTED))
    generated_count = len(generated.read_text(encoding="utf-8").splitlines())
    # Both the TriG's asserted graph and the .nt that goes there survive (blank nodes aside, the
    # two sets are disjoint: the generator's IRIs are its own).
    assert len(asserted) == article_asserted + generated_count
    load(pairs, db)
    again = quads(db)
    assert len(again) == len(first)
    assert {q for q in again if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)} == {
        q for q in first if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


def test_loaded_facts_get_their_rule_entailments(tmp_path: Path, generated: Path) -> None:
    db = tmp_path / "db"
    out = load([(generated, ASSERTED), (ONTOLOGY, ONTOLOGY_GRAPH)], db, ontology=ONTOLOGY)
    assert "materialised" in out
    store = ox.Store.read_only(str(db))
    inferred_invests = list(store.quads_for_pattern(None, INVESTS_IN, None, ox.NamedNode(INFERRED)))
    # investsIn comes only from the chain makesInvestment ∘ investee: the generator asserts none.
    assert inferred_invests
    assert not list(store.quads_for_pattern(None, INVESTS_IN, None, ox.NamedNode(ASSERTED)))
    del store
    bare = tmp_path / "bare"
    load([(generated, ASSERTED)], bare, ontology=None)
    assert not any(q.graph_name == ox.NamedNode(INFERRED) for q in quads(bare))


def test_a_load_that_fails_half_way_leaves_the_store_as_it_was(tmp_path: Path, generated: Path) -> None:
    db = tmp_path / "db"
    load([(ARTICLE, None)], db)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    before = quads(db)
    listing = sorted(p.name for p in tmp_path.iterdir())
    # Parse error in the second file: stops before the store is touched.
    with pytest.raises(SyntaxError):
        load([(generated, ASSERTED), (bad, ASSERTED)], db)
    # Failure after the quads went in (the ontology for materialising is missing): rolled back.
    with pytest.raises(FileNotFoundError):
        load([(generated, ASSERTED)], db, ontology=tmp_path / "missing.ttl")
    assert quads(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no staging directory left behind


def test_an_empty_directory_is_a_new_store(tmp_path: Path, generated: Path) -> None:
    (tmp_path / "db").mkdir()
    load([(generated, ASSERTED)], tmp_path / "db")
    assert len(quads(tmp_path / "db")) == len(generated.read_text(encoding="utf-8").splitlines())


def test_staging_left_by_a_killed_load_is_removed_by_the_next(tmp_path: Path, generated: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f".db-{dead.stdout.strip()}-x"
    abandoned.mkdir()
    load([(generated, ASSERTED)], tmp_path / "db")
    assert not abandoned.exists()


def test_the_index_is_written_beside_the_data_and_read_only_while_it_matches(tmp_path: Path) -> None:
    from kgqa.qa.ask import asker_for
    from kgqa.state import open_state

    db = tmp_path / "db"
    load([(ARTICLE, None), (ONTOLOGY, ONTOLOGY_GRAPH)], db, names_query=NAMES)
    cache = db / name_index.CACHE_FILE
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert len(data["rows"]) > 500
    assert any(row[2] == "MiniMax" for row in data["rows"])
    # A name only the cache knows proves the service reads the file rather than the graph...
    minimax = next(row for row in data["rows"] if row[2] == "MiniMax")
    data["rows"].append([minimax[0], minimax[1], "Cachedname Systems", "alt", minimax[4]])
    cache.write_text(json.dumps(data), encoding="utf-8")

    def linked(name: str) -> list[str]:
        state = open_state({"KGQA_STORE_DIR": str(db), "KGQA_WORKERS": 1})
        try:
            return [m.text for m in asker_for(state).linker.link(f"who led {name}'s round?")]
        finally:
            state.close()

    assert linked("Cachedname Systems") == ["cachedname systems"]
    # ... and a cache whose key does not match the store is ignored and rewritten from the graph.
    data["key"]["quads"] += 1
    cache.write_text(json.dumps(data), encoding="utf-8")
    assert linked("Cachedname Systems") == []
    rewritten = json.loads(cache.read_text(encoding="utf-8"))
    assert rewritten["key"] == name_index.cache_key(NAMES, data["key"]["quads"] - 1)
    assert not any(row[2] == "Cachedname Systems" for row in rewritten["rows"])


@pytest.mark.parametrize(
    "content",
    ["", "not json", '{"key": {}, "rows": []}', '{"key": null, "rows": [["a"]]}', "[1, 2]"],
)
def test_a_damaged_cache_is_never_trusted(tmp_path: Path, content: str) -> None:
    (tmp_path / name_index.CACHE_FILE).write_text(content, encoding="utf-8")
    assert name_index.read_cache(tmp_path, name_index.cache_key(NAMES, 10)) is None


@pytest.mark.server
def test_kgqa_load_then_serve_answers_from_the_store(tmp_path: Path) -> None:
    db = tmp_path / "db"
    done = subprocess.run([KGQA, "load", "--store", str(db)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "quads/s" in done.stderr and "indexed" in done.stderr
    asked = subprocess.run(
        [KGQA, "ask", "--store", str(db), "--json", "Who led MiniMax's round?"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert asked.returncode == 0, asked.stderr
    reply = json.loads(asked.stdout)
    assert [a["label"] for a in reply["answers"]] == ["Alibaba Group"]
    assert f"names from {db / name_index.CACHE_FILE}" in asked.stderr  # the index came from the file


def test_the_index_is_not_cut_by_the_row_limit() -> None:
    """At 1M triples `names` has ~96,000 rows; the per-query row cap must not drop entities."""
    from kgqa.qa.ask import asker_for
    from kgqa.state import open_state

    def labels(max_rows: int) -> dict[str, str]:
        state = open_state({"KGQA_MAX_ROWS": max_rows, "KGQA_WORKERS": 1})
        try:
            return asker_for(state).labels
        finally:
            state.close()

    capped, default = labels(10), labels(10_000)
    assert len(default) > 10
    assert capped == default
