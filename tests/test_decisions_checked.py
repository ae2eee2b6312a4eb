"""Analysts' decisions are checked against the codebook before they are stored, and a store that
already holds a bad one (stored by an older version) still runs: the decision is reported and skipped."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from browser.seed import incident_of, seed
from click.testing import CliRunner
from sqlalchemy import create_engine, insert

from otkaz import pipeline
from otkaz.cli import cli
from otkaz.codebook import MAX_COUNT, MAX_NOTE_LENGTH, CodebookError, check_correction, check_decision
from otkaz.merge import attach_mention_keys
from otkaz.model import Count, Decision
from otkaz.store import Database, StoreError
from otkaz.store.schema import decisions

UNREVIEWED = "seed/en-nizhny.txt"
BELGOROD = "seed/en-belgorod.txt"
TOMORROW = datetime.now(UTC).date() + timedelta(days=1)


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"count": {"min": 10**30}}, "count", "a number of more than 19 digits is more than 1000000 people"),
        ({"count": {"min": MAX_COUNT + 1, "max": None}}, "count", "is more than 1000000 people"),
        ({"count": {"min": -1}}, "count", "-1 is not a whole number"),
        ({"count": {"min": True}}, "count", "True is not a whole number"),
        ({"count": {"min": 2.5}}, "count", "2.5 is not a whole number"),
        ({"count": {"min": 1, "most": 3}}, "count", "unknown key 'most'"),
        ({"count": [1, 2]}, "count", "expected"),
        ({"type": "mutiny"}, "type", "'mutiny' is not one of"),
        ({"actors": ["pirates"]}, "actors", "'pirates' is not one of"),
        ({"actors": "mobilized"}, "actors", "expected a list"),
        ({"consequences": [None]}, "consequences", "None is not one of"),
        ({"date": {"start": "2023-05-31", "end": "2023-05-01"}}, "date", "the end 2023-05-01 is before the start"),
        ({"date": {"start": "0001-01-01", "end": "2023-05-01"}}, "date", "0001-01-01 is not between 2014-01-01"),
        ({"date": {"start": "2023-05-01", "end": "9999-12-31"}}, "date", "9999-12-31 is not between"),
        ({"date": {"start": "20230501", "end": "20230502"}}, "date", "'20230501' is not an ISO date"),
        ({"date": {"start": "2023-02-30", "end": "2023-03-01"}}, "date", "not a day of the calendar"),
        ({"date": {"start": "2023-05-01"}}, "date", "None is not an ISO date"),
        ({"location": {"name": "X", "lat": 95, "lon": 10}}, "location", "latitude 95 is not between -90 and 90"),
        ({"location": {"name": "X", "lat": 50, "lon": 190}}, "location", "longitude 190"),
        ({"location": {"name": "X", "lat": True, "lon": 10}}, "location", "latitude True is not a number"),
        ({"location": {"name": "X", "lat": 50}}, "location", "give both latitude and longitude"),
        ({"location": {"name": "X", "country": "РФ"}}, "location", "country 'РФ' is not a two-letter ISO code"),
        ({"origin": {"name": "X", "precision": "street"}}, "origin", "precision 'street' is not one of"),
        ({"origin": {"name": " "}}, "origin", "expected a non-empty text"),
        ({"origin": {"name": "X", "admin1": ["a"]}}, "origin", "expected a non-empty text"),
        ({"origin": {"name": "X", "altitude": 3}}, "origin", "unknown key 'altitude'"),
        ({"origin": {"name": "X" * 201}}, "origin", "201 characters, more than the 200 allowed"),
        ({"cited": ["ok", "x" * 201]}, "cited", "201 characters"),
        ({"cited": ["=cmd\x00"]}, "cited", "holds a control character"),
        ({"people": ["\ud800"]}, "people", "not valid Unicode text"),
        ({"people": ["a"] * 101}, "people", "101 items, more than the 100 allowed"),
        ({"type": "protest", "note": "n" * (MAX_NOTE_LENGTH + 1)}, "note", "2001 characters, more than the 2000 allowed"),
        ({"type": "protest", "note": {"text": "why"}}, "note", "expected a non-empty text"),
        ({"colour": "red"}, "payload", "unknown field 'colour'"),
        ({"confidence": 1.0}, "payload", "unknown field 'confidence'"),
        ({}, "payload", "expected an object of corrected fields"),
        ({"note": "only a note"}, "payload", "nothing to correct"),
    ],
)
def test_every_field_of_a_correction_is_checked(payload: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(CodebookError) as refused:
        check_correction(payload)
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ") and reason in str(refused.value)
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 300


def test_good_corrections_are_normalized() -> None:
    checked = check_correction(
        {
            "count": {"min": 3, "max": None},
            "date": {"start": "2022-09-21", "end": TOMORROW.isoformat()},
            "location": {"name": " Tver ", "lat": 56, "lon": 35.9, "country": "ru"},
            "cited": ["Mediazona", "Mediazona", " ASTRA "],
            "note": "  two sources agree\nchecked  ",
        }
    )
    assert checked == {
        "count": {"min": 3, "max": None},
        "date": {"start": "2022-09-21", "end": TOMORROW.isoformat()},
        "location": {"name": "Tver", "lat": 56.0, "lon": 35.9, "admin1": None, "country": "RU",
                     "precision": "city", "key": None},
        "cited": ["Mediazona", "ASTRA"],
        "note": "two sources agree\nchecked",
    }


def test_every_decision_kind_is_checked() -> None:
    assert check_decision(Decision("confirm", "inc-1", "anna", payload={"note": " ok "})).payload == {"note": "ok"}
    with pytest.raises(CodebookError, match="kind: 'approve' is not one of"):
        check_decision(Decision("approve", "inc-1", "anna"))
    with pytest.raises(CodebookError, match="payload: unknown field 'count' for a confirm"):
        check_decision(Decision("confirm", "inc-1", "anna", payload={"count": {"min": 1}}))
    with pytest.raises(CodebookError, match="note: 2001 characters"):
        check_decision(Decision("merge", "inc-1", "anna", other_ids=["inc-2"], payload={"note": "n" * 2001}))
    with pytest.raises(CodebookError, match="other_ids: expected a non-empty text"):
        check_decision(Decision("merge", "inc-1", "anna", other_ids=[7]))
    with pytest.raises(CodebookError, match="mention_keys: expected"):
        check_decision(Decision("reject", "inc-1", "anna", payload={"mention_keys": ["k"]}))
    with pytest.raises(CodebookError, match="user: 201 characters"):
        check_decision(Decision("reject", "inc-1", "u" * 201))


def test_the_store_refuses_a_bad_decision(db: Database) -> None:
    seed(db)
    incident = incident_of(db, UNREVIEWED)
    before = db.decisions()
    bad = attach_mention_keys(Decision("correct", incident.id, "anna", payload={"count": {"min": 10**30}}),
                              db.get_incident)
    with pytest.raises(StoreError, match="count: a number of more than 19 digits is more than 1000000 people"):
        db.add_decision(bad)
    assert db.decisions() == before
    pipeline.merge_all(db)  # nothing bad was stored: merging goes on


def store_as_an_older_version_did(db_url: str, decision: Decision) -> None:
    """The decision written as it is, unchecked, as otkaz stored decisions before they were checked."""
    engine = create_engine(db_url if "://" in db_url else f"sqlite:///{db_url}")
    with engine.begin() as conn:
        conn.execute(insert(decisions).values(
            kind=decision.kind, incident_id=decision.incident_id, other_ids=decision.other_ids,
            payload=decision.payload, user=decision.user, created_at="2024-01-01T00:00:00+00:00"))
    engine.dispose()


BAD_PAYLOADS = [
    {"count": {"min": 10**30}},  # OverflowError when the incidents were stored
    {"date": {"start": "2023-05-31", "end": "2023-05-01"}},  # ValueError while merging
    {"location": "Tver"},  # TypeError while merging
    {"type": "mutiny", "note": "x" * 5000},
]


@pytest.mark.parametrize("payload", BAD_PAYLOADS)
def test_a_store_holding_a_bad_decision_still_merges(
    db: Database, db_url: str, payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Failed before the fix: merge_all raised (OverflowError, ValueError, TypeError) on every run."""
    seed(db)
    incident = incident_of(db, UNREVIEWED)
    bad = attach_mention_keys(Decision("correct", incident.id, "anna", payload=payload), db.get_incident)
    store_as_an_older_version_did(db_url, bad)
    bad_id = db.decisions()[-1].id
    later = attach_mention_keys(Decision("correct", incident.id, "anna", payload={"count": {"min": 7, "max": 7}}),
                                db.get_incident)
    db.add_decision(later)  # decisions made after the bad one still apply
    with caplog.at_level(logging.WARNING, logger="otkaz"):
        assert pipeline.merge_all(db) == len(db.incidents())
    [warning] = [r.getMessage() for r in caplog.records if r.name == "otkaz.pipeline"]
    assert warning.startswith(f"decision {bad_id} (correct of '{incident.id}'): ") and warning.endswith(": skipped")
    assert db.get_incident(incident.id).count == Count(7, 7)


