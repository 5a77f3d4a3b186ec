"""HermiT (bundled with owlready2) over kgqa's ontology and graph, for tests.

The OWL API check (owlapi.py) says whether Protégé can open a file and whether it is
OWL 2 DL; only a DL reasoner says whether it means what we think: that the ontology
is consistent, that no class is unsatisfiable and that the intended inferences
(property chains, defined classes, inverses) actually follow. owlready2 bundles
HermiT, the reasoner Protégé ships with.

Things owlready2 does not do, handled here:
- it cannot read Turtle: rdflib parses every document and hands N-Triples over;
- it resolves owl:imports only from the web or its own onto_path, not through a
  catalog: imports_closure() follows them through the catalog-v001.xml next to the
  root document (like Protégé and OwlApiCheck.java), and never goes to the web;
- it reports inferences as renamed Python objects: they are read back as an
  rdflib.Graph with exact IRIs.

Not a test module. Typical use in a test:

    result = reasoning.reason(KG_PATH)          # Path(s) or an rdflib.Graph
    assert result.consistent
    assert result.has_type(KGQA.MiniMax, KGQA.Unicorn)
    inferred = reasoning.run_hermit(KG_PATH)   # just the new triples

HermiT's answers, and so `Reasoning.inferred`, cover named classes and object
properties: new direct types of individuals, new direct super-classes/-properties
and equivalences, and object property values (chains, inverses, sub-properties,
symmetry, transitivity). owlready2 does not ask HermiT for data property values.
"""

from __future__ import annotations

import io
import os
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ci import skip_or_fail
from rdflib import OWL, RDF, RDFS, Graph, URIRef

CATALOG_NAME = "catalog-v001.xml"
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# owlready2 stores what HermiT inferred in an ontology of this name (sic).
INFERENCES_ONTOLOGY = "http://inferrences/"
# owlready2 imports the Python module an ontology names with this annotation: never.
OWLREADY_PYTHON_MODULE = URIRef("http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#python_module")
# Types every individual has: no news.
TRIVIAL_TYPES = {OWL.Thing, OWL.NamedIndividual}

Source = str | os.PathLike[str] | Graph | Iterable[str | os.PathLike[str]]


class UnresolvedImportError(RuntimeError):
    """An owl:imports the catalog does not map to a local file (nothing is fetched from the web)."""


class ReasonerError(RuntimeError):
    """HermiT failed (not an inconsistency): e.g. a construct outside OWL 2 DL, an unsupported datatype."""


class InconsistentOntologyError(AssertionError):
    """run_hermit() on an inconsistent ontology: it has no model, so no inference means anything."""


# ---- availability --------------------------------------------------------------------------


def missing() -> list[str]:
    """Why HermiT cannot run here (it needs a Java runtime and owlready2); empty when it can."""
    problems = []
    try:
        import owlready2
    except ImportError:
        return ["owlready2 is not installed (pip install -e '.[dev]')"]
    java = owlready2.JAVA_EXE
    if not (os.path.isabs(java) and os.access(java, os.X_OK)) and shutil.which(java) is None:
        problems.append(f"no Java runtime `{java}` on PATH (HermiT is a Java program)")
    return problems


def available() -> bool:
    """Whether HermiT can run here."""
    return not missing()


def require() -> None:
    """Skip the calling test when HermiT cannot run, but fail when $CI is set (CI must not skip)."""
    problems = missing()
    if problems:
        skip_or_fail(f"HermiT unavailable: {'; '.join(problems)}; run scripts/system-deps.sh as root")


# ---- loading, imports through the catalog --------------------------------------------------


def rdflib_format(path: Path) -> str:
    """rdflib's parser name for a document, by its extension (.owl is RDF/XML, as kg/dist writes it)."""
    suffix = path.suffix.lower()
    formats = {
        ".ttl": "turtle",
        ".nt": "nt",
        ".owl": "xml",
        ".rdf": "xml",
        ".xml": "xml",
        ".jsonld": "json-ld",
    }
    if suffix not in formats:
        raise ValueError(f"{path}: cannot tell the RDF syntax from the extension {suffix!r}")
    return formats[suffix]


def read_catalog(catalog: Path) -> dict[str, str]:
    """An OASIS XML catalog as Protégé writes it: IRI -> document URL.

    Handles uri entries, group (with xml:base) and nextCatalog; rewriteURI prefixes are
    returned with a trailing '*' key marker (see resolve()).
    """
    mapping: dict[str, str] = {}

    def walk(element: ET.Element, base: str) -> None:
        for child in element:
            child_base = _join(base, child.get(XML_BASE)) if child.get(XML_BASE) is not None else base
            tag = child.tag.removeprefix(CATALOG_NS)
            if tag == "uri":
                mapping.setdefault(child.get("name", ""), _join(child_base, child.get("uri", "")))
            elif tag == "rewriteURI":
                mapping.setdefault(
                    child.get("uriStartString", "") + "*", _join(child_base, child.get("rewritePrefix", ""))
                )
            elif tag == "group":
                walk(child, child_base)
            elif tag == "nextCatalog":
                nested = Path(_to_path(_join(child_base, child.get("catalog", ""))))
                for key, value in read_catalog(nested).items():
                    mapping.setdefault(key, value)

    root = ET.parse(catalog).getroot()
    if root.tag.removeprefix(CATALOG_NS) != "catalog":
        raise ValueError(f"{catalog}: root element is <{root.tag}>, not <catalog>")
    walk(root, _join(catalog.resolve().as_uri(), root.get(XML_BASE) or ""))
    return mapping


