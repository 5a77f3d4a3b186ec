"""`kgqa ask`: what a user sees on the command line (the same answer as `/api/ask`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KGQA = str(Path(sys.executable).with_name("kgqa"))


@pytest.mark.server
def test_kgqa_ask_prints_the_answer_its_evidence_and_the_query(tmp_path: Path) -> None:
    done = subprocess.run([KGQA, "ask", "who led MiniMax's round?"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Alibaba Group"
    assert any(line.startswith("  evidence: “") and "Minimax" in line for line in lines)
    assert lines[-1] == "  query: round-lead (startup = https://w3id.org/kgqa/resource/MiniMax)"


def test_kgqa_ask_without_the_index_query_says_what_is_missing(tmp_path: Path) -> None:
    shutil.copy(ROOT / "queries" / "round-lead.rq", tmp_path)
    done = subprocess.run(
        [KGQA, "ask", "who led MiniMax's round?"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KGQA_QUERIES_DIR": str(tmp_path)},
    )
    assert done.returncode == 2
    assert "no `names` query" in done.stderr and "Traceback" not in done.stderr
