"""The vendored W3C SPARQL 1.1 tests (tests/sparql/w3c/), read into plain records for tests/test_w3c.py.

Why a module of its own: the manifests are read once at collection time (the test cases are
parametrised by them), the session fixture needs the same records to build the store, and the
terminal-summary hook in tests/conftest.py needs the outcome tally. Nothing here talks to the
service; it only reads Turtle manifests with rdflib.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

W3C = Path(__file__).resolve().parent / "w3c"
# The base IRIs the W3C publishes the suites under (scripts/vendor-w3c-tests.py), by tree.
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
BASE10 = "http://www.w3.org/2001/sw/DataAccess/tests/data-r2/"
BASES = {"sparql11": BASE, "sparql10": BASE10}
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

SYNTAX_SUITES = tuple(
    [f"sparql11/{s}" for s in ("syntax-query", "syntax-fed", "syntax-update-1", "syntax-update-2")]
    + [f"sparql10/syntax-sparql{i}" for i in range(1, 6)]
)
EVAL_SUITES = tuple(
    f"sparql11/{s}"
    for s in (
        "aggregates",
        "bind",
        "bindings",
        "cast",
        "construct",
        "csv-tsv-res",
        "exists",
        "functions",
        "grouping",
        "json-res",
        "negation",
        "project-expression",
        "property-path",
        "subquery",
        "service",
    )
)
PROTOCOL_SUITES = ("sparql11/protocol", "sparql11/service-description")
# Everything vendored under tests/sparql/w3c (scripts/vendor-w3c-tests.py copies exactly these).
ALL_SUITES = SYNTAX_SUITES + EVAL_SUITES + PROTOCOL_SUITES


@dataclass(frozen=True)
class Case:
    """One W3C test: its IRI, kind (the mf: type's local name), and the files it names."""

    iri: str
    suite: str
    kind: str
    name: str
    query: Path | None = None
    data: tuple[Path, ...] = ()
    graph_data: tuple[Path, ...] = ()
    result: Path | None = None
    service_data: bool = False

    @property
    def id(self) -> str:
        """Short, stable pytest id: suite#name (the IRI without the common prefix)."""
        return short(self.iri)

    def query_text(self) -> str:
        assert self.query is not None
        return self.query.read_text(encoding="utf-8")


def short(iri: str) -> str:
    """A test IRI without its base and `/manifest`: `syntax-query#test_1`."""
    for base in BASES.values():
        if iri.startswith(base):
            return iri[len(base) :].replace("/manifest#", "#")
    return iri


def file_iri(path: Path) -> str:
    """The IRI the W3C publishes a vendored file under: also the graph name it gets in the test store."""
    tree, *rest = path.relative_to(W3C).parts
    return BASES[tree] + "/".join(rest)


def _path(node: rdflib.term.Node | None) -> Path | None:
    for tree, base in BASES.items():
        if isinstance(node, rdflib.URIRef) and str(node).startswith(base):
            return W3C / tree / str(node)[len(base) :]
    return None


def manifest(suite: str) -> tuple[rdflib.Graph, list[rdflib.term.Node]]:
    """The suite's manifest graph and its mf:entries in order (`suite` is e.g. `sparql11/bind`)."""
    tree, name = suite.split("/")
    path = W3C / suite / "manifest.ttl"
    g = rdflib.Graph().parse(path, format="turtle", publicID=BASES[tree] + name + "/manifest.ttl")
    root = next(g.subjects(RDF.type, MF.Manifest))
    return g, list(Collection(g, g.value(root, MF.entries)))


def cases(suites: tuple[str, ...]) -> list[Case]:
    """Every approved or proposed (not withdrawn/rejected) test of the suites, in manifest order."""
    out: list[Case] = []
    for suite in suites:
        g, entries = manifest(suite)
        for node in entries:
            approval = g.value(node, DAWGT.approval)
            if approval is not None and approval not in (DAWGT.Approved, DAWGT.Proposed, DAWGT.NotClassified):
                continue
            kind = str(g.value(node, RDF.type)).rsplit("#", 1)[-1]
            action = g.value(node, MF.action)
            query: Path | None
            data: list[Path] = []
            graph_data: list[Path] = []
            service = False
            if isinstance(action, rdflib.URIRef):
                query = _path(action)
            else:
                query = _path(g.value(action, QT.query))
                data = [p for p in map(_path, g.objects(action, QT.data)) if p]
                graph_data = [p for p in map(_path, g.objects(action, QT.graphData)) if p]
                service = g.value(action, QT.serviceData) is not None
            out.append(
                Case(
                    iri=str(node),
                    suite=suite,
                    kind=kind,
                    name=str(g.value(node, MF.name) or ""),
                    query=query,
                    data=tuple(sorted(data)),
                    graph_data=tuple(sorted(graph_data)),
                    result=_path(g.value(node, MF.result)),
                    service_data=service,
                )
            )
    return out


# --- protocol manifest ------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """One ht:Request of a protocol test, with what the response must be."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[str]  # "2xx", "3xx", "4xx", or exact codes
    expected_boolean: bool | None
    expected_format: str | None  # "boolean", "tabular" or "RDF"


@dataclass(frozen=True)
class ProtocolCase:
    iri: str
    name: str
    requests: tuple[HttpRequest, ...]
    graph_data: tuple[tuple[str, Path], ...]  # (graph name, file)

    @property
    def id(self) -> str:
        return short(self.iri)


def protocol_cases() -> list[ProtocolCase]:
    g, entries = manifest(PROTOCOL_SUITES[0])
    out = []
    for node in entries:
        graphs = []
        for gd in g.objects(node, UT.graphData):
            path = _path(g.value(gd, UT.graph))
            assert path is not None
            graphs.append((str(g.value(gd, RDFS.label)), path))
        requests = []
        for req in Collection(g, g.value(g.value(node, MF.action), HT.requests)):
            headers = tuple(
                (str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue)))
                for h in Collection(g, g.value(req, HT.headers) or RDF.nil)
            )
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            statuses = frozenset(str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus))
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            requests.append(
                HttpRequest(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    expected_boolean=None if boolean is None else bool(boolean.toPython()),
                    expected_format=None if fmt is None else str(fmt),
                )
            )
        out.append(ProtocolCase(str(node), str(g.value(node, MF.name)), tuple(requests), tuple(sorted(graphs))))
    return out


