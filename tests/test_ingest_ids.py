"""Document ids: unique and stable, and no ingest drops a stored article (issue 11).

A file is named by its resolved path, stdin by its content; an id the input gives itself
(a header's ID, a JSONL ``id``, a feed entry's link or id) names a new version of a stored
article only when it comes from the same place (URL, else file): otherwise it is refused.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from otkaz import pipeline
from otkaz.cli import cli
from otkaz.ingest import IngestOptions, ingest
from otkaz.model import Document, content_hash
from otkaz.store import AddResult, Database

FIRST = (
    "Two contract soldiers from Chita refused to go back to their unit after leave, their "
    "relatives told a regional outlet on Tuesday."
)
SECOND = (
    "A mobilized man from Kirov was sentenced to five years for leaving his post without "
    "permission, the garrison court said on Thursday."
)
THIRD = (
    "Mothers of conscripts gathered outside the governor's office in Ulan-Ude to demand that "
    "their sons be brought home, a local newspaper reported."
)


def otkaz(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin)


def stored_texts(db_url: str) -> dict[str, str]:
    with Database(db_url) as db:
        return {doc.id: doc.text for doc in db.documents()}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- where ids come from -------------------------------------------------------------------------


def test_two_articles_piped_one_after_the_other_are_both_kept(db_url):
    # Before: both were named "-", so the second replaced the first.
    assert otkaz("ingest", "--db", db_url, "-", stdin=FIRST).stdout == "stored 1, duplicate 0, failed 0\n"
    assert otkaz("ingest", "--db", db_url, "-", stdin=SECOND).stdout == "stored 1, duplicate 0, failed 0\n"
    again = otkaz("ingest", "--db", db_url, "-", stdin=FIRST + "\n")
    assert again.stdout.startswith("stored 0, duplicate 1, failed 0")
    assert stored_texts(db_url) == {
        "stdin:" + content_hash(FIRST)[:16]: FIRST,
        "stdin:" + content_hash(SECOND)[:16]: SECOND,
    }


def test_jsonl_lines_without_ids_piped_twice_are_all_kept(db_url):
    # Before: each batch's lines were "-:1", "-:2": the second batch replaced the first.
    lines = lambda *texts: "".join(json.dumps({"text": t}) + "\n" for t in texts)  # noqa: E731
    otkaz("ingest", "--db", db_url, "-", stdin=lines(FIRST, SECOND))
    result = otkaz("ingest", "--db", db_url, "-", stdin=lines(THIRD, SECOND))
    assert result.stdout == "stored 1, duplicate 1, failed 0\n"
    assert sorted(stored_texts(db_url).values()) == sorted([FIRST, SECOND, THIRD])


def test_files_of_one_name_in_two_folders_named_relatively_are_both_kept(db_url, workdir, monkeypatch):
    # Before: each was stored as "report.txt", so the second replaced the first.
    for folder, text in (("kirov", SECOND), ("chita", FIRST)):
        (workdir / folder).mkdir()
        (workdir / folder / "report.txt").write_text(text)
    for folder in ("kirov", "chita"):
        monkeypatch.chdir(workdir / folder)
        assert otkaz("ingest", "--db", db_url, "report.txt").stdout == "stored 1, duplicate 0, failed 0\n"
    assert stored_texts(db_url) == {
        str(workdir / "kirov" / "report.txt"): SECOND,
        str(workdir / "chita" / "report.txt"): FIRST,
    }


def test_however_a_path_is_typed_the_documents_are_the_same(workdir, tmp_path):
    # Before: the id was the path as typed, and incidents came out differently by it.
    corpus = workdir / "corpus"
    (corpus / "2023").mkdir(parents=True)
    (corpus / "a.txt").write_text(FIRST)
    (corpus / "2023" / "b.jsonl").write_text(json.dumps({"text": SECOND}) + "\n")
    (workdir / "link").symlink_to(corpus)
    typings = ["corpus", "./corpus/", str(corpus), "corpus/2023/../", "link"]
    seen = []
    for typed in typings:
        docs = [item for item in ingest([typed]) if isinstance(item, Document)]
        seen.append([(d.id, d.path, d.text) for d in docs])
    assert seen[0] == [
        (str(corpus / "2023" / "b.jsonl:1"), str(corpus / "2023" / "b.jsonl"), SECOND),
        (str(corpus / "a.txt"), str(corpus / "a.txt"), FIRST),
    ]
    assert all(other == seen[0] for other in seen[1:])


def test_the_same_folder_typed_another_way_adds_nothing(db_url, workdir):
    corpus = workdir / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(FIRST)
    (corpus / "b.txt").write_text(SECOND)
    otkaz("ingest", "--db", db_url, "corpus")
    again = otkaz("ingest", "--db", db_url, os.path.abspath("corpus") + "/")
    assert again.stdout == "stored 0, duplicate 2, failed 0 (nothing new: the store already holds these documents)\n"


# --- an id the input gives itself ----------------------------------------------------------------


def test_a_jsonl_id_taken_by_another_file_is_refused_and_the_stored_article_kept(db_url, workdir):
    # Before: b.jsonl's record "1" silently replaced a.jsonl's.
    (workdir / "a.jsonl").write_text(json.dumps({"id": "1", "text": FIRST}) + "\n")
    (workdir / "b.jsonl").write_text(
        json.dumps({"id": "1", "text": SECOND}) + "\n" + json.dumps({"id": "2", "text": THIRD}) + "\n"
    )
    otkaz("ingest", "--db", db_url, "a.jsonl")
    result = otkaz("ingest", "--db", db_url, "b.jsonl")
    assert result.exit_code == 1
    assert result.stdout == "stored 1, duplicate 0, failed 1\n"
    assert result.stderr.splitlines() == [
        f"otkaz: b.jsonl: not stored: id '1' already names a stored document of other text (from {workdir}/a.jsonl)"
    ]
    assert stored_texts(db_url) == {"1": FIRST, "2": THIRD}


def test_an_edited_jsonl_file_updates_its_records(db_url, workdir):
    path = workdir / "a.jsonl"
    path.write_text(json.dumps({"id": "1", "text": FIRST}) + "\n")
    otkaz("ingest", "--db", db_url, "a.jsonl")
    path.write_text(json.dumps({"id": "1", "text": FIRST + " The court will hear the case in May."}) + "\n")
    assert otkaz("ingest", "--db", db_url, "a.jsonl").stdout == "stored 0, updated 1, duplicate 0, failed 0\n"
    assert stored_texts(db_url)["1"].endswith("in May.")


def test_a_header_id_piped_twice_with_other_text_keeps_the_first(db_url):
    otkaz("ingest", "--db", db_url, "-", stdin=f"ID: case-7\n---\n{FIRST}")
    result = otkaz("ingest", "--db", db_url, "-", stdin=f"ID: case-7\n---\n{SECOND}")
    assert result.exit_code == 1
    assert result.stderr == (
        "otkaz: -: not stored: id 'case-7' already names a stored document of other text (from stdin)\n"
    )
    assert stored_texts(db_url) == {"case-7": FIRST}


def _feed(entries: list[tuple[str, str | None, str]]) -> str:
    items = "".join(
        f"<entry><id>{entry_id}</id><title>T</title>"
        + (f'<link href="{link}"/>' if link else "")
        + f"<updated>2023-04-11T10:00:00Z</updated><summary>{text}</summary></entry>"
        for entry_id, link, text in entries
    )
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>{items}</feed>'


def test_feed_entries_by_link_update_and_by_id_from_another_feed_are_refused(db_url, workdir):
    link = "https://wire.example/2023/04/chita"
    (workdir / "monday.atom").write_text(_feed([(link, link, FIRST), ("tag:wire.example,2023:9", None, SECOND)]))
    (workdir / "tuesday.atom").write_text(
        _feed([(link, link, FIRST + " An update."), ("tag:wire.example,2023:9", None, THIRD)])
    )
    otkaz("ingest", "--db", db_url, "monday.atom")
    result = otkaz("ingest", "--db", db_url, "tuesday.atom")
    # The entry with a link is the same web page, corrected; the one without comes from another file.
    assert result.stdout == "stored 0, updated 1, duplicate 0, failed 1\n"
    assert result.stderr.splitlines() == [
        "otkaz: tuesday.atom: not stored: id 'tag:wire.example,2023:9' already names a stored document "
        f"of other text (from {workdir}/monday.atom)"
    ]
    assert stored_texts(db_url) == {link: FIRST + " An update.", "tag:wire.example,2023:9": SECOND}


def test_the_store_never_replaces_text_from_another_place(db):
    stored = Document(id="x", text=FIRST, path="/news/a.txt")
    db.add_document(stored)
    assert db.add_document(Document(id="x", text=SECOND, path="/news/b.txt")) == AddResult(
        "x", created=False, conflict_with="/news/a.txt"
    )
    assert db.add_document(Document(id="x", text=SECOND)) == AddResult("x", created=False, conflict_with="/news/a.txt")
    moved = Document(id="x", text=FIRST, path="/archive/a.txt")  # the same text from elsewhere: its new place
    assert db.add_document(moved).replaced
    assert db.get_document("x") == moved


def test_evaluate_still_names_documents_by_the_gold_doc(workdir):
    (workdir / "articles").mkdir()
    (workdir / "articles" / "a.txt").write_text(FIRST)
    gold = {"doc": "articles/a.txt", "published": "2023-04-11", "lang": "en", "incidents": []}
    (workdir / "gold.jsonl").write_text(json.dumps(gold) + "\n")
    from otkaz.cli import ingest_gold
    from otkaz.evaluation import load_gold

    with Database(str(workdir / "e.db")) as db:
        assert ingest_gold(db, load_gold(workdir / "gold.jsonl"), workdir) == []
        assert [d.id for d in db.documents()] == ["articles/a.txt"]


def test_web_uploads_keep_the_names_the_application_gives_them(db, tmp_path):
    from otkaz.ingest import Source

    upload = tmp_path / "otkaz-upload-x" / "report.txt"
    upload.parent.mkdir()
    upload.write_text(FIRST)
    summary = pipeline.ingest_sources(db, [Source("upload/20230411-1/report.txt", "file", upload)], IngestOptions())
    assert summary.stored == 1
    assert [(d.id, d.path) for d in db.documents()] == [("upload/20230411-1/report.txt",) * 2]
