"""Following sources: poll feeds and pages, store what is new, extract and merge it.

    from otkaz.store import Database
    from otkaz.watch import Watcher, WatchSettings, read_source_list

    urls, problems = read_source_list("sources.txt")
    watcher = Watcher(Database("otkaz.db"), urls, WatchSettings(every=900))
    report = watcher.poll()          # one poll; watcher.run() polls until watcher.stop()

Each poll asks every source only for what changed (the ETag and Last-Modified of its
last complete poll are kept in the store and sent back: an unchanged source answers
304), stores the feed entries not seen before (the article's page when the entry has
only a summary), then extracts the pending documents and merges (``otkaz.pipeline``).

Polite: the sources of one host are fetched one request at a time with a delay between
requests (hosts are polled in parallel); every request has a timeout; a transient failure
(network, HTTP 5xx, 429) is retried with exponential backoff. Failures are counted per
source (``Database.sources``).

Stopping (``stop()``, from a signal handler) takes effect between two requests or two
documents; every document is stored in its own transaction. A source whose poll did
not finish keeps its old validators, so the next poll fetches it again and stores only
the entries still missing; documents stored but not yet extracted are extracted then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from otkaz import pipeline
from otkaz.ingest import IngestFailure, IngestOptions, IngestWarning, Source
from otkaz.ingest.core import feed_items, is_feed, read_download
from otkaz.ingest.downloads import Download, FetchError, fetch_url
from otkaz.ingest.errors import InputError
from otkaz.ingest.sources import URL, is_url
from otkaz.model import Document, Incident
from otkaz.store import Database, SourceState

FEED, PAGE = "feed", "page"  # the kinds of source
# How a source fared in one poll.
CHANGED, NOT_MODIFIED, FAILED, STOPPED = "changed", "not_modified", "failed", "stopped"


@dataclass(frozen=True)
class WatchSettings:
    every: float = 900.0  # seconds from the end of one poll to the start of the next
    delay: float = 1.0  # seconds between two requests to one host
    timeout: float = 30.0  # seconds for one request
    retries: int = 2  # further attempts after a transient failure
    backoff: float = 5.0  # seconds before the first retry; doubled for each next one
    max_hosts: int = 8  # hosts polled at once
    ingest: IngestOptions = field(default_factory=IngestOptions)


class SourceListError(ValueError):
    """The sources file cannot be read at all."""


def read_source_list(path: str | Path) -> tuple[list[str], list[IngestFailure]]:
    """The URLs of a sources file (one a line; blank lines and lines starting with ``#``
    skipped; a repeated URL once), and a failure "FILE:N: reason" for each line that is not
    an http(s) URL."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror.lower() if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise SourceListError(f"{path}: {reason}") from None
    urls: dict[str, None] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):  # only whole lines: a URL may hold a "#"
            continue
        if not is_url(entry) or not urlsplit(entry).hostname:
            problems.append(IngestFailure(f"{path}:{number}", f"not an http(s) URL: {entry[:80]!r}"))
            continue
        urls.setdefault(entry, None)
    return list(urls), problems


def host_of(url: str) -> str:
    """Politeness is per host and port: what one server answers."""
    return urlsplit(url).netloc.lower()


@dataclass
class SourceReport:
    """What one poll found at one source."""

    url: str
    status: str = NOT_MODIFIED  # changed, not_modified, failed, stopped
    stored: int = 0  # documents new to the store
    updated: int = 0  # documents stored anew under their id (the outlet changed them)
    duplicates: int = 0  # entries the store already held
    failures: list[IngestFailure] = field(default_factory=list)
    complete: bool = True  # every entry stored or given up on: the validators may be kept
    document_ids: list[str] = field(default_factory=list)  # the documents stored or updated

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "stored": self.stored,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "failures": [{"input": f.input, "reason": f.reason} for f in self.failures],
        }


@dataclass
class Arrival:
    """An incident that a poll created or gave a new report."""

    incident: Incident
    kind: str  # "new" or "more_reports"

    def to_dict(self) -> dict[str, Any]:
        place = self.incident.location or self.incident.origin
        return {
            "id": self.incident.id,
            "kind": self.kind,
            "type": self.incident.type,
            "place": place.name if place else None,
            "country": place.country if place else None,
            "reports": len(self.incident.reports),
        }


