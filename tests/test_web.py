"""The web application in process (FastAPI's TestClient), on SQLite and PostgreSQL: every
endpoint and role, privacy, review decisions, CSRF, login throttling, API tokens, ingest."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")

from browser.seed import ARTICLES, MERGED_PAIR, XSS, incident_of, seed  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from otkaz.model import Count, Evidence, ExtractionResult, IncidentMention, Place  # noqa: E402
from otkaz.pipeline import RunSummary, merge_all  # noqa: E402
from otkaz.store import Database  # noqa: E402
from otkaz.web import Settings, create_app  # noqa: E402
from otkaz.web.auth import hash_password  # noqa: E402

PASSWORDS = {"vera": "viewer-password", "anna": "analyst-password", "adam": "admin-password"}
ROLES = {"vera": "viewer", "anna": "analyst", "adam": "admin"}
# Names of the seeded people, as written in the articles (both scripts).
NAMES = ("Belkin", "Белкин", "Sadykov", "Gromov", "Намсараев")
HTML = {"accept": "text/html"}
BELGOROD = "seed/en-belgorod.txt"
UNREVIEWED = "seed/en-nizhny.txt"

MAX_FAILURES = 3
HASHES = {name: hash_password(password) for name, password in PASSWORDS.items()}  # argon2 is slow on purpose


@pytest.fixture
def seeded(db: Database) -> Database:
    seed(db)
    for name in PASSWORDS:
        db.add_user(name, ROLES[name], HASHES[name], by="test")
    return db


@pytest.fixture
def app(seeded: Database) -> Any:
    return create_app(Settings(secret_key="test-secret", login_max_failures=MAX_FAILURES), db=seeded)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers=HTML)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


def login(client: TestClient, name: str, password: str | None = None) -> Any:
    token = csrf_of(client)
    data = {"name": name, "password": password or PASSWORDS[name], "csrf_token": token, "next": "/"}
    return client.post("/login", data=data, headers=HTML, follow_redirects=False)


@pytest.fixture
def analyst(client: TestClient) -> TestClient:
    assert login(client, "anna").status_code == 303
    return client


@pytest.fixture
def viewer(client: TestClient) -> TestClient:
    assert login(client, "vera").status_code == 303
    return client


def names_in(text: str) -> list[str]:
    return [name for name in NAMES if name in text]


def post_form(client: TestClient, path: str, data: dict[str, Any], page: str = "/") -> Any:
    """A form post as the browser sends it: with the session's CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_of(client, page)}, headers=HTML, follow_redirects=False)


# --- the public -----------------------------------------------------------------


def test_public_sees_only_confirmed_incidents_without_names(client: TestClient, seeded: Database) -> None:
    listing = client.get("/api/incidents").json()
    statuses = {item["status"] for item in listing["items"]}
    assert statuses == {"confirmed"}
    assert listing["total"] == sum(i.status == "confirmed" for i in seeded.incidents())
    assert all("people" not in item for item in listing["items"])
    assert names_in(json.dumps(listing, ensure_ascii=False)) == []
    assert "[person 1]" in json.dumps(listing)  # quotes naming someone are pseudonymized


def test_public_pages_and_exports_hold_no_names(client: TestClient, seeded: Database) -> None:
    belgorod = incident_of(seeded, BELGOROD)
    responses = [
        client.get("/", headers=HTML),
        client.get(f"/incidents/{belgorod.id}", headers=HTML),
        client.get(f"/api/incidents/{belgorod.id}"),
        client.get("/api/points"),
        client.get("/api/stats"),
        *(client.get(f"/export/incidents.{fmt}") for fmt in ("jsonl", "csv", "geojson")),
    ]
    for response in responses:
        assert response.status_code == 200, response.url
        assert names_in(response.text) == [], response.url
    assert "set-cookie" not in responses[0].headers  # no session for a visitor who only reads
    page = responses[1].text
    assert "[person 1]" in page
    assert "Article text" not in page  # the public gets quotes, not whole articles
    assert "History" not in page


def test_public_cannot_see_unreviewed_incidents_documents_or_review(client: TestClient, seeded: Database) -> None:
    hidden = incident_of(seeded, UNREVIEWED)
    assert client.get(f"/api/incidents/{hidden.id}").status_code == 404
    assert client.get(f"/incidents/{hidden.id}", headers=HTML).status_code == 404
    assert client.get("/api/documents").status_code == 401
    assert client.get(f"/api/documents/{BELGOROD}").status_code == 401
    review = client.get("/review", headers=HTML, follow_redirects=False)
    assert review.status_code == 303 and review.headers["location"].startswith("/login?next=")
    asked = client.get("/api/incidents", params={"status": "unreviewed"}).json()["items"]
    assert {item["status"] for item in asked} == {"confirmed"}  # the status filter is not the public's


