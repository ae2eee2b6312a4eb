"""Reading sources into Documents: the ingest stage's entry points."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..codebook import shown
from ..model import Document, content_hash
from .cleaning import clean_text
from .downloads import Download, fetch_url
from .encoding import decode_bytes, looks_binary, storable
from .errors import IngestFailure, IngestWarning, InputError
from .feeds import FeedEntry, feed_entries, parse_feed
from .files import bounded_lines, open_input, peek, read_file_bytes, read_stdin_bytes
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
from .sources import FILE, STDIN, URL, Source, find_sources

Result = Document | IngestFailure | IngestWarning
INTERNAL_ERROR = "internal error"  # a failure no reader foresaw: a bug to report

STDIN_ID_PREFIX = "stdin:"
_STDIN_ID_DIGITS = 16  # of the content hash: 64 bits
_BINARY_HEAD = 8192  # bytes of a streamed file looked at to refuse binary content
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
        return self.source.document_base if self.source.kind == FILE else None

    def part_id(self, separator: str, part: int) -> str | None:
        """The id of one of several documents in the input: "file.jsonl:3", "feed.xml#2";
        None (named by content) from stdin, where no name is stable."""
        base = self.source.document_base
        return None if base is None else f"{base}{separator}{part}"

    def format_name(self, content_format: str) -> str:
        return self.source_format or ("jsonl" if content_format == JSON else content_format)


def _options_metadata(options: IngestOptions) -> Metadata:
    return Metadata.from_values(published=options.published, outlet=options.outlet, lang=options.lang)


def _storable_fields(values: dict[str, str | None]) -> tuple[dict[str, str | None], str | None]:
    """Each value as the store can hold it, and one line saying what was changed, if anything."""
    repaired, changes = {}, []
    for name, value in values.items():
        if value is not None:
            value, done = storable(value)
            changes += [f"{name}: {change}" for change in done]
        repaired[name] = value
    return repaired, ("; ".join(changes) or None)


def _documents(
    doc_id: str | None,
    text: str,
    metadata: Metadata,
    origin: _Origin,
    content_format: str,
    options: IngestOptions,
    failure_name: str,
    empty_reason: str = "no text",
) -> Iterator[Result]:
    """Clean the text and fill what the input left open from the options, then the language guess.

    ``doc_id`` None: the document is named by its content (see ``_Origin.part_id``).
    """
    raw, repair = _storable_fields({"text": text, "id": doc_id})
    clean = clean_text(raw["text"] or "")
    if not clean:
        yield IngestFailure(failure_name, empty_reason)
        return
    if metadata.dropped_url:
        log.warning("%s: URL %s is not http(s): left out", failure_name, shown(metadata.dropped_url))
    metadata = metadata.or_else(_options_metadata(options))
    values, metadata_repair = _storable_fields(
        {"title": metadata.title, "url": metadata.url, "outlet": metadata.outlet,
         "published": metadata.published, "lang": metadata.lang}
    )
    for change in (repair, metadata_repair):
        if change:
            yield IngestWarning(failure_name, change)
    yield Document(
        id=raw["id"] or STDIN_ID_PREFIX + content_hash(clean)[:_STDIN_ID_DIGITS],
        text=clean,
        title=values["title"],
        url=values["url"],
        path=origin.path,
        outlet=values["outlet"],
        published=values["published"],
        lang=values["lang"] or detect_lang(clean),
        source_format=origin.format_name(content_format),
    )


def _single_id(metadata: Metadata, origin: _Origin) -> str | None:
    """A one-article input's id: the URL fetched; its own id; from stdin its URL; else where it lies."""
    if origin.source.kind == URL:
        return origin.source.document_base
    if origin.source.kind == STDIN:
        return metadata.id or metadata.url
    return metadata.id or origin.source.document_base


def _decoded(data: bytes, name: str, declared: str | None = None) -> tuple[str, IngestWarning | None]:
    decoded = decode_bytes(data, declared)
    return decoded.text, (IngestWarning(name, decoded.warning) if decoded.warning else None)


def _sidecar_warning(name: str, warning: str | None) -> Iterator[IngestWarning]:
    if warning:
        yield IngestWarning(name, warning)


def _read_text(data: bytes, origin: _Origin, sidecar: Metadata, options: IngestOptions) -> Iterator[Result]:
    name = origin.source.name
    text, warning = _decoded(data, name)
    if warning:
        yield warning
    header, body = split_header(text)
    metadata = header.or_else(sidecar)
    if not body.strip():
        yield IngestFailure(name, "empty")
        return
    yield from _documents(
        _single_id(metadata, origin), body, metadata, origin, TEXT, options, name,
        empty_reason="no text left after removing page clutter",
    )


