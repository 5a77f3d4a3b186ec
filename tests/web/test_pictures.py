"""The network pictures tell the truth (issue 16), checked in real headless Chromium.

The geometry is read from the cytoscape instance the page keeps (``window.kgqaGraphs``):
every node's box, every node label's box and every edge's drawn line (its endpoints and
bend points; a curved edge is sampled along its curve). From those:

- no edge's line passes through the box of a node that is not one of its two ends (a
  reader follows the line and would think it links that node);
- no two node labels overlap;
- every company an investor's portfolio (the ``portfolio`` canned query, SPARQL over the
  graph) lists is a node in the investor's picture;
- on a phone (390x844, touch) labels are at least 10 px on screen, a swipe over a
  picture scrolls the page, and result tables stack as cards;
- the graph library is fetched only by pages that show a picture.

The number of edge crossings of the overview is printed (``-s``), not asserted: fewer is
better, none is not always possible.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.web.test_browser import (  # noqa: F401  (base_url: a fixture used by name)
    CHROMIUM,
    CHROMIUM_FLAGS,
    RESOURCE,
    TIMEOUT_MS,
    VIEWPORT,
    Watched,
    base_url,
)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")

pytestmark = [pytest.mark.browser, pytest.mark.server]

MINIMAX_ROUND = "/entity/MiniMax_round_2024-03"
PHONE = {"width": 390, "height": 844}
MIN_LABEL_PX = 10

# The drawn geometry of one picture, in model coordinates: node boxes, label boxes, and
# each edge as a polyline (curves sampled), so the tests below are plain geometry.
GEOMETRY_JS = """
id => {
  const cy = window.kgqaGraphs[id];
  const box = b => [b.x1, b.y1, b.x2, b.y2];
  const mid = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const quad = (p0, c, p1, out) => {
    for (let i = 1; i <= 16; i++) {
      const t = i / 16, u = 1 - t;
      out.push({ x: u * u * p0.x + 2 * u * t * c.x + t * t * p1.x, y: u * u * p0.y + 2 * u * t * c.y + t * t * p1.y });
    }
  };
  const line = e => {
    const start = e.sourceEndpoint(), end = e.targetEndpoint();
    const style = e.style('curve-style');
    const points = [start];
    if (style === 'segments' || style === 'taxi' || style === 'round-segments') {
      points.push(...(e.segmentPoints() || []));
    } else {
      const controls = e.controlPoints() || [];
      let from = start;
      controls.forEach((c, i) => {
        const to = i === controls.length - 1 ? end : mid(c, controls[i + 1]);
        quad(from, c, to, points);
        from = to;
      });
    }
    points.push(end);
    return points.map(p => [p.x, p.y]);
  };
  return {
    zoom: cy.zoom(),
    nodes: cy.nodes().map(n => ({
      id: n.id(), label: n.data('label'),
      box: box(n.boundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false })),
      labelBox: box(n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true,
                                    includeOverlays: false, includeUnderlays: false })),
      fontPx: parseFloat(n.style('font-size')),
    })),
    edges: cy.edges().map(e => ({
      source: e.source().id(), target: e.target().id(), label: e.data('label'), points: line(e),
    })),
  };
}
"""


def clips(p: tuple[float, float], q: tuple[float, float], box: list[float]) -> bool:
    """Whether the segment p-q enters the rectangle (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = box
    dx, dy = q[0] - p[0], q[1] - p[1]
    lo, hi = 0.0, 1.0
    for step, room in ((-dx, p[0] - x1), (dx, x2 - p[0]), (-dy, p[1] - y1), (dy, y2 - p[1])):
        if step == 0:
            if room < 0:
                return False
            continue
        t = room / step
        if step < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def through_nodes(geometry: dict[str, Any]) -> list[str]:
    """"source -> target through node" for every edge line crossing an unrelated node's box."""
    names = {n["id"]: n["label"] for n in geometry["nodes"]}
    found = []
    for edge in geometry["edges"]:
        ends = {edge["source"], edge["target"]}
        points = edge["points"]
        for node in geometry["nodes"]:
            if node["id"] in ends:
                continue
            if any(clips(points[i], points[i + 1], node["box"]) for i in range(len(points) - 1)):
                found.append(f"{names[edge['source']]} -> {names[edge['target']]} through {node['label']}")
    return found


def _cross(a: list[float], b: list[float], c: list[float], d: list[float]) -> bool:
    """Whether segments a-b and c-d properly cross."""

    def orient(p: list[float], q: list[float], r: list[float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return orient(a, b, c) * orient(a, b, d) < 0 and orient(c, d, a) * orient(c, d, b) < 0


def crossings(geometry: dict[str, Any]) -> int:
    """Pairs of edges, sharing no end, whose lines cross."""
    edges = geometry["edges"]
    count = 0
    for i, one in enumerate(edges):
        for other in edges[i + 1 :]:
            if {one["source"], one["target"]} & {other["source"], other["target"]}:
                continue
            p, q = one["points"], other["points"]
            if any(_cross(p[a], p[a + 1], q[b], q[b + 1]) for a in range(len(p) - 1) for b in range(len(q) - 1)):
                count += 1
    return count


def overlapping_labels(geometry: dict[str, Any]) -> list[str]:
    """Pairs of node labels whose boxes intersect."""
    nodes = geometry["nodes"]
    found = []
    for i, one in enumerate(nodes):
        for other in nodes[i + 1 :]:
            a, b = one["labelBox"], other["labelBox"]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                found.append(f"{one['label']} / {other['label']}")
    return found


def drawn(web: Watched, path: str, graph_id: str) -> dict[str, Any]:
    web.goto(path)
    web.page.wait_for_selector(f"#{graph_id}[data-drawn=true]")
    return web.page.evaluate(GEOMETRY_JS, graph_id)


# --- the browser: one Chromium, a desktop and a phone context ------------------------------


@pytest.fixture(scope="module")
def contexts() -> Iterator[dict[str, Any]]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        made = {
            "desktop": browser.new_context(viewport=VIEWPORT, locale="en-GB", service_workers="block"),
            "phone": browser.new_context(
                viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB",
                service_workers="block",
            ),
        }
        for context in made.values():
            context.set_default_timeout(TIMEOUT_MS)
        try:
            yield made
        finally:
            browser.close()


def watched(context: Any, base: str) -> Iterator[Watched]:
    """A page of `context` that fails the test on a console error or a request to another host."""
    page = context.new_page()
    seen = Watched(page, base)
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: seen.console_errors.append(f"uncaught: {error}"))
    page.on("request", lambda r: seen.requests.append(r.url))
    yield seen
    page.close()
    assert seen.console_errors == [], "the browser console reported errors"
    assert seen.foreign_requests() == [], "the page made requests to another host"


@pytest.fixture
def web(contexts: dict[str, Any], base_url: str) -> Iterator[Watched]:  # noqa: F811
    yield from watched(contexts["desktop"], base_url)


@pytest.fixture
def phone(contexts: dict[str, Any], base_url: str) -> Iterator[Watched]:  # noqa: F811
    yield from watched(contexts["phone"], base_url)


# --- geometry at desktop size --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "graph_id"),
    [(MINIMAX_ROUND, "entity-graph"), ("/entity/Alibaba_Group", "entity-graph"), ("/overview", "graph")],
)
def test_no_edge_passes_through_an_unrelated_node(web: Watched, path: str, graph_id: str) -> None:
    geometry = drawn(web, path, graph_id)
    assert len(geometry["edges"]) >= 3
    assert through_nodes(geometry) == []


def test_minimax_round_picture_keeps_tencent_clear_of_the_baichuan_round(web: Watched) -> None:
    """The case issue 16 found: Tencent -> MiniMax drawn through the Baichuan round's node."""
    geometry = drawn(web, MINIMAX_ROUND, "entity-graph")
    labels = {n["label"] for n in geometry["nodes"]}
    assert {"Tencent", "MiniMax"} <= labels
    assert any("Baichuan" in label for label in labels), labels
    assert [line for line in through_nodes(geometry) if line.startswith("Tencent")] == []


def test_parallel_edges_are_drawn_as_one(web: Watched) -> None:
    """Several relations between the same two nodes: one line, the relations in its label."""
    geometry = drawn(web, "/overview", "graph")
    pairs = [(e["source"], e["target"]) for e in geometry["edges"]]
    assert len(pairs) == len(set(pairs))
    undirected = [frozenset(pair) for pair in pairs]
    assert len(undirected) == len(set(undirected))
    assert any(" · " in (e["label"] or "") for e in geometry["edges"]), "no bundled edge in the overview"


def test_overview_labels_do_not_overlap_and_crossings_are_counted(web: Watched) -> None:
    geometry = drawn(web, "/overview", "graph")
    assert overlapping_labels(geometry) == []
    print(f"\noverview: {len(geometry['nodes'])} nodes, {len(geometry['edges'])} edges, "
          f"{crossings(geometry)} edge crossings, {len(through_nodes(geometry))} edges through unrelated nodes")


def portfolio(base: str, investor: str) -> set[str]:
    url = f"{base}/api/queries/portfolio?investor={quote(investor)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        reply = json.load(response)
    return {row["answer"]["value"] for row in reply["rows"]}


def test_every_portfolio_company_is_in_the_investors_picture(web: Watched) -> None:
    companies = portfolio(web.base_url, "Alibaba_Group")
    assert RESOURCE + "01_AI" in companies  # via Alibaba Cloud, the case issue 16 found missing
    assert len(companies) >= 5
    geometry = drawn(web, "/entity/Alibaba_Group", "entity-graph")
    assert companies - {n["id"] for n in geometry["nodes"]} == set()


def test_tapping_a_sentence_shows_its_panel_in_view(web: Watched) -> None:
    web.goto("/overview")
    page = web.page
    mark = page.locator("#article mark.fact-mark", has_text="Alibaba led a new round of financing for Minimax")
    mark.scroll_into_view_if_needed()
    mark.click()
    page.locator("#fact-panel ul.facts li").first.wait_for()
    page.wait_for_function(
        """() => {
          const r = document.getElementById('fact-panel').getBoundingClientRect();
          return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
        }"""
    )


def test_the_ask_page_without_a_picture_fetches_no_graph_library(web: Watched) -> None:
    web.goto("/?q=" + quote("who led MiniMax's round?"))
    web.page.wait_for_load_state("networkidle")
    assert [url for url in web.requests if "cytoscape" in url or "dagre" in url] == []
    web.goto("/overview")
    web.page.wait_for_selector("#graph[data-drawn=true]")
    assert [url for url in web.requests if "cytoscape" in url]


# --- a phone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "graph_id"), [("/overview", "graph"), ("/entity/Alibaba_Group", "entity-graph"), (MINIMAX_ROUND, "entity-graph")]
)
def test_phone_labels_are_readable(phone: Watched, path: str, graph_id: str) -> None:
    geometry = drawn(phone, path, graph_id)
    smallest = min(n["fontPx"] for n in geometry["nodes"]) * geometry["zoom"]
    assert smallest >= MIN_LABEL_PX, f"labels are {smallest:.1f} px on a phone"
    phone.screenshot(f"phone-{graph_id}-{path.rsplit('/', 1)[-1] or 'overview'}")


