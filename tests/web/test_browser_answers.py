"""Server-rendered answers and entity summaries in real Chromium (issue 16), JavaScript on and off."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.web.test_browser import (  # noqa: F401 - fixtures
    CHROMIUM,
    CHROMIUM_FLAGS,
    VIEWPORT,
    Watched,
    base_url,
    browser_context,
    web,
)

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
def no_js_page(base_url: str) -> Any:  # noqa: F811
    """A page with JavaScript off, in a browser of its own (closed before the shared one opens:
    two sync Playwright instances cannot run at once)."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(java_script_enabled=False, viewport=VIEWPORT)
        yield context.new_page()
        browser.close()


def test_answer_without_javascript(no_js_page: Any, base_url: str) -> None:  # noqa: F811
    no_js_page.goto(base_url + "/?q=" + quote("who led MiniMax's round?"))
    assert "who led MiniMax's round?" in no_js_page.title()
    assert no_js_page.locator("#answer-list a.answer-label").first.inner_text() == "Alibaba Group"
    assert no_js_page.locator("#answer-text").inner_text()
    assert "Alibaba led a new round of financing" in no_js_page.locator("#answer-evidence").inner_text()
    # The form works without JS too: a plain GET to /?q=.
    no_js_page.fill("#question", "is Moonshot AI a unicorn?")
    no_js_page.press("#question", "Enter")
    no_js_page.wait_for_url("**/?q=is+Moonshot*")
    assert no_js_page.locator("#answer-text").inner_text().startswith("Yes — ")


def test_entity_summary_without_javascript(no_js_page: Any, base_url: str) -> None:  # noqa: F811
    no_js_page.goto(base_url + "/entity/Zhipu_AI")
    assert no_js_page.locator(".summary .lead").inner_text() == "Zhipu AI is an AI start-up."
    assert no_js_page.locator("[lang=zh]").count() >= 1


def test_asking_again_keeps_the_url_shareable(web: Watched) -> None:  # noqa: F811
    web.goto("/?q=" + quote("who led MiniMax's round?"))
    page = web.page
    page.locator("#answer-list a.answer-label").first.wait_for()
    page.fill("#question", "is Moonshot AI a unicorn?")
    page.press("#question", "Enter")
    page.locator("#answer-text", has_text="Yes — ").wait_for()  # no wait_for_function: the page's CSP forbids eval
    assert "q=is+Moonshot" in page.url or "q=is%20Moonshot" in page.url
    assert "is Moonshot AI a unicorn?" in page.title()
    assert "= true" not in page.locator("#answer").inner_text()
    page.go_back()
    page.locator("#answer-text", has_text="Alibaba").wait_for()
