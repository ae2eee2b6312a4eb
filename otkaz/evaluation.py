"""The scorer of ../shared/eval/README.md: gold codings against exported incidents.

A pure module: ``load_gold`` reads a gold.jsonl, ``score`` compares it with
merged incidents in the export format (``Incident.to_export(include_names=True)``),
``format_report`` renders the result for a person and ``EvaluationReport.to_dict``
for machines.  Matching is per article on shared quote text; field accuracy,
incident precision/recall and pairwise merge precision/recall follow the README.
"""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path
from typing import Any

from otkaz.model import INCIDENT_TYPES, PRECISIONS, parse_published

SCORED_FIELDS = ("type", "actors", "count", "location", "origin", "date", "consequences", "cited")
MIN_SHARED_RUN = 20  # characters a prediction quote and a gold quote must share
CITY_KM = 30.0
ADMIN1_KM = 200.0
MAX_EXTRA_DAYS = 31  # how much wider than the gold interval a predicted date may be
MIN_JACCARD = 0.5
EARTH_RADIUS_KM = 6371.0088

_QUOTE_FOLD = str.maketrans({c: "'" for c in "‘’‚‛′"} | {c: '"' for c in "“”„‟«»″"})
_ADMIN1_SUFFIX = re.compile(r"\s+(?:oblast|krai|region|republic|okrug)$")
_PUNCTUATION = re.compile(r"[^\w\s]+")


class EvaluationError(ValueError):
    """Bad gold or prediction input; the message names the input and the reason."""


@dataclass
class GoldArticle:
    doc: str
    published: str | None
    lang: str | None
    incidents: list[dict]


# --------------------------------------------------------------------------- gold


