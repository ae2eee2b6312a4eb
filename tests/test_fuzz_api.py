"""Fuzzed request bodies (Hypothesis) for every endpoint of the web application that takes a JSON
body or a form: whatever arrives, the answer is never a server error, and a refusal is a 4xx whose
detail names the problem on one line. The store behind it is real (SQLite, and PostgreSQL)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from browser.seed import seed
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otkaz.codebook import CORRECTABLE_FIELDS
from otkaz.model import ACTORS, CONSEQUENCES, DECISION_KINDS, INCIDENT_TYPES, PRECISIONS, Place
from otkaz.store import Database
from otkaz.web import Settings, auth, create_app

# Bodies per endpoint and store: 300 by default; .ci/run sets 1000 (SQLite and PostgreSQL: 2000 an endpoint).
EXAMPLES = int(os.environ.get("OTKAZ_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same bodies on every run: CI stays reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Accounts get cheap argon2 hashes here: verifying is the same code, only faster.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "fuzz-password-1"
TVER = Place("Tver", 56.8587, 35.9176, "Tver Oblast", "RU", "city", key="geonames:480060")

# --- strategies ---------------------------------------------------------------------

texts = st.text(max_size=30) | st.sampled_from(["", " ", "\x00", "\ud800", "=1+1", "a" * 3000, "١٢", "²", "9" * 5000])
numbers = st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([10**30, -1, 0, 2**63])
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
days = st.dates().map(str) | texts
labels = st.sampled_from([*INCIDENT_TYPES, *ACTORS, *CONSEQUENCES]) | texts
field_values = st.one_of(
    json_values,
    labels,
    st.lists(labels, max_size=5),
    st.fixed_dictionaries({}, optional={"min": numbers | st.none() | texts, "max": numbers | st.none()}),
    st.fixed_dictionaries({}, optional={"start": days, "end": days}),
    st.fixed_dictionaries(
        {"name": texts},
        optional={"lat": numbers | texts, "lon": numbers, "country": texts, "precision": st.sampled_from(PRECISIONS) | texts,
                  "admin1": texts | st.none(), "key": json_values},
    ),
)
payloads = st.dictionaries(
    st.sampled_from([*CORRECTABLE_FIELDS, "note", "mention_keys", "confidence"]) | texts, field_values, max_size=4
)


def decision_bodies(incident_ids: list[str]) -> st.SearchStrategy[Any]:
    ids = st.sampled_from(incident_ids) | texts
    shaped = st.fixed_dictionaries(
        {"kind": st.sampled_from(DECISION_KINDS) | json_values},
        optional={"payload": payloads | json_values, "other_ids": st.lists(ids, max_size=3) | json_values},
    )
    return shaped | json_values


FORM_FIELDS = [
    "type", "actors", "count_min", "count_max", "location", "location_lat", "location_lon", "location_country",
    "location_admin1", "location_precision", "location_key", "origin", "origin_lat", "origin_lon", "date_start",
    "date_end", "consequences", "cited", "people", "note", "other", "report", "next",
]  # fmt: skip
form_values = texts | st.integers().map(str) | st.floats().map(str) | st.dates().map(str) | labels


def forms(names: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Form fields as a browser sends them: names may repeat (multiple selects)."""
    return st.lists(st.tuples(st.sampled_from(names) | texts, form_values), max_size=12)


# --- the application --------------------------------------------------------------------


class RecordingJobs:
    """Ingest jobs accepted but not run: the fuzz is about reading the request, not about extraction."""

    def __init__(self) -> None:
        self.submitted: list[list[str]] = []

    def submit(self, user: str, inputs: list[str], work: Any) -> Any:
        self.submitted.append(inputs)
        return type("Job", (), {"id": f"job{len(self.submitted)}"})()

    def recent(self) -> list[Any]:
        return []


@pytest.fixture
def app(db: Database, monkeypatch: pytest.MonkeyPatch) -> Any:
    seed(db)
    cheap = CHEAP.hash(PASSWORD)
    for name, role in (("anna", "analyst"), ("vera", "viewer")):
        db.add_user(name, role, cheap, by="test")
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap)
    application = create_app(Settings(secret_key="fuzz", login_max_failures=10**9, login_account_max_failures=10**9),
                             db=db)
    application.state.place_lookup = lambda name: TVER if name == "Tver" else None
    application.state.jobs = RecordingJobs()
    return application


