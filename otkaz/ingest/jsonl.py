"""JSON Lines (and JSON) articles in our keys, news-please's or trafilatura's."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .encoding import decode_bytes
from .errors import InputError, too_large
from .metadata import Metadata, metadata_from_record
from .files import OversizedLine

# ours / trafilatura's, news-please's, trafilatura's unformatted text
_TEXT_KEYS = ("text", "maintext", "raw_text")


@dataclass
class JsonArticle:
    text: str | None  # plain text, if the record has any
    html: str | None  # a page to extract from when there is no text
    metadata: Metadata
    warning: str | None = None  # what decoding its bytes had to repair


def _first_text(record: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def article_from_record(record: dict[str, Any], warning: str | None = None) -> JsonArticle:
    return JsonArticle(
        text=_first_text(record, _TEXT_KEYS),
        html=_first_text(record, ("html",)),
        metadata=metadata_from_record(record),
        warning=warning,
    )


def _malformed(line_number: int, err: json.JSONDecodeError) -> InputError:
    # json's messages for some errors end in " at", meant to be followed by the position.
    message = err.msg.removesuffix(" at")
    return InputError(f"malformed JSON at line {line_number}: {message} at column {err.colno}")


# json.loads raises RecursionError for nesting deeper than the interpreter's recursion limit.
TOO_DEEP = "nested too deeply"


def read_json_lines(
    lines: Iterable[bytes | OversizedLine], max_bytes: int
) -> Iterator[tuple[int, JsonArticle | InputError]]:
    """(line number, article or why that line fails) for each non-blank line; one bad line fails alone."""
    for line_number, raw in enumerate(lines, start=1):
        if isinstance(raw, OversizedLine):
            yield line_number, too_large(raw.size, max_bytes)
            continue
        if not raw.strip():
            continue
        if len(raw) > max_bytes:
            yield line_number, too_large(len(raw), max_bytes)
            continue
        try:
            decoded = decode_bytes(raw.rstrip(b"\r\n"))
            record = json.loads(decoded.text)
        except InputError as err:
            yield line_number, err
            continue
        except json.JSONDecodeError as err:
            yield line_number, _malformed(line_number, err)
            continue
        except RecursionError:
            yield line_number, InputError(f"malformed JSON at line {line_number}: {TOO_DEEP}")
            continue
        if not isinstance(record, dict):
            yield line_number, InputError(f"malformed JSON at line {line_number}: not an object")
            continue
        yield line_number, article_from_record(record, decoded.warning)


def parse_json_document(text: str) -> list[JsonArticle] | None:
    """A whole-file JSON article (an object) or list of articles; None if the text is not one JSON value."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    except RecursionError:
        raise InputError(f"malformed JSON: {TOO_DEEP}") from None
    records = value if isinstance(value, list) else [value]
    if not all(isinstance(record, dict) for record in records):
        raise InputError("JSON that is neither an article object nor a list of them")
    return [article_from_record(record) for record in records]
