"""Bytes -> text: BOMs, UTF-8 (repaired when a few bytes are bad), else charset-normalizer;
binary input is refused. And the repair of text that no store can hold."""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .errors import InputError

# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes that text never holds (tab, newlines, form feed and escape are allowed).
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 11, 12, 13, 27})) + b"\x7f"
_BINARY_SAMPLE = 8192
_MAX_CONTROL_SHARE = 0.1
_REPLACEMENT = "\ufffd"
_REPLACEMENT_BYTES = _REPLACEMENT.encode("utf-8")
# Code points that neither UTF-8 nor PostgreSQL text can hold: lone surrogates (JSON's
# "\ud800" escape) and NUL.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL = "\x00"


@dataclass(frozen=True)
class Decoded:
    text: str
    warning: str | None = None  # what decoding had to repair, one line


def _bom_codec(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or a sample where control bytes are more than a tenth."""
    if _bom_codec(data):
        return False
    if b"\x00" in data:
        return True
    sample = data[:_BINARY_SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) * _MAX_CONTROL_SHARE


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few bad bytes (a truncated character, one stray legacy byte), or None.

    The text counts as UTF-8 when its valid non-ASCII characters are at least as many as
    its invalid sequences: a legacy code page (cp1251, Latin-1) almost never forms a valid
    UTF-8 sequence, so in such a text nearly every non-ASCII byte is invalid.
    """
    text = data.decode("utf-8", errors="replace")
    invalid = text.count(_REPLACEMENT) - data.count(_REPLACEMENT_BYTES)
    valid_non_ascii = len(text) - len(text.encode("ascii", errors="ignore")) - invalid
    if invalid == 0 or valid_non_ascii < invalid:
        return None
    return Decoded(text, f"{_plural(invalid, 'invalid UTF-8 byte sequence')} replaced with U+FFFD")


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode text of unknown encoding; ``declared`` is a charset the transport named."""
    codec = _bom_codec(data)
    if codec == "utf-8-sig":
        data = data.removeprefix(codecs.BOM_UTF8)
    elif codec:
        try:
            return Decoded(data.decode(codec))
        except UnicodeDecodeError:
            raise InputError("undecodable text") from None
    if looks_binary(data):
        raise InputError("binary file")
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    repaired = _mostly_utf8(data)
    if repaired is not None:
        return repaired
    if declared:
        try:
            return Decoded(data.decode(declared))
        except (LookupError, UnicodeDecodeError):
            pass
    best = from_bytes(data).best()
    if best is None:
        raise InputError("undecodable text")
    return Decoded(str(best))


def storable(value: str) -> tuple[str, list[str]]:
    """The value with lone surrogates replaced by U+FFFD and NUL characters removed, and what was done."""
    changes = []
    surrogates = len(_LONE_SURROGATE.findall(value))
    if surrogates:
        value = _LONE_SURROGATE.sub(_REPLACEMENT, value)
        changes.append(f"{_plural(surrogates, 'lone surrogate')} replaced with U+FFFD")
    nuls = value.count(_NUL)
    if nuls:
        value = value.replace(_NUL, "")
        changes.append(f"{_plural(nuls, 'NUL character')} removed")
    return value, changes
