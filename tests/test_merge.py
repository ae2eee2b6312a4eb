"""Cross-article merging on mentions built by hand: signals, a labelled set, order independence,
incremental adding, reconciled fields and analysts' decisions.

The texts are our own; places come from the project's gazetteer.  ``reports()``
is the labelled set: each report carries the real-world event it tells of, and
the pairwise merge precision and recall over it are checked.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from itertools import combinations

import pytest

from otkaz.gazetteer import get_gazetteer
from otkaz.merge import (
    MENTION_KEYS,
    DecisionError,
    MergeIndex,
    attach_mention_keys,
    merge,
    merge_decision,
    split_decision,
)
from otkaz.merge.signals import compare, fold_words, profile_of, same_name_word, unit_key
from otkaz.model import Count, DateRange, Decision, Document, Evidence, Incident, IncidentMention, Place, Report


def place(name: str, lang: str = "en") -> Place:
    found = get_gazetteer().lookup(name, lang)
    assert found is not None, name
    return found


def day(text: str) -> DateRange:
    start, _, end = text.partition("..")
    return DateRange(date.fromisoformat(start), date.fromisoformat(end or start))


@dataclass
class Story:
    """One report to merge, and (for scoring) the real-world event it tells of."""

    event: str
    report: Report


def story(
    event: str,
    doc: str,
    type: str,
    text: str,
    *,
    when: str | None = None,
    count: tuple[int | None, int | None] = (None, None),
    location: str | None = None,
    origin: str | None = None,
    people: tuple[str, ...] = (),
    units: tuple[str, ...] = (),
    cited: tuple[str, ...] = (),
    actors: tuple[str, ...] = ("mobilized",),
    consequences: tuple[str, ...] = (),
    lang: str = "en",
    outlet: str | None = None,
    published: str = "2022-10-01",
) -> Story:
    document = Document(id=doc, text=text, outlet=outlet, published=published, lang=lang)
    mention = IncidentMention(
        document_id=doc,
        type=type,
        actors=list(actors),
        count=Count(*count),
        location=place(location, lang) if location else None,
        origin=place(origin, lang) if origin else None,
        date=day(when) if when else None,
        consequences=list(consequences),
        cited=list(cited),
        people=list(people),
        units=list(units),
        confidence=0.6,
        evidence=[Evidence("incident", text, 0, len(text))],
    )
    return Story(event, Report(document, mention))


def stories() -> list[Story]:
    """The labelled set: 7 events in 13 reports, and 5 close calls that are other events."""
    return [
        # One refusal, three outlets, two languages, numbers and dates worded differently.
        story("belgorod-80", "en-outlet-a", "combat_refusal",
              "About 80 mobilized soldiers of the 123rd Motor Rifle Regiment refused to go back to the front "
              "on Sunday in Belgorod; one of them, Pavel Zorkin, said they had no equipment.",
              when="2022-09-25", count=(80, 80), location="Belgorod", people=("Pavel Zorkin",),
              units=("123rd Motor Rifle Regiment",), cited=("Pskovskaya Guberniya",), outlet="Outlet A",
              published="2022-09-27"),
        story("belgorod-80", "en-outlet-b", "combat_refusal",
              "More than 70 mobilized men refused to fight on 25 September near the border, Outlet A reported.",
              when="2022-09-25", count=(70, None), location="Belgorod Oblast", cited=("Outlet A",),
              outlet="Outlet B", published="2022-09-28"),
        story("belgorod-80", "ru-outlet-c", "combat_refusal",
              "Около 80 мобилизованных из 123-го мотострелкового полка отказались возвращаться на фронт "
              "в воскресенье в Белгороде, рассказал Павел Зоркин.",
              when="2022-09-25", count=(80, 80), location="Белгород", people=("Павел Зоркин",),
              units=("123-го мотострелкового полка",), cited=("Псковская губерния",), lang="ru",
              outlet="Outlet C", published="2022-09-27"),
        # One deserter, named in both languages, dated loosely.
        story("varlamov", "en-outlet-d", "desertion",
              "Dmitry Varlamov, a contract soldier, left his unit in the Kursk region and went home.",
              when="2022-02-24..2023-05-10", count=(1, 1), location="Kursk Oblast", people=("Dmitry Varlamov",),
              actors=("contract_soldiers",), outlet="Outlet D", published="2023-05-10"),
        story("varlamov", "ru-outlet-e", "desertion",
              "Контрактник Дмитрий Варламов самовольно оставил часть в Курской области весной.",
              when="2023-03-01..2023-05-12", count=(1, 1), location="Курская область", people=("Дмитрия Варламова",),
              actors=("contract_soldiers",), consequences=("criminal_case",), lang="ru", outlet="Outlet E",
              published="2023-05-12"),
        # An arson attack reprinted almost word for word.
        story("tagil-arson", "en-outlet-f", "violent_resistance",
              "A man threw two Molotov cocktails at the draft office in Nizhny Tagil late on Tuesday night, "
              "setting the entrance on fire.",
              when="2022-10-04", count=(1, 1), location="Nizhny Tagil", actors=("civilians",), outlet="Outlet F",
              published="2022-10-05"),
        story("tagil-arson", "en-outlet-g", "violent_resistance",
              "Late on Tuesday night a man threw two Molotov cocktails at the draft office in Nizhny Tagil, "
              "setting its entrance on fire.",
              when="2022-10-04", count=(1, 1), location="Nizhny Tagil", actors=("civilians",), outlet="Outlet G",
              published="2022-10-06"),
        # A protest in one town on one day, in two languages.
        story("yakutsk-protest", "en-outlet-h", "protest",
              "Hundreds of women protested against mobilization in Yakutsk on Tuesday.",
              when="2022-09-20", count=(100, None), location="Yakutsk", actors=("civilians",), outlet="Outlet H",
              published="2022-09-21"),
        story("yakutsk-protest", "ru-outlet-i", "protest",
              "В Якутске во вторник женщины вышли на акцию против мобилизации.",
              when="2022-09-20", location="Якутск", actors=("civilians",), lang="ru", outlet="Outlet I",
              published="2022-09-21"),
        # Close calls: the same region a week later; the same town and day but another type;
        # other named individuals; another number of people; another country.
        story("kursk-desertion-oct-10", "en-outlet-j", "desertion",
              "Two mobilized men deserted from a training ground in the Kursk region on 10 October.",
              when="2022-10-10", count=(2, 2), location="Kursk Oblast", outlet="Outlet J", published="2022-10-11"),
        story("kursk-desertion-oct-3", "en-outlet-k", "desertion",
              "Two mobilized men fled their unit in the Kursk region on 3 October.",
              when="2022-10-03", count=(2, 2), location="Kursk Oblast", outlet="Outlet K", published="2022-10-04"),
        story("tagil-protest", "en-outlet-l", "protest",
              "A dozen people protested outside the draft office in Nizhny Tagil on Tuesday.",
              when="2022-10-04", count=(12, 12), location="Nizhny Tagil", actors=("civilians",),
              outlet="Outlet L", published="2022-10-05"),
        story("sorokin", "en-outlet-m", "desertion",
              "Ivan Sorokin, a contract soldier, left his unit in the Kursk region.",
              when="2022-02-24..2023-05-01", count=(1, 1), location="Kursk Oblast", people=("Ivan Sorokin",),
              actors=("contract_soldiers",), outlet="Outlet M", published="2023-05-01"),
        story("voronezh-12", "en-outlet-n", "combat_refusal",
              "Twelve mobilized soldiers refused to go to the front from a camp in Voronezh in October.",
              when="2022-10-01..2022-10-31", count=(12, 12), location="Voronezh Oblast", outlet="Outlet N",
              published="2022-11-01"),
        story("voronezh-60", "en-outlet-o", "combat_refusal",
              "Sixty mobilized soldiers in the Voronezh region refused to fight in October.",
              when="2022-10-01..2022-10-31", count=(60, 60), location="Voronezh Oblast", outlet="Outlet O",
              published="2022-11-02"),
        story("border-georgia", "en-outlet-p", "flight_abroad",
              "Hundreds of men crossed into Georgia on Monday to escape the draft.",
              when="2022-09-26", count=(100, None), location="Georgia", actors=("draftees",), outlet="Outlet P",
              published="2022-09-27"),
        story("border-kazakhstan", "en-outlet-q", "flight_abroad",
              "Hundreds of men crossed into Kazakhstan on Monday to escape the draft.",
              when="2022-09-26", count=(100, None), location="Kazakhstan", actors=("draftees",),
              outlet="Outlet Q", published="2022-09-27"),
    ]  # fmt: skip


def clusters(incidents: list[Incident]) -> set[frozenset[str]]:
    return {frozenset(r.mention.key for r in incident.reports) for incident in incidents}


def pairwise_scores(labelled: list[Story], incidents: list[Incident]) -> tuple[float, float]:
    """Pairwise merge precision and recall of the incidents against the stories' events."""
    event = {s.report.mention.key: s.event for s in labelled}
    cluster = {r.mention.key: incident.id for incident in incidents for r in incident.reports}
    both = predicted = gold = 0
    for a, b in combinations(sorted(event), 2):
        same_gold, same_predicted = event[a] == event[b], cluster[a] == cluster[b]
        gold += same_gold
        predicted += same_predicted
        both += same_gold and same_predicted
    return (both / predicted if predicted else 1.0), (both / gold if gold else 1.0)


