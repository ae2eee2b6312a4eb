"""The scorer of ../shared/eval/README.md, on small hand-made gold and predictions."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from otkaz.evaluation import (
    EARTH_RADIUS_KM,
    EvaluationError,
    GoldArticle,
    actors_correct,
    cited_correct,
    consequences_correct,
    count_correct,
    date_correct,
    field_scored,
    fold,
    format_report,
    load_gold,
    longest_shared_run,
    place_correct,
    score,
)

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"

QUOTE_A = "A tank crew from the reserve regiment refused to advance toward the river crossing"
QUOTE_B = "Three conscripts walked away from their barracks and were found at a bus station"
QUOTE_C = "The volunteer battalion commander wrote a report refusing to lead his men forward"


def gold_incident(gid: str, quotes: list[str], required: bool = True, **fields) -> dict:
    incident = {
        "id": gid,
        "required": required,
        "quotes": quotes,
        "type": "desertion",
        "actors": ["conscripts"],
        "count": {"min": 1, "max": 1},
        "location": None,
        "origin": None,
        "date": {"start": "2023-03-01", "end": "2023-03-10"},
        "consequences": [],
        "cited": [],
        "people": [],
    }
    incident.update(fields)
    return incident


def article(doc: str, *incidents: dict) -> GoldArticle:
    return GoldArticle(doc=doc, published="2023-03-15", lang="en", incidents=list(incidents))


def prediction(pid: str, reports: dict[str, list[str]], **fields) -> dict:
    """An exported incident; ``reports`` maps a document id to its evidence quotes."""
    record = {
        "id": pid,
        "type": "desertion",
        "actors": ["conscripts"],
        "count": {"min": 1, "max": 1},
        "location": None,
        "origin": None,
        "date": {"start": "2023-03-01", "end": "2023-03-10"},
        "consequences": [],
        "cited": [],
        "people": [],
        "confidence": 0.7,
        "reports": [
            {
                "document": {"id": doc, "url": None, "path": doc, "title": None, "outlet": None, "published": None},
                "evidence": [{"field": "incident", "quote": q, "start": 0, "end": len(q)} for q in quotes],
            }
            for doc, quotes in reports.items()
        ],
    }
    record.update(fields)
    return record


def place(lat: float, lon: float, precision: str = "city", admin1: str | None = None, country: str = "RU") -> dict:
    return {"name": "somewhere", "lat": lat, "lon": lon, "admin1": admin1, "country": country, "precision": precision}


def km_north(lat: float, km: float) -> float:
    """The latitude ``km`` due north of ``lat`` (same meridian)."""
    return lat + math.degrees(km / EARTH_RADIUS_KM)


# ------------------------------------------------------------------- matching


def test_fold_typographic_quotes_case_and_whitespace():
    assert fold("  «Нет»  he  SAID,\n\t“I won’t go” ") == "\"нет\" he said, \"i won't go\""


def test_match_survives_typographic_quotes_and_line_breaks():
    gold = [article("d1", gold_incident("g1", ["He told the officer “I will not go back” and left the unit"]))]
    predicted = [prediction("p1", {"d1": ['he told the officer\n"I will not  go back"']})]
    report = score(gold, predicted)
    assert (report.matched, report.predictions) == (1, 1)


def test_shared_run_of_twenty_characters_matches_nineteen_does_not():
    gold_quote = "Two soldiers crossed the river at dawn."
    twenty, nineteen = "#crossed the river at#", "#rossed the river at#"
    assert longest_shared_run(fold(twenty), fold(gold_quote)) == 20
    assert longest_shared_run(fold(nineteen), fold(gold_quote)) == 19
    gold = [article("d1", gold_incident("g1", [gold_quote]))]
    assert score(gold, [prediction("p1", {"d1": [twenty]})]).matched == 1
    assert score(gold, [prediction("p1", {"d1": [nineteen]})]).matched == 0


def test_gold_quote_shorter_than_twenty_must_be_shared_whole():
    gold = [article("d1", gold_incident("g1", ["They fled north."]))]
    assert score(gold, [prediction("p1", {"d1": ["After the shelling they fled north."]})]).matched == 1
    assert score(gold, [prediction("p1", {"d1": ["After the shelling they fled."]})]).matched == 0


def test_any_evidence_field_counts_for_matching():
    gold = [article("d1", gold_incident("g1", [QUOTE_A]))]
    record = prediction("p1", {"d1": []})
    record["reports"][0]["evidence"] = [{"field": "location", "quote": QUOTE_A[10:50], "start": 10, "end": 50}]
    assert score(gold, [record]).matched == 1


def test_one_to_one_longest_overlap_wins():
    gold = [article("d1", gold_incident("g1", [QUOTE_A]))]
    partial = prediction("partial", {"d1": [QUOTE_A[:25]]})
    whole = prediction("whole", {"d1": [QUOTE_A]})
    report = score(gold, [partial, whole])
    assert (report.matched, report.scored_predictions) == (1, 2)
    assert [alarm.prediction_id for alarm in report.false_alarms] == ["partial"]
    assert report.precision == 0.5 and report.recall == 1.0


def test_equal_overlaps_go_to_the_earlier_prediction():
    gold = [article("d1", gold_incident("g1", [QUOTE_A]))]
    report = score(gold, [prediction("first", {"d1": [QUOTE_A]}), prediction("second", {"d1": [QUOTE_A]})])
    assert [alarm.prediction_id for alarm in report.false_alarms] == ["second"]


def test_a_prediction_does_not_match_across_articles():
    gold = [article("d1", gold_incident("g1", [QUOTE_A])), article("d2")]
    report = score(gold, [prediction("p1", {"d2": [QUOTE_A]})])
    assert report.matched == 0 and len(report.false_alarms) == 1 and len(report.misses) == 1


def test_predictions_matched_to_not_required_gold_leave_precision():
    gold = [
        article(
            "d1",
            gold_incident("required", [QUOTE_A]),
            gold_incident("optional", [QUOTE_B], required=False),
            gold_incident("optional-missed", [QUOTE_C], required=False),
        )
    ]
    predicted = [
        prediction("hit", {"d1": [QUOTE_A]}),
        prediction("optional-hit", {"d1": [QUOTE_B]}, type="protest"),
        prediction("noise", {"d1": ["Something else entirely happened in this town."]}),
    ]
    report = score(gold, predicted)
    assert (report.matched, report.matched_optional, report.scored_predictions) == (1, 1, 2)
    assert report.precision == 0.5 and report.recall == 1.0
    assert report.f1 == pytest.approx(2 / 3)
    assert report.misses == []
    # The pair with a not-required gold incident is not field-scored (its type is wrong).
    assert report.fields["type"].total == 1 and report.field_errors == []


def test_no_predictions_and_no_matches_give_zero_not_an_error():
    report = score([article("d1", gold_incident("g1", [QUOTE_A]))], [])
    assert (report.precision, report.recall, report.f1) == (0.0, 0.0, 0.0)


# ---------------------------------------------------------------- field rules


@pytest.mark.parametrize(
    ("gold", "predicted", "correct"),
    [
        ({"min": 10, "max": 10}, {"min": 9, "max": 9}, True),
        ({"min": 10, "max": 10}, {"min": 8, "max": 8}, False),
        ({"min": 10, "max": 10}, {"min": 11, "max": 11}, True),
        ({"min": 10, "max": 10}, {"min": 12, "max": 12}, False),
        ({"min": 20, "max": 24}, {"min": 18, "max": None}, True),
        ({"min": 20, "max": 24}, {"min": 17, "max": None}, False),
        ({"min": 20, "max": 24}, {"min": 26, "max": 26}, True),
        ({"min": 20, "max": 24}, {"min": 27, "max": 27}, False),
        ({"min": 5, "max": None}, {"min": 5, "max": None}, True),
        ({"min": 5, "max": None}, {"min": 6, "max": None}, False),
        ({"min": None, "max": 10}, {"min": 1, "max": 1}, True),
        ({"min": None, "max": 10}, {"min": 12, "max": 12}, False),
        ({"min": 10, "max": 10}, {"min": None, "max": 10}, True),  # max when min is null
        ({"min": 10, "max": 10}, {"min": None, "max": None}, False),
        ({"min": 10, "max": 10}, None, False),
        ({"min": None, "max": None}, {"min": None, "max": None}, True),
        ({"min": None, "max": None}, {"min": 3, "max": 3}, False),
    ],
)
def test_count_rule(gold, predicted, correct):
    assert count_correct(gold, predicted) is correct


def test_city_location_within_thirty_km():
    gold = place(55.0, 40.0)
    assert place_correct(gold, place(km_north(55.0, 29.9), 40.0))
    assert not place_correct(gold, place(km_north(55.0, 30.1), 40.0))
    assert not place_correct(gold, {**place(55.0, 40.0), "lat": None, "lon": None})
    assert not place_correct(gold, None)


def test_admin1_location_same_region_or_within_two_hundred_km():
    gold = place(58.0, 35.0, "admin1", admin1="Tver Oblast")
    far = km_north(58.0, 500)
    assert place_correct(gold, place(far, 35.0, "admin1", admin1="Tver' region"))
    assert place_correct(gold, place(far, 35.0, "admin1", admin1="TVER"))
    assert not place_correct(gold, place(far, 35.0, "admin1", admin1="Pskov Oblast"))
    assert place_correct(gold, place(km_north(58.0, 199), 35.0, "admin1", admin1="Other Krai"))
    assert not place_correct(gold, place(km_north(58.0, 201), 35.0, "admin1", admin1="Other Krai"))
    assert place_correct(gold, place(km_north(58.0, 150), 35.0, "city", admin1=None))


def test_country_location_same_code():
    gold = place(48.0, 67.0, "country", country="KZ")
    assert place_correct(gold, place(10.0, 10.0, "country", country="kz"))
    assert not place_correct(gold, place(48.0, 67.0, "country", country="RU"))


def test_date_rule_overlap_and_at_most_31_days_wider():
    gold = {"start": "2023-03-01", "end": "2023-03-01"}
    assert date_correct(gold, {"start": "2023-02-15", "end": "2023-03-18"})  # 31 days wide
    assert not date_correct(gold, {"start": "2023-02-15", "end": "2023-03-19"})  # 32 days wide
    assert not date_correct(gold, {"start": "2023-03-02", "end": "2023-03-05"})  # no overlap
    assert not date_correct(gold, None)
    wide_gold = {"start": "2023-01-01", "end": "2023-01-31"}  # 30 days wide: up to 61 allowed
    assert date_correct(wide_gold, {"start": "2023-01-01", "end": "2023-03-03"})
    assert not date_correct(wide_gold, {"start": "2023-01-01", "end": "2023-03-04"})


def test_consequences_jaccard_half():
    assert consequences_correct(["detention", "fine"], ["detention"])  # 1/2
    assert not consequences_correct(["detention", "fine", "pressure"], ["detention"])  # 1/3
    assert consequences_correct([], [])
    assert not consequences_correct([], ["fine"])


def test_cited_substring_either_way_and_spellings():
    assert cited_correct(["Meduza"], ["meduza.io"])
    assert cited_correct(["Radio Liberty Russian Service"], ["radio liberty"])
    assert cited_correct(["Zvezda|Звезда"], ["ЗВЕЗДА"])
    assert not cited_correct(["Zvezda|Звезда", "Meduza"], ["Звезда"])
    assert not cited_correct(["Meduza"], ["", "Reuters"])
    assert cited_correct([], [])


def test_actors_share_a_label_and_empty_gold_is_not_scored():
    assert actors_correct(["conscripts", "mobilized"], ["mobilized"])
    assert not actors_correct(["conscripts"], ["mobilized"])
    assert not field_scored("actors", [])
    assert field_scored("cited", [])
    assert not field_scored("location", None)


def test_field_errors_and_not_scored_null_gold_fields():
    gold = [article("d1", gold_incident("g1", [QUOTE_A], location=None, origin=place(55.0, 40.0), actors=[]))]
    predicted = [prediction("p1", {"d1": [QUOTE_A]}, type="combat_refusal", origin=place(56.0, 40.0))]
    report = score(gold, predicted)
    assert report.fields["location"].total == 0 and report.fields["actors"].total == 0
    assert (report.fields["type"].correct, report.fields["type"].total) == (0, 1)
    assert (report.fields["date"].correct, report.fields["date"].total) == (1, 1)
    assert [(e.gold_id, e.field) for e in report.field_errors] == [("g1", "type"), ("g1", "origin")]
    assert report.fields["origin"].accuracy == 0.0 and report.fields["location"].accuracy is None


# -------------------------------------------------------------------- merging


def test_merged_incident_is_a_prediction_in_each_of_its_articles():
    gold = [article("d1", gold_incident("g1", [QUOTE_A])), article("d2", gold_incident("g2", [QUOTE_B]))]
    # Each article's report carries its own evidence: QUOTE_B in d1 must not match g2.
    merged = prediction("m", {"d1": [QUOTE_A, QUOTE_B], "d2": [QUOTE_B]})
    report = score(gold, [merged])
    assert (report.predictions, report.matched, report.precision) == (2, 2, 1.0)
    assert [(a.doc, a.predicted, a.matched) for a in report.per_article] == [("d1", 1, 1), ("d2", 1, 1)]


def test_two_reports_in_one_article_are_one_prediction():
    gold = [article("d1", gold_incident("g1", [QUOTE_A]), gold_incident("g2", [QUOTE_B]))]
    record = prediction("m", {"d1": [QUOTE_A]})
    record["reports"].append({**record["reports"][0], "evidence": [{"field": "incident", "quote": QUOTE_B}]})
    report = score(gold, [record])
    assert (report.predictions, report.matched) == (1, 1)


def test_merge_precision_and_recall_are_pairwise():
    quotes = {"a": QUOTE_A, "b": QUOTE_B, "c": QUOTE_C, "d": "A fourth story about a sailor who left his ship"}
    gold = [
        article("a", gold_incident("ga", [quotes["a"]], event="E")),
        article("b", gold_incident("gb", [quotes["b"]], event="E")),
        article("c", gold_incident("gc", [quotes["c"]], event="E")),
        article("d", gold_incident("gd", [quotes["d"]], event="F")),
    ]
    predicted = [
        prediction("x", {"a": [quotes["a"]], "b": [quotes["b"]]}),  # right
        prediction("y", {"c": [quotes["c"]], "d": [quotes["d"]]}),  # wrong
    ]
    report = score(gold, predicted)
    # gold-same: ab ac bc; predicted-same: ab cd; both: ab
    assert (report.merge_both_same, report.merge_predicted_same, report.merge_gold_same) == (1, 2, 3)
    assert report.merge_precision == 0.5 and report.merge_recall == pytest.approx(1 / 3)


def test_merge_ignores_same_article_pairs_and_incidents_without_event():
    gold = [
        article("a", gold_incident("ga1", [QUOTE_A], event="E"), gold_incident("ga2", [QUOTE_B], event="E")),
        article("b", gold_incident("gb", [QUOTE_C])),
    ]
    predicted = [
        prediction("x", {"a": [QUOTE_A], "b": [QUOTE_C]}),
        prediction("y", {"a": [QUOTE_B]}),
    ]
    report = score(gold, predicted)
    assert report.matched == 3
    assert report.merge_precision is None and report.merge_recall is None
    assert "merging: precision n/a (0/0)   recall n/a (0/0)" in format_report(report)


def test_predictions_for_documents_not_in_the_gold_are_ignored_and_noted():
    gold = [article("d1", gold_incident("g1", [QUOTE_A]))]
    predicted = [prediction("p1", {"d1": [QUOTE_A], "elsewhere.txt": [QUOTE_B]}), prediction("p2", {"other": []})]
    report = score(gold, predicted)
    assert (report.predictions, report.precision) == (1, 1.0)
    assert report.ignored_predictions == 2 and report.ignored_documents == ["elsewhere.txt", "other"]
    assert "2 predictions in 2 documents not in the gold were ignored" in format_report(report)


def test_malformed_prediction_names_it():
    with pytest.raises(EvaluationError, match="prediction p9: a report has no document id"):
        score([], [{"id": "p9", "reports": [{"evidence": []}]}])


# -------------------------------------------------------------------- output


def test_format_report_and_to_dict():
    gold = [
        article(
            "d1",
            gold_incident("found", [QUOTE_A]),
            gold_incident("lost", [QUOTE_C], type="combat_refusal"),
        )
    ]
    predicted = [
        prediction("p1", {"d1": [QUOTE_A]}, count={"min": 5, "max": 5}),
        prediction("p2", {"d1": ["Police detained a man at the enlistment office door"]}, type="protest"),
    ]
    report = score(gold, predicted)
    text = format_report(report)
    assert "articles 1, gold required incidents 2, predictions 2" in text
    assert "precision 0.500 (1/2)" in text and "recall 0.500 (1/2)" in text
    assert "count" in text and "0/1" in text and "not-required" in text
    assert "lost" not in text  # details only when verbose
    verbose = format_report(report, verbose=True)
    assert "lost [combat_refusal] d1" in verbose and QUOTE_C in verbose
    assert '[protest] "Police detained a man at the enlistment office door" d1' in verbose
    assert "found count: gold min 1, max 1 | predicted min 5, max 5" in verbose

    data = json.loads(json.dumps(report.to_dict()))
    assert data["incidents"]["precision"] == 0.5 and data["incidents"]["recall"] == 0.5
    assert data["fields"]["count"] == {"correct": 0, "total": 1, "accuracy": 0.0}
    assert data["merge"]["precision"] is None
    assert data["misses"][0]["gold_id"] == "lost"
    assert data["false_alarms"][0]["prediction_id"] == "p2"
    assert data["field_errors"][0]["predicted"] == {"min": 5, "max": 5}
    assert data["per_article"] == [
        {"doc": "d1", "required": 2, "predicted": 2, "matched": 1, "matched_optional": 0}
    ]


# ------------------------------------------------------------------- load_gold


def write_gold(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gold_line(doc: str = "articles/x.txt", **incident_fields) -> str:
    incident = gold_incident("i-" + doc, [QUOTE_A]) | incident_fields
    return json.dumps({"doc": doc, "published": "2023-05", "lang": "ru", "incidents": [incident]})


def test_load_gold_reads_articles(tmp_path):
    path = write_gold(tmp_path, gold_line("a.txt"), "", gold_line("b.txt", event="E1"))
    articles = load_gold(path)
    assert [(a.doc, a.published, a.lang) for a in articles] == [("a.txt", "2023-05", "ru"), ("b.txt", "2023-05", "ru")]
    assert articles[1].incidents[0]["event"] == "E1"


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("{not json", "malformed JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"incidents": []}), "'doc' must be a non-empty string"),
        (json.dumps({"doc": "x", "published": "May 2023", "incidents": []}), "not an ISO date"),
        (json.dumps({"doc": "x", "incidents": {}}), "'incidents' must be a list"),
        (gold_line("x", quotes=[]), "'quotes' must be a non-empty list"),
        (gold_line("x", required="yes"), "'required' must be true or false"),
        (gold_line("x", count={"min": "five", "max": None}), "count 'min' must be"),
        (gold_line("x", date={"start": "2023-03-10", "end": "2023-03-01"}), "date ends before it starts"),
        (gold_line("x", location={"name": "n", "precision": "street"}), "location precision must be one of"),
        (gold_line("x", origin={"name": "n", "lat": None, "lon": None, "precision": "city"}), "needs lat and lon"),
        (gold_line("a.txt"), "doc 'a.txt' appears twice"),
    ],
)
def test_load_gold_errors_name_file_and_line(tmp_path, bad_line, reason):
    path = write_gold(tmp_path, gold_line("a.txt"), bad_line)
    with pytest.raises(EvaluationError) as error:
        load_gold(path)
    message = str(error.value)
    assert message.startswith(f"{path}:2: ") and reason in message and "\n" not in message


def test_load_gold_empty_or_missing_file(tmp_path):
    with pytest.raises(EvaluationError, match="no gold articles"):
        load_gold(write_gold(tmp_path, ""))
    with pytest.raises(EvaluationError, match="cannot read"):
        load_gold(tmp_path / "absent.jsonl")


# ------------------------------------------------- the dev gold against itself


def predictions_from_gold(articles: list[GoldArticle]) -> list[dict]:
    """Perfect predictions: gold quotes as evidence, gold fields, one spelling per cited source."""
    predicted = []
    for gold_article in articles:
        for incident in gold_article.incidents:
            fields = {k: incident.get(k) for k in ("type", "actors", "location", "origin", "date", "consequences")}
            fields["count"] = incident.get("count") or {"min": None, "max": None}
            fields["cited"] = [source.split("|")[0] for source in incident.get("cited") or []]
            pid = incident.get("event") or incident["id"]
            predicted.append(prediction(pid, {gold_article.doc: incident["quotes"]}, **fields))
    return predicted


@pytest.mark.parametrize("subset", ["dev", "dev-ru"])
def test_dev_gold_scored_against_itself_is_perfect(subset):
    path = SHARED_EVAL / subset / "gold.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    gold = load_gold(path)
    report = score(gold, predictions_from_gold(gold))
    assert report.required > 0 and report.matched == report.required
    assert (report.precision, report.recall, report.f1) == (1.0, 1.0, 1.0)
    assert all(s.accuracy == 1.0 for s in report.fields.values()), report.field_errors
    assert report.merge_precision in (None, 1.0) and report.merge_recall in (None, 1.0)
