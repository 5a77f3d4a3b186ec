"""Linked Data: `/entity/<id>` by content negotiation, `/graph` and `/ontology` downloads."""

from __future__ import annotations

import rdflib

KGR = rdflib.Namespace("https://w3id.org/kgqa/resource/")
KGQA = rdflib.Namespace("https://w3id.org/kgqa/ontology#")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_entity_html_for_browsers(mini_client):
    r = mini_client.get("/entity/Alpha", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = r.get_data(as_text=True)
    for text in ("Alpha AI", "阿尔法", "Ruritania", "Alpha AI is based in Ruritania.", "Beta Capital"):
        assert text in page, text


def test_entity_html_escapes_graph_text(mini_client):
    page = mini_client.get("/entity/Xss", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_entity_rdf_is_a_bounded_description(mini_client):
    r = mini_client.get("/entity/Alpha", headers={"Accept": "text/turtle"})
    assert r.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert "Accept" in [v.strip() for v in r.headers["Vary"].split(",")]
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    assert (KGR.Alpha, KGQA.basedIn, KGR.Ruritania) in g  # its triples
    assert (KGR.Ruritania, rdflib.RDFS.label, rdflib.Literal("Ruritania", lang="en")) in g  # labels of links
    assert (KGR.Beta, KGQA.investsIn, KGR.Alpha) in g  # what points at it
    assert (None, rdflib.OWL.annotatedSource, KGR.Alpha) in g  # axiom annotations
    assert (KGR.src_s002, KGQA.quote, rdflib.Literal("Alpha AI is based in Ruritania.")) in g  # evidence
    assert (KGR.src_s001, KGQA.quote, None) in g  # evidence of a fact node pointing at it
    assert (KGR.e1, None, None) not in g


def test_entity_other_formats(mini_client):
    for accept, fmt in (
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ):
        r = mini_client.get("/entity/Alpha", headers={"Accept": accept})
        assert r.headers["Content-Type"].startswith(accept)
        assert (KGR.Alpha, None, None) in rdflib.Graph().parse(data=r.data, format=fmt)
    r = mini_client.get("/entity/Alpha?format=ttl", headers={"Accept": BROWSER})
    assert r.headers["Content-Type"].startswith("text/turtle")


def test_unknown_entity_is_404_json(mini_client):
    for url in ("/entity/Nobody", "/entity/bad%20id%3E"):
        r = mini_client.get(url, headers={"Accept": "application/ld+json"})
        assert r.status_code == 404 and r.get_json()["status"] == 404


def test_built_graph_entity(client):
    r = client.get("/entity/MiniMax", headers={"Accept": BROWSER})
    assert r.status_code == 200 and "MiniMax" in r.get_data(as_text=True)


def test_ontology_for_protege(client):
    r = client.get("/ontology?format=owl")
    assert r.headers["Content-Type"] == "application/rdf+xml"
    g = rdflib.Graph().parse(data=r.data, format="xml")
    assert (rdflib.URIRef("https://w3id.org/kgqa/ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in g
    assert (KGR.MiniMax, None, None) not in g
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert len(rdflib.Graph().parse(data=r.data, format="turtle")) == len(g)


def test_whole_graph(client):
    for fmt, parse in (("ttl", "turtle"), ("nt", "nt"), ("xml", "xml"), ("jsonld", "json-ld")):
        r = client.get(f"/graph?format={fmt}")
        assert r.status_code == 200, fmt
        g = rdflib.Graph().parse(data=r.data, format=parse)
        assert (KGR.MiniMax, None, None) in g and len(g) > 1000
    assert "filename=" in client.get("/graph?format=rdf").headers["Content-Disposition"]


def test_entity_page_shows_the_chinese_preferred_name(client):
    """The zh skos:prefLabel is listed with the aliases ("Also called"), and the other Chinese names too."""
    page = client.get("/entity/Alibaba_Group", headers={"Accept": BROWSER}).get_data(as_text=True)
    aliases = page.split('class="aliases"', 1)[1].split("</p>", 1)[0]
    assert '<span lang="zh">阿里巴巴</span>' in aliases and "阿里巴巴集团" in aliases and "Ali" in aliases
    assert "<h1>Alibaba Group</h1>" in page and ">Alibaba Group</span>" not in aliases


def test_unknown_entity_and_route_give_browsers_an_html_page(mini_client):
    for url in ("/entity/Nobody", "/no/such/page"):
        r = mini_client.get(url, headers={"Accept": BROWSER})
        assert r.status_code == 404 and r.headers["Content-Type"] == "text/html; charset=utf-8"
        page = r.get_data(as_text=True)
        assert "Not found" in page and 'name="q"' in page and "Content-Security-Policy" in r.headers
    r = mini_client.post("/entity/Alpha", headers={"Accept": BROWSER})
    assert r.status_code == 405 and "not allowed" in r.get_data(as_text=True)
    # Programs keep the envelope: the API whatever they accept, and anything asking for JSON.
    assert mini_client.get("/api/nothing", headers={"Accept": BROWSER}).get_json()["status"] == 404
    assert mini_client.get("/entity/Nobody", headers={"Accept": "application/ld+json"}).get_json()["status"] == 404
    assert mini_client.get("/entity/Nobody").get_json()["status"] == 404


def test_entity_page_opens_with_a_summary_in_words(client):
    page = client.get("/entity/MiniMax", headers={"Accept": BROWSER}).get_data(as_text=True)
    summary = page.split('class="summary infobox"', 1)[1].split("</section>", 1)[0]
    assert '<p class="lead">MiniMax is an AI start-up.</p>' in summary
    assert "led by Alibaba Group on 5 March 2024" in summary
    assert "On March 5, according to sources, Alibaba led a new round of financing" in summary
    assert page.index('class="summary infobox"') < page.index('id="facts-heading"')


def test_entity_page_shows_no_hidden_labels(client, built_state):
    from kgqa.sparql.runner import run_internal_query

    rows = run_internal_query(
        built_state, "SELECT ?e ?h WHERE { ?e <http://www.w3.org/2004/02/skos/core#hiddenLabel> ?h }"
    ).rows()
    assert rows
    for row in rows:
        entity_id = row["e"].value.rsplit("/", 1)[-1]
        page = client.get("/entity/" + entity_id, headers={"Accept": BROWSER}).get_data(as_text=True)
        if 'class="aliases"' in page:
            assert row["h"].value not in page.split('class="aliases"', 1)[1].split("</p>", 1)[0]
