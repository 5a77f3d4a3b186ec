"""``kgqa build``: ontology + article + curated facts -> ``kg/dist/``.

Stages, in order, each reported with its time:
  1. read the ontology and shapes; 2. read the article and the facts (quotes checked
  verbatim); 3. build the asserted graph; 4. validate it with SHACL; 5. reason with
  HermiT (consistency, inferred triples); 6. write ``kg/dist/``.

Output is deterministic (sorted, content-derived blank-node ids), so two builds are
byte-identical and a test can tell when the committed ``kg/dist/`` is stale. It is
written to a temporary directory next to ``kg/dist/`` and swapped in atomically, so a
failed or killed build leaves the previous ``kg/dist/`` untouched.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL

from kgqa.kg import staging as staging_dirs
from kgqa.kg.declare import declarations
from kgqa.kg.explain import explain
from kgqa.kg.facts import FactError, Facts, load_facts
from kgqa.kg.reason import InconsistentGraphError, ReasonerResult, ReasoningError, infer, without
from kgqa.kg.sources import SourceText
from kgqa.kg.triples import KG_IRI, KGQA, RES, build_asserted
from kgqa.kg.unique import all_different, named_individuals
from kgqa.kg.validate import validate
from kgqa.vocab import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_IRI

ROOT = Path(__file__).resolve().parents[2]
GRAPH_ASSERTED = URIRef(ASSERTED_GRAPH)
GRAPH_INFERRED = URIRef(INFERRED_GRAPH)
OUTPUT_FILES = (
    "kgqa-kg.ttl",
    "kgqa-kg.owl",
    "kgqa-kg.jsonld",
    "kgqa-kg.trig",
    "kgqa.ttl",
    "catalog-v001.xml",
    "stats.json",
)

PROTEGE_COMMENT = Literal(
    "Facts taken from the source article, each with its evidence sentence, as asserted: run a "
    "reasoner (HermiT) to see what follows from them. kgqa-kg.ttl, kgqa-kg.jsonld and kgqa-kg.trig "
    "hold the same facts plus what HermiT infers, for SPARQL.",
    lang="en",
)

T = TypeVar("T")


class BuildError(Exception):
    """A build stage failed; the message is for the person running the build."""


@dataclass
class Paths:
    """Where the build reads its inputs and writes kg/dist/ (a project checkout by default)."""

    ontology: Path = ROOT / "ontology" / "kgqa.ttl"
    shapes: Path = ROOT / "ontology" / "shapes.ttl"
    sources: Path = ROOT / "kg" / "sources"
    facts: Path = ROOT / "kg" / "facts"
    dist: Path = ROOT / "kg" / "dist"

    @classmethod
    def under(cls, root: Path) -> Paths:
        """The same layout under another project root (a copy, a test fixture)."""
        return cls(
            root / "ontology" / "kgqa.ttl",
            root / "ontology" / "shapes.ttl",
            root / "kg" / "sources",
            root / "kg" / "facts",
            root / "kg" / "dist",
        )


@dataclass
class BuildReport:
    stages: list[tuple[str, float]] = field(default_factory=list)
    stats: dict[str, object] = field(default_factory=dict)


class _Progress:
    """Prints each stage as it starts and how long it took, so a slow step is visible."""

    def __init__(self, report: BuildReport, quiet: bool) -> None:
        self.report, self.quiet, self.count = report, quiet, 0

    def run(self, name: str, fn: Callable[[], T]) -> T:
        self.count += 1
        if not self.quiet:
            print(f"[{self.count}/6] {name} ...", end=" ", flush=True, file=sys.stderr)
        started = time.perf_counter()
        try:
            result = fn()
        except Exception:
            if not self.quiet:
                print("failed", file=sys.stderr)
            raise
        took = time.perf_counter() - started
        self.report.stages.append((name, took))
        if not self.quiet:
            print(f"{took:.1f} s", file=sys.stderr)
        return result


# --- serialisation ---------------------------------------------------------------------


def _sorted_graph(*graphs: Graph) -> Graph:
    """A graph holding the triples in sorted order, so every serialiser sees one order."""
    out = Graph()
    for prefix, ns in (
        ("kgqa", KGQA),
        ("kgr", RES),
        ("owl", OWL),
        ("prov", "http://www.w3.org/ns/prov#"),
        ("skos", "http://www.w3.org/2004/02/skos/core#"),
        ("org", "http://www.w3.org/ns/org#"),
        ("schema", "https://schema.org/"),
    ):
        out.bind(prefix, ns, override=True)
    triples = {t for g in graphs for t in g}
    for triple in sorted(triples, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3())):
        out.add(triple)
    return out


def _jsonld(graph: Graph) -> str:
    data = json.loads(graph.serialize(format="json-ld", auto_compact=True))
    if isinstance(data, dict) and "@graph" in data:
        data["@graph"] = sorted(data["@graph"], key=lambda node: str(node.get("@id", "")))
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _trig(asserted: Graph, inferred: Graph) -> str:
    """TriG with one named graph each for asserted and inferred triples.

    Written block by block from rdflib's (deterministic) Turtle, because rdflib's TriG
    writer orders graphs and prefixes by set iteration, which changes between runs.
    """
    prefixes: list[str] = []
    blocks: list[str] = []
    for name, graph in ((GRAPH_ASSERTED, asserted), (GRAPH_INFERRED, inferred)):
        turtle = _sorted_graph(graph).serialize(format="turtle")
        body = []
        for line in turtle.splitlines():
            if line.startswith("@prefix"):
                if line not in prefixes:
                    prefixes.append(line)
            else:
                # Never indent: a line may be inside a multi-line literal (the article's text).
                body.append(line)
        blocks.append(f"<{name}> {{\n" + "\n".join(body).rstrip() + "\n}\n")
    return "\n".join(sorted(prefixes)) + "\n\n" + "\n".join(blocks)


def _rdfxml(graph: Graph) -> bytes:
    """Flat, sorted RDF/XML (one rdf:Description per subject) for Protégé users.

    rdflib's RDF/XML writers order namespace declarations and blank nodes by set
    iteration, so their output changes from run to run; this one does not.
    """
    from xml.sax.saxutils import escape, quoteattr

    known = {str(ns): prefix for prefix, ns in graph.namespaces() if prefix}
    used: dict[str, str] = {str(RDF): "rdf"}

    def qname(predicate: URIRef) -> str:
        text = str(predicate)
        cut = max(text.rfind("#"), text.rfind("/")) + 1
        ns, local = text[:cut], text[cut:]
        if not local or not (local[0].isalpha() or local[0] == "_"):
            raise BuildError(f"cannot write predicate {text} in RDF/XML")
        prefix = used.get(ns) or known.get(ns) or f"ns{len(used)}"
        used[ns] = prefix
        return f"{prefix}:{local}"

    def node_attr(term: object, about: bool) -> str:
        if isinstance(term, BNode):
            return f"rdf:nodeID={quoteattr(str(term))}"
        return f"rdf:{'about' if about else 'resource'}={quoteattr(str(term))}"

    body: list[str] = []
    for subject in sorted(set(graph.subjects()), key=lambda t: t.n3()):
        body.append(f"  <rdf:Description {node_attr(subject, True)}>")
        for predicate, obj in sorted(graph.predicate_objects(subject), key=lambda po: (po[0].n3(), po[1].n3())):
            tag = qname(predicate)  # type: ignore[arg-type]
            if isinstance(obj, Literal):
                attrs = ""
                if obj.language:
                    attrs = f" xml:lang={quoteattr(obj.language)}"
                elif obj.datatype:
                    attrs = f" rdf:datatype={quoteattr(str(obj.datatype))}"
                body.append(f"    <{tag}{attrs}>{escape(str(obj))}</{tag}>")
            else:
                body.append(f"    <{tag} {node_attr(obj, False)}/>")
        body.append("  </rdf:Description>")
    declarations = "\n".join(f"  xmlns:{p}={quoteattr(ns)}" for ns, p in sorted(used.items(), key=lambda i: i[1]))
    text = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF\n{declarations}>\n' + "\n".join(body) + "\n</rdf:RDF>\n"
    return text.encode("utf-8")


CATALOG = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Lets Protégé (and any OWL API tool) resolve the ontology import offline. -->
<catalog prefer="public" xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
    <uri id="kgqa ontology" name="{ONTOLOGY_IRI}" uri="kgqa.ttl"/>
    <uri id="kgqa ontology 1.0.0" name="{ONTOLOGY_IRI}/1.0.0" uri="kgqa.ttl"/>
</catalog>
"""