def _join(base: str, ref: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, ref)


def _to_path(url: str) -> str:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    if parsed.scheme != "file":
        raise UnresolvedImportError(f"catalog maps to {url}, which is not a local file")
    return unquote(parsed.path)


def resolve(iri: str, mapping: dict[str, str]) -> Path | None:
    """The local file the catalog maps an import IRI to (uri entries, then the longest rewriteURI)."""
    if iri in mapping:
        return Path(_to_path(mapping[iri]))
    prefixes = [k[:-1] for k in mapping if k.endswith("*") and iri.startswith(k[:-1])]
    if prefixes:
        best = max(prefixes, key=len)
        return Path(_to_path(mapping[best + "*"] + iri[len(best) :]))
    if iri.startswith("file:"):
        return Path(_to_path(iri))
    return None


def imports_closure(path: str | os.PathLike[str], *, catalog: str | os.PathLike[str] | None = None) -> Graph:
    """One rdflib.Graph with the document and everything it imports, transitively.

    Imports are resolved through `catalog` or the catalog-v001.xml next to `path` (one
    catalog for the whole closure, as in Protégé); an import it does not map raises
    UnresolvedImportError: nothing is fetched from the web. The owl:imports triples stay
    in the graph (reason() drops them).
    """
    root = Path(path)
    catalog_path = Path(catalog) if catalog is not None else root.parent / CATALOG_NAME
    mapping = read_catalog(catalog_path) if catalog_path.is_file() else {}
    graph = Graph()
    done: set[Path] = set()
    todo = [root.resolve()]
    while todo:
        doc = todo.pop()
        if doc in done:
            continue
        done.add(doc)
        part = Graph()
        part.parse(doc, format=rdflib_format(doc))
        graph += part
        for imported in part.objects(None, OWL.imports):
            target = resolve(str(imported), mapping)
            if target is None:
                raise UnresolvedImportError(
                    f"{doc.name} imports <{imported}>, which {catalog_path} does not map to a local file"
                )
            if not target.is_file():
                raise UnresolvedImportError(f"<{imported}> is mapped to {target}, which does not exist")
            todo.append(target.resolve())
    for prefix, namespace in Graph().parse(root, format=rdflib_format(root)).namespaces():
        graph.bind(prefix, namespace, override=True)
    return graph


def to_graph(source: Source) -> Graph:
    """A Graph as is; a path (or paths) with its imports closure merged in."""
    if isinstance(source, Graph):
        return source
    if isinstance(source, str | os.PathLike):
        return imports_closure(source)
    merged = Graph()
    for item in source:
        merged += imports_closure(item)
    return merged


# ---- HermiT ----------------------------------------------------------------------------------


@dataclass
class Reasoning:
    """What HermiT concluded about one ontology (its imports closure)."""

    consistent: bool
    asserted: Graph
    # New triples only: rdf:type (new direct types), rdfs:subClassOf / owl:equivalentClass /
    # rdfs:subPropertyOf / owl:equivalentProperty, and object property values.
    inferred: Graph = field(default_factory=Graph)
    unsatisfiable: list[URIRef] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def full(self) -> Graph:
        """Asserted plus inferred triples."""
        return self.asserted + self.inferred

    def _both(self, s, p, o):
        yield from self.asserted.triples((s, p, o))
        yield from self.inferred.triples((s, p, o))

    def superclasses(self, cls: URIRef) -> set[URIRef]:
        """All named super-classes of a named class (itself included), asserted or inferred."""
        seen = {cls}
        todo = [cls]
        while todo:
            current = todo.pop()
            parents = {o for _, _, o in self._both(current, RDFS.subClassOf, None)}
            parents |= {o for _, _, o in self._both(current, OWL.equivalentClass, None)}
            parents |= {s for s, _, _ in self._both(None, OWL.equivalentClass, current)}
            for parent in parents:
                if isinstance(parent, URIRef) and parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def types(self, individual: URIRef) -> set[URIRef]:
        """Every named class the individual belongs to, entailed (not only the direct ones HermiT prints)."""
        direct = {o for _, _, o in self._both(individual, RDF.type, None) if isinstance(o, URIRef)}
        result: set[URIRef] = set()
        for cls in direct:
            result |= self.superclasses(cls)
        return result - TRIVIAL_TYPES

    def has_type(self, individual: URIRef, cls: URIRef) -> bool:
        """Whether the ontology entails `individual rdf:type cls` (for a named class)."""
        return cls in self.types(individual)

    def holds(self, s: URIRef, p: URIRef, o: URIRef) -> bool:
        """Whether an object property assertion (or rdf:type) is asserted or inferred.

        owlready2 leaves out an inferred `s p o` when `o inverse(p) s` is asserted, so
        inverses are looked at too.
        """
        if p == RDF.type:
            return self.has_type(s, o)
        if (s, p, o) in self.asserted or (s, p, o) in self.inferred:
            return True
        inverses = {x for _, _, x in self._both(p, OWL.inverseOf, None)}
        inverses |= {x for x, _, _ in self._both(None, OWL.inverseOf, p)}
        return any((o, inv, s) in self.asserted or (o, inv, s) in self.inferred for inv in inverses)


