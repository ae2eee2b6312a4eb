"""Inputs that once broke a whole batch, hung it, or were stored silently wrong (issue 11).

Each input must end in one line naming it (a failure, or a warning when it was stored with a
repair), and the rest of the batch must be stored: on SQLite and on PostgreSQL (``db_url``).
"""
from __future__ import annotations

import base64
import json
import os
import random
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from otkaz import pipeline
from otkaz.cli import cli
from otkaz.ingest import IngestFailure, IngestOptions, IngestWarning, ingest
from otkaz.model import Document
from otkaz.store import Database

REPORT = (
    "Military police in Rostov detained two mobilized men on Friday after they left their unit "
    "without permission, a regional news site reported."
)
OTHER_REPORT = (
    "A conscript from Pskov asked a court to let him serve in the alternative civilian service "
    "instead, his lawyer told a local newspaper on Wednesday."
)
QUOTED = "\u201cWe will not go back,\u201d one of the men said \u2014 his wife confirmed it."


def read(inputs: list[str | Path], **options) -> list[Document | IngestFailure | IngestWarning]:
    return list(ingest([str(i) for i in inputs], IngestOptions(**options)))


def documents(results) -> list[Document]:
    return [r for r in results if isinstance(r, Document)]


def lines(results) -> list[str]:
    return [str(r) for r in results if not isinstance(r, Document)]


def cli_ingest(db_url: str, *args: str):
    return CliRunner().invoke(cli, ["ingest", "--db", db_url, *args])


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


# --- text no store can hold -----------------------------------------------------------------


def test_a_lone_surrogate_escape_is_replaced_with_a_warning_and_the_batch_goes_on(db_url, tmp_path, good):
    # Before: UnicodeEncodeError from the store ended the whole batch in a traceback.
    path = tmp_path / "batch.jsonl"
    path.write_text(
        json.dumps({"text": OTHER_REPORT}) + "\n"
        + '{"id": "case-\\ud800", "title": "T\\udfff", "text": "Half a pair \\ud83d here. ' + REPORT + '"}\n',
        encoding="utf-8",
    )
    result = cli_ingest(db_url, str(path), str(good))
    assert result.exit_code == 0, result.output
    assert result.stdout == "stored 3, duplicate 0, failed 0\n"
    assert result.stderr.splitlines() == [
        f"otkaz: {path}:2: warning: text: 1 lone surrogate replaced with U+FFFD; "
        "id: 1 lone surrogate replaced with U+FFFD",
        f"otkaz: {path}:2: warning: title: 1 lone surrogate replaced with U+FFFD",
    ]
    with Database(db_url) as db:
        repaired = db.get_document("case-\ufffd")
    assert repaired.text.startswith("Half a pair \ufffd here.") and repaired.title == "T\ufffd"


def test_a_nul_character_is_removed_with_a_warning_on_every_store(db_url, tmp_path, good):
    # Before: fine on SQLite, but exit 3 on PostgreSQL with the input not named.
    path = tmp_path / "nul.jsonl"
    path.write_text(json.dumps({"text": "A soldier\u0000 refused to fight. " + REPORT, "outlet": "Wire\u0000"}) + "\n")
    result = cli_ingest(db_url, str(path), str(good))
    assert result.exit_code == 0, result.output
    assert result.stdout == "stored 2, duplicate 0, failed 0\n"
    assert result.stderr.splitlines() == [
        f"otkaz: {path}:1: warning: text: 1 NUL character removed",
        f"otkaz: {path}:1: warning: outlet: 1 NUL character removed",
    ]
    with Database(db_url) as db:
        stored = db.get_document(f"{path}:1")
    assert stored.text.startswith("A soldier refused to fight.") and stored.outlet == "Wire"


def test_a_file_name_that_is_not_utf8_is_named_with_escapes(db_url, tmp_path, good):
    # Before: UnicodeEncodeError from the store ended the whole batch in a traceback.
    folder = tmp_path / "names"
    folder.mkdir()
    raw_name = os.fsencode(folder) + b"/caf\xe9-\xff.txt"
    with open(raw_name, "wb") as stream:
        stream.write(OTHER_REPORT.encode())
    with open(os.fsencode(folder) + b"/empty-\xe9.txt", "wb"):
        pass
    result = cli_ingest(db_url, str(folder), str(good))
    assert result.exit_code == 1
    assert result.stdout == "stored 2, duplicate 0, failed 1\n"
    assert result.stderr.splitlines() == [f"otkaz: {folder}/empty-\\xe9.txt: empty"]
    with Database(db_url) as db:
        stored = db.get_document(f"{folder}/caf\\xe9-\\xff.txt")
    assert stored.text == OTHER_REPORT and stored.path == stored.id


