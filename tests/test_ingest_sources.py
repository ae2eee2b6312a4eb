"""Finding inputs: folder walks, stdin and URLs (a local HTTP server stands in for the web)."""
from __future__ import annotations

import functools
import io
import os
import socket
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from otkaz.ingest import IngestFailure, IngestOptions, Source, find_sources, ingest, read_source
from otkaz.model import Document, content_hash

DATA = Path(__file__).parent / "data" / "ingest"
EXAMPLES = Path(__file__).parents[1] / "examples"
REPORT = (
    "Border guards in the Orenburg region stopped a 28-year-old man who tried to leave Russia "
    "through the steppe on Saturday, the regional FSB office said."
)


def split(results) -> tuple[list[Document], list[IngestFailure]]:
    results = list(results)
    return (
        [r for r in results if isinstance(r, Document)],
        [r for r in results if isinstance(r, IngestFailure)],
    )


# --- folders --------------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    (root / "b" / "deeper").mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / "z.txt").write_text(REPORT)
    (root / "z.txt.meta.json").write_text('{"outlet": "Steppe Wire"}')
    (root / "a.txt").write_text(REPORT.replace("28", "29"))
    (root / "b" / "page.saved").write_text(
        f"<!DOCTYPE html><html><body><article><p>{REPORT}</p></article></body></html>"
    )
    (root / "b" / "deeper" / "notes").write_text(REPORT.replace("28", "31"))
    (root / "b" / "feed.data").write_bytes((DATA / "feed.atom").read_bytes())
    (root / "b" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (root / ".hidden.txt").write_text(REPORT)
    (root / ".cache" / "old.txt").write_text(REPORT)
    return root


def test_folder_is_walked_recursively_sorted_without_hidden_files_or_sidecars(corpus, monkeypatch):
    monkeypatch.chdir(corpus.parent)
    names = [s.name for s in find_sources(["corpus/"])]
    assert names == [
        "corpus/a.txt",
        "corpus/b/deeper/notes",
        "corpus/b/feed.data",
        "corpus/b/image.png",
        "corpus/b/page.saved",
        "corpus/z.txt",
    ]


def test_folder_files_of_unknown_extension_are_sniffed(corpus, monkeypatch):
    monkeypatch.chdir(corpus.parent)
    documents, failures = split(ingest(["corpus"]))
    assert failures == [IngestFailure("corpus/b/image.png", "binary file")]
    corpus = corpus.resolve()
    by_id = {d.id: d for d in documents}
    assert by_id[str(corpus / "b/deeper/notes")].source_format == "text"
    assert by_id[str(corpus / "b/page.saved")].source_format == "html"
    assert by_id[str(corpus / "b/page.saved")].text == REPORT
    assert sum(d.source_format == "feed" for d in documents) == 3
    assert by_id[str(corpus / "z.txt")].outlet == "Steppe Wire"  # its sidecar, found though not walked
    assert by_id[str(corpus / "a.txt")].path == str(corpus / "a.txt")  # resolved, as its id


def test_find_sources_keeps_stdin_urls_and_missing_paths(tmp_path):
    missing = str(tmp_path / "nope.txt")
    assert find_sources(["-", "https://news.example/a", missing]) == [
        Source("-", "stdin"),
        Source("https://news.example/a", "url", location="https://news.example/a"),
        Source(missing, "file", Path(missing), location=missing),
    ]


# --- stdin ------------------------------------------------------------------------------------


def feed_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_text(monkeypatch):
    feed_stdin(monkeypatch, REPORT.encode())
    [doc] = list(ingest(["-"], IngestOptions(published="2023-02-11")))
    assert (doc.id, doc.text, doc.source_format, doc.path, doc.published) == (
        "stdin:" + content_hash(REPORT)[:16], REPORT, "stdin", None, "2023-02-11"
    )


def test_stdin_with_a_header_takes_its_id_from_the_header(monkeypatch):
    feed_stdin(monkeypatch, f"URL: https://steppe.example/1\nPUBLISHED: 2023-02-12\n---\n{REPORT}".encode())
    [doc] = list(ingest(["-"]))
    assert (doc.id, doc.url, doc.published, doc.text) == (
        "https://steppe.example/1", "https://steppe.example/1", "2023-02-12", REPORT
    )


def test_stdin_is_sniffed_as_jsonl(monkeypatch):
    feed_stdin(monkeypatch, b'{"text": "First report of a deserter detained."}\n{"text": ""}\n')
    documents, failures = split(ingest(["-"]))
    assert [d.id for d in documents] == ["stdin:" + content_hash("First report of a deserter detained.")[:16]]
    assert failures == [IngestFailure("-:2", "no text")]


def test_stdin_binary_and_too_large(monkeypatch):
    feed_stdin(monkeypatch, b"\x00\x01\x02binary")
    assert list(ingest(["-"])) == [IngestFailure("-", "binary file")]
    feed_stdin(monkeypatch, REPORT.encode())
    assert list(ingest(["-"], IngestOptions(max_bytes=50))) == [
        IngestFailure("-", "too large (over the 50 bytes limit)")
    ]


# --- URLs ----------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def web_server():
    """Serves tests/data/ingest and examples/ on 127.0.0.1 (this machine has no other network)."""
    handler = functools.partial(_QuietHandler, directory=str(Path(__file__).parents[1]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_is_fetched_and_read_as_html(web_server):
    url = f"{web_server}/tests/data/ingest/article.html"
    [doc] = list(read_source(Source(url, "url")))
    assert doc.id == url
    assert doc.source_format == "url"
    assert doc.url == "https://ural-vestnik.example/2022/10/03/perm-podzhog"  # canonical link
    assert doc.title == "В Перми задержали мужчину, поджёгшего военкомат"
    assert "бросил бутылку с зажигательной смесью" in doc.text


def test_url_of_a_feed_gives_its_entries(web_server):
    documents, failures = split(ingest([f"{web_server}/examples/regional-wire.rss"]))
    assert failures == [] and len(documents) == 2
    assert [d.lang for d in documents] == ["en", "ru"]


def test_url_serving_plain_text_is_sniffed_as_text(web_server):
    url = f"{web_server}/examples/tolyatti-draft-office-fire.txt"
    [doc] = list(ingest([url]))
    assert (doc.id, doc.source_format, doc.published) == (url, "url", "2022-09-22")
    assert doc.text.startswith("Draft office set on fire in Tolyatti") and "---" not in doc.text


def test_url_not_found(web_server):
    url = f"{web_server}/tests/data/ingest/missing.html"
    [failure] = list(ingest([url]))
    assert failure.input == url and failure.reason.startswith("could not fetch: HTTP 404 ")


def test_unreachable_url_fails_with_a_clear_line():
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/article"
    [failure] = list(ingest([url]))
    assert isinstance(failure, IngestFailure)
    assert failure.input == url
    assert failure.reason.startswith("could not fetch: ")
    assert "\n" not in str(failure)


def test_url_too_large(web_server):
    url = f"{web_server}/tests/data/ingest/article.html"
    size = os.path.getsize(DATA / "article.html")
    [failure] = list(ingest([url], IngestOptions(max_bytes=1000)))
    assert failure == IngestFailure(url, f"too large ({size / 1024:.1f} KB > 1000 bytes limit)")


# --- the bundled examples -------------------------------------------------------------------------


def test_examples_are_all_read():
    inputs = sorted(str(p) for p in EXAMPLES.iterdir() if p.suffix in {".txt", ".html", ".jsonl", ".rss"})
    documents, failures = split(ingest(inputs))
    assert failures == []
    assert len(documents) == 7
    assert all(d.published and d.text and d.lang in {"en", "ru"} for d in documents)
    assert sorted(d.lang for d in documents) == ["en"] * 4 + ["ru"] * 3
    for document in documents:
        assert 80 <= len(document.text.split()) <= 250, document.id
    cp1251 = next(d for d in documents if d.id.endswith("kazakhstan-arrivals-cp1251.txt"))
    assert cp1251.outlet == "Степные новости" and "200 тысяч" in cp1251.text
    page = next(d for d in documents if d.source_format == "html")
    for clutter in ("Skip to main content", "Share on Facebook", "Related articles", "Upper Lars", "newsletter"):
        assert clutter not in page.text
