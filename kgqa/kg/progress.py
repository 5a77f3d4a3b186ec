"""One progress line for long work (`kgqa load`, `kgqa generate`): done/total, rate, time left.

On a terminal the line is rewritten in place; in a log (CI, `make bench`) each update is a line.
"""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A progress line: done/total, rate and time left; rewritten in place on a terminal."""

    def __init__(self, what: str, total: int, out: TextIO, unit: str) -> None:
        self.what, self.total, self.out, self.unit = what, total, out, unit
        self.started = time.perf_counter()
        self.tty = bool(getattr(out, "isatty", lambda: False)())

    def update(self, done: int, total: int | None = None) -> None:
        """Show `done` (and a new `total`, for work whose size is only known once it runs)."""
        if total is not None:
            self.total = total
        took = max(time.perf_counter() - self.started, 1e-9)
        rate = done / took
        left = (self.total - done) / rate if rate and done < self.total else 0.0
        share = 100.0 * done / self.total if self.total else 100.0
        line = (
            f"  {self.what}: {done:,}/{self.total:,} {self.unit} ({share:.0f} %), "
            f"{rate:,.0f} {self.unit}/s, {left:.0f} s left"
        )
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=self.out, flush=True)

    def finish(self) -> float:
        if self.tty:
            print(file=self.out, flush=True)
        return time.perf_counter() - self.started
