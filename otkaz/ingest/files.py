"""Reading an input file within the size limit, whatever the file system says its size is;
never waiting on a FIFO that no one writes to, never reading a device."""
from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import InputError, too_large

_SKIP_CHUNK = 1024 * 1024  # the rest of an over-long line is read past in pieces this large
_BUFFER = 64 * 1024


@dataclass(frozen=True)
class OversizedLine:
    """A line of a streamed JSONL file longer than the limit: read past, never held in memory."""

    size: int


def printable(name: str) -> str:
    """A file name as text that can be printed and stored: bytes that are not UTF-8 (which
    Python keeps as lone surrogates) are written as \\xNN escapes."""
    try:
        raw = name.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no file system gave
        raw = name.encode("utf-8", errors="backslashreplace")
    return raw.decode("utf-8", errors="backslashreplace")


def _os_error(err: OSError) -> InputError:
    return InputError((err.strerror or str(err)).lower())


_FILE_TYPES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_readable_kind(mode: int) -> None:
    """Regular files and pipes hold articles; devices (/dev/zero never ends) and sockets do not."""
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode):
        return
    kind = next((name for test, name in _FILE_TYPES if test(mode)), "a special file")
    raise InputError(f"not a regular file ({kind})")


def open_input(path: Path) -> BinaryIO:
    """The file opened for reading, without waiting: a FIFO that no one writes to reads as empty."""
    try:
        _check_readable_kind(path.stat().st_mode)
        # Opening a FIFO blocks until a writer comes, unless non-blocking; reads then block
        # again, as they should for a writer that is there (a shell's <(command)).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise _os_error(err) from None
    try:
        _check_readable_kind(os.fstat(fd).st_mode)  # it may have changed since
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=_BUFFER)
    except OSError as err:
        os.close(fd)
        raise _os_error(err) from None
    except InputError:
        os.close(fd)
        raise


def read_file_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; too large or unreadable files raise InputError.

    A regular file's size is checked before reading, and every input is read no further
    than the limit: pipes, FIFOs and files that grow report no size to trust.
    """
    with open_input(path) as stream:
        try:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                raise too_large(size, max_bytes)
            data = stream.read(max_bytes + 1)
        except OSError as err:
            raise _os_error(err) from None
    if len(data) > max_bytes:
        raise too_large(None, max_bytes)
    return data


def bounded_lines(stream: BinaryIO, max_bytes: int) -> Iterator[bytes | OversizedLine]:
    """The stream's lines, read one at a time (a JSONL file may be larger than memory); a line
    over ``max_bytes`` is never held whole."""
    try:
        while line := stream.readline(max_bytes + 1):
            if len(line) <= max_bytes:
                yield line
                continue
            size = len(line)
            while not line.endswith(b"\n"):
                line = stream.readline(_SKIP_CHUNK)
                if not line:
                    break
                size += len(line)
            yield OversizedLine(size)
    except OSError as err:
        raise _os_error(err) from None


def peek(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` first bytes, left in the stream (to recognize binary content before streaming it)."""
    try:
        return stream.peek(size)[:size]  # type: ignore[attr-defined]  # open_input's BufferedReader
    except OSError as err:
        raise _os_error(err) from None


def read_stdin_bytes(max_bytes: int) -> bytes:
    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(None, max_bytes)
    return data
