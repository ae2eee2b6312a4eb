"""Options of the ingest stage."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IngestOptions:
    published: str | None = None  # applied to inputs that carry no date of their own
    outlet: str | None = None
    lang: str | None = None
    max_bytes: int = 20 * 1024 * 1024
