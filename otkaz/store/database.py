"""The Database: documents, extractions, incidents, analyst decisions and the audit log.

SQLite by default (a plain path), PostgreSQL by URL. Opening a database migrates it
to the newest schema. Every write method is one transaction.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import (
    URL,
    ColumnElement,
    Connection,
    Engine,
    Select,
    create_engine,
    delete,
    event,
    func,
    insert,
    make_url,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError

from otkaz.model import (
    DECISION_KINDS,
    Aggregate,
    AuditEntry,
    Decision,
    Document,
    ExtractionResult,
    Incident,
    Report,
    as_plain,
)
from otkaz.store import codec
from otkaz.store.schema import (
    EXTRACTION_STATUSES,
    aggregates,
    audit_log,
    decisions,
    documents,
    incident_reports,
    incidents,
    mentions,
    users,
)

DEFAULT_DATABASE = "otkaz.db"
MIGRATIONS = Path(__file__).with_name("migrations")
_PAGE_SIZE = 500  # documents() reads this many documents per query
_WRITE = "otkaz_write"  # execution option marking connections that will write


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
class DocumentState:
    """Where a stored document stands in extraction (for listings)."""

    document_id: str
    status: str  # pending, processed, not_processed
    extractor_version: str | None
    note: str | None
    mentions: int


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
    return datetime.now(UTC).isoformat(timespec="seconds")


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


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's BEGIN (below) drive transactions: pysqlite's own handling
    # leaves DDL outside them and cannot take the write lock up front.
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _sqlite_on_begin(connection: Connection) -> None:
    # A writer takes the lock at once, so two writers wait for each other (busy
    # timeout) instead of failing when a read lock cannot be upgraded.
    writes = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _create_engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    if backend == "sqlite":
        _check_sqlite_path(url)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if backend == "postgresql":
        timeout = {} if "connect_timeout" in url.query else {"connect_timeout": 10}
        return create_engine(url, connect_args=timeout)
    raise StoreError(
        f"cannot open database {masked(url)}: unsupported database {backend!r} "
        "(use a SQLite path or a postgresql+psycopg:// URL)"
    )


def _upgrade_to_head(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection  # read by migrations/env.py
        command.upgrade(config, "head")


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
        # Reads of several queries see one snapshot (SQLite transactions always do).
        self._reader = (
            self._engine.execution_options(isolation_level="REPEATABLE READ")
            if self._url.get_backend_name() == "postgresql"
            else self._engine
        )
        try:
            _upgrade_to_head(self._writer)
        except (SQLAlchemyError, CommandError) as exc:
            self._engine.dispose()
            raise StoreError(f"cannot open database {self.url}: {_first_line(exc)}") from exc

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

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

    def get_document(self, document_id: str) -> Document | None:
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
        query = (
            select(documents)
            .where(
                or_(
                    documents.c.extraction_status == "pending",
                    documents.c.extractor_version.is_(None),
                    documents.c.extractor_version != extractor_version,
                )
            )
            .order_by(documents.c.id)
        )
        with self._read() as conn:
            return [codec.document_from_row(row) for row in conn.execute(query)]

    # --- extraction ------------------------------------------------------

    def save_extraction(self, result: ExtractionResult, extractor_version: str) -> None:
        """Replaces the document's mentions and aggregates, all or nothing."""
        _check_extraction(result)
        document_id = result.document_id
        with self._write() as conn:
            if (
                conn.execute(select(documents.c.id).where(documents.c.id == document_id)).first()
                is None
            ):
                raise StoreError(f"cannot save extraction: document {document_id!r} is not stored")
            _delete_extraction(conn, document_id)
            if result.mentions:
                rows = [codec.mention_row(document_id, n, m) for n, m in enumerate(result.mentions)]
                conn.execute(insert(mentions), rows)
            if result.aggregates:
                rows = [
                    codec.aggregate_row(document_id, n, a) for n, a in enumerate(result.aggregates)
                ]
                conn.execute(insert(aggregates), rows)
            conn.execute(
                update(documents)
                .where(documents.c.id == document_id)
                .values(
                    extraction_status="processed" if result.processed else "not_processed",
                    extractor_version=extractor_version,
                    extraction_note=result.note,
                )
            )

    def extraction_status(self) -> dict[str, int]:
        """Documents per status: processed / not_processed / pending (zeros included)."""
        query = select(documents.c.extraction_status, func.count()).group_by(
            documents.c.extraction_status
        )
        with self._read() as conn:
            counts = {status: count for status, count in conn.execute(query)}
        return {status: counts.get(status, 0) for status in EXTRACTION_STATUSES}

    def document_states(self) -> list[DocumentState]:
        """Every document's extraction state and mention count, by id, in one query."""
        query = (
            select(
                documents.c.id,
                documents.c.extraction_status,
                documents.c.extractor_version,
                documents.c.extraction_note,
                func.count(mentions.c.position),
            )
            .outerjoin(mentions, mentions.c.document_id == documents.c.id)
            .group_by(documents.c.id)
            .order_by(documents.c.id)
        )
        with self._read() as conn:
            return [DocumentState(*row) for row in conn.execute(query)]

    def reports(self) -> list[Report]:
        """Every stored mention with its document, by document id and position."""
        query = select(mentions).order_by(mentions.c.document_id, mentions.c.position)
        with self._read() as conn:
            rows = conn.execute(query).all()
            docs = _documents_by_id(conn, select(mentions.c.document_id))
        return [Report(docs[row.document_id], codec.mention_from_row(row)) for row in rows]

    def aggregates(self) -> list[Aggregate]:
        query = select(aggregates).order_by(aggregates.c.document_id, aggregates.c.position)
        with self._read() as conn:
            return [codec.aggregate_from_row(row) for row in conn.execute(query)]

    # --- incidents -------------------------------------------------------

    def replace_incidents(self, new_incidents: list[Incident]) -> None:
        """Stores the machine's incidents in place of the previous ones; decisions stay."""
        _check_unique_ids(new_incidents)
        report_rows = [
            {
                "incident_id": incident.id,
                "position": n,
                "document_id": report.mention.document_id,
                "mention_key": report.mention.key,
            }
            for incident in new_incidents
            for n, report in enumerate(incident.reports)
        ]
        with self._write() as conn:
            _check_mentions_stored(conn, report_rows)
            conn.execute(delete(incident_reports))
            conn.execute(delete(incidents))
            if new_incidents:
                conn.execute(insert(incidents), [codec.incident_row(i) for i in new_incidents])
            if report_rows:
                conn.execute(insert(incident_reports), report_rows)

    def incidents(self, include_rejected: bool = False) -> list[Incident]:
        """Incidents with their reports, by date (undated last), then id."""
        condition = true() if include_rejected else incidents.c.status != "rejected"
        with self._read() as conn:
            return _load_incidents(conn, condition)

    def get_incident(self, incident_id: str) -> Incident | None:
        with self._read() as conn:
            found = _load_incidents(conn, incidents.c.id == incident_id)
        return found[0] if found else None

    # --- decisions and audit ---------------------------------------------

    def add_decision(self, decision: Decision) -> Decision:
        """Stores the decision (id and created_at set) and audits it against the incident."""
        if decision.kind not in DECISION_KINDS:
            raise StoreError(
                f"unknown decision kind {decision.kind!r} "
                f"(expected one of {', '.join(DECISION_KINDS)})"
            )
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
            rows = conn.execute(select(decisions).order_by(decisions.c.id))
            return [codec.decision_from_row(row) for row in rows]

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
        return self._update_user(name, {"password_hash": password_hash}, "set_password", by)

    def set_user_token(self, name: str, api_token_hash: str | None, by: str) -> User:
        """Replaces (or, with None, revokes) the account's API token."""
        return self._update_user(name, {"api_token_hash": api_token_hash}, "set_api_token", by)

    def delete_user(self, name: str, by: str) -> None:
        with self._write() as conn:
            before = _existing_user(conn, name)
            conn.execute(delete(users).where(users.c.name == name))
            _insert_audit(conn, AuditEntry(by, "delete_user", "user", name, before.audit_view(), None))

    def _update_user(self, name: str, values: dict[str, Any], action: str, by: str) -> User:
        with self._write() as conn:
            before = _existing_user(conn, name)
            conn.execute(update(users).where(users.c.name == name).values(**values))
            after = _user_from_row(_user_row(conn, users.c.name == name))
            _insert_audit(
                conn, AuditEntry(by, action, "user", name, before.audit_view(), after.audit_view())
            )
        return after


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
    values = {
        **codec.document_columns(doc),
        "content_hash": digest,
        "ingested_at": _now(),
        "extraction_status": "pending",
        "extractor_version": None,
        "extraction_note": None,
    }
    if stored is None:
        conn.execute(insert(documents).values(values))
        return AddResult(doc.id, created=True)
    # Evidence offsets point into the old text, and dates rest on the old metadata.
    _delete_extraction(conn, doc.id)
    conn.execute(update(documents).where(documents.c.id == doc.id).values(values))
    return AddResult(doc.id, created=False, replaced=True)


def _same_place(stored: Any, doc: Document) -> bool:
    """Whether a new text under a stored id is a new version of that article: it comes from the
    same URL, or else the same file. An input with neither (stdin) never replaces a text."""
    place = stored.url or stored.path
    return place is not None and place == (doc.url or doc.path)


def _delete_extraction(conn: Connection, document_id: str) -> None:
    conn.execute(delete(mentions).where(mentions.c.document_id == document_id))
    conn.execute(delete(aggregates).where(aggregates.c.document_id == document_id))


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