def test_public_search_does_not_reveal_names(client: TestClient) -> None:
    assert client.get("/api/incidents", params={"q": "Belkin"}).json()["total"] == 0
    assert client.get("/api/incidents", params={"q": "prosecutors"}).json()["total"] == 1


# --- viewers ------------------------------------------------------------------------


def test_viewer_sees_every_incident_but_no_names(viewer: TestClient, seeded: Database) -> None:
    listing = viewer.get("/api/incidents").json()
    assert listing["total"] == len(seeded.incidents())
    assert names_in(json.dumps(listing, ensure_ascii=False)) == []
    document = viewer.get(f"/api/documents/{BELGOROD}").json()
    assert document["text_redacted"] is True
    assert names_in(document["text"]) == [] and "[person 1]" in document["text"]
    page = viewer.get(f"/incidents/{incident_of(seeded, BELGOROD).id}", headers=HTML).text
    assert names_in(page) == [] and "Article text" in page


def test_viewer_cannot_review_ingest_or_export_names(viewer: TestClient, seeded: Database) -> None:
    incident = incident_of(seeded, UNREVIEWED)
    assert post_form(viewer, f"/incidents/{incident.id}/confirm", {}).status_code == 403
    assert viewer.get("/review", headers=HTML).status_code == 403
    assert viewer.get("/ingest", headers=HTML).status_code == 403
    assert viewer.get("/export/incidents.jsonl", params={"names": "true"}).status_code == 403
    assert seeded.get_incident(incident.id).status == "unreviewed"


# --- analysts ---------------------------------------------------------------------


def test_analyst_sees_names_everywhere(analyst: TestClient, seeded: Database) -> None:
    belgorod = incident_of(seeded, BELGOROD)
    record = analyst.get(f"/api/incidents/{belgorod.id}").json()
    assert "Artyom Belkin" in record["people"]
    assert "Belkin" in analyst.get(f"/incidents/{belgorod.id}", headers=HTML).text
    assert analyst.get("/api/incidents", params={"q": "Belkin"}).json()["total"] == 1
    exported = analyst.get("/export/incidents.csv", params={"names": "true"}).text
    assert "Artyom Belkin" in exported
    assert "Belkin" not in analyst.get("/export/incidents.csv").text  # names only when asked for


def test_confirm_is_stored_as_an_audited_decision(analyst: TestClient, seeded: Database) -> None:
    incident = incident_of(seeded, UNREVIEWED)
    response = post_form(analyst, f"/incidents/{incident.id}/confirm", {"note": "two sources agree", "next": "/review"})
    assert response.status_code == 303 and response.headers["location"] == "/review"
    assert seeded.get_incident(incident.id).status == "confirmed"
    decision = seeded.decisions()[-1]
    assert (decision.kind, decision.user, decision.payload["note"]) == ("confirm", "anna", "two sources agree")
    assert decision.payload["mention_keys"] == {incident.id: [incident.reports[0].mention.key]}
    entry = seeded.audit_log(incident.id)[-1]
    assert (entry.user, entry.action, entry.before["status"]) == ("anna", "confirm", "unreviewed")
    page = analyst.get(f"/incidents/{incident.id}", headers=HTML).text
    assert "by <span class=\"who-name\">anna</span>" in page and "two sources agree" in page


def correction_form(incident: Any, **changes: Any) -> dict[str, Any]:
    """The correction form as the page fills it in, with ``changes`` made."""
    place = incident.location
    form: dict[str, Any] = {
        "type": incident.type,
        "actors": incident.actors,
        "count_min": incident.count.min if incident.count.min is not None else "",
        "count_max": incident.count.max if incident.count.max is not None else "",
        "location": place.name if place else "",
        "location_admin1": place.admin1 if place else "",
        "location_country": place.country if place else "",
        "location_lat": place.lat if place else "",
        "location_lon": place.lon if place else "",
        "location_precision": place.precision if place else "city",
        "origin": "",
        "date_start": incident.date.start.isoformat() if incident.date else "",
        "date_end": incident.date.end.isoformat() if incident.date else "",
        "consequences": incident.consequences,
        "cited": "\n".join(incident.cited),
        "people": "\n".join(incident.people),
    }
    if incident.origin:
        form.update(origin=incident.origin.name, origin_lat=incident.origin.lat, origin_lon=incident.origin.lon,
                    origin_country=incident.origin.country, origin_admin1=incident.origin.admin1,
                    origin_precision=incident.origin.precision)
    return {**form, **changes}


