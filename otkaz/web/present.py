"""How incidents look on a page: labels, colours, formatted fields, highlighted evidence,
disagreements between reports and the history of edits.

Article text is untrusted: highlighting is built from evidence offsets, and every
piece of text is escaped before it is wrapped in markup.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from otkaz.model import (
    EVIDENCE_FIELDS,
    INCIDENT_TYPES,
    AuditEntry,
    Count,
    DateRange,
    Evidence,
    Incident,
    Place,
)
from otkaz.publish.redaction import REVEAL, PublicView
from otkaz.web.queries import Bucket, bucket_end

# One colour per type, from the Okabe-Ito and Tableau palettes: distinct for most colour vision.
TYPE_COLOURS = dict(
    zip(
        INCIDENT_TYPES,
        ("#d62728", "#e69f00", "#8c6d31", "#0072b2", "#56b4e9", "#009e73", "#cc79a7", "#4d4d4d"),
        strict=True,
    )
)
HIDDEN = "(hidden)"
WITHHELD = "(withheld: names in this article are still being checked)"
Redact = Callable[[str], str]  # free text -> the same with names pseudonymized
# The coded fields an analyst can correct, in the order pages show them.
FIELDS = ("type", "actors", "count", "location", "origin", "date", "consequences", "cited", "people")
FIELD_LABELS = {"cited": "cited sources", "count": "people involved", "date": "date"}


def label(code: str | None) -> str:
    """'combat_refusal' -> 'Combat refusal'."""
    if not code:
        return ""
    text = code.replace("_", " ")
    return text[0].upper() + text[1:]


def field_label(name: str) -> str:
    return label(FIELD_LABELS.get(name, name))


@cache
def _country_names() -> dict[str, str]:
    data = resources.files("otkaz").joinpath("data/countries.json").read_text(encoding="utf-8")
    return {row["cc"]: row["name"] for row in json.loads(data)}


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _country_names().get(code, code)


def format_count(count: Count | None) -> str:
    if count is None or (count.min is None and count.max is None):
        return "unknown"
    if count.max is None:
        return f"at least {count.min}"
    if count.min is None:
        return f"up to {count.max}"
    if count.min == count.max:
        return str(count.min)
    return f"{count.min}–{count.max}"


def format_place(place: Place | None) -> str:
    """'Kursk, Kursk Oblast, Russia': each level once."""
    if place is None:
        return "—"
    parts = [place.name]
    for part in (place.admin1, country_name(place.country)):
        if part and part not in parts:
            parts.append(part)
    return ", ".join(parts)


def format_dates(dates: DateRange | None) -> str:
    if dates is None:
        return "undated"
    start, end = dates.start, dates.end
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def format_value(name: str, value: Any) -> str:
    """A field's value (a model object, or its plain JSON form) as one line of text."""
    if name == "count":
        return format_count(value if isinstance(value, Count) else Count.from_dict(value))
    if name in ("location", "origin"):
        return format_place(value if isinstance(value, Place) or value is None else Place.from_dict(value))
    if name == "date":
        return format_dates(value if isinstance(value, DateRange) or value is None else DateRange.from_dict(value))
    if name == "type":
        return label(value)
    if isinstance(value, list):
        labelled = [label(v) for v in value] if name in ("actors", "consequences") else value
        return ", ".join(str(v) for v in labelled) or "—"
    if value is None or value == "":
        return "—"
    return str(value)


def web_url(url: str | None) -> str | None:
    """An article's URL when it is http(s): other schemes (javascript:, data:) are never linked."""
    if url and url.split(":", 1)[0].lower() in ("http", "https"):
        return url
    return None


def incident_title(incident: Incident) -> str:
    place = incident.location or incident.origin
    where = place.name if place else "place unknown"
    return f"{label(incident.type)} · {where} · {format_dates(incident.date)}"


def report_label(document: Any, view: PublicView | None = None) -> str:
    if view is not None:
        return document.outlet or view.title(document)
    return document.outlet or document.title or document.id


def _valid(evidence: Evidence, text: str) -> bool:
    return 0 <= evidence.start < evidence.end <= len(text) and text[evidence.start : evidence.end] == evidence.quote


