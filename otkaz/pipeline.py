"""The Python API behind the CLI: ingest -> extract -> merge, into a store.

    from otkaz.store import Database
    from otkaz.ingest import IngestOptions
    from otkaz import pipeline

    db = Database("otkaz.db")
    summary = pipeline.run(db, ["examples/"], IngestOptions())
    print(summary.to_dict())

Every stage is safe to re-run: the store skips documents it already holds,
extraction only touches documents not yet extracted by this extractor version,
merging re-merges what changed since the last merge (the incidents the new or removed
mentions and decisions can touch; ``merge_all(db, full=True)`` rebuilds them all), and
redaction makes the public view only of documents whose named people changed.
"""
from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING, Any

from otkaz.codebook import CodebookError, check_decision, shown
from otkaz.ingest import IngestFailure, IngestOptions, IngestWarning, Source, find_sources, read_source
from otkaz.merge import incremental, merge
from otkaz.model import DateRange, Decision, Document, ExtractionResult
from otkaz.store import Database, StoreError

if TYPE_CHECKING:
    from otkaz.extract.parsing import ParsedDoc

# Documents stored per transaction while ingesting: a large input is written in batches.
INGEST_BATCH = 200
# At most this many documents read for extraction are held waiting for a batch to fill.
READ_AHEAD = 500

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
    # Each input stored with a repair (an invalid byte replaced, ...).
    warnings: list[IngestWarning] = field(default_factory=list)
    extracted: int = 0  # documents the extractor read
    # documents the extractor failed on (marked failed) or whose extraction the store refused
    # (they stay pending)
    extraction_failed: int = 0
    not_processed: int = 0  # documents in a language no extractor reads
    not_parsed: int = 0  # documents without a candidate word: the prefilter kept them from the parser
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
    summary = RunSummary(inputs=len(sources))
    for _stored in _ingest_batches(db, sources, options or IngestOptions(), progress, summary):
        pass
    return summary


def _ingest_batches(
    db: Database, sources: list[Source], options: IngestOptions, progress: Progress | None, summary: RunSummary
) -> Iterator[list[str]]:
    """Store the sources' documents, a batch per transaction, counted in ``summary``; after each
    batch, the ids of the documents it stored to be extracted (new ones, and new texts or
    metadata under a stored id)."""
    for done, source in enumerate(sources, start=1):
        batch: list[Document] = []
        for item in read_source(source, options):
            if isinstance(item, IngestFailure):
                summary.failed += 1
                summary.failures.append(item)
            elif isinstance(item, IngestWarning):
                summary.warnings.append(item)
            else:
                batch.append(item)
                if len(batch) >= INGEST_BATCH:
                    yield _store_batch(db, batch, summary, source.name)
                    batch = []
        yield _store_batch(db, batch, summary, source.name)
        _report(progress, "ingest", done, len(sources))


def _store_batch(db: Database, batch: list[Document], summary: RunSummary, source_name: str) -> list[str]:
    to_extract = []
    for document, added in zip(batch, db.add_documents(batch) if batch else []):
        if added.conflict_with is not None:
            summary.failed += 1
            summary.failures.append(IngestFailure(source_name, _conflict_reason(document.id, added.conflict_with)))
        elif added.created:
            summary.stored += 1
            to_extract.append(added.document_id)
        elif added.replaced:
            summary.updated += 1
            to_extract.append(added.document_id)
        else:
            summary.duplicates += 1
    return to_extract


def _conflict_reason(document_id: str, stored_from: str) -> str:
    where = f" (from {stored_from})" if stored_from else " (from stdin)"
    return f"not stored: id {document_id!r} already names a stored document of other text{where}"