def test_correction_changes_only_what_differs_and_survives_a_rerun(analyst: TestClient, seeded: Database) -> None:
    incident = incident_of(seeded, UNREVIEWED)
    form = correction_form(incident, count_min="35", count_max="45", consequences=["forced_return", "violence"])
    response = post_form(analyst, f"/incidents/{incident.id}/correct", form)
    assert response.status_code == 303, response.text
    decision = seeded.decisions()[-1]
    assert decision.kind == "correct"
    changed = {name: value for name, value in decision.payload.items() if name != "mention_keys"}
    assert changed == {"count": {"min": 35, "max": 45}, "consequences": ["forced_return", "violence"]}
    merge_all(seeded)  # a re-run of merging keeps the analyst's values
    corrected = seeded.get_incident(incident.id)
    assert corrected.count == Count(35, 45)
    assert corrected.consequences == ["forced_return", "violence"]
    history = analyst.get(f"/api/incidents/{incident.id}").json()["history"]
    assert history[0]["action"] == "correct" and history[0]["user"] == "anna"
    assert ["count", "40", "35–45"] in history[0]["changes"]


def test_a_correction_naming_someone_makes_the_public_view_again(analyst: TestClient, seeded: Database) -> None:
    """A review decision that changes a document's recorded names marks its view stale: the
    decision's refresh makes it again, and the name leaves the public text."""
    from otkaz.model import Document
    from otkaz.pipeline import redact_pending
    from otkaz.publish.redaction import PublicView

    text = "A mobilized man from Omsk, called Varnak by his comrades, fled before the assault."
    document = Document("varnak-1", text, url="https://omsk-herald.example/varnak", lang="en", outlet="Omsk Herald",
                        published="2023-03-02")
    seeded.add_document(document)
    mention = IncidentMention("varnak-1", "desertion", ["mobilized"], Count(1, 1),
                              evidence=[Evidence("incident", text, 0, len(text))])
    seeded.save_extraction(ExtractionResult("varnak-1", "en", True, [mention]), "seed-1")
    merge_all(seeded)
    redact_pending(seeded)
    assert "Varnak" in PublicView.of_store(seeded).text(document)  # a nickname nothing recognizes
    [incident] = seeded.incidents_holding([mention.key])
    response = post_form(analyst, f"/incidents/{incident.id}/correct", correction_form(incident, people="Varnak"))
    assert response.status_code == 303, response.text
    [corrected] = seeded.incidents_holding([mention.key])
    assert corrected.people == ["Varnak"]
    public = PublicView.of_store(seeded).text(document, corrected.people)
    assert public is not None and "Varnak" not in public and "[person " in public
    viewed = analyst.get("/api/documents/varnak-1").json()
    assert "Varnak" in viewed["text"]  # analysts see names


def test_a_new_place_name_is_looked_up(analyst: TestClient, app: Any, seeded: Database) -> None:
    found = Place("Tver", 56.8587, 35.9176, "Tver Oblast", "RU", "city", key="geonames:480060")
    app.state.place_lookup = lambda name: found if name == "Tver" else None
    incident = incident_of(seeded, UNREVIEWED)
    assert post_form(analyst, f"/incidents/{incident.id}/correct", correction_form(incident, location="Tver")).status_code == 303
    assert seeded.get_incident(incident.id).location == found
    moved = seeded.get_incident(incident.id)
    missing = post_form(analyst, f"/incidents/{incident.id}/correct", correction_form(moved, location="Nowhere"))
    assert missing.status_code == 422 and "'Nowhere' is not in the gazetteer" in html.unescape(missing.text)
    assert analyst.get("/api/places", params={"q": "Tver"}).json()["place"]["key"] == "geonames:480060"
    assert analyst.get("/api/places", params={"q": "Nowhere"}).status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count_min": "9", "count_max": "3"}, "the maximum 3 is below the minimum 9"),
        ({"count_min": "many"}, "'many' is not a whole number"),
        ({"type": "mutiny"}, "'mutiny' is not one of"),
        ({"date_start": "2024-09-10", "date_end": "2024-09-01"}, "date:"),
        ({}, "nothing to correct"),
    ],
)
def test_bad_corrections_are_refused_with_a_reason(
    analyst: TestClient, seeded: Database, changes: dict[str, str], message: str
) -> None:
    incident = incident_of(seeded, UNREVIEWED)
    response = post_form(analyst, f"/incidents/{incident.id}/correct", correction_form(incident, **changes))
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert [d.kind for d in seeded.decisions()].count("correct") == 0


