"""Bytes -> text: BOMs, UTF-8, else charset-normalizer; binary input is refused."""
from __future__ import annotations

import codecs

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


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text of unknown encoding; ``declared`` is a charset the transport named."""
    codec = _bom_codec(data)
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            raise InputError("undecodable text") from None
    if looks_binary(data):
        raise InputError("binary file")
    for candidate in ("utf-8", declared):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                pass
    best = from_bytes(data).best()
    if best is None:
        raise InputError("undecodable text")
    return str(best)
