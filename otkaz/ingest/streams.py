"""Large inputs read as streams, a record at a time: gzip-compressed JSON Lines, Parquet
tables of articles, and WARC web archives (warcio). Memory stays flat whatever the size;
the size limit applies to each record, not to the file."""
from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .encoding import looks_binary
from .errors import InputError, too_large
from .jsonl import JsonArticle, article_from_record

_PARQUET_ROWS = 256  # rows read from a Parquet file at a time


def _os_error(err: OSError) -> InputError:
    return InputError((err.strerror or str(err)).lower())


def open_gzip_lines(path: Path) -> Iterator[bytes]:
    """The lines of a gzip-compressed file, decompressed as they are read."""
    try:
        with gzip.open(path, "rb") as stream:
            head = stream.peek(8192)[:8192]
            if looks_binary(head):
                raise InputError("binary file")
            yield from stream
    except (gzip.BadGzipFile, zlib.error, EOFError) as err:
        raise InputError(f"not a readable gzip file ({err})") from None
    except OSError as err:
        raise _os_error(err) from None


def parquet_articles(path: Path, max_bytes: int) -> Iterator[tuple[int, JsonArticle | InputError]]:
    """(row number from 1, article or why that row fails) for each row of a Parquet table whose
    columns are JSONL keys (text, title, url, date or published, outlet, lang, id ...)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
        batches = table.iter_batches(batch_size=_PARQUET_ROWS)
        row = 0
        for batch in batches:
            for record in batch.to_pylist():
                row += 1
                size = sum(len(v) for v in record.values() if isinstance(v, str))
                if size > max_bytes:
                    yield row, too_large(size, max_bytes)
                    continue
                yield row, article_from_record(_plain(record))
    except (pa.ArrowException, OSError) as err:
        if isinstance(err, OSError) and not isinstance(err, pa.ArrowException) and err.strerror:
            raise _os_error(err) from None
        raise InputError(f"not a readable Parquet file ({_first_line(err)})") from None


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """Parquet dates and timestamps as the ISO text a JSONL record would hold."""
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in record.items()}


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


@dataclass
class WarcPage:
    """One archived HTML page: the URI it was fetched from, its bytes and declared charset."""

    uri: str
    html: bytes
    charset: str | None


def warc_pages(path: Path, max_bytes: int) -> Iterator[tuple[str, WarcPage | InputError]]:
    """(record name, page or why it fails) for each successful HTML response (or resource)
    of a WARC file, plain or gzip-compressed; other records (requests, images, redirects,
    metadata) are not articles and are passed over."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                page = _warc_page(record, max_bytes)
                if page is not None:
                    yield page
    except ArchiveLoadFailed as err:
        raise InputError(f"not a readable WARC file ({_first_line(err)})") from None
    except OSError as err:
        raise _os_error(err) from None


def _warc_page(record: Any, max_bytes: int) -> tuple[str, WarcPage | InputError] | None:
    if record.rec_type not in ("response", "resource"):
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI") or record.rec_headers.get_header("WARC-Record-ID")
    if record.rec_type == "response":
        if record.http_headers is None or not record.http_headers.get_statuscode().startswith("2"):
            return None
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    if "html" not in content_type.lower():
        return None
    html = record.content_stream().read(max_bytes + 1)
    if len(html) > max_bytes:
        return uri, too_large(None, max_bytes)
    charset = None
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip("\"' ")
    return uri, WarcPage(uri, html, charset)
