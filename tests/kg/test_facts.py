"""Reading the curated YAML facts (kgqa/kg/facts.py): shape checks with file:line errors."""

from decimal import Decimal
from pathlib import Path

import pytest

from kgqa.kg import dates
from kgqa.kg.facts import FactError, load_facts

FACTS = Path(__file__).resolve().parents[2] / "kg" / "facts"


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "source.yaml").write_text(
        "source: {id: s, file: a.txt, title: T, publisher: P, date: '2024-03-07', evidence: x}\n",
        encoding="utf-8",
    )
    (tmp_path / "more.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_repository_facts_load() -> None:
    facts = load_facts(FACTS)
    assert facts.source is not None and facts.source.id == "mondo-finance-2024-03-07"
    ids = {e.id for e in facts.entities}
    assert {"Alibaba_Group", "Moonshot_AI", "MiniMax", "Zhipu_AI", "Baichuan_Intelligence", "01_AI"} <= ids
    moonshot = next(r for r in facts.rounds if r.id == "Moonshot_AI_Series_B")
    assert moonshot.raised is not None and moonshot.raised.value == Decimal("800000000")
    assert moonshot.date == "2024-02" and moonshot.precision == "Month"
    assert moonshot.dating is not None and moonshot.dating.kind == "ClosingDate"
    angel = next(r for r in facts.rounds if r.id == "01_AI_angel_round")
    assert angel.dating is not None and angel.dating.not_after == "2023" and angel.date is None
    release = next(e for e in facts.events if e.id == "Claude_3_release")
    assert release.dating is not None and (release.dating.not_before, release.dating.not_after) == (
        "2024-03-04",
        "2024-03-06",
    )
    mistral = next(i for i in facts.investments if i.investee == "Mistral_AI")
    assert mistral.dating is not None and mistral.dating.kind == "ReportDate"


@pytest.mark.parametrize(
    ("date", "first", "last"),
    [
        ("2024", "2024-01-01T00:00:00", "2024-12-31T23:59:59"),
        ("2024-02", "2024-02-01T00:00:00", "2024-02-29T23:59:59"),
        ("2023-02", "2023-02-01T00:00:00", "2023-02-28T23:59:59"),
        ("2024-03-05", "2024-03-05T00:00:00", "2024-03-05T23:59:59"),
    ],
)
def test_date_bounds_are_the_first_and_last_instants(date: str, first: str, last: str) -> None:
    assert (dates.earliest(date), dates.latest(date)) == (first, last)


def test_floats_become_exact_decimals(tmp_path: Path) -> None:
    facts = load_facts(
        write(tmp_path, "statistics:\n  - {id: x, about: [a], measure: m, stated_by: b, quantity: 0.3, evidence: q}\n")
    )
    assert facts.statistics[0].quantity == Decimal("0.3")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rounds:\n  - id: r\n    company: c\n    type: SeriesB\n    valuaton: {}\n    evidence: q\n",
            "more.yaml:2: round: unknown key 'valuaton'",
        ),
        ("rounds:\n  - {id: r, company: c, type: SeriesB}\n", "more.yaml:2: round: needs evidence"),
        (
            "rounds:\n  - {id: r, company: c, type: A, date: '2024-02', precision: Day, evidence: q}\n",
            "does not match precision Day",
        ),
        (
            "rounds:\n  - {id: r, company: c, type: A, evidence: q, valuation: {value: -5, currency: USD}}\n",
            "non-negative",
        ),
        (
            "rounds:\n  - {id: r, company: c, type: A, evidence: q, valuation: {value: 5, currency: dollars}}\n",
            "ISO 4217",
        ),
        ("facts:\n  - {subject: a, property: b, object: c, evidence: q\n", "more.yaml:3: YAML syntax error"),
        ("entities:\n  - {id: a, id: b}\n", "duplicate key 'id'"),
        ("facts:\n  - {subject: a, property: b, object: c, evidence: q, lead: yes}\n", "unknown key 'lead'"),
        ("bogus: []\n", "unknown section 'bogus'"),
        (
            "rounds:\n  - {id: r, company: c, type: A, evidence: q, investments: [{investor: x, lead: 1}]}\n",
            "'lead' must be true or false",
        ),
        (
            "rounds:\n  - {id: r, company: c, type: A, date: '2024-02', precision: Month, evidence: q}\n",
            "needs 'date_kind'",
        ),
        (
            "rounds:\n  - {id: r, company: c, type: A, date: '2024-02-30', precision: Day, date_kind: ReportDate,"
            " evidence: q}\n",
            "has no day 30",
        ),
        (
            "rounds:\n  - {id: r, company: c, type: A, date: '2024', precision: Year, not_after: '2024',"
            " date_kind: ClosingDate, evidence: q}\n",
            "not both",
        ),
        ("rounds:\n  - {id: r, company: c, type: A, date_kind: ClosingDate, evidence: q}\n", "need a 'date'"),
        (
            "rounds:\n  - {id: r, company: c, type: A, evidence: q, valuation: {value: 5, currency: USD}}\n",
            "round valuation: needs evidence",
        ),
        (
            "claims:\n  - {id: x, about: [a], stated_by: b, statement: s, candidates: [c], evidence: q}\n",
            "gives both 'as_reported'",
        ),
        (
            "events:\n  - {id: e, type: Speech, label: l, performed_by: p, evidence: q, not_before: '2024-03-04',"
            " date_kind: EventDate}\n",
            "'not_before' needs 'not_after'",
        ),
        (
            "events:\n  - {id: e, type: Speech, label: l, performed_by: p, evidence: q, not_before: '2024-03-07',"
            " not_after: '2024-03-06', date_kind: EventDate}\n",
            "'not_before' 2024-03-07 is after 'not_after' 2024-03-06",
        ),
        (
            "events:\n  - {id: e, type: Speech, label: l, evidence: q}\n",
            "more.yaml:2: event: missing key 'performed_by'",
        ),
        (
            "rounds:\n  - {id: r, company: c, type: A, evidence: q,"
            " report: {status: UnnamedSources, by: x, sure: 1}}\n",
            "round report: unknown key 'sure'",
        ),
        (
            "investments:\n  - {investor: a, investee: b, evidence: q, not_after: '2024-03-07'}\n",
            "needs 'date_kind'",
        ),
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FactError) as info:
        load_facts(write(tmp_path, text))
    assert message in str(info.value)
