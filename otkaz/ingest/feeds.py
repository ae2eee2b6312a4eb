"""RSS and Atom feeds -> one article per entry, by feedparser."""
from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import feedparser

from .errors import InputError
from .htmlprocessing import html_fragment_to_text
from .metadata import Metadata


@dataclass
class FeedEntry:
    position: int  # 1-based, for entries without link or id
    text: str
    metadata: Metadata  # id: the entry's link, else its id
    # No full content, only a summary, and a web page to read the article on.
    summary_only: bool = False


def parse_feed(data: bytes) -> feedparser.FeedParserDict | None:
    """The parsed feed, or None when feedparser does not recognize RSS or Atom."""
    # A file object: feedparser would take bytes that look like a URL or path for one.
    try:
        parsed = feedparser.parse(io.BytesIO(data))
    except UnicodeDecodeError:  # feedparser reads the XML declaration's encoding name as UTF-8
        raise InputError("malformed XML declaration: its encoding name is not text") from None
    return parsed if parsed.get("version") else None


def _entry_text(entry: Any) -> tuple[str, str | None]:
    """The entry's content, else its summary, as text; with the language it declares."""
    details = [*entry.get("content", []), entry.get("summary_detail")]
    for detail in details:
        if detail and detail.get("value", "").strip():
            value = detail["value"]
            if "html" in (detail.get("type") or ""):
                value = html_fragment_to_text(value)
            return value, detail.get("language")
    return "", None


def _web_link(entry: Any) -> str | None:
    # feedparser copies an entry's id into "link" when there is no link; a "tag:" id is no web page.
    link = entry.get("link")
    return link if link and link.startswith(("http://", "https://")) else None


def _stated_link(entry: Any) -> str | None:
    """The link the entry states (checked like any URL), but not an id feedparser copied into it."""
    link = entry.get("link")
    return None if link == entry.get("id") and not _web_link(entry) else link


def feed_entries(parsed: feedparser.FeedParserDict) -> Iterator[FeedEntry]:
    """Each entry with its text and metadata; the feed's title is the outlet."""
    if not parsed.entries:
        raise InputError("feed without entries")
    feed = parsed.feed
    for position, entry in enumerate(parsed.entries, start=1):
        text, text_lang = _entry_text(entry)
        link = _web_link(entry)
        metadata = Metadata.from_values(
            id=link or entry.get("id"),
            url=_stated_link(entry),
            title=entry.get("title"),
            published=entry.get("published") or entry.get("updated") or entry.get("created"),
            outlet=feed.get("title"),
            # Only the entry's own language: a channel's <language> is often wrong
            # for some of its entries, and identification from the text is reliable.
            lang=text_lang,
        )
        summary_only = bool(link) and not any(
            (detail.get("value") or "").strip() for detail in entry.get("content", [])
        )
        yield FeedEntry(position, text, metadata, summary_only)
