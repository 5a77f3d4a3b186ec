"""A build killed mid-way never leaves a half-written `kg/dist/` (issue 7; kgqa/kg/build.py `install`).

`python -m kgqa.kg.build --root COPY --out COPY/kg/dist` runs on a copy of the project and is killed
with SIGKILL (the whole process group, so HermiT's Java process too) at a stage its progress lines
on stderr announce. The output directory must then hold exactly the previous build or exactly the
new one, never a mix, and whatever the kill left behind must be harmless: only hidden `.dist-*`
staging directories beside it, which nothing reads.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.java


def _copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for part in ("ontology", "kg/sources", "kg/facts", "kg/dist"):
        shutil.copytree(ROOT / part, root / part)
    return root


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _build(root: Path, tmpdir: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "kgqa.kg.build", "--root", str(root), "--out", str(root / "kg" / "dist")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches the Java child too
    )


def _kill_when(proc: subprocess.Popen, marker: bytes, *, delay: float = 0.0, timeout: float = 300.0) -> bytes:
    """Read the build's stderr until `marker` appears, wait `delay`, then SIGKILL its process group."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        if time.monotonic() > deadline or proc.poll() is not None:
            raise AssertionError(f"the build never reached {marker!r}: {seen.decode(errors='replace')}")
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            seen += os.read(proc.stderr.fileno(), 4096)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    return seen


def _leftovers(root: Path) -> list[str]:
    """Entries beside kg/dist that a build made: anything but the inputs and dist itself."""
    return sorted(p.name for p in (root / "kg").iterdir() if p.name not in {"dist", "facts", "sources"})


def test_killed_during_hermit_the_previous_dist_is_intact(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    before = _snapshot(root / "kg" / "dist")
    proc = _build(root, tmpdir)
    progress = _kill_when(proc, b"reasoning with HermiT", delay=1.0)
    assert b"[6/6]" not in progress, "the build got past HermiT before the kill"
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(root / "kg" / "dist") == before
    assert _leftovers(root) == [], "a killed build left files beside kg/dist"
    # owlready2 hands HermiT its input through a temporary file; whatever the kill left there is
    # outside the project and never read again.
    print("left in TMPDIR by the killed build:", sorted(p.name for p in tmpdir.iterdir()))


def test_killed_while_writing_dist_is_old_or_new_never_mixed(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    old = _snapshot(root / "kg" / "dist")
    # A change whose only effect on the output is the copied ontology file, so the complete new
    # set is known without a second build.
    ontology = root / "ontology" / "kgqa.ttl"
    ontology.write_bytes(ontology.read_bytes() + b"\n# touched by tests/kg/test_build_kill.py\n")
    new = {**old, "kgqa.ttl": ontology.read_bytes()}
    proc = _build(root, tmpdir)
    _kill_when(proc, b"[6/6] writing")
    after = _snapshot(root / "kg" / "dist")
    assert after in (old, new), "kg/dist holds a mix of two builds or a partial one"
    stray = _leftovers(root)
    assert all(name.startswith(".dist-") for name in stray), f"unexpected leftovers: {stray}"
    # Harmless: hidden staging directories, never read by the service (it reads kg/dist only).
    # The next build completes and installs the new set whatever the kill left.
    done = subprocess.run(
        [sys.executable, "-m", "kgqa.kg.build", "--root", str(root), "--out", str(root / "kg" / "dist"), "-q"],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert _snapshot(root / "kg" / "dist") == new
    remaining = _leftovers(root)
    assert all(name.startswith(".dist-") for name in remaining), remaining
    print("staging directories left by the killed build, after the next build:", remaining)