def extract_pending(
    db: Database,
    progress: Progress | None = None,
    all_documents: bool = False,
    *,
    workers: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    prefilter: bool = True,
    on_saved: Callable[[int], None] | None = None,
    arriving: Iterator[list[str]] | None = None,
) -> RunSummary:
    """Extract the documents that need it (never extracted, or by another extractor version).

    ``all_documents``: re-extract every stored document. Documents without a candidate
    word (``otkaz.prefilter``) are stored as processed, with no mentions and a note,
    without parsing (``prefilter=False`` parses them all). The others are parsed by the
    engine (``otkaz.engines``): ``workers`` local processes (None: the cores available),
    or a Dask cluster. Results are saved a batch per transaction. A document the extractor
    fails on is marked ``failed`` with the reason, and the others go on; it is tried again
    by another extractor version or with ``all_documents``. ``on_saved`` is called after each
    batch is saved with the number of mentions it stored.

    ``arriving``: an ingest still storing documents (``run``), which yields the ids of each
    batch it stores to be extracted. The engine starts once START_AFTER of them are stored
    (or all are), on every document then waiting, and the batches stored afterwards are
    extracted as they come: parsing goes on while the rest is read.
    """
    from otkaz.engines import open_engine
    from otkaz.extract import EXTRACTOR_VERSION  # here: ingest alone needs no extractor

    if arriving is not None and _whole_input_stored_first(arriving):
        arriving = None  # the whole input is stored: nothing arrives while extracting
    if all_documents:
        total, documents = sum(db.extraction_status().values()), db.documents()
    else:
        total = None if arriving else db.count_documents_to_extract(EXTRACTOR_VERSION)
        documents = db.iter_documents_to_extract(EXTRACTOR_VERSION)
    summary = RunSummary()
    done = 0

    def stored_meanwhile(arriving: Iterator[list[str]]) -> Iterator[Document]:
        nonlocal total
        for ids in arriving:
            yield from db.documents_by_id(list(dict.fromkeys(ids)))
        # the whole input is stored: what is saved now, and what waits (sent, or not yet), is all
        total = done + db.count_documents_to_extract(EXTRACTOR_VERSION)

    if arriving is not None:
        documents = chain(documents, stored_meanwhile(arriving))
    # the languages whose models local workers share (loaded once, before they start)
    languages = db.document_languages(None if all_documents else EXTRACTOR_VERSION)
    with open_engine(engine, workers, scheduler, documents=total, languages=languages) as running:
        for results in extract_results(documents, running, prefilter):
            failed = [r for r in results if isinstance(r, ExtractionFailed)]
            for failure in failed:
                db.mark_extraction_failed(failure.document_id, EXTRACTOR_VERSION, failure.reason)
                summary.extraction_failed += 1
                summary.failures.append(IngestFailure(failure.document_id, failure.reason))
            results = [r for r in results if not isinstance(r, ExtractionFailed)]
            refused = db.save_extractions(results, EXTRACTOR_VERSION)
            _keep_entities(db, [result for result in results if result.document_id not in refused])
            before = summary.mentions
            for result in results:
                _count_result(summary, result, refused.get(result.document_id))
            done += len(results) + len(failed)
            if total is not None:  # else ingest goes on, reporting its own progress
                _report(progress, "extract", done, total)
            if on_saved is not None:
                on_saved(summary.mentions - before)
    return summary


# run() starts extracting once this many documents to extract are stored (or the whole input
# is), and stores the rest while the engine parses: enough to see the languages whose models
# the workers share, and few for the parser's cores to wait.
START_AFTER = 1_000


def _whole_input_stored_first(arriving: Iterator[list[str]]) -> bool:
    """Store what ``arriving`` stores until START_AFTER documents to extract are stored; whether
    that was the whole input."""
    stored = 0
    for ids in arriving:
        stored += len(ids)
        if stored >= START_AFTER:
            return False
    return True


def _keep_entities(db: Database, results: list[ExtractionResult]) -> None:
    """The NER entities found while extracting, stored with no view yet for documents without
    one: ``redact_pending`` makes their views from them instead of parsing the texts again
    (the save checks that the text is still the one parsed)."""
    from otkaz.publish.redaction import parsed_digest

    found = {result.document_id: result.entities for result in results if result.entities is not None}
    if not found:
        return
    viewed = db.redaction_entities(list(found))
    for document in db.documents_by_id([document_id for document_id in found if document_id not in viewed]):
        digest, entities = found[document.id]
        if digest == parsed_digest(document):  # else another writer stored a new text meanwhile
            db.save_redaction(document, entities, "", {})


