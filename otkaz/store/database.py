"""The Database: documents, extractions, incidents, analyst decisions and the audit log.

SQLite by default (a plain path), PostgreSQL by URL. Opening a database migrates it
to the newest schema. Every write method is one transaction.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import (
    URL,
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    make_url,
    or_,
    select,
    text,
    true,
    union,
    update,
)
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError

from otkaz.codebook import CodebookError, check_decision, shown
from otkaz.model import (
    Aggregate,
    AuditEntry,
    Decision,
    Document,
    ExtractionResult,
    Incident,
    IncidentMention,
    Report,
    as_plain,
)
from otkaz.store import codec, merge_index, stale_views
from otkaz.store.incident_rows import insert_incidents, report_rows
from otkaz.store.schema import (
    EXTRACTION_STATUSES,
    aggregates,
    audit_log,
    decisions,
    documents,
    incident_aliases,
    incident_reports,
    document_search,
    incident_labels,
    incidents,
    mention_people,
    mentions,
    redaction_names,
    redaction_pending,
    redaction_state,
    ingest_jobs,
    login_failures,
    seen_markers,
    sources,
    sessions,
    merge_state,
    pseudonyms,
    query_state,
    redactions,
    users,
)

if TYPE_CHECKING:
    from otkaz.merge.incremental import MergeUpdate

DEFAULT_DATABASE = "otkaz.db"
MIGRATIONS = Path(__file__).with_name("migrations")
_PAGE_SIZE = 500  # documents() reads this many documents per query
_CACHED_RESULTS = 512  # results of incident queries kept (Database._cached)
_WRITE = "otkaz_write"  # execution option marking connections that will write
_USER_AGENT_LENGTH = 200  # enough to tell one browser from another
_NUL = "\x00"


def _no_nul(text: str) -> str:
    return text.replace(_NUL, "\ufffd")


# How long a SQLite writer waits for another to finish (a merge of a big store holds the lock
# while it rebuilds the incidents) before giving up with "database is locked".
SQLITE_BUSY_SECONDS = 60
_MIGRATION_LOCK = int.from_bytes(b"otkaz", "big")  # PostgreSQL advisory lock held while migrating


class StoreError(Exception):
    """The database cannot be opened or refuses a write; the message is one line."""


@dataclass(frozen=True)
class AddResult:
    document_id: str
    created: bool
    duplicate_of: str | None = None  # the stored document with the same normalized content
    replaced: bool = False  # same id, new content or metadata: stored anew, extraction reset
    # Not stored: the id names a stored document of other text from another place (its URL
    # or path, or "" for one from stdin), which an ingest never overwrites.
    conflict_with: str | None = None


@dataclass(frozen=True)
class User:
    """An account of the web application; hashes only, never a password or token."""

    name: str
    role: str
    password_hash: str | None
    api_token_hash: str | None
    created_at: str
    id: int | None = None

    def audit_view(self) -> dict[str, Any]:
        """What the audit log records of an account: no hashes."""
        return {
            "name": self.name,
            "role": self.role,
            "has_password": self.password_hash is not None,
            "has_api_token": self.api_token_hash is not None,
        }


@dataclass(frozen=True)
class SessionRecord:
    """A signed-in browser's session (never its token): who, since when, from where."""

    id: str
    user: str
    created_at: str
    last_seen_at: str
    expires_at: str
    address: str | None
    user_agent: str | None


@dataclass(frozen=True)
class DocumentState:
    """Where a stored document stands in extraction (for listings)."""

    document_id: str
    status: str  # pending, processed, not_processed, failed
    extractor_version: str | None
    note: str | None
    mentions: int


@dataclass(frozen=True)
class SourceState:
    """What otkaz watch remembers of a source it follows (see ``otkaz.watch``)."""

    url: str
    kind: str | None = None  # "feed" or "page", once fetched
    etag: str | None = None
    last_modified: str | None = None
    checked_at: str | None = None
    changed_at: str | None = None
    documents: int = 0  # documents it brought that were new to the store
    errors: int = 0  # failed fetches, in all
    last_error: str | None = None
    last_error_at: str | None = None


def resolve_url(url: str | None = None) -> URL:
    """None -> $OTKAZ_DATABASE_URL, else "otkaz.db"; a plain path is a SQLite file."""
    raw = url or os.environ.get("OTKAZ_DATABASE_URL") or DEFAULT_DATABASE
    if "://" not in raw:
        return URL.create("sqlite", database=raw)
    try:
        parsed = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        # Unparsed, so mask the password by hand: "scheme://user:***@host".
        shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", raw)
        raise StoreError(f"cannot open database {shown}: not a valid database URL") from exc
    # psycopg 3 is the driver we support; SQLAlchemy would pick psycopg2 for a bare name.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def masked(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _now() -> str:
    return _timestamp(datetime.now(UTC))


