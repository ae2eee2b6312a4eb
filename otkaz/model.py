"""The one set of types that flows through the stages.

ingest -> Document; extract -> ExtractionResult (IncidentMention, Aggregate);
merge -> Incident; store and publish read and write these.  Field names and
labels follow ../shared/CODEBOOK.md; ``Incident.to_export`` is the stable
export format that other tools read.
"""
from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

INCIDENT_TYPES = (
    "combat_refusal",
    "desertion",
    "discharge_attempt",
    "draft_refusal",
    "draft_evasion",
    "flight_abroad",
    "protest",
    "violent_resistance",
)
ACTORS = (
    "contract_soldiers",
    "conscripts",
    "mobilized",
    "rosgvardia",
    "allied_forces",
    "servicemen_unspecified",
    "draftees",
    "civilians",
)
CONSEQUENCES = (
    "criminal_threat",
    "criminal_case",
    "imprisonment",
    "detention",
    "dismissal",
    "forced_return",
    "pressure",
    "violence",
    "fine",
    "exit_ban",
    "reprisal_draft",
)
PRECISIONS = ("city", "admin1", "country")
# Evidence.field values: one per incident field, plus "incident" for the
# sentences that state the incident itself (what the scorer matches on).
EVIDENCE_FIELDS = (
    "incident",
    "type",
    "actors",
    "count",
    "location",
    "origin",
    "date",
    "consequences",
    "cited",
    "people",
)

_PUBLISHED_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class DateRange:
    """An interval of days that surely holds the incident (both ends included)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"date range ends before it starts: {self.start} > {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlaps(self, other: DateRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    def intersect(self, other: DateRange) -> DateRange | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return DateRange(start, end) if start <= end else None

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, str] | None) -> DateRange | None:
        if not data or not data.get("start") or not data.get("end"):
            return None
        return cls(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


def parse_published(value: str | None) -> DateRange | None:
    """'2022-09-27', '2022-09' or '2022' -> the interval it covers, keeping its precision."""
    if not value:
        return None
    m = _PUBLISHED_RE.match(value.strip())
    if not m:
        raise ValueError(f"not an ISO date, month or year: {value!r}")
    year, month, day = int(m[1]), m[2], m[3]
    if day:
        d = date(year, int(month), int(day))
        return DateRange(d, d)
    if month:
        last = calendar.monthrange(year, int(month))[1]
        return DateRange(date(year, int(month), 1), date(year, int(month), last))
    return DateRange(date(year, 1, 1), date(year, 12, 31))


@dataclass(frozen=True)
class Count:
    """How many people: exact (min == max), at least (max None) or unknown (both None)."""

    min: int | None = None
    max: int | None = None

    def to_dict(self) -> dict[str, int | None]:
        return {"min": self.min, "max": self.max}

    @classmethod
    def from_dict(cls, data: dict | None) -> Count:
        data = data or {}
        return cls(data.get("min"), data.get("max"))


@dataclass(frozen=True)
class Place:
    name: str
    lat: float | None
    lon: float | None
    admin1: str | None
    country: str | None  # ISO 3166-1 alpha-2
    precision: str  # one of PRECISIONS
    # Stable identifier across languages ("geonames:524901", "admin1:RU.48",
    # "country:RU") so that reports in English and Russian compare equal.
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "admin1": self.admin1,
            "country": self.country,
            "precision": self.precision,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Place | None:
        if not data:
            return None
        return cls(
            name=data["name"],
            lat=data.get("lat"),
            lon=data.get("lon"),
            admin1=data.get("admin1"),
            country=data.get("country"),
            precision=data.get("precision") or "country",
            key=data.get("key"),
        )


@dataclass(frozen=True)
class Evidence:
    """A quote of the document's clean text: text[start:end] == quote."""

    field: str
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "quote": self.quote, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict) -> Evidence:
        return cls(data["field"], data["quote"], int(data["start"]), int(data["end"]))


@dataclass
class Document:
    """An article as stored: ``text`` is the clean text that evidence offsets point into."""

    id: str  # JSONL id when given, else the path (or URL) as given on the command line
    text: str
    title: str | None = None
    url: str | None = None
    path: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO date, month or year: its precision is kept
    lang: str | None = None
    source_format: str = "text"  # text, html, jsonl, feed, url, stdin

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    @property
    def published_range(self) -> DateRange | None:
        return parse_published(self.published)

    def export_ref(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "url": self.url,
            "path": self.path,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
        }


