"""Stopping server processes that tests and the load test start."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen) -> None:
    """Terminate ``proc`` politely (so it can stop its query workers), then kill it if it hangs."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
