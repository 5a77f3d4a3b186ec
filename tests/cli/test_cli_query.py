"""`kgqa query`, `kgqa generate` and `kgqa materialize` as a user runs them: the console script, real
files, exit codes and what lands on stdout/stderr."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import BIN

KGQA = str(BIN / "kgqa")


def kgqa(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KGQA, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_a_canned_query_by_name_with_a_parameter_by_name_as_json() -> None:
    out = kgqa("query", "--name", "round-lead", "--param", "startup=MiniMax", "--format", "json")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    leads = {row["answerLabel"]["value"] for row in body["rows"]}
    assert leads == {"Alibaba Group"}


def test_a_canned_query_as_csv_is_the_engine_s_csv() -> None:
    out = kgqa("query", "--name", "round-lead", "--param", "startup=MiniMax", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows and {r["answerLabel"] for r in rows} == {"Alibaba Group"}


def test_a_plain_query_file_runs_and_prints_a_table(tmp_path: Path) -> None:
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/kgqa/ontology#Unicorn> }\n")
    out = kgqa("query", str(query))
    assert out.returncode == 0, out.stderr
    assert "n" in out.stdout.splitlines()[0] and "5" in out.stdout


def test_a_plain_construct_file_prints_turtle(tmp_path: Path) -> None:
    query = tmp_path / "g.rq"
    query.write_text("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3\n")
    out = kgqa("query", str(query))
    assert out.returncode == 0, out.stderr
    assert len(list(ox.parse(out.stdout.encode(), format=ox.RdfFormat.TURTLE))) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "round-lead", "--param", "startup"], "--param wants NAME=VALUE"),
        (["QUERYFILE", "--param", "x=1"], "--param needs a canned query"),
    ],
    ids=["param-without-value", "param-on-a-plain-file"],
)
def test_usage_mistakes_exit_2_and_say_what_is_wrong(tmp_path: Path, args: list[str], message: str) -> None:
    query = tmp_path / "plain.rq"
    query.write_text("ASK { ?s ?p ?o }\n")
    out = kgqa("query", *[str(query) if a == "QUERYFILE" else a for a in args])
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_a_refused_query_exits_1_with_the_policy_s_reason(tmp_path: Path) -> None:
    query = tmp_path / "remote.rq"
    query.write_text("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }\n")
    out = kgqa("query", str(query))
    assert out.returncode == 1 and "SERVICE" in out.stderr and "Traceback" not in out.stderr


def test_generate_then_materialize_makes_a_graph_with_inferences(tmp_path: Path) -> None:
    """The scale tools behind `make bench`: a small synthetic graph, then its inferred graph."""
    generated, materialised = tmp_path / "g.nq", tmp_path / "m.nq"
    out = kgqa("generate", str(generated), "--orgs", "20", "-q")
    assert out.returncode == 0, out.stderr
    out = kgqa("materialize", str(generated), "--out", str(materialised))
    assert out.returncode == 0, out.stderr
    graphs = {q.graph_name.value for q in ox.parse(path=str(materialised), format=ox.RdfFormat.N_QUADS)}
    assert {"https://w3id.org/kgqa/graph/asserted", "https://w3id.org/kgqa/graph/inferred"} <= graphs
