"""Incremental merging: what changed since the last merge is merged again, and nothing else.

The store keeps a merge index (``otkaz.store.schema``: merge_index, merge_blocks,
merge_decision_keys) that says, for each merged mention, the blocks ``MergeIndex`` files it
under (type, country, month) and its *component*: the mentions linked to it, transitively,
by the machine's merging pairs and by the decisions that can touch it (a decision links
every mention key it records or names).  Grouping joins mentions only through such links
(``clusters``), and a decision resolves only through its keys (``decisions``), so the
incidents of a component depend on that component's mentions and decisions alone: merging
a set of whole components gives exactly the incidents a full merge gives them.

An update (``incremental_update``) therefore takes:

- the documents whose mentions were written or deleted since (the store's pending list),
  the decisions not merged yet and the merged decisions that are gone;
- the components of every mention they had, of every key those decisions touch, and of
  every indexed mention a new mention merges with (compared within its blocks only,
  looked up in the index);
- grown until no decision touching them links another component (a fixed point);

and merges those mentions with those decisions, in order, from scratch (``MergeIndex``).
The store then replaces just the incidents of those mentions (aliases for ids given up),
and their index rows.  ``full_update`` merges everything and builds the index anew: the
first merge of a store and ``otkaz merge --all``.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from otkaz.merge.clusters import Blocks, MergeIndex, blocks_of, candidate_blocks
from otkaz.merge.decisions import recorded_keys
from otkaz.merge.reconcile import mention_key_of
from otkaz.merge.signals import blockable, compare, profile_of
from otkaz.model import Decision, Incident, Report

Usable = Callable[[Sequence[Decision]], list[Decision]]
Block = tuple[str, str | None, int | None]  # type, country, month number (year * 12 + month - 1)


@dataclass
class IndexEntry:
    """A merged mention's row of the merge index."""

    key: str
    document_id: str
    type: str
    component: str
    blocks: list[tuple[str | None, int | None]]  # (country, month number); None: unknown


class Batches:
    """The incidents and index rows a merge made, a batch at a time, kept in a temporary file
    until they are stored: a merge holds one batch, however many mentions it re-merges."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="otkaz-merge-")
        self._count = 0

    def add(self, incidents: list[Incident], entries: list[IndexEntry]) -> None:
        self._file.seek(0, 2)
        pickle.dump((incidents, entries), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __iter__(self) -> Iterator[tuple[list[Incident], list[IndexEntry]]]:
        """Each batch's (incidents, entries), read back one at a time (one reading at a time)."""
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)

    def incidents(self) -> list[Incident]:
        """Every incident of every batch, by id."""
        return sorted((incident for incidents, _ in self for incident in incidents), key=lambda i: i.id)

    def close(self) -> None:
        self._file.close()


@dataclass
class MergeUpdate:
    """What one merge changes: the incidents of ``keys`` (every mention when ``full``) become
    the incidents of ``batches``; the index rows of ``keys`` become its entries."""

    full: bool
    batches: Batches = field(default_factory=Batches)
    keys: set[str] = field(default_factory=set)  # the mentions re-merged, old and new
    decision_keys: dict[int, set[str]] = field(default_factory=dict)  # decisions merged now -> their keys
    decision_digests: dict[int, str] = field(default_factory=dict)
    gone_decisions: list[int] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # documents merged now
    compared: int = 0  # pairs compared in full
    largest_unit: int = 0  # mentions merged together at most (a unit: see ``_units``)

    @property
    def empty(self) -> bool:
        return not (self.full or self.keys or self.decision_keys or self.gone_decisions or self.pending)


class MergeSource(Protocol):
    """What an incremental merge reads of the store (one snapshot)."""

    def index_valid(self) -> bool: ...

    def all_reports(self) -> list[Report]: ...

    def all_decisions(self) -> list[Decision]: ...

    def pending_documents(self) -> list[str]: ...

    def unmerged_decisions(self) -> list[Decision]: ...

    def gone_decisions(self) -> list[int]: ...

    def decision_keys(self, decision_ids: Collection[int]) -> set[str]: ...

    def decisions_touching(self, keys: Collection[str]) -> set[int]: ...

    def decisions_by_id(self, decision_ids: Collection[int]) -> list[Decision]: ...

    def indexed_of_documents(self, document_ids: Collection[str]) -> dict[str, str]: ...

    def components_of(self, keys: Collection[str]) -> set[str]: ...

    def members_of(self, components: Collection[str]) -> dict[str, tuple[str, str]]: ...

    def candidates(self, blocks: Iterable[tuple[str, list | None, list | None]]) -> Iterator[list[tuple[str, str]]]: ...

    def reports_of_documents(self, document_ids: Collection[str]) -> list[Report]: ...

    def reports_of(self, keys: Mapping[str, str]) -> list[Report]: ...