def signed_in(app: Any, name: str = "anna") -> Iterator[tuple[TestClient, str]]:
    with TestClient(app) as client:
        client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf_of(client)})
        page = client.get("/account", headers={"accept": "text/html"}).text
        yield client, re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


@pytest.fixture
def analyst(app: Any) -> Iterator[tuple[TestClient, str]]:
    yield from signed_in(app)


def assert_answered(response: Any) -> None:
    """No server error; a refusal carries a one-line reason."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400 and response.headers["content-type"].startswith("application/json"):
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail.strip() and "\n" not in detail, detail


FORM = {"content-type": "application/x-www-form-urlencoded"}


def form_body(fields: list[tuple[str, str]], csrf: str) -> bytes:
    """URL-encoded as a browser sends a form, with the CSRF token; a lone surrogate goes as the
    invalid UTF-8 bytes it stands for (a malformed client may send those)."""
    pairs = [*((name, value) for name, value in fields if name != "csrf_token"), ("csrf_token", csrf)]
    raw = (lambda text: quote(text.encode("utf-8", "surrogatepass")))
    return "&".join(f"{raw(name)}={raw(value)}" for name, value in pairs).encode("ascii")


def multipart_fields(fields: list[tuple[str, str]], csrf: str) -> dict[str, list[str]]:
    """The same fields for a multipart form (valid UTF-8 only: the client library encodes them)."""
    data: dict[str, list[str]] = {"csrf_token": [csrf]}
    for name, value in fields:
        if name != "csrf_token":
            clean = (lambda text: text.encode("utf-8", "replace").decode("utf-8"))
            data.setdefault(clean(name), []).append(clean(value))
    return data


# --- the endpoints ----------------------------------------------------------------------------


def test_decisions_api_answers_every_body(app: Any, analyst: tuple[TestClient, str], db: Database) -> None:
    client, csrf = analyst
    ids = [incident.id for incident in db.incidents()]

    @FUZZ
    @given(incident_id=st.sampled_from(ids), body=decision_bodies(ids), raw=st.none() | st.binary(max_size=40))
    def post(incident_id: str, body: Any, raw: bytes | None) -> None:
        content = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        response = client.post(f"/api/incidents/{incident_id}/decisions", content=content,
                               headers={"content-type": "application/json", "x-csrf-token": csrf})
        assert_answered(response)
        if response.status_code == 422:
            assert re.match(r"[\w.]+: ", response.json()["detail"]) or "JSON" in response.json()["detail"]

    post()
    for decision in db.decisions():  # what was accepted is what the codebook allows
        assert decision.kind in DECISION_KINDS


def test_review_forms_answer_every_body(app: Any, analyst: tuple[TestClient, str], db: Database) -> None:
    client, csrf = analyst
    ids = [incident.id for incident in db.incidents()]

    @FUZZ
    @given(incident_id=st.sampled_from(ids), kind=st.sampled_from(DECISION_KINDS), fields=forms(FORM_FIELDS))
    def post(incident_id: str, kind: str, fields: list[tuple[str, str]]) -> None:
        response = client.post(f"/incidents/{incident_id}/{kind}", content=form_body(fields, csrf), headers=FORM,
                               follow_redirects=False)
        assert_answered(response)

    post()


def csrf_of(client: TestClient) -> str:
    page = client.get("/login", headers={"accept": "text/html"}).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def test_sign_in_answers_every_body(app: Any) -> None:
    with TestClient(app) as client:

        @FUZZ
        @given(fields=forms(["name", "password", "next"]), real=st.booleans())
        def post(fields: list[tuple[str, str]], real: bool) -> None:
            if real:  # some bodies sign in for real (then sign out again)
                fields = [("name", "anna"), ("password", PASSWORD), *fields]
            response = client.post("/login", content=form_body(fields, csrf_of(client)), headers=FORM,
                                   follow_redirects=False)
            assert_answered(response)
            if response.status_code == 303:
                target = response.headers["location"]
                assert target.startswith("/") and not target.startswith("//")
                client.post("/logout", data={"csrf_token": csrf_of(client)})

        post()


def test_account_forms_answer_every_body(app: Any, db: Database) -> None:
    for client, csrf in signed_in(app, "vera"):

        @FUZZ
        @given(path=st.sampled_from(["/account/password", "/account/token"]), fields=forms(["current", "new"]))
        def post(path: str, fields: list[tuple[str, str]]) -> None:
            assert_answered(client.post(path, content=form_body(fields, csrf), headers=FORM))

        post()
    assert db.get_user("vera") is not None


def test_ingest_form_answers_every_body(app: Any, analyst: tuple[TestClient, str]) -> None:
    client, csrf = analyst

    @FUZZ
    @given(fields=forms(["published", "lang", "outlet", "urls", "text"]),
           files=st.lists(st.tuples(texts, st.binary(max_size=50)), max_size=2))
    def post(fields: list[tuple[str, str]], files: list[tuple[str, bytes]]) -> None:
        uploads = [("files", (name.encode("utf-8", "replace").decode("utf-8"), content)) for name, content in files]
        if uploads:
            response = client.post("/ingest", data=multipart_fields(fields, csrf), files=uploads, follow_redirects=False)
        else:
            response = client.post("/ingest", content=form_body(fields, csrf), headers=FORM, follow_redirects=False)
        assert_answered(response)

    post()


# --- what the fuzz found, kept as plain tests ------------------------------------------------------


def test_a_nul_character_in_an_id_or_a_name_is_a_4xx(app: Any, analyst: tuple[TestClient, str]) -> None:
    """Failed before the fix on PostgreSQL (500: text fields cannot contain NUL bytes)."""
    client, csrf = analyst
    assert client.get("/api/incidents/inc-%00").status_code == 404
    assert client.get("/api/documents/seed%00").status_code == 404
    some_id = client.get("/api/incidents").json()["items"][0]["id"]
    merge = client.post(f"/api/incidents/{some_id}/decisions", json={"kind": "merge", "other_ids": ["\x00"]},
                        headers={"x-csrf-token": csrf})
    assert merge.status_code == 422 and merge.json()["detail"].startswith("other_ids: merge: no incident")
    with TestClient(app) as stranger:
        signed = stranger.post("/login", content=form_body([("name", "an\x00na"), ("password", "x")],
                                                           csrf_of(stranger)), headers=FORM)
        assert signed.status_code == 401


def test_an_upload_with_a_long_or_strange_name_is_saved(app: Any, analyst: tuple[TestClient, str]) -> None:
    """Failed before the fix: a name over the file system's limit gave a 500 (OSError)."""
    client, csrf = analyst
    names = ["a" * 300 + ".txt", "bad\u200bname\u2028.txt", "..", "ок\u202e.html"]
    for name in names:
        response = client.post("/ingest", data={"csrf_token": csrf}, files=[("files", (name, b"Soldiers refused."))],
                               follow_redirects=False)
        assert response.status_code == 303, response.text
    saved = [inputs[0].split("/")[-1] for inputs in app.state.jobs.submitted]
    assert saved == ["a" * 56 + ".txt", "bad_name_.txt", "upload", "ок_.html"]


def test_request_errors_are_one_line_naming_the_field(analyst: tuple[TestClient, str]) -> None:
    """Failed before the fix: FastAPI's own refusals carried a list of errors, not a line."""
    client, csrf = analyst
    some_id = client.get("/api/incidents").json()["items"][0]["id"]
    for body, detail in (({}, "kind: Field required"), ({"kind": "confirm", "payload": [1]}, "payload: "),
                         ({"kind": "confirm", "other_ids": "x"}, "other_ids: ")):
        response = client.post(f"/api/incidents/{some_id}/decisions", json=body, headers={"x-csrf-token": csrf})
        assert response.status_code == 422 and response.json()["detail"].startswith(detail), response.text
    broken = client.post(f"/api/incidents/{some_id}/decisions", content=b"{not json",
                         headers={"x-csrf-token": csrf, "content-type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]
