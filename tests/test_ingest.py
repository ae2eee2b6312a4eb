"""Ingest: every input format, every bad-input case, metadata precedence and dates."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from otkaz.ingest import IngestFailure, IngestOptions, ingest
from otkaz.ingest.errors import format_size
from otkaz.ingest.metadata import normalize_published
from otkaz.model import Document

DATA = Path(__file__).parent / "data" / "ingest"

RUSSIAN_REPORT = (
    "В воскресенье вечером неизвестный бросил бутылку с зажигательной смесью в окно военкомата "
    "в Нижнем Новгороде. Огонь повредил кабинет на первом этаже, пострадавших нет. "
    "Полиция задержала подозреваемого в понедельник утром, сообщает местное издание. "
    "Мужчина заявил, что не хочет, чтобы его сына отправили на фронт."
)
ENGLISH_REPORT = (
    "Police in Yekaterinburg detained a 25-year-old man on Monday after he refused to sign a "
    "call-up notice at the enlistment office, a local rights group said."
)


def run(inputs: list[str | Path], **options) -> tuple[list[Document], list[IngestFailure]]:
    results = list(ingest([str(i) for i in inputs], IngestOptions(**options)))
    documents = [r for r in results if isinstance(r, Document)]
    failures = [r for r in results if isinstance(r, IngestFailure)]
    assert len(documents) + len(failures) == len(results)
    return documents, failures


def only_document(inputs: list[str | Path], **options) -> Document:
    documents, failures = run(inputs, **options)
    assert failures == [] and len(documents) == 1
    return documents[0]


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --- text files and the header block ---------------------------------------------------


def test_text_with_header_block_gives_metadata_and_a_text_without_the_header(tmp_path):
    path = write(
        tmp_path / "report.txt",
        "URL: https://news.example/a\ntitle: Man refuses call-up\nPUBLISHED: 2022-10-03 14:00:00\n"
        f"Outlet: Ural Daily\nLANG: en-US\n---\n{ENGLISH_REPORT}\n",
    )
    doc = only_document([path])
    assert doc.text == ENGLISH_REPORT
    assert (doc.url, doc.title, doc.published, doc.outlet, doc.lang) == (
        "https://news.example/a", "Man refuses call-up", "2022-10-03", "Ural Daily", "en",
    )
    assert (doc.id, doc.path, doc.source_format) == (str(path), str(path), "text")
    assert "URL:" not in doc.text and "---" not in doc.text


def test_a_key_value_line_without_the_closing_dashes_is_text_not_a_header(tmp_path):
    path = write(tmp_path / "a.md", f"Moscow: {ENGLISH_REPORT}\n\nMore text follows here.\n")
    doc = only_document([path])
    assert doc.text.startswith("Moscow: Police") and doc.title is None


def test_header_id_names_the_document(tmp_path):
    doc = only_document([write(tmp_path / "a.txt", f"ID: case-17\n---\n{ENGLISH_REPORT}")])
    assert doc.id == "case-17"


# --- metadata precedence: header > sidecar > options --------------------------------------


def test_header_overrides_sidecar_which_overrides_options(tmp_path):
    path = write(tmp_path / "a.txt", f"TITLE: Title from the header\nPUBLISHED: 2022-09\n---\n{ENGLISH_REPORT}")
    write(
        tmp_path / "a.txt.meta.json",
        json.dumps({"title": "Title from the sidecar", "published": "2022-09-27",
                    "outlet": "Sidecar Outlet", "url": "https://sidecar.example/a"}),
    )
    doc = only_document([path], published="2021-01-01", outlet="Option Outlet", lang="de")
    assert doc.title == "Title from the header"
    assert doc.published == "2022-09"  # the header's month, not the sidecar's day
    assert doc.outlet == "Sidecar Outlet" and doc.url == "https://sidecar.example/a"
    assert doc.lang == "de"  # nothing in the input says, so the option applies


def test_options_apply_only_where_the_input_is_silent(tmp_path):
    with_date = write(tmp_path / "a.txt", f"PUBLISHED: 27.09.2022\n---\n{ENGLISH_REPORT}")
    without = write(tmp_path / "b.txt", ENGLISH_REPORT)
    documents, _ = run([with_date, without], published="2023-01-05", outlet="Desk")
    assert [d.published for d in documents] == ["2022-09-27", "2023-01-05"]
    assert [d.outlet for d in documents] == ["Desk", "Desk"]


def test_sidecar_with_the_stem_name_and_its_id(tmp_path):
    path = write(tmp_path / "b.txt", ENGLISH_REPORT)
    write(tmp_path / "b.meta.json", json.dumps({"id": "desk-42", "lang": "English", "published": "2022"}))
    doc = only_document([path])
    assert (doc.id, doc.lang, doc.published) == ("desk-42", "en", "2022")


def test_malformed_sidecar_fails_its_input(tmp_path):
    path = write(tmp_path / "c.txt", ENGLISH_REPORT)
    write(tmp_path / "c.txt.meta.json", "{not json")
    documents, failures = run([path])
    assert documents == []
    assert str(failures[0]).startswith(f"{path}: malformed sidecar c.txt.meta.json:")


# --- published dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-09-27", "2022-09-27"),
        ("2022-09-27 10:00:00", "2022-09-27"),
        ("2022-09-27T10:00:00+03:00", "2022-09-27"),
        ("2022-09-27T23:30:00-05:00", "2022-09-27"),  # the day as written, not in UTC
        ("27.09.2022", "2022-09-27"),
        ("05.09.2022", "2022-09-05"),
        ("September 27, 2022", "2022-09-27"),
        ("27 сентября 2022 года", "2022-09-27"),
        ("27. September 2022", "2022-09-27"),  # a language otkaz does not read: tried after en/ru
        ("Samstag, 23. November 2024, 10:45", "2024-11-23"),
        ("unknown (c. May 2023, per the text: a sentence of April 25, or 27)", None),
        ("Tue, 27 Sep 2022 10:00:00 +0300", "2022-09-27"),
        ("2022-09", "2022-09"),
        ("September 2022", "2022-09"),
        ("2022", "2022"),
        ("yesterday", None),
        ("September 27", None),
        ("no date here", None),
        ("", None),
    ],
)
def test_published_is_normalized_at_its_own_precision(value, expected):
    assert normalize_published(value) == expected


def test_unparseable_published_is_none_and_does_not_fail(tmp_path):
    doc = only_document([write(tmp_path / "a.txt", f"PUBLISHED: sometime soon\n---\n{ENGLISH_REPORT}")])
    assert doc.published is None


# --- encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r", "utf-8-sig", "utf-16"])
def test_russian_text_in_legacy_and_unicode_encodings(tmp_path, encoding):
    path = write(tmp_path / f"{encoding}.txt", RUSSIAN_REPORT.encode(encoding))
    doc = only_document([path])
    assert doc.text == RUSSIAN_REPORT
    assert doc.lang == "ru"


def test_newlines_spaces_and_unicode_form_are_normalized_and_nothing_else(tmp_path):
    raw = (
        "First line with \u00abguillemets\u00bb and \u201cquotes\u201d \u2014 dash.   \r\n"
        "Cafe\u0301 owner said 'no'.\t\r\n\r\n\r\n\r\n\rLast line."
    )
    doc = only_document([write(tmp_path / "a.txt", raw)])
    assert doc.text == (
        "First line with \u00abguillemets\u00bb and \u201cquotes\u201d \u2014 dash.\n"
        "Caf\u00e9 owner said 'no'.\n\nLast line."
    )


# --- bad input ----------------------------------------------------------------------------


def test_binary_file_fails(tmp_path):
    path = write(tmp_path / "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert run([path]) == ([], [IngestFailure(str(path), "binary file")])


@pytest.mark.parametrize("content", [b"", b"  \n\t\n  ", "URL: https://a.example\n---\n\n".encode()])
def test_empty_input_fails(tmp_path, content):
    path = write(tmp_path / "empty.txt", content)
    assert run([path]) == ([], [IngestFailure(str(path), "empty")])


def test_too_large_with_a_small_limit(tmp_path):
    path = write(tmp_path / "big.txt", "word " * 640)  # 3200 bytes
    assert run([path], max_bytes=1000)[1] == [IngestFailure(str(path), "too large (3.1 KB > 1000 bytes limit)")]


def test_too_large_message_in_megabytes(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as stream:
        stream.truncate(26_528_972)  # sparse: never read, the size alone decides
    assert str(run([path])[1][0]) == f"{path}: too large (25.3 MB > 20 MB limit)"
    assert format_size(20 * 1024 * 1024) == "20 MB"


def test_undecodable_text_fails(tmp_path):
    path = write(tmp_path / "garbled.txt", b"Report: " + bytes(range(0x80, 0x100)) * 4)
    assert run([path]) == ([], [IngestFailure(str(path), "undecodable text")])


def test_missing_file_fails_and_the_batch_goes_on(tmp_path):
    good = write(tmp_path / "good.txt", ENGLISH_REPORT)
    missing = tmp_path / "missing.txt"
    documents, failures = run([missing, good])
    assert [d.id for d in documents] == [str(good)]
    assert failures == [IngestFailure(str(missing), "no such file or directory")]


def test_only_clutter_leaves_no_text(tmp_path):
    path = write(tmp_path / "menu.txt", "Skip to main content\nMenu\nShare\nTweet\n")
    assert run([path])[1] == [IngestFailure(str(path), "no text left after removing page clutter")]


def test_failure_prints_as_one_line():
    assert str(IngestFailure("a.jsonl:17", "no text")) == "a.jsonl:17: no text"


# --- HTML -----------------------------------------------------------------------------------


def test_html_main_text_and_metadata():
    doc = only_document([DATA / "article.html"])
    assert "бросил бутылку с зажигательной смесью" in doc.text
    assert "Задержанному грозит до пяти лет лишения свободы." in doc.text
    for clutter in ("Главная", "Поделиться", "Читайте также", "Очереди на границе", "©"):
        assert clutter not in doc.text
    assert doc.title == "В Перми задержали мужчину, поджёгшего военкомат"
    assert doc.published == "2022-10-03"
    assert doc.outlet == "Уральский вестник"
    assert doc.url == "https://ural-vestnik.example/2022/10/03/perm-podzhog"
    assert (doc.lang, doc.source_format) == ("ru", "html")


def test_html_in_cp1251(tmp_path):
    html = f"<html><body><article><p>{RUSSIAN_REPORT}</p></article></body></html>"
    doc = only_document([write(tmp_path / "page.htm", html.encode("cp1251"))])
    assert doc.text == RUSSIAN_REPORT


def test_html_without_main_text_fails(tmp_path):
    path = write(tmp_path / "blank.html", "<html><body><nav><a href='/'>Home</a></nav></body></html>")
    assert run([path])[1] == [IngestFailure(str(path), "no main text found")]


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_in_the_keys_of_each_tool_with_bad_lines_failing_alone():
    name = str(DATA / "articles.jsonl")
    documents, failures = run([name])
    by_id = {d.id: d for d in documents}
    assert list(by_id) == ["ours-1", f"{name}:3", f"{name}:4", f"{name}:6"]

    ours = by_id["ours-1"]
    assert (ours.title, ours.published, ours.outlet, ours.lang) == (
        "Two conscripts flee unit", "2023-05-14", "Lenoblast News", "en"
    )
    news_please = by_id[f"{name}:3"]  # maintext, date_publish, source_domain, language
    assert news_please.text.startswith("В Уфе суд приговорил контрактника")
    assert (news_please.published, news_please.outlet, news_please.lang) == ("2023-07-19", "bashinform.example", "ru")
    trafilatura_json = by_id[f"{name}:4"]  # text over raw_text, sitename, source as the URL
    assert trafilatura_json.text.startswith("Dozens of women protested")
    assert trafilatura_json.outlet == "Yakutia Daily"
    assert trafilatura_json.url == "https://yakutia-daily.example/2022/09/26/protest"
    from_html = by_id[f"{name}:6"]
    assert from_html.text.startswith("Border guards in the Saratov region stopped three men")
    assert from_html.title == "Men stopped at the Kazakh border"
    assert all(d.source_format == "jsonl" and d.path == name for d in documents)

    assert [str(f) for f in failures] == [
        f"{name}:5: malformed JSON at line 5: Unterminated string starting at column 26",
        f"{name}:7: no text",
        f"{name}:8: malformed JSON at line 8: not an object",
    ]


def test_ndjson_line_too_large_fails_alone(tmp_path):
    short = json.dumps({"text": ENGLISH_REPORT})
    long = json.dumps({"text": ENGLISH_REPORT * 10})
    path = write(tmp_path / "batch.ndjson", f"{short}\n{long}\n{short}\n")
    documents, failures = run([path], max_bytes=1000)
    assert [d.id for d in documents] == [f"{path}:1", f"{path}:3"]
    assert [f.input for f in failures] == [f"{path}:2"] and failures[0].reason.startswith("too large")


def test_empty_jsonl_fails(tmp_path):
    path = write(tmp_path / "none.jsonl", "\n\n")
    assert run([path])[1] == [IngestFailure(str(path), "empty")]


def test_json_file_with_one_article(tmp_path):
    path = write(tmp_path / "one.json", json.dumps({"title": "T", "text": ENGLISH_REPORT, "date": "2022-10-03"}))
    doc = only_document([path])
    assert (doc.id, doc.title, doc.published) == (str(path), "T", "2022-10-03")


# --- feeds ------------------------------------------------------------------------------------


def test_atom_feed_gives_one_document_per_entry():
    name = str(DATA / "feed.atom")
    documents = run([name])[0]
    assert [d.id for d in documents] == [
        "https://frontier-monitor.example/2023/04/orenburg-reservists",  # link
        "tag:frontier-monitor.example,2023:2",  # no link: the entry id
        f"{name}#3",  # neither
    ]
    first, second, third = documents
    assert first.text.startswith("About forty reservists at a training centre near Orenburg")
    assert "The men said they had not received" in first.text  # content, HTML to text
    assert (first.title, first.published, first.outlet) == (
        "Reservists in Orenburg refuse deployment", "2023-04-11", "Frontier Monitor"
    )
    assert second.text.startswith("Officers handed out call-up notices")  # the summary
    assert second.published == "2023-04" and second.url is None
    assert third.published == "2023-04-10"
    assert all(d.source_format == "feed" and d.lang == "en" for d in documents)


def test_feed_without_entries_fails():
    name = str(DATA / "empty_feed.rss")
    assert run([name]) == ([], [IngestFailure(name, "feed without entries")])


def test_xml_that_is_not_a_feed_fails(tmp_path):
    path = write(tmp_path / "sitemap.xml", '<?xml version="1.0"?><urlset><url><loc>x</loc></url></urlset>')
    assert run([path])[1] == [IngestFailure(str(path), "not an RSS or Atom feed")]


def test_feed_recognized_without_a_feed_extension(tmp_path):
    path = write(tmp_path / "export.dat", (DATA / "feed.atom").read_bytes())
    assert len(run([path])[0]) == 3