def by_document(incidents: list[Incident]) -> dict[str, Incident]:
    return {r.document.id: incident for incident in incidents for r in incident.reports}


# --------------------------------------------------------------------------- the labelled set


def test_pairwise_merge_precision_and_recall_on_the_labelled_set() -> None:
    labelled = stories()
    incidents = merge([s.report for s in labelled])
    precision, recall = pairwise_scores(labelled, incidents)
    assert precision >= 0.95 and recall >= 0.8, (precision, recall)
    assert len(incidents) == len({s.event for s in labelled})  # here: every event found exactly


def test_the_same_refusal_in_three_outlets_and_two_languages_is_one_incident() -> None:
    incidents = by_document(merge([s.report for s in stories()]))
    refusal = incidents["en-outlet-a"]
    assert refusal is incidents["en-outlet-b"] is incidents["ru-outlet-c"]
    assert [r.document.id for r in refusal.reports] == ["en-outlet-a", "ru-outlet-c", "en-outlet-b"]  # by date
    assert refusal.count == Count(70, None)  # "about 80" and "more than 70": at least 70
    assert refusal.date == day("2022-09-25")
    assert refusal.location.name == "Belgorod" and refusal.location.precision == "city"  # the most specific
    assert refusal.cited == ["Pskovskaya Guberniya", "Псковская губерния", "Outlet A"]
    signals = [reason for reason in refusal.merge_reasons if reason.get("rule") == "signals"]
    assert len(signals) == 2 and all(reason["score"] >= 4 for reason in signals)
    assert {"person", "unit"} <= set(signals[0]["signals"])  # the two that name Zorkin and his regiment


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [
        ("kursk-desertion-oct-10", "kursk-desertion-oct-3", "dates 7 days apart"),
        ("tagil-arson", "tagil-protest", "different types"),
        ("varlamov", "sorokin", "different named people"),
        ("voronezh-12", "voronezh-60", "numbers of people differ"),
        ("border-georgia", "border-kazakhstan", "different countries"),
    ],
)
def test_close_calls_stay_apart_and_say_why(first: str, second: str, why: str) -> None:
    labelled = {s.event: s.report for s in stories()}
    result = compare(profile_of(labelled[first]), profile_of(labelled[second]))
    assert result.veto == why and not result.merges
    incidents = by_document(merge([labelled[first], labelled[second]]))
    assert len({incident.id for incident in incidents.values()}) == 2


