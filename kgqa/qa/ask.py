"""Natural-language questions: the answer behind ``/api/ask`` and ``kgqa ask``.

question -> linked entities (:mod:`kgqa.qa.linker`) -> a canned query and parameters
(:mod:`kgqa.qa.intents`) -> SPARQL on the store (the same path as ``/api/queries``) ->
answers with the evidence recorded in the graph. Nothing is answered from anywhere but
the query results: when the graph has no fact for the question, the reply is
``"status": "unknown"`` with the reason, because a wrong confident answer is worse than
none.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kgqa.qa.coverage import check as coverage_of
from kgqa.qa.intents import NotUnderstood, Reading, prepare, understand
from kgqa.qa.linker import STOPWORDS, Linker, Target, normalise
from kgqa.qa.names import NameRow, for_state

Cell = Mapping[str, str]  # a SPARQL JSON results cell: {"type": "uri"|"literal"|..., "value": ...}
Row = Mapping[str, Cell]


@dataclass(frozen=True)
class QueryRun:
    """What running a canned query gave: the SPARQL that ran (bindings inlined) and rows."""

    sparql: str
    rows: list[Row]


Runner = Callable[[str, Mapping[str, str | Decimal]], QueryRun]
MAX_QUESTION_CHARS = 500
MAX_EVIDENCE = 6


def value(row: Row, name: str) -> str | None:
    cell = row.get(name)
    return None if cell is None else cell.get("value")


def human_date(iso: str) -> str:
    """'2024-02' -> 'February 2024'; '2024-03-05' -> '5 March 2024'."""
    parts = iso.split("-")
    if len(parts) == 1:
        return parts[0]
    month = calendar.month_name[int(parts[1])]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def _number(text: str | None) -> int | float | None:
    if text is None:
        return None
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


class Asker:
    """Answers questions over one store; the entity index is built once from the graph's names.

    `names` are the rows of the `names` canned query (:mod:`kgqa.qa.names`): target IRI,
    its English label, one of its names, the kind of name, and one of its classes.
    """

    def __init__(self, run: Runner, names: Sequence[NameRow]) -> None:
        self.run = run
        kinds: dict[str, set[str]] = {}
        self.labels: dict[str, str] = {}
        self.alt_labels: dict[str, list[str]] = {}
        for iri, label, name, name_kind, kind in names:
            kinds.setdefault(iri, set()).add(kind.rsplit("#", 1)[-1])
            self.labels[iri] = label or iri
            # Every name but the English label: aliases, hidden names, preferred names in other languages.
            also = name_kind in ("alt", "hidden") or name != label
            if also and name not in self.alt_labels.setdefault(iri, []):
                self.alt_labels[iri].append(name)
        targets = {iri: Target(iri, self.labels[iri], frozenset(kinds[iri])) for iri in kinds}
        self.linker = Linker.from_names((row[2], targets[row[0]]) for row in names)

    # --- the reply ---------------------------------------------------------------------------
    def answer(self, question: str) -> dict[str, Any]:
        """The /api/ask reply for ``question`` (its shape: the README, "Questions in plain language")."""
        parsed = prepare(question, self.linker)
        reading = understand(parsed)
        coverage = coverage_of(parsed, reading) if isinstance(reading, Reading) else None
        if isinstance(reading, Reading) and coverage is not None and coverage.unexplained:
            reading = NotUnderstood(
                f"I could read part of this as \u201c{reading.why}\u201d, but not the words "
                + ", ".join(f"\u201c{w}\u201d" for w in coverage.unexplained)
                + "; rather than answer a different question, I don't answer"
            )
        if isinstance(reading, NotUnderstood):
            return self._reply(question, "unknown", [], explanation=reading.reason)
        run = self.run(reading.query, reading.bindings)
        if coverage is not None and coverage.dated:
            # Only rows of the month/year the question names: the date is a constraint, not noise.
            run = QueryRun(run.sparql, [r for r in run.rows if coverage.fits(value(r, "date") or "")])
        builder = getattr(self, "_" + reading.answer.replace("-", "_"))
        answers, evidence_rows, explanation = builder(reading, run.rows)
        bindings = {k: str(v) for k, v in reading.bindings.items()}
        if not answers:
            return self._reply(
                question,
                "unknown",
                [],
                run.sparql,
                reading.query,
                bindings,
                [],
                explanation or f"The graph has no answer to this ({reading.why}).",
            )
        return self._reply(
            question,
            "answered",
            answers,
            run.sparql,
            reading.query,
            bindings,
            self._evidence(evidence_rows),
            explanation or reading.why,
        )

    @staticmethod
    def _reply(
        question: str,
        status: str,
        answers: list[dict[str, Any]],
        sparql: str | None = None,
        query: str | None = None,
        bindings: dict[str, str] | None = None,
        evidence: list[dict[str, str]] | None = None,
        explanation: str = "",
    ) -> dict[str, Any]:
        return {
            "question": question,
            "status": status,
            "answers": answers,
            "sparql": sparql,
            "query": query,
            "bindings": bindings or {},
            "evidence": evidence or [],
            "explanation": explanation,
        }

    @staticmethod
    def _evidence(rows: list[Row]) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for row in rows:
            text, source = value(row, "evidence"), value(row, "source")
            item = {"text": text, "source": source or ""} if text else None
            if item is None and value(row, "external"):
                item = {
                    "text": value(row, "external") or "",
                    "source": "curators' record (outside the article)",
                    "kind": "external",
                }
            if item and item not in out:
                out.append(item)
        return out[:MAX_EVIDENCE]

    def _entity(self, iri: str, label: str) -> dict[str, Any]:
        return {"label": label, "iri": iri, "altLabels": self.alt_labels.get(iri, []), "value": None}

    def _group(self, rows: list[Row], key: str = "answer", label: str = "answerLabel") -> list[dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {}
        for row in rows:
            iri = value(row, key)
            if iri and iri not in answers:
                answers[iri] = self._entity(iri, value(row, label) or iri)
        return list(answers.values())

    # --- answer builders: (answers, rows whose evidence to show, explanation) ------------------
    def _entities(self, reading: Reading, rows: list[Row]):
        focus = reading.focus
        if "qualifier" in focus:
            rows = [r for r in rows if value(r, "qualifierLabel") == focus["qualifier"]]
        if "company" in focus:
            rows = [r for r in rows if value(r, "company") == focus["company"]]
        if "exclude" in focus:
            rows = [r for r in rows if value(r, "answer") not in focus["exclude"].split()]
        if focus.get("only") == "unicorns":
            unicorns = {value(r, "answer") for r in self.run("unicorns", {}).rows}
            rows = [r for r in rows if value(r, "answer") in unicorns]
        if "relation" in focus:
            rows = [
                r
                for r in rows
                if value(r, "relation") == focus["relation"] and value(r, "direction") == focus["direction"]
            ]
        answers = self._group(rows)
        explanation = f"{reading.why}: {', '.join(a['label'] for a in answers)}" if answers else ""
        if not answers and reading.query == "round-lead":
            explanation = "The graph records no lead investor for that round: the article does not say who led it."
            investors = self.run("round-investors", reading.bindings).rows
            if investors:
                parts = sorted(
                    {
                        f"{value(r, 'answerLabel')}"
                        + (f" ({value(r, 'qualifierLabel')})" if value(r, "qualifierLabel") else "")
                        for r in investors
                    }
                )
                explanation += f" Investors recorded in it: {', '.join(parts)}."
        return answers, rows, explanation

    def _organizations(self, reading: Reading, rows: list[Row]):
        answers = self._group(rows, "organization", "organizationLabel")
        return answers, rows, f"{reading.why}: {', '.join(a['label'] for a in answers)}" if answers else ""

    def _claims(self, reading: Reading, rows: list[Row]):
        answers = [
            {"label": value(r, "answerLabel"), "iri": value(r, "answer"), "altLabels": [], "value": None} for r in rows
        ]
        unique = list({a["iri"]: a for a in answers}.values())
        return unique, rows, reading.why

    def _statements(self, reading: Reading, rows: list[Row]):
        answers = self._group(rows, "statement", "statementLabel")
        return answers, rows, reading.why

    def _money(self, reading: Reading, rows: list[Row]):
        answers: list[dict[str, Any]] = []
        for row in rows:
            if value(row, "value") is None:
                continue
            answer = {
                "label": value(row, "answerLabel"),
                "iri": value(row, "answer"),
                "altLabels": [],
                "value": _number(value(row, "value")),
                "currency": value(row, "currency"),
            }
            if value(row, "date"):
                answer["date"] = value(row, "date")
            if answer not in answers:
                answers.append(answer)
        if not answers:
            subject = next(iter(reading.bindings.values()), "")
            label = self.linker_label(str(subject))
            what = "valuation" if reading.query == "valuation" else "amount raised"
            return [], rows, f"The article gives no {what} for {label}."
        return answers, rows, f"{reading.why}: {', '.join(a['label'] for a in answers)}"

    def linker_label(self, iri: str) -> str:
        """The preferred label of an entity or term the index knows (the IRI otherwise)."""
        return self.labels.get(iri, iri)

    def _date(self, reading: Reading, rows: list[Row]):
        answers = []
        for row in rows:
            date = value(row, "date")
            if date and all(a["value"] != date for a in answers):
                answers.append(
                    {
                        "label": human_date(date),
                        "value": date,
                        "iri": value(row, "answer"),
                        "altLabels": [],
                        "precision": value(row, "precision"),
                    }
                )
        if not answers:
            startup = self.linker_label(str(reading.bindings["startup"]))
            return [], rows, f"The article gives no date for {startup}'s round."
        return answers, [r for r in rows if value(r, "date")], f"{reading.why}: {answers[0]['label']}"

    def _round_type(self, reading: Reading, rows: list[Row]):
        known = [r for r in rows if not (value(r, "roundType") or "").endswith("#SeriesUnknown")]
        answers = []
        for row in known:
            if all(a["label"] != value(row, "typeLabel") for a in answers):
                answers.append(
                    {"label": value(row, "typeLabel"), "iri": value(row, "roundType"), "altLabels": [], "value": None}
                )
        if not answers and rows:
            return [], rows, "The article reports the round but not its type (series)."
        return answers, known, reading.why

    def _rounds(self, reading: Reading, rows: list[Row]):
        return self._group(rows), rows, reading.why

    def _count(self, reading: Reading, rows: list[Row]):
        """How many: the query's own COUNT where it has one, else the distinct answers counted."""
        if reading.query == "portfolio-size":
            count = _number(value(rows[0], "value")) if rows else 0
            if not count:
                return [], rows, "The graph records no investments by this investor."
            portfolio = self.run("portfolio", {"investor": reading.bindings["investor"]}).rows
            return (
                [{"label": f"{count} companies", "value": count, "iri": None, "altLabels": []}],
                portfolio,
                f"{reading.why}: {count}",
            )
        answers, rows, _ = self._entities(reading, rows)
        if not answers:
            return [], rows, ""
        noun = reading.focus.get("noun", "companies" if reading.query == "portfolio" else "")
        names = ", ".join(a["label"] for a in answers)
        return (
            [{"label": f"{len(answers)} {noun}".strip(), "value": len(answers), "iri": None, "altLabels": []}],
            rows,
            f"{reading.why}: {len(answers)} ({names})",
        )

    def _contains(self, reading: Reading, rows: list[Row]):
        """Yes/no: is the entity in focus among the query's answers?

        "No" only when the graph records answers and the entity is not among them (the article
        names who did); with no answers at all the graph cannot tell, so the reply is unknown.
        """
        answers, rows, _ = self._entities(reading, rows)
        if not answers:
            return [], rows, ""
        mine = [r for r in rows if value(r, "answer") == reading.focus["iri"]]
        names = ", ".join(a["label"] for a in answers)
        return [self._boolean(bool(mine))], mine or rows, f"{reading.why}: the graph records {names}"

    def _higher(self, reading: Reading, rows: list[Row]):
        found = {value(r, "answer") for r in rows if value(r, "value") is not None}
        wanted = {str(reading.bindings["first"]), str(reading.bindings["second"])}
        if found != wanted:
            missing = ", ".join(self.linker_label(i) for i in sorted(wanted - found))
            return [], rows, f"The article gives no valuation for {missing}, so they cannot be compared."
        top = rows[0]
        if "iri" in reading.focus:
            first = value(top, "answer") == reading.focus["iri"] and value(rows[-1], "value") != value(top, "value")
            return [self._boolean(first)], rows, f"{reading.why}: {value(top, 'answerLabel')} is valued higher"
        answer = self._entity(value(top, "answer") or "", value(top, "answerLabel") or "")
        answer["valuation"] = value(top, "valuationLabel")
        others = ", ".join(f"{value(r, 'answerLabel')}: {value(r, 'valuationLabel')}" for r in rows)
        return [answer], rows, f"{reading.why} ({others})"

    def _boolean(self, flag: bool) -> dict[str, Any]:
        return {"label": "yes" if flag else "no", "value": flag, "iri": None, "altLabels": []}

    def _did_lead(self, reading: Reading, rows: list[Row]):
        investor = str(reading.bindings["investor"])
        led = [r for r in rows if value(r, "led") == "true"]
        not_led = [r for r in rows if value(r, "led") == "false"]
        other_lead = [r for r in rows if value(r, "leadLabel") and value(r, "participated") != "true"]
        if led:
            return [self._boolean(True)], led, f"{self.linker_label(investor)} led {value(led[0], 'roundLabel')}"
        if not_led:
            return (
                [self._boolean(False)],
                not_led,
                f"{self.linker_label(investor)} took part in {value(not_led[0], 'roundLabel')} but did not lead it",
            )
        if other_lead:
            return (
                [self._boolean(False)],
                other_lead,
                f"{value(other_lead[0], 'leadLabel')} led {value(other_lead[0], 'roundLabel')}",
            )
        return [], rows, "The article does not say whether that investor led the round."

    def _is_unicorn(self, reading: Reading, rows: list[Row]):
        if not rows:
            return [], rows, ""
        row = rows[0]
        if value(row, "isUnicorn") == "true":
            return [self._boolean(True)], rows, f"{value(row, 'companyLabel')} is a unicorn"
        if value(row, "notStartup") == "true":
            return (
                [self._boolean(False)],
                [],
                f"{value(row, 'companyLabel')} is an established technology "
                "company, not a start-up, so it cannot be a unicorn",
            )
        return [], rows, f"The graph does not say whether {value(row, 'companyLabel')} is a unicorn."

    def _holds_role(self, reading: Reading, rows: list[Row]):
        person = reading.focus["person"]
        if not rows:
            return [], rows, "The graph records nobody in that role."
        mine = [r for r in rows if value(r, "answer") == person]
        return [self._boolean(bool(mine))], mine or rows, reading.why

    def _pick_statistic(self, reading: Reading, rows: list[Row]) -> list[Row]:
        """The statistic whose description shares the most words with the question."""
        question = set(normalise(reading.focus.get("words", "")).split()) - STOPWORDS
        best: list[Row] = []
        best_score = 0
        by_stat: dict[str, list[Row]] = {}
        for row in rows:
            by_stat.setdefault(value(row, "answer") or "", []).append(row)
        for stat_rows in by_stat.values():
            row = stat_rows[0]
            text = " ".join(filter(None, (value(row, k) for k in ("measure", "asReported", "period", "unit"))))
            words = set(normalise(text).split()) - STOPWORDS
            words |= {w.rstrip("s") for w in words}
            score = len(question & words) + len({w.rstrip("s") for w in question} & words)
            # What is asked decides between figures on the same topic: a count, a share, money.
            unit = value(row, "unit") or ""
            share = bool(question & {"share", "percentage", "percent", "proportion", "fraction", "ratio"})
            count = "many" in normalise(reading.focus.get("words", "")).split()
            if (unit == "fraction") == share and not (count and unit == "fraction"):
                score += 2
            if score > best_score:
                best, best_score = stat_rows, score
        return best if best_score >= 3 else []

    def _statistic(self, reading: Reading, rows: list[Row]):
        chosen = self._pick_statistic(reading, rows)
        if not chosen:
            return [], rows, "The article reports no figure matching this question."
        row = chosen[0]
        number = _number(value(row, "value"))
        unit, qualifier = value(row, "unit") or "", (value(row, "qualifier") or "").rsplit("#", 1)[-1]
        if value(row, "amountLabel"):
            label = value(row, "amountLabel") or ""
        elif unit == "fraction" and number is not None:
            label = f"{Decimal(value(row, 'value') or '0') * 100:f}".rstrip("0").rstrip(".") + "%"
        else:
            words = {"MoreThan": "more than ", "AtLeast": "at least "}.get(qualifier, "")
            label = f"{words}{number} {unit}".strip()
        answer = {
            "label": label,
            "value": number,
            "iri": value(row, "answer"),
            "altLabels": [],
            "statedBy": value(row, "statedByLabel"),
            "asReported": value(row, "asReported"),
        }
        note = f" (printed as {value(row, 'asReported')!r}; {value(row, 'note')})" if value(row, "note") else ""
        return (
            [answer],
            chosen,
            f"{value(row, 'measure')} ({value(row, 'period') or 'no period given'}), "
            f"according to {value(row, 'statedByLabel')}: {label}{note}",
        )

    def _statistic_source(self, reading: Reading, rows: list[Row]):
        chosen = self._pick_statistic(reading, rows)
        if not chosen:
            return [], rows, "The article reports no figure matching this question."
        row = chosen[0]
        answer = self._entity(value(row, "statedBy") or "", value(row, "statedByLabel") or "")
        return [answer], chosen, f"{value(row, 'measure')}: stated by {answer['label']}"