def _first_line(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def _check_sqlite_path(url: URL) -> None:
    """SQLite's own message for a missing folder is "unable to open database file"."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.is_dir():
        raise StoreError(f"cannot open database {masked(url)}: {database!r} is a folder")
    if not path.parent.is_dir():
        raise StoreError(
            f"cannot open database {masked(url)}: folder {str(path.parent)!r} does not exist"
        )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any, foreign_keys: bool = True) -> None:
    # Let SQLAlchemy's BEGIN (below) drive transactions: pysqlite's own handling
    # leaves DDL outside them and cannot take the write lock up front.
    dbapi_connection.isolation_level = None
    _set_wal(dbapi_connection)
    for pragma in (f"foreign_keys={'ON' if foreign_keys else 'OFF'}", "synchronous=NORMAL"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _set_wal(dbapi_connection: Any) -> None:
    # Switching a new file to WAL takes an exclusive lock, and SQLite answers "locked" at
    # once (no busy handler) when two processes open the new file together: retry.
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_on_begin(connection: Connection) -> None:
    # A writer takes the lock at once, so two writers wait for each other (busy
    # timeout) instead of failing when a read lock cannot be upgraded.
    writes = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _create_engine(url: URL, migrating: bool = False) -> Engine:
    backend = url.get_backend_name()
    if backend == "sqlite":
        _check_sqlite_path(url)
        # A connection for each thread the web server runs requests in (anyio's 40): beyond
        # the pool's size each request would open the file and set the pragmas again.
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, pool_size=40, max_overflow=10)
        # SQLite alters a constraint by rebuilding the table, and dropping the old table
        # would cascade to the rows that refer to it: migrations run with foreign keys off
        # (SQLite's documented procedure; the pragma cannot change inside a transaction)
        # and are checked afterwards (_upgrade_to_head).
        event.listen(engine, "connect", partial(_sqlite_on_connect, foreign_keys=not migrating))
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if backend == "postgresql":
        timeout = {} if "connect_timeout" in url.query else {"connect_timeout": 10}
        return create_engine(url, connect_args=timeout)
    raise StoreError(
        f"cannot open database {masked(url)}: unsupported database {backend!r} "
        "(use a SQLite path or a postgresql+psycopg:// URL)"
    )


def _upgrade_to_head(url: URL) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    engine = _create_engine(url, migrating=True).execution_options(**{_WRITE: True})
    try:
        with engine.begin() as connection:
            if url.get_backend_name() == "postgresql":
                # Processes opening a new store at once would each create its tables; on SQLite
                # the write lock (BEGIN IMMEDIATE) already makes them take turns.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = connection  # read by migrations/env.py
            command.upgrade(config, "head")
            if url.get_backend_name() == "sqlite":
                orphan = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if orphan is not None:  # rolls the migration back
                    raise StoreError(f"migration left a row of {orphan[0]} without its {orphan[2]} row")
    finally:
        engine.dispose()


class Database:
    """The store; see docs/architecture.md for the contract."""

    def __init__(self, url: str | None = None) -> None:
        self._url = resolve_url(url)
        self.url: str = masked(self._url)  # safe to print
        try:
            self._engine = _create_engine(self._url)
        except ImportError as exc:
            raise StoreError(
                f"cannot open database {self.url}: driver missing ({exc.name}); "
                "pip install 'otkaz[postgres]'"
            ) from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {self.url}: {_first_line(exc)}") from exc
        self._writer = self._engine.execution_options(**{_WRITE: True})
        # Results of incident queries by (query_state revision, what was asked): see _cached.
        self._results: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._results_lock = threading.Lock()
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}
        self._scope = threading.local()  # .revision: read once for a page's queries (one_revision)
        # Reads of several queries see one snapshot (SQLite transactions always do).
        self._reader = (
            self._engine.execution_options(isolation_level="REPEATABLE READ")
            if self._url.get_backend_name() == "postgresql"
            else self._engine
        )
        try:
            _upgrade_to_head(self._url)
        except (SQLAlchemyError, CommandError, StoreError) as exc:
            self._engine.dispose()
            raise StoreError(f"cannot open database {self.url}: {_first_line(exc)}") from exc

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

    def connect_url(self) -> str:
        """The URL this store was opened with, password included (for a process of one's own,
        never to print)."""
        return self._url.render_as_string(hide_password=False)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writer.begin() as connection:
            yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._reader.connect() as connection:
            yield connection

    # --- documents -------------------------------------------------------

    def add_document(self, doc: Document) -> AddResult:
        try:
            with self._write() as conn:
                return _add_document(conn, doc)
        except IntegrityError:
            # Another writer stored the same id or content after we looked: look again.
            with self._write() as conn:
                return _add_document(conn, doc)

    def add_documents(self, docs: list[Document]) -> list[AddResult]:
        """``add_document`` for many documents in one transaction (a batch of a large input)."""
        try:
            with self._write() as conn:
                return _add_documents(conn, docs)
        except IntegrityError:
            # Another writer stored one of them after we looked: one by one, each looks again.
            return [self.add_document(doc) for doc in docs]

    def get_document(self, document_id: str) -> Document | None:
        if _NUL in document_id:  # no stored id holds one (PostgreSQL refuses the query itself)
            return None
        with self._read() as conn:
            row = conn.execute(select(documents).where(documents.c.id == document_id)).first()
        return codec.document_from_row(row) if row else None

    def documents(self) -> Iterator[Document]:
        """Every document by id, a page per query: no connection stays open between pages."""
        last_id: str | None = None
        while True:
            query = select(documents).order_by(documents.c.id).limit(_PAGE_SIZE)
            if last_id is not None:
                query = query.where(documents.c.id > last_id)
            with self._read() as conn:
                rows = conn.execute(query).all()
            yield from (codec.document_from_row(row) for row in rows)
            if len(rows) < _PAGE_SIZE:
                return
            last_id = rows[-1].id

    def documents_to_extract(self, extractor_version: str) -> list[Document]:
        """Documents never extracted, or extracted by another extractor version."""
        query = select(documents).where(_to_extract(extractor_version)).order_by(documents.c.id)
        with self._read() as conn:
            return [codec.document_from_row(row) for row in conn.execute(query)]

    def iter_documents_to_extract(self, extractor_version: str) -> Iterator[Document]:
        """``documents_to_extract`` a page per query, for stores larger than memory; the
        documents extracted while it runs are simply not seen again."""
        last_id: str | None = None
        while True:
            query = select(documents).where(_to_extract(extractor_version))
            if last_id is not None:
                query = query.where(documents.c.id > last_id)
            with self._read() as conn:
                rows = conn.execute(query.order_by(documents.c.id).limit(_PAGE_SIZE)).all()
            yield from (codec.document_from_row(row) for row in rows)
            if len(rows) < _PAGE_SIZE:
                return
            last_id = rows[-1].id

    def count_documents_to_extract(self, extractor_version: str) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(documents).where(_to_extract(extractor_version))).scalar_one()

    def document_languages(self, extractor_version: str | None = None) -> set[str]:
        """The languages of the documents to extract by ``extractor_version`` (None: of every
        stored document), documents of unknown language left out."""
        query = select(documents.c.lang).where(documents.c.lang.is_not(None)).distinct()
        if extractor_version is not None:
            query = query.where(_to_extract(extractor_version))
        with self._read() as conn:
            return set(conn.scalars(query))

    def remove_document(self, document_id: str, by: str) -> bool:
        """Deletes the document with its mentions, aggregates and reports, audited as done
        ``by`` (its metadata, not its text); incidents left without a report go too, the others
        keep their fields until the next merge (``pipeline.remove_documents`` merges at once).
        False when no such document is stored."""
        with self._write() as conn:
            row = conn.execute(select(documents).where(documents.c.id == document_id)).first()
            if row is None:
                return False
            held = conn.execute(select(func.count()).where(mentions.c.document_id == document_id)).scalar_one()
            # Mentions first: the merge counter's lock before any incident's (as a merge takes them).
            _delete_extraction(conn, document_id)
            conn.execute(delete(incident_reports).where(incident_reports.c.document_id == document_id))
            orphans = ~incidents.c.id.in_(select(incident_reports.c.incident_id))
            conn.execute(delete(incident_labels).where(incident_labels.c.incident_id.in_(select(incidents.c.id).where(orphans))))
            conn.execute(delete(incidents).where(orphans))
            conn.execute(delete(redaction_names).where(redaction_names.c.document_id == document_id))
            conn.execute(delete(redactions).where(redactions.c.document_id == document_id))
            conn.execute(delete(document_search).where(document_search.c.document_id == document_id))
            conn.execute(delete(documents).where(documents.c.id == document_id))
            before = {
                "id": row.id, "url": row.url, "outlet": row.outlet, "published": row.published, "lang": row.lang,
                "content_hash": row.content_hash, "extraction_status": row.extraction_status, "mentions": held,
            }
            _insert_audit(conn, AuditEntry(by, "remove_document", "document", document_id, before, None))
        return True

    # --- extraction ------------------------------------------------------

    def save_extraction(self, result: ExtractionResult, extractor_version: str) -> None:
        """Replaces the document's mentions and aggregates, all or nothing."""
        _check_extraction(result)
        with self._write() as conn:
            if conn.execute(select(documents.c.id).where(documents.c.id == result.document_id)).first() is None:
                raise StoreError(_not_stored(result.document_id))
            _save_extractions(conn, [result], extractor_version)

    def save_extractions(self, results: list[ExtractionResult], extractor_version: str) -> dict[str, str]:
        """``save_extraction`` for many documents in one transaction (a batch of a large run).

        A result the store refuses (see ``save_extraction``) is left out, the others are
        saved; returns the refused ones' document ids with the reason.
        """
        refused: dict[str, str] = {}
        valid = []
        for result in results:
            try:
                _check_extraction(result)
                valid.append(result)
            except StoreError as exc:
                refused[result.document_id] = str(exc)
        with self._write() as conn:
            ids = [result.document_id for result in valid]
            stored = set(conn.execute(select(documents.c.id).where(documents.c.id.in_(ids))).scalars())
            for result in valid:
                if result.document_id not in stored:
                    refused[result.document_id] = _not_stored(result.document_id)
            _save_extractions(conn, [result for result in valid if result.document_id in stored], extractor_version)
        return refused

    def mark_extraction_failed(self, document_id: str, extractor_version: str, reason: str) -> None:
        """The extractor failed on the document: it is marked failed with ``reason`` and left
        without mentions (any it had came from another extractor version, or from its old text)."""
        with self._write() as conn:
            _delete_extraction(conn, document_id)
            conn.execute(
                update(documents)
                .where(documents.c.id == document_id)
                .values(
                    extraction_status="failed",
                    extractor_version=extractor_version,
                    extraction_note=reason,
                )
            )

    def extraction_status(self) -> dict[str, int]:
        """Documents per status: pending / processed / not_processed / failed (zeros included)."""
        query = select(documents.c.extraction_status, func.count()).group_by(
            documents.c.extraction_status
        )
        with self._read() as conn:
            counts = {status: count for status, count in conn.execute(query)}
        return {status: counts.get(status, 0) for status in EXTRACTION_STATUSES}

    def document_states(self, offset: int = 0, limit: int | None = None) -> list[DocumentState]:
        """The documents' extraction states and mention counts, by id, in one query: ``limit``
        of them (None: all) from ``offset``."""
        chosen = select(documents.c.id).order_by(documents.c.id).offset(offset)
        if limit is not None:
            chosen = chosen.limit(limit)
        page = chosen.subquery()
        query = (
            select(
                documents.c.id,
                documents.c.extraction_status,
                documents.c.extractor_version,
                documents.c.extraction_note,
                func.count(mentions.c.position),
            )
            .join(page, page.c.id == documents.c.id)
            .outerjoin(mentions, mentions.c.document_id == documents.c.id)
            .group_by(documents.c.id)
            .order_by(documents.c.id)
        )
        with self._read() as conn:
            return [DocumentState(*row) for row in conn.execute(query)]

    def count_documents(self) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(documents)).scalar_one()

    def document_mentions(self, document_id: str) -> list[IncidentMention]:
        """The mentions stored for one document, in order."""
        query = select(mentions).where(mentions.c.document_id == document_id).order_by(mentions.c.position)
        with self._read() as conn:
            return [codec.mention_from_row(row) for row in conn.execute(query)]

    def reports(self) -> list[Report]:
        """Every stored mention with its document, by document id and position."""
        with self._read() as conn:
            return _reports(conn)

    def aggregates(self) -> list[Aggregate]:
        query = select(aggregates).order_by(aggregates.c.document_id, aggregates.c.position)
        with self._read() as conn:
            return [codec.aggregate_from_row(row) for row in conn.execute(query)]

    # --- incidents -------------------------------------------------------

    def replace_incidents(self, new_incidents: list[Incident]) -> None:
        """Stores the machine's incidents in place of the previous ones; decisions stay."""
        _check_unique_ids(new_incidents)
        with self._write() as conn:
            _replace_incidents(conn, new_incidents)
            merge_index.invalidate(conn)

    def rebuild_incidents(self, build: Callable[[list[Report], list[Decision]], list[Incident]]) -> list[Incident]:
        """Builds the incidents from every mention and decision (``build``: merging) and stores
        them, as one consistent unit: what is stored was built from the mentions and decisions
        stored at that moment, whatever other writers do meanwhile.

        Optimistic first: read, build without holding a lock, store if nothing merging reads
        has changed since. Otherwise again, reading and building inside the write transaction
        that stores, while mentions and decisions are held still (other writers wait).
        """
        with self._read() as conn:
            revision = _merge_revision(conn)
            built = build(_reports(conn), _decisions(conn))
        _check_unique_ids(built)
        with self._write() as conn:
            if _merge_revision(conn, hold=True) == revision:
                _replace_incidents(conn, built)
                merge_index.invalidate(conn)
                return built
        with self._write() as conn:
            _merge_revision(conn, hold=True)
            built = build(_reports(conn), _decisions(conn))
            _check_unique_ids(built)
            _replace_incidents(conn, built)
            merge_index.invalidate(conn)
        return built

    def merge_incidents(self, plan: Callable[[merge_index.MergeReader], MergeUpdate]) -> tuple[MergeUpdate, int]:
        """Merges what changed since the last merge (``plan``: ``otkaz.merge.incremental.update``,
        which reads the merge index through the reader) and stores it; returns the update and
        how many incidents are now not rejected.

        One consistent unit, as ``rebuild_incidents``: planned without a lock, stored if
        nothing merging reads has changed since, else planned again inside the write
        transaction that stores it, mentions and decisions held still.
        """
        with self._read() as conn:
            revision = _merge_revision(conn)
            change = plan(merge_index.MergeReader(conn))
        if change.full:
            _check_unique_ids(change.batches.incidents())
        with self._write() as conn:
            if _merge_revision(conn, hold=True) != revision:
                change.batches.close()
                change = plan(merge_index.MergeReader(conn))
                if change.full:
                    _check_unique_ids(change.batches.incidents())
            merge_index.apply_update(conn, change, _replace_incidents, _now())
            if not change.empty:
                _changed_query_inputs(conn)  # the incident queries' kept results go stale
            return change, merge_index.count_incidents(conn)

    def incidents(self, include_rejected: bool = False) -> list[Incident]:
        """Incidents with their reports, by date (undated last), then id."""
        condition = true() if include_rejected else incidents.c.status != "rejected"
        with self._read() as conn:
            return _load_incidents(conn, condition)

    def get_incident(self, incident_id: str) -> Incident | None:
        if _NUL in incident_id:  # as in get_document
            return None
        with self._read() as conn:
            found = _load_incidents(conn, incidents.c.id == incident_id)
        return found[0] if found else None

    def incidents_holding(self, mention_keys: Collection[str]) -> list[Incident]:
        """The incidents (rejected ones too) holding a report of any of ``mention_keys``."""
        keys = sorted(set(mention_keys))
        found: dict[str, Incident] = {}
        with self._read() as conn:
            for start in range(0, len(keys), _PAGE_SIZE):
                held = select(incident_reports.c.incident_id).where(
                    incident_reports.c.mention_key.in_(keys[start:start + _PAGE_SIZE])
                )
                found.update((i.id, i) for i in _load_incidents(conn, incidents.c.id.in_(held)))
        return list(found.values())

    def moved_incident(self, old_id: str) -> str | None:
        """The id of the incident that now holds the reports of ``old_id``, an id merging gave
        up (its earliest report was split off, or an earlier report joined); None if unknown."""
        if _NUL in old_id:  # no stored id holds one (PostgreSQL refuses the query itself)
            return None
        with self._read() as conn:
            return conn.execute(
                select(incident_aliases.c.incident_id).where(incident_aliases.c.old_id == old_id)
            ).scalar()

    # --- incident queries (the web's pages and API) ------------------------
    #
    # Filter, sort, count, page, facet and total in SQL; whole incidents (with reports) are
    # loaded only for the rows asked for. See IncidentQuery for what selects. They read columns
    # and tables that the writes keep: whatever writes incidents must write codec.incident_place_columns
    # and codec.incident_label_rows, whatever writes documents, mentions or
    # public views their document_search, mention_people and redaction_names rows, and every
    # such write must call _changed_query_inputs, or kept results (_cached) go stale.

    def _revision(self) -> int:
        with self._read() as conn:
            return conn.execute(select(query_state.c.revision).where(query_state.c.id == 1)).scalar_one()

    @contextmanager
    def one_revision(self) -> Iterator[None]:
        """Within, kept results (``kept`` and the incident queries) are those of the revision
        read on entry: a page of a dozen queries reads it once, not a dozen times. Results
        computed within are computed after that read, so they are never older than it."""
        outer = getattr(self._scope, "revision", None)
        self._scope.revision = self._revision() if outer is None else outer
        try:
            yield
        finally:
            self._scope.revision = outer

    def kept(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, kept with the incident queries' results while the store does not change
        (for what is derived from them alone, e.g. a page's export records). The value is shared:
        callers must not change it."""
        return self._cached(("kept", *key), compute)

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, or what it gave for ``key`` while the stored incidents, documents and
        views were as they are (query_state's revision). The revision is read before computing,
        so a result is never older than the revision it is kept under."""
        revision = getattr(self._scope, "revision", None)
        full_key = (self._revision() if revision is None else revision, *key)
        with self._results_lock:
            if full_key in self._results:
                self._results.move_to_end(full_key)
                return self._results[full_key]
            # One thread computes; the others asking the same meanwhile wait for its result.
            computing = self._computing.setdefault(full_key, threading.Lock())
        with computing:
            with self._results_lock:
                if full_key in self._results:
                    return self._results[full_key]
            try:
                value = compute()
            finally:
                with self._results_lock:
                    self._computing.pop(full_key, None)
            with self._results_lock:
                self._results[full_key] = value
                while len(self._results) > _CACHED_RESULTS:
                    self._results.popitem(last=False)
        return value

    def count_incidents(self, query: IncidentQuery) -> int:
        def count() -> int:
            with self._read() as conn:
                return conn.execute(select(func.count()).select_from(incidents).where(_matching(query))).scalar_one()

        return self._cached(("count", query), count)

    def incident_page(
        self, query: IncidentQuery, sort: str = "-date", offset: int = 0, limit: int | None = None
    ) -> list[Incident]:
        """The matching incidents in ``sort`` order (one of INCIDENT_SORTS), ``limit`` of them
        from ``offset`` (None: all), with their reports. Do not change them: a page is kept
        (shared) while the store does not change."""
        ids_query = (
            select(incidents.c.id).where(_matching(query)).order_by(*_order(sort, self._binary)).offset(offset)
        )
        if limit is not None:
            ids_query = ids_query.limit(limit)

        def page_ids() -> tuple[str, ...]:
            with self._read() as conn:
                return tuple(conn.execute(ids_query).scalars())

        def load() -> tuple[Incident, ...]:
            ids = self._cached(("page", query, sort, offset, limit), page_ids)
            if not ids:
                return ()
            with self._read() as conn:
                condition = _matching(query) if limit is None else incidents.c.id.in_(ids)
                by_id = {incident.id: incident for incident in _load_incidents(conn, condition)}
            return tuple(by_id[i] for i in ids if i in by_id)

        if limit is None:  # every matching incident (exports): not kept
            return list(load())
        # A page is kept whole: the incidents are shared, so callers must not change them.
        return list(self._cached(("page-incidents", query, sort, offset, limit), load))

    def incident_batches(self, query: IncidentQuery, sort: str = "-date", size: int = 500) -> Iterator[list[Incident]]:
        """The matching incidents in ``sort`` order, ``size`` at a time with their reports (for
        exports of any size): their ids are read at once, each batch when it is asked for (an
        incident deleted meanwhile is left out). Nothing is kept."""
        ids_query = select(incidents.c.id).where(_matching(query)).order_by(*_order(sort, self._binary))
        with self._read() as conn:
            ids = list(conn.execute(ids_query).scalars())
        for start in range(0, len(ids), size):
            yield self.incidents_by_id(ids[start:start + size])

    def incidents_by_id(self, ids: list[str]) -> list[Incident]:
        """These incidents with their reports, in this order (ids not stored left out)."""
        found: dict[str, Incident] = {}
        with self._read() as conn:
            for chunk in _chunks(ids):
                found.update((i.id, i) for i in _load_incidents(conn, incidents.c.id.in_(chunk)))
        return [found[i] for i in ids if i in found]

    def incident_points(self, query: IncidentQuery) -> list[Incident]:
        """The matching incidents without their reports (by date, undated last, then id): for the map."""
        rows_query = (
            select(incidents)
            .where(_matching(query))
            .order_by(incidents.c.date_start.nulls_last(), self._binary(incidents.c.id))
        )
        with self._read() as conn:
            return [codec.incident_from_row(row) for row in conn.execute(rows_query)]

    def incident_facets(self, query: IncidentQuery, names: Collection[str]) -> dict[str, list[tuple[str, int]]]:
        """Per facet in ``names`` (INCIDENT_FACETS): (value, matching incidents with it), most first."""
        chosen = select(incidents.c.id).where(_matching(query))

        def facet(name: str) -> tuple[tuple[str, int], ...]:
            with self._read() as conn:
                counts = [(value, n) for value, n in conn.execute(_facet_query(name, query, chosen)).all() if value]
            return tuple(sorted(counts, key=lambda item: (-item[1], item[0])))

        return {name: list(self._cached(("facet", query, name), partial(facet, name))) for name in names}

    def incident_totals(self, query: IncidentQuery) -> dict[str, int]:
        """incidents, people (at least: the sum of known counts), people_unknown (incidents whose
        count is unknown), reports, documents, countries and undated, of the matching incidents."""
        return dict(self._cached(("totals", query), partial(self._totals, query)))

    def _totals(self, query: IncidentQuery) -> dict[str, int]:
        matching = _matching(query)
        chosen = select(incidents.c.id).where(matching)
        with self._read() as conn:
            row = conn.execute(
                select(
                    func.count(),
                    func.sum(incidents.c.count_min),
                    func.sum(case((incidents.c.count_min.is_(None), 1), else_=0)),
                    func.sum(case((incidents.c.date_start.is_(None), 1), else_=0)),
                    func.count(func.distinct(case((incidents.c.country != "", incidents.c.country)))),
                ).where(matching)
            ).one()
            reports_row = conn.execute(
                select(func.count(), func.count(func.distinct(incident_reports.c.document_id)))
                .select_from(_report_rows())
                .where(incident_reports.c.incident_id.in_(chosen))
            ).one()
        return {
            "incidents": row[0],
            "people": int(row[1] or 0),
            "people_unknown": int(row[2] or 0),
            "reports": reports_row[0],
            "documents": reports_row[1],
            "countries": row[4],
            "undated": int(row[3] or 0),
        }

    def incident_groups(self, query: IncidentQuery, by: str) -> list[tuple[str | None, int, int, int, int]]:
        """``otkaz.publish.stats``'s counts in SQL, of the matching incidents that are not rejected:
        (key, incidents, people at least, count unknown, reports) per group of ``by`` (type, month,
        admin1 or actor; key None: undated or unknown), and last the total (key "total"), which
        counts an incident with several actors once."""
        reports = (
            select(incident_reports.c.incident_id, func.count().label("n"))
            .select_from(_report_rows())
            .group_by(incident_reports.c.incident_id)
            .subquery()
        )
        source: Any = incidents.outerjoin(reports, reports.c.incident_id == incidents.c.id)
        if by == "type":
            key: Any = incidents.c.type
        elif by == "month":
            key = func.substr(incidents.c.date_start, 1, 7)
        elif by == "admin1":
            key = func.nullif(incidents.c.region, "")
        elif by == "actor":
            actor = (incident_labels.c.incident_id == incidents.c.id) & (incident_labels.c.kind == "actor")
            source = source.outerjoin(incident_labels, actor)
            key = incident_labels.c.value
        else:
            raise ValueError(f"cannot group statistics by {by!r}: expected type, month, admin1 or actor")
        counts = (
            func.count(),
            func.sum(func.coalesce(incidents.c.count_min, 0)),
            func.sum(case((incidents.c.count_min.is_(None), 1), else_=0)),
            func.sum(func.coalesce(reports.c.n, 0)),
        )
        condition = and_(_matching(query), incidents.c.status != "rejected")

        def groups() -> tuple[tuple[str | None, int, int, int, int], ...]:
            with self._read() as conn:
                rows = conn.execute(select(key, *counts).select_from(source).where(condition).group_by(key)).all()
                total = conn.execute(
                    select(*counts).select_from(incidents.outerjoin(reports, reports.c.incident_id == incidents.c.id))
                    .where(condition)
                ).one()
            found = [(k, n, int(p or 0), int(u or 0), int(r or 0)) for k, n, p, u, r in rows]
            return (*found, ("total", total[0], *(int(v or 0) for v in total[1:])))

        return list(self._cached(("groups", query, by), groups))

    def incident_days(self, query: IncidentQuery) -> list[tuple[date, int, int]]:
        """(first possible day, matching incidents, their people at least) per day, in day order."""
        days_query = (
            select(incidents.c.date_start, func.count(), func.sum(func.coalesce(incidents.c.count_min, 0)))
            .where(_matching(query), incidents.c.date_start.is_not(None))
            .group_by(incidents.c.date_start)
            .order_by(incidents.c.date_start)
        )

        def days() -> tuple[tuple[date, int, int], ...]:
            with self._read() as conn:
                rows = conn.execute(days_query).all()
            return tuple((date.fromisoformat(day), n, int(people or 0)) for day, n, people in rows)

        return list(self._cached(("days", query), days))

    def arrival_counts(self, query: IncidentQuery, since: str) -> dict[str, int]:
        """How many matching incidents arrived since ``since`` (see arrivals_since): new, more_reports."""
        first, last = func.min(documents.c.ingested_at), func.max(documents.c.ingested_at)
        per_incident = (
            select((first > since).label("new"))
            .select_from(incident_reports.join(documents, documents.c.id == incident_reports.c.document_id))
            .where(incident_reports.c.incident_id.in_(select(incidents.c.id).where(_matching(query))))
            .group_by(incident_reports.c.incident_id)
            .having(last > since)
            .subquery()
        )
        with self._read() as conn:
            rows = conn.execute(select(per_incident.c.new, func.count()).group_by(per_incident.c.new)).all()
        counts = {"new": 0, "more_reports": 0}
        for new, n in rows:
            counts["new" if new else "more_reports"] += n
        return counts

    def review_order(self) -> list[str]:
        """The ids of the unreviewed incidents, least confident first (ties: oldest first, undated last)."""
        ids_query = (
            select(incidents.c.id)
            .where(incidents.c.status == "unreviewed")
            .order_by(
                incidents.c.confidence,
                incidents.c.date_start.is_(None),
                incidents.c.date_start,
                self._binary(incidents.c.id),
            )
        )
        with self._read() as conn:
            return list(conn.execute(ids_query).scalars())

    def _binary(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """Ordered by code points, as Python orders strings (PostgreSQL's collation may differ)."""
        return column.collate("C") if self._url.get_backend_name() == "postgresql" else column

    # --- decisions and audit ---------------------------------------------

    def add_decision(self, decision: Decision) -> Decision:
        """Stores the decision (id and created_at set) and audits it against the incident.

        A value the codebook does not allow is refused (StoreError naming the field)."""
        try:
            decision = check_decision(decision)
        except CodebookError as exc:
            raise StoreError(f"cannot store the decision on {shown(decision.incident_id)}: {exc}") from None
        with self._write() as conn:
            created_at = _now()
            result = conn.execute(
                insert(decisions).values(
                    kind=decision.kind,
                    incident_id=decision.incident_id,
                    other_ids=list(decision.other_ids),
                    payload=as_plain(decision.payload),
                    user=decision.user,
                    created_at=created_at,
                )
            )
            stored = replace(decision, id=result.inserted_primary_key[0], created_at=created_at)
            _changed_merge_inputs(conn)
            incident = conn.execute(
                select(incidents).where(incidents.c.id == decision.incident_id)
            ).first()
            _insert_audit(
                conn,
                AuditEntry(
                    user=decision.user,
                    action=decision.kind,
                    object_type="incident",
                    object_id=decision.incident_id,
                    before=_incident_state(incident),
                    after=stored,
                ),
            )
        return stored

    def decisions(self) -> list[Decision]:
        with self._read() as conn:
            return _decisions(conn)

    def audit(self, entry: AuditEntry) -> None:
        with self._write() as conn:
            _insert_audit(conn, entry)

    def audit_log(self, object_id: str | None = None) -> list[AuditEntry]:
        """Oldest first; only the entries about ``object_id`` when given."""
        query = select(audit_log).order_by(audit_log.c.id)
        if object_id is not None:
            query = query.where(audit_log.c.object_id == object_id)
        with self._read() as conn:
            return [codec.audit_entry_from_row(row) for row in conn.execute(query)]

    # --- followed sources (otkaz watch) and arrivals ------------------------

    def has_document(self, document_id: str) -> bool:
        with self._read() as conn:
            found = conn.execute(select(documents.c.id).where(documents.c.id == document_id)).first()
        return found is not None

    def sources(self) -> list[SourceState]:
        with self._read() as conn:
            rows = conn.execute(select(sources).order_by(sources.c.url)).all()
        return [SourceState(**row._mapping) for row in rows]

    def get_source(self, url: str) -> SourceState | None:
        with self._read() as conn:
            row = conn.execute(select(sources).where(sources.c.url == url)).first()
        return SourceState(**row._mapping) if row else None

    def save_source(self, state: SourceState) -> None:
        values = {name: getattr(state, name) for name in SourceState.__dataclass_fields__}
        try:
            with self._write() as conn:
                _save_source(conn, values)
        except IntegrityError:  # another writer added it after we looked
            with self._write() as conn:
                _save_source(conn, values)

    def arrivals_since(self, since: str, incident_ids: Collection[str] | None = None) -> dict[str, str]:
        """Incidents with reports from documents stored (or updated) after ``since`` (an ISO
        timestamp in UTC): "new" when all their reports arrived since, else "more_reports".
        ``incident_ids``: only among these."""
        query = (
            select(
                incident_reports.c.incident_id,
                func.min(documents.c.ingested_at),
                func.max(documents.c.ingested_at),
            )
            .join(documents, documents.c.id == incident_reports.c.document_id)
            .group_by(incident_reports.c.incident_id)
            .having(func.max(documents.c.ingested_at) > since)
        )
        if incident_ids is not None:
            if not incident_ids:
                return {}
            query = query.where(incident_reports.c.incident_id.in_(list(incident_ids)))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return {row[0]: "new" if row[1] > since else "more_reports" for row in rows}

    def arrivals_of(self, document_ids: Collection[str]) -> dict[str, str]:
        """Incidents with reports from ``document_ids`` (those a poll just stored): "new" when
        all their reports come from these documents, else "more_reports"."""
        ids = set(document_ids)
        if not ids:
            return {}
        touched = select(incident_reports.c.incident_id).where(incident_reports.c.document_id.in_(ids))
        query = select(incident_reports.c.incident_id, incident_reports.c.document_id).where(
            incident_reports.c.incident_id.in_(touched)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        reports: dict[str, set[str]] = {}
        for incident_id, document_id in rows:
            reports.setdefault(incident_id, set()).add(document_id)
        return {incident: "new" if docs <= ids else "more_reports" for incident, docs in reports.items()}

    # --- ingest jobs (the web application's) ---------------------------------

    def save_ingest_job(self, job: dict[str, Any], keep: int) -> None:
        """Stores a job's state in place of the previous one; past ``keep`` jobs, the oldest are forgotten."""
        with self._write() as conn:
            conn.execute(delete(ingest_jobs).where(ingest_jobs.c.id == job["id"]))
            conn.execute(insert(ingest_jobs).values(**job))
            oldest = select(ingest_jobs.c.id).order_by(ingest_jobs.c.created_at.desc(), ingest_jobs.c.id).offset(keep)
            conn.execute(delete(ingest_jobs).where(ingest_jobs.c.id.in_(oldest)))

    def ingest_jobs(self, job_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """One job (``job_id``) or the last ``limit``, newest first."""
        query = select(ingest_jobs).order_by(ingest_jobs.c.created_at.desc(), ingest_jobs.c.id).limit(limit)
        if job_id is not None:
            query = query.where(ingest_jobs.c.id == job_id)
        with self._read() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    # --- sign-in failures (the web application's throttle) ------------------

    # PostgreSQL refuses NUL in text; a name or address given with one is counted as the same
    # text with U+FFFD in its place (no account holds either).

    def add_login_failure(self, account: str, address: str, at: float, forget_before: float) -> None:
        """Records a failed sign-in, and forgets those older than ``forget_before``."""
        account, address = _no_nul(account), _no_nul(address)
        with self._write() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.at <= forget_before))
            conn.execute(insert(login_failures).values(account=account, address=address, at=at))

    def login_failure_counts(self, account: str, address: str, since: float) -> tuple[int, int]:
        """Failed sign-ins for ``account`` after ``since``: from ``address``, and from everywhere."""
        account, address = _no_nul(account), _no_nul(address)
        with self._read() as conn:
            query = (
                select(login_failures.c.address, func.count())
                .where(login_failures.c.account == account, login_failures.c.at > since)
                .group_by(login_failures.c.address)
            )
            counts = dict(conn.execute(query).all())
        return counts.get(address, 0), sum(counts.values())

    def clear_login_failures(self, account: str, address: str) -> None:
        account, address = _no_nul(account), _no_nul(address)
        with self._write() as conn:
            conn.execute(
                delete(login_failures).where(login_failures.c.account == account, login_failures.c.address == address)
            )

    def seen_marker(self, user: str) -> str | None:
        """Until when ``user`` has seen the arrivals on the dashboard; None: never marked."""
        with self._read() as conn:
            return conn.execute(select(seen_markers.c.seen_at).where(seen_markers.c.user == user)).scalar()

    def set_seen_marker(self, user: str, seen_at: str | None = None) -> str:
        """Marks the arrivals up to ``seen_at`` (default: now) as seen by ``user``."""
        seen_at = seen_at or _now()
        with self._write() as conn:
            conn.execute(delete(seen_markers).where(seen_markers.c.user == user))
            conn.execute(insert(seen_markers).values(user=user, seen_at=seen_at))
        return seen_at

    # --- the public view (otkaz.publish.redaction) -----------------------

    def recorded_names(self, document_ids: Collection[str] | None = None) -> dict[str, set[str]]:
        """Per document (of ``document_ids``, None: all): the people its mentions name and the
        people of the incidents it reports (analysts' corrections included), read in SQL
        without loading any text."""
        by_mention = select(mention_people.c.document_id, mention_people.c.name)
        by_incident = (
            select(incident_reports.c.document_id, incident_labels.c.value)
            .join(incident_labels, incident_labels.c.incident_id == incident_reports.c.incident_id)
            .where(incident_labels.c.kind == "person")
        )
        if document_ids is not None:
            ids = sorted(set(document_ids))
            by_mention = by_mention.where(mention_people.c.document_id.in_(ids))
            by_incident = by_incident.where(incident_reports.c.document_id.in_(ids))
        named = union(by_mention, by_incident)
        names: dict[str, set[str]] = {}
        with self._read() as conn:
            for document_id, name in conn.execute(named):
                names.setdefault(document_id, set()).add(name)
        return names

    def document_ids(self, with_mentions: bool = False, among: Collection[str] | None = None) -> list[str]:
        """Every stored document's id (``with_mentions``: of those that report an incident;
        ``among``: of these ids), in order."""
        query = select(documents.c.id).order_by(documents.c.id)
        if with_mentions:
            query = query.where(exists().where(mentions.c.document_id == documents.c.id))
        with self._read() as conn:
            if among is None:
                return list(conn.execute(query).scalars())
            return sorted(
                found for chunk in _chunks(sorted(set(among))) for found in conn.execute(
                    query.where(documents.c.id.in_(chunk))).scalars()
            )

    def view_marks(self, version: str) -> tuple[list[str], int]:
        """The documents whose public view may be stale (see ``stale_views``) and the last mark
        read. When the marks do not keep track of the views of rules ``version`` (a store older
        than the marks, or new rules), every document with a mention is marked first."""
        with self._write() as conn:
            if conn.execute(select(redaction_state.c.version).where(redaction_state.c.id == 1)).scalar() != version:
                stale_views.mark_all(conn)
                conn.execute(delete(redaction_state))
                conn.execute(insert(redaction_state).values(id=1, version=version))
        with self._read() as conn:
            last = conn.execute(select(func.max(redaction_pending.c.id))).scalar()
            if last is None:
                return [], 0
            marked = select(redaction_pending.c.document_id).where(redaction_pending.c.id <= last).distinct()
            return sorted(conn.execute(marked).scalars()), last

    def clear_view_marks(self, document_ids: Collection[str], last: int) -> None:
        """The marks of ``document_ids`` up to ``last`` (``view_marks``): their views were checked
        after those marks were made; a mark made since stays."""
        with self._write() as conn:
            for chunk in _chunks(sorted(set(document_ids))):
                conn.execute(delete(redaction_pending).where(
                    redaction_pending.c.document_id.in_(chunk), redaction_pending.c.id <= last))

    def documents_by_id(self, document_ids: list[str]) -> list[Document]:
        """The stored documents of ``document_ids``, in that order (ids not stored are left out)."""
        found: dict[str, Document] = {}
        with self._read() as conn:
            for chunk in _chunks(document_ids):
                rows = conn.execute(select(documents).where(documents.c.id.in_(chunk)))
                found.update((row.id, codec.document_from_row(row)) for row in rows)
        return [found[document_id] for document_id in document_ids if document_id in found]

    def redaction_digests(self, document_ids: Collection[str] | None = None) -> dict[str, str]:
        """Per document (of ``document_ids``, None: all) with a stored view: the digest of the
        names it was made with."""
        query = select(redactions.c.document_id, redactions.c.names_digest)
        with self._read() as conn:
            if document_ids is None:
                return dict(conn.execute(query).all())
            return {
                document_id: digest for chunk in _chunks(sorted(set(document_ids)))
                for document_id, digest in conn.execute(query.where(redactions.c.document_id.in_(chunk)))
            }

    def redaction_entities(self, document_ids: list[str]) -> dict[str, dict[str, Any]]:
        """What the NER found in these documents, for those whose view is stored."""
        found: dict[str, dict[str, Any]] = {}
        with self._read() as conn:
            for chunk in _chunks(document_ids):
                query = select(redactions.c.document_id, redactions.c.entities).where(
                    redactions.c.document_id.in_(chunk)
                )
                found.update(conn.execute(query).all())
        return found

    def save_redaction(
        self, document: Document, entities: dict[str, Any], names_digest: str, view: dict[str, Any]
    ) -> bool:
        """Stores the public view of ``document`` in place of the previous one; False (nothing
        stored) when the stored document is gone or is no longer this text and title."""
        try:
            return self._save_redaction(document, entities, names_digest, view)
        except IntegrityError:
            # Another writer stored a view of it after we deleted none (PostgreSQL): again, which
            # deletes that one (its row is committed now) and stores ours.
            return self._save_redaction(document, entities, names_digest, view)

    def _save_redaction(
        self, document: Document, entities: dict[str, Any], names_digest: str, view: dict[str, Any]
    ) -> bool:
        with self._write() as conn:
            stored = conn.execute(
                select(documents.c.text, documents.c.title).where(documents.c.id == document.id)
            ).first()
            if stored is None or (stored.text, stored.title) != (document.text, document.title):
                return False
            _changed_query_inputs(conn)
            conn.execute(delete(redaction_names).where(redaction_names.c.document_id == document.id))
            conn.execute(delete(redactions).where(redactions.c.document_id == document.id))
            conn.execute(
                insert(redactions).values(
                    document_id=document.id,
                    entities=entities,
                    names_digest=names_digest,
                    view=view,
                    made_at=_now(),
                    version=view.get("version"),
                    search_text=codec.search_text(view.get("title"), view.get("text") or ""),
                )
            )
            recorded = sorted(set(view.get("recorded") or []))
            if recorded:
                conn.execute(
                    insert(redaction_names), [{"document_id": document.id, "name": name} for name in recorded]
                )
        return True

    def redactions(self, document_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """The stored public views (of ``document_ids``, or all), by document id."""
        with self._read() as conn:
            if document_ids is None:
                return dict(conn.execute(select(redactions.c.document_id, redactions.c.view)).all())
            found: dict[str, dict[str, Any]] = {}
            for chunk in _chunks(document_ids):
                query = select(redactions.c.document_id, redactions.c.view).where(
                    redactions.c.document_id.in_(chunk)
                )
                found.update(conn.execute(query).all())
            return found

    def pseudonym_numbers(self, person_keys: list[str]) -> dict[str, int]:
        """The number of each person key, new keys numbered after all others (in the order given)."""
        keys = list(dict.fromkeys(person_keys))
        if not keys:
            return {}
        try:
            with self._write() as conn:
                return _number_people(conn, keys)
        except IntegrityError:  # another writer numbered one of them first: look again
            with self._write() as conn:
                return _number_people(conn, keys)

    # --- users of the web application -------------------------------------

    def add_user(self, name: str, role: str, password_hash: str | None, by: str) -> User:
        """Creates the account (audited as done ``by``); a taken name is a StoreError."""
        with self._write() as conn:
            if _user_row(conn, users.c.name == name) is not None:
                raise StoreError(f"cannot add user {name!r}: the name is taken")
            conn.execute(
                insert(users).values(
                    name=name, role=role, password_hash=password_hash, created_at=_now()
                )
            )
            user = _user_from_row(_user_row(conn, users.c.name == name))
            _insert_audit(conn, AuditEntry(by, "add_user", "user", name, None, user.audit_view()))
        return user

    def get_user(self, name: str) -> User | None:
        if _NUL in name:  # as in get_document
            return None
        with self._read() as conn:
            row = _user_row(conn, users.c.name == name)
        return _user_from_row(row) if row else None

    def user_by_token_hash(self, api_token_hash: str) -> User | None:
        with self._read() as conn:
            row = _user_row(conn, users.c.api_token_hash == api_token_hash)
        return _user_from_row(row) if row else None

    def users(self) -> list[User]:
        with self._read() as conn:
            return [_user_from_row(row) for row in conn.execute(select(users).order_by(users.c.name))]

    def set_user_role(self, name: str, role: str, by: str) -> User:
        return self._update_user(name, {"role": role}, "set_role", by)

    def set_user_password(self, name: str, password_hash: str | None, by: str) -> User:
        """Sets the password and ends every session of the account (a stolen cookie stops working)."""
        return self._update_user(name, {"password_hash": password_hash}, "set_password", by, end_sessions=True)

    def set_user_token(self, name: str, api_token_hash: str | None, by: str) -> User:
        """Replaces (or, with None, revokes) the account's API token."""
        return self._update_user(name, {"api_token_hash": api_token_hash}, "set_api_token", by)

    def delete_user(self, name: str, by: str) -> None:
        with self._write() as conn:
            before = _existing_user(conn, name)
            conn.execute(delete(users).where(users.c.name == name))
            _insert_audit(conn, AuditEntry(by, "delete_user", "user", name, before.audit_view(), None))

    def _update_user(
        self, name: str, values: dict[str, Any], action: str, by: str, end_sessions: bool = False
    ) -> User:
        with self._write() as conn:
            before = _existing_user(conn, name)
            conn.execute(update(users).where(users.c.name == name).values(**values))
            if end_sessions:
                conn.execute(delete(sessions).where(sessions.c.user_id == before.id))
            after = _user_from_row(_user_row(conn, users.c.name == name))
            _insert_audit(
                conn, AuditEntry(by, action, "user", name, before.audit_view(), after.audit_view())
            )
        return after


    # --- sessions of signed-in browsers -----------------------------------

    def add_session(
        self, name: str, token_hash: str, lifetime: timedelta, address: str | None, user_agent: str | None
    ) -> SessionRecord:
        """A new session of the account; expired sessions of every account are deleted on the way."""
        now = datetime.now(UTC)
        values = {
            "id": secrets.token_hex(8),
            "token_hash": token_hash,
            "created_at": _timestamp(now),
            "last_seen_at": _timestamp(now),
            "expires_at": _timestamp(now + lifetime),
            "address": address,
            "user_agent": (user_agent or "")[:_USER_AGENT_LENGTH] or None,
        }
        with self._write() as conn:
            user = _existing_user(conn, name)
            conn.execute(delete(sessions).where(sessions.c.expires_at <= values["created_at"]))
            conn.execute(insert(sessions).values(user_id=user.id, **values))
        return _session_from_row(values, user.name)

    def session_user(self, token_hash: str) -> tuple[User, SessionRecord] | None:
        """The account and session a session token belongs to, while the session has not expired."""
        query = (
            select(sessions, users.c.name.label("user_name"))
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > _now())
        )
        with self._read() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            user = _user_from_row(_user_row(conn, users.c.id == row.user_id))
        return user, _session_from_row(row._mapping, row.user_name)

    def touch_session(self, session_id: str) -> None:
        """Records that the session was used now."""
        with self._write() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(last_seen_at=_now()))

    def end_session(self, token_hash: str) -> None:
        """Signing out: the session's token stops working."""
        with self._write() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def sessions(self, name: str | None = None) -> list[SessionRecord]:
        """Open sessions (of the account ``name``, else of all), oldest first."""
        query = (
            select(sessions, users.c.name.label("user_name"))
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.expires_at > _now())
            .order_by(sessions.c.created_at, sessions.c.id)
        )
        if name is not None:
            query = query.where(users.c.name == name)
        with self._read() as conn:
            if name is not None:
                _existing_user(conn, name)
            return [_session_from_row(row._mapping, row.user_name) for row in conn.execute(query)]

    def revoke_sessions(self, name: str, by: str, session_id: str | None = None) -> int:
        """Ends every session of the account (or only ``session_id``); audited; returns how many ended."""
        with self._write() as conn:
            user = _existing_user(conn, name)
            condition = sessions.c.user_id == user.id
            if session_id is not None:
                condition &= sessions.c.id == session_id
                if conn.execute(select(sessions.c.id).where(condition)).first() is None:
                    raise StoreError(f"no session {session_id!r} of user {name!r}")
            ended = conn.execute(delete(sessions).where(condition)).rowcount
            _insert_audit(conn, AuditEntry(by, "revoke_sessions", "user", name, None,
                                           {"session": session_id, "ended": ended}))
        return ended


# --------------------------------------------------------------------------- incident queries


INCIDENT_SORTS = ("-date", "date", "confidence", "-confidence", "-reports", "reports")
INCIDENT_FACETS = ("type", "actor", "consequence", "country", "region", "lang", "outlet", "status")


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents the query methods read. Each list, when not empty, keeps the incidents
    with one of its values (for lang and outlet: with a report of that language or outlet; for
    country and region: whose place, the location else the origin, has it). ``date_from`` and
    ``date_to`` (ISO days) keep the dated incidents that may fall on or after and on or before.
    ``words`` (case-folded, see codec.fold): each must appear in the title or text of one of the
    incident's reports: in the original, or with ``public_version`` in the public view of that
    redaction version, read only where it was made knowing every name the report's mention and
    its incident record (as PublicView.search_text reads it). ``arrived_since``: only incidents
    with a report whose document was stored after this time (see Database.arrivals_since)."""

    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    consequences: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    words: tuple[str, ...] = ()
    public_version: str | None = None
    arrived_since: str | None = None


def _report_rows() -> Any:
    """incident_reports with their mentions: the reports an incident is loaded with."""
    return incident_reports.join(
        mentions,
        (mentions.c.document_id == incident_reports.c.document_id) & (mentions.c.key == incident_reports.c.mention_key),
    )


def _has_report(*conditions: ColumnElement[bool], join: Any = None) -> ColumnElement[bool]:
    """Whether the incident has a report (with ``join``, a table keyed by its document) that meets ``conditions``."""
    rows = _report_rows()
    if join is not None:
        key = join.c.id if join is documents else join.c.document_id
        rows = rows.join(join, key == incident_reports.c.document_id)
    return exists(select(1).select_from(rows).where(incident_reports.c.incident_id == incidents.c.id, *conditions))


def _matching(query: IncidentQuery) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    for column, values in (
        (incidents.c.status, query.statuses),
        (incidents.c.type, query.types),
        (incidents.c.country, query.countries),
        (incidents.c.region, query.regions),
    ):
        if values:
            parts.append(column.in_(list(values)))
    for kind, values in (("actor", query.actors), ("consequence", query.consequences)):
        if values:
            labels = incident_labels.alias()
            parts.append(
                exists(
                    select(1).where(
                        labels.c.incident_id == incidents.c.id, labels.c.kind == kind, labels.c.value.in_(list(values))
                    )
                )
            )
    for name, values in (("lang", query.langs), ("outlet", query.outlets)):
        if values:
            parts.append(_has_report(documents.c[name].in_(list(values)), join=documents))
    if query.date_from or query.date_to:
        parts.append(incidents.c.date_start.is_not(None))
    if query.date_from:
        parts.append(incidents.c.date_end >= query.date_from)
    if query.date_to:
        parts.append(incidents.c.date_start <= query.date_to)
    for word in query.words:
        parts.append(_has_word(word, query.public_version))
    if query.arrived_since:
        arrived = (
            select(incident_reports.c.incident_id)
            .join(documents, documents.c.id == incident_reports.c.document_id)
            .group_by(incident_reports.c.incident_id)
            .having(func.max(documents.c.ingested_at) > query.arrived_since)
        )
        parts.append(incidents.c.id.in_(arrived))
    return and_(true(), *parts)


def _has_word(word: str, public_version: str | None) -> ColumnElement[bool]:
    if public_version is None:
        return _has_report(document_search.c.text.contains(word, autoescape=True), join=document_search)
    names = redaction_names.alias()
    people = mention_people.alias()
    labels = incident_labels.alias()
    # The innermost queries name incident_reports of the query two levels up: correlated by hand.
    unknown_to_view = ~exists(
        select(1)
        .where(names.c.document_id == incident_reports.c.document_id, names.c.name == people.c.name)
        .correlate(incident_reports, people)
    )
    mention_names_covered = ~exists(
        select(1).where(
            people.c.document_id == incident_reports.c.document_id,
            people.c.mention_key == incident_reports.c.mention_key,
            unknown_to_view,
        )
    )
    names2 = redaction_names.alias()
    incident_names_covered = ~exists(
        select(1).where(
            labels.c.incident_id == incident_reports.c.incident_id,
            labels.c.kind == "person",
            ~exists(
                select(1)
                .where(names2.c.document_id == incident_reports.c.document_id, names2.c.name == labels.c.value)
                .correlate(incident_reports, labels)
            ),
        )
    )
    return _has_report(
        redactions.c.version == public_version,
        redactions.c.search_text.contains(word, autoescape=True),
        mention_names_covered,
        incident_names_covered,
        join=redactions,
    )


def _order(sort: str, binary: Callable[[ColumnElement[Any]], ColumnElement[Any]]) -> list[Any]:
    """ORDER BY for a sort of INCIDENT_SORTS: by date undated last (by id), else by confidence
    or reports; ties by id, in the same direction."""
    if sort not in INCIDENT_SORTS:
        raise ValueError(f"unknown sort {sort!r}: expected one of {', '.join(INCIDENT_SORTS)}")
    descending = sort.startswith("-")

    def direction(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    key = sort.lstrip("-")
    identity = binary(incidents.c.id)
    if key == "date":
        undated = incidents.c.date_start.is_(None)
        return [
            undated,
            direction(incidents.c.date_start),
            direction(incidents.c.date_end),
            binary(case((undated, incidents.c.id))).asc(),
            direction(identity),
        ]
    if key == "confidence":
        return [direction(incidents.c.confidence), direction(identity)]
    reports = (
        select(func.count())
        .select_from(_report_rows())
        .where(incident_reports.c.incident_id == incidents.c.id)
        .scalar_subquery()
    )
    return [direction(reports), direction(identity)]


def _facet_query(name: str, query: IncidentQuery, chosen: Select) -> Select:
    if name in ("type", "status", "country", "region"):
        column = incidents.c[name]
        return select(column, func.count()).where(_matching(query), column.is_not(None)).group_by(column)
    if name in ("actor", "consequence"):
        return (
            select(incident_labels.c.value, func.count())
            .where(incident_labels.c.kind == name, incident_labels.c.incident_id.in_(chosen))
            .group_by(incident_labels.c.value)
        )
    if name in ("lang", "outlet"):
        column = documents.c[name]
        return (
            select(column, func.count(func.distinct(incident_reports.c.incident_id)))
            .select_from(_report_rows().join(documents, documents.c.id == incident_reports.c.document_id))
            .where(incident_reports.c.incident_id.in_(chosen), column.is_not(None))
            .group_by(column)
        )
    raise ValueError(f"unknown facet {name!r}: expected one of {', '.join(INCIDENT_FACETS)}")


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _session_from_row(row: Any, user_name: str) -> SessionRecord:
    return SessionRecord(
        id=row["id"],
        user=user_name,
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
        address=row["address"],
        user_agent=row["user_agent"],
    )


def _save_source(conn: Connection, values: dict[str, Any]) -> None:
    stored = conn.execute(select(sources.c.url).where(sources.c.url == values["url"])).first()
    if stored is None:
        conn.execute(insert(sources).values(values))
    else:
        conn.execute(update(sources).where(sources.c.url == values["url"]).values(values))


def _chunks(items: list[str], size: int = _PAGE_SIZE) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _number_people(conn: Connection, keys: list[str]) -> dict[str, int]:
    known = _pseudonym_rows(conn, keys)
    new = [key for key in keys if key not in known]
    if not new:
        return known
    conn.execute(insert(pseudonyms), [{"person_key": key} for key in new])
    return _pseudonym_rows(conn, keys)


def _pseudonym_rows(conn: Connection, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        query = select(pseudonyms.c.person_key, pseudonyms.c.number).where(pseudonyms.c.person_key.in_(chunk))
        found.update(conn.execute(query).all())
    return found


def _user_row(conn: Connection, condition: ColumnElement[bool]) -> Any:
    return conn.execute(select(users).where(condition)).first()


def _user_from_row(row: Any) -> User:
    return User(
        name=row.name,
        role=row.role,
        password_hash=row.password_hash,
        api_token_hash=row.api_token_hash,
        created_at=row.created_at,
        id=row.id,
    )


def _existing_user(conn: Connection, name: str) -> User:
    row = _user_row(conn, users.c.name == name)
    if row is None:
        raise StoreError(f"no user {name!r}")
    return _user_from_row(row)


def _add_documents(conn: Connection, docs: list[Document]) -> list[AddResult]:
    """``_add_document`` for each document in turn, in a few statements when none of them
    replaces a stored text (a new input, or one read again): each batch of a firehose."""
    ids = [doc.id for doc in docs]
    stored = {
        row.id: row for chunk in _chunks(list(set(ids)))
        for row in conn.execute(select(documents).where(documents.c.id.in_(chunk)))
    }
    if len(set(ids)) < len(ids) or any(codec.document_from_row(row) != doc for doc in docs if (row := stored.get(doc.id))):
        return [_add_document(conn, doc) for doc in docs]  # replacements: one by one, in order
    digests = [doc.content_hash for doc in docs]
    holder = {
        digest: document_id for chunk in _chunks(list(set(digests)))
        for digest, document_id in conn.execute(
            select(documents.c.content_hash, documents.c.id).where(documents.c.content_hash.in_(chunk)))
    }
    results, rows, searched = [], [], []
    for doc, digest in zip(docs, digests, strict=True):
        if doc.id in stored:
            results.append(AddResult(doc.id, created=False))
        elif digest in holder:
            results.append(AddResult(doc.id, created=False, duplicate_of=holder[digest]))
        else:
            holder[digest] = doc.id
            rows.append({**_new_document_columns(doc), "content_hash": digest})
            searched.append({"document_id": doc.id, "text": codec.search_text(doc.title, doc.text)})
            results.append(AddResult(doc.id, created=True))
    if rows:
        _changed_query_inputs(conn)
        conn.execute(insert(documents), rows)
        conn.execute(insert(document_search), searched)
    return results


def _new_document_columns(doc: Document) -> dict[str, Any]:
    return {
        **codec.document_columns(doc),
        "ingested_at": _now(),
        "extraction_status": "pending",
        "extractor_version": None,
        "extraction_note": None,
    }


def _add_document(conn: Connection, doc: Document) -> AddResult:
    stored = conn.execute(select(documents).where(documents.c.id == doc.id)).first()
    if stored is not None and codec.document_from_row(stored) == doc:
        return AddResult(doc.id, created=False)
    digest = doc.content_hash
    same_content = conn.execute(
        select(documents.c.id).where(documents.c.content_hash == digest, documents.c.id != doc.id)
    ).scalar()
    if same_content is not None:
        return AddResult(doc.id, created=False, duplicate_of=same_content)
    if stored is not None and stored.content_hash != digest and not _same_place(stored, doc):
        return AddResult(doc.id, created=False, conflict_with=stored.url or stored.path or "")
    values = {**_new_document_columns(doc), "content_hash": digest}
    searched = {"document_id": doc.id, "text": codec.search_text(doc.title, doc.text)}
    _changed_query_inputs(conn)
    if stored is None:
        conn.execute(insert(documents).values(values))
        conn.execute(insert(document_search).values(searched))
        return AddResult(doc.id, created=True)
    # Evidence offsets point into the old text, and dates rest on the old metadata.
    _delete_extraction(conn, doc.id)
    conn.execute(delete(redaction_names).where(redaction_names.c.document_id == doc.id))
    conn.execute(delete(redactions).where(redactions.c.document_id == doc.id))  # names of the old text
    conn.execute(update(documents).where(documents.c.id == doc.id).values(values))
    conn.execute(delete(document_search).where(document_search.c.document_id == doc.id))
    conn.execute(insert(document_search).values(searched))
    return AddResult(doc.id, created=False, replaced=True)


def _to_extract(extractor_version: str) -> ColumnElement[bool]:
    return or_(
        documents.c.extraction_status == "pending",
        documents.c.extractor_version.is_(None),
        documents.c.extractor_version != extractor_version,
    )


def _not_stored(document_id: str) -> str:
    return f"cannot save extraction: document {document_id!r} is not stored"


def _save_extractions(conn: Connection, results: list[ExtractionResult], extractor_version: str) -> None:
    """Write checked results of stored documents (distinct ids), a few statements for all of
    them: a firehose saves thousands of results without mentions."""
    results = list({result.document_id: result for result in results}.values())  # the last of an id wins
    if not results:
        return
    _delete_extractions(conn, [result.document_id for result in results])
    mention_rows, people_rows, aggregate_rows = [], [], []
    for result in results:
        document_id = result.document_id
        mention_rows += [codec.mention_row(document_id, n, m) for n, m in enumerate(result.mentions)]
        people = {(m.key, name) for m in result.mentions for name in m.people}
        people_rows += [{"document_id": document_id, "mention_key": k, "name": n} for k, n in sorted(people)]
        aggregate_rows += [codec.aggregate_row(document_id, n, a) for n, a in enumerate(result.aggregates)]
    for table, rows in ((mentions, mention_rows), (mention_people, people_rows), (aggregates, aggregate_rows)):
        if rows:
            conn.execute(insert(table), rows)
    stale_views.mark(conn, (result.document_id for result in results if result.mentions))
    conn.execute(
        update(documents).where(documents.c.id == bindparam("document_id")).values(
            extraction_status=bindparam("status"), extractor_version=extractor_version, extraction_note=bindparam("note"),
        ),
        [
            {"document_id": result.document_id, "status": "processed" if result.processed else "not_processed",
             "note": result.note}
            for result in results
        ],
    )


def _same_place(stored: Any, doc: Document) -> bool:
    """Whether a new text under a stored id is a new version of that article: it comes from the
    same URL, or else the same file. An input with neither (stdin) never replaces a text."""
    place = stored.url or stored.path
    return place is not None and place == (doc.url or doc.path)


def _delete_extraction(conn: Connection, document_id: str) -> None:
    _delete_extractions(conn, [document_id])


def _delete_extractions(conn: Connection, document_ids: list[str]) -> None:
    """Every write of mentions starts here, so this is where merging learns of it. The count is
    raised first: on PostgreSQL its row lock makes two writers of one document's mentions take
    turns, so the second deletes what the first inserted instead of inserting beside it."""
    _changed_merge_inputs(conn)
    _changed_query_inputs(conn)
    for chunk in _chunks(document_ids):
        conn.execute(delete(mention_people).where(mention_people.c.document_id.in_(chunk)))
        merge_index.mark_pending(conn, chunk)
        conn.execute(delete(mentions).where(mentions.c.document_id.in_(chunk)))
        conn.execute(delete(aggregates).where(aggregates.c.document_id.in_(chunk)))


def _changed_query_inputs(conn: Connection) -> None:
    """Every write of what the incident queries read comes here: their cached results go stale."""
    conn.execute(update(query_state).where(query_state.c.id == 1).values(revision=query_state.c.revision + 1))


def _changed_merge_inputs(conn: Connection) -> None:
    conn.execute(update(merge_state).where(merge_state.c.id == 1).values(revision=merge_state.c.revision + 1))


def _merge_revision(conn: Connection, hold: bool = False) -> int:
    """The count of changes to mentions and decisions. ``hold`` (in a write transaction): no
    other writer changes them until it ends (PostgreSQL: the row's lock, which every such
    write takes; SQLite: the write lock, already held)."""
    query = select(merge_state.c.revision).where(merge_state.c.id == 1)
    return conn.execute(query.with_for_update() if hold else query).scalar_one()


def _check_extraction(result: ExtractionResult) -> None:
    items = [*result.mentions, *result.aggregates]
    strays = sorted({item.document_id for item in items} - {result.document_id})
    if strays:
        raise StoreError(
            f"cannot save extraction of {result.document_id!r}: "
            f"it holds mentions or aggregates of {strays[0]!r}"
        )
    keys = [m.key for m in result.mentions]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise StoreError(
            f"cannot save extraction of {result.document_id!r}: two mentions share the key "
            f"{repeated[0]} (same type and incident evidence)"
        )


def _reports(conn: Connection) -> list[Report]:
    rows = conn.execute(select(mentions).order_by(mentions.c.document_id, mentions.c.position)).all()
    docs = _documents_by_id(conn, select(mentions.c.document_id))
    return [Report(docs[row.document_id], codec.mention_from_row(row)) for row in rows]


def _decisions(conn: Connection) -> list[Decision]:
    return [codec.decision_from_row(row) for row in conn.execute(select(decisions).order_by(decisions.c.id))]


def _replace_incidents(conn: Connection, new_incidents: list[Incident]) -> None:
    reports = report_rows(new_incidents)
    _check_mentions_stored(conn, reports)
    _keep_aliases(conn, new_incidents)
    _changed_query_inputs(conn)
    stale_views.mark_reporting_named(conn, None)
    conn.execute(delete(incident_reports))
    conn.execute(delete(incident_labels))
    conn.execute(delete(incidents))
    insert_incidents(conn, new_incidents, reports)


def _keep_aliases(conn: Connection, new_incidents: list[Incident]) -> None:
    """Before the stored incidents are replaced: each stored id that goes, whose reports live
    on, becomes an alias of the new incident holding most of them (ties: the one holding its
    earliest report); earlier aliases follow their incident, and go with it."""
    new_ids = {incident.id for incident in new_incidents}
    holder = {(r.mention.document_id, r.mention.key): i.id for i in new_incidents for r in i.reports}
    holders: dict[str, list[str]] = {}
    rows = conn.execute(
        select(incident_reports).order_by(incident_reports.c.incident_id, incident_reports.c.position)
    )
    for row in rows:
        if row.incident_id not in new_ids:
            now = holder.get((row.document_id, row.mention_key))
            holders.setdefault(row.incident_id, []).extend([now] if now else [])
    moved = {
        old: max(found, key=lambda new: (found.count(new), -found.index(new)))
        for old, found in holders.items()
        if found
    }
    for old_id, target in conn.execute(select(incident_aliases.c.old_id, incident_aliases.c.incident_id)).all():
        if old_id in new_ids or old_id in moved or (target not in new_ids and target not in moved):
            conn.execute(delete(incident_aliases).where(incident_aliases.c.old_id == old_id))
        elif target in moved:
            conn.execute(
                update(incident_aliases).where(incident_aliases.c.old_id == old_id).values(incident_id=moved[target])
            )
    if moved:
        since = _now()
        conn.execute(insert(incident_aliases), [
            {"old_id": old, "incident_id": new, "since": since} for old, new in sorted(moved.items())
        ])


def _check_unique_ids(new_incidents: list[Incident]) -> None:
    seen: set[str] = set()
    for incident in new_incidents:
        if incident.id in seen:
            raise StoreError(f"cannot store incidents: incident id {incident.id!r} appears twice")
        seen.add(incident.id)


def _check_mentions_stored(conn: Connection, report_rows: list[dict[str, Any]]) -> None:
    stored = {
        (doc_id, key)
        for doc_id, key in conn.execute(select(mentions.c.document_id, mentions.c.key))
    }
    for row in report_rows:
        if (row["document_id"], row["mention_key"]) not in stored:
            raise StoreError(
                f"cannot store incident {row['incident_id']!r}: its report of document "
                f"{row['document_id']!r} (mention {row['mention_key']}) is not a stored mention"
            )


def _documents_by_id(conn: Connection, ids: Select) -> dict[str, Document]:
    rows = conn.execute(select(documents).where(documents.c.id.in_(ids)))
    return {row.id: codec.document_from_row(row) for row in rows}


def _load_incidents(conn: Connection, condition: ColumnElement[bool]) -> list[Incident]:
    """Three queries however many incidents: incidents, their mentions, their documents."""
    rows = conn.execute(
        select(incidents)
        .where(condition)
        .order_by(incidents.c.date_start.nulls_last(), incidents.c.id)
    ).all()
    if not rows:
        return []
    chosen = select(incidents.c.id).where(condition)
    report_rows = conn.execute(
        select(incident_reports.c.incident_id, mentions)
        .join(
            mentions,
            (mentions.c.document_id == incident_reports.c.document_id)
            & (mentions.c.key == incident_reports.c.mention_key),
        )
        .where(incident_reports.c.incident_id.in_(chosen))
        .order_by(incident_reports.c.incident_id, incident_reports.c.position)
    ).all()
    docs = _documents_by_id(
        conn,
        select(incident_reports.c.document_id).where(incident_reports.c.incident_id.in_(chosen)),
    )
    by_id = {row.id: codec.incident_from_row(row) for row in rows}
    for row in report_rows:
        by_id[row.incident_id].reports.append(
            Report(docs[row.document_id], codec.mention_from_row(row))
        )
    return list(by_id.values())


def _incident_state(row: Any) -> dict[str, Any] | None:
    """An incident's coded fields and status, for the audit log (reports left out)."""
    if row is None:
        return None
    state = as_plain(codec.incident_from_row(row))
    del state["reports"]
    return state


def _insert_audit(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(
        insert(audit_log).values(
            at=_now(),
            user=entry.user,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            before=as_plain(entry.before),
            after=as_plain(entry.after),
        )
    )
