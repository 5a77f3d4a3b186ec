"""Typed bounds of reduced-precision dates: the first and last instant an ISO date can denote.

Why: the graph shows dates as the article gives them ("2024-02" for "mid-February"), but such
strings do not compare with instants and YEAR() is unbound on them. Each date is therefore also
recorded as an interval of two ``xsd:dateTime`` values (in the OWL 2 datatype map, unlike
``xsd:date``/``xsd:gYearMonth``), to the second and without a time zone (the article gives none).
"""

from __future__ import annotations

import calendar
import re

# ISO 8601 of reduced precision, and the precision concept each length stands for.
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
PRECISION_OF_LENGTH = {4: "Year", 7: "Month", 10: "Day"}


def _parts(date: str) -> tuple[int, int | None, int | None]:
    match = _ISO.match(date)
    if match is None:
        raise ValueError(f"{date!r} is not an ISO 8601 date such as 2024, 2024-02 or 2024-03-05")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{date!r} has no month {month}")
    if day is not None and month is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"{date!r} has no day {day}")
    return year, month, day


def earliest(date: str) -> str:
    """The first instant of ``date``: ``2024-02`` -> ``2024-02-01T00:00:00``."""
    year, month, day = _parts(date)
    return f"{year:04d}-{month or 1:02d}-{day or 1:02d}T00:00:00"


def latest(date: str) -> str:
    """The last instant (to the second) of ``date``: ``2024-02`` -> ``2024-02-29T23:59:59``."""
    year, month, day = _parts(date)
    month = month or 12
    day = day or calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-{day:02d}T23:59:59"


def check(date: str) -> None:
    """Raise ValueError unless ``date`` is a real ISO 8601 date of reduced precision."""
    _parts(date)
