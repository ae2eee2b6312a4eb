"""Statistics over incidents: each incident counted once, however many reports it has.

People are counted as "at least N": the sum of each incident's ``count.min``;
incidents whose count has no minimum are counted apart (``unknown_count``).
Rejected incidents are left out, and aggregates ("tens of thousands fled") are
never counted: only incidents come in.  With a period, an incident counts when
its date interval may fall in it (overlaps it); undated incidents then drop out.

Grouping: ``type``; ``month`` of the first day the incident may have happened;
``admin1`` of the location, else of the origin; ``actor`` (an incident with two
actors counts in both rows, once in the total).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from otkaz.model import Incident

STATS_BY = ("type", "month", "admin1", "actor")
UNKNOWN = "unknown"
UNDATED = "undated"


@dataclass
class StatsRow:
    key: str
    incidents: int = 0
    people_at_least: int = 0  # sum of count.min
    unknown_count: int = 0  # incidents with no minimum number of people
    reports: int = 0  # reports behind the incidents

    def add(self, incident: Incident) -> None:
        self.incidents += 1
        self.reports += len(incident.reports)
        if incident.count.min is None:
            self.unknown_count += 1
        else:
            self.people_at_least += incident.count.min


@dataclass
class Stats:
    by: str
    date_from: date | None
    date_to: date | None
    rows: list[StatsRow] = field(default_factory=list)
    total: StatsRow = field(default_factory=lambda: StatsRow("total"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "rows": [asdict(row) for row in self.rows],
            "total": asdict(self.total),
        }


def _month(incident: Incident) -> list[str]:
    return [incident.date.start.strftime("%Y-%m")] if incident.date else [UNDATED]


def _admin1(incident: Incident) -> list[str]:
    place = incident.location or incident.origin
    return [place.admin1] if place and place.admin1 else [UNKNOWN]


GROUPS: dict[str, Callable[[Incident], list[str]]] = {
    "type": lambda incident: [incident.type],
    "month": _month,
    "admin1": _admin1,
    "actor": lambda incident: list(dict.fromkeys(incident.actors)) or [UNKNOWN],
}


def incident_stats(
    incidents: Iterable[Incident], by: str = "type", date_from: date | None = None, date_to: date | None = None
) -> Stats:
    """Counts per group of ``by`` (one of ``STATS_BY``) of the incidents that may fall in the period."""
    if by not in GROUPS:
        raise ValueError(f"cannot group statistics by {by!r}: expected one of {', '.join(STATS_BY)}")
    if date_from and date_to and date_to < date_from:
        raise ValueError(f"the period ends ({date_to}) before it starts ({date_from})")
    stats = Stats(by, date_from, date_to)
    rows: dict[str, StatsRow] = {}
    for incident in incidents:
        if incident.status == "rejected" or not _in_period(incident, date_from, date_to):
            continue
        stats.total.add(incident)
        for key in GROUPS[by](incident):
            rows.setdefault(key, StatsRow(key)).add(incident)
    stats.rows = _ordered(by, rows.values())
    return stats


def _ordered(by: str, rows: Iterable[StatsRow]) -> list[StatsRow]:
    if by == "month":  # in time order, undated last
        return sorted(rows, key=lambda row: (row.key == UNDATED, row.key))
    return sorted(rows, key=lambda row: (-row.incidents, row.key))


def stats_of_groups(by: str, groups: Iterable[tuple[str | None, int, int, int, int]]) -> Stats:
    """``incident_stats`` (without a period) from the counts the store makes in SQL
    (``Database.incident_groups``): the same result without loading the incidents."""
    if by not in GROUPS:
        raise ValueError(f"cannot group statistics by {by!r}: expected one of {', '.join(STATS_BY)}")
    stats = Stats(by, None, None)
    rows: dict[str, StatsRow] = {}
    missing = UNDATED if by == "month" else UNKNOWN
    *grouped, (_, *total) = groups
    stats.total = StatsRow("total", *total)
    for key, incidents, people, unknown, reports in grouped:
        row = rows.setdefault(key or missing, StatsRow(key or missing))
        row.incidents += incidents
        row.people_at_least += people
        row.unknown_count += unknown
        row.reports += reports
    stats.rows = _ordered(by, rows.values())
    return stats


def _in_period(incident: Incident, date_from: date | None, date_to: date | None) -> bool:
    if date_from is None and date_to is None:
        return True
    if incident.date is None:
        return False
    return (date_from is None or incident.date.end >= date_from) and (date_to is None or incident.date.start <= date_to)


def format_stats(stats: Stats) -> str:
    """A table for a person: one row per group, then the total."""
    header = [stats.by, "incidents", "people (at least)", "count unknown", "reports"]
    lines = [header] + [
        [row.key, str(row.incidents), str(row.people_at_least), str(row.unknown_count), str(row.reports)]
        for row in [*stats.rows, stats.total]
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in enumerate(zip(line, widths)))
        for line in lines
    ]
    if stats.by == "actor":
        text.append("(an incident with several actors counts in each of their rows, once in the total)")
    return "\n".join(text)