def statistics(asserted: Graph, inferred: Graph) -> dict[str, object]:
    """Counts for the README and the closing note: triples, individuals per class."""
    everything = asserted + inferred
    per_class: Counter[str] = Counter()
    for s, o in everything.subject_objects(RDF.type):
        if str(o).startswith(str(KGQA)) and str(s).startswith(str(RES)):
            per_class[str(o)[len(str(KGQA)) :]] += 1
    return {
        "triples_asserted": len(asserted),
        "triples_inferred": len(inferred),
        "triples_total": len(everything),
        "individuals": len(
            {s for s in asserted.subjects(RDF.type, OWL.NamedIndividual) if str(s).startswith(str(RES))}
        ),
        "individuals_per_class": dict(sorted(per_class.items())),
    }


def write_dist(
    target: Path, asserted: Graph, inferred: Graph, ontology_path: Path, protege: Graph | None = None
) -> dict[str, object]:
    """Write every output file into ``target`` (an empty directory).

    The Turtle, JSON-LD and TriG files hold the materialised graph (asserted + inferred)
    for SPARQL users and the store, which have no reasoner. The RDF/XML file is for
    Protégé, which has one: it holds ``protege`` (default: the asserted graph), so that
    HermiT there shows what follows instead of finding it all asserted already.
    """
    merged = _sorted_graph(asserted, inferred)
    (target / "kgqa-kg.ttl").write_bytes(merged.serialize(format="turtle", encoding="utf-8"))
    (target / "kgqa-kg.owl").write_bytes(_rdfxml(_sorted_graph(asserted if protege is None else protege)))
    (target / "kgqa-kg.jsonld").write_text(_jsonld(merged), encoding="utf-8")
    (target / "kgqa-kg.trig").write_text(_trig(asserted, inferred), encoding="utf-8")
    shutil.copyfile(ontology_path, target / "kgqa.ttl")
    (target / "catalog-v001.xml").write_text(CATALOG, encoding="utf-8")
    stats = statistics(asserted, inferred)
    (target / "stats.json").write_text(json.dumps(stats, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return stats


def _read_schema(paths: Paths) -> tuple[Graph, Graph]:
    try:
        return Graph().parse(paths.ontology, format="turtle"), Graph().parse(paths.shapes, format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        raise BuildError(f"cannot parse the ontology or shapes: {exc}") from None


def _read_facts(paths: Paths) -> tuple[Facts, SourceText]:
    facts = load_facts(paths.facts)
    assert facts.source is not None
    source_path = paths.sources / facts.source.file
    if not source_path.is_file():
        raise FactError("source.yaml", f"source file {source_path} does not exist")
    return facts, SourceText.from_file(source_path)


def _build_graph(facts: Facts, text: SourceText, ontology: Graph) -> Graph:
    graph = build_asserted(facts, text, ontology)
    graph += all_different(named_individuals(graph, ontology))
    return graph


def _check_shapes(asserted: Graph, shapes: Graph, ontology: Graph) -> None:
    violations = validate(asserted, shapes, ontology)
    if violations:
        listing = "\n".join(f"  - {v}" for v in violations)
        raise BuildError(f"the graph violates {len(violations)} SHACL constraint(s):\n{listing}")


def _reason(ontology: Graph, asserted: Graph) -> ReasonerResult:
    """HermiT's conclusions; an inconsistency is reported with what contradicts what.

    The article's "these five are unicorns" is held back from the reasoner so that the inferred
    graph shows which unicorns HermiT derives from valuations alone.
    """
    held_back = Graph()
    for s in asserted.subjects(RDF.type, KGQA.Unicorn):
        held_back.add((s, RDF.type, KGQA.Unicorn))
    try:
        return infer(ontology, asserted, held_back)
    except InconsistentGraphError as exc:
        causes = explain(ontology + asserted)
        if not causes:
            raise
        listing = "\n".join(f"  - {cause}" for cause in causes)
        raise InconsistentGraphError(f"{exc}\nwhat contradicts what:\n{listing}") from None


def _write(paths: Paths, out: Path | None, asserted: Graph, inferred: Graph, protege: Graph) -> dict[str, object]:
    """Write every file into a staging directory, then swap it in whole (a killed build leaves the old)."""
    target_parent = (out or paths.dist).parent
    target_parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dirs.make(out or paths.dist)
    staging.chmod(0o755)  # mkdtemp makes it private; kg/dist is for everyone to read
    try:
        stats = write_dist(staging, asserted, inferred, paths.ontology, protege)
        staging_dirs.install(staging, out or paths.dist)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return stats


def build(paths: Paths, out: Path | None = None, quiet: bool = False) -> BuildReport:
    """Run every stage; write to ``out`` (default: replace ``paths.dist`` atomically).

    :raise BuildError: with a report for people when any stage fails.
    """
    report = BuildReport()
    progress = _Progress(report, quiet)
    staging_dirs.recover(paths.dist)
    ontology, shapes = progress.run("reading ontology and shapes", lambda: _read_schema(paths))
    facts, text = progress.run("reading article and facts", lambda: _read_facts(paths))
    asserted = progress.run("building the asserted graph", lambda: _build_graph(facts, text, ontology))
    progress.run("validating with SHACL (pySHACL)", lambda: _check_shapes(asserted, shapes, ontology))
    result = progress.run("reasoning with HermiT (owlready2)", lambda: _reason(ontology, asserted))
    inferred = mark_rederived(result.inferred, result.rederived)
    # Protégé users get the asserted graph, with the inferences left to their reasoner: also
    # without the held-back statements HermiT derives again, so that it shows them inferred.
    protege = without(asserted, set(result.rederived))
    protege.set((KG_IRI, RDFS.comment, PROTEGE_COMMENT))
    # Declared again locally, so that the file is OWL 2 DL even when its import does not resolve.
    protege += declarations(protege, ontology)
    report.stats = progress.run(f"writing {out or paths.dist}", lambda: _write(paths, out, asserted, inferred, protege))
    return report


REASONING_RUN = RES["reasoning-hermit"]


def mark_rederived(inferred: Graph, rederived: frozenset[tuple]) -> Graph:
    """The inferred graph plus an axiom annotation on each asserted fact the reasoner re-derived.

    Such a triple stays in the asserted graph only (so that a union of the two graphs has no
    duplicates); the annotation ``kgqa:entailedBy`` says the reasoner reaches it on its own,
    as it does for MiniMax and Moonshot AI being unicorns, from their valuations.
    """
    import hashlib

    out = Graph()
    for triple in inferred:
        out.add(triple)
    if not rederived:
        return out
    out.add((REASONING_RUN, RDF.type, OWL.NamedIndividual))
    out.add((REASONING_RUN, RDF.type, KGQA.ReasoningActivity))
    out.add((REASONING_RUN, RDFS.label, Literal("HermiT run of kgqa build (via owlready2)", lang="en")))
    for s, p, o in sorted(rederived):
        axiom = BNode("ent" + hashlib.sha1(f"{s}|{p}|{o}".encode()).hexdigest()[:16])
        out.add((axiom, RDF.type, OWL.Axiom))
        out.add((axiom, OWL.annotatedSource, s))
        out.add((axiom, OWL.annotatedProperty, p))
        out.add((axiom, OWL.annotatedTarget, o))
        out.add((axiom, KGQA.entailedBy, REASONING_RUN))
    return out


def stale_files(paths: Paths) -> list[str]:
    """Files of ``paths.dist`` that a fresh build would write differently."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "dist"
        build(paths, out=fresh, quiet=True)
        return [
            name
            for name in OUTPUT_FILES
            if not (paths.dist / name).is_file() or not filecmp.cmp(fresh / name, paths.dist / name, shallow=False)
        ]


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``kgqa build``; exit 0 on success, 1 with a report on failure."""
    parser = argparse.ArgumentParser(prog="kgqa build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write here instead of kg/dist/")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the committed kg/dist/ is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root holding ontology/ and kg/")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    paths = Paths.under(args.root)
    started = time.perf_counter()
    try:
        if args.check:
            stale = stale_files(paths)
            if stale:
                print(
                    f"kg/dist/ is stale: {', '.join(stale)} differ from a fresh build; run `kgqa build`",
                    file=sys.stderr,
                )
                return 1
            print("kg/dist/ is up to date", file=sys.stderr)
            return 0
        report = build(paths, out=args.out, quiet=args.quiet)
    except (FactError, BuildError, ReasoningError) as exc:
        print(f"kgqa build failed: {exc}", file=sys.stderr)
        print("kg/dist/ was left unchanged.", file=sys.stderr)
        return 1
    stats = report.stats
    print(
        f"built {stats['triples_total']} triples ({stats['triples_asserted']} asserted, "
        f"{stats['triples_inferred']} inferred) in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
