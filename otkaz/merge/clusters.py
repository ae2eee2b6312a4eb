"""Mentions -> clusters: compared within blocks as they arrive, grouped the same whatever the order.

``MergeIndex.add`` compares each new mention only with the indexed mentions of
its block (same type, a country in common or none known, dates that overlap or
nearly do) and keeps the pairs that merge and the pairs vetoed.  Grouping is
then cheap and needs no comparison: analysts' "together" pairs first (latest
decision first), then the machine's merging pairs by descending score (ties by
mention keys), each joining two groups only if no pair across them is vetoed,
kept apart by an analyst, or outside one block.  Because the pairs and their
order depend only on the set of mentions, so do the incidents: ingesting in
another order gives the same incidents.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from otkaz.merge.decisions import Constraints, apply_reviews, constraints_from
from otkaz.merge.reconcile import build_incident, incident_id, report_order
from otkaz.merge.signals import DATE_SLACK_DAYS, Comparison, Profile, blockable, compare, profile_of
from otkaz.model import DateRange, Decision, Incident, Report

Month = tuple[int, int]  # (year, month - 1): a bucket of the date index
SINGLE_REPORT = {"rule": "single report", "note": "no report of another document matched it"}


@dataclass
class _Groups:
    """Union-find over mention keys that remembers each group's members and why they joined."""

    parent: dict[str, str]
    members: dict[str, list[str]]
    reasons: dict[str, list[dict[str, Any]]]

    @classmethod
    def of(cls, keys: Iterable[str]) -> _Groups:
        keys = list(keys)
        return cls({k: k for k in keys}, {k: [k] for k in keys}, {k: [] for k in keys})

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: str, b: str, reason: dict[str, Any] | None = None) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        self.parent[rb] = ra
        self.members[ra] += self.members.pop(rb)
        self.reasons[ra] += self.reasons.pop(rb) + ([reason] if reason else [])

    def groups(self) -> list[tuple[list[str], list[dict[str, Any]]]]:
        return [(sorted(self.members[root]), self.reasons[root]) for root in sorted(self.members)]


class MergeIndex:
    """The mentions merged so far, compared pairwise within their blocks; add more at any time."""

    def __init__(self) -> None:
        self._reports: dict[str, Report] = {}
        self._profiles: dict[str, Profile] = {}
        self._blocks = Blocks()
        self._merging: dict[tuple[str, str], Comparison] = {}
        # Whether two mentions may never be grouped, for the pairs grouping asks about: compared
        # again then rather than kept for every pair compared (most of them, in a large block).
        self._incompatible_pairs: dict[tuple[str, str], bool] = {}
        self.comparisons = 0  # pairs compared in full, over the index's life

    def __len__(self) -> int:
        return len(self._profiles)

    @property
    def profiles(self) -> Mapping[str, Profile]:
        """Mention key -> what merging compares of it, for every indexed mention."""
        return self._profiles

    def links(self) -> list[tuple[str, str]]:
        """The pairs of mentions the machine would merge (before vetoes and decisions)."""
        return sorted(self._merging)

    def add(self, reports: Iterable[Report]) -> None:
        """Index new mentions (a mention already indexed is skipped), comparing each within its block only."""
        for report in reports:
            key = report.mention.key
            if key in self._profiles:
                continue
            profile = profile_of(report)
            for other in self._blocks.near(profile):
                if blockable(profile, self._profiles[other]):
                    self._compare(profile, self._profiles[other])
            self._reports[key] = report
            self._profiles[key] = profile
            self._blocks.file(profile)

    def _compare(self, a: Profile, b: Profile) -> None:
        self.comparisons += 1
        result = compare(a, b)
        if result.merges:
            self._merging[_pair(a.key, b.key)] = result

    # ------------------------------------------------------------------ grouping

    def incidents(self, decisions: Sequence[Decision] = ()) -> list[Incident]:
        """The incidents of every indexed mention, with the analysts' ``decisions`` applied in order."""
        constraints = constraints_from(decisions, self._profiles.keys(), self._current)
        incidents = [
            build_incident([self._reports[key] for key in keys], reasons if len(keys) > 1 else [dict(SINGLE_REPORT)])
            for keys, reasons in self._group(constraints).groups()
        ]
        apply_reviews(incidents, decisions)
        return sorted(incidents, key=lambda incident: incident.id)

    def _current(self, constraints: Constraints) -> Mapping[str, list[str]]:
        """Incident id -> mention keys, as grouped under ``constraints`` (to resolve decisions by id)."""
        grouped = self._group(constraints).groups()
        return {incident_id(self._reports[k] for k in keys): keys for keys, _ in grouped}

    def _group(self, constraints: Constraints) -> _Groups:
        groups = _Groups.of(sorted(self._profiles))
        for a, b in constraints.together():
            if a in self._profiles and b in self._profiles and self._can_join(groups, a, b, constraints, machine=False):
                groups.join(a, b)  # apply_reviews records the decision itself
        for (a, b), result in sorted(self._merging.items(), key=lambda item: (-item[1].score, item[0])):
            if self._can_join(groups, a, b, constraints, machine=True):
                groups.join(a, b, self._link_reason(a, b, result))
        return groups

    def _can_join(self, groups: _Groups, a: str, b: str, constraints: Constraints, machine: bool) -> bool:
        ra, rb = groups.find(a), groups.find(b)
        if ra == rb:
            return False
        for x in groups.members[ra]:
            for y in groups.members[rb]:
                if constraints.apart(x, y) or (machine and self._incompatible(x, y)):
                    return False
        return True

    def _incompatible(self, a: str, b: str) -> bool:
        """Vetoed, or outside one block (every pair in one block was compared as it was added)."""
        pair = _pair(a, b)
        if pair not in self._incompatible_pairs:
            pa, pb = self._profiles[a], self._profiles[b]
            self._incompatible_pairs[pair] = not blockable(pa, pb) or compare(pa, pb).veto is not None
        return self._incompatible_pairs[pair]

    def _link_reason(self, a: str, b: str, result: Comparison) -> dict[str, Any]:
        a, b = sorted((a, b), key=lambda key: report_order(self._reports[key]))
        signals = ", ".join(f"{name} {score:+d}" for name, score in result.signals.items())
        return {
            "rule": "signals",
            "mentions": [a, b],
            "documents": [self._profiles[a].document_id, self._profiles[b].document_id],
            **result.to_dict(),
            "note": f"{signals} (score {result.score})",
        }