def extract_results(documents: Iterable[Document], engine: Any, prefilter: bool = True) -> Iterator[list[ExtractionResult]]:
    """The documents' results, a batch at a time: the prefilter's for documents without a
    candidate word, the engine's for the others."""
    from otkaz.engines import BATCH
    from otkaz.prefilter import NOTE, get_prefilter

    relevant = get_prefilter().is_relevant if prefilter else (lambda _document: True)
    unparsed: deque[list[ExtractionResult]] = deque()  # of each batch sent to the engine, in order

    def batches() -> Iterator[list[Document]]:
        # BATCH documents to parse at a time, with the results of those skipped meanwhile;
        # a batch is sent early after READ_AHEAD documents, so that few are held at once.
        to_parse: list[Document] = []
        skipped: list[ExtractionResult] = []
        for document in documents:
            if relevant(document):
                to_parse.append(document)
            else:
                skipped.append(ExtractionResult(document.id, document.lang, True, note=NOTE))
            if len(to_parse) >= BATCH or len(to_parse) + len(skipped) >= READ_AHEAD:
                unparsed.append(skipped)
                yield to_parse
                to_parse, skipped = [], []
        if to_parse or skipped:
            unparsed.append(skipped)
            yield to_parse

    for parsed in engine.map_batches(batches()):
        yield unparsed.popleft() + parsed


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


@dataclass(frozen=True)
class ExtractionFailed:
    """The extractor raised on a document: why, in one line."""

    document_id: str
    reason: str

    @classmethod
    def of(cls, document_id: str, exc: Exception) -> ExtractionFailed:
        detail = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
        return cls(document_id, f"extraction failed: {type(exc).__name__}" + (f": {detail}" if detail else ""))


# Documents are parsed in batches; a batch is cut at this many documents or characters,
# whichever comes first (a longer document is parsed alone). The parsers' working memory grows
# with the text parsed at once (spaCy's about 3 MB a thousand characters), and larger batches
# were no faster: a worker given 320 news items of benchmarks/corpus.py (3,600 characters each,
# English and Russian), 16 a task, peaked 158 MB above its loaded models with batches of up to
# 200,000 characters and 37 MB with 10,000, in the same CPU time (issue 10).
BATCH_DOCUMENTS = 32
BATCH_CHARACTERS = 10_000

# The extractor reads at most this many characters of a document, per language; the rest is
# left out and the document's note says so. Its cost grows faster than the text (measured on
# 2 cores): English 100,000 characters take 8 s and 0.6 GB, 400,000 take 58 s and 1.6 GB (spaCy
# refuses more than 1,000,000); Russian 50,000 take 14 s and 0.4 GB, 75,000 take 32 s, and a
# 1.5 MB text took 538 s and 3.4 GB. A news story, even a long read, fits well within the caps.
EXTRACTION_CAPS = {"en": 100_000, "ru": 50_000}


def extract_each(documents: list[Document]) -> Iterator[tuple[Document, ExtractionResult | ExtractionFailed]]:
    """Each document (as the extractor read it: ``_as_read``) with its result, in order. When a
    batch fails, its documents are extracted one by one, so that only the document the
    extractor fails on is lost."""
    from otkaz.extract import extract_parsed

    for batch in _batches([(document, *_as_read(document)) for document in documents]):
        try:
            results = list(extract_parsed([read for _, read, _ in batch]))
        except Exception:  # noqa: BLE001 - which document failed is found below, one by one
            results = [_extract_alone(read, extract_parsed) for _, read, _ in batch]
        for (document, read, changes), (result, parsed) in zip(batch, results, strict=True):
            if isinstance(result, ExtractionResult):
                _in_text_order(result, read.text)
                if changes:
                    result.note = "; ".join(filter(None, [changes, result.note]))
                if result.mentions and parsed is not None:  # the document will have a public view
                    result.entities = _entities(document, result.lang, parsed)
            yield read, result


