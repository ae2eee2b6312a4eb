"""The merge index in the store: what an incremental merge reads (``MergeReader``, one snapshot)
and how its update is stored (``apply_update``).  The logic is ``otkaz.merge.incremental``."""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, tuple_, update

from otkaz.merge.incremental import Batches, MergeUpdate, decision_digest
from otkaz.merge.reconcile import ID_PREFIX
from otkaz.model import Decision, Document, Report
from otkaz.store import codec, stale_views
from otkaz.store.incident_rows import insert_incidents, report_rows
from otkaz.store.schema import (
    decisions,
    documents,
    incident_aliases,
    incident_labels,
    incident_reports,
    incidents,
    mentions,
    merge_blocks,
    merge_decision_keys,
    merge_decisions,
    merge_index,
    merge_index_state,
    merge_pending,
)


NO_COUNTRY = ""  # merge_blocks.country of a mention with no country known
NO_MONTH = -1  # merge_blocks.month of an undated mention
_CHUNK = 500  # values per IN (...) list


def _chunks(items: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def mark_pending(conn: Connection, document_ids: list[str]) -> None:
    """The documents' mentions change: the next merge re-merges what they touch. (The caller
    holds the merge_state row, so writers of one document take turns.)"""
    conn.execute(delete(merge_pending).where(merge_pending.c.document_id.in_(document_ids)))
    conn.execute(insert(merge_pending), [{"document_id": document_id} for document_id in document_ids])


def invalidate(conn: Connection) -> None:
    """The incidents were stored by other means: the next merge is a full one."""
    conn.execute(delete(merge_index_state))


class MergeReader:
    """``otkaz.merge.incremental.MergeSource`` on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._stored_decisions: list[Decision] | None = None

    def index_valid(self) -> bool:
        return self.conn.execute(select(merge_index_state.c.id)).first() is not None

    def all_reports(self) -> list[Report]:
        rows = self.conn.execute(select(mentions).order_by(mentions.c.document_id, mentions.c.position)).all()
        docs = self._documents(select(mentions.c.document_id))
        return [Report(docs[row.document_id], codec.mention_from_row(row)) for row in rows]

    def all_decisions(self) -> list[Decision]:
        if self._stored_decisions is None:
            self._stored_decisions = self._decisions(None)
        return self._stored_decisions

    def pending_documents(self) -> list[str]:
        query = select(merge_pending.c.document_id).order_by(merge_pending.c.document_id)
        return list(self.conn.execute(query).scalars())

    def unmerged_decisions(self) -> list[Decision]:
        """The stored decisions not merged yet (by their digests: SQLite may give a deleted
        decision's id again)."""
        merged = self._merged_decisions()
        return [d for d in self.all_decisions() if merged.get(d.id or 0) != decision_digest(d)]

    def gone_decisions(self) -> list[int]:
        """The merged decisions no longer stored as they were merged."""
        stored = {d.id: decision_digest(d) for d in self.all_decisions()}
        return sorted(i for i, digest in self._merged_decisions().items() if stored.get(i) != digest)

    def _merged_decisions(self) -> dict[int, str]:
        rows = self.conn.execute(select(merge_decisions.c.decision_id, merge_decisions.c.digest))
        return {decision_id: digest for decision_id, digest in rows}

    def decision_keys(self, decision_ids: Collection[int]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(decision_ids):
            query = select(merge_decision_keys.c.mention_key).where(merge_decision_keys.c.decision_id.in_(chunk))
            found.update(self.conn.execute(query).scalars())
        return found

    def decisions_touching(self, keys: Collection[str]) -> set[int]:
        found: set[int] = set()
        for chunk in _chunks(keys):
            query = select(merge_decision_keys.c.decision_id).where(merge_decision_keys.c.mention_key.in_(chunk))
            found.update(self.conn.execute(query).scalars())
        return found

    def decisions_by_id(self, decision_ids: Collection[int]) -> list[Decision]:
        found: list[Decision] = []
        for chunk in _chunks(sorted(decision_ids)):
            found += self._decisions(decisions.c.id.in_(chunk))
        return sorted(found, key=lambda decision: decision.id or 0)

    def indexed_of_documents(self, document_ids: Collection[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(document_ids):
            query = select(merge_index.c.mention_key, merge_index.c.component).where(
                merge_index.c.document_id.in_(chunk)
            )
            found.update((a, b) for a, b in self.conn.execute(query))
        return found

    def components_of(self, keys: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys):
            query = select(merge_index.c.component).where(merge_index.c.mention_key.in_(chunk))
            found.update(self.conn.execute(query).scalars())
        return found

    def members_of(self, components: Collection[str]) -> dict[str, tuple[str, str]]:
        """Mention key -> (document id, component) of the indexed mentions of ``components``."""
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(components):
            query = select(merge_index.c.mention_key, merge_index.c.document_id, merge_index.c.component).where(
                merge_index.c.component.in_(chunk)
            )
            found.update((key, (document_id, component)) for key, document_id, component in self.conn.execute(query))
        return found

    def candidates(self, blocks: Iterable[tuple[str, list | None, list | None]]) -> Iterator[list[tuple[str, str]]]:
        """(mention key, document id) of the indexed mentions filed under any of ``blocks``:
        (type, countries or None for all, month numbers or None for all; None in a list: unknown),
        each once, in chunks read as they are used (the blocks of a large store hold more than
        a merge should hold at once)."""
        for condition in _block_conditions(blocks):
            query = (
                select(merge_blocks.c.mention_key, merge_blocks.c.document_id)
                .where(condition)
                .group_by(merge_blocks.c.mention_key, merge_blocks.c.document_id)
                .order_by(merge_blocks.c.mention_key)
            )
            result = self.conn.execute(query.execution_options(yield_per=_CHUNK))
            for chunk in result.partitions():
                yield [(key, document_id) for key, document_id in chunk]

    def reports_of_documents(self, document_ids: Collection[str]) -> list[Report]:
        reports: list[Report] = []
        for chunk in _chunks(sorted(document_ids)):
            rows = self.conn.execute(
                select(mentions)
                .where(mentions.c.document_id.in_(chunk))
                .order_by(mentions.c.document_id, mentions.c.position)
            ).all()
            docs = self._documents(chunk)
            reports += [Report(docs[row.document_id], codec.mention_from_row(row)) for row in rows]
        return reports

    def reports_of(self, keys: Mapping[str, str]) -> list[Report]:
        """The stored mentions of ``keys`` (mention key -> document id)."""
        wanted = set(keys)
        return [r for r in self.reports_of_documents(set(keys.values())) if r.mention.key in wanted]

    def _documents(self, ids: Any) -> dict[str, Document]:
        """The documents of ``ids`` without their texts, which merging never reads (a merge of
        thousands of mentions would hold thousands of texts)."""
        columns = [column for column in documents.c if column.name != "text"]
        rows = self.conn.execute(select(*columns).where(documents.c.id.in_(ids)))
        return {row.id: codec.document_from_row(row, text="") for row in rows}

    def _decisions(self, condition: Any) -> list[Decision]:
        query = select(decisions).order_by(decisions.c.id)
        if condition is not None:
            query = query.where(condition)
        return [codec.decision_from_row(row) for row in self.conn.execute(query)]


def _block_conditions(blocks: Iterable[tuple[str, list | None, list | None]]) -> list[Any]:
    """``blocks`` as one condition on merge_blocks per type (a handful of queries for
    thousands of new mentions): the (country, month) cells asked for, the countries asked
    for in every month, the months asked for in every country, or the whole type."""
    cells: dict[str, set[tuple[str, int]]] = {}
    any_month: dict[str, set[str]] = {}
    any_country: dict[str, set[int]] = {}
    whole: set[str] = set()
    for type_, countries, months in blocks:
        country_values = None if countries is None else [NO_COUNTRY if c is None else c for c in countries]
        month_values = None if months is None else [NO_MONTH if m is None else m for m in months]
        if country_values is None and month_values is None:
            whole.add(type_)
        elif month_values is None:
            any_month.setdefault(type_, set()).update(country_values)
        elif country_values is None:
            any_country.setdefault(type_, set()).update(month_values)
        else:
            cells.setdefault(type_, set()).update((c, m) for c in country_values for m in month_values)
    conditions = []
    for type_ in sorted({*cells, *any_month, *any_country, *whole}):
        condition = merge_blocks.c.type == type_
        if type_ not in whole:
            parts = []
            if type_ in cells:
                parts.append(tuple_(merge_blocks.c.country, merge_blocks.c.month).in_(sorted(cells[type_])))
            if type_ in any_month:
                parts.append(merge_blocks.c.country.in_(sorted(any_month[type_])))
            if type_ in any_country:
                parts.append(merge_blocks.c.month.in_(sorted(any_country[type_])))
            condition &= or_(*parts)
        conditions.append(condition)
    return conditions


# --------------------------------------------------------------------------- storing an update


def apply_update(conn: Connection, change: MergeUpdate, replace_all: Any, now: str) -> None:
    """Store ``change`` (in the caller's write transaction, merge inputs held still).

    Idempotent: a merge that stores the update another merge of the same revision stored
    leaves the store as it was. ``replace_all(conn, incidents)``: the full replacement."""
    if change.empty:
        return
    if change.full:
        replace_all(conn, change.batches.incidents())
        for table in (merge_index, merge_blocks, merge_decision_keys, merge_decisions, merge_pending):
            conn.execute(delete(table))
        conn.execute(delete(merge_index_state))
    else:
        _replace_some_incidents(conn, change.keys, change.batches, now)
        for chunk in _chunks(change.keys):
            conn.execute(delete(merge_index).where(merge_index.c.mention_key.in_(chunk)))
            conn.execute(delete(merge_blocks).where(merge_blocks.c.mention_key.in_(chunk)))
        for chunk in _chunks(change.pending):
            conn.execute(delete(merge_index).where(merge_index.c.document_id.in_(chunk)))
            conn.execute(delete(merge_blocks).where(merge_blocks.c.document_id.in_(chunk)))
            conn.execute(delete(merge_pending).where(merge_pending.c.document_id.in_(chunk)))
        for chunk in _chunks([*change.gone_decisions, *change.decision_keys]):
            conn.execute(delete(merge_decisions).where(merge_decisions.c.decision_id.in_(chunk)))
            conn.execute(delete(merge_decision_keys).where(merge_decision_keys.c.decision_id.in_(chunk)))
    for _incidents, entries in change.batches:
        index_rows = [{"mention_key": e.key, "document_id": e.document_id, "component": e.component} for e in entries]
        block_rows = [
            {
                "mention_key": e.key,
                "document_id": e.document_id,
                "type": e.type,
                "country": NO_COUNTRY if country is None else country,
                "month": NO_MONTH if month is None else month,
            }
            for e in entries
            for country, month in e.blocks
        ]
        for rows, table in ((index_rows, merge_index), (block_rows, merge_blocks)):
            for chunk in _chunks(rows, 5000):
                conn.execute(insert(table), chunk)
    if change.decision_keys:
        conn.execute(insert(merge_decisions), [
            {"decision_id": i, "digest": change.decision_digests[i]} for i in sorted(change.decision_keys)
        ])
        key_rows = [
            {"decision_id": i, "mention_key": k} for i, keys in change.decision_keys.items() for k in sorted(keys)
        ]
        for chunk in _chunks(key_rows, 5000):
            conn.execute(insert(merge_decision_keys), chunk)
    if change.full:
        conn.execute(insert(merge_index_state).values(id=1, built_at=now))


def _replace_some_incidents(conn: Connection, keys: Collection[str], batches: Batches, now: str) -> None:
    """The incidents holding any of ``keys`` give way to the incidents of ``batches`` (which
    hold exactly the stored ones of those keys); aliases as a full replacement keeps them
    (``_keep_aliases``). The batches are read one at a time, and only the ids of the new
    incidents are held across them."""
    old_ids: set[str] = set()
    for chunk in _chunks(keys):
        query = select(incident_reports.c.incident_id).where(incident_reports.c.mention_key.in_(chunk))
        old_ids.update(conn.execute(query).scalars())
    new_ids = {incident.id for incidents, _ in batches for incident in incidents}
    gone_reports = []  # (incident id, report) of the stored incidents whose ids go, in report order
    for chunk in _chunks(sorted(old_ids - new_ids)):
        rows = conn.execute(
            select(incident_reports.c.incident_id, incident_reports.c.document_id, incident_reports.c.mention_key)
            .where(incident_reports.c.incident_id.in_(chunk))
            .order_by(incident_reports.c.incident_id, incident_reports.c.position)
        )
        gone_reports += [(incident_id, (document_id, key)) for incident_id, document_id, key in rows]
    wanted = {report for _incident_id, report in gone_reports}
    holder = {
        (r.mention.document_id, r.mention.key): i.id
        for incidents, _ in batches for i in incidents for r in i.reports
        if (r.mention.document_id, r.mention.key) in wanted
    }
    holders: dict[str, list[str]] = {}
    for incident_id, report in gone_reports:
        held = holder.get(report)
        holders.setdefault(incident_id, []).extend([held] if held else [])
    moved = {
        old: max(found, key=lambda new: (found.count(new), -found.index(new)))
        for old, found in holders.items()
        if found
    }
    # Aliases that may change: of an id now current or moved, or leading to an incident of these
    # mentions (whose id is "inc-" + one of the keys, whether it is still stored or not).
    targets = old_ids | {ID_PREFIX + key for key in keys}
    rows = []
    for chunk in _chunks(sorted(new_ids | set(moved))):
        rows += conn.execute(select(incident_aliases).where(incident_aliases.c.old_id.in_(chunk))).all()
    for chunk in _chunks(sorted(targets)):
        rows += conn.execute(select(incident_aliases).where(incident_aliases.c.incident_id.in_(chunk))).all()
    for old_id, target in sorted({(row.old_id, row.incident_id) for row in rows}):
        alias = incident_aliases.c.old_id == old_id
        gone = target in targets and target not in new_ids and target not in moved
        if old_id in new_ids or old_id in moved or gone:
            conn.execute(delete(incident_aliases).where(alias))
        elif target in moved:
            conn.execute(update(incident_aliases).where(alias).values(incident_id=moved[target]))
    if moved:
        rows = [{"old_id": old, "incident_id": new, "since": now} for old, new in sorted(moved.items())]
        conn.execute(insert(incident_aliases), rows)
    stale_views.mark_reporting_named(conn, old_ids | new_ids)
    for chunk in _chunks(sorted(old_ids | new_ids)):
        conn.execute(delete(incident_reports).where(incident_reports.c.incident_id.in_(chunk)))
        conn.execute(delete(incident_labels).where(incident_labels.c.incident_id.in_(chunk)))
        conn.execute(delete(incidents).where(incidents.c.id.in_(chunk)))
    for new_incidents, _ in batches:
        insert_incidents(conn, new_incidents, report_rows(new_incidents))


def count_incidents(conn: Connection) -> int:
    """Incidents not rejected."""
    query = select(func.count()).select_from(incidents).where(incidents.c.status != "rejected")
    return conn.execute(query).scalar_one()


