"""Validate the asserted graph against the SHACL shapes (pySHACL).

The shapes are the closed-world contract of the data (a round has one funded
organisation, amounts are decimals with a currency, every fact has evidence). They run
on the *asserted* graph: inferred triples have no evidence of their own, and a shape
violation must point at something a curator wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Namespace
from rdflib.namespace import SH

from kgqa.vocab import SHAPES_NS

SHAPES = Namespace(SHAPES_NS)


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.focus}{where}: {self.message}"


def validate(data: Graph, shapes: Graph, ontology: Graph) -> list[Violation]:
    """SHACL violations of ``data``, sorted so that the report is stable."""
    from pyshacl import validate as shacl_validate

    conforms, report, _text = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True, allow_warnings=True
    )
    if conforms:
        return []
    out = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        out.append(
            Violation(
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath) or ""),
                str(report.value(result, SH.resultMessage) or "shape violated"),
            )
        )
    return sorted(out, key=lambda v: (v.focus, v.path, v.message))
