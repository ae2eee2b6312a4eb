"""Reading sources into Documents: the ingest stage's entry points."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..codebook import shown
from ..model import Document
from .cleaning import clean_text
from .downloads import Download, fetch_url
from .encoding import decode_bytes, looks_binary
from .errors import IngestFailure, InputError
from .feeds import FeedEntry, feed_entries, parse_feed
from .formats import (
    FEED,
    HTML,
    JSON,
    JSONL,
    JSONL_GZ,
    MARKUP,
    PARQUET,
    TEXT,
    WARC,
    format_for_path,
    sniff_format,
)
from .htmlprocessing import extract_html
from .jsonl import JsonArticle, parse_json_document, read_json_lines
from .language import detect_lang
from .metadata import Metadata, read_sidecar, split_header
from .settings import IngestOptions
from .streams import open_gzip_lines, parquet_articles, warc_pages
from .sources import (
    FILE,
    STDIN,
    STDIN_NAME,
    URL,
    Source,
    find_sources,
    open_lines,
    read_head,
    read_file_bytes,
    read_stdin_bytes,
)

Result = Document | IngestFailure
log = logging.getLogger(__name__)


@dataclass
class _Origin:
    """Where the content came from, as Documents record it."""

    source: Source
    source_format: str | None  # "stdin" / "url" for those origins; None: named by the content
    url: str | None = None  # the fetched URL
    charset: str | None = None  # as the server declared it

    @property
    def path(self) -> str | None:
        return self.source.name if self.source.kind == FILE else None

    def format_name(self, content_format: str) -> str:
        return self.source_format or ("jsonl" if content_format == JSON else content_format)


def _options_metadata(options: IngestOptions) -> Metadata:
    return Metadata.from_values(published=options.published, outlet=options.outlet, lang=options.lang)


def _document(
    doc_id: str,
    text: str,
    metadata: Metadata,
    origin: _Origin,
    content_format: str,
    options: IngestOptions,
    failure_name: str,
    empty_reason: str = "no text",
) -> Result:
    """Clean the text and fill what the input left open from the options, then the language guess."""
    clean = clean_text(text)
    if not clean:
        return IngestFailure(failure_name, empty_reason)
    if metadata.dropped_url:
        log.warning("%s: URL %s is not http(s): left out", failure_name, shown(metadata.dropped_url))
    metadata = metadata.or_else(_options_metadata(options))
    return Document(
        id=doc_id,
        text=clean,
        title=metadata.title,
        url=metadata.url,
        path=origin.path,
        outlet=metadata.outlet,
        published=metadata.published,
        lang=metadata.lang or detect_lang(clean),
        source_format=origin.format_name(content_format),
    )


def _single_id(metadata: Metadata, origin: _Origin) -> str:
    """A one-article input's id: the URL fetched; from stdin its header's id or URL; else its own id or name."""
    if origin.source.kind == URL:
        return origin.source.name
    if origin.source.kind == STDIN:
        return metadata.id or metadata.url or STDIN_NAME
    return metadata.id or origin.source.name


def _read_text(data: bytes, origin: _Origin, sidecar: Metadata, options: IngestOptions) -> Result:
    header, body = split_header(decode_bytes(data))
    metadata = header.or_else(sidecar)
    name = origin.source.name
    if not body.strip():
        return IngestFailure(name, "empty")
    return _document(
        _single_id(metadata, origin), body, metadata, origin, TEXT, options, name,
        empty_reason="no text left after removing page clutter",
    )


def _read_html(data: bytes, origin: _Origin, sidecar: Metadata, options: IngestOptions) -> Result:
    text, page = extract_html(decode_bytes(data, origin.charset), origin.url)
    # The user's sidecar corrects what was read off the page.
    metadata = sidecar.or_else(page)
    return _document(
        _single_id(metadata, origin), text, metadata, origin, HTML, options, origin.source.name,
        empty_reason="no main text found",
    )


def _feed_items(data: bytes, origin: _Origin, options: IngestOptions) -> Iterator[tuple[FeedEntry, Result]]:
    parsed = parse_feed(data)
    if parsed is None:
        raise InputError("not an RSS or Atom feed")
    for entry in feed_entries(parsed):
        entry_name = f"{origin.source.name}#{entry.position}"
        doc_id = entry.metadata.id or entry_name
        yield entry, _document(doc_id, entry.text, entry.metadata, origin, FEED, options, entry_name)


def _read_feed(data: bytes, origin: _Origin, options: IngestOptions) -> Iterator[Result]:
    for _entry, result in _feed_items(data, origin, options):
        yield result


def _json_article(
    article: JsonArticle,
    fallback_id: str,
    origin: _Origin,
    content_format: str,
    options: IngestOptions,
) -> Result:
    """A record's text, or the main text of its HTML; failures are named by the record's place."""
    metadata, text = article.metadata, article.text
    if text is None and article.html is not None:
        text, page = extract_html(article.html, metadata.url)
        metadata = metadata.or_else(page)
    if not text:
        return IngestFailure(fallback_id, "no text")
    doc_id = metadata.id or fallback_id
    return _document(doc_id, text, metadata, origin, content_format, options, fallback_id)


def _read_json_lines(
    lines: Iterable[bytes], origin: _Origin, options: IngestOptions
) -> Iterator[Result]:
    seen_line = False
    for line_number, item in read_json_lines(lines, options.max_bytes):
        seen_line = True
        line_name = f"{origin.source.name}:{line_number}"
        if isinstance(item, InputError):
            yield IngestFailure(line_name, item.reason)
        else:
            yield _json_article(item, line_name, origin, JSONL, options)
    if not seen_line:
        yield IngestFailure(origin.source.name, "empty")


def _read_json(data: bytes, origin: _Origin, options: IngestOptions) -> Iterator[Result]:
    articles = parse_json_document(decode_bytes(data))
    if articles is None:  # not one JSON value: perhaps JSON Lines under a .json name
        yield from _read_json_lines(data.splitlines(), origin, options)
        return
    name = origin.source.name
    for position, article in enumerate(articles, start=1):
        fallback = name if len(articles) == 1 else f"{name}#{position}"
        yield _json_article(article, fallback, origin, JSON, options)


def _read_content(
    data: bytes,
    content_format: str,
    origin: _Origin,
    options: IngestOptions,
    sidecar: Metadata | None = None,
) -> Iterator[Result]:
    """Bytes of a known format -> documents; the checks every input gets come first."""
    if not data.strip():
        raise InputError("empty")
    if looks_binary(data):
        raise InputError("binary file")
    if content_format == MARKUP:
        content_format = FEED if parse_feed(data) is not None else HTML
    sidecar = sidecar or Metadata()
    if content_format == TEXT:
        yield _read_text(data, origin, sidecar, options)
    elif content_format == HTML:
        yield _read_html(data, origin, sidecar, options)
    elif content_format == FEED:
        yield from _read_feed(data, origin, options)
    elif content_format == JSON:
        yield from _read_json(data, origin, options)
    else:
        yield from _read_json_lines(data.splitlines(), origin, options)


def _read_file(source: Source, options: IngestOptions) -> Iterator[Result]:
    assert source.path is not None
    origin = _Origin(source, source_format=None)
    content_format = format_for_path(source.path)
    if content_format == JSONL:  # streamed: the size limit applies to each line
        if looks_binary(read_head(source.path)):
            raise InputError("binary file")
        yield from _read_json_lines(open_lines(source.path), origin, options)
        return
    if content_format in _STREAMED:  # likewise, a record at a time
        yield from _STREAMED[content_format](source, origin, options)
        return
    data = read_file_bytes(source.path, options.max_bytes)
    content_format = content_format or sniff_format(data)
    sidecar = read_sidecar(source.path) if content_format in (TEXT, HTML, MARKUP) else None
    yield from _read_content(data, content_format, origin, options, sidecar)


def _read_gzip_json_lines(source: Source, origin: _Origin, options: IngestOptions) -> Iterator[Result]:
    assert source.path is not None
    yield from _read_json_lines(open_gzip_lines(source.path), origin, options)


def _read_parquet(source: Source, origin: _Origin, options: IngestOptions) -> Iterator[Result]:
    assert source.path is not None
    seen_row = False
    for row, item in parquet_articles(source.path, options.max_bytes):
        seen_row = True
        row_name = f"{source.name}:{row}"
        if isinstance(item, InputError):
            yield IngestFailure(row_name, item.reason)
        else:
            yield _json_article(item, row_name, origin, PARQUET, options)
    if not seen_row:
        yield IngestFailure(source.name, "empty")


def _read_warc(source: Source, origin: _Origin, options: IngestOptions) -> Iterator[Result]:
    """Each archived HTML page is a document named by the URI it was fetched from."""
    assert source.path is not None
    seen_page = False
    for uri, item in warc_pages(source.path, options.max_bytes):
        seen_page = True
        if isinstance(item, InputError):
            yield IngestFailure(uri, item.reason)
            continue
        text, page = extract_html(decode_bytes(item.html, item.charset), uri)
        yield _document(uri, text, page, origin, WARC, options, uri, empty_reason="no main text found")
    if not seen_page:
        yield IngestFailure(source.name, "no HTML pages in the archive")


_STREAMED = {JSONL_GZ: _read_gzip_json_lines, PARQUET: _read_parquet, WARC: _read_warc}


def _read_url(source: Source, options: IngestOptions) -> Iterator[Result]:
    yield from _read_download(source, fetch_url(source.name, options.max_bytes), options)


def _read_download(source: Source, download: Download, options: IngestOptions) -> Iterator[Result]:
    origin = _Origin(source, URL, url=download.url, charset=download.charset)
    # Sniffed like any unnamed input: a page, or a feed, or the plain text some servers send.
    yield from _read_content(download.content, sniff_format(download.content), origin, options)


def read_download(source: Source, download: Download, options: IngestOptions) -> Iterator[Result]:
    """A page or feed fetched from the URL ``source`` names -> its documents, or failures."""
    try:
        yield from _read_download(source, download, options)
    except InputError as err:
        yield IngestFailure(source.name, err.reason)


def is_feed(download: Download) -> bool:
    return sniff_format(download.content) == MARKUP and parse_feed(download.content) is not None


def feed_items(
    source: Source, download: Download, options: IngestOptions
) -> Iterator[tuple[FeedEntry, Result]]:
    """A fetched feed's entries, each with its document (or failure), for callers that treat
    entries apart (otkaz watch reads the page of a summary-only entry); InputError if no feed."""
    if looks_binary(download.content):
        raise InputError("binary file")
    origin = _Origin(source, URL, url=download.url, charset=download.charset)
    yield from _feed_items(download.content, origin, options)


def _read_stdin(source: Source, options: IngestOptions) -> Iterator[Result]:
    data = read_stdin_bytes(options.max_bytes)
    yield from _read_content(data, sniff_format(data), _Origin(source, STDIN), options)


def read_source(source: Source, options: IngestOptions | None = None) -> Iterator[Result]:
    """One source -> its documents, or failures that name the input and the reason."""
    options = options or IngestOptions()
    readers = {FILE: _read_file, URL: _read_url, STDIN: _read_stdin}
    try:
        yield from readers[source.kind](source, options)
    except InputError as err:
        yield IngestFailure(source.name, err.reason)


def ingest(inputs: Iterable[str], options: IngestOptions | None = None) -> Iterator[Result]:
    """Files, folders, "-" (stdin) and URLs -> documents and failures, in input order; a failure never stops the batch."""
    options = options or IngestOptions()
    for source in find_sources(inputs):
        yield from read_source(source, options)
