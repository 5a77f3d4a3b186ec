"""`/api/queries`, `/healthz`, `/openapi.json` through the test client."""

from __future__ import annotations

import csv
import io
import re

from kgqa.canned.types import TYPES
from kgqa.web import create_app
from kgqa.web.apidoc import declared
from kgqa.web.openapi import documented_rules
from tests.conftest import MINI


def test_healthz(client, built_state):
    r = client.get("/healthz")
    # workerNetwork says truthfully whether the query workers have network; on this machine (root
    # or unprivileged user namespaces) they never have.
    body = r.get_json()
    assert r.status_code == 200 and body.pop("workerNetwork") in {"isolated", "isolated-userns"}
    assert body == {"status": "ok", "triples": built_state.triples}
    assert built_state.triples > 1000


def test_catalog_lists_every_query(mini_client):
    body = mini_client.get("/api/queries").get_json()
    names = [q["name"] for q in body["queries"]]
    assert names == ["echo", "investors", "is-startup", "labels"]
    echo = body["queries"][0]
    assert echo["title"] == "Echo a value"
    assert "never spliced" in echo["description"]
    assert echo["parameters"][0] == {"name": "text", "type": "string", "help": "any text", "required": True}
    assert echo["parameters"][2]["choices"] == ["plain", "fancy"] and echo["parameters"][2]["default"] == "plain"
    assert echo["ask"] == ["say {text}"] and echo["sparql"].startswith("# name: echo")


def test_run_json_shape(mini_client):
    r = mini_client.get("/api/queries/investors?startup=Alpha")
    assert r.status_code == 200
    body = r.get_json()
    assert body["ok"] is True and body["query"] == "investors" and body["truncated"] is False
    assert body["bindings"] == {"startup": "https://w3id.org/kgqa/resource/Alpha"}
    assert body["columns"] == ["startup", "investor", "investorLabel"]
    assert body["rows"] == [
        {
            "startup": {
                "type": "iri",
                "value": "https://w3id.org/kgqa/resource/Alpha",
                "id": "Alpha",
                "label": "Alpha AI",
            },
            "investor": {"type": "iri", "value": "https://w3id.org/kgqa/resource/Beta", "id": "Beta"},
            "investorLabel": {"type": "literal", "value": "Beta Capital", "lang": "en"},
        }
    ]


def test_iri_parameter_forms(mini_client):
    for value in ("Alpha", "kgr:Alpha", "https://w3id.org/kgqa/resource/Alpha", "Alpha AI", "alpha ai inc", "阿尔法"):
        r = mini_client.get("/api/queries/investors", query_string={"startup": value})
        assert r.status_code == 200, (value, r.get_json())
        assert r.get_json()["rows"][0]["investorLabel"]["value"] == "Beta Capital"


def test_labels_numbers_and_cap(mini_client):
    body = mini_client.get("/api/queries/labels").get_json()
    assert body["truncated"] is True and len(body["rows"]) == 5
    r = mini_client.get("/api/queries/labels")
    assert r.headers["X-KGQA-Truncated"] == "true"
    echo = mini_client.get("/api/queries/echo?text=hi&n=42").get_json()
    assert echo["rows"][0]["n"] == {
        "type": "literal",
        "value": 42,
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert echo["rows"][0]["mode"]["value"] == "plain"


def test_ask_query(mini_client):
    assert mini_client.get("/api/queries/is-startup?thing=Alpha").get_json()["boolean"] is True
    assert mini_client.get("/api/queries/is-startup?thing=Beta").get_json()["boolean"] is False


def test_csv_and_tsv(mini_client):
    r = mini_client.get("/api/queries/investors?startup=Alpha&format=csv")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(r.get_data(as_text=True)))) == [
        ["startup", "investor", "investorLabel"],
        ["https://w3id.org/kgqa/resource/Alpha", "https://w3id.org/kgqa/resource/Beta", "Beta Capital"],
    ]
    r = mini_client.get("/api/queries/investors?startup=Alpha", headers={"Accept": "text/tab-separated-values"})
    assert r.headers["Content-Type"].startswith("text/tab-separated-values")
    assert '"Beta Capital"@en' in r.get_data(as_text=True)


def test_parameter_errors_name_the_parameter(mini_client):
    cases = {
        "/api/queries/investors": "startup",
        "/api/queries/investors?startup=Nobody+At+All": "startup",
        "/api/queries/investors?startup=Beta+Capital": "startup",  # ambiguous: a label and an altLabel
        "/api/queries/investors?startup=https://w3id.org/kgqa/resource/Missing": "startup",
        "/api/queries/investors?startup=Alpha&bogus=1": "bogus",
        "/api/queries/echo?text=x&n=abc": "n",
        "/api/queries/echo?text=x&mode=loud": "mode",
    }
    for url, param in cases.items():
        r = mini_client.get(url)
        assert r.status_code == 400, url
        assert r.get_json()["param"] == param, url
        assert param in r.get_json()["error"]
    assert mini_client.get("/api/queries/nope").status_code == 404


def test_built_graph_canned_query(client):
    body = client.get("/api/queries/round-lead?startup=MiniMax").get_json()
    assert body["ok"] and any(r["answerLabel"]["value"] == "Alibaba Group" for r in body["rows"])


def test_openapi_covers_every_route(app, client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    paths = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in paths, f"{rule.rule} is missing from /openapi.json"
    assert "/api/ask" in paths and "/api/queries/round-lead" in paths
    answer = doc["components"]["schemas"]["Answer"]
    assert {"question", "status", "answers"} <= set(answer["required"])


def test_every_route_declares_its_operations_and_every_documented_path_is_a_route(app, client):
    doc = client.get("/openapi.json").get_json()
    for rule in documented_rules(app):
        assert declared(app.view_functions[rule.endpoint]) is not None, f"{rule.rule} declares no operation"
    adapter = app.url_map.bind("localhost")
    for path, item in doc["paths"].items():
        concrete = re.sub(r"{(\w+)}", "x", path)
        for method in item:
            endpoint, _ = adapter.match(concrete, method=method.upper())
            assert endpoint != "static", path
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_canned_parameters_are_described_by_their_type(client):
    doc = client.get("/openapi.json").get_json()
    catalog = client.get("/api/queries").get_json()["queries"]
    seen = set()
    for q in catalog:
        params = {p["name"]: p for p in doc["paths"][f"/api/queries/{q['name']}"]["get"]["parameters"]}
        for p in q["parameters"]:
            schema = dict(params[p["name"]]["schema"])
            schema.pop("default", None)
            assert {k: v for k, v in schema.items() if k != "enum"} == dict(TYPES[p["type"]].schema)
            assert schema.get("enum") == p.get("choices")
            seen.add(p["type"])
    assert {"iri", "string", "decimal"} <= seen


def test_app_without_queries_dir(mini_state):
    app = create_app({**MINI, "TESTING": True}, state=mini_state)
    assert app.test_client().get("/healthz").status_code == 200
