"""The load test with faults, short variant for `make test` (the full one: `python -m tests.load`).

Two phases of a few seconds on a real `kgqa serve` with a 2 s time limit: normal traffic only, then
normal traffic beside a client sending only pathological queries. The invariants are checked by
`tests.load.check` (every normal request succeeds, every pathological one is cut off with a 503,
memory stays bounded and is given back, no worker leaks, healthy afterwards); throughput and
latencies are printed, never asserted.
"""

from __future__ import annotations

import io

import pytest

from tests.load import run_load_test


@pytest.mark.server
def test_load_with_faults() -> None:
    out = io.StringIO()
    phases, problems, _ = run_load_test(seconds=5.0, clients=4, attackers=1, timeout=2.0, out=out)
    print(out.getvalue())
    assert not problems, out.getvalue()
    with_faults = phases[1]
    assert with_faults.pathological, "no pathological query was sent"
    assert {s.name for s in with_faults.pathological} >= {"cartesian", "property-path"}
