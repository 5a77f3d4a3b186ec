"""`kgqa build`: deterministic, up to date, and safe on bad input (kgqa/kg/build.py)."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgqa.kg.build import OUTPUT_FILES, BuildError, Paths, build
from kgqa.kg.facts import FactError
from kgqa.kg.reason import ReasoningError
from kgqa.kg.staging import install, recover

ROOT = Path(__file__).resolve().parents[2]


def _project_copy(tmp_path: Path) -> Paths:
    """A copy of the build inputs and the committed kg/dist/ to break at will."""
    for part in ("ontology", "kg/sources", "kg/facts", "kg/dist"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return Paths.under(tmp_path)


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.java
def test_committed_dist_is_up_to_date_and_builds_are_byte_identical(tmp_path: Path) -> None:
    """A fresh build, in another process with another hash seed, equals the committed kg/dist/."""
    out = tmp_path / "dist"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "kgqa.kg.build", "--out", str(out), "-q"], check=True, env=env, cwd=ROOT)
    stale = [name for name in OUTPUT_FILES if not filecmp.cmp(out / name, ROOT / "kg" / "dist" / name, shallow=False)]
    assert not stale, f"kg/dist/ is stale or the build is not deterministic: {stale}; run `make build`"


def _break(paths: Paths, file: str, old: str, new: str) -> None:
    path = paths.facts / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "rounds.yaml",
            "completed a round of $800 million",
            "completed a round of $900 million",
            "rounds.yaml:62: quote not found verbatim in the article",
        ),
        ("rounds.yaml", "type: SeriesB", "type: SeriesZ", "unknown RoundType 'SeriesZ'"),
        (
            "relations.yaml",
            "property: hasSubsidiary",
            "property: hasSubsidary",
            "relations.yaml:16: unknown property 'hasSubsidary'",
        ),
        ("rounds.yaml", "company: MiniMax", "company: MiniMaxx", "unknown entity 'MiniMaxx'"),
        ("entities.yaml", "types: [TechGiant]", "types: [TechGiants]", "unknown class 'TechGiants'"),
        ("rounds.yaml", "    precision: Day\n", "    precision: Day\n    bogus: 1\n", "unknown key 'bogus'"),
        ("rounds.yaml", "status: UnnamedSources", "status: Rumour", "unknown ReportStatus 'Rumour'"),
        ("rounds.yaml", "by: LatePost", "by: Late_Post", "unknown entity 'Late_Post'"),
        ("claims.yaml", "type: Speech", "type: Claim", "'Claim' is not a subclass of kgqa:Event"),
        ("claims.yaml", "stated_in: James_Mitchell_speech_2020", "stated_in: Talk", "unknown event 'Talk'"),
        ("claims.yaml", "product: Claude_3", "product: Claude_4", "unknown entity 'Claude_4'"),
    ],
)
def test_bad_facts_stop_the_build_and_leave_dist_untouched(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    paths = _project_copy(tmp_path)
    before = _snapshot(paths.dist)
    _break(paths, file, old, new)
    with pytest.raises(FactError) as info:
        build(paths, quiet=True)
    assert message in str(info.value)
    assert _snapshot(paths.dist) == before


def test_quote_error_shows_the_nearest_passage(tmp_path: Path) -> None:
    paths = _project_copy(tmp_path)
    _break(paths, "rounds.yaml", "completed a round of $800 million", "completed a round of $900 million")
    with pytest.raises(FactError, match=r"nearest passage \(\d+% similar\): '.*\$800 million"):
        build(paths, quiet=True)


def test_shape_violation_stops_the_build(tmp_path: Path) -> None:
    paths = _project_copy(tmp_path)
    before = _snapshot(paths.dist)
    shapes = paths.shapes.read_text(encoding="utf-8")
    # Tighten a shape so the real data violates it: rounds would need a date.
    shapes = shapes.replace(
        "sh:path kgqa:date ; sh:maxCount 1 ;", "sh:path kgqa:date ; sh:minCount 1 ; sh:maxCount 1 ;"
    )
    paths.shapes.write_text(shapes, encoding="utf-8")
    with pytest.raises(BuildError, match=r"(?s)violates 3 SHACL constraint.*01_AI_angel_round"):
        build(paths, quiet=True)
    assert _snapshot(paths.dist) == before


def test_cli_reports_failure_with_exit_1(tmp_path: Path) -> None:
    paths = _project_copy(tmp_path)
    _break(paths, "rounds.yaml", "type: SeriesB", "type: [SeriesB")
    result = subprocess.run(
        [sys.executable, "-m", "kgqa.kg.build", "--root", str(tmp_path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "kgqa build failed: rounds.yaml:" in result.stderr
    assert "YAML syntax error" in result.stderr
    assert not (tmp_path / "out").exists()


def test_install_swaps_directories_and_recovers_an_interrupted_swap(tmp_path: Path) -> None:
    dist, staging = tmp_path / "dist", tmp_path / "staging"
    dist.mkdir()
    (dist / "a").write_text("old")
    staging.mkdir()
    (staging / "a").write_text("new")
    install(staging, dist)
    assert (dist / "a").read_text() == "new" and not staging.exists()
    # A build killed between the fallback's two renames leaves only dist.old: recovered.
    dist.rename(tmp_path / "dist.old")
    recover(dist)
    assert (dist / "a").read_text() == "new"


def test_store_input_keeps_the_article_text_exact() -> None:
    """The TriG the store loads must give back each evidence sentence from the article's offsets."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(ROOT / "kg" / "dist" / "kgqa-kg.trig"), format=ox.RdfFormat.TRIG)
    rows = list(
        store.query("""
        PREFIX kgqa: <https://w3id.org/kgqa/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?quote ?start ?end ?text WHERE {
          GRAPH ?g { ?ev kgqa:quote ?quote ; kgqa:charStart ?start ; kgqa:charEnd ?end ; prov:wasQuotedFrom ?src .
                     ?src kgqa:sourceText ?text } }""")
    )
    assert len(rows) > 30
    for row in rows:
        start, end = int(row["start"].value), int(row["end"].value)
        assert row["text"].value[start:end] == row["quote"].value


