"""The web page in a real browser (issue 5): Debian's Chromium, headless, driven by Playwright.

A real ``kgqa serve`` process answers on a free loopback port. Every test records the
browser console and every request: a console error, an uncaught exception or a request
to any host but the service fails the test. Screenshots of each view go to
``tests/artifacts/screenshots/`` (printed at the end); the main views are also copied
to ``docs/screenshots/`` for the README (1280×800, regenerate by running these tests).

Set ``KGQA_TEST_BASE_URL=http://127.0.0.1:5000`` to test a server that is already running.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000
RESOURCE = "https://w3id.org/kgqa/resource/"

if not Path(CHROMIUM).exists():
    # In CI a missing browser is a broken setup, not a reason to skip.
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/system-deps.sh)")
    pytest.skip(
        f"{CHROMIUM} is not installed (Debian package chromium); browser tests skipped", allow_module_level=True
    )

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

pytestmark = [pytest.mark.browser, pytest.mark.server]


# --- the server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(request: pytest.FixtureRequest) -> str:
    """The service under test: ``kgqa serve`` on a free loopback port (the session
    fixture ``kgqa_server`` of conftest.py), or the server named by KGQA_TEST_BASE_URL."""
    if given := os.environ.get("KGQA_TEST_BASE_URL"):
        given = given.rstrip("/")
        with urllib.request.urlopen(given + "/healthz", timeout=10) as response:
            assert response.status == 200, f"{given} is not ready"
        return given
    return str(request.getfixturevalue("kgqa_server")).rstrip("/")


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_context(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Chromium with a fresh profile, so no YASGUI tabs or cache survive from earlier runs."""
    profile = tempfile.mkdtemp(prefix="kgqa-chromium-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=VIEWPORT,
            locale="en-GB",
            service_workers="block",
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
    # Say where the pictures are, past pytest's output capture, so a reviewer can look.
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nbrowser screenshots: {SCREENSHOTS}")


@dataclass
class Watched:
    """A page with everything it logged and requested."""

    page: Any
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def screenshot(self, name: str, *, docs: bool = False) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        # The README's pictures are refreshed on request only, so a test run leaves the tree clean.
        if docs and os.environ.get("KGQA_UPDATE_SCREENSHOTS"):
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")
        return path

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.base_url).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in {"data", "blob", "about"} and urlsplit(url).netloc != own
        ]


@pytest.fixture
def web(browser_context: Any, base_url: str) -> Iterator[Watched]:
    page = browser_context.new_page()
    watched = Watched(page, base_url)
    page.on("console", lambda m: watched.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: watched.console_errors.append(f"uncaught: {error}"))
    page.on("request", lambda r: watched.requests.append(r.url))
    yield watched
    page.close()
    assert watched.console_errors == [], "the browser console reported errors"
    assert watched.foreign_requests() == [], "the page made requests to another host"
    assert watched.requests, "no request was recorded"


# --- the views -----------------------------------------------------------------------------


def test_ask_shows_answer_evidence_and_sparql(web: Watched) -> None:
    web.goto("/")
    page = web.page
    page.fill("#question", "who led MiniMax's round?")
    page.press("#question", "Enter")
    answer = page.locator("#answer-list li a.answer-label")
    answer.first.wait_for()
    assert answer.first.inner_text() == "Alibaba Group"
    assert answer.first.get_attribute("href") == "/entity/Alibaba_Group"
    # The evidence sentence, highlighted inside its paragraph of the article.
    marks = page.locator("#answer-evidence mark.evidence-mark")
    marks.first.wait_for()
    sentences = marks.all_inner_texts()
    assert any(
        s.startswith("On March 5, according to sources, Alibaba led a new round of financing for Minimax")
        for s in sentences
    )
    paragraph = page.locator("#answer-evidence blockquote p").first.inner_text()
    assert len(paragraph) >= len(sentences[0])
    assert page.locator("#answer-explanation").inner_text()
    # The SPARQL behind it, with a way into the editor.
    page.click("#answer-sparql summary")
    assert "SELECT" in page.locator("#answer-sparql-text").inner_text()
    assert page.get_attribute("#answer-open-editor", "href").startswith("/editor#query=")
    assert "q=who+led" in page.url or "q=who%20led" in page.url  # the answer has a shareable URL
    web.screenshot("ask", docs=True)


