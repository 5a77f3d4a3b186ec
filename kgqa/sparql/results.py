"""Query results as the service passes them around: `Result` (form, bytes, truncation), `Dataset`, `Term`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pyoxigraph as ox

from kgqa.sparql import encode, formats
from kgqa.sparql.encode import Encoded
from kgqa.sparql.formats import Format

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Dataset:
    """An explicit RDF dataset for one query (SPARQL 1.1 Protocol §2.1.4 / FROM, FROM NAMED).

    Without one, the default graph is the union of all named graphs. With one, the default graph is
    the merge of `default_graphs` (possibly none) and only `named_graphs` are visible to GRAPH.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """Query results: their form, the serialised bytes, and whether the row cap cut them.

    The bytes are already in the format the caller asked for (serialised where the query ran), so the
    common path copies no data; `serialize()` converts natively when another format is wanted and
    `rows()`/`boolean`/`triples()` give Python callers terms.
    """

    form: Literal["solutions", "boolean", "graph"]
    format: Format
    data: bytes
    truncated: bool = False
    variables: tuple[str, ...] = ()
    note: str | None = None  # why a truncated result was cut (row or byte limit), for the reply

    @classmethod
    def from_encoded(cls, enc: Encoded) -> Result:
        return cls(enc.form, formats.BY_NAME[enc.format_name], enc.data, enc.truncated, enc.variables, enc.note)

    def serialize(self, fmt: Format) -> bytes:
        """The results in `fmt`, converted by pyoxigraph's writers when needed."""
        if fmt == self.format:
            return self.data
        if self.form == "graph":
            if fmt.kind != "graph":
                raise ValueError(f"a graph cannot be written as {fmt.media_type}")
            return encode.serialize_graph(self.triples(), fmt)
        if fmt.kind != "results":
            raise ValueError(f"query results cannot be written as {fmt.media_type}")
        return ox.parse_query_results(self.data, format=self.format.oxigraph).serialize(format=fmt.oxigraph)

    def _parsed(self) -> Any:
        fmt = self.format
        if fmt is formats.CSV:  # pyoxigraph reads no CSV (it is lossy); TSV carries full terms
            raise ValueError("CSV results cannot be read back; ask for JSON or TSV")
        return ox.parse_query_results(self.data, format=fmt.oxigraph)

    def rows(self) -> list[dict[str, Term]]:
        """Solutions as dicts of variable name → term (unbound variables left out)."""
        if self.form != "solutions":
            raise ValueError(f"a {self.form} result has no rows")
        return [{v: sol[v] for v in self.variables if sol[v] is not None} for sol in self._parsed()]

    @property
    def boolean(self) -> bool:
        if self.form != "boolean":
            raise ValueError(f"a {self.form} result is not a boolean")
        return bool(self._parsed())

    def triples(self) -> list[ox.Triple]:
        if self.form != "graph":
            raise ValueError(f"a {self.form} result has no triples")
        return [q.triple for q in ox.parse(self.data, format=self.format.oxigraph)]
