"""The service's exceptions travel between processes: a query worker raises one, the server re-raises
it as it is (`kgqa.store.pool`). So each must survive pickling with its type, message, context and
HTTP status."""

from __future__ import annotations

import pickle

import pytest

from kgqa import errors


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


ERRORS = [errors.ApiError, *_subclasses(errors.ApiError)]


def test_every_error_class_of_the_module_is_covered() -> None:
    declared = {v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, errors.ApiError)}
    assert declared <= set(ERRORS) and len(declared) >= 12


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_error_round_trips_through_pickle(cls: type[errors.ApiError]) -> None:
    original = cls("what went wrong, in words", param="query", graph="https://example.org/g")
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(original, protocol=protocol))
        assert type(copy) is cls
        assert copy.message == original.message == str(copy)
        assert copy.context == {"param": "query", "graph": "https://example.org/g"}
        assert copy.status == cls.status


def test_an_error_without_context_round_trips_too() -> None:
    copy = pickle.loads(pickle.dumps(errors.QueryTimeout("query exceeded the 5 s time limit")))
    assert (copy.status, copy.message, copy.context) == (503, "query exceeded the 5 s time limit", {})