def test_same_type_same_region_without_evidence_stays_two() -> None:
    """Overlapping loose dates, the same region, one person each, no names: not enough."""
    a = story("x", "doc-x", "desertion", "A soldier deserted in the Kursk region in October.",
              when="2022-10-01..2022-10-31", count=(1, 1), location="Kursk Oblast")
    b = story("y", "doc-y", "desertion", "A mobilized man left his unit near Kursk this autumn.",
              when="2022-09-21..2022-11-30", count=(1, 1), location="Kursk Oblast")  # fmt: skip
    result = compare(profile_of(a.report), profile_of(b.report))
    assert result.veto is None and result.signals == {"same_region": 1}
    assert len(merge([a.report, b.report])) == 2


def test_two_mentions_of_one_document_are_never_merged() -> None:
    text = "Two soldiers deserted on Monday in Belgorod. Two soldiers deserted on Monday in Belgorod."
    half = len(text) // 2
    document = Document(id="one-doc", text=text, published="2022-10-04", lang="en")
    mentions = [
        IncidentMention("one-doc", "desertion", count=Count(2, 2), location=place("Belgorod"), date=day("2022-10-03"),
                        evidence=[Evidence("incident", text[s:e], s, e)])
        for s, e in ((0, half), (half + 1, len(text)))
    ]  # fmt: skip
    assert compare(*(profile_of(Report(document, m)) for m in mentions)).veto == "same document"
    assert len(merge([Report(document, m) for m in mentions])) == 2


