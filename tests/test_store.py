"""The store on SQLite and, when OTKAZ_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event

from otkaz.model import (
    Aggregate,
    AuditEntry,
    Count,
    DateRange,
    Decision,
    Document,
    Evidence,
    ExtractionResult,
    Incident,
    IncidentMention,
    Place,
    Report,
)
from otkaz.store import AddResult, Database, DocumentState, StoreError, codec, database
from otkaz.store.database import masked, resolve_url
from otkaz.store.schema import metadata

TEXT = (
    "Two mobilized men from a village near Kursk refused to return to the front on 3 May. "
    "A criminal case was opened against them.\n\nOfficials said nothing."
)
RU_TEXT = "Мобилизованный из Тулы отказался ехать на фронт. Против него возбудили дело."


def make_document(doc_id: str = "news/a.txt", text: str = TEXT, **fields: str) -> Document:
    return Document(id=doc_id, text=text, **fields)


def quote(text: str, field: str, phrase: str) -> Evidence:
    start = text.index(phrase)
    return Evidence(field, phrase, start, start + len(phrase))


def full_mention(doc: Document) -> IncidentMention:
    """A mention with every field set, including a Place key and floats."""
    return IncidentMention(
        document_id=doc.id,
        type="combat_refusal",
        actors=["mobilized"],
        count=Count(2, 2),
        location=Place("Kursk", 51.7373, 36.1874, "Kursk Oblast", "RU", "city", "geonames:538560"),
        origin=Place("Kursk Oblast", None, None, "Kursk Oblast", "RU", "admin1", "admin1:RU.41"),
        date=DateRange(date(2023, 5, 3), date(2023, 5, 3)),
        date_inferred=True,
        consequences=["criminal_case"],
        cited=["officials"],
        people=["Ivan Petrov"],
        units=["1st Guards Tank Army"],
        confidence=0.8125,
        evidence=[
            quote(doc.text, "incident", "refused to return to the front"),
            quote(doc.text, "consequences", "A criminal case was opened"),
        ],
    )


def plain_mention(doc: Document, phrase: str, incident_type: str = "desertion") -> IncidentMention:
    return IncidentMention(
        document_id=doc.id,
        type=incident_type,
        evidence=[quote(doc.text, "incident", phrase)],
    )


def extraction(doc: Document, *mentions: IncidentMention, aggregates=()) -> ExtractionResult:
    return ExtractionResult(doc.id, "en", True, list(mentions), list(aggregates))


def make_incident(
    incident_id: str, *reports: Report, day: date | None, status: str = "unreviewed"
) -> Incident:
    return Incident(
        id=incident_id,
        type="combat_refusal",
        actors=["mobilized"],
        count=Count(2, None),
        location=None,
        origin=None,
        date=DateRange(day, day) if day else None,
        consequences=[],
        cited=[],
        people=[],
        confidence=0.5,
        reports=list(reports),
        status=status,
        merge_reasons=[
            {"rule": "same place and date", "mentions": [r.mention.key for r in reports]}
        ],
    )


def stored_report(db: Database, doc: Document, phrase: str) -> Report:
    db.add_document(doc)
    mention = plain_mention(doc, phrase)
    db.save_extraction(extraction(doc, mention), "v1")
    return Report(doc, mention)


# --- documents ---------------------------------------------------------------


def test_document_round_trip(db: Database) -> None:
    doc = Document(
        id="https://example.org/news/1",
        text=RU_TEXT,
        title="Отказ",
        url="https://example.org/news/1",
        path="feeds/news.xml",
        outlet="Example News",
        published="2023-05",
        lang="ru",
        source_format="feed",
    )
    assert db.add_document(doc) == AddResult(doc.id, created=True)
    assert db.get_document(doc.id) == doc
    assert list(db.documents()) == [doc]
    assert db.get_document("missing") is None


def test_same_content_under_another_id_is_a_duplicate(db: Database) -> None:
    db.add_document(make_document("a.txt"))
    reworded = "  " + TEXT.upper().replace(" ", "\n  ") + "\n"
    result = db.add_document(make_document("b.txt", reworded))
    assert result == AddResult("b.txt", created=False, duplicate_of="a.txt")
    assert [d.id for d in db.documents()] == ["a.txt"]


def test_re_adding_a_document_changes_nothing(db: Database) -> None:
    doc = make_document(published="2023-05-04")
    db.add_document(doc)
    db.save_extraction(extraction(doc, full_mention(doc)), "v1")
    assert db.add_document(make_document(published="2023-05-04")) == AddResult(
        doc.id, created=False
    )
    assert db.extraction_status() == {"pending": 0, "processed": 1, "not_processed": 0, "failed": 0}
    assert len(db.reports()) == 1


def test_same_id_with_new_content_replaces_it_and_resets_extraction(db: Database) -> None:
    doc = make_document(path="/news/a.txt")
    db.add_document(doc)
    db.save_extraction(extraction(doc, full_mention(doc)), "v1")
    new = make_document(text=RU_TEXT, title="Updated", lang="ru", path="/news/a.txt")
    result = db.add_document(new)
    assert result == AddResult(doc.id, created=False, replaced=True)
    assert db.get_document(doc.id) == new
    assert db.reports() == []
    assert db.extraction_status() == {"pending": 1, "processed": 0, "not_processed": 0, "failed": 0}
    assert db.documents_to_extract("v1") == [new]


def test_whitespace_change_under_same_id_replaces_text(db: Database) -> None:
    """Same normalized content, but evidence offsets point into the exact text."""
    db.add_document(make_document())
    respaced = make_document(text="\n" + TEXT)
    assert db.add_document(respaced).replaced
    assert db.get_document(respaced.id) == respaced


def test_documents_are_read_page_by_page(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "_PAGE_SIZE", 2)
    ids = [f"doc{n}" for n in range(5)]
    for doc_id in reversed(ids):
        db.add_document(make_document(doc_id, f"{TEXT} ({doc_id})"))
    assert [d.id for d in db.documents()] == ids


# --- extraction ----------------------------------------------------------------


def test_extraction_round_trip(db: Database) -> None:
    doc = make_document(published="2023-05-04", lang="en")
    db.add_document(doc)
    mention = full_mention(doc)
    second = plain_mention(doc, "Officials said nothing", "protest")
    aggregate = Aggregate(
        doc.id, "flight_abroad", Count(1000, None), [quote(doc.text, "count", "Two")]
    )
    db.save_extraction(extraction(doc, mention, second, aggregates=[aggregate]), "v1")
    assert db.reports() == [Report(doc, mention), Report(doc, second)]
    assert db.aggregates() == [aggregate]
    assert db.extraction_status() == {"pending": 0, "processed": 1, "not_processed": 0, "failed": 0}


def test_unprocessed_language_is_recorded(db: Database) -> None:
    doc = make_document(lang="de")
    db.add_document(doc)
    db.save_extraction(
        ExtractionResult(doc.id, "de", False, note="language 'de' is not processed"), "v1"
    )
    assert db.extraction_status() == {"pending": 0, "processed": 0, "not_processed": 1, "failed": 0}
    assert db.documents_to_extract("v1") == []
    assert db.documents_to_extract("v2") == [doc]


def test_documents_to_extract_by_version(db: Database) -> None:
    old, new, fresh = (make_document(f"{n}.txt", f"{TEXT} {n}") for n in ("old", "new", "fresh"))
    for doc in (old, new, fresh):
        db.add_document(doc)
    db.save_extraction(extraction(old), "v1")
    db.save_extraction(extraction(new), "v2")
    assert [d.id for d in db.documents_to_extract("v2")] == ["fresh.txt", "old.txt"]


def test_document_states(db: Database) -> None:
    done, foreign, waiting = (make_document(f"{n}.txt", f"{TEXT} {n}") for n in "abc")
    for doc in (done, foreign, waiting):
        db.add_document(doc)
    db.save_extraction(extraction(done, full_mention(done)), "v1")
    db.save_extraction(ExtractionResult(foreign.id, "de", False, note="not read"), "v1")
    assert db.document_states() == [
        DocumentState("a.txt", "processed", "v1", None, 1),
        DocumentState("b.txt", "not_processed", "v1", "not read", 0),
        DocumentState("c.txt", "pending", None, None, 0),
    ]


def test_save_extraction_replaces_mentions(db: Database) -> None:
    doc = make_document()
    db.add_document(doc)
    db.save_extraction(extraction(doc, full_mention(doc)), "v1")
    newer = plain_mention(doc, "Officials said nothing", "protest")
    db.save_extraction(extraction(doc, newer), "v2")
    assert db.reports() == [Report(doc, newer)]
    assert db.documents_to_extract("v2") == []


def test_failed_save_extraction_leaves_previous_extraction(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = make_document()
    db.add_document(doc)
    mention = full_mention(doc)
    db.save_extraction(extraction(doc, mention), "v1")

    def fail(*_args: object) -> None:
        raise RuntimeError("crash after the mentions were written")

    # Aggregates are written after the old mentions are deleted and the new ones inserted.
    monkeypatch.setattr(codec, "aggregate_row", fail)
    newer = plain_mention(doc, "Officials said nothing", "protest")
    aggregate = Aggregate(doc.id, "flight_abroad", Count(None, None))
    with pytest.raises(RuntimeError):
        db.save_extraction(extraction(doc, newer, aggregates=[aggregate]), "v2")
    assert db.reports() == [Report(doc, mention)]
    assert db.aggregates() == []
    assert [d.id for d in db.documents_to_extract("v2")] == [doc.id]


def test_save_extraction_rejects_bad_results(db: Database) -> None:
    doc = make_document()
    with pytest.raises(StoreError, match="not stored"):
        db.save_extraction(extraction(doc), "v1")
    db.add_document(doc)
    twice = plain_mention(doc, "refused to return")
    with pytest.raises(StoreError, match="share the key"):
        db.save_extraction(extraction(doc, twice, twice), "v1")
    stray = plain_mention(make_document("other.txt"), "refused to return")
    with pytest.raises(StoreError, match=r"of 'other\.txt'"):
        db.save_extraction(extraction(doc, stray), "v1")


# --- incidents, decisions, audit ---------------------------------------------------


def test_incidents_with_reports_by_date_then_id(db: Database) -> None:
    doc_a = make_document("a.txt")
    doc_b = make_document("b.txt", RU_TEXT, lang="ru")
    first = stored_report(db, doc_a, "refused to return")
    second = stored_report(db, doc_b, "отказался ехать на фронт")
    may = date(2023, 5, 3)
    incidents = [
        make_incident("undated", first, day=None),
        make_incident("z-early", second, first, day=date(2023, 4, 1)),
        make_incident("b-may", first, day=may),
        make_incident("a-may", second, day=may),
        make_incident("rejected", first, day=may, status="rejected"),
    ]
    db.replace_incidents(incidents)
    stored = db.incidents()
    assert [i.id for i in stored] == ["z-early", "a-may", "b-may", "undated"]
    assert stored[0] == incidents[1]
    assert stored[0].reports == [second, first]
    assert [i.id for i in db.incidents(include_rejected=True)][-2:] == ["rejected", "undated"]
    assert db.get_incident("b-may") == incidents[2]
    assert db.get_incident("missing") is None


def test_incidents_read_in_three_queries(db: Database) -> None:
    report = stored_report(db, make_document(), "refused to return")
    db.replace_incidents(
        [make_incident(f"i{n:02}", report, day=date(2023, 1, 1 + n)) for n in range(20)]
    )
    selects: list[str] = []

    def count(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db._engine, "before_cursor_execute", count)
    assert len(db.incidents()) == 20
    assert len(selects) == 3


def test_replace_incidents_keeps_decisions_and_audit_log(db: Database) -> None:
    report = stored_report(db, make_document(), "refused to return")
    db.replace_incidents([make_incident("old", report, day=None)])
    db.add_decision(Decision("confirm", "old", user="analyst"))
    db.audit(AuditEntry("admin", "login", "user", "admin"))
    db.replace_incidents([make_incident("new", report, day=None)])
    assert [i.id for i in db.incidents()] == ["new"]
    assert [(d.kind, d.incident_id) for d in db.decisions()] == [("confirm", "old")]
    assert [e.action for e in db.audit_log()] == ["confirm", "login"]
    db.replace_incidents([])
    assert db.incidents() == []
    assert len(db.decisions()) == 1


def test_replace_incidents_rejects_unknown_mentions(db: Database) -> None:
    doc = make_document()
    db.add_document(doc)
    unsaved = Report(doc, plain_mention(doc, "refused to return"))
    with pytest.raises(StoreError, match="not a stored mention"):
        db.replace_incidents([make_incident("i1", unsaved, day=None)])
    report = stored_report(db, doc, "refused to return")
    with pytest.raises(StoreError, match="appears twice"):
        db.replace_incidents([make_incident("i1", report, day=None)] * 2)


def test_add_decision_is_audited(db: Database) -> None:
    report = stored_report(db, make_document(), "refused to return")
    db.replace_incidents([make_incident("i1", report, day=date(2023, 5, 3))])
    decision = Decision("correct", "i1", user="analyst", payload={"count": {"min": 3, "max": 3}})
    stored = db.add_decision(decision)
    assert stored.id is not None and stored.created_at
    assert db.decisions() == [stored]
    [entry] = db.audit_log("i1")
    assert (entry.user, entry.action, entry.object_type) == ("analyst", "correct", "incident")
    assert entry.before["count"] == {"min": 2, "max": None}
    assert entry.after["payload"] == {"count": {"min": 3, "max": 3}}
    assert entry.at
    assert db.audit_log("other") == []
    with pytest.raises(StoreError, match="kind: 'approve' is not one of"):
        db.add_decision(Decision("approve", "i1", user="analyst"))


def test_audit_entries_round_trip(db: Database) -> None:
    db.audit(
        AuditEntry(
            "admin", "set_role", "user", "bob", before={"role": "viewer"}, after={"role": "editor"}
        )
    )
    [entry] = db.audit_log()
    assert (entry.before, entry.after, entry.object_id) == (
        {"role": "viewer"},
        {"role": "editor"},
        "bob",
    )
    assert entry.id is not None


# --- schema and opening ---------------------------------------------------------------


def test_migrations_build_the_models(db: Database) -> None:
    with db._engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_reopening_keeps_data(db_url: str) -> None:
    with Database(db_url) as first:
        first.add_document(make_document())
    with Database(db_url) as second:
        assert [d.id for d in second.documents()] == ["news/a.txt"]


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    Database(str(tmp_path / "x.db")).close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "otkaz.db"
    with pytest.raises(StoreError, match=r"folder '.*no-such-folder' does not exist"):
        Database(str(path))
    assert not path.parent.exists()


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some notes, not SQLite\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.db: file is not a database"):
        Database(str(path))


def test_unreachable_postgres_is_a_clear_error() -> None:
    url = "postgresql+psycopg://otkaz:s3cret@127.0.0.1:9/otkaz"  # port 9: nobody listens
    with pytest.raises(StoreError) as caught:
        Database(url)
    message = str(caught.value)
    assert message.startswith(
        "cannot open database postgresql+psycopg://otkaz:***@127.0.0.1:9/otkaz: "
    )
    assert "s3cret" not in message and "\n" not in message


def test_unsupported_database_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        Database("mysql://root:pw@localhost/otkaz")


def test_malformed_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError) as caught:
        Database("postgresql://otkaz:s3cret@db:port/otkaz")
    assert str(caught.value) == (
        "cannot open database postgresql://otkaz:***@db:port/otkaz: not a valid database URL"
    )


def test_urls_and_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTKAZ_DATABASE_URL", raising=False)
    assert str(resolve_url(None)) == "sqlite:///otkaz.db"
    assert str(resolve_url("data/x.db")) == "sqlite:///data/x.db"
    assert masked(resolve_url("postgresql://u:p@h/db")) == "postgresql+psycopg://u:***@h/db"
    monkeypatch.setenv("OTKAZ_DATABASE_URL", "sqlite:///from-env.db")
    assert str(resolve_url(None)) == "sqlite:///from-env.db"


# --- batches (a firehose stores and saves thousands of documents) ---------------------------


def _statements(db: Database) -> list[str]:
    executed: list[str] = []
    event.listen(db._engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: executed.append(statement))
    return executed


def test_a_batch_of_new_documents_is_stored_in_a_few_statements(db: Database) -> None:
    # Before: five statements per document (two lookups, a counter, two inserts).
    db.add_document(make_document("stored", "A text stored before."))
    batch = [make_document(f"new-{n:03}", f"News item number {n}.") for n in range(300)]
    batch += [make_document("same-text", "News item   number 7."), make_document("stored", "A text stored before."),
              make_document("same-as-stored", "A text  stored before.")]
    executed = _statements(db)
    added = db.add_documents(batch)
    assert len(executed) <= 8
    assert all(result.created for result in added[:300])
    assert added[300:] == [AddResult("same-text", created=False, duplicate_of="new-007"),
                           AddResult("stored", created=False),
                           AddResult("same-as-stored", created=False, duplicate_of="stored")]
    assert db.get_document("new-299") == batch[299]
    assert db.count_documents() == 301


def test_a_batch_replacing_a_stored_text_is_stored_in_order(db: Database) -> None:
    db.add_document(make_document("a", "Old text.", url="https://example.org/a"))
    added = db.add_documents([
        make_document("a", "New text.", url="https://example.org/a"),
        make_document("b", "Old text."),  # the text "a" held before this batch: no longer stored
    ])
    assert added == [AddResult("a", created=False, replaced=True), AddResult("b", created=True)]


def test_a_batch_of_extractions_is_saved_in_a_few_statements(db: Database) -> None:
    # Before: eight statements per result (two counters, four deletes, an insert, an update).
    docs = [make_document(f"doc-{n:03}", f"{TEXT} ({n})") for n in range(300)]
    db.add_documents(docs)
    results = [extraction(doc) for doc in docs]
    results[5] = extraction(docs[5], plain_mention(docs[5], "refused to return"))
    results[6] = ExtractionResult(docs[6].id, "xx", False, note="language 'xx' is not processed")
    executed = _statements(db)
    assert db.save_extractions(results, "v1") == {}
    assert len(executed) <= 12
    assert [m.evidence[0].quote for m in db.document_mentions("doc-005")] == ["refused to return"]
    states = {state.document_id: state for state in db.document_states()}
    assert states["doc-006"].status == "not_processed"
    assert states["doc-006"].note == "language 'xx' is not processed"
    assert {states[doc.id].status for doc in docs[7:]} == {"processed"}
    assert {states[doc.id].extractor_version for doc in docs} == {"v1"}
    db.save_extractions([extraction(docs[5])], "v2")  # saved again: the old mention goes
    assert db.document_mentions("doc-005") == []