def load_gold(path: Path) -> list[GoldArticle]:
    """Read a gold.jsonl; a bad line raises EvaluationError("<path>:<line>: <reason>")."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: cannot read: {exc}") from exc
    articles: list[GoldArticle] = []
    seen_docs: set[str] = set()
    seen_ids: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            article = _parse_gold_line(line)
            if article.doc in seen_docs:
                raise ValueError(f"doc {article.doc!r} appears twice")
            for incident in article.incidents:
                if incident["id"] in seen_ids:
                    raise ValueError(f"incident id {incident['id']!r} appears twice")
                seen_ids.add(incident["id"])
        except ValueError as exc:
            raise EvaluationError(f"{path}:{number}: {exc}") from exc
        seen_docs.add(article.doc)
        articles.append(article)
    if not articles:
        raise EvaluationError(f"{path}: no gold articles")
    return articles


def _parse_gold_line(line: str) -> GoldArticle:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    doc = data.get("doc")
    if not isinstance(doc, str) or not doc:
        raise ValueError("'doc' must be a non-empty string")
    published = _optional_str(data, "published")
    parse_published(published)  # raises ValueError on a bad date
    incidents = data.get("incidents")
    if not isinstance(incidents, list):
        raise ValueError("'incidents' must be a list")
    for position, incident in enumerate(incidents, start=1):
        try:
            _check_gold_incident(incident)
        except ValueError as exc:
            name = incident.get("id") if isinstance(incident, dict) else None
            raise ValueError(f"incident {name or position}: {exc}") from exc
    return GoldArticle(doc, published, _optional_str(data, "lang"), incidents)


def _optional_str(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string or null")
    return value


def _check_gold_incident(incident: Any) -> None:
    """Reject what the scorer could not score; an absent field counts as null (not scored)."""
    if not isinstance(incident, dict):
        raise ValueError("not a JSON object")
    for key in ("id", "type"):
        if not isinstance(incident.get(key), str) or not incident[key]:
            raise ValueError(f"{key!r} must be a non-empty string")
    if not isinstance(incident.get("required", True), bool):
        raise ValueError("'required' must be true or false")
    quotes = incident.get("quotes")
    if not isinstance(quotes, list) or not quotes or not all(isinstance(q, str) and fold(q) for q in quotes):
        raise ValueError("'quotes' must be a non-empty list of non-empty strings")
    for key in ("actors", "consequences", "cited", "people"):
        value = incident.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ValueError(f"{key!r} must be a list of strings or null")
    _check_count(incident.get("count"))
    for key in ("location", "origin"):
        _check_place(key, incident.get(key))
    _check_date(incident.get("date"))
    _optional_str(incident, "event")


def _check_count(count: Any) -> None:
    if count is None:
        return
    if not isinstance(count, dict):
        raise ValueError("'count' must be an object or null")
    for key in ("min", "max"):
        value = count.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"count {key!r} must be a non-negative integer or null")


def _check_place(key: str, place: Any) -> None:
    if place is None:
        return
    if not isinstance(place, dict):
        raise ValueError(f"{key!r} must be an object or null")
    precision = place.get("precision")
    if precision not in PRECISIONS:
        raise ValueError(f"{key} precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    has_point = _point(place) is not None
    if precision == "city" and not has_point:
        raise ValueError(f"{key} of precision city needs lat and lon")
    if precision == "admin1" and not (has_point or place.get("admin1")):
        raise ValueError(f"{key} of precision admin1 needs admin1 or lat and lon")
    if precision == "country" and not place.get("country"):
        raise ValueError(f"{key} of precision country needs a country code")


def _check_date(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise ValueError("'date' must be an object or null")
    _date_interval(value)


# ------------------------------------------------------------------ normalizing


def fold(text: str) -> str:
    """Case, typographic quotes and whitespace folded, as the matching rule compares text."""
    return " ".join(text.casefold().translate(_QUOTE_FOLD).split())


def longest_shared_run(a: str, b: str) -> int:
    # autojunk would hide frequent characters of quotes of 200+ characters.
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.find_longest_match(0, len(a), 0, len(b)).size


def _date_interval(value: dict) -> tuple[date, date]:
    try:
        start, end = date.fromisoformat(value["start"]), date.fromisoformat(value["end"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"date needs ISO 'start' and 'end' days: {exc}") from exc
    if end < start:
        raise ValueError(f"date ends before it starts: {start} > {end}")
    return start, end


def _point(place: dict) -> tuple[float, float] | None:
    lat, lon = place.get("lat"), place.get("lon")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        return float(lat), float(lon)
    return None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _admin1_key(name: str) -> str:
    text = " ".join(_PUNCTUATION.sub(" ", name.casefold()).split())
    return _ADMIN1_SUFFIX.sub("", text)


# ------------------------------------------------------------------ field rules


def type_correct(gold: str, predicted: Any) -> bool:
    return gold == predicted


def actors_correct(gold: list[str], predicted: Any) -> bool:
    return bool(set(gold) & set(predicted or []))


def count_correct(gold: dict, predicted: Any) -> bool:
    predicted = predicted or {}
    number = predicted.get("min") if predicted.get("min") is not None else predicted.get("max")
    gold_min, gold_max = gold.get("min"), gold.get("max")
    if gold_min is None and gold_max is None:
        return number is None
    if number is None:
        return False
    low = gold_min or 0
    high = gold_max if gold_max is not None else gold_min
    # Integer arithmetic keeps the 0.9 / 1.1 edges exact.
    return 9 * low <= 10 * number <= 11 * high


def place_correct(gold: dict, predicted: Any) -> bool:
    if not predicted:
        return False
    gold_point, predicted_point = _point(gold), _point(predicted)
    distance = haversine_km(gold_point, predicted_point) if gold_point and predicted_point else None
    precision = gold.get("precision")
    if precision == "city":
        return distance is not None and distance <= CITY_KM
    if precision == "admin1":
        same_admin1 = bool(gold.get("admin1")) and bool(predicted.get("admin1")) and (
            _admin1_key(gold["admin1"]) == _admin1_key(predicted["admin1"])
        )
        return same_admin1 or (distance is not None and distance <= ADMIN1_KM)
    return (predicted.get("country") or "").casefold() == gold["country"].casefold()


def date_correct(gold: dict, predicted: Any) -> bool:
    if not predicted:
        return False
    gold_start, gold_end = _date_interval(gold)
    start, end = _date_interval(predicted)
    overlaps = start <= gold_end and gold_start <= end
    return overlaps and (end - start).days <= (gold_end - gold_start).days + MAX_EXTRA_DAYS


def consequences_correct(gold: list[str], predicted: Any) -> bool:
    gold_set, predicted_set = set(gold), set(predicted or [])
    union = gold_set | predicted_set
    return not union or len(gold_set & predicted_set) / len(union) >= MIN_JACCARD


def cited_correct(gold: list[str], predicted: Any) -> bool:
    names = [name.casefold().strip() for name in predicted or []]
    names = [name for name in names if name]  # "" would be a substring of everything

    def found(source: str) -> bool:
        spellings = [s.casefold().strip() for s in source.split("|") if s.strip()]
        return any(s in name or name in s for s in spellings for name in names)

    return all(found(source) for source in gold)


FIELD_RULES = {
    "type": type_correct,
    "actors": actors_correct,
    "count": count_correct,
    "location": place_correct,
    "origin": place_correct,
    "date": date_correct,
    "consequences": consequences_correct,
    "cited": cited_correct,
}


def field_scored(name: str, gold_value: Any) -> bool:
    """Null gold fields are not scored, nor actors when gold names none."""
    return gold_value is not None and not (name == "actors" and not gold_value)


# ------------------------------------------------------------------- the report


@dataclass
class FieldScore:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None


@dataclass
class ArticleScore:
    doc: str
    required: int
    predicted: int
    matched: int  # gold required incidents matched
    matched_optional: int  # predictions matched to not-required gold incidents


@dataclass
class Miss:
    doc: str
    gold_id: str
    type: str
    quotes: list[str]


@dataclass
class FalseAlarm:
    doc: str
    prediction_id: str
    type: str
    quote: str | None


@dataclass
class FieldError:
    doc: str
    gold_id: str
    prediction_id: str
    field: str
    gold: Any
    predicted: Any


@dataclass
class EvaluationReport:
    articles: int
    required: int  # gold required incidents
    predictions: int  # predictions (incident x article) in gold articles
    matched: int  # required gold incidents matched
    matched_optional: int  # predictions matched to not-required gold: out of precision
    fields: dict[str, FieldScore]
    merge_both_same: int
    merge_predicted_same: int
    merge_gold_same: int
    per_article: list[ArticleScore]
    misses: list[Miss] = field(default_factory=list)
    false_alarms: list[FalseAlarm] = field(default_factory=list)
    field_errors: list[FieldError] = field(default_factory=list)
    ignored_predictions: int = 0  # reports in documents the gold does not have
    ignored_documents: list[str] = field(default_factory=list)
    # gold type -> [required, matched]; (gold type, predicted type) -> matched pairs
    type_recall: dict[str, list[int]] = field(default_factory=dict)
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    folds: int | None = None  # cross-validated: each fold extracted by a model trained without it

    @property
    def scored_predictions(self) -> int:
        return self.predictions - self.matched_optional

    @property
    def precision(self) -> float:
        return self.matched / self.scored_predictions if self.scored_predictions else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.required if self.required else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def merge_precision(self) -> float | None:
        return self.merge_both_same / self.merge_predicted_same if self.merge_predicted_same else None

    @property
    def merge_recall(self) -> float | None:
        return self.merge_both_same / self.merge_gold_same if self.merge_gold_same else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "required": self.required,
            "predictions": self.predictions,
            "incidents": {
                "matched": self.matched,
                "matched_optional": self.matched_optional,
                "scored_predictions": self.scored_predictions,
                "precision": self.precision,
                "recall": self.recall,
                "f1": self.f1,
            },
            "fields": {
                name: {"correct": s.correct, "total": s.total, "accuracy": s.accuracy}
                for name, s in self.fields.items()
            },
            "merge": {
                "both_same": self.merge_both_same,
                "predicted_same": self.merge_predicted_same,
                "gold_same": self.merge_gold_same,
                "precision": self.merge_precision,
                "recall": self.merge_recall,
            },
            "types": {
                kind: {"required": required, "matched": matched, "recall": matched / required if required else None}
                for kind, (required, matched) in sorted(self.type_recall.items())
            },
            "confusion": [
                {"gold": gold, "predicted": predicted, "pairs": n} for (gold, predicted), n in sorted(self.confusion.items())
            ],
            "folds": self.folds,
            "per_article": [asdict(a) for a in self.per_article],
            "ignored": {"predictions": self.ignored_predictions, "documents": list(self.ignored_documents)},
            "misses": [asdict(m) for m in self.misses],
            "false_alarms": [asdict(f) for f in self.false_alarms],
            "field_errors": [asdict(e) for e in self.field_errors],
        }


# ---------------------------------------------------------------------- scoring


@dataclass
class _Prediction:
    """One merged incident as a prediction in one article."""

    id: str
    doc: str
    record: dict
    quotes: list[dict]  # the evidence of its report(s) in that article

    @property
    def folded_quotes(self) -> list[str]:
        return [f for f in (fold(q.get("quote") or "") for q in self.quotes) if f]

    @property
    def first_quote(self) -> str | None:
        incident_quotes = [q for q in self.quotes if q.get("field") == "incident"]
        chosen = incident_quotes or self.quotes
        return chosen[0].get("quote") if chosen else None


def _split_predictions(predictions: list[dict]) -> list[_Prediction]:
    """Each incident becomes one prediction per article it has reports in (evidence pooled)."""
    split: list[_Prediction] = []
    for position, record in enumerate(predictions, start=1):
        try:
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise ValueError("needs a string 'id'")
            if not isinstance(record.get("reports"), list):
                raise ValueError("needs a list of 'reports'")
            by_doc: dict[str, list[dict]] = {}
            for report in record["reports"]:
                doc = ((report or {}).get("document") or {}).get("id")
                if not isinstance(doc, str):
                    raise ValueError("a report has no document id")
                by_doc.setdefault(doc, []).extend(report.get("evidence") or [])
            if record.get("date"):
                _date_interval(record["date"])
        except (ValueError, AttributeError) as exc:
            name = record.get("id") if isinstance(record, dict) else None
            raise EvaluationError(f"prediction {name or position}: {exc}") from exc
        split.extend(_Prediction(record["id"], doc, record, quotes) for doc, quotes in by_doc.items())
    return split


def _overlap(prediction_quotes: list[str], gold_quotes: list[str]) -> int:
    """The longest qualifying shared run between any prediction quote and any gold quote; 0 if none."""
    best = 0
    for gold_quote in gold_quotes:
        needed = min(MIN_SHARED_RUN, len(gold_quote))
        for quote in prediction_quotes:
            run = longest_shared_run(quote, gold_quote)
            if run >= needed:
                best = max(best, run)
    return best


def _match_article(gold_incidents: list[dict], predictions: list[_Prediction]) -> dict[int, int]:
    """One-to-one matching, longest shared run first (ties: gold order, then prediction order).

    Returns {gold index: prediction index}.
    """
    gold_quotes = [[fold(q) for q in incident["quotes"]] for incident in gold_incidents]
    prediction_quotes = [p.folded_quotes for p in predictions]
    candidates = [
        (-run, g, p)
        for g, quotes in enumerate(gold_quotes)
        for p, theirs in enumerate(prediction_quotes)
        if (run := _overlap(theirs, quotes))
    ]
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for _, g, p in sorted(candidates):
        if g not in pairs and p not in taken:
            pairs[g] = p
            taken.add(p)
    return pairs


def score(gold: list[GoldArticle], predictions: list[dict]) -> EvaluationReport:
    docs = [article.doc for article in gold]
    if len(set(docs)) != len(docs):
        raise EvaluationError("gold: a document appears more than once")
    by_doc: dict[str, list[_Prediction]] = defaultdict(list)
    for prediction in _split_predictions(predictions):
        by_doc[prediction.doc].append(prediction)
    ignored_docs = sorted(set(by_doc) - set(docs))

    report = EvaluationReport(
        articles=len(gold),
        required=0,
        predictions=0,
        matched=0,
        matched_optional=0,
        fields={name: FieldScore() for name in SCORED_FIELDS},
        merge_both_same=0,
        merge_predicted_same=0,
        merge_gold_same=0,
        per_article=[],
        ignored_predictions=sum(len(by_doc[d]) for d in ignored_docs),
        ignored_documents=ignored_docs,
    )
    matched_required: list[tuple[str, dict, _Prediction]] = []
    for article in gold:
        matched_required.extend(_score_article(article, by_doc.get(article.doc, []), report))
    _score_merging(matched_required, report)
    return report


def _score_article(
    article: GoldArticle, predictions: list[_Prediction], report: EvaluationReport
) -> list[tuple[str, dict, _Prediction]]:
    """Adds one article's counts to ``report``; returns its (doc, gold, prediction) required pairs."""
    pairs = _match_article(article.incidents, predictions)
    required = [g for g, incident in enumerate(article.incidents) if incident.get("required", True)]
    matched = [g for g in required if g in pairs]
    optional_matched = len(pairs) - len(matched)
    report.required += len(required)
    report.predictions += len(predictions)
    report.matched += len(matched)
    report.matched_optional += optional_matched
    report.per_article.append(
        ArticleScore(article.doc, len(required), len(predictions), len(matched), optional_matched)
    )
    for g in required:
        kind = article.incidents[g]["type"]
        counts = report.type_recall.setdefault(kind, [0, 0])
        counts[0] += 1
        counts[1] += g in pairs
        if g in pairs:
            predicted = predictions[pairs[g]].record.get("type")
            report.confusion[(kind, predicted)] = report.confusion.get((kind, predicted), 0) + 1
        if g not in pairs:
            incident = article.incidents[g]
            report.misses.append(Miss(article.doc, incident["id"], incident["type"], list(incident["quotes"])))
    taken = set(pairs.values())
    for p, prediction in enumerate(predictions):
        if p not in taken:
            report.false_alarms.append(
                FalseAlarm(article.doc, prediction.id, prediction.record.get("type"), prediction.first_quote)
            )
    for g in matched:
        _score_fields(article.doc, article.incidents[g], predictions[pairs[g]], report)
    return [(article.doc, article.incidents[g], predictions[pairs[g]]) for g in matched]