# --------------------------------------------------------------------------- signals


def test_names_fold_across_scripts_and_russian_case_endings() -> None:
    assert fold_words("Юрий Щербаков") == fold_words("Yury Shcherbakov") == fold_words("Yuriy Shcherbakov")
    assert fold_words("Алексей") == fold_words("Alexei") == fold_words("Aleksey")
    assert same_name_word(fold_words("Варламова"), fold_words("Varlamov"))
    assert same_name_word(fold_words("Зоркиным"), fold_words("Zorkin"))
    assert not same_name_word(fold_words("Sorokin"), fold_words("Zorkin"))


def test_units_match_across_languages_by_kind_and_number() -> None:
    assert unit_key("123rd Motor Rifle Regiment") == unit_key("123-го мотострелкового полка") == "regiment:123"
    assert unit_key("military unit 45678") == unit_key("в/ч 45678") == "military_unit:45678"
    assert unit_key("155th Marine Brigade") != unit_key("155th Regiment")


def test_a_name_the_extractor_missed_is_found_in_the_other_reports_evidence() -> None:
    a = story("a", "doc-a", "desertion", "Private Dmitry Varlamov, 24, deserted in March.", count=(1, 1))
    b = story("b", "doc-b", "desertion", "Рядовой Дмитрий Варламов самовольно оставил часть в марте.",
              count=(1, 1), people=("Дмитрий Варламов",), lang="ru")  # fmt: skip
    c = story("c", "doc-c", "desertion", "Private Dmitry Orlov, 24, deserted in March.", count=(1, 1))
    assert compare(profile_of(a.report), profile_of(b.report)).signals == {"person": 4}
    assert "person" not in compare(profile_of(c.report), profile_of(b.report)).signals


def test_relatives_sharing_a_surname_are_not_the_same_person() -> None:
    a = story("a", "doc-a", "desertion", "Oleg Petrov deserted.", count=(1, 1), people=("Oleg Petrov",))
    b = story("b", "doc-b", "desertion", "Anna Petrova said her son deserted.", count=(1, 1),
              people=("Anna Petrova",))  # fmt: skip
    result = compare(profile_of(a.report), profile_of(b.report))
    assert result.veto is None and "person" not in result.signals


def test_an_outlet_the_extractor_took_for_a_person_is_no_person() -> None:
    a = story("a", "doc-a", "desertion", "Outlet Z reported a desertion.", people=("Novaya Gazeta",),
              cited=("Novaya Gazeta",))  # fmt: skip
    b = story("b", "doc-b", "desertion", "A desertion, Novaya Gazeta reported.", people=("Novaya Gazeta",),
              outlet="Novaya Gazeta")  # fmt: skip
    assert profile_of(a.report).people == profile_of(b.report).people == ()


def test_comparison_is_symmetric() -> None:
    labelled = [s.report for s in stories()]
    for a, b in combinations(labelled[:9], 2):
        assert compare(profile_of(a), profile_of(b)) == compare(profile_of(b), profile_of(a))


# --------------------------------------------------------------------------- order and increments


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_result_does_not_depend_on_the_order_of_ingestion(seed: int) -> None:
    reports = [s.report for s in stories()]
    expected = merge(reports)
    shuffled = reports[:]
    random.Random(seed).shuffle(shuffled)
    again = merge(shuffled)
    assert clusters(again) == clusters(expected)
    assert [i.id for i in again] == [i.id for i in expected]
    assert [i.merge_reasons for i in again] == [i.merge_reasons for i in expected]


def test_adding_one_article_compares_it_with_its_block_only() -> None:
    reports = [s.report for s in stories()]
    newcomer = next(r for r in reports if r.document.id == "ru-outlet-i")  # a protest in Yakutsk
    index = MergeIndex()
    index.add(r for r in reports if r is not newcomer)
    before = index.comparisons
    index.add([newcomer])
    # Of 16 indexed mentions, only the protests of those days in Russia are compared:
    # Yakutsk's (the same day) and Nizhny Tagil's (two weeks later) is not.
    assert index.comparisons - before == 1
    assert clusters(index.incidents()) == clusters(merge(reports))