def test_reject_takes_the_incident_out_of_the_lists(analyst: TestClient, seeded: Database) -> None:
    incident = incident_of(seeded, UNREVIEWED)
    assert post_form(analyst, f"/incidents/{incident.id}/reject", {}).status_code == 303
    ids = [item["id"] for item in analyst.get("/api/incidents", params={"per_page": 500}).json()["items"]]
    assert incident.id not in ids
    rejected = analyst.get("/api/incidents", params={"status": "rejected"}).json()["items"]
    assert [item["id"] for item in rejected] == [incident.id]
    assert incident.id not in analyst.get("/review", headers=HTML).text


def test_merge_and_split_are_checked_and_recorded(analyst: TestClient, seeded: Database) -> None:
    belgorod = incident_of(seeded, BELGOROD)
    other = incident_of(seeded, UNREVIEWED)
    assert post_form(analyst, f"/incidents/{belgorod.id}/merge", {"other": belgorod.id}).status_code == 422
    assert post_form(analyst, f"/incidents/{belgorod.id}/merge", {"other": "inc-missing"}).status_code == 422
    assert post_form(analyst, f"/incidents/{belgorod.id}/merge", {"other": other.id}).status_code == 303
    merged = [d for d in seeded.decisions() if d.kind == "merge"]
    assert [(d.incident_id, d.other_ids) for d in merged] == [(belgorod.id, [other.id])]

    merged_now = seeded.get_incident(belgorod.id)
    assert {r.document.id for r in merged_now.reports} == {*MERGED_PAIR, UNREVIEWED}
    assert merged_now.merge_reasons[-1]["user"] == "anna"

    single = incident_of(seeded, XSS)
    refused = post_form(analyst, f"/incidents/{single.id}/split", {"report": [single.reports[0].mention.key]})
    assert refused.status_code == 422 and "single report" in refused.text
    assert post_form(analyst, f"/incidents/{belgorod.id}/split", {"report": "not-a-key"}).status_code == 422
    other_key = next(r.mention.key for r in merged_now.reports if r.document.id == UNREVIEWED)
    assert post_form(analyst, f"/incidents/{belgorod.id}/split", {"report": other_key}).status_code == 303
    split = [d for d in seeded.decisions() if d.kind == "split"]
    assert split[0].other_ids == [other_key]
    assert {r.document.id for r in seeded.get_incident(belgorod.id).reports} == set(MERGED_PAIR)
    assert [e.action for e in seeded.audit_log(belgorod.id)][-2:] == ["merge", "split"]



def test_review_queue_is_ordered_by_confidence(analyst: TestClient, seeded: Database) -> None:
    page = analyst.get("/review", headers=HTML).text
    queued = re.findall(r'<tr data-id="([^"]+)"', page)
    expected = sorted((i for i in seeded.incidents() if i.status == "unreviewed"), key=lambda i: i.confidence)
    assert queued == [i.id for i in expected]


# --- CSRF, sign-in, tokens ---------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused(analyst: TestClient, seeded: Database) -> None:
    incident = incident_of(seeded, UNREVIEWED)
    missing = analyst.post(f"/incidents/{incident.id}/confirm", data={}, headers=HTML)
    wrong = analyst.post(f"/incidents/{incident.id}/confirm", data={"csrf_token": "forged"}, headers=HTML)
    assert missing.status_code == wrong.status_code == 403
    assert "CSRF" in missing.text
    json_post = analyst.post(f"/api/incidents/{incident.id}/decisions", json={"kind": "confirm"})
    assert json_post.status_code == 403
    assert seeded.get_incident(incident.id).status == "unreviewed"


def test_login_needs_the_csrf_token(client: TestClient) -> None:
    response = client.post("/login", data={"name": "anna", "password": PASSWORDS["anna"]}, headers=HTML)
    assert response.status_code == 403