class Blocks:
    """Mention keys filed by block: type -> country -> month.  A mention is filed under each of
    its countries (None: no place known) and each month its interval touches (None: undated)."""

    def __init__(self) -> None:
        self._blocks: dict[str, dict[str | None, dict[Month | None, list[str]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )

    def file(self, profile: Profile) -> None:
        for country in profile.countries or {None}:
            for month in _months(profile.date) or [None]:
                self._blocks[profile.type][country][month].append(profile.key)

    def near(self, profile: Profile) -> list[str]:
        """The keys filed where a mention ``profile`` may merge with lies (each once, in filing
        order): a superset of those ``blockable`` with it."""
        by_country = self._blocks.get(profile.type, {})
        countries = [*profile.countries, None] if profile.countries else list(by_country)
        # Months widened by the slack, so that dates a day or two apart meet.
        months = _months(profile.date, DATE_SLACK_DAYS)
        found: dict[str, None] = {}
        for country in countries:
            by_month = by_country.get(country, {})
            for month in [*months, None] if months else list(by_month):
                found.update(dict.fromkeys(by_month.get(month, ())))
        return list(found)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def blocks_of(profile: Profile) -> list[tuple[str | None, Month | None]]:
    """The (country, month) blocks ``MergeIndex.add`` files a mention under (None: unknown)."""
    months: list[Month | None] = list(_months(profile.date)) or [None]
    return [(country, month) for country in sorted(profile.countries) or [None] for month in months]


def candidate_blocks(profile: Profile) -> tuple[list[str | None] | None, list[Month | None] | None]:
    """The countries and months whose mentions ``MergeIndex`` compares a new mention with
    (None: every one of its type), as ``Blocks.near`` looks them up."""
    countries = [*sorted(profile.countries), None] if profile.countries else None
    months = _months(profile.date, DATE_SLACK_DAYS)
    return countries, ([*months, None] if months else None)


def _months(interval: DateRange | None, slack_days: int = 0) -> list[Month]:
    """The (year, month) pairs an interval, widened by ``slack_days`` each side, touches."""
    if interval is None:
        return []
    start, end = interval.start - timedelta(days=slack_days), interval.end + timedelta(days=slack_days)
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [divmod(month, 12) for month in range(first, last + 1)]
