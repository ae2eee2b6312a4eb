"""The tables. Alembic migrations (``migrations/versions``) must build exactly this.

Portable across SQLite and PostgreSQL: JSON columns use SQLAlchemy's JSON type,
dates and timestamps are ISO text (a date range keeps both ends).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# failed: the extractor raised on the document (the reason is its extraction_note); it is
# skipped until another extractor version or `extract --all` tries it again.
EXTRACTION_STATUSES = ("pending", "processed", "not_processed", "failed")

# Named constraints, so later migrations (SQLite batch mode included) can address them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Python None is stored as SQL NULL, not as the JSON literal null.
Json = JSON(none_as_null=True)


def _incident_fields() -> list[Column]:
    """The coded fields that a mention and an incident share (see CODEBOOK.md)."""
    return [
        Column("type", String, nullable=False),
        Column("actors", Json, nullable=False),
        Column("count_min", Integer),
        Column("count_max", Integer),
        Column("location", Json),  # Place as a dict, its key included
        Column("origin", Json),
        Column("date_start", String(10)),
        Column("date_end", String(10)),
        Column("consequences", Json, nullable=False),
        Column("cited", Json, nullable=False),
        Column("people", Json, nullable=False),
        Column("confidence", Double, nullable=False),
    ]


documents = Table(
    "documents",
    metadata,
    Column("id", String, primary_key=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("title", Text),
    Column("url", Text),
    Column("path", Text),
    Column("outlet", String),
    Column("published", String),
    Column("lang", String),
    Column("source_format", String, nullable=False),
    Column("ingested_at", String, nullable=False),
    Column("extraction_status", String, nullable=False),
    Column("extractor_version", String),
    Column("extraction_note", Text),
    CheckConstraint(
        "extraction_status IN (" + ", ".join(f"'{s}'" for s in EXTRACTION_STATUSES) + ")",
        name="extraction_status",
    ),
)

mentions = Table(
    "mentions",
    metadata,
    Column(
        "document_id",
        String,
        ForeignKey("documents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),  # order within the document
    Column("key", String, nullable=False),
    *_incident_fields(),
    Column("date_inferred", Boolean, nullable=False),
    Column("units", Json, nullable=False),
    Column("evidence", Json, nullable=False),
    UniqueConstraint("document_id", "key"),
)

aggregates = Table(
    "aggregates",
    metadata,
    Column(
        "document_id",
        String,
        ForeignKey("documents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("type", String, nullable=False),
    Column("count_min", Integer),
    Column("count_max", Integer),
    Column("evidence", Json, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String, primary_key=True),
    *_incident_fields(),
    Column("status", String, nullable=False),
    Column("merge_reasons", Json, nullable=False),
    # Read off the coded fields when the incident is written, for the web's filters and map
    # (Database.query_incidents): the place is the location, else the origin; the point the
    # first of the two with both coordinates.
    Column("country", String),
    Column("region", String),  # admin1
    Column("lat", Double),
    Column("lon", Double),
    Index(None, "date_start"),
    # The dashboard's totals, timeline and facets of the incidents of a status, read from
    # the indexes alone (0012).
    Index(None, "status", "date_start", "count_min", "country"),
    Index(None, "status", "type", "country"),
    Index(None, "status", "country"),
    Index(None, "status", "region"),
)

# The list-valued fields of each incident, one row per distinct value, for filters and facets:
# kind "actor", "consequence" or "person" (a name, only read to tell whether a public view covers it).
incident_labels = Table(
    "incident_labels",
    metadata,
    Column("incident_id", String, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String, primary_key=True),
    Column("value", String, primary_key=True),
    Index(None, "kind", "value"),
)

# The people each mention names, one row each: a public view covers a report when it was made
# knowing all of them and the incident's (PublicView.report_view); the word search asks it in SQL.
mention_people = Table(
    "mention_people",
    metadata,
    Column("document_id", String, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("mention_key", String, primary_key=True),
    Column("name", String, primary_key=True),
)

# What the word search reads of each document: title and text, case-folded (queries.fold).
document_search = Table(
    "document_search",
    metadata,
    Column("document_id", String, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("text", Text, nullable=False),
)

# An incident's reports name mentions by key, without a foreign key: a re-extraction
# that yields the same keys keeps the incident's reports until the next merge.
incident_reports = Table(
    "incident_reports",
    metadata,
    Column(
        "incident_id",
        String,
        ForeignKey("incidents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("document_id", String, nullable=False),
    Column("mention_key", String, nullable=False),
    Index(None, "document_id", "mention_key"),
    Index(None, "mention_key"),  # incremental merging finds the incidents of mentions (0008)
)

# An incident id that merging gave up (its reports now belong to another incident) and the
# incident that holds most of them now, so that links to the old id still lead somewhere.
# Kept pointing at a current incident; gone when its id is current again or its reports are.
incident_aliases = Table(
    "incident_aliases",
    metadata,
    Column("old_id", String, primary_key=True),
    Column("incident_id", String, nullable=False),
    Column("since", String, nullable=False),
)

# Analyst decisions refer to incident ids without a foreign key: they outlive
# every replacement of the machine's incidents.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("incident_id", String, nullable=False, index=True),
    Column("other_ids", Json, nullable=False),
    Column("payload", Json, nullable=False),
    Column("user", String, nullable=False),
    Column("created_at", String, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False),
    Column("user", String, nullable=False),
    Column("action", String, nullable=False),
    Column("object_type", String, nullable=False),
    Column("object_id", String, nullable=False, index=True),
    Column("before", Json),
    Column("after", Json),
)

# The public view of each document (otkaz.publish.redaction): names replaced by pseudonyms.
# ``entities`` is what the NER found (parsed once per text); ``names_digest`` says which
# recorded names the view was made with, so it is made again when they change.
redactions = Table(
    "redactions",
    metadata,
    Column(
        "document_id",
        String,
        ForeignKey("documents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("entities", Json, nullable=False),
    Column("names_digest", String(64), nullable=False),
    Column("view", Json, nullable=False),
    Column("made_at", String, nullable=False),
    # Read off ``view`` when it is stored: its rules' version and its title and text case-folded
    # (what the public's word search reads).
    Column("version", String),
    Column("search_text", Text),
)

# The names each stored view was made knowing (its ``recorded``), one row each.
redaction_names = Table(
    "redaction_names",
    metadata,
    Column("document_id", String, ForeignKey("redactions.document_id", ondelete="CASCADE"), primary_key=True),
    Column("name", String, primary_key=True),
)

# The documents whose public view may be stale (0013): a row for each write that changed the
# mentions of a document or the people of an incident reporting it (ids only grow, so a refresh
# removes the rows it read and none written after); ``otkaz.publish.redaction.refresh`` reads
# them instead of every document's names. redaction_state (row 1): the redaction rules' version
# whose views the rows keep track of (none: every document with a mention is checked once).
redaction_pending = Table(
    "redaction_pending",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", String, nullable=False, index=True),
    sqlite_autoincrement=True,
)

redaction_state = Table(
    "redaction_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", String, nullable=False),
)

# One number per person across the store: "[person N]" (person_key: see otkaz.publish.redaction).
pseudonyms = Table(
    "pseudonyms",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),
    Column("person_key", String, nullable=False, unique=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String, nullable=False, unique=True),
    Column("role", String, nullable=False),
    Column("password_hash", String),
    Column("api_token_hash", String, unique=True),
    Column("created_at", String, nullable=False),
)

# What `otkaz watch` remembers of each source it follows: the validators of the last
# response (conditional requests), when it was checked and changed, and its errors.
sources = Table(
    "sources",
    metadata,
    Column("url", String, primary_key=True),
    Column("kind", String),  # "feed" or "page", once fetched
    Column("etag", String),
    Column("last_modified", String),
    Column("checked_at", String),  # the last poll that reached it (ISO timestamp, UTC)
    Column("changed_at", String),  # the last poll that found it changed
    Column("documents", Integer, nullable=False),  # documents it brought that were new to the store
    Column("errors", Integer, nullable=False),  # failed fetches of it or of its entries' pages, in all
    Column("last_error", Text),
    Column("last_error_at", String),
)

# Until when each account has seen the dashboard's arrivals ("Mark as seen").
seen_markers = Table(
    "seen_markers",
    metadata,
    Column("user", String, ForeignKey("users.name", ondelete="CASCADE"), primary_key=True),
    Column("seen_at", String, nullable=False),
)


# Failed sign-ins within the throttle's window (``otkaz.web.auth.LoginThrottle``), kept in the
# store so that every server process of ``otkaz serve --workers N`` counts them all.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String, nullable=False),
    Column("address", String, nullable=False),
    Column("at", Double, nullable=False),  # seconds since the epoch
    Index("ix_login_failures_account_address", "account", "address"),
    Index("ix_login_failures_at", "at"),
)


# Ingest jobs started in the browser (``otkaz.web.jobs``): kept in the store so that any server
# process answers a job's progress page, whichever runs it.
ingest_jobs = Table(
    "ingest_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user", String, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("created_at", String, nullable=False, index=True),
    Column("state", String, nullable=False),
    Column("stage", String, nullable=False),
    Column("done", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("summary", JSON),
    Column("error", Text),
)


# Signed-in browsers. The cookie holds a random token; the store keeps its SHA-256, so
# signing out, a password change or `otkaz user revoke-sessions` ends a session at once.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(32), primary_key=True),  # a public handle, shown by `otkaz user sessions`
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", String, nullable=False),
    Column("last_seen_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Column("address", String),  # the client's address when it signed in
    Column("user_agent", String),
)


# How many times what merging reads (mentions, decisions) has changed: every write of those
# adds one, and a merge stores its incidents only if the count is what it read
# (Database.rebuild_incidents). One row, id 1, created by the migration.
merge_state = Table(
    "merge_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", Integer, nullable=False),
)


# How many times what the incident queries read (incidents, their reports and labels, documents,
# mentions, public views) has changed: every write of those adds one, so results computed at
# one count can be reused until it moves (Database.incident_facets and the other totals). One
# row, id 1, created by the migration.
query_state = Table(
    "query_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", Integer, nullable=False),
)


# The merge index (otkaz.merge.incremental): what an incremental merge needs to compare new
# mentions with the incidents they can belong to alone. Rebuilt by every full merge; valid
# while merge_index_state holds its row (a store without it, e.g. one just upgraded, is merged
# in full first).
#
# Each merged mention and its component: the mentions linked to it by the machine's merging
# pairs and by the analysts' decisions, transitively. Incidents never span components, so a
# change re-merges only the components it touches.
merge_index = Table(
    "merge_index",
    metadata,
    Column("mention_key", String, primary_key=True),
    Column("document_id", String, nullable=False, index=True),
    Column("component", String, nullable=False, index=True),
)

# The blocks each merged mention is filed under, as MergeIndex files it: its type, each of
# its countries ('' when none is known) and each month its date touches (year * 12 + month - 1;
# -1 when undated).
merge_blocks = Table(
    "merge_blocks",
    metadata,
    Column("mention_key", String, primary_key=True),
    Column("country", String, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("type", String, nullable=False),
    Column("document_id", String, nullable=False),
    Index(None, "type", "country", "month"),
)

# The decisions merged so far (with a digest of what they say: an id SQLite gives again after
# a deletion is another decision), and the mention keys each can touch (recorded keys, keys
# named by its incident ids, keys a split takes out).
merge_decisions = Table(
    "merge_decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False),
)

merge_decision_keys = Table(
    "merge_decision_keys",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=False),
    Column("mention_key", String, primary_key=True, index=True),
)

# Documents whose mentions were written (or deleted) since the last merge.
merge_pending = Table(
    "merge_pending",
    metadata,
    Column("document_id", String, primary_key=True),
)

# One row (id 1) while the merge index matches the stored incidents.
merge_index_state = Table(
    "merge_index_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("built_at", String, nullable=False),
)