def test_otkaz_run_reports_a_bad_stored_decision_and_goes_on(tmp_path: Any) -> None:
    """Failed before the fix: every later `otkaz run` ended in an OverflowError traceback."""
    path = str(tmp_path / "otkaz.db")
    with Database(path) as db:
        seed(db)
        incident = incident_of(db, UNREVIEWED)
        bad = attach_mention_keys(Decision("correct", incident.id, "anna", payload={"count": {"min": 10**30}}),
                                  db.get_incident)
    store_as_an_older_version_did(path, bad)
    with Database(path) as db:
        bad_id = db.decisions()[-1].id
    empty = tmp_path / "nothing-new"
    empty.mkdir()
    (empty / "note.txt").write_text("Nothing about the war here: a note on the weather.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(empty), "--db", path])
    assert result.exit_code == 0, result.output
    assert (f"otkaz: decision {bad_id} (correct of '{incident.id}'): "
            "count: a number of more than 19 digits is more than 1000000 people: skipped") in result.stderr
    assert "Traceback" not in result.output


def test_cli_decisions_are_checked(tmp_path: Any) -> None:
    path = str(tmp_path / "otkaz.db")
    with Database(path) as db:
        seed(db)
        merged = incident_of(db, BELGOROD)
        other = incident_of(db, UNREVIEWED)
        seeded = db.decisions()
    long_note = "n" * (MAX_NOTE_LENGTH + 1)
    refused = CliRunner().invoke(cli, ["merge", merged.id, other.id, "--note", long_note, "--db", path])
    assert refused.exit_code == 1
    assert refused.stderr == "otkaz: note: 2001 characters, more than the 2000 allowed\n"
    split = CliRunner().invoke(cli, ["split", merged.id, "--user", "u" * 300, "--db", path])
    assert split.exit_code == 1 and split.stderr.startswith("otkaz: user: 300 characters")
    with Database(path) as db:
        assert db.decisions() == seeded
