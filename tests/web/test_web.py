"""The web page through the Flask test client (issue 5): pages render, links resolve, the
page loads nothing from another host, and what reaches it from a request is escaped.

The browser behaviour (questions answered, queries run, graphs drawn) is checked in
``tests/web/test_browser.py`` on a real server; these tests are the fast, browser-free half.
"""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from kgqa.web import pages as web

STATIC = Path(web.__file__).parent / "static"
VENDOR = STATIC / "vendor"
PAGES = {
    "/": "Ask",
    "/queries": "Canned queries",
    "/editor": "SPARQL editor",
    "/overview": "Overview",
    "/entity/MiniMax": "MiniMax",
}
# IRIs our own scripts may spell out: vocabulary namespaces used in SPARQL text, never fetched.
NAMESPACE_IRIS = (
    "https://w3id.org/kgqa/",
    "http://www.w3.org/",
    "https://schema.org/",
)


class Page(HTMLParser):
    """The parts of a page these tests look at: URLs it refers to, scripts, inline handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.loaded: list[str] = []  # what the browser fetches by itself: scripts, styles, icons
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name in {"href", "src", "action", "cite", "formaction", "poster", "data"}:
                self.urls.append((tag, name, value))
        if tag == "script":
            if values.get("src"):
                self.loaded.append(values["src"])
            else:
                self.inline_scripts += 1
        if tag == "link" and values.get("rel") in {"stylesheet", "icon"}:
            self.loaded.append(values["href"])
        if tag == "img" and values.get("src"):
            self.loaded.append(values["src"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme and parts.scheme not in {"data", "mailto"}) or url.startswith("//")


@pytest.mark.parametrize(("path", "title"), PAGES.items())
def test_page_renders_in_the_shared_layout(client: FlaskClient, path: str, title: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    page = parse(html)
    assert page.title.startswith(title)
    assert 'href="#main"' in html and 'id="main"' in html  # skip link for keyboard users
    for nav in ("/", "/queries", "/editor", "/overview"):
        assert ("a", "href", nav) in page.urls
    assert any(url.startswith("/graph?format=") for _, _, url in page.urls)
    assert any(url.startswith("/ontology?format=") for _, _, url in page.urls)


@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("/entity/")] + ["/", "/queries"])
def test_current_page_is_marked_in_navigation(client: FlaskClient, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    marked = re.findall(r'<a href="([^"]*)" aria-current="page"', html)
    assert marked == ([] if path.startswith("/entity/") else [path])


@pytest.mark.parametrize("path", PAGES)
def test_every_local_link_and_asset_answers(client: FlaskClient, path: str) -> None:
    page = parse(client.get(path).get_data(as_text=True))
    local = sorted({url for _, _, url in page.urls if url.startswith("/") and not url.startswith("//")})
    assert local
    for url in local:
        response = client.get(url)
        assert response.status_code == 200, f"{path} links to {url}, which answers {response.status_code}"


@pytest.mark.parametrize("path", PAGES)
def test_page_refers_to_no_other_host(client: FlaskClient, path: str) -> None:
    """Nothing in the HTML points elsewhere, except the cite/IRI text of evidence links."""
    page = parse(client.get(path).get_data(as_text=True))
    external = [(tag, attr, url) for tag, attr, url in page.urls if is_external(url) and attr != "cite"]
    assert external == []
    assert all(not is_external(url) for url in page.loaded)


def _own_script_urls(text: str) -> list[str]:
    return [
        u
        for u in re.findall(r"""["'`](https?://[^"'`\s]*|//[a-z][^"'`\s]*)""", text)
        if not u.startswith(NAMESPACE_IRIS)
    ]


@pytest.mark.parametrize("path", PAGES)
def test_assets_the_page_loads_fetch_nothing_from_elsewhere(client: FlaskClient, path: str) -> None:
    """Stylesheets have no external url()/@import; our scripts name no URL but namespaces.

    The vendored bundles contain many IRIs as data (YASGUI's prefix list); what they
    actually request is checked in the browser (test_browser.py records every request).
    """
    page = parse(client.get(path).get_data(as_text=True))
    assert page.loaded
    for url in page.loaded:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        if url.endswith(".css"):
            assert not re.search(r"""url\(\s*["']?(https?:)?//""", text), url
            assert not re.search(r"""@import\s+(url\()?\s*["']?(https?:)?//""", text), url
        elif url.endswith(".js") and "/vendor/" not in url:
            assert _own_script_urls(text) == [], url
            for imported in re.findall(r"""^(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']""", text, re.M | re.S):
                assert imported.startswith("./"), f"{url} imports {imported}"
        elif url.endswith(".js"):
            assert not re.search(r"sourceMappingURL=(https?:)?//", text), url


def test_own_scripts_name_no_other_host() -> None:
    for script in sorted((STATIC / "js").glob("*.js")):
        assert _own_script_urls(script.read_text(encoding="utf-8")) == [], script.name


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_no_unsafe_inline_script(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    page = parse(response.get_data(as_text=True))
    assert page.inline_scripts == 0
    assert page.handlers == []
    if not path.startswith("/entity/"):  # entity pages belong to kgqa/web/entities.py
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-eval" not in policy
        assert "connect-src 'self'" in policy


def test_question_in_the_url_is_escaped(client: FlaskClient) -> None:
    attack = '"><script>alert(1)</script>'
    html = client.get("/", query_string={"q": attack}).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_example_chips_are_links_that_work_without_javascript(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    chips = re.findall(r'<a class="chip" href="([^"]+)" data-question="([^"]+)"', html)
    assert len(chips) == len(web.EXAMPLE_QUESTIONS)
    assert any("MiniMax" in question for _, question in chips)
    assert all(href.startswith("/?q=") for href, _ in chips)


def test_entity_page_has_names_facts_and_a_graph_placeholder(client: FlaskClient) -> None:
    html = client.get("/entity/MiniMax").get_data(as_text=True)
    assert "<h1>MiniMax</h1>" in html
    assert "稀宇科技" in html  # its Chinese name, an alias
    assert 'data-focus="https://w3id.org/kgqa/resource/MiniMax"' in html
    assert 'href="/entity/Alibaba_Group"' in html
    assert "Alibaba led a new round of financing for Minimax" in html  # evidence sentence
    assert "/static/web/vendor/cytoscape/cytoscape.min.js" in html


@pytest.mark.parametrize(("href", "media_type"), [(h, m) for h, _, m in web.DOWNLOADS])
def test_download_links_give_the_format_they_promise(client: FlaskClient, href: str, media_type: str) -> None:
    response = client.get(href)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert len(response.data) > 1000


def test_vendored_libraries_match_their_checksums_and_carry_licences() -> None:
    sums = (VENDOR / "SHA256SUMS").read_text().split("\n")
    checked = 0
    for line in filter(None, sums):
        digest, name = line.split()
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
        checked += 1
    assert checked == 3
    for library in ("yasgui", "cytoscape"):
        assert (
            "MIT" in (VENDOR / library / "LICENSE").read_text()
            or "Permission is hereby granted" in (VENDOR / library / "LICENSE").read_text()
        )
    readme = (VENDOR / "README.md").read_text()
    versions = (VENDOR / "VERSIONS").read_text().split()
    assert versions[1] in readme and versions[3] in readme  # the README names the versions vendored