def test_canned_query_with_a_parameter_gives_rows(web: Watched) -> None:
    web.goto("/queries")
    page = web.page
    card = page.locator("#q-round-lead")
    card.wait_for()
    # Entities of the graph are offered for the parameter (a datalist filled by SPARQL).
    datalist = card.locator("input[name=startup]").get_attribute("list")
    assert page.locator(f"datalist#{datalist} option[value='MiniMax']").count() == 1
    card.locator("input[name=startup]").fill("MiniMax")
    card.locator("button[type=submit]").click()
    rows = card.locator("table.results tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 1
    assert "Alibaba Group" in card.locator("table.results").inner_text()
    csv = card.locator("a", has_text="CSV").get_attribute("href")
    assert csv == "/api/queries/round-lead?startup=MiniMax&format=csv"
    card.locator("table.results").scroll_into_view_if_needed()
    web.screenshot("queries", docs=True)


def test_sparql_editor_runs_select_and_draws_construct(web: Watched) -> None:
    select = (
        "PREFIX kgqa: <https://w3id.org/kgqa/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT DISTINCT ?startup ?label WHERE {\n"
        '  ?startup a kgqa:Unicorn ; rdfs:label ?label FILTER (LANG(?label) = "en")\n'
        "}\n"
        "ORDER BY ?label"
    )
    # "Open in editor" links carry the query in the fragment.
    web.goto("/editor#query=" + quote(select))
    page = web.page
    page.wait_for_selector("body[data-editor-ready=true]")
    editor = page.locator(".tabPanel.active .CodeMirror")
    editor.wait_for()
    assert "kgqa:Unicorn" in page.evaluate("window.kgqaYasgui.getTab().getYasqe().getValue()")
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    rows = page.locator(".tabPanel.active .yasr table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 5
    assert "MiniMax" in page.locator(".tabPanel.active .yasr table").inner_text()
    web.screenshot("editor", docs=True)

    # A CONSTRUCT query typed into the editor, run with Ctrl+Enter, drawn as a graph.
    construct = (
        "PREFIX kgqa: <https://w3id.org/kgqa/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "CONSTRUCT { ?investor kgqa:investsIn ?startup . ?investor rdfs:label ?a . ?startup rdfs:label ?b }\n"
        "WHERE { ?investor kgqa:investsIn ?startup . ?investor rdfs:label ?a . ?startup rdfs:label ?b }"
    )
    page.evaluate("q => window.kgqaYasgui.getTab().getYasqe().setValue(q)", construct)
    editor.click()
    page.keyboard.press("Control+Enter")
    graph_tab = page.locator(".tabPanel.active .yasr .select_graph")
    graph_tab.wait_for()
    graph_tab.click()
    page.wait_for_selector("#editor-graph[data-drawn=true]")
    labels = page.evaluate("window.kgqaGraphs['editor-graph'].nodes().map(n => n.data('label'))")
    assert {"Alibaba Group", "MiniMax", "Tencent"} <= set(labels)
    web.screenshot("editor-construct-graph")


def test_entity_page_draws_its_network_and_nodes_open_pages(web: Watched) -> None:
    web.goto("/entity/MiniMax")
    page = web.page
    assert page.locator("h1").inner_text() == "MiniMax"
    page.wait_for_selector("#entity-graph[data-drawn=true]")
    labels = page.evaluate("window.kgqaGraphs['entity-graph'].nodes().map(n => n.data('label'))")
    assert {"MiniMax", "Alibaba Group", "Tencent", "MiniMax funding round of 2024-03-05"} <= set(labels)
    focus = page.evaluate("window.kgqaGraphs['entity-graph'].nodes('[?focus]').map(n => n.id())")
    assert focus == [RESOURCE + "MiniMax"]
    led = page.evaluate(
        "window.kgqaGraphs['entity-graph'].edges(\"[label = 'led']\").map("
        "e => [e.source().data('label'), e.target().data('label')])"
    )
    assert ["Alibaba Group", "MiniMax funding round of 2024-03-05"] in led
    # The same nodes as a keyboard-usable list of links.
    assert page.locator(".graph-nodes a[href='/entity/Alibaba_Group']").count() == 1
    assert page.locator("text=稀宇科技").count() >= 1  # an alias
    web.screenshot("entity", docs=True)
    # Nodes are clickable: a click on Alibaba Group's node opens its page.
    x, y = page.evaluate(
        """iri => {
          const cy = window.kgqaGraphs['entity-graph'];
          const box = cy.container().getBoundingClientRect();
          const at = cy.getElementById(iri).renderedPosition();
          return [box.left + at.x, box.top + at.y];
        }""",
        RESOURCE + "Alibaba_Group",
    )
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert page.url.endswith("/entity/Alibaba_Group")
    page.wait_for_selector("#entity-graph[data-drawn=true]")


def test_overview_draws_the_network_and_marks_the_article(web: Watched) -> None:
    web.goto("/overview")
    page = web.page
    page.wait_for_selector("#graph[data-drawn=true]")
    labels = set(page.evaluate("window.kgqaGraphs['graph'].nodes().map(n => n.data('label'))"))
    assert {"Alibaba Group", "Alibaba Cloud", "MiniMax", "Moonshot AI", "OpenAI", "Microsoft"} <= labels
    web.screenshot("overview", docs=True)
    marks = page.locator("#article mark.fact-mark")
    marks.first.wait_for()
    assert marks.count() >= 20
    first = page.locator("#article mark.fact-mark", has_text="Alibaba led a new round of financing for Minimax")
    first.focus()
    page.keyboard.press("Enter")  # keyboard-usable
    facts = page.locator("#fact-panel ul.facts li")
    facts.first.wait_for()
    assert "MiniMax" in page.locator("#fact-panel").inner_text()
    first.scroll_into_view_if_needed()
    web.screenshot("overview-article")
