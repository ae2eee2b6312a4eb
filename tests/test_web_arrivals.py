"""What arrived since the last visit: ``Database.arrivals_since`` / ``arrivals_of``, the
dashboard's ``since`` filter and row marks, and the per-account "seen" marker (SQLite, and
PostgreSQL when configured)."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("fastapi")

from browser.seed import MERGED_PAIR, incident_of  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, update  # noqa: E402
from test_web import HTML, analyst, app, client, login, post_form, seeded  # noqa: E402, F401  (fixtures)

from otkaz.store import Database  # noqa: E402
from otkaz.store.database import resolve_url  # noqa: E402
from otkaz.store.schema import documents  # noqa: E402

LONG_AGO = "2026-01-01T00:00:00+00:00"
SINCE = "2026-06-01T00:00:00+00:00"
LATE_REPORT = MERGED_PAIR[1]  # the Russian report of the Belgorod incident
NEW_ARTICLE = "seed/en-kazan.txt"


@pytest.fixture
def arrived(seeded: Database, db_url: str) -> Database:
    """Every seeded article stored long ago except two: a second report of a known incident,
    and the only report of another."""
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as conn:
        conn.execute(
            update(documents)
            .where(documents.c.id.not_in([LATE_REPORT, NEW_ARTICLE]))
            .values(ingested_at=LONG_AGO)
        )
    engine.dispose()
    return seeded


def test_arrivals_tell_new_incidents_from_new_reports(arrived: Database) -> None:
    belgorod = incident_of(arrived, LATE_REPORT)
    kazan = incident_of(arrived, NEW_ARTICLE)
    expected = {belgorod.id: "more_reports", kazan.id: "new"}
    assert arrived.arrivals_since(SINCE) == expected
    assert arrived.arrivals_of([LATE_REPORT, NEW_ARTICLE]) == expected
    assert arrived.arrivals_of(MERGED_PAIR) == {belgorod.id: "new"}
    assert arrived.arrivals_since("2099-01-01T00:00:00+00:00") == {} == arrived.arrivals_of([])


def rows_of(page: str) -> dict[str, str]:
    """Incident id -> the arrival mark of its row ("" when none)."""
    rows = re.findall(r'<a href="/incidents/([^"]+)" class="row-link">.*?</td>', page, re.S)
    marks = re.findall(r'class="row-link">.*?</a>\s*(?:<span class="arrival">([^<]+)</span>)?</td>', page, re.S)
    return dict(zip(rows, marks, strict=True))


def test_the_since_filter_on_the_dashboard_and_the_api(client: TestClient, arrived: Database) -> None:
    belgorod = incident_of(arrived, LATE_REPORT)
    kazan = incident_of(arrived, NEW_ARTICLE)
    page = client.get("/", params={"since": "2026-06-01"}, headers=HTML)
    assert page.status_code == 200
    assert rows_of(page.text) == {belgorod.id: "new reports", kazan.id: "new"}
    assert "arrived since" in page.text  # the filter's chip

    listing = client.get("/api/incidents", params={"since": "2026-06-01T02:00:00+02:00"}).json()
    assert sorted(item["id"] for item in listing["items"]) == sorted([belgorod.id, kazan.id])

    everything = client.get("/", headers=HTML)
    assert set(rows_of(everything.text).values()) == {""}  # the public has no marker: no marks

    wrong = client.get("/api/incidents", params={"since": "last week"})
    assert wrong.status_code == 400
    assert wrong.json()["detail"].startswith("since='last week': not a time like")


def banner(page: str) -> str:
    found = re.search(r'<div class="arrivals"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(found[1])).split()) if found else ""


def test_an_account_sees_what_arrived_since_it_marked_all_as_seen(
    analyst: TestClient, arrived: Database
) -> None:
    arrived.set_seen_marker("anna", SINCE)
    page = analyst.get("/", headers=HTML).text
    assert banner(page).startswith("Since 2026-06-01 00:00 UTC: 1 new incident, 1 with new reports. Show them")
    assert f'href="/?since={SINCE.replace(":", "%3A").replace("+", "%2B")}"' in page
    assert set(rows_of(page).values()) == {"", "new", "new reports"}

    marked = post_form(analyst, "/seen", {"next": "/"})
    assert (marked.status_code, marked.headers["location"]) == (303, "/")
    assert arrived.seen_marker("anna") > SINCE
    after = analyst.get("/", headers=HTML).text
    assert "0 new incidents, 0 with new reports" in banner(after) and "Show them" not in banner(after)
    assert set(rows_of(after).values()) == {""}


def test_marking_as_seen_needs_an_account_and_the_csrf_token(client: TestClient, arrived: Database) -> None:
    assert client.post("/seen", data={"next": "/"}, follow_redirects=False).status_code in (401, 403)
    assert login(client, "vera").status_code == 303
    assert client.post("/seen", data={"next": "/"}, headers=HTML, follow_redirects=False).status_code == 403
    assert arrived.seen_marker("vera") is None
    assert post_form(client, "/seen", {"next": "//elsewhere.example/"}).headers["location"] == "/"
    assert arrived.seen_marker("vera") is not None


def test_a_removed_account_takes_its_marker_along(seeded: Database) -> None:
    seeded.set_seen_marker("vera", SINCE)
    seeded.delete_user("vera", by="test")
    seeded.add_user("vera", "viewer", None, by="test")
    assert seeded.seen_marker("vera") is None  # a new account of the same name starts afresh