def _evidence_field(evidence: Evidence) -> str:
    return evidence.field if evidence.field in EVIDENCE_FIELDS else "other"


def highlight(text: str, evidence: list[Evidence], anchor_prefix: str) -> Markup:
    """The text, escaped, with each evidence span marked and anchored as ``{prefix}-{index}``.

    Spans may overlap: the text is cut at every span boundary and each piece is marked with
    the fields of all spans covering it. Evidence whose offsets do not hold its quote is skipped.
    For the public view, pass the redacted text and the evidence read in it (``DocumentView.evidence``).
    """
    spans = [(n, e) for n, e in enumerate(evidence) if _valid(e, text)]
    cuts = sorted({0, len(text), *(e.start for _, e in spans), *(e.end for _, e in spans)})
    pieces: list[str] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        for n, e in spans:
            if e.start == start:
                pieces.append(f'<span class="anchor" id="{escape(anchor_prefix)}-{n}"></span>')
        chunk = text[start:end]
        shown = escape(chunk)
        covering = sorted({_evidence_field(e) for _, e in spans if e.start <= start and end <= e.end})
        if covering:
            classes = " ".join(f"ev-{name}" for name in covering)
            pieces.append(f'<mark class="ev {classes}" title="{escape(", ".join(covering))}">{shown}</mark>')
        else:
            pieces.append(str(shown))
    return Markup("".join(pieces))


@dataclass(frozen=True)
class Quote:
    report: int  # index of the report in the incident
    index: int  # index of the evidence in the report's mention
    text: str
    valid: bool


def quotes_by_field(incident: Incident, view: PublicView | None) -> dict[str, list[Quote]]:
    """Evidence quotes grouped by the field they support; ``view``: as the public view shows them
    (a report whose document has no current view shows none)."""
    grouped: dict[str, list[Quote]] = {}
    for r, report in enumerate(incident.reports):
        shown = view.evidence(incident, report) if view is not None else report.mention.evidence
        if not shown:
            continue
        for n, (evidence, quote) in enumerate(zip(report.mention.evidence, shown, strict=True)):
            valid = _valid(evidence, report.document.text)
            grouped.setdefault(_evidence_field(evidence), []).append(Quote(r, n, quote.quote, valid))
    return grouped


@dataclass(frozen=True)
class Disagreement:
    field: str
    values: list[tuple[str, str]]  # (report label, the value it reports)


def disagreements(incident: Incident, view: PublicView | None) -> list[Disagreement]:
    """Fields on which the merged reports do not agree; ``view``: as the public view shows them
    (no people, cited sources as shown publicly, no file paths)."""
    if len(incident.reports) < 2:
        return []
    found = []
    for name in FIELDS:
        if name == "people" and view is not None:
            continue
        values = []
        for r in incident.reports:
            value = getattr(r.mention, name)
            if name == "cited" and view is not None:
                value = view.cited_of_report(incident, r)
            values.append((report_label(r.document, view), format_value(name, _comparable(name, value))))
        if len({value for _, value in values}) > 1:
            found.append(Disagreement(name, values))
    return found


def _comparable(name: str, value: Any) -> Any:
    # Lists compare as sets: two reports naming the same actors in another order agree.
    return sorted(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    user: str
    action: str
    changes: list[tuple[str, str, str]]  # (field, before, after)
    note: str


def history(entries: list[AuditEntry], include_names: bool, redact: Redact | None = None) -> list[HistoryEntry]:
    """The edits of an incident (its audit log less the reveals of names), newest first, in words;
    ``redact``: notes and values pseudonymized."""
    return [_history_entry(entry, include_names, redact) for entry in reversed(entries) if entry.action != REVEAL]


def _history_entry(entry: AuditEntry, include_names: bool, redact: Redact | None) -> HistoryEntry:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    payload = after.get("payload") if isinstance(after.get("payload"), dict) else {}
    changes = []
    for name in FIELDS:
        if name in payload:
            old, new = before.get(name), payload[name]
            if name == "people" and not include_names:
                changes.append((name, HIDDEN, HIDDEN))
            elif redact is not None:
                changes.append((name, redact(format_value(name, old)), redact(format_value(name, new))))
            else:
                changes.append((name, format_value(name, old), format_value(name, new)))
    status = {"confirm": "confirmed", "reject": "rejected"}.get(entry.action)
    if status:
        changes.append(("status", str(before.get("status") or ""), status))
    others = after.get("other_ids") or []
    if entry.action == "merge" and others:
        changes.append(("merged", "", ", ".join(map(str, others))))
    if entry.action == "split" and others:
        changes.append(("split off", "", f"{len(others)} report(s)"))
    note = str(payload.get("note") or "")
    if redact is not None:
        note = redact(note)
    return HistoryEntry(entry.at or "", entry.user, entry.action, changes, note)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    people_y: float  # where the people line passes over this bar
    bucket: Bucket
    end: date


@dataclass(frozen=True)
class Chart:
    """A timeline drawn as SVG: incident bars on the left axis, a people line on the right one."""

    width: int
    height: int
    top: int
    bottom: int  # y of the baseline
    left: int
    right: int  # x of the right edge of the plot
    bars: list[Bar]
    people_points: str  # an SVG polyline's points
    incident_ticks: list[tuple[float, int]]  # (y, value)
    people_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]