def _read_html(data: bytes, origin: _Origin, sidecar: Metadata, options: IngestOptions) -> Iterator[Result]:
    name = origin.source.name
    html, warning = _decoded(data, name, origin.charset)
    if warning:
        yield warning
    text, page = extract_html(html, origin.url)
    # The user's sidecar corrects what was read off the page.
    metadata = sidecar.or_else(page)
    yield from _documents(
        _single_id(metadata, origin), text, metadata, origin, HTML, options, name,
        empty_reason="no main text found",
    )


def _feed_items(data: bytes, origin: _Origin, options: IngestOptions) -> Iterator[tuple[FeedEntry, Result]]:
    parsed = parse_feed(data)
    if parsed is None:
        raise InputError("not an RSS or Atom feed")
    for entry in feed_entries(parsed):
        entry_name = f"{origin.source.name}#{entry.position}"
        doc_id = entry.metadata.id or origin.part_id("#", entry.position)
        for result in _documents(doc_id, entry.text, entry.metadata, origin, FEED, options, entry_name):
            yield entry, result


def _read_feed(data: bytes, origin: _Origin, options: IngestOptions) -> Iterator[Result]:
    for _entry, result in _feed_items(data, origin, options):
        yield result


def _json_article(
    article: JsonArticle,
    name: str,
    fallback_id: str | None,
    origin: _Origin,
    content_format: str,
    options: IngestOptions,
) -> Iterator[Result]:
    """A record's text, or the main text of its HTML; failures are named by the record's place."""
    if article.warning:
        yield IngestWarning(name, article.warning)
    metadata, text = article.metadata, article.text
    if text is None and article.html is not None:
        text, page = extract_html(article.html, metadata.url)
        metadata = metadata.or_else(page)
    if not text:
        yield IngestFailure(name, "no text")
        return
    yield from _documents(metadata.id or fallback_id, text, metadata, origin, content_format, options, name)


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
            yield from _json_article(item, line_name, origin.part_id(":", line_number), origin, JSONL, options)
    if not seen_line:
        yield IngestFailure(origin.source.name, "empty")


def _read_json(data: bytes, origin: _Origin, options: IngestOptions) -> Iterator[Result]:
    name = origin.source.name
    text, warning = _decoded(data, name)
    articles = parse_json_document(text)
    if articles is None:  # not one JSON value: perhaps JSON Lines under a .json name
        yield from _read_json_lines(data.splitlines(), origin, options)
        return
    if not articles:
        raise InputError("no articles (an empty JSON list)")
    if warning:
        yield warning
    for position, article in enumerate(articles, start=1):
        if len(articles) == 1:
            yield from _json_article(article, name, _single_id(article.metadata, origin), origin, JSON, options)
        else:
            yield from _json_article(
                article, f"{name}#{position}", origin.part_id("#", position), origin, JSON, options
            )


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
        yield from _read_text(data, origin, sidecar, options)
    elif content_format == HTML:
        yield from _read_html(data, origin, sidecar, options)
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
        with open_input(source.path) as stream:
            if looks_binary(peek(stream, _BINARY_HEAD)):
                raise InputError("binary file")
            yield from _read_json_lines(bounded_lines(stream, options.max_bytes), origin, options)
        return
    if content_format in _STREAMED:  # likewise, a record at a time
        yield from _STREAMED[content_format](source, origin, options)
        return
    data = read_file_bytes(source.path, options.max_bytes)
    content_format = content_format or sniff_format(data)
    sidecar, warning = (
        read_sidecar(source.path) if content_format in (TEXT, HTML, MARKUP) else (None, None)
    )
    yield from _sidecar_warning(source.name, warning)
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
            yield from _json_article(item, row_name, origin.part_id(":", row), origin, PARQUET, options)
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
        decoded = decode_bytes(item.html, item.charset)
        if decoded.warning:
            yield IngestWarning(uri, decoded.warning)
        text, page = extract_html(decoded.text, uri)
        yield from _documents(uri, text, page, origin, WARC, options, uri, empty_reason="no main text found")
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
    """One source -> its documents, or failures that name the input and the reason, and
    warnings naming what was repaired on the way."""
    options = options or IngestOptions()
    readers = {FILE: _read_file, URL: _read_url, STDIN: _read_stdin}
    try:
        yield from readers[source.kind](source, options)
    except InputError as err:
        yield IngestFailure(source.name, err.reason)
    except Exception as err:  # noqa: BLE001 - a reader's bug must not end the batch: name the input, go on
        yield IngestFailure(source.name, f"{INTERNAL_ERROR} ({_first_line(err)}); please report it")


def _first_line(err: Exception) -> str:
    message = str(err).strip().splitlines()
    return f"{type(err).__name__}: {message[0]}" if message else type(err).__name__


def ingest(inputs: Iterable[str], options: IngestOptions | None = None) -> Iterator[Result]:
    """Files, folders, "-" (stdin) and URLs -> documents, failures and warnings, in input order;
    a failure never stops the batch."""
    options = options or IngestOptions()
    for source in find_sources(inputs):
        yield from read_source(source, options)
