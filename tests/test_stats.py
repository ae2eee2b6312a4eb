"""Statistics: each incident counted once, people as "at least N", rejected ones and aggregates left out."""
from __future__ import annotations

from datetime import date

import pytest

from otkaz.model import Count, DateRange, Document, Evidence, Incident, IncidentMention, Place, Report
from otkaz.publish.stats import format_stats, incident_stats

KURSK = Place("Kursk Oblast", 51.7, 36.2, "Kursk Oblast", "RU", "admin1", key="test:kursk")
TVER = Place("Tver", 56.86, 35.9, "Tver Oblast", "RU", "city", key="test:tver")


def incident(
    incident_id: str,
    type: str = "desertion",
    count: Count = Count(1, 1),
    when: tuple[str, str] | None = ("2022-10-03", "2022-10-03"),
    location: Place | None = KURSK,
    actors: tuple[str, ...] = ("mobilized",),
    reports: int = 1,
    status: str = "unreviewed",
) -> Incident:
    def report(n: int) -> Report:
        document = Document(id=f"{incident_id}-doc{n}", text="Two soldiers deserted.")
        evidence = [Evidence("incident", "Two soldiers deserted.", 0, 22)]
        return Report(document, IncidentMention(document.id, type, evidence=evidence))

    return Incident(
        id=incident_id,
        type=type,
        actors=list(actors),
        count=count,
        location=location,
        origin=None,
        date=DateRange(date.fromisoformat(when[0]), date.fromisoformat(when[1])) if when else None,
        consequences=[],
        cited=[],
        people=[],
        confidence=0.5,
        reports=[report(n) for n in range(reports)],
        status=status,
    )


INCIDENTS = [
    incident("a", count=Count(80, None), reports=3, actors=("mobilized", "contract_soldiers")),
    incident("b", type="protest", count=Count(None, None), when=("2022-09-25", "2022-09-25"), location=TVER),
    incident("c", count=Count(None, 20), when=("2022-09-21", "2022-10-31"), location=None, actors=()),
    incident("d", count=Count(500, 500), status="rejected"),
    incident("e", type="flight_abroad", count=Count(2, 3), when=None),
]


def rows(stats) -> dict[str, tuple[int, int, int, int]]:
    return {row.key: (row.incidents, row.people_at_least, row.unknown_count, row.reports) for row in stats.rows}


def test_each_incident_counts_once_with_its_reports_and_rejected_ones_not_at_all() -> None:
    stats = incident_stats(INCIDENTS)
    assert rows(stats) == {
        "desertion": (2, 80, 1, 4),  # a (3 reports) and c (no minimum); d is rejected
        "protest": (1, 0, 1, 1),
        "flight_abroad": (1, 2, 0, 1),
    }
    total = stats.total
    assert (total.incidents, total.people_at_least, total.unknown_count, total.reports) == (4, 82, 2, 6)


def test_by_month_is_in_time_order_with_undated_last() -> None:
    stats = incident_stats(INCIDENTS, by="month")
    assert [row.key for row in stats.rows] == ["2022-09", "2022-10", "undated"]
    assert rows(stats)["2022-09"] == (2, 0, 2, 2)  # b, and c by its first possible day


def test_by_admin1_and_by_actor() -> None:
    assert rows(incident_stats(INCIDENTS, by="admin1")) == {
        "Kursk Oblast": (2, 82, 0, 4),
        "Tver Oblast": (1, 0, 1, 1),
        "unknown": (1, 0, 1, 1),
    }
    by_actor = incident_stats(INCIDENTS, by="actor")
    assert rows(by_actor)["mobilized"] == (3, 82, 1, 5) and rows(by_actor)["contract_soldiers"] == (1, 80, 0, 3)
    assert by_actor.total.incidents == 4  # "a" has two actors and still counts once
    assert "counts in each of their rows, once in the total" in format_stats(by_actor)


def test_a_period_keeps_the_incidents_that_may_fall_in_it() -> None:
    october = incident_stats(INCIDENTS, date_from=date(2022, 10, 1), date_to=date(2022, 10, 31))
    assert set(rows(october)) == {"desertion"}  # a, and c whose interval reaches into October
    assert october.total.incidents == 2
    later = incident_stats(INCIDENTS, date_from=date(2022, 10, 4))
    assert later.total.incidents == 1  # c alone; the undated one is out once a period is asked for


def test_the_table_and_the_json_form() -> None:
    stats = incident_stats(INCIDENTS)
    lines = format_stats(stats).splitlines()
    assert lines[0].split() == ["type", "incidents", "people", "(at", "least)", "count", "unknown", "reports"]
    assert lines[-1].split() == ["total", "4", "82", "2", "6"]
    data = stats.to_dict()
    assert data["by"] == "type" and data["from"] is None and data["total"]["people_at_least"] == 82


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot group statistics by 'week'"):
        incident_stats(INCIDENTS, by="week")
    with pytest.raises(ValueError, match="ends"):
        incident_stats(INCIDENTS, date_from=date(2022, 10, 2), date_to=date(2022, 10, 1))
