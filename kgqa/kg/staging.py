"""Replace a directory all at once: what `kgqa build` does to `kg/dist/` and `kgqa load` to a store.

Write the new content into a staging directory beside the target (same file system), then swap
the two. Readers see the old set or the new set, never a half-written one, and a process killed
while writing leaves only a staging directory named after its process id, which the next run
removes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys
import tempfile
from pathlib import Path


def make(target: Path) -> Path:
    """A new staging directory for `target`: `.<name>-<pid>-<random>` in the same parent.

    Staging directories left by killed processes are removed first.
    """
    prefix = f".{target.name}-"
    remove_abandoned(target.parent, prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=target.parent))


def remove_abandoned(parent: Path, prefix: str) -> None:
    """Delete staging directories `<prefix><pid>-*` whose process is gone.

    A running process's staging directory is left alone: it may still be installed.
    """
    for staging in parent.glob(f"{prefix}*-*"):
        pid = staging.name[len(prefix) :].split("-")[0]
        if not pid.isdigit() or not staging.is_dir():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(staging, ignore_errors=True)
        except PermissionError:
            pass  # someone else's running process


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def install(staging: Path, target: Path) -> None:
    """Replace `target` with `staging` so that readers see the old set or the new set."""
    if target.exists() and _exchange(staging, target):
        shutil.rmtree(staging)
        return
    # Fallback: two renames; recover() repairs the gap if the process dies in between.
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old)


def recover(target: Path) -> None:
    """Put back the previous `target` if a process died between the fallback's two renames."""
    old = target.with_name(target.name + ".old")
    if not target.exists() and old.exists():
        old.rename(target)