def _score_fields(doc: str, gold: dict, prediction: _Prediction, report: EvaluationReport) -> None:
    for name in SCORED_FIELDS:
        gold_value = gold.get(name)
        if not field_scored(name, gold_value):
            continue
        predicted_value = prediction.record.get(name)
        field_score = report.fields[name]
        field_score.total += 1
        if FIELD_RULES[name](gold_value, predicted_value):
            field_score.correct += 1
        else:
            report.field_errors.append(FieldError(doc, gold["id"], prediction.id, name, gold_value, predicted_value))


def _score_merging(matched: list[tuple[str, dict, _Prediction]], report: EvaluationReport) -> None:
    """Pairwise over matched required gold incidents with an `event`, in different articles."""
    with_event = [(doc, gold, prediction) for doc, gold, prediction in matched if gold.get("event")]
    for (doc_a, gold_a, pred_a), (doc_b, gold_b, pred_b) in combinations(with_event, 2):
        if doc_a == doc_b:
            continue
        gold_same = gold_a["event"] == gold_b["event"]
        predicted_same = pred_a.id == pred_b.id
        report.merge_gold_same += gold_same
        report.merge_predicted_same += predicted_same
        report.merge_both_same += gold_same and predicted_same


# -------------------------------------------------------------------- rendering


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _show(value: Any) -> str:
    """A field value as one short line."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dict) and "precision" in value:
        where = ", ".join(str(value[k]) for k in ("admin1", "country") if value.get(k))
        return f"{value.get('name')} ({value.get('precision')}; {where}; {value.get('lat')}, {value.get('lon')})"
    if isinstance(value, dict) and "start" in value:
        return f"{value.get('start')}..{value.get('end')}"
    if isinstance(value, dict) and "min" in value:
        return f"min {value.get('min')}, max {value.get('max')}"
    return str(value)


def format_report(report: EvaluationReport, verbose: bool = False) -> str:
    lines = [
        f"articles {report.articles}, gold required incidents {report.required}, "
        f"predictions {report.predictions}"
        + (f" (cross-validated, {report.folds} folds: each fold extracted by a model trained without it)" if report.folds else ""),
        f"precision {_ratio(report.precision)} ({report.matched}/{report.scored_predictions})"
        f"   recall {_ratio(report.recall)} ({report.matched}/{report.required})"
        f"   F1 {_ratio(report.f1)}",
    ]
    if report.matched_optional:
        lines.append(f"({report.matched_optional} predictions matched not-required gold incidents: not counted)")
    lines += ["", f"{'field':<14}{'correct/total':>14}{'accuracy':>10}"]
    for name, field_score in report.fields.items():
        fraction = f"{field_score.correct}/{field_score.total}"
        lines.append(f"{name:<14}{fraction:>14}{_ratio(field_score.accuracy):>10}")
    lines += [
        "* over matched pairs with a required gold incident whose gold field is not null;",
        "  pairs matched to not-required gold incidents are not scored; people is not scored.",
        "",
        *_type_lines(report),
        "",
        f"merging: precision {_ratio(report.merge_precision)} "
        f"({report.merge_both_same}/{report.merge_predicted_same})"
        f"   recall {_ratio(report.merge_recall)} ({report.merge_both_same}/{report.merge_gold_same})",
        "",
    ]
    width = max([len("doc"), *(len(article.doc) for article in report.per_article)]) + 2
    lines.append(f"{'doc':<{width}}{'required':>9}{'predicted':>10}{'matched':>8}{'optional':>9}")
    for article in report.per_article:
        lines.append(
            f"{article.doc:<{width}}{article.required:>9}{article.predicted:>10}"
            f"{article.matched:>8}{article.matched_optional:>9}"
        )
    lines.append("(optional: predictions matched to not-required gold incidents)")
    if report.ignored_predictions:
        lines.append(
            f"note: {report.ignored_predictions} predictions in {len(report.ignored_documents)} "
            "documents not in the gold were ignored"
        )
    if verbose:
        lines += _verbose_lines(report)
    return "\n".join(lines)


def _type_lines(report: EvaluationReport) -> list[str]:
    """Recall per gold type, and the confusion table of types over matched pairs."""
    kinds = [k for k in INCIDENT_TYPES if k in report.type_recall]
    predicted = [k for k in INCIDENT_TYPES if any(p == k for _, p in report.confusion)]
    predicted += sorted({p for _, p in report.confusion if p not in INCIDENT_TYPES}, key=str)
    short = {k: k[:8] for k in predicted}
    lines = [f"{'type':<20}{'recall':>14}{'':4}" + "".join(f"{short[k]:>9}" for k in predicted) + "   <- predicted type of matched"]
    for kind in kinds:
        required, matched = report.type_recall[kind]
        row = f"{kind:<20}{f'{matched}/{required}':>8}{_ratio(matched / required):>6}{'':4}"
        row += "".join(f"{report.confusion.get((kind, k), 0) or '.':>9}" for k in predicted)
        lines.append(row)
    return lines


def _verbose_lines(report: EvaluationReport) -> list[str]:
    lines = ["", f"misses ({len(report.misses)}):"]
    for miss in report.misses:
        lines.append(f"  {miss.gold_id} [{miss.type}] {miss.doc}")
        lines += [f"      \"{quote}\"" for quote in miss.quotes]
    lines += ["", f"false alarms ({len(report.false_alarms)}):"]
    for alarm in report.false_alarms:
        lines.append(f"  [{alarm.type}] \"{alarm.quote or ''}\" {alarm.doc}")
    lines += ["", f"field errors ({len(report.field_errors)}):"]
    for error in report.field_errors:
        lines.append(f"  {error.gold_id} {error.field}: gold {_show(error.gold)} | predicted {_show(error.predicted)}")
    return lines
