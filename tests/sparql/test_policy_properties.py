"""Property: whatever a query mixes (comments, bare CRs, escapes, strings, SERVICE anywhere), the
engine never runs a SERVICE clause that the policy let through.

Each generated query is checked by the policy. If it is accepted, the text the policy hands on is
run by a real pyoxigraph store in this process, which has a network, against a loopback trap:
the trap must see nothing. The client's own text is run too, and if the engine would have called
the trap with it, the policy must have refused it.
"""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgqa.errors import ApiError
from kgqa.sparql.policy import check_query
from tests.traps import TrapHandler

_IDS = itertools.count()

SERVICES = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "\\u0053ERVICE", "SERV\\u0049CE"]
# Pieces that keep the query valid wherever they go, and odd ones that may break or hide things.
SAFE = [" ", "\n", "\r", "\r\n", "\t", "# c\n", "# }\r", "?s ?p ?o .", "FILTER(true)", 'BIND("a" AS ?a)']
ODD = [
    "#",
    "# \r",
    '"a\\u0022"',
    '"a\\u0022',
    "'\\u0027'",
    '"\\\\"',
    '"\\""',
    '"a\\u00000022"',
    '"\\U00000022"',
    '"""x"""',
    '"""',
    '"',
    "'",
    "<http://x/\\u003E>",
    "{",
    "}",
    "(",
    ")",
    "\\u0023",
    "\\u000A",
    "\\",
]
# What the SERVICE clause sits in: nothing, a comment (ended by LF, CR or CRLF), or a string
# (opened with tricks that some readers take for its end).
HIDES = [
    ("", ""),
    ("# ", "\n"),
    ("# ", "\r"),
    ("#", "\r\n"),
    ("# \r", "\n"),  # a comment the engine ends at the CR, before SERVICE
    ("#x\r", " #\n"),
    ('BIND("', '" AS ?v)'),
    ("BIND('''", "''' AS ?v)"),
    ('BIND("\\u0022', '" AS ?v)'),
    ('BIND("\\\\', '" AS ?v)'),
    ('BIND("a\\u00000022', '" AS ?v)'),
    ("BIND('\\u0027", "' AS ?v)"),
]
_PIECE = st.one_of(st.sampled_from(SAFE), st.sampled_from(SAFE), st.sampled_from(ODD))


@st.composite
def queries(draw: st.DrawFn, trap: str) -> str:
    """SELECT * WHERE { ... } with a SERVICE clause somewhere among random pieces, maybe hidden."""
    before = draw(st.lists(_PIECE, max_size=5))
    after = draw(st.lists(_PIECE, max_size=5))
    keyword = draw(st.sampled_from(SERVICES))
    gap = draw(st.sampled_from([" ", "\r", "\n", "#x\r", "#x\n"]))
    opener, closer = draw(st.sampled_from(HIDES))
    service = f"{opener}{keyword}{gap}<{trap}/q{next(_IDS)}> {{ ?x ?y ?z }}{closer}"
    return "SELECT * WHERE { " + "".join(before) + service + "".join(after) + " }"


def _reaches_trap(store: ox.Store, text: str) -> bool:
    """Run `text` on the engine itself; True if the trap saw a request while it ran."""
    hits = len(TrapHandler.hits)
    try:
        results = store.query(text)
        if isinstance(results, ox.QuerySolutions):
            list(results)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    return len(TrapHandler.hits) > hits


@pytest.fixture(scope="module")
def engine() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o")))
    return store


def test_no_accepted_query_makes_the_engine_call_service(trap: str, engine: ox.Store) -> None:
    accepted = refused = would_have_called = 0

    @settings(max_examples=600, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(query=queries(trap))
    def check(query: str) -> None:
        nonlocal accepted, refused, would_have_called
        try:
            checked = check_query(query, max_bytes=10_000)
        except ApiError:
            refused += 1
            checked = None
        if checked is not None:
            accepted += 1
            assert not _reaches_trap(engine, checked.text), f"accepted and ran SERVICE: {query!r}"
        if _reaches_trap(engine, query):
            would_have_called += 1
            assert checked is None, f"the engine would run SERVICE in {query!r}, and the policy let it through"

    check()
    # The generator must really produce both kinds, or the property proves nothing.
    assert accepted > 0 and refused > 0 and would_have_called > 0, (accepted, refused, would_have_called)
