"""Pages and API lists kept between requests (the public dashboard as HTML, a list's records,
the queries behind them) answer as if made afresh: a write by another Database object (another
process: a run, a review decision, a new public view) shows on the next request, and a signed-in
reader never gets the public's page. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest

pytest.importorskip("fastapi")

from browser.seed import incident_of, seed  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from otkaz.merge import attach_mention_keys  # noqa: E402
from otkaz.model import Decision  # noqa: E402
from otkaz.pipeline import merge_all  # noqa: E402
from otkaz.store import Database, IncidentQuery  # noqa: E402
from otkaz.web import Settings, create_app  # noqa: E402
from otkaz.web.auth import hash_password  # noqa: E402

UNREVIEWED = "seed/en-nizhny.txt"
HTML = {"accept": "text/html"}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """The application over a store of its own (Database object), as a server process has."""
    with Database(db_url) as db:
        seed(db)
        db.add_user("vera", "viewer", hash_password("viewer-password"), by="test")
    with TestClient(create_app(Settings(db_url=db_url, secret_key="test-secret"))) as test_client:
        yield test_client
        test_client.app.state.db.close()


def confirm(db: Database, document_id: str) -> str:
    incident = incident_of(db, document_id)
    db.add_decision(attach_mention_keys(Decision("confirm", incident.id, "other-process"), {incident.id: incident}.get))
    merge_all(db)
    return incident_of(db, document_id).id


def public_answers(client: TestClient) -> tuple[str, dict[str, Any]]:
    # Asked twice: the second answer is the kept one.
    client.get("/", headers=HTML)
    client.get("/api/incidents")
    return client.get("/", headers=HTML).text, client.get("/api/incidents").json()


def points_of(client: TestClient) -> set[str]:
    return {point["id"] for point in client.get("/api/points").json()["points"]}


def test_a_review_decision_of_another_process_shows_on_the_next_request(client: TestClient, db_url: str) -> None:
    page, listing = public_answers(client)
    mapped = points_of(client)
    with Database(db_url) as other:
        assert incident_of(other, UNREVIEWED).status == "unreviewed"
        confirmed = confirm(other, UNREVIEWED)
    assert f"/incidents/{confirmed}" not in page and confirmed not in {i["id"] for i in listing["items"]}
    page, listing = public_answers(client)
    assert f"/incidents/{confirmed}" in page
    assert confirmed in {item["id"] for item in listing["items"]}
    assert listing["total"] == client.get("/api/stats").json()["totals"]["incidents"]
    assert points_of(client) == mapped | {confirmed}  # Nizhny Novgorod: on the map


def test_a_new_public_view_of_another_process_shows_in_the_kept_list(client: TestClient, db_url: str) -> None:
    _, listing = public_answers(client)
    first = listing["items"][0]
    assert first["reports"][0]["document"]["title"] != "Retitled elsewhere"
    with Database(db_url) as other:
        document = other.get_incident(first["id"]).reports[0].document
        view = dict(other.redactions([document.id])[document.id], title="Retitled elsewhere")
        assert other.save_redaction(document, {}, "digest", view)
    _, listing = public_answers(client)
    again = next(item for item in listing["items"] if item["id"] == first["id"])
    assert again["reports"][0]["document"]["title"] == "Retitled elsewhere"


def test_a_signed_in_reader_never_gets_the_public_page(client: TestClient) -> None:
    public, _ = public_answers(client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login", headers=HTML).text)[1]
    data = {"name": "vera", "password": "viewer-password", "csrf_token": token, "next": "/"}
    assert client.post("/login", data=data, headers=HTML, follow_redirects=False).status_code == 303
    own = client.get("/", headers=HTML).text
    assert "vera" in own and 'name="csrf_token"' in own and "Review status" in own
    assert "vera" not in public and 'name="csrf_token"' not in public
    client.cookies.clear()
    assert client.get("/", headers=HTML).text == public


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The SQL statements every engine runs meanwhile."""
    ran: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        ran.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    yield ran
    event.remove(Engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    "path", ["/", "/api/incidents", "/api/incidents?sort=-reports&per_page=2&page=2", "/api/stats"]
)
def test_a_kept_page_reads_the_store_once(client: TestClient, statements: list[str], path: str) -> None:
    """Served again while the store is unchanged, a page reads only the store's revision (once),
    not each of its queries' revision, nor the public views of the listed documents."""
    first = client.get(path, headers=HTML)
    statements.clear()
    again = client.get(path, headers=HTML)
    assert again.status_code == 200 and again.content == first.content
    if path.startswith("/api/incidents"):
        assert again.json()["items"], "a page with incidents"
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) == 1 and "query_state" in reads[0], reads


def test_the_dashboards_counts_of_a_status_read_indexes_alone(tmp_path: Any, statements: list[str]) -> None:
    """Computed afresh after a change (each server process once), the totals, the timeline and
    the type, country and region facets of the published incidents read no incident row
    (SQLite's plan: a covering index), nor does the count of a filter by type and country."""
    path = tmp_path / "otkaz.db"
    with Database(str(path)) as db:
        seed(db)
        statements.clear()
        published = IncidentQuery(statuses=("confirmed",))
        db.incident_totals(published)
        db.incident_days(published)
        db.incident_facets(published, ["type", "country", "region"])
        db.count_incidents(IncidentQuery(statuses=("confirmed",), types=("desertion",), countries=("RU",)))
    plans = {}
    with closing(sqlite3.connect(path)) as connection:
        for statement in statements:
            counts_incidents = "FROM incidents WHERE" in statement and "incident_reports" not in statement
            if statement.startswith("SELECT") and counts_incidents:
                # The plan does not depend on the values: any will do for the placeholders.
                values = ["x"] * statement.count("?")
                plans[statement] = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", values)]
    assert len(plans) == 6, plans
    for statement, plan in plans.items():
        searches = [step for step in plan if "incidents" in step]
        assert searches and all("COVERING INDEX" in step for step in searches), (statement, plan)
