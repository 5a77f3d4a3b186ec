"""The format registry, walked route by route: every `format=` value a route declares is accepted.

`kgqa/sparql/formats.py` registers each format once; the routes, the page's download links and
/openapi.json all derive their lists from it. These tests hold them to it: each value of each
format gets that format from each route that serves its kind, each value /openapi.json lists in a
`format` enum is accepted, and each download link on the page answers in the type it promises.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from kgqa.sparql import formats
from kgqa.web.api import API_PARAMS

SELECT = quote("SELECT * WHERE { ?s ?p ?o } LIMIT 3")
CONSTRUCT = quote("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3")

# Routes by the kind of format they answer; `{}` is where the `format=` value goes.
ROUTES: dict[formats.Kind, tuple[str, ...]] = {
    "results": (f"/sparql?query={SELECT}&format={{}}",),
    "graph": (
        f"/sparql?query={CONSTRUCT}&format={{}}",
        "/sparql?format={}",  # the service description
        "/store?graph=https://w3id.org/kgqa/graph/ontology&format={}",
        "/graph?format={}",
        "/ontology?format={}",
        "/entity/MiniMax?format={}",
    ),
}
CASES = [
    (route, value, fmt)
    for fmt in formats.REGISTRY
    for value in (*fmt.param_values, *fmt.media_types)
    for route in ROUTES[fmt.kind]
]


@pytest.mark.parametrize(("route", "value", "fmt"), CASES, ids=[f"{r.split('?')[0]}-{v}" for r, v, _ in CASES])
def test_each_route_answers_each_format_value(client: FlaskClient, route: str, value: str, fmt: formats.Format) -> None:
    r = client.get(route.format(quote(value)), headers={"Accept": "text/html"})  # the parameter wins over Accept
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.headers["Content-Type"] == fmt.content_type


@pytest.mark.parametrize(("value", "media"), API_PARAMS.items())
def test_canned_queries_answer_each_api_format(client: FlaskClient, value: str, media: str) -> None:
    for spelling in (value, value.upper()):
        r = client.get(f"/api/queries/round-lead?startup=MiniMax&format={spelling}")
        assert r.status_code == 200 and r.mimetype == media


def test_every_format_value_openapi_declares_is_accepted(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    checked = 0
    for path, item in doc["paths"].items():
        if "{" in path:
            continue
        for param in item.get("get", {}).get("parameters", []):
            if param["name"] != "format" or "enum" not in param["schema"]:
                continue
            offered = set(item["get"]["responses"]["200"]["content"])
            for value in param["schema"]["enum"]:
                r = client.get(f"{path}?format={quote(value)}")
                assert r.status_code == 200, (path, value)
                assert r.mimetype in offered, (path, value, r.mimetype)
                checked += 1
    assert checked >= 4 * len(formats.param_values("graph"))  # /sparql, /store, /graph, /ontology


def test_the_page_download_links_work(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" download data-media="([^"]+)"', html)
    assert len(links) == 2 * sum(1 for f in formats.GRAPH_FORMATS if f.download)
    for href, media in links:
        r = client.get(href.replace("&amp;", "&"))
        assert r.status_code == 200 and r.mimetype == media, href
        assert formats.from_param("graph", [href.rsplit("=", 1)[1]]).media_type == media


def test_the_registry_spells_each_value_once_per_kind() -> None:
    for kind in formats.KINDS:
        values = formats.param_values(kind)
        assert len(values) == len(set(values)) == len(formats.PARAM_VALUES[kind])
        for fmt in formats.of_kind(kind):
            assert fmt.name in fmt.param_values and fmt.extension in fmt.param_values
            assert fmt.w3c_iri.startswith("http://www.w3.org/ns/formats/")


def test_remote_accept_keeps_its_preference_order() -> None:
    """One Accept per kind of answer (a store may send the first type listed whatever the form), and
    no TSV: Virtuoso's is not SPARQL TSV."""
    assert formats.remote_accept("results") == "application/sparql-results+xml, application/sparql-results+json;q=0.9"
    assert formats.remote_accept("graph") == "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5"


def test_the_service_description_names_every_format(client: FlaskClient) -> None:
    text = client.get("/sparql?format=ntriples").get_data(as_text=True)
    for fmt in formats.REGISTRY:
        assert f"<http://www.w3.org/ns/sparql-service-description#resultFormat> <{fmt.w3c_iri}>" in text
