"""The store and the pipeline under faults: documents the extractor fails on, over-long texts,
removing documents, concurrent merges, reproducible output, moved incident ids.

``db`` and ``db_url`` are the fixtures of conftest.py (SQLite, and PostgreSQL when configured);
``fake_extractor`` is the fast stand-in of tests/test_pipeline.py. The articles here are
written for these tests.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from otkaz import pipeline
from otkaz.cli import cli
from otkaz.ingest import IngestOptions
from otkaz.model import Decision, Document, ExtractionResult
from otkaz.store import Database
from test_pipeline import FAKE_VERSION, fake_extract_many, fake_extractor  # noqa: F401  (a fixture)

DESERTION = """URL: https://example.org/news/deserter
TITLE: A deserter from Tambov
PUBLISHED: {published}
LANG: en
---
A deserter from Tambov

Two mobilized soldiers from Tambov deserted from their unit near Belgorod on Sunday, a relative told reporters.
"""

PROTEST = """URL: https://example.org/news/protest
TITLE: Wives protest in Kazan
PUBLISHED: 2023-03-02
LANG: en
---
Wives protest in Kazan

About forty wives of mobilized men held a protest outside the regional government in Kazan on Monday.
"""


def otkaz(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def statuses(db: Database) -> dict[str, tuple[str, str | None]]:
    return {state.document_id: (state.status, state.note) for state in db.document_states()}


# --- a document the extractor fails on ------------------------------------------------------


def failing_on(marker: str):
    """The fake extractor, raising as a buggy extractor would on any batch holding ``marker``."""

    def extract_many(documents: Iterable[Document]) -> Iterator[ExtractionResult]:
        documents = list(documents)
        if any(marker in document.text for document in documents):
            raise OverflowError("date value out of range")
        return fake_extract_many(documents)

    return extract_many


def test_a_document_the_extractor_fails_on_is_marked_failed_and_skipped(
    fake_extractor: None, tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Two soldiers deserted from Belgorod.", encoding="utf-8")
    (folder / "b.txt").write_text("The poison pill: three soldiers deserted.", encoding="utf-8")
    (folder / "c.txt").write_text("Ten more soldiers deserted in spring.", encoding="utf-8")
    monkeypatch.setattr(sys.modules["otkaz.extract"], "extract_many", failing_on("poison"))

    summary = pipeline.run(db, [str(folder)], IngestOptions(lang="en"))

    bad = str(folder / "b.txt")
    assert (summary.extracted, summary.extraction_failed) == (2, 1)
    assert [(f.input, f.reason) for f in summary.failures] == [
        (bad, "extraction failed: OverflowError: date value out of range")
    ]
    assert summary.incidents == 2  # the others went on to merging
    assert statuses(db)[bad] == ("failed", "extraction failed: OverflowError: date value out of range")
    # Skipped from now on: the next run has nothing to extract and nothing fails.
    assert db.documents_to_extract(FAKE_VERSION) == []
    again = pipeline.run(db, [str(folder)], IngestOptions(lang="en"))
    assert (again.extracted, again.extraction_failed, again.failures) == (0, 0, [])
    # Tried again when everything is re-extracted (say, after a fix).
    monkeypatch.setattr(sys.modules["otkaz.extract"], "extract_many", fake_extract_many)
    assert pipeline.extract_pending(db, all_documents=True).extracted == 3
    assert statuses(db)[bad] == ("processed", None)


@pytest.mark.slow
def test_a_year_one_publication_date_is_read_as_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """0001-01-01 (Go's zero time, which feeds write for "none") once ended every later run in
    a traceback; then it failed its document. It is no date: the document is read as undated."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a-zero-date.txt").write_text(DESERTION.format(published="0001-01-01"), encoding="utf-8")
    (tmp_path / "articles" / "b-protest.txt").write_text(PROTEST, encoding="utf-8")

    first = otkaz("run", "--db", "s.db", "articles")

    assert first.exit_code == 0 and first.stderr == "", first.output
    # A file's document id is its resolved absolute path.
    rows = {Path(row["id"]).name: row for row in json.loads(otkaz("documents", "--db", "s.db", "--json").stdout)}
    zero = rows["a-zero-date.txt"]
    assert (zero["status"], zero["published"]) == ("processed", "0001-01-01")  # stored as given
    assert zero["mentions"] >= 1
    assert zero["note"].startswith("publication date 0001-01-01 taken as unknown (not a date between 1900 and 2100)")
    assert rows["b-protest.txt"]["status"] == "processed"
    table = otkaz("documents", "--db", "s.db").stdout.splitlines()
    assert table[0].split() == ["id", "lang", "published", "status", "mentions", "note"]
    assert table[1].split()[:7] == [str(tmp_path.resolve() / "articles" / "a-zero-date.txt"), "en", "0001-01-01", "processed", "1", "publication", "date"]
    # No date of its incident is taken from the year 1.
    for line in otkaz("export", "--db", "s.db").stdout.splitlines():
        record = json.loads(line)
        assert record["date"] is None or record["date"]["start"] >= "2022-02-24"


