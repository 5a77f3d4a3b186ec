"""Server processes that tests and the load test start: waiting on them, stopping them."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable


def stop(proc: subprocess.Popen) -> None:
    """Terminate ``proc`` politely (so it can stop its query workers), then kill it if it hangs."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll `check` until it holds; fail the test, naming `what`, if it does not within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