def swipe_up(page: Any, x: float, y: float, distance: float) -> None:
    """A one-finger swipe through the browser's real touch input (CDP), not synthetic DOM events."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - distance * i / 10}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_a_swipe_over_a_picture_scrolls_the_page(phone: Watched) -> None:
    phone.goto("/overview")
    page = phone.page
    page.wait_for_selector("#graph[data-drawn=true]")
    page.evaluate("document.getElementById('graph').scrollIntoView({block: 'start'})")
    box = page.locator("#graph").bounding_box()
    before = page.evaluate("window.scrollY")
    x = box["x"] + box["width"] / 2
    y = min(box["y"] + box["height"] * 0.7, PHONE["height"] - 40)
    swipe_up(page, x, y, 300)
    page.wait_for_function("least => window.scrollY > least", arg=before + 50)
    # Tapping the picture hands it the gestures (panning, pinching).
    page.locator("#graph").tap()
    page.wait_for_function("() => window.kgqaGraphs['graph'].userPanningEnabled()")


def test_phone_result_tables_stack_as_cards(phone: Watched) -> None:
    phone.goto("/?q=" + quote("which companies has Alibaba invested in?"))
    page = phone.page
    row = page.locator("table.results tbody tr").first
    row.wait_for()
    cells = row.locator("td")
    assert cells.count() >= 2
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1, "cells of a row side by side on a phone"
    assert first["width"] > PHONE["width"] * 0.6
    table = page.locator("table.results").first.bounding_box()
    assert table["x"] + table["width"] <= PHONE["width"] + 1