def service_description_cases() -> list[Case]:
    return cases(PROTOCOL_SUITES[1:])


# --- expected failures (tests/sparql/w3c/expected-failures.txt) --------------------------------------

EXPECTED_FAILURES = W3C / "expected-failures.txt"
_CAUSE = re.compile(r"^#\s*cause\s+(\S+)\s*:\s*(.+)$")


def expected_failures() -> dict[str, str]:
    """Test IRI → the reason it fails on today's code (`cause-key: description`).

    The file holds `# cause KEY: description` lines and `IRI KEY` lines; delete a test's line when
    the fix for its cause lands (strict xfail turns a fixed test into a failure until then).
    """
    causes: dict[str, str] = {}
    out: dict[str, str] = {}
    for line in EXPECTED_FAILURES.read_text(encoding="utf-8").splitlines():
        m = _CAUSE.match(line)
        if m:
            causes[m.group(1)] = m.group(2).strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        iri, key = line.split()[:2]
        out[iri] = f"{key}: {causes[key]}"
    return out


# --- outcome tally for the terminal summary ---------------------------------------------------

GROUPS = {
    "test_syntax_positive": "syntax, positive (must be accepted)",
    "test_syntax_negative": "syntax, negative (must get 400)",
    "test_update_refused": "update syntax (must be refused, never run)",
    "test_evaluation": "query evaluation (right answers)",
    "test_protocol": "protocol (HTTP exchanges)",
    "test_service_description": "service description",
}
POLICY = "refused-by-policy"


@dataclass
class Tally:
    """Outcomes per group: passed, refused by policy (passed, counted apart), xfailed, failed, skipped."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, group: str, outcome: str) -> None:
        self.counts[group][outcome] += 1

    def lines(self) -> list[str]:
        out = []
        for func, label in GROUPS.items():
            c = self.counts.get(func)
            if not c:
                continue
            run = c["passed"] + c[POLICY] + c["xfailed"] + c["failed"] + c["xpassed"]
            parts = [f"W3C {label}: {c['passed'] + c[POLICY]}/{run} passed"]
            if c[POLICY]:
                parts.append(f"{c[POLICY]} of them refused by policy (expected)")
            if c["xfailed"]:
                parts.append(f"{c['xfailed']} expected failures")
            if c["failed"] + c["xpassed"]:
                parts.append(f"{c['failed'] + c['xpassed']} FAILED")
            if c["skipped"]:
                parts.append(f"{c['skipped']} skipped (not applicable)")
            out.append(", ".join(parts))
        return out


TALLY = Tally()