def _ticks(maximum: int, steps: int = 3) -> list[int]:
    """Round values (steps of 1, 2 or 5 times a power of ten) from 0 up to ``maximum``."""
    if maximum <= 0:
        return [0]
    raw = maximum / steps
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, maximum + 1, max(1, int(step))))


def timeline_chart(buckets: list[Bucket], unit: str, width: int = 960, height: int = 170) -> Chart | None:
    if not buckets:
        return None
    left, right, top, bottom = 34, width - 40, 10, height - 24
    plot_height = bottom - top
    most_incidents = max(b.incidents for b in buckets) or 1
    most_people = max(b.people for b in buckets) or 1
    slot = (right - left) / len(buckets)
    gap = min(2.0, slot * 0.2)
    bars = []
    for n, bucket in enumerate(buckets):
        bar_height = plot_height * bucket.incidents / most_incidents
        bars.append(
            Bar(
                x=round(left + n * slot + gap / 2, 2),
                y=round(bottom - bar_height, 2),
                width=round(max(slot - gap, 0.5), 2),
                height=round(bar_height, 2),
                people_y=round(bottom - plot_height * bucket.people / most_people, 2),
                bucket=bucket,
                end=bucket_end(bucket.start, unit),
            )
        )
    points = " ".join(f"{round(b.x + b.width / 2, 2)},{b.people_y}" for b in bars)
    label_every = max(1, round(len(buckets) / 8))
    x_labels = [
        (round(b.x + b.width / 2, 2), _short_label(b.bucket.start, unit))
        for n, b in enumerate(bars)
        if n % label_every == 0
    ]
    return Chart(
        width=width,
        height=height,
        top=top,
        bottom=bottom,
        left=left,
        right=right,
        bars=bars,
        people_points=points,
        incident_ticks=[(round(bottom - plot_height * v / most_incidents, 2), v) for v in _ticks(most_incidents)],
        people_ticks=[(round(bottom - plot_height * v / most_people, 2), v) for v in _ticks(most_people)],
        x_labels=x_labels,
    )


def _short_label(start: date, unit: str) -> str:
    return f"{start.day} {start:%b %y}" if unit == "week" else f"{start:%b %Y}"


@dataclass(frozen=True)
class ReasonLine:
    title: str
    detail: str


def reason_lines(reasons: list[dict[str, Any]], redact: Redact | None, show_users: bool) -> list[ReasonLine]:
    """Why the reports were merged, in words: rules and their notes, disagreements and how they were
    resolved, analysts' decisions. Values are left out (they may hold names); notes are redacted."""
    lines = []
    for reason in reasons:
        if "disagreement" in reason:
            title = f"{field_label(str(reason['disagreement']))} differs"
            detail = str(reason.get("resolution") or "")
        else:
            title = label(str(reason.get("rule") or "reason"))
            detail = str(reason.get("note") or "")
            if reason.get("fields"):
                detail = ", ".join(field_label(str(f)) for f in reason["fields"]) + (f" — {detail}" if detail else "")
            if show_users and reason.get("user"):
                detail = f"by {reason['user']}" + (f": {detail}" if detail else "")
        lines.append(ReasonLine(title, redact(detail) if redact else detail))
    return lines