@dataclass
class PollReport:
    number: int
    started_at: str
    sources: list[SourceReport] = field(default_factory=list)
    summary: pipeline.RunSummary = field(default_factory=pipeline.RunSummary)  # extraction and merging
    arrivals: list[Arrival] = field(default_factory=list)
    stopped: bool = False  # a stop cut this poll short

    @property
    def failures(self) -> list[IngestFailure]:
        return [f for source in self.sources for f in source.failures] + self.summary.failures

    def count(self, status: str) -> int:
        return sum(source.status == status for source in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "poll": self.number,
            "started_at": self.started_at,
            "stopped": self.stopped,
            "sources": [source.to_dict() for source in self.sources],
            "stored": sum(s.stored for s in self.sources),
            "updated": sum(s.updated for s in self.sources),
            "failed": len(self.failures),
            "extracted": self.summary.extracted,
            "not_processed": self.summary.not_processed,
            "mentions": self.summary.mentions,
            "incidents": self.summary.incidents,
            "arrivals": [arrival.to_dict() for arrival in self.arrivals],
        }


class _Stopped(Exception):
    """Raised inside a poll when stop() was called; caught by the poll."""


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")  # the store's format (documents.ingested_at)


class Watcher:
    """Follows ``urls`` into ``db``; see the module's documentation."""

    def __init__(self, db: Database, urls: list[str], settings: WatchSettings | None = None) -> None:
        self.db = db
        self.urls = list(urls)
        self.settings = settings or WatchSettings()
        self._stop = threading.Event()
        self._polls = 0

    def stop(self) -> None:
        """Stop at the next safe point (between requests, between documents); signal-safe."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self, on_poll: Callable[[PollReport], None], once: bool = False) -> PollReport:
        """Poll, hand each report to ``on_poll``, wait, again, until stopped (or after one poll)."""
        while True:
            report = self.poll()
            on_poll(report)
            if once or self.stopped or self._stop.wait(self.settings.every):
                return report

    def poll(self) -> PollReport:
        """One poll of every source, then extraction and merging of what it brought."""
        self._polls += 1
        report = PollReport(self._polls, _timestamp(_now()))
        by_host: dict[str, list[str]] = {}
        for url in self.urls:
            by_host.setdefault(host_of(url), []).append(url)
        if by_host:
            workers = min(len(by_host), self.settings.max_hosts)
            with ThreadPoolExecutor(workers, thread_name_prefix="otkaz-watch") as pool:
                for reports in pool.map(self._poll_host, by_host.values()):
                    report.sources.extend(reports)
        order = {url: n for n, url in enumerate(self.urls)}
        report.sources.sort(key=lambda source: order[source.url])
        report.stopped = self.stopped
        self._extract_and_merge(report, first_poll=self._polls == 1)
        report.stopped = self.stopped
        arrived = {document_id for source in report.sources for document_id in source.document_ids}
        for incident_id, kind in sorted(self.db.arrivals_of(arrived).items()):
            incident = self.db.get_incident(incident_id)
            if incident is not None and incident.status != "rejected":
                report.arrivals.append(Arrival(incident, kind))
        return report

    # --- fetching -----------------------------------------------------------------

    def _poll_host(self, urls: list[str]) -> list[SourceReport]:
        """The sources of one host, one request at a time."""
        pacer = _Pacer(self.settings.delay, self._stop)
        with httpx.Client(timeout=self.settings.timeout) as client:
            fetch = _Fetcher(client, pacer, self.settings, self._stop)
            return [self._poll_source(url, fetch) for url in urls]

    def _poll_source(self, url: str, fetch: _Fetcher) -> SourceReport:
        state = self.db.get_source(url) or SourceState(url)
        report = SourceReport(url)
        download = None
        try:
            download = fetch(url, etag=state.etag, last_modified=state.last_modified)
            if download.not_modified:
                report.status = NOT_MODIFIED
            else:
                report.status = CHANGED
                kind = FEED if is_feed(download) else PAGE
                state = replace(state, kind=kind)
                if kind == FEED:
                    self._store_feed(url, download, fetch, report)
                else:
                    self._store_all(read_download(Source(url, URL), download, self.settings.ingest), report)
        except _Stopped:
            report.status, report.complete = STOPPED, False
        except InputError as err:
            report.status, report.complete = FAILED, False
            report.failures.append(IngestFailure(url, err.reason))
        self.db.save_source(_updated_state(state, report, download))
        return report

    def _store_feed(self, url: str, download: Download, fetch: _Fetcher, report: SourceReport) -> None:
        for entry, result in feed_items(Source(url, URL), download, self.settings.ingest):
            if self.stopped:
                raise _Stopped
            if isinstance(result, IngestWarning):  # a repair on the way: the document follows
                continue
            link = entry.metadata.url
            if not entry.summary_only or link is None:
                self._store_all([result], report)
                continue
            if self.db.has_document(link):  # seen in an earlier poll
                report.duplicates += 1
                continue
            try:
                page = fetch(link)
            except FetchError as err:
                report.failures.append(IngestFailure(link, err.reason))
                if err.transient:  # try again at the next poll: keep the feed's old validators
                    report.complete = False
                    continue
                self._store_all([result], report)  # the page is gone: the summary is all there is
                continue
            except InputError as err:  # too large
                report.failures.append(IngestFailure(link, err.reason))
                self._store_all([result], report)
                continue
            # The feed says when the entry was published and what the outlet calls itself;
            # a page often has no date, and its site name is often the bare host name.
            said = entry.metadata
            self._store_all(
                (
                    replace(item, published=said.published or item.published, outlet=said.outlet or item.outlet)
                    if isinstance(item, Document)
                    else item
                    for item in read_download(Source(link, URL), page, self.settings.ingest)
                ),
                report,
            )

    def _store_all(self, results: Iterable[Document | IngestFailure], report: SourceReport) -> None:
        for result in results:
            if self.stopped:
                raise _Stopped
            if isinstance(result, IngestWarning):
                continue
            if isinstance(result, IngestFailure):
                report.failures.append(result)
                continue
            added = self.db.add_document(result)
            if added.conflict_with is not None:
                report.failures.append(IngestFailure(result.id, "not stored: the id names a stored document of other text"))
                continue
            if added.created or added.replaced:
                report.document_ids.append(result.id)
            if added.created:
                report.stored += 1
            elif added.replaced:
                report.updated += 1
            else:
                report.duplicates += 1

    # --- extraction and merging ---------------------------------------------------

    def _extract_and_merge(self, report: PollReport, first_poll: bool) -> None:
        def stop_between_documents(_stage: str, _done: int, _total: int) -> None:
            if self.stopped:  # raised before the document is saved: it stays pending
                raise _Stopped

        summary = pipeline.RunSummary()
        try:
            summary = pipeline.extract_pending(self.db, stop_between_documents)
        except _Stopped:
            pass  # what was saved stays; the rest is extracted at the next start
        changed = summary.extracted or summary.not_processed or any(s.updated for s in report.sources)
        # The first poll merges in any case: an earlier watcher may have stopped before merging.
        if changed or first_poll:
            summary.incidents = pipeline.merge_all(self.db)
        report.summary = summary


def _updated_state(state: SourceState, report: SourceReport, download: Download | None) -> SourceState:
    now = _timestamp(_now())
    state = replace(
        state,
        checked_at=now,
        documents=state.documents + report.stored,
        errors=state.errors + len(report.failures),
    )
    if report.failures:
        last = report.failures[-1]
        # The input is named when it is not the source itself (an entry's page).
        error = last.reason if last.input == state.url else f"{last.input}: {last.reason}"
        state = replace(state, last_error=error, last_error_at=now)
    if report.status == CHANGED:
        state = replace(state, changed_at=now)
        if report.complete and download is not None:
            state = replace(state, etag=download.etag, last_modified=download.last_modified)
    return state


class _Pacer:
    """Keeps ``delay`` seconds between two requests (of one host: each host has its own)."""

    def __init__(self, delay: float, stop: threading.Event) -> None:
        self._delay = delay
        self._stop = stop
        self._last: float | None = None

    def wait_turn(self) -> None:
        if self._last is not None:
            remaining = self._last + self._delay - time.monotonic()
            if remaining > 0 and self._stop.wait(remaining):
                raise _Stopped
        if self._stop.is_set():
            raise _Stopped
        self._last = time.monotonic()


class _Fetcher:
    """A paced GET with retries and exponential backoff for transient failures."""

    def __init__(self, client: httpx.Client, pacer: _Pacer, settings: WatchSettings, stop: threading.Event) -> None:
        self._client = client
        self._pacer = pacer
        self._settings = settings
        self._stop = stop

    def __call__(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Download:
        attempt = 0
        while True:
            self._pacer.wait_turn()
            try:
                return fetch_url(url, self._settings.ingest.max_bytes, self._client, etag, last_modified)
            except FetchError as err:
                if not err.transient or attempt >= self._settings.retries:
                    raise
            if self._stop.wait(self._settings.backoff * 2**attempt):
                raise _Stopped
            attempt += 1