def _entities(document: Document, lang: str | None, parsed: ParsedDoc) -> tuple[str, dict[str, Any]] | None:
    """What the public view reads of the extractor's parse; None when it cannot (``refresh``
    then parses the document itself, as it always did)."""
    from otkaz.publish.redaction import entities_of_parsed, parsed_digest

    try:
        entities = entities_of_parsed(document, lang or "", parsed)
    except Exception as exc:  # noqa: BLE001 - a title the parser fails on: refresh meets it, not extraction
        log.warning("%s: names for the public view left to the redaction step (%s)", document.id, type(exc).__name__)
        return None
    return (parsed_digest(document), entities.to_dict()) if entities else None


def _in_text_order(result: ExtractionResult, text: str) -> None:
    """The extractor lists a mention's people (and their evidence) in an order that depends on
    Python's hash seed; put them in the order the text names them, so that every run gives the
    same output, and so the same "[person N]"."""
    for mention in result.mentions:
        mention.people = sorted(mention.people, key=lambda name: (_first_at(text, name), name))
        slots = [n for n, evidence in enumerate(mention.evidence) if evidence.field == "people"]
        ordered = sorted((mention.evidence[n] for n in slots), key=lambda evidence: (evidence.start, evidence.end))
        for n, evidence in zip(slots, ordered, strict=True):
            mention.evidence[n] = evidence


def _first_at(text: str, name: str) -> int:
    at = text.find(name)
    return at if at >= 0 else len(text)


# Publication dates outside these years are placeholders, not dates: feeds write Go's zero
# time (0001-01-01) for "none". The extractor reads such a document as undated.
PUBLISHED_YEARS = range(1900, 2101)


def _as_read(document: Document) -> tuple[Document, str | None]:
    """The document as the extractor reads it, and what was changed (None: nothing): a
    placeholder publication date is dropped; the text is cut to its language's cap."""
    notes = []
    try:
        published = document.published_range
    except ValueError:  # not an ISO date, month or year, or no such day
        published = DateRange(date.min, date.min)
    if published is not None and not {published.start.year, published.end.year} <= set(PUBLISHED_YEARS):
        notes.append(f"publication date {document.published} taken as unknown (not a date between "
                     f"{PUBLISHED_YEARS.start} and {PUBLISHED_YEARS.stop - 1})")
        document = replace(document, published=None)
    cap = EXTRACTION_CAPS.get((document.lang or "").lower())
    if cap is not None and len(document.text) > cap:
        end = _cut(document.text, cap)
        notes.append(f"text cut for extraction: read the first {end:,} of {len(document.text):,} characters "
                     f"(the cap for {document.lang} is {cap:,})")
        document = replace(document, text=document.text[:end])
    return document, "; ".join(notes) or None


