#!/usr/bin/env python3
"""Copy the W3C SPARQL tests that a read-only, single-dataset query endpoint can run into tests/sparql/w3c/.

Why a script: the selection (which suites, which files) is a decision that must be reproducible when
the upstream repository moves on. It reads each chosen suite's manifest.ttl with rdflib and copies
that manifest plus exactly the files its tests name (queries, data, expected results), byte for
byte (the W3C Test Suite Licence forbids changing the tests), and the licence files.

Usage (from the repository root), with a bare git directory or a checkout of w3c/rdf-tests:

    python scripts/vendor-w3c-tests.py --git-dir /path/to/rdf-tests.git [--commit HEAD]
    python scripts/vendor-w3c-tests.py --checkout /path/to/rdf-tests

Suites left out on purpose (no file of theirs is vendored):
- the SPARQL Update evaluation suites (add, basic-update, clear, copy, delete*, drop, move,
  update-silent): the endpoint refuses every update, which syntax-update-1/2 already check;
- entailment: entailment regimes (RDFS, OWL, D) are not offered by the endpoint;
- graph-store-protocol, http-rdf-update: write operations of the Graph Store Protocol.
The federated suites (service, syntax-fed) are vendored: every one of their queries must be refused.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import rdflib
from rdflib.namespace import RDF

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "tests" / "sparql" / "w3c"
# Upstream tree (under sparql/, and under tests/sparql/w3c/ here) → the base IRI the W3C publishes it
# under; the manifests' relative IRIs resolve against it.
BASES = {
    "sparql11": "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/",
    "sparql10": "http://www.w3.org/2001/sw/DataAccess/tests/data-r2/",
}

# The selection is the test harness's own list, so the two cannot drift apart. SPARQL 1.1 keeps
# every 1.0 query valid, so the 1.0 syntax suites are in it: their 149 valid queries (with the 66
# of syntax-query, the "215 valid queries" of issue 11) cover relative IRIs.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.w3c_suite import ALL_SUITES as SUITES  # noqa: E402
from tests.w3c_suite import MF, QT, UT  # noqa: E402

# Properties whose object (or whose object's ut:graph / qt:data) names a file of the suite.
FILE_PROPS = [MF.action, MF.result, QT.query, QT.data, QT.graphData, UT.data, UT.graphData, UT.graph, QT.endpoint]


class Source:
    """Reads files of rdf-tests from a bare git directory (at one commit) or from a checkout."""

    def __init__(self, git_dir: Path | None, checkout: Path | None, commit: str) -> None:
        self.git_dir, self.checkout = git_dir, checkout
        if git_dir is not None:
            self.commit = self._git("rev-parse", commit).decode().strip()
        else:
            assert checkout is not None
            out = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True)
            self.commit = out.stdout.decode().strip() if out.returncode == 0 else "unknown (not a git checkout)"

    def _git(self, *args: str) -> bytes:
        return subprocess.run(["git", f"--git-dir={self.git_dir}", *args], check=True, capture_output=True).stdout

    def read(self, path: str) -> bytes:
        if self.git_dir is not None:
            return self._git("show", f"{self.commit}:{path}")
        assert self.checkout is not None
        return (self.checkout / path).read_bytes()


def files_named(manifest: bytes, suite: str) -> set[str]:
    """File names (relative to the suite directory) that the manifest's tests name."""
    tree, name = suite.split("/")
    base = BASES[tree] + name + "/"
    g = rdflib.Graph().parse(data=manifest, format="turtle", publicID=base + "manifest.ttl")
    names: set[str] = set()
    nodes = list(g.subjects(RDF.type, None))
    seen: set = set()
    while nodes:
        node = nodes.pop()
        if node in seen:
            continue
        seen.add(node)
        for prop in FILE_PROPS:
            for obj in g.objects(node, prop):
                if isinstance(obj, rdflib.URIRef) and str(obj).startswith(base):
                    rel = str(obj)[len(base) :]
                    if rel and "#" not in rel and rel != "manifest.ttl":
                        names.add(rel)
                else:
                    nodes.append(obj)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--git-dir", type=Path, help="a bare git directory of w3c/rdf-tests")
    where.add_argument("--checkout", type=Path, help="a working copy of w3c/rdf-tests")
    parser.add_argument("--commit", default="HEAD", help="the commit to read (with --git-dir)")
    args = parser.parse_args(argv)
    src = Source(args.git_dir, args.checkout, args.commit)
    total = 0
    for suite in SUITES:
        manifest = src.read(f"sparql/{suite}/manifest.ttl")
        out = DEST / suite
        out.mkdir(parents=True, exist_ok=True)
        (out / "manifest.ttl").write_bytes(manifest)
        total += len(manifest)
        for name in sorted(files_named(manifest, suite)):
            data = src.read(f"sparql/{suite}/{name}")
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(data)
            total += len(data)
    (DEST / "LICENSE.md").write_bytes(src.read("LICENSE.md"))
    # The repository's LICENSE.md only links the licence; this copy of it holds the full text.
    (DEST / "LICENSE").write_bytes(src.read("rdf/rdf11/rdf-turtle/LICENSE"))
    # The SPARQL 1.0 tests carry their own notice (W3C Software Notice and License).
    (DEST / "sparql10" / "LICENSE").write_bytes(src.read("sparql/sparql10/LICENSE"))
    (DEST / "UPSTREAM").write_text(
        f"https://github.com/w3c/rdf-tests commit {src.commit}\nsuites: {' '.join(SUITES)}\n", encoding="utf-8"
    )
    print(f"vendored {len(SUITES)} suites from {src.commit}: {total} bytes into {DEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