def answer_question(question: str, asker: Asker) -> dict[str, Any]:
    """Validate and answer one question.

    :raise ValueError: with a message for people, for an empty, overlong or binary question.
    """
    if not isinstance(question, str) or not question.strip():
        raise ValueError('the question is empty: ask something like "who led MiniMax\'s round?"')
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", question):
        raise ValueError("the question contains control characters")
    return asker.answer(question.strip())


# --- wiring to the service's store and registry -----------------------------------------------


def state_runner(state: Any) -> Runner:
    """Run canned queries by name on the service's store, as /api/queries does (`run_trusted_query`).

    Parameters come from the linker (entity IRIs) or the question parser (decimals), never from
    question text, and are bound as RDF terms; the SPARQL shown to the user has them inlined as a
    VALUES block, so it can be pasted into any SPARQL client as it is.
    """
    import pyoxigraph as ox

    from kgqa.sparql.encode import term_to_sparql_json
    from kgqa.sparql.runner import run_trusted_query
    from kgqa.sparql.values import inject_values

    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")

    def run(name: str, bindings: Mapping[str, str | Decimal]) -> QueryRun:
        canned = state.registry.get(name)
        terms = {
            k: ox.Literal(format(v, "f"), datatype=decimal) if isinstance(v, Decimal) else ox.NamedNode(v)
            for k, v in bindings.items()
        }
        checked, result = run_trusted_query(state, canned.sparql, bindings=terms)
        rows = [{k: term_to_sparql_json(t) for k, t in row.items()} for row in result.rows()]
        return QueryRun(inject_values(checked.text, terms), rows)

    return run


def asker_for(state: Any) -> Asker:
    """The state's Asker, built on first use (the entity index is read from the graph once).

    It also becomes the state's name resolver for canned-query parameters, so "/api/queries/
    valuation?company=Moonshott" finds Moonshot AI the same way a question does.
    """
    asker = state.extra.get("asker")
    if asker is None:
        asker = Asker(state_runner(state), for_state(state))
        state.extra["asker"] = asker

        def resolve(name: str, cls: str | None) -> list[str]:
            wanted = cls.rsplit("#", 1)[-1] if cls else None
            return [t.iri for t in asker.linker.candidates(name) if wanted is None or wanted in t.kinds]

        state.entity_resolver = resolve
    return asker