def test_a_malformed_stored_publication_date_is_read_as_unknown(fake_extractor: None, db: Database) -> None:
    db.add_document(Document("odd", "Two soldiers deserted.", lang="en", published="2023-02-30"))
    summary = pipeline.extract_pending(db)
    assert (summary.extracted, summary.failures) == (1, [])
    [state] = db.document_states()
    assert state.note == "publication date 2023-02-30 taken as unknown (not a date between 1900 and 2100)"


# --- long texts --------------------------------------------------------------------------------

FILLER = "The regional weather service said that the river stayed within its banks all week.\n"


def long_text(first: str, length: int, last: str) -> str:
    """``first``, filler paragraphs up to about ``length`` characters, then ``last``."""
    return first + "\n" + FILLER * ((length - len(first) - len(last)) // len(FILLER)) + last


def test_long_texts_are_cut_per_language_and_the_cut_is_noted(
    fake_extractor: None, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: dict[str, str] = {}

    def recording(documents: Iterable[Document]) -> Iterator[ExtractionResult]:
        documents = list(documents)
        read.update((document.id, document.text) for document in documents)
        return fake_extract_many(documents)

    monkeypatch.setattr(sys.modules["otkaz.extract"], "extract_many", recording)
    english = long_text("Two soldiers deserted from Belgorod.", 1_200_000, "Five more soldiers deserted later.")
    russian = long_text("Жители вышли на протест в Казани.", 300_000, "Второй протест прошёл позже.")
    db.add_document(Document("long-en", english, lang="en"))
    db.add_document(Document("long-ru", russian, lang="ru"))
    db.add_document(Document("short", "Three soldiers deserted.", lang="en"))

    summary = pipeline.extract_pending(db)

    assert (summary.extracted, summary.failures) == (3, [])
    assert english.startswith(read["long-en"]) and russian.startswith(read["long-ru"])
    assert 50_000 < len(read["long-en"]) <= pipeline.EXTRACTION_CAPS["en"] == 100_000
    assert 25_000 < len(read["long-ru"]) <= pipeline.EXTRACTION_CAPS["ru"] == 50_000
    assert read["long-en"].endswith("all week.") and read["short"] == "Three soldiers deserted."
    notes = {state.document_id: state.note for state in db.document_states()}
    assert notes["long-en"] == (
        f"text cut for extraction: read the first {len(read['long-en']):,} of {len(english):,} characters "
        "(the cap for en is 100,000)"
    )
    assert notes["long-ru"].startswith("text cut for extraction: read the first") and notes["short"] is None
    # Only what was read holds incidents, and their evidence points into the whole stored text.
    reports = db.reports()
    assert [r.mention.evidence[0].quote for r in reports] == [
        "Two soldiers deserted from Belgorod.", "Жители вышли на протест в Казани.", "Three soldiers deserted."
    ]
    for report in reports:
        evidence = report.mention.evidence[0]
        assert report.document.text[evidence.start : evidence.end] == evidence.quote


@pytest.mark.slow
def test_an_english_text_over_spacys_limit_is_extracted(tmp_path: Path) -> None:
    """Over 1,000,000 characters spaCy refuses a text; the document once stopped every run.
    (The store is SQLite only: what is tested is the extractor's input.)"""
    db = Database(str(tmp_path / "s.db"))
    text = long_text(
        "Two mobilized soldiers from Tambov deserted from their unit near Belgorod on Sunday.",
        1_000_500,
        "Three more soldiers deserted on Monday.",
    )
    db.add_document(Document("long", text, lang="en", published="2023-05-12"))

    summary = pipeline.extract_pending(db)

    assert (summary.extracted, summary.failures) == (1, [])
    [state] = db.document_states()
    assert state.status == "processed" and state.mentions >= 1
    assert state.note.startswith("text cut for extraction: read the first 99,")


# --- removing a document ------------------------------------------------------------------------


def test_removing_a_document_takes_its_mentions_reports_and_lone_incidents(db: Database) -> None:
    from test_store import TEXT, make_document, make_incident, stored_report

    kept = stored_report(db, make_document("news/kept.txt"), "refused to return to the front")
    gone = stored_report(db, make_document("news/gone.txt", TEXT + " Again."), "refused to return to the front")
    alone = stored_report(db, make_document("news/gone-2.txt", TEXT + " More."), "A criminal case was opened")
    db.replace_incidents([make_incident("inc-shared", kept, gone, day=None), make_incident("inc-alone", alone, day=None)])

    assert db.remove_document("news/gone.txt", by="anna") and db.remove_document("news/gone-2.txt", by="anna")
    assert not db.remove_document("news/never.txt", by="anna")

    assert [d.id for d in db.documents()] == ["news/kept.txt"]
    assert [r.document.id for r in db.reports()] == ["news/kept.txt"]
    assert [(i.id, [r.document.id for r in i.reports]) for i in db.incidents()] == [("inc-shared", ["news/kept.txt"])]
    [entry, _] = db.audit_log("news/gone.txt") + db.audit_log("news/gone-2.txt")
    assert (entry.user, entry.action, entry.object_type, entry.after) == ("anna", "remove_document", "document", None)
    assert entry.before["mentions"] == 1 and "text" not in entry.before


def test_documents_rm_removes_and_merges_again(fake_extractor: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("Two soldiers deserted from Belgorod.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Five soldiers deserted near Kursk last spring.", encoding="utf-8")
    assert otkaz("run", "-q", "--lang", "en", "a.txt", "b.txt").exit_code == 0
    before = [json.loads(line)["id"] for line in otkaz("export").stdout.splitlines()]
    assert len(before) == 2

    removed = otkaz("documents", "rm", "b.txt", "--user", "anna")

    assert removed.exit_code == 0, removed.output
    assert removed.stdout == "removed 1 document; incidents 1\n"
    a_id = str((tmp_path / "a.txt").resolve())  # a file's id is its resolved path
    assert [row["id"] for row in json.loads(otkaz("documents", "--json").stdout)] == [a_id]
    assert len(otkaz("export").stdout.splitlines()) == 1
    (tmp_path / "b.txt").unlink()
    missing = otkaz("documents", "rm", "b.txt")
    assert missing.exit_code == 4
    assert missing.stderr == "otkaz: document b.txt: not found (list them with: otkaz documents)\n"
    both = otkaz("documents", "--json", "rm", a_id, "b.txt")  # the group's options apply too
    assert both.exit_code == 1
    assert json.loads(both.stdout) == {"removed": [a_id], "not_found": ["b.txt"], "incidents": 0}


# --- concurrent writers ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["incremental", "full", "rebuild"])
def test_a_merge_never_drops_the_documents_a_concurrent_run_stored(
    fake_extractor: None, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Merging read the mentions, then wrote the incidents in another transaction: a run that
    stored and merged a document in between lost it from the incidents (a lost update).
    Whichever way it merges: incrementally, in full (a store without its merge index), or
    rebuilding everything without the index."""
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("Two soldiers deserted from Belgorod.", encoding="utf-8")
    second.write_text("Жители вышли на протест в Казани.", encoding="utf-8")
    meanwhile: list[str] = []

    def another_run() -> None:
        if not meanwhile:  # the first merge: while it works, another process runs on the store
            meanwhile.append("second run")
            with Database(db_url) as other:
                pipeline.run(other, [str(second)], IngestOptions(lang="ru"))

    merge, update = pipeline.merge, pipeline.incremental.update

    def merge_while_another_run_stores(reports, decisions):
        another_run()
        return merge(reports, decisions)

    def update_while_another_run_stores(source, usable, full=False):
        another_run()
        return update(source, usable, full)

    with Database(db_url) as db:
        if path == "incremental":
            pipeline.merge_all(db)  # builds the (empty) merge index
        pipeline.ingest_into(db, [str(first)], IngestOptions(lang="en"))
        pipeline.extract_pending(db)
        if path == "rebuild":
            monkeypatch.setattr(pipeline, "merge", merge_while_another_run_stores)
            pipeline.rebuild_all(db)
        else:
            monkeypatch.setattr(pipeline.incremental, "update", update_while_another_run_stores)
            pipeline.merge_all(db)

        assert meanwhile == ["second run"]
        stored = {r.mention.key for r in db.reports()}
        merged = {r.mention.key for incident in db.incidents() for r in incident.reports}
        assert len(stored) == 2 and merged == stored


def test_two_writers_saving_one_documents_extraction_at_once(db_url: str) -> None:
    """Two runs extract the same pending document. On PostgreSQL the second one's delete ran
    before the first committed, so it inserted the same mentions again: a duplicate key, exit 3
    (seen once in test_crash.py's two writers). Here the first waits after its insert until
    the second is about to take the merge counter's lock."""
    import threading

    from sqlalchemy import event

    from test_store import extraction, full_mention, make_document

    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite writers take whole transactions in turn")
    first, second = Database(db_url), Database(db_url)
    document = make_document()
    first.add_document(document)
    result = extraction(document, full_mention(document))
    inserted, counting, go_on = threading.Event(), threading.Event(), threading.Event()

    def first_waits(conn, cursor, statement, *args) -> None:
        if statement.startswith("INSERT INTO mentions"):
            inserted.set()
            go_on.wait(60)

    def second_counts(conn, cursor, statement, *args) -> None:
        if statement.startswith("UPDATE merge_state"):
            counting.set()

    event.listen(first._engine, "after_cursor_execute", first_waits)
    event.listen(second._engine, "before_cursor_execute", second_counts)
    errors: list[Exception] = []

    def save(db: Database) -> None:
        try:
            db.save_extraction(result, "v1")
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    writers = [threading.Thread(target=save, args=(first,))]
    writers[0].start()
    assert inserted.wait(60)
    writers.append(threading.Thread(target=save, args=(second,)))
    writers[1].start()
    assert counting.wait(60)
    go_on.set()
    for writer in writers:
        writer.join()

    assert errors == []
    assert [r.mention for r in first.reports()] == [full_mention(document)]
    first.close()
    second.close()


def test_removing_a_document_while_a_merge_holds_the_store(db_url: str) -> None:
    """A merge that must build again holds the merge counter's lock, then replaces the
    incidents; a removal took the incidents' row locks first, then waited for the counter:
    a deadlock on PostgreSQL. Here the removal starts while the merge builds."""
    import threading

    from sqlalchemy import event

    from test_store import TEXT, make_document, make_incident, stored_report

    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite writers take whole transactions in turn")
    merging, remover = Database(db_url), Database(db_url)
    kept = stored_report(merging, make_document("news/kept.txt"), "refused to return to the front")
    gone = stored_report(merging, make_document("news/gone.txt", TEXT + " Again."), "refused to return to the front")
    merging.replace_incidents([make_incident("inc-kept", kept, day=None), make_incident("inc-gone", gone, day=None)])
    counting, go_on = threading.Event(), threading.Event()
    builds: list[str] = []

    def build(reports, decisions):
        builds.append("build")
        if len(builds) == 1:  # another writer changes the mentions: the merge builds again, holding the store
            merging.save_extraction(extraction_of(kept), "v1")
        else:
            threading.Thread(target=remove).start()
            assert counting.wait(60)  # the removal is about to take the counter's lock
        return [make_incident(f"inc-{r.document.id}", r, day=None) for r in reports]

    def counts(conn, cursor, statement, *args) -> None:
        if statement.startswith("UPDATE merge_state"):
            counting.set()

    errors: list[Exception] = []

    def remove() -> None:
        try:
            remover.remove_document("news/gone.txt", by="anna")
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)
        go_on.set()

    event.listen(remover._engine, "before_cursor_execute", counts)
    merging.rebuild_incidents(build)
    assert go_on.wait(60)

    assert errors == [] and builds == ["build", "build"]
    assert [d.id for d in merging.documents()] == ["news/kept.txt"]
    merging.close()
    remover.close()


def extraction_of(report) -> ExtractionResult:
    return ExtractionResult(report.document.id, "en", True, [report.mention])


def test_sqlite_writers_wait_a_minute_for_each_other(tmp_path: Path) -> None:
    with Database(str(tmp_path / "s.db")) as db, db._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60_000


# --- reproducible output -------------------------------------------------------------------------

TWO_DESERTERS = """URL: https://example.org/news/two-deserters
TITLE: Two deserters detained in Tula
PUBLISHED: 2023-05-12
LANG: en
---
Two deserters detained in Tula

Oleg Varnakov, a mobilized soldier from Tula, deserted from his unit near Belgorod in March, his lawyer said.
Varnakov left the unit together with Sergei Belyanin, who also deserted.
Belyanin and Varnakov were detained in Tula in May.
"""


SEEDS = (4, 5)


@pytest.mark.slow
def test_the_same_articles_give_the_same_output_whatever_the_hash_seed(tmp_path: Path) -> None:
    """The order of a mention's people (and so of "[person N]") followed Python's string hashes:
    with PYTHONHASHSEED 4 and 5 this article listed them in two orders."""
    import os
    import subprocess

    (tmp_path / "two-deserters.txt").write_text(TWO_DESERTERS, encoding="utf-8")
    script = (
        "import sys; from otkaz.cli import main; sys.argv = ['otkaz', 'run', '-q', '--db', sys.argv[1], "
        "'two-deserters.txt']; main()"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, f"seed{seed}.db"], cwd=tmp_path,
                         env={**os.environ, "PYTHONHASHSEED": str(seed)})
        for seed in SEEDS
    ]
    assert [run.wait(timeout=600) for run in runs] == [0, 0]

    exports = []
    for seed in SEEDS:
        export = otkaz("export", "--db", str(tmp_path / f"seed{seed}.db"), "--include-names")
        exports.append(export.stdout)
    assert exports[0] == exports[1]
    with Database(str(tmp_path / f"seed{SEEDS[0]}.db")) as db:
        text = db.get_document(str((tmp_path / "two-deserters.txt").resolve())).text
    records = [json.loads(line) for line in exports[0].splitlines()]
    assert sum(len(record["people"]) for record in records) >= 4
    for record in records:  # as the text names them
        assert [text.find(name) for name in record["people"]] == sorted(text.find(name) for name in record["people"])
        starts = [e["start"] for e in record["reports"][0]["evidence"] if e["field"] == "people"]
        assert starts == sorted(starts)


# --- incident ids that merging gave up ---------------------------------------------------------


def test_an_id_merging_gave_up_leads_to_the_incident_holding_its_reports(db: Database) -> None:
    from test_store import TEXT, make_document, make_incident, stored_report

    a, b, c = (
        stored_report(db, make_document(f"news/{name}.txt", TEXT + name), "refused to return to the front")
        for name in "abc"
    )
    db.replace_incidents([make_incident("inc-1", a, b, day=None), make_incident("inc-2", c, day=None)])

    # Re-clustered: inc-1's reports went one each way (the one with its first report wins).
    db.replace_incidents([make_incident("inc-3", b, c, day=None), make_incident("inc-4", a, day=None)])
    assert (db.moved_incident("inc-1"), db.moved_incident("inc-2")) == ("inc-4", "inc-3")
    assert db.get_incident("inc-1") is None and db.moved_incident("inc-3") is None

    # Aliases follow their incident when it moves on.
    db.replace_incidents([make_incident("inc-5", a, b, c, day=None)])
    assert [db.moved_incident(old) for old in ("inc-1", "inc-2", "inc-3", "inc-4")] == ["inc-5"] * 4

    # An id that is current again is no alias; an alias whose reports are gone goes too.
    db.replace_incidents([make_incident("inc-1", a, day=None), make_incident("inc-5", b, c, day=None)])
    assert db.moved_incident("inc-1") is None and db.moved_incident("inc-2") == "inc-5"
    db.replace_incidents([])
    assert [db.moved_incident(old) for old in ("inc-1", "inc-2", "inc-3", "inc-4", "inc-5")] == [None] * 5


def _belgorod_moved(db: Database) -> tuple[str, str]:
    """Removing the earliest report of the seeded Belgorod pair moves its incident to the other
    report's id: (old id, new id)."""
    from browser.seed import MERGED_PAIR, incident_of

    old = incident_of(db, MERGED_PAIR[0])
    assert len(old.reports) == 2 and old.status == "confirmed"
    pipeline.remove_documents(db, [old.reports[0].document.id], "anna")
    [new] = [i for i in db.incidents() if i.reports[0].document.id == old.reports[1].document.id]
    assert new.id != old.id and db.get_incident(old.id) is None
    return old.id, new.id


def test_web_pages_and_api_redirect_an_id_merging_gave_up(db: Database) -> None:
    from browser.seed import seed
    from fastapi.testclient import TestClient

    from otkaz.web import Settings, create_app

    seed(db)
    old, new = _belgorod_moved(db)
    with TestClient(create_app(Settings(secret_key="test-secret"), db=db)) as client:  # the public
        page = client.get(f"/incidents/{old}", headers={"accept": "text/html"}, follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (307, f"/incidents/{new}")
        api = client.get(f"/api/incidents/{old}", follow_redirects=False)
        assert (api.status_code, api.headers["location"]) == (307, f"/api/incidents/{new}")
        assert client.get(f"/api/incidents/{old}").json()["id"] == new
        assert client.get("/api/incidents/inc-0000000000000000").status_code == 404


def test_show_an_id_merging_gave_up(db_url: str) -> None:
    from browser.seed import seed

    with Database(db_url) as db:
        seed(db)
        old, new = _belgorod_moved(db)
    shown = otkaz("show", "--db", db_url, "--json", old)
    assert shown.exit_code == 0
    assert shown.stderr == f"otkaz: incident {old} is now {new} (merged again)\n"
    assert json.loads(shown.stdout)["id"] == new


# --- articles without a publication date --------------------------------------------------------

UNDATED = {
    "contract.txt": "A deserter from Tambov\n\nIvan, a soldier who signed a contract in 2020, deserted "
                    "from his unit near Kursk, his mother told reporters.\n",
    "drafted.txt": "Refused to fight\n\nThe soldier, who was drafted in 2021, refused to fight in Ukraine "
                   "and deserted from his unit, his lawyer said.\n",
    "sentenced.txt": "A deserter sentenced\n\nIvan Sorokin, who signed a contract in 2020, deserted from his "
                     "unit near Belgorod, his mother said.\nIn May 2023 a garrison court sentenced Sorokin "
                     "to five years.\n",
    "kontrakt.txt": "Дезертир из Тамбова\n\nСолдат, который служит по контракту с 2019 года, самовольно "
                    "оставил часть под Брянском, рассказала его мать.\n",
}


@pytest.mark.slow
def test_articles_without_a_publication_date_are_never_dated_before_the_war(tmp_path: Path) -> None:
    """An undated article was placed in the year of whatever date it mentioned (a contract
    signed in 2020): a timeline starting before the war. Its own later dates bound it, or its
    date stays unknown."""
    from fastapi.testclient import TestClient

    from otkaz.publish.exports import write_export
    from otkaz.web import Settings, create_app

    db = Database(str(tmp_path / "s.db"))  # SQLite only: what is tested is the extractor's dates
    folder = tmp_path / "undated"
    folder.mkdir()
    for name, text in UNDATED.items():
        (folder / name).write_text(text, encoding="utf-8")
    summary = pipeline.run(db, [str(folder)], IngestOptions())
    assert summary.failures == [] and summary.mentions == 4

    dates = {r.document.id.rsplit("/", 1)[-1]: r.mention.date for r in db.reports()}
    assert dates["contract.txt"] is None and dates["drafted.txt"] is None and dates["kontrakt.txt"] is None
    start, end = dates["sentenced.txt"].start.isoformat(), dates["sentenced.txt"].end.isoformat()
    assert (start, end) == ("2022-02-24", "2023-05-31")  # from the war's start to the article's latest date

    exported = io.StringIO()
    write_export(db.incidents(), "csv", exported, False)
    cells = {(row["date_start"], row["date_end"]) for row in csv.DictReader(io.StringIO(exported.getvalue()))}
    assert cells == {("", ""), (start, end)}  # unknown: empty, never a guess

    undated = next(i for i in db.incidents() if i.date is None)
    db.add_decision(Decision("confirm", undated.id, "anna"))  # so that the public sees it
    pipeline.merge_all(db)
    with TestClient(create_app(Settings(secret_key="test-secret"), db=db)) as client:
        page = client.get(f"/incidents/{undated.id}", headers={"accept": "text/html"})
        record = client.get(f"/api/incidents/{undated.id}").json()
    assert page.status_code == 200 and "undated" in page.text
    assert record["date"] is None


# --- the place index ---------------------------------------------------------------------------


def test_building_the_place_index_is_announced_and_an_unwritable_cache_warned_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The first run was silent for 15-40 s, and with a cache folder that cannot be written
    every run built the index again without a word."""
    import logging

    from otkaz import gazetteer

    monkeypatch.setattr(gazetteer, "_build_index", lambda: {"a small": "index"})
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("OTKAZ_CACHE_DIR", str(blocked / "otkaz"))
    caplog.set_level(logging.INFO, logger="otkaz")

    assert gazetteer._load_or_build_index() == {"a small": "index"}

    assert [(r.levelname, r.getMessage().split(" (")[0]) for r in caplog.records] == [
        ("INFO", "building the place index"),
        ("INFO", "place index built in 0 s"),
        ("WARNING", f"cannot cache the place index in {blocked / 'otkaz'}"),
    ]
    assert "every run builds it again" in caplog.records[-1].getMessage()

    caplog.clear()
    monkeypatch.setenv("OTKAZ_CACHE_DIR", str(tmp_path / "cache"))
    gazetteer._load_or_build_index()
    assert [r.levelname for r in caplog.records] == ["INFO", "INFO"]  # built and cached: no warning
    caplog.clear()
    gazetteer._load_or_build_index()
    assert caplog.records == []  # read from the cache: nothing to say


def test_the_cli_shows_warnings_always_and_progress_notes_on_a_terminal(
    fake_extractor: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging

    from otkaz import cli as cli_module

    def merging_with_notes(db: Database) -> int:
        logging.getLogger("otkaz.gazetteer").info("building the place index (once)")
        logging.getLogger("otkaz.gazetteer").warning("cannot cache the place index")
        return 0

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("Two soldiers deserted.", encoding="utf-8")
    monkeypatch.setattr(pipeline, "merge_all", merging_with_notes)

    piped = otkaz("run", "--lang", "en", "a.txt")
    assert piped.stderr == "otkaz: cannot cache the place index\n"
    monkeypatch.setattr(cli_module, "_stderr_is_terminal", lambda: True)
    on_terminal = otkaz("run", "--lang", "en", "a.txt")
    assert "otkaz: building the place index (once)\notkaz: cannot cache the place index\n" in on_terminal.stderr
    quiet = otkaz("run", "-q", "--lang", "en", "a.txt")
    assert quiet.stderr == "otkaz: cannot cache the place index\n"


# --- migrations -------------------------------------------------------------------------------


def test_upgrading_an_older_store_keeps_every_row(db_url: str) -> None:
    """SQLite rebuilds a table to change a constraint; with foreign keys on, that once
    deleted every mention of the store."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, insert

    from otkaz.model import Report
    from otkaz.store import codec
    from otkaz.store.database import MIGRATIONS, resolve_url
    from otkaz.store.schema import documents, incident_reports, incidents, mentions
    from test_store import TEXT, full_mention, make_document, make_incident

    engine = create_engine(resolve_url(db_url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    document = make_document()
    mention = full_mention(document)
    incident = make_incident("inc-old", Report(document, mention), day=None)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(insert(documents).values(
            **codec.document_columns(document), content_hash=document.content_hash, ingested_at="2023-05-04T00:00:00+00:00",
            extraction_status="processed", extractor_version="v1"))
        conn.execute(insert(mentions).values(codec.mention_row(document.id, 0, mention)))
        conn.execute(insert(incidents).values(codec.incident_row(incident)))
        conn.execute(insert(incident_reports).values(
            incident_id="inc-old", position=0, document_id=document.id, mention_key=mention.key))
    engine.dispose()

    with Database(db_url) as db:  # migrates to the newest schema
        assert [r.mention for r in db.reports()] == [mention]
        assert [(s.status, s.mentions) for s in db.document_states()] == [("processed", 1)]
        assert [i.reports[0].mention.key for i in db.incidents()] == [mention.key]
        assert db.get_document(document.id).text == TEXT
        # What the web's queries read was filled in from the old rows (migration 0009).
        from otkaz.store import IncidentQuery
        from otkaz.store.codec import fold

        word = fold(TEXT).split()[0]
        assert db.count_incidents(IncidentQuery(words=(word,))) == 1
        assert db.incident_facets(IncidentQuery(), ["actor"])["actor"] == [(a, 1) for a in sorted(set(incident.actors))]
        if incident.location is not None and incident.location.country:
            assert db.count_incidents(IncidentQuery(countries=(incident.location.country,))) == 1
