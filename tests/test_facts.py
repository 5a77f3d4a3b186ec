"""Reading the curated YAML facts (kgqa/kg/facts.py): shape checks with file:line errors."""

from decimal import Decimal
from pathlib import Path

import pytest

from kgqa.kg.facts import FactError, load_facts

FACTS = Path(__file__).resolve().parent.parent / "kg" / "facts"


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
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(FactError) as info:
        load_facts(write(tmp_path, text))
    assert message in str(info.value)