def normalize_text(text: str) -> str:
    """What makes two copies of an article the same: Unicode form, case and whitespace folded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


@dataclass
class IncidentMention:
    """One incident as one document reports it."""

    document_id: str
    type: str
    actors: list[str] = field(default_factory=list)
    count: Count = field(default_factory=Count)
    location: Place | None = None
    origin: Place | None = None
    date: DateRange | None = None
    # True when the publication date was unknown and the interval rests on the text alone.
    date_inferred: bool = False
    consequences: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # named military units, for merging
    confidence: float = 0.5
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable across re-runs of the same extractor on the same text."""
        # the people's spans tell apart incidents of several people told in one passage
        spans = sorted((e.start, e.end) for e in self.evidence if e.field in {"incident", "people"})
        raw = f"{self.document_id}|{self.type}|{spans}"
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]

    def fields_dict(self, include_names: bool = True) -> dict[str, Any]:
        return coded_fields(self, include_names)


@dataclass
class Aggregate:
    """A national or group-level figure ("tens of thousands fled"): recorded, never counted."""

    document_id: str
    type: str
    count: Count
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ExtractionResult:
    document_id: str
    lang: str | None
    processed: bool  # False when no extractor reads the document's language
    mentions: list[IncidentMention] = field(default_factory=list)
    aggregates: list[Aggregate] = field(default_factory=list)
    note: str | None = None  # why a document was not processed, or what was inferred
    # What the NER found in the text and title of a document with mentions, found from the
    # extractor's parse, so that its public view is made without parsing the text again: the
    # digest of the text and title read (``publish.redaction.parsed_digest``) and the entities
    # (``publish.redaction.Entities.to_dict``). Not part of the result's value.
    entities: tuple[str, dict[str, Any]] | None = field(default=None, compare=False, repr=False)


@dataclass
class Report:
    """One document's account of a merged incident."""

    document: Document
    mention: IncidentMention


@dataclass
class Incident:
    """One real-world incident, counted once, with every report of it."""

    id: str
    type: str
    actors: list[str]
    count: Count
    location: Place | None
    origin: Place | None
    date: DateRange | None
    consequences: list[str]
    cited: list[str]
    people: list[str]
    confidence: float
    reports: list[Report] = field(default_factory=list)
    status: str = "unreviewed"  # unreviewed, confirmed, rejected
    merge_reasons: list[dict[str, Any]] = field(default_factory=list)

    def to_export(self, include_names: bool = False) -> dict[str, Any]:
        """The stable JSONL export record (see the README's export format)."""
        record: dict[str, Any] = {"id": self.id, **coded_fields(self, include_names)}
        record["reports"] = [
            {
                "document": r.document.export_ref(),
                "evidence": [e.to_dict() for e in r.mention.evidence],
            }
            for r in self.reports
        ]
        return record


def coded_fields(item: IncidentMention | Incident, include_names: bool) -> dict[str, Any]:
    """The codebook's fields of a mention or an incident, in export order."""
    data: dict[str, Any] = {
        "type": item.type,
        "actors": list(item.actors),
        "count": item.count.to_dict(),
        "location": item.location.to_dict() if item.location else None,
        "origin": item.origin.to_dict() if item.origin else None,
        "date": item.date.to_dict() if item.date else None,
        "consequences": list(item.consequences),
        "cited": list(item.cited),
    }
    if include_names:
        data["people"] = list(item.people)
    data["confidence"] = round(item.confidence, 3)
    return data


def as_plain(obj: Any) -> Any:
    """Dataclass -> JSON-ready value (dates as ISO strings)."""
    if hasattr(obj, "__dataclass_fields__"):
        return {k: as_plain(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {k: as_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [as_plain(v) for v in obj]
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


DECISION_KINDS = ("confirm", "correct", "reject", "merge", "split")


@dataclass
class Decision:
    """An analyst's decision over the machine output; it survives every re-run."""

    kind: str  # one of DECISION_KINDS
    incident_id: str  # the incident acted on (merge: the one the others join)
    user: str
    other_ids: list[str] = field(default_factory=list)  # merge: incidents joined; split: mention keys taken out
    payload: dict[str, Any] = field(default_factory=dict)  # correct: {field: new value}; any: {"note": ...}
    id: int | None = None
    created_at: str | None = None  # ISO timestamp, set by the store


@dataclass
class AuditEntry:
    """Who changed what, when, from what, to what."""

    user: str
    action: str
    object_type: str  # document, incident, decision, user
    object_id: str
    before: Any = None
    after: Any = None
    id: int | None = None
    at: str | None = None  # ISO timestamp, set by the store
