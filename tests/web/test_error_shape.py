"""Every error source gives the same envelope: {"error": ..., "status": N} (+ context), or plain text."""

from __future__ import annotations

import json

import pytest

from kgqa.web import create_app
from tests.conftest import ENDLESS, MINI

CASES = [
    ("get", "/sparql?query=SELEC", {}, 400),
    ("post", "/sparql", {"data": {}}, 400),
    ("get", "/sparql?update=DROP%20ALL", {}, 403),
    ("get", "/sparql?query=SELECT%20*%20%7BSERVICE%20%3Chttp%3A%2F%2Fx%2F%3E%20%7B%3Fs%20%3Fp%20%3Fo%7D%7D", {}, 403),
    ("get", "/sparql?query=SELECT%20*%20FROM%20%3Chttp%3A%2F%2Fx%2F%3E%20%7B%3Fs%20%3Fp%20%3Fo%7D", {}, 400),
    ("get", "/nowhere", {}, 404),
    ("get", "/api/queries/nope", {}, 404),
    ("get", "/entity/Nobody", {}, 404),
    ("get", "/store?graph=http://nope/", {}, 404),
    ("delete", "/sparql", {}, 405),
    ("get", "/sparql?query=ASK%7B%7D", {"headers": {"Accept": "image/png"}}, 406),
    ("post", "/sparql", {"data": "ASK {} #" + "x" * 70000, "content_type": "application/sparql-query"}, 413),
    ("get", "/api/queries/investors", {}, 400),
]


@pytest.mark.parametrize(("method", "url", "kw", "status"), CASES)
def test_envelope(mini_client, method, url, kw, status):
    r = getattr(mini_client, method)(url, **kw)
    assert r.status_code == status
    assert r.headers["Content-Type"] == "application/json"
    body = json.loads(r.data)
    assert body["status"] == status and isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in body["error"]


def test_method_not_allowed_keeps_allow(mini_client):
    r = mini_client.delete("/sparql")
    assert "GET" in r.headers["Allow"]


def test_plain_text_for_clients_that_prefer_it(mini_client):
    r = mini_client.get("/sparql?query=SELEC", headers={"Accept": "text/plain"})
    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/plain")
    assert r.get_data(as_text=True).startswith("SPARQL syntax error at line 1, column")
    r = mini_client.get("/nowhere", headers={"Accept": "text/plain, application/json;q=0.5"})
    assert r.headers["Content-Type"].startswith("text/plain")


def test_timeout_is_503(mini_client):
    r = mini_client.get("/sparql", query_string={"query": ENDLESS})
    assert r.status_code == 503
    assert r.get_json() == {"error": "query exceeded the 1.5 s time limit", "status": 503}
    assert r.headers["Retry-After"]


def test_unexpected_errors_are_generic_500(mini_state, caplog):
    app = create_app({**MINI, "TESTING": False}, state=mini_state)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail /etc/passwd")

    r = app.test_client().get("/boom")
    assert r.status_code == 500
    body = r.get_json()
    assert body["status"] == 500 and "secret" not in body["error"] and "server log" in body["error"]
    assert "secret internal detail" in caplog.text
