"""The Python API behind the CLI: ingest -> extract -> merge, into a store.

    from otkaz.store import Database
    from otkaz.ingest import IngestOptions
    from otkaz import pipeline

    db = Database("otkaz.db")
    summary = pipeline.run(db, ["examples/"], IngestOptions())
    print(summary.to_dict())

Every stage is safe to re-run: the store skips documents it already holds,
extraction only touches documents not yet extracted by this extractor version,
and merging rebuilds the incidents from all mentions and the analyst's decisions.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from otkaz.ingest import IngestFailure, IngestOptions, IngestWarning, Source, find_sources, read_source
from otkaz.merge import merge
from otkaz.model import Document
from otkaz.store import Database, StoreError

# progress(stage, done, total): called as each stage advances.
Progress = Callable[[str, int, int], None]


@dataclass
class RunSummary:
    """What a run did; each stage fills its own fields."""

    inputs: int = 0  # sources found: files (folders expanded), URLs, stdin
    stored: int = 0  # documents new to the store
    updated: int = 0  # documents stored anew under their id: new text or metadata (re-extracted)
    duplicates: int = 0  # documents the store already held (same normalized text)
    failed: int = 0  # inputs, or lines of inputs, that gave no document
    # Each input that failed, and each document whose extraction the store refused.
    failures: list[IngestFailure] = field(default_factory=list)
    # Each input stored with a repair (an invalid byte replaced, ...).
    warnings: list[IngestWarning] = field(default_factory=list)
    extracted: int = 0  # documents the extractor read
    extraction_failed: int = 0  # documents whose extraction the store refused (they stay pending)
    not_processed: int = 0  # documents in a language no extractor reads
    mentions: int = 0  # incident mentions found in the documents extracted
    aggregates: int = 0  # aggregate figures found in the documents extracted
    incidents: int = 0  # incidents in the store after merging (rejected ones left out)

    def combine(self, other: RunSummary) -> RunSummary:
        """The sum of two partial summaries."""
        combined = RunSummary(failures=self.failures + other.failures, warnings=self.warnings + other.warnings)
        for name in (f.name for f in fields(self) if f.name not in ("failures", "warnings")):
            setattr(combined, name, getattr(self, name) + getattr(other, name))
        return combined

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [{"input": f.input, "reason": f.reason} for f in self.failures]
        data["warnings"] = [{"input": w.input, "message": w.message} for w in self.warnings]
        return data


def ingest_into(
    db: Database, inputs: Iterable[str], options: IngestOptions | None = None, progress: Progress | None = None
) -> RunSummary:
    """Read ``inputs`` (paths, folders, URLs, "-") and store their documents."""
    return ingest_sources(db, find_sources(inputs), options, progress)


def ingest_sources(
    db: Database, sources: list[Source], options: IngestOptions | None = None, progress: Progress | None = None
) -> RunSummary:
    """Read ready-made sources (as the web application's uploads are) and store their documents."""
    options = options or IngestOptions()
    summary = RunSummary(inputs=len(sources))
    for done, source in enumerate(sources, start=1):
        for item in read_source(source, options):
            if isinstance(item, IngestFailure):
                summary.failed += 1
                summary.failures.append(item)
            elif isinstance(item, IngestWarning):
                summary.warnings.append(item)
            else:
                added = db.add_document(item)
                if added.conflict_with is not None:
                    summary.failed += 1
                    summary.failures.append(IngestFailure(source.name, _conflict_reason(item.id, added.conflict_with)))
                elif added.created:
                    summary.stored += 1
                elif added.replaced:
                    summary.updated += 1
                else:
                    summary.duplicates += 1
        _report(progress, "ingest", done, len(sources))
    return summary


def _conflict_reason(document_id: str, stored_from: str) -> str:
    where = f" (from {stored_from})" if stored_from else " (from stdin)"
    return f"not stored: id {document_id!r} already names a stored document of other text{where}"


def extract_pending(db: Database, progress: Progress | None = None, all_documents: bool = False) -> RunSummary:
    """Extract the documents that need it (never extracted, or by another extractor version).

    ``all_documents``: re-extract every stored document.
    """
    from otkaz.extract import EXTRACTOR_VERSION, extract_many  # here: ingest alone needs no extractor

    documents: list[Document] = list(db.documents()) if all_documents else db.documents_to_extract(EXTRACTOR_VERSION)
    summary = RunSummary()
    for done, result in enumerate(extract_many(documents), start=1):
        _report(progress, "extract", done, len(documents))
        try:
            db.save_extraction(result, EXTRACTOR_VERSION)  # one by one: an interruption loses little
        except StoreError as exc:  # an inconsistent result: the others are still saved
            summary.extraction_failed += 1
            summary.failures.append(IngestFailure(result.document_id, str(exc)))
            continue
        if result.processed:
            summary.extracted += 1
            summary.mentions += len(result.mentions)
            summary.aggregates += len(result.aggregates)
        else:
            summary.not_processed += 1
    return summary


def merge_all(db: Database) -> int:
    """Rebuild the incidents from every mention and decision; returns how many are not rejected."""
    incidents = merge(db.reports(), db.decisions())
    db.replace_incidents(incidents)
    return sum(incident.status != "rejected" for incident in incidents)


def run(
    db: Database, inputs: Iterable[str], options: IngestOptions | None = None, progress: Progress | None = None
) -> RunSummary:
    """Ingest ``inputs``, extract what needs it, merge: the whole pipeline."""
    summary = ingest_into(db, inputs, options, progress)
    summary = summary.combine(extract_pending(db, progress))
    summary.incidents = merge_all(db)
    return summary


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