def decision_digest(decision: Decision) -> str:
    """What a stored decision says, in 32 hex digits (its id and creation time included)."""
    said = [decision.id, decision.kind, decision.incident_id, decision.other_ids, decision.payload, decision.user,
            decision.created_at]
    return hashlib.sha256(json.dumps(said, sort_keys=True, default=str).encode()).hexdigest()[:32]


def touched_keys(decision: Decision) -> set[str]:
    """Every mention key through which ``decision`` can find its incidents."""
    names = [decision.incident_id, *(decision.other_ids if decision.kind == "merge" else [])]
    keys = {key for recorded in recorded_keys(decision).values() for key in recorded if isinstance(key, str)}
    keys.update(key for key in map(mention_key_of, names) if key)
    if decision.kind == "split":
        keys.update(key for key in decision.other_ids if isinstance(key, str))
    return keys


def full_update(reports: Iterable[Report], decisions: Sequence[Decision], usable: Usable) -> MergeUpdate:
    """Every mention and decision merged, and the index of them all."""
    index = MergeIndex()
    index.add(reports)
    decision_keys = {decision.id: touched_keys(decision) for decision in decisions if decision.id is not None}
    update = MergeUpdate(
        full=True,
        keys=set(index.profiles),
        decision_keys=decision_keys,
        decision_digests={d.id: decision_digest(d) for d in decisions if d.id is not None},
        compared=index.comparisons,
        largest_unit=len(index),
    )
    update.batches.add(index.incidents(usable(decisions)), _entries(index, decision_keys.values()))
    return update


def update(source: MergeSource, usable: Usable, full: bool = False) -> MergeUpdate:
    """An incremental update, or a full one when asked or when the store has no merge index."""
    if full or not source.index_valid():
        return full_update(source.all_reports(), source.all_decisions(), usable)
    return incremental_update(source, usable)


def incremental_update(source: MergeSource, usable: Usable) -> MergeUpdate:
    """The change since the last merge, merged again with the components it touches."""
    pending = source.pending_documents()
    new_decisions = source.unmerged_decisions()
    gone = source.gone_decisions()
    update = MergeUpdate(full=False, pending=pending, gone_decisions=gone)
    update.decision_keys = {d.id: touched_keys(d) for d in new_decisions if d.id is not None}
    update.decision_digests = {d.id: decision_digest(d) for d in new_decisions if d.id is not None}
    if not (pending or new_decisions or gone):
        return update
    old = source.indexed_of_documents(pending)  # key -> component of the mentions they had
    new_reports = source.reports_of_documents(pending)
    new_keys = {report.mention.key for report in new_reports}
    seeds = set(old) | source.decision_keys(gone) | set().union(*update.decision_keys.values())
    components = set(old.values()) | source.components_of(seeds)

    # The indexed mentions a new one merges with: compared within its blocks alone. They are
    # read a chunk at a time, and each is compared only with the new mentions of its blocks:
    # what a merge holds follows the change, not the blocks (which grow with the store).
    profiles = {report.mention.key: profile_of(report) for report in new_reports}
    new_blocks = Blocks()
    wanted = []
    for profile in profiles.values():
        new_blocks.file(profile)
        countries, months = candidate_blocks(profile)
        wanted.append((profile.type, countries, None if months is None else [_number(m) for m in months]))
    pending_set = set(pending)
    links: list[tuple[str, str]] = []  # (new mention, indexed one it merges with)
    for chunk in source.candidates(wanted):
        found = {key: doc for key, doc in chunk if doc not in pending_set}
        for report in source.reports_of(found) if found else ():
            other = profile_of(report)
            for key in new_blocks.near(other):
                if blockable(profiles[key], other):
                    update.compared += 1
                    if compare(profiles[key], other).merges:
                        links.append((key, other.key))
    components |= source.components_of({other for _new, other in links})

    # Grown until the decisions touching it link no other component.
    decision_ids = set(update.decision_keys)
    while True:
        members = {k: dc for k, dc in source.members_of(components).items() if dc[0] not in pending_set}
        touching = source.decisions_touching(set(members) | new_keys) - decision_ids
        if not touching:
            break
        decision_ids |= touching
        more = source.components_of(source.decision_keys(touching)) - components
        if not more:
            break
        components |= more

    decisions = sorted(
        [*source.decisions_by_id(decision_ids - set(update.decision_keys)), *new_decisions],
        key=lambda decision: decision.id or 0,
    )
    keys_of = {d.id: update.decision_keys.get(d.id) or touched_keys(d) for d in decisions}
    applied = {id(decision): checked for decision, checked in _checked(decisions, usable)}
    update.keys = set(members) | set(old) | new_keys
    # Merged a bounded batch of independent units at a time (``_units``), each batch's index
    # freed before the next is built: what a merge holds follows its largest unit, not the
    # number of mentions it re-merges (which grows with the store where components do).
    for batch in _batches(_units(members, new_reports, links, decisions, keys_of)):
        batch_members = {key: members[key][0] for unit in batch for key in unit.members}
        batch_decisions = sorted((d for unit in batch for d in unit.decisions), key=lambda d: d.id or 0)
        index = MergeIndex()
        index.add([*source.reports_of(batch_members), *(report for unit in batch for report in unit.new_reports)])
        update.batches.add(
            index.incidents([applied[id(d)] for d in batch_decisions if id(d) in applied]),
            _entries(index, [keys_of[decision.id] for decision in batch_decisions]),
        )
        update.compared += index.comparisons
        update.largest_unit = max(update.largest_unit, *map(len, batch))
    return update