def reason(
    source: Source, *, infer_property_values: bool = True, ignore_unsupported_datatypes: bool = False
) -> Reasoning:
    """Run HermiT over `source` (path(s) with their imports closure, or a Graph).

    Does not raise on an inconsistent ontology (see `Reasoning.consistent`); raises
    ReasonerError when HermiT itself fails, e.g. on a construct outside OWL 2 DL or a
    datatype outside the OWL 2 datatype map (xsd:date); ignore_unsupported_datatypes
    makes HermiT treat such datatypes as opaque instead. infer_property_values=False
    skips HermiT's slowest step (object property values) when only consistency,
    satisfiability and types matter.
    """
    import owlready2
    from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError, sync_reasoner_hermit

    asserted = to_graph(source)
    ntriples, base = _for_owlready(asserted)
    world = owlready2.World()
    try:
        onto = world.get_ontology(base)
        onto.load(only_local=True, fileobj=io.BytesIO(ntriples), format="ntriples")
        t0 = time.monotonic()
        try:
            sync_reasoner_hermit(
                world,
                infer_property_values=infer_property_values,
                debug=0,
                ignore_unsupported_datatypes=ignore_unsupported_datatypes,
            )
        except OwlReadyInconsistentOntologyError:
            return Reasoning(consistent=False, asserted=asserted, seconds=time.monotonic() - t0)
        except OwlReadyJavaError as exc:
            raise ReasonerError(f"HermiT failed: {' '.join(str(exc).split())[:4000]}") from None
        seconds = time.monotonic() - t0
        inferred = _inferred_graph(world)
        unsatisfiable = sorted(URIRef(c.iri) for c in world.inconsistent_classes() if c is not owlready2.Nothing)
    finally:
        world.close()
    for prefix, namespace in asserted.namespaces():
        inferred.bind(prefix, namespace, override=True)
    return Reasoning(True, asserted, inferred, unsatisfiable, seconds)


def run_hermit(source: Source, **kwargs: bool) -> Graph:
    """The triples HermiT infers (see module docstring); raises InconsistentOntologyError if inconsistent."""
    result = reason(source, **kwargs)
    if not result.consistent:
        raise InconsistentOntologyError("HermiT: the ontology is inconsistent (it has no model)")
    return result.inferred


def is_consistent(source: Source, **kwargs: bool) -> bool:
    """Whether HermiT finds the ontology (with its imports closure) consistent."""
    return reason(source, **kwargs).consistent


def _for_owlready(graph: Graph) -> tuple[bytes, str]:
    """N-Triples owlready2 can load offline, and the ontology IRI to load them under.

    owl:imports are dropped (the closure is already merged; owlready2 would fetch them
    from the web), as is owlready2's python_module annotation (it would import code).
    Headers of imported ontologies are dropped so that one ontology remains.
    """
    headers = [s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)]
    imported = {o for o in graph.objects(None, OWL.imports) if isinstance(o, URIRef)}
    roots = sorted(h for h in headers if h not in imported) or sorted(headers)
    base = str(roots[0]) if roots else "urn:kgqa:reasoning"
    clean = Graph()
    for s, p, o in graph:
        if p in (OWL.imports, OWLREADY_PYTHON_MODULE):
            continue
        if s in headers and str(s) != base:
            continue
        clean.add((s, p, o))
    return clean.serialize(format="nt", encoding="utf-8"), base


def _inferred_graph(world) -> Graph:
    """What sync_reasoner added, read back as N-Triples so that IRIs are exact.

    owlready2's Python view renames some entities (e.g. punned IRIs become "fusion
    classes"); its triple store does not.
    """
    buf = io.BytesIO()
    world.get_ontology(INFERENCES_ONTOLOGY).save(buf, format="ntriples")
    raw = Graph()
    raw.parse(data=buf.getvalue().decode("utf-8"), format="nt")
    inferred = Graph()
    for s, p, o in raw:
        if str(s).startswith(INFERENCES_ONTOLOGY.rstrip("/")):
            continue  # the inferences ontology's own header
        if p == RDF.type and o in TRIVIAL_TYPES | {OWL.Ontology}:
            continue
        inferred.add((s, p, o))
    return inferred


__all__ = [
    "InconsistentOntologyError",
    "ReasonerError",
    "Reasoning",
    "UnresolvedImportError",
    "available",
    "imports_closure",
    "is_consistent",
    "reason",
    "require",
    "run_hermit",
    "to_graph",
]