def test_staging_left_by_a_killed_build_is_removed(tmp_path: Path) -> None:
    from kgqa.kg.staging import remove_abandoned

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f".dist-{dead.stdout.strip()}-abc"
    running = tmp_path / f".dist-{os.getpid()}-def"
    abandoned.mkdir()
    running.mkdir()
    remove_abandoned(tmp_path, ".dist-")
    assert not abandoned.exists()
    assert running.exists()


# The angel round of 01.AI listed a second time as a Series B round: one round, two round
# types. roundType is functional, so without unique names HermiT would conclude that Angel
# and SeriesB are one value (and AngelRound ≡ SeriesBRound) and carry on.
CONTRADICTION = """
  - id: 01_AI_angel_round
    company: 01_AI
    type: SeriesB
    evidence: "In the angel wheel of zero and one thousand things, there is only one investor in Alibaba Cloud."
"""
ROUND_TYPE_CONFLICT = (
    "kgr:01_AI_angel_round has two values for the functional property kgqa:roundType: "
    "kgqa:Angel (asserted) and kgqa:SeriesB (asserted), which the graph declares different (owl:AllDifferent)"
)


def test_round_with_two_round_types_fails_the_build_with_exit_1(tmp_path: Path) -> None:
    """`kgqa build` exits 1 and names the round and its two types; kg/dist/ is untouched.

    The SHACL shapes are the first to see it (at most one roundType).
    """
    paths = _project_copy(tmp_path)
    before = _snapshot(paths.dist)
    _break(paths, "rounds.yaml", "\nrounds:\n", "\nrounds:\n" + CONTRADICTION)
    result = subprocess.run(
        [sys.executable, "-m", "kgqa.kg.build", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1, result.stderr
    assert "kgqa build failed: the graph violates 1 SHACL constraint" in result.stderr, result.stderr
    assert "01_AI_angel_round" in result.stderr and "roundType" in result.stderr, result.stderr
    assert "kg/dist/ was left unchanged." in result.stderr
    assert _snapshot(paths.dist) == before


@pytest.mark.java
def test_reasoner_rejects_two_round_types_by_unique_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past SHACL, HermiT finds the same round inconsistent, and the build says why.

    What Protégé users reason over has no SHACL: there, only owl:AllDifferent on the round
    types turns the second type into a contradiction instead of Angel = SeriesB.
    """
    import kgqa.kg.build as build_module

    paths = _project_copy(tmp_path)
    before = _snapshot(paths.dist)
    _break(paths, "rounds.yaml", "\nrounds:\n", "\nrounds:\n" + CONTRADICTION)
    monkeypatch.setattr(build_module, "validate", lambda *graphs: [])
    with pytest.raises(ReasoningError) as info:
        build(paths, quiet=True)
    assert "inconsistent according to HermiT" in str(info.value)
    assert ROUND_TYPE_CONFLICT in str(info.value)
    assert _snapshot(paths.dist) == before