def _cut(text: str, cap: int) -> int:
    """Where to cut ``text`` to at most ``cap`` characters: at the end of a paragraph, else of a
    sentence, in the last half before the cap. Evidence offsets into the cut text are offsets
    into the whole."""
    end = text.rfind("\n", cap // 2, cap)
    if end < 0:
        end = max(text.rfind(mark, cap // 2, cap - 1) for mark in (". ", "! ", "? ", "… "))
        end = end + 1 if end >= 0 else cap
    return end


def _extract_alone(
    document: Document, extract_parsed: Callable[[list[Document]], Iterable[tuple[ExtractionResult, ParsedDoc | None]]]
) -> tuple[ExtractionResult | ExtractionFailed, ParsedDoc | None]:
    try:
        [result] = extract_parsed([document])
    except Exception as exc:  # noqa: BLE001 - any fault of the extractor on this text is this document's
        return ExtractionFailed.of(document.id, exc), None
    return result


def _batches(documents: list[tuple[Document, Document, str | None]]) -> Iterator[list[tuple[Document, Document, str | None]]]:
    """(document, as read, changes) in batches, by the length of the text read."""
    batch: list[tuple[Document, Document, str | None]] = []
    size = 0
    for item in documents:
        length = len(item[1].text)
        if batch and (len(batch) >= BATCH_DOCUMENTS or size + length > BATCH_CHARACTERS):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += length
    if batch:
        yield batch


def merge_all(db: Database, full: bool = False) -> int:
    """Bring the incidents up to date with every mention and decision; returns how many are
    not rejected.

    Incremental (``otkaz.merge.incremental``): only the incidents that the mentions and
    decisions stored or removed since the last merge can touch are merged again, with the
    same result as merging everything. ``full`` (or a store without its merge index: the
    first merge after an upgrade) merges everything and builds the index.

    A stored decision the codebook refuses (one an older version let through) is logged and
    skipped: it never stops the merge. One consistent unit: a run storing documents
    meanwhile never drops out of the incidents.
    """
    _change, count = db.merge_incidents(lambda source: incremental.update(source, usable_decisions, full))
    return count


def rebuild_all(db: Database) -> int:
    """``merge_all`` without the merge index: every incident rebuilt from every mention and
    decision by ``otkaz.merge.merge`` (the index is then built again by the next merge)."""
    incidents = db.rebuild_incidents(lambda reports, decisions: merge(reports, usable_decisions(decisions)))
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


def remove_documents(db: Database, document_ids: Iterable[str], user: str) -> tuple[list[str], list[str], int]:
    """Remove stored documents (audited as done by ``user``) with their mentions, then merge
    again: (removed ids, ids not stored, incidents now not rejected)."""
    removed, missing = [], []
    for document_id in document_ids:
        (removed if db.remove_document(document_id, user) else missing).append(document_id)
    return removed, missing, merge_all(db) if removed else len(db.incidents())


def redact_pending(db: Database, progress: Progress | None = None) -> int:
    """Make the public view (names -> pseudonyms, ``otkaz.publish.redaction``) of every document
    whose text or named people changed since its view was made; returns how many were made."""
    from otkaz.publish.redaction import refresh  # here: it may parse (and load the NLP models)

    return refresh(db, (lambda done, total: progress("redact", done, total)) if progress else None)


# A run (extract_and_merge) merges what it has extracted every MERGE_EVERY mentions, while
# the workers go on parsing: a merge holds the reports it merges in memory, so one merge of a
# whole archive's mentions grew with the archive (1 GB of JSONL: the otkaz process reached
# 1 GB). Merging is incremental, with the result of one merge of everything
# (otkaz.merge.incremental).
MERGE_EVERY = 2_000


def run(
    db: Database, inputs: Iterable[str], options: IngestOptions | None = None, progress: Progress | None = None,
    **extraction: Any,
) -> RunSummary:
    """Ingest ``inputs``, extract what needs it, merge, redact: the whole pipeline.

    ``extraction``: the options of ``extract_pending`` (workers, engine, scheduler, prefilter).
    """
    sources = find_sources(inputs)
    ingested = RunSummary(inputs=len(sources))
    stored = _ingest_batches(db, sources, options or IngestOptions(), progress, ingested)
    summary = extract_and_merge(db, progress, arriving=stored, **extraction)
    redact_pending(db, progress)
    return ingested.combine(summary)


def extract_and_merge(db: Database, progress: Progress | None = None, **extraction: Any) -> RunSummary:
    """``extract_pending`` (``extraction``: its options), merging every MERGE_EVERY mentions as
    they are saved, then ``merge_all``; the summary counts the incidents."""
    unmerged = 0

    def merge_now(mentions: int) -> None:
        nonlocal unmerged
        unmerged += mentions
        if unmerged >= MERGE_EVERY:
            merge_all(db)
            unmerged = 0

    summary = extract_pending(db, progress, on_saved=merge_now, **extraction)
    summary.incidents = merge_all(db)
    return summary


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
