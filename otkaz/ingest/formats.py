"""Which reader an input needs: by its extension, else by sniffing its bytes."""
from __future__ import annotations

import codecs
import json
from pathlib import Path

TEXT, HTML, FEED, JSONL, JSON, MARKUP = "text", "html", "feed", "jsonl", "json", "markup"
# Read as streams, a record at a time (otkaz.ingest.streams).
JSONL_GZ, PARQUET, WARC = "jsonl.gz", "parquet", "warc"
# MARKUP: an RSS/Atom feed if feedparser recognizes one, else HTML.

_BY_EXTENSION = {
    ".txt": TEXT,
    ".text": TEXT,
    ".md": TEXT,
    ".markdown": TEXT,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".json": JSON,
    ".xml": FEED,
    ".rss": FEED,
    ".atom": FEED,
    ".parquet": PARQUET,
    ".warc": WARC,
}
_BY_DOUBLE_EXTENSION = {".jsonl.gz": JSONL_GZ, ".ndjson.gz": JSONL_GZ, ".warc.gz": WARC}
_SNIFF_BYTES = 4096


def format_for_path(path: Path) -> str | None:
    """The format the extension names, or None for an extension to sniff."""
    double = "".join(path.suffixes[-2:]).lower()
    return _BY_DOUBLE_EXTENSION.get(double) or _BY_EXTENSION.get(path.suffix.lower())


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def sniff_format(data: bytes) -> str:
    """Markup, JSON, JSON Lines or else plain text."""
    head = data.removeprefix(codecs.BOM_UTF8).lstrip()[:_SNIFF_BYTES]
    if head.startswith(b"<"):
        return MARKUP
    if head.startswith((b"{", b"[")):
        text = data.decode("utf-8-sig", errors="replace")
        try:
            json.loads(text)
            return JSON
        except RecursionError:  # one value, too deep: the JSON reader says so
            return JSON
        except json.JSONDecodeError:
            first_line = next(line for line in text.splitlines() if line.strip())
            if _is_json_object(first_line):
                return JSONL
    return TEXT
