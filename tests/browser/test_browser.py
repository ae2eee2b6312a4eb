"""The web application in real headless Chromium, served by uvicorn on a seeded SQLite store.

Skipped when /usr/bin/chromium or the playwright package is missing (a user's clone);
under CI (CI=true) a missing browser fails instead, since .ci/run installs both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.live import CHROMIUM, chromium, serve
from browser.seed import XSS, incident_of, seed

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI: browser tests need {CHROMIUM} (.ci/run installs it)")
    pytest.skip(f"browser tests need {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

from otkaz.publish.redaction import REVEAL  # noqa: E402
from otkaz.store import Database  # noqa: E402
from otkaz.web import Settings, create_app  # noqa: E402
from otkaz.web.auth import hash_password  # noqa: E402

PASSWORD = "browser-password"
NAMES = ("Belkin", "Белкин", "Sadykov", "Gromov")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Database]:
    db = Database(str(tmp_path / "otkaz.db"))
    seed(db)
    db.add_user("anna", "analyst", hash_password(PASSWORD), by="test")
    yield db
    db.close()


@pytest.fixture
def base_url(store: Database) -> Iterator[str]:
    with serve(create_app(Settings(secret_key="browser-tests"), db=store)) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    opened = context.new_page()
    opened.problems = []  # console errors (CSP violations included) and uncaught exceptions
    opened.on("console", lambda m: opened.problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))
    yield opened
    context.close()


def sign_in(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#l-name", "anna")
    page.fill("#l-password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_dashboard_map_chart_and_list_follow_the_filters(page: Any, base_url: str, store: Database) -> None:
    sign_in(page, base_url)
    page.wait_for_selector("#map[data-loaded]", state="attached")
    assert int(page.get_attribute("#map", "data-loaded")) == 13  # every seeded incident has a place
    assert page.locator(".leaflet-overlay-pane path").count() > 100  # country outlines, no tiles
    assert page.locator(".chart rect.bar").count() > 0

    page.select_option("#f-type", "flight_abroad")  # applies at once
    page.wait_for_url(re.compile(r"type=flight_abroad"))
    page.wait_for_selector("#map[data-loaded]", state="attached")
    assert page.get_attribute("#map", "data-loaded") == "2"
    types = page.locator("table.incidents tbody .type-badge").all_inner_texts()
    assert types and set(types) == {"Flight abroad"}
    assert page.inner_text("#total-incidents") == "2"
    assert page.locator(".chip").first.inner_text().startswith("Type")

    page.fill("#f-q", "border guards")
    page.press("#f-q", "Enter")
    page.wait_for_url(re.compile(r"q=border\+guards"))
    assert page.inner_text("#total-incidents") == "1"
    assert page.problems == []


def test_analyst_reviews_from_the_queue_and_corrects_an_incident(page: Any, base_url: str, store: Database) -> None:
    sign_in(page, base_url)
    page.goto(f"{base_url}/review")
    queued = page.locator("#queue tbody tr")
    before = queued.count()
    first = queued.first.get_attribute("data-id")
    page.keyboard.press("c")  # confirm the selected (least confident) incident
    page.wait_for_url(re.compile(r"/review\?focus="))
    assert page.locator("#queue tbody tr").count() == before - 1
    assert store.get_incident(first).status == "confirmed"

    page.keyboard.press("j")
    chosen = page.locator("#queue tbody tr.selected").get_attribute("data-id")
    page.keyboard.press("o")
    page.wait_for_url(f"{base_url}/incidents/{chosen}")
    page.keyboard.press("e")
    page.fill("input[name=count_min]", "12")
    page.fill("input[name=count_max]", "15")
    page.fill("#c-note", "recounted from the video")
    page.click(".correct-form button[type=submit]")
    page.wait_for_url(f"{base_url}/incidents/{chosen}")
    assert page.inner_text("#field-count td.value") == "12–15"
    history = page.inner_text("ol.history")
    assert "Correct by anna" in history and "12–15" in history and "recounted from the video" in history
    actions = [e.action for e in store.audit_log(chosen)]
    assert [a for a in actions if a != REVEAL][-1] == "correct"
    assert actions[-1] == REVEAL  # the page shown after the correction named people to anna
    assert page.problems == []


def test_public_visitor_sees_no_names(page: Any, base_url: str, store: Database) -> None:
    incident = incident_of(store, "seed/en-belgorod.txt")
    page.goto(f"{base_url}/incidents/{incident.id}")
    text = page.inner_text("body")
    assert [name for name in NAMES if name in text] == []
    assert "[person 1]" in text
    page.goto(f"{base_url}/")
    page.wait_for_selector("#map[data-loaded]", state="attached")
    assert [name for name in NAMES if name in page.content()] == []
    assert page.locator("text=Sign in").count() == 1


def test_article_payloads_render_as_text(page: Any, base_url: str, store: Database) -> None:
    sign_in(page, base_url)
    incident = incident_of(store, XSS)
    page.goto(f"{base_url}/incidents/{incident.id}")
    article = page.locator(".article-text").first
    assert "<script>window.pwned = 1; alert('xss')</script>" in article.inner_text()
    assert '<img src=x onerror="window.pwned = 2">' in article.inner_text()
    assert article.locator("img, script").count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert '<script>alert("title")</script>' in page.inner_text(".report-title")
    assert page.problems == []


def test_analyst_sees_what_arrived_and_marks_it_seen(page: Any, base_url: str, store: Database) -> None:
    store.set_seen_marker("anna", "2000-01-01T00:00:00+00:00")  # before every seeded article
    visible = len(store.incidents())
    sign_in(page, base_url)
    banner = page.locator("#arrivals")
    assert re.search(rf"{visible} new incidents, 0 with new reports", banner.inner_text())
    banner.get_by_role("link", name="Show them").click()
    page.wait_for_url(re.compile(r"/\?since=2000-01-01T00%3A00%3A00%2B00%3A00$"))
    assert page.locator("table.incidents .arrival").count() == min(visible, 50)
    assert page.locator("table.incidents .arrival", has_text="new reports").count() == 0

    page.locator("#arrivals").get_by_role("button", name="Mark all as seen").click()
    page.wait_for_url(f"{base_url}/")
    assert "0 new incidents, 0 with new reports" in page.locator("#arrivals").inner_text()
    assert page.locator("table.incidents .arrival").count() == 0
    assert page.problems == []
