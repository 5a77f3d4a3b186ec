"""What the question-answering tests share: one app on the built graph per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kgqa.web import create_app


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    app = create_app({"TESTING": True, "KGQA_WORKERS": 1})
    yield app.test_client()
    app.extensions["kgqa"].close()
