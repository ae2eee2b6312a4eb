"""Finding inputs: files, folders (recursively, sorted), "-" for stdin, URLs."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, too_large
from .metadata import is_sidecar

STDIN_NAME = "-"
FILE, STDIN, URL = "file", "stdin", "url"  # the kinds of source
_URL_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class Source:
    """One input: ``name`` is how the user named it (a file found in a folder: the folder joined with the path below it)."""

    name: str
    kind: str  # "file", "stdin" or "url"
    path: Path | None = None


def is_url(name: str) -> bool:
    return name.lower().startswith(_URL_SCHEMES)


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _folder_sources(folder: str) -> list[Source]:
    """Every visible file below the folder, in sorted order; sidecars are metadata, not inputs."""
    root = Path(folder)
    found = []
    for directory, _subdirs, files in os.walk(root):
        for file_name in files:
            path = Path(directory, file_name)
            relative = path.relative_to(root)
            if not _is_hidden(relative) and not is_sidecar(path):
                found.append(relative)
    return [
        Source(os.path.join(folder, relative.as_posix()), FILE, root / relative)
        for relative in sorted(found, key=lambda r: r.parts)
    ]


def find_sources(inputs: Iterable[str]) -> list[Source]:
    """Inputs as given -> sources: folders expanded, "-" is stdin, URLs kept.

    A path that does not exist is kept too: reading it reports the failure.
    """
    if isinstance(inputs, str):
        inputs = [inputs]
    sources: list[Source] = []
    for name in inputs:
        if name == STDIN_NAME:
            sources.append(Source(STDIN_NAME, STDIN))
        elif is_url(name):
            sources.append(Source(name, URL))
        elif os.path.isdir(name):
            sources.extend(_folder_sources(name))
        else:
            sources.append(Source(name, FILE, Path(name)))
    return sources


def _os_error(err: OSError) -> InputError:
    return InputError((err.strerror or str(err)).lower())


def read_file_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; too large or unreadable files raise InputError."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise too_large(size, max_bytes)
        return path.read_bytes()
    except OSError as err:
        raise _os_error(err) from None


def read_head(path: Path, size: int = 8192) -> bytes:
    """The first bytes of a file, to recognize binary content before streaming it."""
    try:
        with path.open("rb") as stream:
            return stream.read(size)
    except OSError as err:
        raise _os_error(err) from None


def open_lines(path: Path) -> Iterator[bytes]:
    """The file's lines as bytes, read one at a time (a JSONL file may be larger than memory)."""
    try:
        with path.open("rb") as stream:
            yield from stream
    except OSError as err:
        raise _os_error(err) from None


def read_stdin_bytes(max_bytes: int) -> bytes:
    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(None, max_bytes)
    return data