def test_an_incident_keeps_its_id_when_a_later_report_joins() -> None:
    labelled = {s.report.document.id: s.report for s in stories()}
    first = merge([labelled["en-outlet-d"]])
    both = merge([labelled["en-outlet-d"], labelled["ru-outlet-e"]])
    assert len(both) == 1 and both[0].id == first[0].id == "inc-" + labelled["en-outlet-d"].mention.key


# --------------------------------------------------------------------------- reconciling


def test_dates_that_miss_each_other_are_unioned_and_the_disagreement_kept() -> None:
    a = story("e", "doc-a", "protest", "Women protested in Yakutsk on Tuesday.", when="2022-09-20",
              location="Yakutsk", published="2022-09-21")
    b = story("e", "doc-b", "protest", "Women protested in Yakutsk on Wednesday.", when="2022-09-21",
              location="Yakutsk", published="2022-09-22")  # fmt: skip
    [incident] = merge([a.report, b.report])
    assert incident.date == day("2022-09-20..2022-09-21")
    [disagreement] = [r for r in incident.merge_reasons if r.get("disagreement") == "date"]
    assert [v["value"]["start"] for v in disagreement["values"]] == ["2022-09-20", "2022-09-21"]
    assert incident.merge_reasons[0]["signals"]["near_dates"] == -1


def test_reconciled_fields_union_lists_and_keep_every_spelling_of_a_name() -> None:
    labelled = {s.report.document.id: s.report for s in stories()}
    [incident] = merge([labelled["en-outlet-d"], labelled["ru-outlet-e"]])
    assert incident.date == day("2023-03-01..2023-05-10")  # the intersection
    assert incident.consequences == ["criminal_case"]
    # Both spellings: pseudonymizing the Russian quote needs the Cyrillic one.
    assert incident.people == ["Dmitry Varlamov", "Дмитрия Варламова"]
    assert incident.confidence == pytest.approx(1 - 0.4 * 0.4)
    reasons = repr(incident.merge_reasons)
    assert "Varlamov" not in reasons and "Варлам" not in reasons  # reasons never carry names


# --------------------------------------------------------------------------- analysts' decisions


def decided(decision: Decision, incidents: list[Incident]) -> Decision:
    """The decision as the CLI and the web app store it: with the mention keys recorded."""
    by_id = {incident.id: incident for incident in incidents}
    return attach_mention_keys(decision, by_id.get)


def test_an_analyst_merge_holds_against_the_signals_and_any_order() -> None:
    labelled = {s.event: s.report for s in stories()}
    reports = [labelled["voronezh-12"], labelled["voronezh-60"]]
    twelve, sixty = sorted(merge(reports), key=lambda i: i.count.min)
    decision = merge_decision(twelve, [sixty], "anna", note="one camp, counted twice")
    assert decision.payload[MENTION_KEYS] == {twelve.id: [reports[0].mention.key], sixty.id: [reports[1].mention.key]}
    for order in (reports, reports[::-1]):
        [incident] = merge(order, [decision])
        assert incident.count == Count(12, 60)
        assert {"disagreement": "count"}.items() <= incident.merge_reasons[0].items()
        assert incident.merge_reasons[-1] == {
            "rule": "analyst merge", "decision": None, "user": "anna", "note": "one camp, counted twice",
        }  # fmt: skip


def test_an_analyst_split_holds_against_the_signals() -> None:
    reports = [s.report for s in stories() if s.event == "belgorod-80"]
    [incident] = merge(reports)
    russian = reports[2].mention.key
    decision = split_decision(incident, "anna", [russian])
    incidents = merge(reports, [decision])
    assert clusters(incidents) == {frozenset({russian}), frozenset(r.mention.key for r in reports[:2])}
    everything = merge(reports, [split_decision(incident, "anna")])
    assert len(everything) == 3 and all(i.merge_reasons[-1]["rule"] == "analyst split" for i in everything)


def test_the_later_decision_wins() -> None:
    reports = [s.report for s in stories() if s.event == "belgorod-80"]
    [incident] = merge(reports)
    split = split_decision(incident, "anna")
    parts = merge(reports, [split])
    rejoin = merge_decision(parts[0], parts[1:], "boris")
    assert len(merge(reports, [split, rejoin])) == 1
    assert len(merge(reports, [rejoin, split])) == 3