# --- JSON nested too deep for the parser ------------------------------------------------------


def test_json_nested_100000_deep_fails_alone_in_every_json_reader(tmp_path, good):
    # Before: RecursionError ended the batch.
    deep = "[" * 100_000 + "]" * 100_000
    lines_file = tmp_path / "deep.jsonl"
    lines_file.write_text(json.dumps({"text": REPORT}) + "\n" + '{"text": ' + deep + "}\n")
    whole = tmp_path / "deep.json"
    whole.write_text(deep)
    sniffed = tmp_path / "deep.data"  # no extension: the format is sniffed first
    sniffed.write_text('{"a": ' + deep + "}")
    with_sidecar = tmp_path / "article.txt"
    with_sidecar.write_text(OTHER_REPORT)
    (tmp_path / "article.txt.meta.json").write_text('{"title": ' + deep + "}")

    results = read([lines_file, whole, sniffed, with_sidecar, good])

    assert lines(results) == [
        f"{lines_file}:2: malformed JSON at line 2: nested too deeply",
        f"{whole}: malformed JSON: nested too deeply",
        f"{sniffed}: malformed JSON: nested too deeply",
        f"{with_sidecar}: malformed sidecar article.txt.meta.json: nested too deeply",
    ]
    assert [d.text for d in documents(results)] == [REPORT, REPORT]


def test_an_empty_json_list_says_so(tmp_path, good):
    # Before: no document and no line (found by tests/test_ingest_fuzz.py).
    path = tmp_path / "none.json"
    path.write_text("[ ]")
    results = read([path, good])
    assert lines(results) == [f"{path}: no articles (an empty JSON list)"]
    assert len(documents(results)) == 1


def test_a_feed_whose_declared_encoding_is_not_text_fails_alone(tmp_path, good):
    # Before: UnicodeDecodeError inside feedparser ended the batch (found by tests/test_ingest_fuzz.py).
    path = tmp_path / "wire.rss"
    path.write_bytes(b'<?xml version="1.0" encoding="\x80utf-8"?><rss version="2.0"><channel></channel></rss>')
    results = read([path, good])
    assert lines(results) == [f"{path}: malformed XML declaration: its encoding name is not text"]
    assert len(documents(results)) == 1


# --- inputs that never end, or never start --------------------------------------------------


def test_a_device_is_refused_without_reading_it(tmp_path, good):
    # Before: /dev/zero reports size 0, so it was read until memory ran out.
    results = read(["/dev/zero", good])
    assert lines(results) == ["/dev/zero: not a regular file (a character device)"]
    assert len(documents(results)) == 1


def test_a_device_named_as_jsonl_is_refused_and_one_as_a_sidecar_is_not_read(tmp_path, good):
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    (tmp_path / "good.txt.meta.json").symlink_to("/dev/zero")  # only regular files are sidecars
    results = read([tmp_path / "zero.jsonl", good])
    assert lines(results) == [f"{tmp_path}/zero.jsonl: not a regular file (a character device)"]
    assert [d.text for d in documents(results)] == [REPORT]


def test_a_fifo_without_a_writer_reads_as_empty_even_inside_a_folder(tmp_path):
    # Before: opening a FIFO waited for a writer forever.
    folder = tmp_path / "inbox"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "named.jsonl")
    (folder / "report.txt").write_text(REPORT)
    results = read([folder, tmp_path / "named.jsonl"])
    assert lines(results) == [f"{folder}/pipe.txt: empty", f"{tmp_path}/named.jsonl: empty"]
    assert [d.text for d in documents(results)] == [REPORT]


def test_a_fifo_that_was_written_to_is_read(tmp_path):
    fifo = tmp_path / "feed.txt"
    os.mkfifo(fifo)
    # A reader of our own keeps the FIFO's buffer alive while the writer comes and goes.
    keeper = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        writer = os.open(fifo, os.O_WRONLY)
        os.write(writer, REPORT.encode())
        os.close(writer)
        [doc] = read([fifo])
    finally:
        os.close(keeper)
    assert doc.text == REPORT


