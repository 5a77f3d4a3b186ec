"""The graph's namespaces and graph IRIs are spelled once, in `kgqa/vocab.py` (issue 12)."""

from __future__ import annotations

from pathlib import Path

from kgqa import vocab

PACKAGE = Path(__file__).resolve().parents[1] / "kgqa"


def test_no_module_spells_a_kgqa_iri_but_the_vocabulary() -> None:
    """Python, templates and the page scripts take them from `kgqa.vocab` (the page from base.html)."""
    sources = [p for ext in ("py", "html", "js") for p in PACKAGE.rglob(f"*.{ext}") if "vendor" not in p.parts]
    spelled = [str(p.relative_to(PACKAGE)) for p in sources if vocab.KGQA_BASE in p.read_text(encoding="utf-8")]
    assert spelled == ["vocab.py"]


def test_the_names_derive_from_one_base() -> None:
    assert vocab.ONTOLOGY_NS == "https://w3id.org/kgqa/ontology#"
    assert vocab.RESOURCE_NS == "https://w3id.org/kgqa/resource/"
    assert vocab.ASSERTED_GRAPH == "https://w3id.org/kgqa/graph/asserted"
    assert vocab.ENTAILED_BY == vocab.ONTOLOGY_NS + "entailedBy"
    assert vocab.PREFIXES["kgqa"] == vocab.ONTOLOGY_NS and vocab.PREFIXES["kgr"] == vocab.RESOURCE_NS


def test_prologue_declares_the_named_prefixes() -> None:
    assert vocab.prologue("kgqa", "xsd") == (
        "PREFIX kgqa: <https://w3id.org/kgqa/ontology#>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    )
