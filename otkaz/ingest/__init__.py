"""Ingest: inputs (files, folders, stdin, URLs) -> clean ``Document``s, or one-line failures and warnings."""
from .core import ingest, read_source
from .errors import IngestFailure, IngestWarning
from .settings import IngestOptions
from .sources import Source, find_sources

__all__ = ["IngestFailure", "IngestOptions", "IngestWarning", "Source", "find_sources", "ingest", "read_source"]
