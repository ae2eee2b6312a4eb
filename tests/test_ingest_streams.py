"""Large inputs read as streams: JSON Lines in gzip, Parquet tables, WARC archives."""
from __future__ import annotations

import gzip
import io
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from otkaz.ingest import IngestFailure, IngestOptions, ingest
from otkaz.model import Document

STORY = ("A mobilized man from Kursk refused to return to his unit after a short leave, "
         "his lawyer told a regional news site on Tuesday. ")
PAGE = (
    "<html lang='en'><head><title>Kursk man refuses to return to unit</title></head><body>"
    "<nav>Home | World | Sport</nav><article><h1>Kursk man refuses to return to unit</h1>"
    + "".join(f"<p>{STORY}Paragraph {n} of the report goes on with more detail about the case.</p>" for n in range(5))
    + "</article><footer>All rights reserved</footer></body></html>"
)


def _read(path: Path) -> tuple[list[Document], list[IngestFailure]]:
    items = list(ingest([str(path)], IngestOptions()))
    return [i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, IngestFailure)]


def test_gzip_json_lines_are_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "archive.jsonl.gz"
    lines = [json.dumps({"id": "a1", "text": STORY, "lang": "en", "published": "2023-05-02"}), "{not json",
             json.dumps({"id": "a2", "text": STORY + "Second story.", "lang": "en"})]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    documents, failures = _read(path)
    assert [d.id for d in documents] == ["a1", "a2"]
    assert documents[0].published == "2023-05-02" and documents[0].source_format == "jsonl"
    assert [str(f) for f in failures] == [f"{path}:2: malformed JSON at line 2: Expecting property name enclosed in double quotes at column 2"]


def test_a_gzip_stream_yields_its_first_records_before_a_damaged_end(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    records = "\n".join(json.dumps({"id": f"d{n}", "text": f"{STORY} Number {n}."}) for n in range(2000))
    path.write_bytes(gzip.compress(records.encode())[:-2000])  # cut off: the end cannot be read
    stream = ingest([str(path)], IngestOptions(lang="en"))
    assert next(stream).id == "d0"  # streamed: the first record comes before the damage is read
    items = list(stream)
    assert isinstance(items[-1], IngestFailure) and items[-1].reason.startswith("not a readable gzip file")


def test_a_file_that_is_not_gzip_is_one_failure(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl.gz"
    path.write_text(json.dumps({"text": STORY}), encoding="utf-8")
    documents, failures = _read(path)
    assert not documents and len(failures) == 1 and failures[0].input == str(path)
    assert failures[0].reason.startswith("not a readable gzip file")


def test_parquet_rows_are_articles_in_jsonl_keys(tmp_path: Path) -> None:
    path = tmp_path / "articles.parquet"
    table = pa.table({
        "id": ["p1", "p2", "p3"],
        "text": [STORY, None, "В Курске мобилизованный отказался возвращаться в часть после отпуска."],
        "title": ["Kursk", "Empty", "Курск"],
        "published": [date(2023, 5, 2), date(2023, 5, 3), None],
        "lang": ["en", "en", "ru"],
    })
    pq.write_table(table, path, row_group_size=2)
    documents, failures = _read(path)
    assert [(d.id, d.published, d.lang, d.source_format) for d in documents] == [
        ("p1", "2023-05-02", "en", "parquet"), ("p3", None, "ru", "parquet")]
    assert [str(f) for f in failures] == [f"{path}:2: no text"]


def test_a_damaged_parquet_file_is_one_failure(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 100)
    documents, failures = _read(path)
    assert not documents and [f.input for f in failures] == [str(path)]
    assert failures[0].reason.startswith("not a readable Parquet file")


def _warc(path: Path) -> None:
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)

        def response(uri: str, status: str, content_type: str, body: bytes) -> None:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers))

        writer.write_record(writer.create_warc_record("https://news.example/kursk", "request",
                                                      payload=io.BytesIO(b"GET /kursk HTTP/1.1\r\n\r\n")))
        response("https://news.example/kursk", "200 OK", "text/html; charset=utf-8", PAGE.encode())
        response("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n")
        response("https://news.example/gone", "404 Not Found", "text/html", b"<html>gone</html>")
        response("https://news.example/nav", "200 OK", "text/html", b"<html><body><script>var a = 1;</script></body></html>")


def test_warc_html_responses_are_documents_named_by_their_uri(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    _warc(path)
    documents, failures = _read(path)
    assert [d.id for d in documents] == ["https://news.example/kursk"]
    document = documents[0]
    assert "refused to return to his unit" in document.text and "All rights reserved" not in document.text
    assert (document.url, document.lang, document.source_format) == ("https://news.example/kursk", "en", "warc")
    assert [str(f) for f in failures] == ["https://news.example/nav: no main text found"]


def test_a_file_that_is_not_warc_is_one_failure(tmp_path: Path) -> None:
    path = tmp_path / "fake.warc"
    path.write_text("hello, not an archive\n", encoding="utf-8")
    documents, failures = _read(path)
    assert not documents and [f.input for f in failures] == [str(path)]
    assert failures[0].reason.startswith("not a readable WARC file")