def _pipe_holding(data: bytes) -> str:
    """A pipe's reading end as a path (what a shell's <(command) gives); the writer has finished."""
    read_end, write_end = os.pipe()
    os.write(write_end, data)  # under the pipe's buffer size: does not block
    os.close(write_end)
    return f"/dev/fd/{read_end}"


def test_a_pipe_over_the_size_limit_is_refused(tmp_path):
    # Before: the size check trusted the reported size (0 for a pipe) and read it all.
    big, small = _pipe_holding(b"word " * 600), _pipe_holding(REPORT.encode())
    try:
        results = read([big, small], max_bytes=1000)
    finally:
        for path in (big, small):
            os.close(int(path.rsplit("/", 1)[1]))
    assert lines(results) == [f"{big}: too large (over the 1000 bytes limit)"]
    assert [d.text for d in documents(results)] == [REPORT]


def test_a_jsonl_line_over_the_limit_is_read_past_without_holding_it(tmp_path):
    path = tmp_path / "huge.jsonl"
    line = json.dumps({"text": REPORT})
    with path.open("w") as stream:
        stream.write(line + "\n" + '{"text": "' + "a" * 20_000_000 + '"}\n' + line.replace("Friday", "Monday") + "\n")
    tracemalloc.start()
    try:
        results = read([path], max_bytes=4096)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines(results) == [f"{path}:2: too large (19.1 MB > 4 KB limit)"]
    assert len(documents(results)) == 2
    assert peak < 5_000_000  # the 20 MB line was never held whole


# --- silently wrong -------------------------------------------------------------------------------


def test_one_invalid_byte_in_utf8_text_is_replaced_not_read_as_a_legacy_code_page(tmp_path):
    # Before: the whole article decoded as a legacy code page (mojibake), without a word.
    text = f"{QUOTED} {REPORT} {QUOTED}".encode()
    path = tmp_path / "report.txt"
    path.write_bytes(text[:40] + b"\xff" + text[40:])
    results = read([path])
    assert lines(results) == [f"{path}: warning: 1 invalid UTF-8 byte sequence replaced with U+FFFD"]
    [doc] = documents(results)
    assert doc.text == (text[:40] + "\ufffd".encode() + text[40:]).decode()
    assert QUOTED in doc.text


def test_a_legacy_code_page_is_still_read_as_one(tmp_path):
    russian = "«Мы не поедем», — сказал один из мобилизованных в Ростове, сообщает местное издание."
    path = tmp_path / "ru.txt"
    path.write_bytes(russian.encode("cp1251"))
    results = read([path])
    assert lines(results) == [] and documents(results)[0].text == russian


def test_an_inline_base64_image_gives_no_publication_date(tmp_path):
    # Before: the page's date search read the image's digits as 2003-01-01.
    noise = random.Random(19).randbytes(30_000)
    page = (
        "<html><head><title>Deserters detained</title></head><body><article><h1>Deserters detained</h1>"
        f"<p>{REPORT}</p><img src=\"data:image/png;base64,{base64.b64encode(noise).decode()}\"><p>{OTHER_REPORT}</p>"
        "</article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page)
    [doc] = read([path])
    assert doc.published is None
    assert REPORT in doc.text


def test_a_date_in_the_page_markup_is_still_read(tmp_path):
    path = tmp_path / "dated.html"
    path.write_text(
        '<html><head><meta property="article:published_time" content="2023-03-14T08:00:00+03:00"></head>'
        f"<body><article><p>{REPORT}</p><p>{OTHER_REPORT}</p></article></body></html>"
    )
    assert read([path])[0].published == "2023-03-14"


# --- a reader's bug ---------------------------------------------------------------------------


def test_an_unforeseen_error_in_a_reader_fails_its_input_alone(tmp_path, good, monkeypatch, db):
    from otkaz.ingest import core

    def broken(html, url=None):
        raise ValueError("lxml choked\non two lines")

    monkeypatch.setattr(core, "extract_html", broken)
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><p>{OTHER_REPORT}</p></body></html>")
    summary = pipeline.ingest_into(db, [str(page), str(good)])
    assert [str(f) for f in summary.failures] == [
        f"{page}: internal error (ValueError: lxml choked); please report it"
    ]
    assert summary.stored == 1
