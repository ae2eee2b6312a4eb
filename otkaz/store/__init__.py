"""The store: SQLite by default, PostgreSQL by URL (see docs/architecture.md)."""

from otkaz.store.database import AddResult, Database, DocumentState, IncidentQuery, SourceState, StoreError

__all__ = ["AddResult", "Database", "DocumentState", "IncidentQuery", "SourceState", "StoreError"]
