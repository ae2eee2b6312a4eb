"""Finding inputs: files, folders (recursively, sorted), "-" for stdin, URLs."""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .files import printable
from .metadata import is_sidecar

STDIN_NAME = "-"
FILE, STDIN, URL = "file", "stdin", "url"  # the kinds of source
_URL_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class Source:
    """One input.

    ``name`` is how the user named it (a file found in a folder: the folder joined with the
    path below it): failures and warnings quote it. ``location`` is what names its documents
    in the store: for a file its resolved path, so that however the path is typed, and from
    whichever folder, one file is one document; None means ``name`` (the web application
    names its uploads itself), and stdin has none (its documents are named by content).
    """

    name: str
    kind: str  # "file", "stdin" or "url"
    path: Path | None = None
    location: str | None = None

    @property
    def document_base(self) -> str | None:
        """What documents from this source are named after, or None: name them by their content."""
        if self.kind == STDIN:
            return None
        return self.location or self.name


def is_url(name: str) -> bool:
    return name.lower().startswith(_URL_SCHEMES)


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _file_source(name: str, path: Path) -> Source:
    return Source(printable(name), FILE, path, printable(str(path.resolve())))


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
        _file_source(os.path.join(folder, relative.as_posix()), root / relative)
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
            sources.append(Source(name, URL, location=name))
        elif os.path.isdir(name):
            sources.extend(_folder_sources(name))
        else:
            sources.append(_file_source(name, Path(name)))
    return sources
