"""Ingest: inputs (files, folders, stdin, URLs) -> clean ``Document``s, or one-line failures."""
from .core import ingest, read_source
from .errors import IngestFailure
from .settings import IngestOptions
from .sources import Source, find_sources

__all__ = ["IngestFailure", "IngestOptions", "Source", "find_sources", "ingest", "read_source"]
