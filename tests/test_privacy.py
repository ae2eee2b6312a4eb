"""The privacy findings of issue 11, each on its own: what the public, viewers and the public CLI
export must never show, and the audit of every reveal of names to analysts. The articles are
written for these tests; the people in them are invented."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

pytest.importorskip("fastapi")

from browser.seed import Article, Seeded, city, seed  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from otkaz.cli import cli  # noqa: E402
from otkaz.model import Count  # noqa: E402
from otkaz.publish.redaction import REVEAL  # noqa: E402
from otkaz.store import Database  # noqa: E402
from otkaz.web import Settings, create_app  # noqa: E402
from otkaz.web.auth import hash_password  # noqa: E402

pytestmark = pytest.mark.slow  # the NER models

HTML = {"accept": "text/html"}
KURSK = city("Kursk", 51.7373, 36.1874, "Kursk Oblast")
# The article sits on the server as a file: its id is that path, it has no title, outlet or URL.
FILE_ID = "/srv/otkaz/inbox/2023-05/kursk-court.txt"
TEXT = (
    "Mobilized soldier Pavel Sorokin refused to return to the front, his wife Marina told Kholod. "
    "Soldiers in Kuzmin's company backed him. The garrison court in Kursk sentenced Sorokin and "
    "Denis Lapin to two years in a penal colony.\n"
    "Zoya Orlova, a neighbour, said the men had been beaten before the trial."
)
ARTICLE = Article(
    FILE_ID,
    "",
    "",
    "2023-05-20",
    "en",
    TEXT,
    [
        Seeded(
            "combat_refusal",
            {
                "incident": [
                    "Mobilized soldier Pavel Sorokin refused to return to the front",
                    "Soldiers in Kuzmin's company backed him",
                    "The garrison court in Kursk sentenced Sorokin and Denis Lapin to two years in a penal colony",
                ],
                "people": ["Pavel Sorokin"],
                "cited": ["Marina", "Kholod"],
                "consequences": ["sentenced"],
            },
            ["mobilized"],
            Count(1, 1),
            KURSK,
            None,
            (date(2023, 5, 1), date(2023, 5, 19)),
            ["imprisonment"],
            ["Marina", "Kholod"],
            ["Pavel Sorokin"],
        )
    ],
)
# Every private person of the article, as the text writes them (the extractor recorded one).
PRIVATE = ("Sorokin", "Pavel", "Marina", "Kuzmin", "Lapin", "Denis", "Zoya", "Orlova")
PASSWORDS = {"vera": ("viewer", "viewer-password"), "anna": ("analyst", "analyst-password")}
HASHES = {name: hash_password(password) for name, (_role, password) in PASSWORDS.items()}


def names_in(text: str) -> list[str]:
    return [name for name in PRIVATE if re.search(rf"(?<!\w){name}(?!\w)", text)]


@pytest.fixture
def store(db: Database) -> Database:
    seed(db, [ARTICLE], confirmed=(FILE_ID,))
    for name, (role, _password) in PASSWORDS.items():
        db.add_user(name, role, HASHES[name], by="test")
    return db


@pytest.fixture
def app(store: Database) -> Any:
    return create_app(Settings(secret_key="test-secret"), db=store)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def sign_in(client: TestClient, name: str) -> TestClient:
    page = client.get("/login", headers=HTML)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    data = {"name": name, "password": PASSWORDS[name][1], "csrf_token": token, "next": "/"}
    assert client.post("/login", data=data, headers=HTML, follow_redirects=False).status_code == 303
    return client


def public_responses(client: TestClient, incident_id: str) -> dict[str, str]:
    paths = [
        "/",
        f"/incidents/{incident_id}",
        "/api/incidents",
        f"/api/incidents/{incident_id}",
        *(f"/export/incidents.{fmt}" for fmt in ("jsonl", "csv", "geojson", "acled")),
    ]
    shown = {}
    for path in paths:
        response = client.get(path, headers=HTML if not path.startswith(("/api", "/export")) else {})
        assert response.status_code == 200, path
        shown[path] = response.text if not path.startswith("/api") else json.dumps(response.json(), ensure_ascii=False)
    return shown


def the_incident(store: Database) -> str:
    [incident] = store.incidents()
    return incident.id


def test_cited_private_sources_appear_as_their_roles(client: TestClient, store: Database) -> None:
    """Finding: `cited` was never pseudonymized (a relative's first name in the API, pages, downloads)."""
    for path, text in public_responses(client, the_incident(store)).items():
        assert "Marina" not in text, path
    [item] = client.get("/api/incidents").json()["items"]
    assert item["cited"] == ["a relative", "Kholod"]


def test_names_the_extractor_did_not_record_are_hidden_in_quotes(client: TestClient, store: Database) -> None:
    """Finding: only the incident's recorded people were redacted; a surname in "soldiers in X's
    company" and a second man named in the court's sentence were shown."""
    for path, text in public_responses(client, the_incident(store)).items():
        assert names_in(text) == [], path
    [item] = client.get("/api/incidents").json()["items"]
    quotes = [e["quote"] for e in item["reports"][0]["evidence"] if e["field"] == "incident"]
    assert re.fullmatch(r"Soldiers in \[person \d+\]'s company backed him", quotes[1])
    sentence = re.fullmatch(
        r"The garrison court in Kursk sentenced (\[person \d+\]) and (\[person \d+\]) to two .*", quotes[2]
    )
    assert (
        sentence and sentence[1] != sentence[2] and sentence[1] in quotes[0]
    )  # two men, Sorokin as in the first quote


def test_public_search_cannot_tell_which_names_an_article_holds(client: TestClient) -> None:
    """Finding: the public search matched the hidden full text, names included, by substring."""
    for word in ("Lapin", "Kuzmin", "Zoya", "Orlov", "Marina"):
        assert client.get("/api/incidents", params={"q": word}).json()["total"] == 0, word
        assert "No incidents match" in client.get("/", params={"q": word}, headers=HTML).text, word
    assert client.get("/api/incidents", params={"q": "penal colony"}).json()["total"] == 1  # other words are found


def test_viewers_see_pseudonyms_in_full_texts_and_documents(client: TestClient, store: Database) -> None:
    """Finding: viewers, promised pseudonymized text, saw real names in full texts and /api/documents/{id}."""
    viewer = sign_in(client, "vera")
    page = viewer.get(f"/incidents/{the_incident(store)}", headers=HTML).text
    assert "Article text" in page and "[person 1]" in page
    assert names_in(page) == []
    document = viewer.get(f"/api/documents/{FILE_ID}").json()
    assert (
        document["text"].startswith("Mobilized soldier [person 1] refused")
        and names_in(json.dumps(document, ensure_ascii=False)) == []
    )
    # Offsets point into the text the viewer gets.
    for evidence in document["mentions"][0]["evidence"]:
        assert document["text"][evidence["start"] : evidence["end"]] == evidence["quote"]
    listing = viewer.get("/api/documents").json()
    assert names_in(json.dumps(listing, ensure_ascii=False)) == [] and listing["items"][0]["path"] is None


def test_titles_and_sources_are_never_local_paths(client: TestClient, store: Database) -> None:
    """Finding: public pages and the CSV `sources` column showed server file paths as titles."""
    for path, text in public_responses(client, the_incident(store)).items():
        assert "/srv/otkaz" not in text and "kursk-court" not in text, path
    [row] = csv.DictReader(io.StringIO(client.get("/export/incidents.csv").text))
    assert row["sources"] == "untitled article"  # no title, outlet or address: never the file's path


def export(store_url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["export", "--db", store_url, *args])


def test_cli_public_export_carries_no_private_name(store: Database, db_url: str, tmp_path: Path) -> None:
    """Finding: `otkaz export` without --include-names still carried private surnames in quotes."""
    for fmt in ("jsonl", "csv", "geojson", "acled"):
        result = export(db_url, "--format", fmt)
        assert result.exit_code == 0, result.output
        assert names_in(result.stdout) == [] and "/srv/otkaz" not in result.stdout, fmt
    assert export(db_url, "--format", "parquet", "-o", str(tmp_path / "public.parquet")).exit_code == 0
    table = json.dumps(pq.read_table(tmp_path / "public.parquet").to_pylist(), ensure_ascii=False, default=str)
    assert names_in(table) == []
    assert "Lapin" in export(db_url, "--include-names").stdout  # names only when asked for


def test_each_reveal_of_names_is_audited(app: Any, store: Database, db_url: str) -> None:
    """Only analysts and admins see names, and each time they do the audit log says who saw what."""
    incident_id = the_incident(store)
    with TestClient(app) as client:
        viewer = sign_in(client, "vera")
        viewer.get(f"/incidents/{incident_id}", headers=HTML)
        viewer.get(f"/api/documents/{FILE_ID}")
    assert [e for e in store.audit_log() if e.action == REVEAL] == []  # viewers see no names
    with TestClient(app) as client:
        analyst = sign_in(client, "anna")
        assert "Denis Lapin" in analyst.get(f"/incidents/{incident_id}", headers=HTML).text
        analyst.get(f"/api/incidents/{incident_id}")
        analyst.get(f"/api/documents/{FILE_ID}")
        analyst.get("/export/incidents.csv", params={"names": "true"})
        assert export(db_url, "--include-names").exit_code == 0
        reveals = [(e.user, e.object_type, e.object_id) for e in store.audit_log() if e.action == REVEAL]
        assert reveals[:4] == [
            ("anna", "incident", incident_id),
            ("anna", "incident", incident_id),
            ("anna", "document", FILE_ID),
            ("anna", "export", "incidents.csv?names=true"),
        ]
        assert reveals[4][1:] == ("export", "otkaz export --format jsonl")  # by the login name
        page = analyst.get(f"/incidents/{incident_id}", headers=HTML).text
        assert "Reveal" not in page and REVEAL not in page  # the history lists edits, not who looked
