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

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from itertools import islice
from typing import Any

from otkaz.codebook import CodebookError, check_decision, shown
from otkaz.ingest import IngestFailure, IngestOptions, Source, find_sources, read_source
from otkaz.merge import merge
from otkaz.model import Decision, Document, ExtractionResult
from otkaz.store import Database, StoreError

# Documents stored per transaction while ingesting: a large input is written in batches.
INGEST_BATCH = 200

log = logging.getLogger(__name__)

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
    extracted: int = 0  # documents the extractor read
    extraction_failed: int = 0  # documents whose extraction the store refused (they stay pending)
    not_processed: int = 0  # documents in a language no extractor reads
    not_parsed: int = 0  # documents without a candidate word: the prefilter kept them from the parser
    mentions: int = 0  # incident mentions found in the documents extracted
    aggregates: int = 0  # aggregate figures found in the documents extracted
    incidents: int = 0  # incidents in the store after merging (rejected ones left out)

    def combine(self, other: RunSummary) -> RunSummary:
        """The sum of two partial summaries."""
        combined = RunSummary(failures=self.failures + other.failures)
        for name in (f.name for f in fields(self) if f.name != "failures"):
            setattr(combined, name, getattr(self, name) + getattr(other, name))
        return combined

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [{"input": f.input, "reason": f.reason} for f in self.failures]
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
        batch: list[Document] = []
        for item in read_source(source, options):
            if isinstance(item, IngestFailure):
                summary.failed += 1
                summary.failures.append(item)
            else:
                batch.append(item)
                if len(batch) >= INGEST_BATCH:
                    _store_batch(db, batch, summary)
                    batch = []
        _store_batch(db, batch, summary)
        _report(progress, "ingest", done, len(sources))
    return summary


def _store_batch(db: Database, batch: list[Document], summary: RunSummary) -> None:
    for added in db.add_documents(batch) if batch else []:
        if added.created:
            summary.stored += 1
        elif added.replaced:
            summary.updated += 1
        else:
            summary.duplicates += 1


def extract_pending(
    db: Database,
    progress: Progress | None = None,
    all_documents: bool = False,
    *,
    workers: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    prefilter: bool = True,
) -> RunSummary:
    """Extract the documents that need it (never extracted, or by another extractor version).

    ``all_documents``: re-extract every stored document. Documents without a candidate
    word (``otkaz.prefilter``) are stored as processed, with no mentions and a note,
    without parsing (``prefilter=False`` parses them all). The others are parsed by the
    engine (``otkaz.engines``): ``workers`` local processes (None: the cores available),
    or a Dask cluster. Results are saved a batch per transaction.
    """
    from otkaz.engines import open_engine
    from otkaz.extract import EXTRACTOR_VERSION  # here: ingest alone needs no extractor

    if all_documents:
        total, documents = sum(db.extraction_status().values()), db.documents()
    else:
        total = db.count_documents_to_extract(EXTRACTOR_VERSION)
        documents = db.iter_documents_to_extract(EXTRACTOR_VERSION)
    summary = RunSummary()
    done = 0
    with open_engine(engine, workers, scheduler, documents=total) as running:
        for results in extract_results(documents, running, prefilter):
            refused = db.save_extractions(results, EXTRACTOR_VERSION)
            for result in results:
                _count_result(summary, result, refused.get(result.document_id))
            done += len(results)
            _report(progress, "extract", done, total)
    return summary


def extract_results(documents: Iterable[Document], engine: Any, prefilter: bool = True) -> Iterator[list[ExtractionResult]]:
    """The documents' results, a batch at a time: the prefilter's for documents without a
    candidate word, the engine's for the others."""
    from otkaz.engines import BATCH
    from otkaz.prefilter import NOTE, get_prefilter

    relevant = get_prefilter().is_relevant if prefilter else (lambda _document: True)
    unparsed: list[list[ExtractionResult]] = []  # of each batch sent to the engine, in order

    def batches() -> Iterator[list[Document]]:
        # A batch is BATCH documents to parse, or the documents read in the meantime (bounded).
        stream = iter(documents)
        while chunk := list(islice(stream, BATCH)):
            to_parse, skipped = [], []
            for document in chunk:
                if relevant(document):
                    to_parse.append(document)
                else:
                    skipped.append(ExtractionResult(document.id, document.lang, True, note=NOTE))
            unparsed.append(skipped)
            yield to_parse

    for parsed in engine.map_batches(batches()):
        yield unparsed.pop(0) + parsed


def _count_result(summary: RunSummary, result: ExtractionResult, refused: str | None) -> None:
    from otkaz.prefilter import NOTE

    if refused is not None:  # an inconsistent result: the others are still saved
        summary.extraction_failed += 1
        summary.failures.append(IngestFailure(result.document_id, refused))
    elif not result.processed:
        summary.not_processed += 1
    elif result.note == NOTE and not result.mentions:
        summary.not_parsed += 1
    else:
        summary.extracted += 1
        summary.mentions += len(result.mentions)
        summary.aggregates += len(result.aggregates)


def merge_all(db: Database) -> int:
    """Rebuild the incidents from every mention and decision; returns how many are not rejected.

    A stored decision the codebook refuses (one an older version let through) is logged and
    skipped: it never stops the merge.
    """
    incidents = merge(db.reports(), usable_decisions(db.decisions()))
    db.replace_incidents(incidents)
    return sum(incident.status != "rejected" for incident in incidents)


def usable_decisions(decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions whose values the codebook allows; each other one is logged as skipped."""
    usable = []
    for decision in decisions:
        try:
            usable.append(check_decision(decision))
        except CodebookError as exc:
            log.warning("decision %s (%s of %s): %s: skipped", decision.id, decision.kind, shown(decision.incident_id), exc)
    return usable


def run(
    db: Database, inputs: Iterable[str], options: IngestOptions | None = None, progress: Progress | None = None,
    **extraction: Any,
) -> RunSummary:
    """Ingest ``inputs``, extract what needs it, merge: the whole pipeline.

    ``extraction``: the options of ``extract_pending`` (workers, engine, scheduler, prefilter).
    """
    summary = ingest_into(db, inputs, options, progress)
    summary = summary.combine(extract_pending(db, progress, **extraction))
    summary.incidents = merge_all(db)
    return summary


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