def test_login_is_throttled_after_repeated_failures(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        assert login(client, "anna", "wrong-password").status_code == 401
    throttled = login(client, "anna")  # the right password, too late
    assert throttled.status_code == 429
    assert "too many failed sign-ins" in throttled.text


def test_wrong_password_and_unknown_account_look_the_same(client: TestClient) -> None:
    wrong = login(client, "anna", "not-it")
    unknown = login(client, "nobody", "not-it")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong name or password." in wrong.text and "Wrong name or password." in unknown.text


def test_logout_ends_the_session(analyst: TestClient) -> None:
    assert post_form(analyst, "/logout", {}).status_code == 303
    assert analyst.get("/api/documents").status_code == 401


def test_api_token_works_without_cookies_or_csrf(analyst: TestClient, app: Any, seeded: Database) -> None:
    page = post_form(analyst, "/account/token", {}, page="/account")
    token = re.search(r'id="new-token">([^<]+)<', page.text)[1]
    assert seeded.get_user("anna").api_token_hash not in (None, token)  # only a hash is stored
    with TestClient(app) as script:
        auth = {"Authorization": f"Bearer {token}"}
        listing = script.get("/api/incidents", headers=auth).json()
        assert any("Artyom Belkin" in item.get("people", []) for item in listing["items"])
        incident = incident_of(seeded, UNREVIEWED)
        decided = script.post(
            f"/api/incidents/{incident.id}/decisions",
            json={"kind": "correct", "payload": {"count": {"min": 41, "max": 41}, "note": "recount"}},
            headers=auth,
        )
        assert decided.status_code == 200, decided.text
        assert seeded.get_incident(incident.id).count == Count(41, 41)
        assert seeded.decisions()[-1].user == "anna"
        assert script.get("/api/incidents", headers={"Authorization": "Bearer otk_wrong"}).status_code == 401


def test_api_decisions_are_checked(analyst: TestClient, app: Any, seeded: Database) -> None:
    incident = incident_of(seeded, UNREVIEWED)
    token = csrf_of(analyst, "/")
    headers = {"X-CSRF-Token": token}
    bad = [
        {"kind": "approve"},
        {"kind": "correct", "payload": {"type": "mutiny"}},
        {"kind": "correct", "payload": {"colour": "red"}},
        {"kind": "correct", "payload": {"location": {"name": "X", "lat": 95, "lon": 10}}},
        {"kind": "split", "other_ids": ["not-a-key"]},
    ]
    for body in bad:
        response = analyst.post(f"/api/incidents/{incident.id}/decisions", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    ok = analyst.post(f"/api/incidents/{incident.id}/decisions", json={"kind": "confirm"}, headers=headers)
    assert ok.status_code == 200
    assert seeded.get_incident(incident.id).status == "confirmed"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"kind": "correct", "payload": {"count": {"min": 10**30}}},
         "count: a number of more than 19 digits is more than 1000000 people"),
        ({"kind": "correct", "payload": {"date": {"start": "0001-01-01", "end": "2023-01-01"}}},
         "date: 0001-01-01 is not between 2014-01-01"),
        ({"kind": "confirm", "payload": {"note": "n" * 2001}}, "note: 2001 characters, more than the 2000 allowed"),
        ({"kind": "reject", "payload": {"note": ["why"]}}, "note: expected a non-empty text"),
    ],
)
def test_bad_decisions_are_refused_with_422_naming_the_field(
    analyst: TestClient, seeded: Database, body: dict[str, Any], detail: str
) -> None:
    """Failed before the fix: a count of 10**30 gave a 500 and was stored; notes had no limit."""
    incident = incident_of(seeded, UNREVIEWED)
    before = seeded.decisions()
    response = analyst.post(f"/api/incidents/{incident.id}/decisions", json=body,
                            headers={"X-CSRF-Token": csrf_of(analyst, "/")})
    assert response.status_code == 422 and response.json()["detail"].startswith(detail)
    assert seeded.decisions() == before
    form = post_form(analyst, f"/incidents/{incident.id}/confirm", {"note": "n" * 2001})
    assert form.status_code == 422 and "note: 2001 characters" in form.text
    assert seeded.decisions() == before


def test_password_change(analyst: TestClient, seeded: Database) -> None:
    short = post_form(analyst, "/account/password", {"current": PASSWORDS["anna"], "new": "short"}, page="/account")
    assert short.status_code == 400
    done = post_form(analyst, "/account/password", {"current": PASSWORDS["anna"], "new": "a-longer-password"}, page="/account")
    assert done.status_code == 200 and "Password changed." in done.text
    entry = seeded.audit_log("anna")[-1]
    assert entry.action == "set_password" and "hash" not in json.dumps(entry.after)


# --- untrusted article text ------------------------------------------------------------------


