"""Mentions of all documents + analyst decisions -> incidents, each with its reports and why.

    from otkaz.merge import merge
    incidents = merge(db.reports(), db.decisions())

Mentions of different documents that describe the same real incident become
one incident (``signals``: what counts as "the same"; ``clusters``: grouping,
incremental and independent of input order; ``reconcile``: the merged fields
and the reports' disagreements; ``decisions``: analysts' merge, split, correct,
confirm and reject, applied on every run).  Two mentions of one document are
never merged by the machine: the extractor already told them apart.

Incident ids are "inc-" + the mention key of the incident's first report (by
publication date, then document id, then key), so an incident keeps its id when
later reports join it; decisions find their incidents through the mention keys
they record (``attach_mention_keys``), so they survive every re-run.

Comparing is the costly part, and is done within blocks only (same type,
country and dates).  ``merge`` indexes every mention it is given; a process
that lives on can keep a ``MergeIndex`` and ``add`` each new article's reports,
which compares them with their blocks alone, then ask it for ``incidents``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from otkaz.merge.clusters import MergeIndex
from otkaz.merge.decisions import (
    MENTION_KEYS,
    DecisionError,
    attach_mention_keys,
    merge_decision,
    split_decision,
)
from otkaz.model import Decision, Incident, Report

__all__ = [
    "MENTION_KEYS",
    "DecisionError",
    "MergeIndex",
    "attach_mention_keys",
    "merge",
    "merge_decision",
    "split_decision",
]


def merge(reports: Iterable[Report], decisions: Sequence[Decision] = ()) -> list[Incident]:
    """The incidents of ``reports`` (by id), with ``decisions`` applied in order."""
    index = MergeIndex()
    index.add(reports)
    return index.incidents(decisions)
