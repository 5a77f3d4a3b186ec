"""Request-level guards that hold for every route, whatever the blueprint does with the input.

JSON bodies: Python's `json` accepts `"\\ud800"` (a lone UTF-16 surrogate escape) and returns a `str`
that cannot be encoded as UTF-8. Handed to a route that echoes it (`/api/ask` repeats the question),
it made the reply itself fail with a 500 (found by tests/test_fuzz_api.py). Such text is not Unicode
(RFC 8259 §8.2 calls it unpredictable; I-JSON, RFC 7493 §2.1, forbids it), so it is refused where it
enters, as a 400 naming the escape, before any route sees it. Query strings cannot carry it:
Werkzeug decodes them as UTF-8 with replacement characters.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from service.errors import BadQuery


def _find_surrogate(value: Any) -> str | None:
    """The first lone surrogate in any string of a parsed JSON document, or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            for ch in item:
                if "\ud800" <= ch <= "\udfff":
                    return ch
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents whose strings are not valid Unicode.

    :raise BadQuery 400: from `loads` (so also from `request.get_json(silent=True)`, which only
        silences `ValueError`).
    """

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        data = super().loads(s, **kwargs)
        bad = _find_surrogate(data)
        if bad is not None:
            raise BadQuery(
                f"the JSON body contains the escape \\u{ord(bad):04x}, a lone surrogate that is not a "
                "Unicode character; send text as UTF-8"
            )
        return data