def test_article_markup_is_shown_as_text(analyst: TestClient, seeded: Database) -> None:
    incident = incident_of(seeded, XSS)
    response = analyst.get(f"/incidents/{incident.id}", headers=HTML)
    page = response.text
    assert "<script>window.pwned" not in page and "<script>alert(" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;window.pwned = 1; alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;window.pwned = 2&#34;&gt;" in page
    assert 'Soldiers refuse &lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; orders' in page
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_tile_origin_is_allowed_by_the_csp(seeded: Database) -> None:
    settings = Settings(secret_key="s", tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    with TestClient(create_app(settings, db=seeded)) as client:
        csp = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: https://*.tiles.example.org" in csp


# --- filters, API shapes ------------------------------------------------------------------------


def test_filters_drive_list_stats_and_points_alike(analyst: TestClient) -> None:
    params = {"type": "combat_refusal", "country": "RU"}
    listing = analyst.get("/api/incidents", params=params).json()
    stats = analyst.get("/api/stats", params=params).json()
    points = analyst.get("/api/points", params=params).json()
    assert listing["total"] == stats["totals"]["incidents"] == len(points["points"]) + points["without_place"]
    assert {item["type"] for item in listing["items"]} == {"combat_refusal"}
    assert stats["by_type"] == {"combat_refusal": listing["total"]}
    assert stats["groups"]["total"]["incidents"] == listing["total"]  # otkaz stats' own counting
    assert analyst.get("/api/stats", params={"by": "colour"}).status_code == 400
    dashboard = analyst.get("/", params=params, headers=HTML).text
    assert f'<span class="stat-n" id="total-incidents">{listing["total"]}</span>' in dashboard


def test_date_range_and_paging(analyst: TestClient) -> None:
    in_2023 = analyst.get("/api/incidents", params={"from": "2023-01-01", "to": "2023-12-31"}).json()
    starts = [item["date"]["start"] for item in in_2023["items"]]
    assert starts and all(s.startswith("2023") for s in starts)
    page = analyst.get("/api/incidents", params={"per_page": 2, "page": 2, "sort": "date"}).json()
    everything = analyst.get("/api/incidents", params={"sort": "date"}).json()
    assert [i["id"] for i in page["items"]] == [i["id"] for i in everything["items"][2:4]]
    assert page["pages"] == -(-everything["total"] // 2)


def test_bad_filters_get_a_clear_error(analyst: TestClient) -> None:
    page = analyst.get("/", params={"from": "yesterday"}, headers=HTML)
    assert page.status_code == 400 and "from=&#39;yesterday&#39;: not a date" in page.text
    assert analyst.get("/api/incidents", params={"status": "maybe"}).status_code == 400
    assert analyst.get("/api/incidents", params={"sort": "colour"}).json()["detail"].startswith("sort='colour'")


def test_exports_carry_the_filter(client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/export/incidents.csv", params={"type": "flight_abroad"}).text)))
    assert rows and {row["type"] for row in rows} == {"flight_abroad"}
    geojson = client.get("/export/incidents.geojson").json()
    assert geojson["type"] == "FeatureCollection" and geojson["features"]
    acled = client.get("/export/incidents.acled")
    assert acled.status_code == 200 and "otkaz-incidents.acled.csv" in acled.headers["content-disposition"]
    assert client.get("/export/incidents.xml").status_code == 404


def test_parquet_export(client: TestClient) -> None:
    parquet = pytest.importorskip("pyarrow.parquet")
    response = client.get("/export/incidents.parquet", params={"type": "flight_abroad"})
    table = parquet.read_table(io.BytesIO(response.content))
    assert table.num_rows == 2 and "people" not in table.column_names


def test_documents_api(analyst: TestClient) -> None:
    listing = analyst.get("/api/documents", params={"per_page": 5}).json()
    assert listing["total"] == len(ARTICLES) and len(listing["items"]) == 5
    document = analyst.get(f"/api/documents/{BELGOROD}").json()
    assert document["text_redacted"] is False
    evidence = document["mentions"][0]["evidence"][0]
    assert document["text"][evidence["start"] : evidence["end"]] == evidence["quote"]
    assert analyst.get("/api/documents/seed/none.txt").status_code == 404


def test_openapi_describes_the_api(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/incidents", "/api/incidents/{incident_id}", "/api/documents", "/api/stats", "/export/incidents.{fmt}"):
        assert path in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/incidents"]["get"]["parameters"]}
    assert {"type", "country", "from", "to", "q", "page", "per_page"} <= parameters
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN


def test_unknown_pages_are_404(client: TestClient) -> None:
    assert client.get("/nowhere", headers=HTML).status_code == 404
    assert client.get("/api/incidents/inc-none").status_code == 404


# --- ingest -----------------------------------------------------------------------------------------


def fake_extract_pending(db: Database, progress: Any = None) -> RunSummary:
    """Stands in for the NLP extractor: the first sentence of each document is a desertion."""
    summary = RunSummary()
    for document in db.documents_to_extract("fake-1"):
        quote = document.text.split(".")[0]
        evidence = [Evidence("incident", quote, 0, len(quote))]
        mention = IncidentMention(document.id, "desertion", ["mobilized"], confidence=0.4, evidence=evidence)
        db.save_extraction(ExtractionResult(document.id, document.lang, True, [mention]), "fake-1")
        summary.extracted += 1
    return summary


def wait_for(client: TestClient, job_url: str) -> dict[str, Any]:
    pause = threading.Event()
    for _ in range(600):
        state = client.get(job_url).json()
        if state["state"] in ("done", "failed"):
            return state
        pause.wait(0.05)
    raise AssertionError(f"job {job_url} did not finish")


def test_ingest_uploads_and_pasted_text(analyst: TestClient, seeded: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("otkaz.web.ingest.extract_pending", fake_extract_pending)
    article = b"Forty mobilized soldiers deserted from a camp near Tver. Officials said nothing."
    files = [("files", ("tver.txt", article, "text/plain")), ("files", ("empty.txt", b"", "text/plain"))]
    data = {"text": "Two conscripts fled their unit in Omsk on Monday.", "lang": "en", "published": "2024-03-05",
            "csrf_token": csrf_of(analyst, "/ingest")}
    response = analyst.post("/ingest", data=data, files=files, headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    job_id = response.headers["location"].rsplit("/", 1)[1]
    state = wait_for(analyst, f"/api/jobs/{job_id}")
    assert state["state"] == "done", state
    summary = state["summary"]
    assert (summary["inputs"], summary["stored"], summary["failed"]) == (3, 2, 1)
    assert summary["failures"][0]["input"].endswith("/empty.txt")
    assert summary["failures"][0]["reason"]
    stored = {d.id for d in seeded.documents() if d.id.startswith("upload/")}
    assert {doc_id.rsplit("/", 1)[1] for doc_id in stored} == {"tver.txt", "pasted.txt"}
    assert len({doc_id.rsplit("/", 1)[0] for doc_id in stored}) == 1  # one batch
    assert any(r.document.id in stored for i in seeded.incidents() for r in i.reports)
    page = analyst.get(f"/ingest/jobs/{job_id}", headers=HTML).text
    assert "What failed and why" in page and "empty.txt" in page


def test_ingest_job_shows_what_was_repaired(analyst: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("otkaz.web.ingest.extract_pending", fake_extract_pending)
    article = "\u201cWe deserted,\u201d two soldiers from Tver told a local paper on Monday.".encode()
    files = [("files", ("tver.txt", article[:20] + b"\xff" + article[20:], "text/plain"))]
    data = {"lang": "en", "csrf_token": csrf_of(analyst, "/ingest")}
    response = analyst.post("/ingest", data=data, files=files, headers=HTML, follow_redirects=False)
    job_id = response.headers["location"].rsplit("/", 1)[1]
    summary = wait_for(analyst, f"/api/jobs/{job_id}")["summary"]
    assert summary["stored"] == 1 and summary["failures"] == []
    [warning] = summary["warnings"]
    assert warning["input"].endswith("/tver.txt") and "invalid UTF-8" in warning["message"]
    page = analyst.get(f"/ingest/jobs/{job_id}", headers=HTML).text
    assert "Stored with a repair" in page and "1 invalid UTF-8 byte sequence replaced with U+FFFD" in page


def test_ingest_refuses_bad_input(analyst: TestClient) -> None:
    token = csrf_of(analyst, "/ingest")
    nothing = analyst.post("/ingest", data={"csrf_token": token}, headers=HTML)
    assert nothing.status_code == 400 and "nothing to ingest" in nothing.text
    bad_date = analyst.post("/ingest", data={"csrf_token": token, "text": "x", "published": "soon"}, headers=HTML)
    assert bad_date.status_code == 400 and "published:" in bad_date.text
    bad_url = analyst.post("/ingest", data={"csrf_token": token, "urls": "ftp://example.org/a"}, headers=HTML)
    assert bad_url.status_code == 400
    assert analyst.get("/api/jobs/nope").status_code == 404


# --- the store's accounts -----------------------------------------------------------------------------


def test_user_accounts_in_the_store(db: Database) -> None:
    from otkaz.store import StoreError

    user = db.add_user("olga", "viewer", hash_password("olga-password"), by="root")
    assert (user.name, user.role, user.api_token_hash) == ("olga", "viewer", None)
    with pytest.raises(StoreError, match="'olga': the name is taken"):
        db.add_user("olga", "admin", None, by="root")
    db.set_user_token("olga", "abc123", by="olga")
    assert db.user_by_token_hash("abc123").name == "olga"
    db.set_user_role("olga", "analyst", by="root")
    assert db.get_user("olga").role == "analyst"
    assert [u.name for u in db.users()] == ["olga"]
    db.delete_user("olga", by="root")
    assert db.get_user("olga") is None and db.user_by_token_hash("abc123") is None
    log = db.audit_log("olga")
    assert [e.action for e in log] == ["add_user", "set_api_token", "set_role", "delete_user"]
    assert "abc123" not in json.dumps([e.before for e in log] + [e.after for e in log])
    with pytest.raises(StoreError, match="no user 'nobody'"):
        db.set_user_role("nobody", "admin", by="root")



FULL_LOADS = ("incidents", "reports", "documents")  # Database methods reading every incident, report or document


def no_full_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Database methods that read everything fail from now on, as does incident_page without a limit."""
    for name in FULL_LOADS:
        def refuse(*args: Any, _name: str = name, **kwargs: Any) -> Any:
            raise AssertionError(f"Database.{_name} loads everything")
        monkeypatch.setattr(Database, name, refuse)
    paged = Database.incident_page

    def page_only(self: Database, query: Any, sort: str = "-date", offset: int = 0, limit: int | None = None) -> Any:
        assert limit is not None, "incident_page without a limit loads every matching incident"
        return paged(self, query, sort, offset, limit)

    monkeypatch.setattr(Database, "incident_page", page_only)


def test_documents_and_stats_read_only_what_they_answer(
    app: Any, seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/api/documents, /api/documents/{id} and /api/stats answer as the full loads did, without them."""
    from otkaz.publish.redaction import PublicView
    from otkaz.publish.stats import STATS_BY, incident_stats

    analyst, viewer = TestClient(app), TestClient(app)
    assert login(analyst, "anna").status_code == 303 and login(viewer, "vera").status_code == 303

    ids = sorted(doc.id for doc in seeded.documents())
    reports = seeded.reports()
    every = seeded.incidents(include_rejected=True)
    expected_stats = {by: incident_stats(seeded.incidents(), by).to_dict() for by in STATS_BY}
    expected_texts = {}
    for doc_id in ids:  # what a viewer was shown before: the view knowing these names
        doc = seeded.get_document(doc_id)
        recorded = {n for r in reports if r.document.id == doc_id for n in r.mention.people} | {
            n for i in every if any(r.document.id == doc_id for r in i.reports) for n in i.people
        }
        shown = PublicView.of_store(seeded, [doc_id]).view(doc, recorded)
        expected_texts[doc_id] = shown.text if shown else None
    no_full_loads(monkeypatch)
    for client in (analyst, viewer):
        listed = [client.get("/api/documents", params={"per_page": 4, "page": p}).json() for p in (1, 2, 3, 9)]
        assert all(page["total"] == len(ids) for page in listed)
        assert [item["id"] for page in listed for item in page["items"]] == ids[:12]
        for doc_id in ids:
            document = client.get(f"/api/documents/{doc_id}").json()
            assert [m["key"] for m in document["mentions"]] == [r.mention.key for r in reports if r.document.id == doc_id]
            assert document["text_redacted"] is (client is viewer)
            if client is viewer:
                assert document["text"] == expected_texts[doc_id]
    for by in STATS_BY:
        assert analyst.get("/api/stats", params={"by": by}).json()["groups"] == expected_stats[by]


def test_exports_are_streamed_without_loading_every_incident(
    app: Any, seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/export sends what write_export wrote of all the matching incidents, a batch at a time."""
    from otkaz.publish.exports import write_export
    from otkaz.publish.redaction import PublicView

    public, analyst = TestClient(app), TestClient(app)
    assert login(analyst, "anna").status_code == 303
    from otkaz.web.access import incident_queries
    from otkaz.web.auth import Principal
    from otkaz.web.queries import DEFAULT_SORT, IncidentFilter

    def chosen_by(principal: Principal) -> list[Any]:  # what the export read before: all at once
        return seeded.incident_page(incident_queries(principal, IncidentFilter())[1], DEFAULT_SORT)

    cases = {
        "public": (public, chosen_by(Principal(None, "public")), False),
        "analyst": (analyst, chosen_by(Principal("anna", "analyst")), True),
    }
    assert cases["public"][1] and len(cases["analyst"][1]) > len(cases["public"][1])
    expected = {}
    for role, (_, chosen, names) in cases.items():
        for fmt in ("jsonl", "csv", "acled", "geojson"):
            out = io.StringIO()
            view = None if names else PublicView.of_store(seeded)
            write_export(chosen, fmt, out, include_names=names, view=view)
            expected[role, fmt] = out.getvalue()
    no_full_loads(monkeypatch)
    for role, (client, _, names) in cases.items():
        for fmt in ("jsonl", "csv", "acled", "geojson"):
            response = client.get(f"/export/incidents.{fmt}", params={"names": "true"} if names else {})
            assert response.status_code == 200, (role, fmt)
            if fmt == "geojson":
                assert response.json() == json.loads(expected[role, fmt]), role
            else:
                assert response.text == expected[role, fmt], (role, fmt)
        assert client.get("/export/incidents.parquet").status_code == 200
