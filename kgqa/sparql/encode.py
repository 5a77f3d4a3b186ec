"""Result serialisation with a row cap and a byte budget, by pyoxigraph's native writers.

Both the embedded store's worker processes and the remote store need the same thing: take
pyoxigraph results, keep at most `cap` rows (one more is read so the reply can say it was cut), and
write them with pyoxigraph's native writers, without turning each term into a Python object
(`encode`). This module imports only pyoxigraph and the standard library so that worker processes
stay small.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyoxigraph as ox

from kgqa.sparql.formats import JSON_LD, N_TRIPLES, RDF_XML, TSV, TURTLE, Format
from kgqa.vocab import PREFIXES, XSD_STRING


def term_to_sparql_json(term: Any) -> dict:
    """A term in the SPARQL 1.1 JSON results shape (with the RDF-star `triple` extension)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_to_sparql_json(term.subject),
                "predicate": term_to_sparql_json(term.predicate),
                "object": term_to_sparql_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


# --- serialisation with a row cap ---------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    """Serialised results as they travel from a worker (or remote store) to the request thread.

    `note` says why a truncated result was cut (row limit or byte limit), in words for the reply.
    """

    form: Literal["solutions", "boolean", "graph"]
    format_name: str
    data: bytes
    truncated: bool
    variables: tuple[str, ...] = ()
    note: str | None = None


def _take(items: Iterable[Any], cap: int | None, budget: int | None, size_of: Any) -> tuple[list[Any], str | None]:
    """Read at most `cap` items, stopping early once their estimated size passes `budget` bytes.

    Returns the items and what cut them ("rows", "bytes" or None). Reading stops at the limit, so a
    huge result never sits in the worker's memory; one item past the row cap is read so that the
    reply can say it was cut.
    """
    kept: list[Any] = []
    size = 0
    for item in items:
        if cap is not None and len(kept) >= cap:
            return kept, "rows"
        if budget is not None:
            size += size_of(item)
            if size > budget:
                return kept, "bytes"
        kept.append(item)
    return kept, None


def _fit(items: list[Any], write: Any, max_bytes: int) -> tuple[list[Any], bytes]:
    """The longest prefix of `items` (nearly) whose serialisation is at most `max_bytes`.

    The size estimate used while reading is exact for SPARQL JSON only; XML or JSON-LD are larger,
    so shrink in proportion until the written bytes fit (two or three rounds in practice).
    """
    data = write(items)
    while len(data) > max_bytes and items:
        keep = min(len(items) - 1, int(len(items) * max_bytes / len(data) * 0.95))
        items = items[: max(0, keep)]
        data = write(items)
    return items, data


def _note(cut: str | None, kept: int, cap: int | None, max_bytes: int | None, what: str) -> str | None:
    if cut == "rows":
        return f"the result was cut at {kept} {what}, the row limit (KGQA_MAX_ROWS)"
    if cut == "bytes":
        return f"the result was cut at {kept} {what} to stay under the {max_bytes}-byte limit (KGQA_MAX_RESULT_BYTES)"
    return None


class _Full(Exception):
    """Raised by `_LineSink.write` to stop a pyoxigraph writer (and the lazy query behind it)."""


class _LineSink:
    """A binary file for pyoxigraph's native writers that stops them at a line or byte limit.

    pyoxigraph writes through an 8 KiB buffer, so `write` is called once per chunk, not per row.
    TSV and N-Triples put exactly one solution (after a header line) or one triple on each line (a
    newline inside a literal is written as `\\n`), so counting newlines counts rows. Raising from
    `write` makes the writer stop pulling solutions: a huge result is neither computed nor held
    beyond the limit plus one chunk.
    """

    def __init__(self, max_lines: int | None, max_bytes: int | None) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.lines = 0
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.full = False

    def write(self, chunk: bytes) -> int:
        if self.full:  # pyoxigraph may try once more (flushing its buffer) after the first refusal
            raise _Full
        self.chunks.append(chunk)
        self.size += len(chunk)
        self.lines += chunk.count(b"\n")
        if (self.max_lines is not None and self.lines > self.max_lines) or (
            self.max_bytes is not None and self.size > self.max_bytes
        ):
            self.full = True
            raise _Full
        return len(chunk)

    def flush(self) -> None:
        pass

    def fill(self, serialize: Any) -> bytes:
        """Run `serialize(self)`; the bytes written, complete or stopped at a limit."""
        try:
            serialize(self)
        except _Full:
            pass
        except Exception:
            if not self.full:  # a real error (query evaluation), not our stop: the caller reports it
                raise
        return b"".join(self.chunks)


def _first_lines(data: bytes, n: int) -> bytes:
    """The first `n` complete lines of `data` (all of them if it has fewer)."""
    end = 0
    for _ in range(n):
        i = data.find(b"\n", end)
        if i < 0:
            break
        end = i + 1
    return data[:end]


def _cut_lines(data: bytes, fixed: int, cap: int | None, max_bytes: int | None) -> tuple[bytes, str | None]:
    """Cut line-per-item output (after `fixed` header lines) at the row cap, then at the byte limit.

    Returns the kept bytes (whole lines only; the header always) and what cut them, if anything.
    Output that a `_LineSink` stopped always passes one of the limits, so a partial last line is
    always cut off here.
    """
    cut = None
    if cap is not None and data.count(b"\n") - fixed > cap:
        data, cut = _first_lines(data, fixed + cap), "rows"
    if max_bytes is not None and len(data) > max_bytes:
        header = len(_first_lines(data, fixed))
        data, cut = data[: max(header, data.rfind(b"\n", 0, max_bytes + 1) + 1)], "bytes"
    return data, cut


def _shrink(lines: bytes, fixed: int, write: Any, max_bytes: int | None) -> tuple[bytes, int, bool]:
    """Convert line-per-item bytes with `write`, dropping trailing lines until the result fits.

    The TSV or N-Triples budget used while reading is exact only for that format; SPARQL JSON or XML
    are larger, so shrink in proportion until the written bytes fit (one or two rounds in practice).
    Returns the converted bytes, the number of items kept and whether any were dropped here.
    """
    count = lines.count(b"\n") - fixed
    data = write(lines)
    dropped = False
    while max_bytes is not None and len(data) > max_bytes and count > 0:
        count = max(0, min(count - 1, int(count * max_bytes / len(data) * 0.95)))
        lines = _first_lines(lines, fixed + count)
        data = write(lines)
        dropped = True
    return data, count, dropped


def _encode_solutions(
    results: Any, fmt: Format, cap: int | None, max_bytes: int | None
) -> tuple[bytes, int, str | None]:
    """SELECT results written by pyoxigraph itself, capped: (bytes, rows kept, what cut them).

    Python never touches a term: the solutions are written as TSV through a `_LineSink` (one line
    per solution, so the row cap and byte limit are checked per 8 KiB chunk), and TSV, which
    carries every term exactly, is converted natively when another format is wanted. On small
    results this is several times faster than building the JSON in Python.
    """
    if cap is None and max_bytes is None:
        return results.serialize(format=fmt.oxigraph), -1, None
    sink = _LineSink(None if cap is None else cap + 1, max_bytes)
    tsv, cut = _cut_lines(sink.fill(lambda out: results.serialize(out, format=_TSV)), 1, cap, max_bytes)

    def write(part: bytes) -> bytes:
        if fmt is TSV:
            return part
        return ox.parse_query_results(part, format=_TSV).serialize(format=fmt.oxigraph)

    data, kept, dropped = _shrink(tsv, 1, write, max_bytes)
    return data, kept, "bytes" if dropped else cut


def _encode_triples(results: Any, fmt: Format, cap: int | None, max_bytes: int | None) -> tuple[bytes, int, str | None]:
    """CONSTRUCT/DESCRIBE results, like `_encode_solutions`, with N-Triples as the counted form."""
    if cap is None and max_bytes is None:
        return serialize_graph(results, fmt), -1, None
    sink = _LineSink(cap, max_bytes)
    nt, cut = _cut_lines(
        sink.fill(lambda out: results.serialize(out, format=ox.RdfFormat.N_TRIPLES)), 0, cap, max_bytes
    )

    def write(part: bytes) -> bytes:
        if fmt is N_TRIPLES:
            return part
        return serialize_graph((q.triple for q in ox.parse(part, format=ox.RdfFormat.N_TRIPLES)), fmt)

    data, kept, dropped = _shrink(nt, 0, write, max_bytes)
    return data, kept, "bytes" if dropped else cut


_TSV = ox.QueryResultsFormat.TSV


def encode(
    results: Any, results_format: Format, graph_format: Format, cap: int | None, max_bytes: int | None = None
) -> Encoded:
    """Serialise pyoxigraph query results (`QuerySolutions`/`QueryBoolean`/`QueryTriples` or a triple
    iterator) in the requested format, keeping at most `cap` rows or triples and, if `max_bytes` is
    given, at most that many bytes (cut at a row boundary, so the reply stays valid).

    Query results are written by pyoxigraph's native writers (`_encode_solutions`); a plain
    iterator of triples (a remote store's reply) is collected and written in one go.
    """
    if isinstance(results, ox.QueryBoolean):
        return Encoded("boolean", results_format.name, results.serialize(format=results_format.oxigraph), False)
    if isinstance(results, ox.QuerySolutions):
        variables = tuple(v.value for v in results.variables)
        data, kept, cut = _encode_solutions(results, results_format, cap, max_bytes)
        return Encoded(
            "solutions", results_format.name, data, cut is not None, variables, _note(cut, kept, cap, max_bytes, "rows")
        )
    if isinstance(results, ox.QueryTriples):
        data, kept, cut = _encode_triples(results, graph_format, cap, max_bytes)
        return Encoded(
            "graph", graph_format.name, data, cut is not None, (), _note(cut, kept, cap, max_bytes, "triples")
        )

    def write_graph(triples: list[Any]) -> bytes:
        return serialize_graph(triples, graph_format)

    triples, cut = _take(results, cap, max_bytes, lambda t: len(str(t)) + 3)
    if max_bytes is not None:
        before = len(triples)
        triples, data = _fit(triples, write_graph, max_bytes)
        cut = "bytes" if len(triples) < before else cut
    else:
        data = write_graph(triples)
    return Encoded(
        "graph", graph_format.name, data, cut is not None, (), _note(cut, len(triples), cap, max_bytes, "triples")
    )


def solutions_json(variables: Sequence[str], rows: Iterable[Any]) -> bytes:
    """SPARQL 1.1 Query Results JSON for solutions (pyoxigraph `QuerySolution`s or dicts of terms)."""
    bindings = []
    for row in rows:
        binding = {}
        for name in variables:
            term = row[name]
            if term is not None:
                binding[name] = term_to_sparql_json(term)
        bindings.append(binding)
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def serialize_graph(triples: Iterable[Any], fmt: Format) -> bytes:
    """Write triples natively; Turtle, RDF/XML and JSON-LD get the project's prefixes for readability."""
    kwargs = {"prefixes": PREFIXES} if fmt in (TURTLE, RDF_XML, JSON_LD) else {}
    try:
        return ox.serialize(triples, format=fmt.oxigraph, **kwargs)
    except TypeError:  # a writer that takes no prefixes
        return ox.serialize(triples, format=fmt.oxigraph)