def test_corrections_and_statuses_follow_the_mentions_when_ids_change() -> None:
    labelled = {s.report.document.id: s.report for s in stories()}
    later = labelled["ru-outlet-e"]  # published after the English report
    [alone] = merge([later])
    corrected = decided(Decision("correct", alone.id, "anna", payload={"count": {"min": 1, "max": 2}}), [alone])
    rejected = decided(Decision("reject", alone.id, "anna"), [alone])
    # The earlier English report arrives: the merged incident takes its id.
    [incident] = merge([later, labelled["en-outlet-d"]], [corrected, rejected])
    assert incident.id != alone.id
    assert incident.count == Count(1, 2) and incident.status == "rejected"
    assert incident.merge_reasons[-2]["fields"] == ["count"]


def test_decisions_without_recorded_keys_resolve_by_id() -> None:
    reports = [s.report for s in stories() if s.event in ("voronezh-12", "voronezh-60")]
    first, second = merge(reports)
    web_style = Decision("merge", first.id, "anna", other_ids=[second.id])  # nothing in the payload
    [incident] = merge(reports, [web_style, Decision("confirm", second.id, "anna")])
    assert incident.status == "confirmed"


def test_decisions_about_vanished_mentions_are_ignored() -> None:
    report = stories()[0].report
    gone = Decision("reject", "inc-0000000000000000", "anna", payload={MENTION_KEYS: {"x": ["0" * 16]}})
    [incident] = merge([report], [gone])
    assert incident.status == "unreviewed"


def test_bad_decisions_are_refused_with_one_line() -> None:
    reports = [s.report for s in stories() if s.event == "belgorod-80"]
    [incident] = merge(reports)
    with pytest.raises(DecisionError, match=r"merge inc-\w+: name at least one other incident"):
        merge_decision(incident, [], "anna")
    with pytest.raises(DecisionError, match="cannot be merged with itself"):
        merge_decision(incident, [incident], "anna")
    with pytest.raises(DecisionError, match="mention nope is not one of its reports"):
        split_decision(incident, "anna", ["nope"])
    with pytest.raises(DecisionError, match="incident inc-missing: not found"):
        attach_mention_keys(Decision("confirm", "inc-missing", "anna"), {}.get)
    [single] = merge(reports[:1])
    with pytest.raises(DecisionError, match="a single report, nothing to split"):
        split_decision(single, "anna")


def test_a_merge_keeps_no_record_of_each_vetoed_pair() -> None:
    """Issue 10: merging kept every vetoed pair it compared, so what one merge held grew with the
    square of a block (on a synthetic store, more than half of a merge's memory). Only the pairs
    that merge are kept; grouping compares again the few pairs it asks about, with the same
    incidents."""
    import tracemalloc
    from datetime import timedelta

    from otkaz.merge.clusters import MergeIndex

    towns = [place("Kursk"), place("Belgorod")]

    def reports(days: list[date]) -> list[Report]:
        # Dated to three weeks: the same town alone (no same days) merges nothing.
        found = []
        for n, when in enumerate(days):
            document = Document(f"veto-{n:03d}", f"Soldier {n} deserted.", outlet=f"Outlet {n}", lang="en")
            quote = f"Soldier {n} deserted."
            found.append(Report(document, IncidentMention(
                document.id, "desertion", ["soldiers"], Count(None, None), location=towns[n % 2],
                date=DateRange(when, when + timedelta(days=20)), confidence=0.6,
                evidence=[Evidence("incident", quote, 0, len(quote))])))
        return found

    def held(batch: list[Report]) -> tuple[int, MergeIndex]:
        tracemalloc.start()
        try:
            index = MergeIndex()
            index.add(batch)
            return tracemalloc.get_traced_memory()[0], index
        finally:
            tracemalloc.stop()

    one_day = reports([date(2023, 3, 1)] * 400)  # one block: every pair of other towns vetoed
    apart = reports([date(2014, 1, 1) + timedelta(days=30 * n) for n in range(400)])  # never compared
    vetoing, index = held(one_day)
    alone, _index = held(apart)
    assert index.comparisons == 400 * 399 // 2 and not index.links()
    assert vetoing - alone < 1_000_000  # 40,000 vetoed pairs once held 4 MB more
    incidents = index.incidents()
    assert len(incidents) == 400 and incidents == merge(one_day)
