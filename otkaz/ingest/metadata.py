"""Article metadata: the header block, sidecar files, the keys other tools write, dates."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dateparser.date import DateDataParser

from .encoding import decode_bytes
from .errors import InputError
from .files import printable, read_file_bytes
from .language import normalize_lang

SIDECAR_SUFFIX = ".meta.json"
_HEADER_KEYS = ("id", "url", "title", "published", "outlet", "lang")
_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z_-]*)\s*:\s*(.*)")
_HEADER_END = re.compile(r"-{3,}")
_MAX_HEADER_LINES = 30
_MAX_SIDECAR_BYTES = 1024 * 1024  # metadata: a few lines of JSON
_MAX_DATE_CHARS = 100
_TWO_DIGITS = re.compile(r"\d\d")

# The same field as each tool names it, most specific first:
# ours, news-please (date_publish, source_domain, language), trafilatura's JSON
# (date, sitename, source-hostname, hostname, source = the URL, language).
_RECORD_KEYS = {
    "id": ("id",),
    "url": ("url", "source"),
    "title": ("title",),
    "published": ("published", "date_publish", "date"),
    "outlet": ("outlet", "sitename", "source-hostname", "source_domain", "hostname"),
    "lang": ("lang", "language"),
}


@dataclass(frozen=True)
class Metadata:
    """What is known about an article besides its text; None where unknown."""

    id: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date, month or year
    outlet: str | None = None
    lang: str | None = None
    # A URL given but left out: not http(s) (javascript:, data:, file: ...); ingest warns of it.
    dropped_url: str | None = None

    @classmethod
    def from_values(cls, **values: Any) -> Metadata:
        """Raw values -> clean ones: blanks dropped, dates and language codes normalized, URLs other than http(s) left out."""
        cleaned = {name: _clean_value(values.get(name)) for name in _HEADER_KEYS}
        cleaned["published"] = normalize_published(cleaned["published"])
        cleaned["lang"] = normalize_lang(cleaned["lang"])
        if cleaned["url"] is not None and not is_web_url(cleaned["url"]):
            cleaned["dropped_url"] = cleaned.pop("url")
        return cls(**cleaned)

    def or_else(self, fallback: Metadata) -> Metadata:
        """Field by field: this value where present, else the fallback's."""
        return Metadata(
            **{f.name: getattr(self, f.name) or getattr(fallback, f.name) for f in fields(self)}
        )


def is_web_url(value: str) -> bool:
    """An http(s) URL with a host: the only kind a document keeps (others can run script when linked)."""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. a malformed IPv6 host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _clean_value(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


# Dates are tried in the languages otkaz reads first: dateparser, given no language, detects
# one among some two hundred, compiling their patterns as it goes (5 s of the first dates a
# process reads). A date in none of them is tried in every language after, if it is short
# enough to be one ("Samstag, 23. November 2024, 10:45 MEZ"): a longer string that is not a
# date in these languages ("unknown (c. May 2023, per text: ...)") is not one in any.
FIRST_DATE_LANGUAGES = ("en", "ru")
_MAX_OTHER_LANGUAGE_DATE_CHARS = 48


@lru_cache(maxsize=2)
def _date_parser(languages: tuple[str, ...] | None = None) -> DateDataParser:
    # Absolute dates only ("yesterday" means nothing without a reference), day
    # before month as in "27.09.2022", and a year is required.
    return DateDataParser(
        languages=list(languages) if languages else None,
        settings={
            "PARSERS": ["custom-formats", "absolute-time"],
            "DATE_ORDER": "DMY",
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["year"],
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


def normalize_published(value: str | None) -> str | None:
    """A date as written -> '2022-09-27', '2022-09' or '2022' at its own precision; None if unparseable.

    The day is the one written, in the writer's time zone: "2022-09-27T23:30:00-05:00" stays the 27th.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        pass
    # A written date with a year has two digits in a row and is short; dateparser takes
    # seconds over some strings that are neither ("-Infinity").
    if len(text) > _MAX_DATE_CHARS or not _TWO_DIGITS.search(text):
        return None
    for languages in (FIRST_DATE_LANGUAGES, None):
        if languages is None and len(text) > _MAX_OTHER_LANGUAGE_DATE_CHARS:
            return None
        try:
            parsed = _date_parser(languages).get_date_data(text)
        except (ValueError, OverflowError):
            continue
        if parsed.date_obj is not None:
            break
    else:
        return None
    day = parsed.date_obj.date()
    if parsed.period == "year":
        return f"{day.year:04d}"
    if parsed.period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def metadata_from_record(record: dict[str, Any]) -> Metadata:
    """A JSON object in our keys, news-please's or trafilatura's -> Metadata."""
    values: dict[str, Any] = {}
    for name, keys in _RECORD_KEYS.items():
        for key in keys:
            if _clean_value(record.get(key)) is not None:
                values[name] = record[key]
                break
    # trafilatura's "source" is the URL, but elsewhere a source can be a name.
    if _clean_value(record.get("url")) is None and "url" in values and not is_web_url(str(values["url"])):
        values.pop("url")
    return Metadata.from_values(**values)


def split_header(text: str) -> tuple[Metadata, str]:
    """A header block (URL:/TITLE:/PUBLISHED:/OUTLET:/LANG:/ID: lines, then '---') -> (metadata, body).

    Text without a well-formed header comes back unchanged.  A leading '---' line
    (Markdown front matter) is accepted too.
    """
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start < len(lines) and _HEADER_END.fullmatch(lines[start].strip()):
        start += 1
    values: dict[str, str] = {}
    for index in range(start, min(len(lines), start + _MAX_HEADER_LINES)):
        line = lines[index].strip()
        if _HEADER_END.fullmatch(line):
            if values:
                return Metadata.from_values(**values), "\n".join(lines[index + 1 :])
            break
        if not line:
            continue
        match = _HEADER_LINE.fullmatch(line)
        if not match:
            break
        key = match[1].lower()
        if key in _HEADER_KEYS:
            values[key] = match[2]
    return Metadata(), text


def sidecar_path(path: Path) -> Path | None:
    """NAME.meta.json beside the file ("a.txt.meta.json", or "a.meta.json"), if there is one."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_suffix(SIDECAR_SUFFIX)):
        if candidate != path and candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> tuple[Metadata, str | None]:
    """The metadata in the file's sidecar (empty when it has none), and what decoding it repaired."""
    sidecar = sidecar_path(path)
    if sidecar is None:
        return Metadata(), None
    name = printable(sidecar.name)
    try:
        decoded = decode_bytes(read_file_bytes(sidecar, _MAX_SIDECAR_BYTES))
        record = json.loads(decoded.text)
    except json.JSONDecodeError as err:
        raise InputError(f"malformed sidecar {name}: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:  # json.loads: nesting deeper than the recursion limit
        raise InputError(f"malformed sidecar {name}: nested too deeply") from None
    except InputError as err:
        raise InputError(f"unreadable sidecar {name}: {err.reason}") from None
    if not isinstance(record, dict):
        raise InputError(f"malformed sidecar {name}: not a JSON object")
    warning = f"sidecar {name}: {decoded.warning}" if decoded.warning else None
    return metadata_from_record(record), warning


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX)
