"""How ingest reports an input it cannot read, or had to repair: one line naming the input and the reason."""
from __future__ import annotations

from dataclasses import dataclass

_MB = 1024 * 1024
_KB = 1024


@dataclass
class IngestFailure:
    input: str  # the input as the user named it; "file.jsonl:17" for a line of a JSONL file
    reason: str  # one line: "binary file", "empty", "malformed JSON at line 17: ...", ...

    def __str__(self) -> str:
        return f"{self.input}: {self.reason}"


@dataclass
class IngestWarning:
    """An input read and stored, but repaired on the way (an invalid byte replaced, ...)."""

    input: str  # as for IngestFailure
    message: str  # one line: what was changed

    def __str__(self) -> str:
        return f"{self.input}: warning: {self.message}"


class InputError(Exception):
    """Raised inside ingest when an input cannot be read; ``reason`` becomes the failure line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def format_size(size: int) -> str:
    """25.3 MB, 20 MB, 1.5 KB, 300 bytes."""
    for unit, factor in (("MB", _MB), ("KB", _KB)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def too_large(size: int | None, limit: int) -> InputError:
    """size None: the input was cut off while reading, so only "over the limit" is known."""
    if size is None:
        return InputError(f"too large (over the {format_size(limit)} limit)")
    return InputError(f"too large ({format_size(size)} > {format_size(limit)} limit)")