# Mentions merged at once (a unit larger than this alone): enough that a batch's reports are
# read in few queries, few enough that what a batch holds stays small.
UNIT_BATCH = 2_000


@dataclass
class _Unit:
    """Mentions whose incidents depend on no other mention of a merge: whole components, the
    new mentions that merge with them or with each other, and the decisions that touch them."""

    members: list[str] = field(default_factory=list)  # indexed mentions
    new_reports: list[Report] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.members) + len(self.new_reports)


def _units(
    members: Mapping[str, tuple[str, str]], new_reports: Sequence[Report], links: Iterable[tuple[str, str]],
    decisions: Sequence[Decision], keys_of: Mapping[int | None, set[str]],
) -> list[_Unit]:
    """The independent units of a merge, in a fixed order. ``members``: indexed mention ->
    (document, component); ``links``: new mention -> indexed mention it merges with.

    Grouping joins mentions only through merging pairs and decisions, and the indexed
    mentions of two components merge with no pair (else they would share a component), so
    the incidents of a unit are those a merge of everything gives it."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    new_keys = {report.mention.key for report in new_reports}

    def node(key: str) -> tuple[str, str] | None:
        if key in new_keys:
            return ("new", key)
        return ("component", members[key][1]) if key in members else None

    for key, (_document, component) in members.items():
        find(("component", component))
    # New mentions with each other, as MergeIndex.add compares them.
    seen, profiles = Blocks(), {}
    for report in new_reports:
        profile = profile_of(report)
        find(("new", profile.key))
        for other in seen.near(profile):
            if blockable(profile, profiles[other]) and compare(profile, profiles[other]).merges:
                join(("new", profile.key), ("new", other))
        profiles[profile.key] = profile
        seen.file(profile)
    del seen, profiles
    for new, indexed in links:
        join(("new", new), ("component", members[indexed][1]))
    decision_nodes = [(decision, [found for found in map(node, sorted(keys_of[decision.id])) if found])
                      for decision in decisions]
    for _decision, nodes in decision_nodes:
        for other in nodes[1:]:
            join(nodes[0], other)

    units: dict[tuple[str, str], _Unit] = {}
    for key, (_document, component) in sorted(members.items()):
        units.setdefault(find(("component", component)), _Unit()).members.append(key)
    for report in new_reports:
        units.setdefault(find(("new", report.mention.key)), _Unit()).new_reports.append(report)
    # A decision none of whose mentions is left resolves to nothing, in a full merge too: it
    # goes into no unit.
    for decision, nodes in decision_nodes:
        if nodes:
            units[find(nodes[0])].decisions.append(decision)
    return [units[root] for root in sorted(units)]


def _checked(decisions: Sequence[Decision], usable: Usable) -> list[tuple[Decision, Decision]]:
    """(decision, as ``usable`` gives it) of the decisions ``usable`` keeps, each checked once."""
    kept = usable(decisions)
    by_id = {decision.id: decision for decision in kept}
    return [(decision, by_id[decision.id]) for decision in decisions if decision.id in by_id]


def _batches(units: Iterable[_Unit], size: int | None = None) -> Iterator[list[_Unit]]:
    """Units taken in order, ``size`` mentions (``UNIT_BATCH``) or a little more at a time."""
    size = UNIT_BATCH if size is None else size
    batch: list[_Unit] = []
    held = 0
    for unit in units:
        batch.append(unit)
        held += len(unit)
        if held >= size:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _entries(index: MergeIndex, decision_keys: Iterable[set[str]]) -> list[IndexEntry]:
    """The index rows of every mention of ``index``: its blocks and its component (named by
    its least key), linked by merging pairs and by the keys of each decision."""
    profiles = index.profiles
    parent = {key: key for key in profiles}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for a, b in index.links():
        join(a, b)
    for keys in decision_keys:
        present = sorted(key for key in keys if key in parent)
        for key in present[1:]:
            join(present[0], key)
    entries = []
    for key, profile in profiles.items():
        blocks = [(country, _number(month)) for country, month in blocks_of(profile)]
        entries.append(IndexEntry(key, profile.document_id, profile.type, find(key), blocks))
    return entries


def _number(month: tuple[int, int] | None) -> int | None:
    return None if month is None else month[0] * 12 + month[1]
