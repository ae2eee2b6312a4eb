"""English extraction on short reports written for these tests (not from any outlet).

Each test states one behaviour the codebook asks for: a type, a count form, a date form,
a place form, a source, or a case that must NOT become an incident.
"""
from __future__ import annotations

from datetime import date

import pytest

from otkaz.extract import extract
from otkaz.model import Document

pytestmark = pytest.mark.slow


def run(text: str, published: str | None = "2023-03-15", doc_id: str = "t.txt"):
    return extract(Document(id=doc_id, text=text, published=published, lang="en"))


def only(text: str, published: str | None = "2023-03-15"):
    result = run(text, published)
    assert len(result.mentions) == 1, [m.evidence[0].quote for m in result.mentions]
    return result.mentions[0]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Outside the regional parliament, a woman unfurled a banner reading 'Bring our husbands home from the front'.", "protest"),
        ("A man tried to blow up the enlistment office in Samara with a homemade device.", "violent_resistance"),
    ],
)
def test_acts_told_by_what_was_done(text, kind):
    assert only(text).type == kind


def test_evidence_quotes_point_into_the_text():
    text = "Intro line.\n\nOn Tuesday, 45 contract soldiers from Buryatia refused to return to the front, the outlet Lyudi Baikala reported.\n"
    result = run(text)
    assert result.mentions
    for m in result.mentions:
        assert any(e.field == "incident" for e in m.evidence)
        for e in m.evidence:
            assert text[e.start : e.end] == e.quote


def test_combat_refusal_with_count_origin_date_and_source():
    m = only("On Tuesday, 45 contract soldiers from Buryatia refused to return to the front line, the outlet Lyudi Baikala reported.")
    assert m.type == "combat_refusal"
    assert m.actors == ["contract_soldiers"]
    assert (m.count.min, m.count.max) == (45, 45)
    assert m.origin is not None and m.origin.admin1 == "Buryatia"
    # published Wednesday 2023-03-15: "On Tuesday" is the day before
    assert (m.date.start, m.date.end) == (date(2023, 3, 14), date(2023, 3, 14))
    assert any("Lyudi Baikala" in c for c in m.cited)


@pytest.mark.parametrize(
    "text",
    [
        "The Defense Ministry refused to comment on the report.",
        "The regional governor declined to answer questions about the mobilization.",
        "\u201cIf they send me a notice, I would refuse to go,\u201d said Oleg, a welder.",
        "Tens of thousands of men fled to Georgia and Kazakhstan after the mobilization was announced.",
        "Many Russians are refusing to fight in what they see as a pointless war.",
        "Soldiers who refuse to fight face up to three years in prison under the amended law.",
        "He did not refuse to go to the front, his lawyer said.",
        "Residents held placards against the new parking fees outside city hall.",
    ],
)
def test_not_an_incident(text):
    assert run(text).mentions == []


def test_aggregate_is_recorded_apart():
    result = run("Hundreds of thousands of Russian men have fled the country to avoid being called up.")
    assert result.mentions == []
    assert result.aggregates and result.aggregates[0].type == "flight_abroad"


def test_desertion_with_consequences_across_sentences():
    text = (
        "A 27-year-old private from Tver deserted his unit in the Belgorod region in early March, "
        "according to Mediazona. He was detained two weeks later and charged with desertion."
    )
    m = only(text)
    assert m.type == "desertion"
    assert (m.count.min, m.count.max) == (1, 1)
    assert {"detention", "criminal_case"} <= set(m.consequences)
    assert m.date.start >= date(2023, 3, 1) and m.date.end <= date(2023, 3, 10)
    assert m.location is not None and m.location.admin1 == "Belgorod Oblast"
    assert m.origin is not None and m.origin.name == "Tver"
    assert "Mediazona" in m.cited


def test_discharge_attempt_by_contract_termination():
    m = only("Last week, eleven soldiers of a tank regiment filed requests to terminate their contracts, their relatives told the newspaper Kommersant.")
    assert m.type == "discharge_attempt"
    assert (m.count.min, m.count.max) == (11, 11)
    assert "contract_soldiers" in m.actors
    assert (m.date.start, m.date.end) == (date(2023, 3, 6), date(2023, 3, 12))


def test_draft_refusal_by_a_civilian_late_sunday_night():
    text = "Late Sunday night, Pavel, a 29-year-old programmer from Kazan, refused to sign a draft notice handed to him by two officers."
    m = only(text, published="2022-09-27")
    assert m.type == "draft_refusal"
    assert m.actors == ["draftees"]
    assert (m.count.min, m.count.max) == (1, 1)
    assert (m.date.start, m.date.end) == (date(2022, 9, 25), date(2022, 9, 25))
    assert m.location is not None and m.location.name == "Kazan"


def test_draft_evasion_by_not_reporting():
    text = "Igor received a summons on October 3 but did not go to the enlistment office in Samara, his wife said."
    m = only(text, published="2022-10-20")
    assert m.type == "draft_evasion"
    assert m.date.start >= date(2022, 10, 3)


def test_flight_abroad_stopped_at_the_border():
    text = "On Monday, a 35-year-old man from Omsk was denied boarding a flight to Yerevan and banned from leaving Russia."
    m = only(text, published="2022-10-05")
    assert m.type == "flight_abroad"
    assert "exit_ban" in m.consequences
    assert (m.date.start, m.date.end) == (date(2022, 10, 3), date(2022, 10, 3))


def test_protest_with_approximate_count_and_detentions():
    m = only("On Saturday, about 200 people protested against mobilization in Yakutsk. Police detained 30 of them.", published="2022-09-26")
    assert m.type == "protest"
    assert (m.count.min, m.count.max) == (200, 200)
    assert "detention" in m.consequences
    assert m.location is not None and m.location.name == "Yakutsk"
    assert (m.date.start, m.date.end) == (date(2022, 9, 24), date(2022, 9, 24))


def test_arson_of_a_draft_office():
    m = only("Early on Friday, a man threw Molotov cocktails at the military enlistment office in Nizhny Novgorod.", published="2022-10-10")
    assert m.type == "violent_resistance"
    assert (m.date.start, m.date.end) == (date(2022, 10, 7), date(2022, 10, 7))


def test_count_is_the_sum_of_two_groups():
    text = "In April, soldiers of two battalions refused to go back to Ukraine: there were 40 soldiers in one battalion and about 60 in the other."
    m = only(text)
    assert m.type == "combat_refusal"
    assert (m.count.min, m.count.max) == (100, 100)


def test_more_than_is_a_lower_bound():
    m = only("More than 60 mobilized men from Chuvashia refused to take part in an assault, Vot Tak reported on Monday.")
    assert (m.count.min, m.count.max) == (60, None)
    assert m.actors == ["mobilized"]


def test_two_groups_in_one_paragraph_are_two_incidents():
    text = (
        "In March, 15 marines from Vladivostok refused to return to Ukraine. "
        "In April, 20 paratroopers from Pskov refused to obey orders to advance."
    )
    mentions = run(text).mentions
    assert len(mentions) == 2
    assert sorted(m.count.min for m in mentions) == [15, 20]


def test_one_incident_told_across_sentences_is_one_mention():
    text = (
        "Thirty soldiers from Kemerovo were sent to the Donetsk region in May. They refused to storm the enemy positions "
        "and returned to their base. The commander threatened them with criminal cases."
    )
    m = only(text, published="2023-06-10")
    assert (m.count.min, m.count.max) == (30, 30)
    assert "criminal_threat" in m.consequences
    assert any("Thirty soldiers" in e.quote for e in m.evidence if e.field == "incident")


def test_age_year_and_unit_number_are_not_counts():
    m = only("In 2023 a 24-year-old soldier of the 155th brigade was sentenced to five years for refusing to fight.", published="2023-12-01")
    assert (m.count.min, m.count.max) == (1, 1)
    assert {"criminal_case", "imprisonment"} <= set(m.consequences)


def test_sentencing_date_bounds_the_incident_from_above():
    m = only("A military court in Chita on May 4 sentenced a soldier to two years for refusing to fight.", published="2023-05-10")
    assert m.date.end == date(2023, 5, 4)
    assert m.date.start <= date(2022, 2, 24)


def test_headline_and_caption_lines_are_not_incidents():
    text = "Soldiers refuse to fight near Kursk\n\nPhoto of soldiers at a station in Kursk, August 2024\n\nThe weather was mild.\n"
    assert run(text, published="2024-08-20").mentions == []


def test_separate_rulings_give_one_incident_per_person():
    text = (
        "Two soldiers were sentenced to prison for refusing to fight. In separate rulings, the men, identified as "
        "Pyotr Sidorov and Ilya Kuznetsov, were found guilty of refusing orders."
    )
    mentions = run(text).mentions
    assert sorted(p for m in mentions for p in m.people) == ["Ilya Kuznetsov", "Pyotr Sidorov"]
    assert all((m.count.min, m.count.max) == (1, 1) for m in mentions)


def test_unknown_publication_date_is_inferred_from_the_text():
    result = run("In March 2023, 12 mobilized men from Kursk deserted their unit.", published=None)
    m = result.mentions[0]
    assert (m.date.start, m.date.end) == (date(2023, 3, 1), date(2023, 3, 31))
    assert m.date_inferred and result.note


def test_document_in_another_language_is_not_processed():
    result = extract(Document(id="de.txt", text="Soldaten verweigern den Dienst.", lang="de"))
    assert result.processed is False and "de" in result.note


def test_definite_noun_phrase_continues_the_incident_of_its_people():
    text = (
        "On Monday, police brought Oleg and two other young men to a draft office in Tula. "
        "They refused to sign the notices. The officers shouted at them for an hour. "
        "A lawyer later arrived. The station was closed at night. Nobody else came. "
        "The young men did not go to the enlistment office the next morning."
    )
    mentions = run(text, published="2022-10-12").mentions
    assert len(mentions) == 1


def test_in_addition_to_adds_people_to_the_incident_told_before():
    text = (
        "On May 2, Sergei and his comrades wrote a report saying that they would not serve at the front. "
        "His wife said the unit had no food. The commander did not answer. "
        "The men were moved to a camp. Their phones were taken away. "
        "According to his wife, in addition to Sergei, 14 men refused to take part in combat."
    )
    mentions = run(text, published="2023-05-20").mentions
    assert len(mentions) == 1
    assert mentions[0].count.min in {14, 15}


def test_a_witness_is_not_a_cited_source():
    m = only("According to Marina, her husband and 20 other mobilized men deserted their unit near Belgorod last week.")
    assert all("Marina" not in c for c in m.cited)


def test_hiding_to_avoid_a_summons_by_a_man_named_like_a_town():
    text = (
        "Vladimir, a 40-year-old father of three from Perm, said he had been hiding at a friend's dacha since "
        "October to avoid receiving a summons."
    )
    m = only(text, published="2022-12-01")
    assert m.type == "draft_evasion"
    assert (m.count.min, m.count.max) == (1, 1)
    assert m.origin is not None and m.origin.name == "Perm"
    assert (m.date.start, m.date.end) == (date(2022, 10, 1), date(2022, 12, 1))


def test_where_they_were_caught_is_not_where_they_deserted():
    text = (
        "A court in Krasnoyarsk on Friday sentenced contract soldier Denis Orlov to six years in prison for desertion. "
        "Orlov fled his unit in Zaporizhzhia region in 2023 and was detained in Krasnoyarsk a month later."
    )
    m = only(text, published="2024-05-05")
    assert m.type == "desertion" and m.actors == ["contract_soldiers"]
    assert m.location is not None and m.location.admin1 == "Zaporizhzhia Oblast"
    assert {"criminal_case", "imprisonment", "detention"} <= set(m.consequences)


def test_what_they_refused_did_not_happen_to_them():
    text = "At least 50 mobilized men from the Kursk region have been held in a basement since December after they refused to return to the front line."
    m = only(text, published="2023-01-15")
    assert (m.count.min, m.count.max) == (50, None)
    assert "forced_return" not in m.consequences and "detention" in m.consequences


def test_shooting_at_a_draft_office():
    m = only("A young man opened fire at a military enlistment office in Ust-Ilimsk on Monday, wounding the commissar.", published="2022-09-29")
    assert m.type == "violent_resistance" and m.actors == ["civilians"]
    assert m.location is not None and m.location.name == "Ust-Ilimsk"


def test_thousands_crossing_a_border_are_an_aggregate():
    result = run("Since the mobilization was announced, about 98,000 Russians have entered Georgia, the interior ministry said on Tuesday.", published="2022-10-04")
    assert result.mentions == []
    assert [a.type for a in result.aggregates] == ["flight_abroad"]


def test_a_protest_reported_through_its_detentions():
    text = "Police in Ufa detained more than 40 people on Saturday at a rally against the mobilization, OVD-Info said."
    m = only(text, published="2022-09-26")
    assert m.type == "protest" and "detention" in m.consequences
    assert (m.date.start, m.date.end) == (date(2022, 9, 24), date(2022, 9, 24))
    assert m.location is not None and m.location.name == "Ufa"


def test_mobilized_men_protesting_are_mobilized():
    text = "On Saturday, a group of about 100 mobilized men from Chuvashia gathered at their camp and demanded the payments they had been promised."
    m = only(text, published="2022-11-15")
    assert m.type == "protest" and m.actors == ["mobilized"]
    assert (m.count.min, m.count.max) == (100, 100)
    assert (m.date.start, m.date.end) == (date(2022, 11, 12), date(2022, 11, 12))


def test_a_conscript_crossing_into_another_country_deserts():
    text = "Border guards stopped a 22-year-old conscript from Pskov who tried to cross into Latvia on foot last week. He now faces charges of desertion."
    m = only(text, published="2023-02-28")
    assert m.type == "desertion" and m.actors == ["conscripts"]
    assert m.location is not None and m.location.country == "LV"
    assert m.origin is not None and m.origin.name == "Pskov"
    assert "criminal_threat" in m.consequences


def test_the_place_of_the_refused_assault_is_where_it_happened():
    # the place hangs on what they refused ("assaults near ..."), not on the refusal itself;
    # "refused to go to the front" would name no place of the incident
    text = "Six mobilized soldiers from Orenburg refused last week to go on further assaults near Kreminna, their relatives said."
    m = only(text, published="2023-04-20")
    assert m.type == "combat_refusal"
    assert m.location is not None and m.location.name == "Kreminna"
    assert m.origin is not None and m.origin.name == "Orenburg"


def test_the_date_of_the_report_is_not_the_date_of_the_act():
    # "reported on Wednesday" bounds the act from above; the act itself is undated news
    text = "A resident of Bratsk fired a hunting rifle at a car carrying enlistment office staff, the Telegram channel Mash reported on Wednesday."
    m = only(text, published="2022-10-13")
    assert m.type == "violent_resistance"
    assert (m.date.start, m.date.end) == (date(2022, 9, 28), date(2022, 10, 12))


def test_the_court_that_passed_the_verdict_is_cited():
    m = only("The Pskov Garrison Military Court sentenced a 24-year-old private to five years in a penal colony for deserting his unit in March.")
    assert m.type == "desertion" and m.cited == ["Pskov Garrison Military Court"]


def test_a_resident_fleeing_the_call_up_is_a_draftee_a_woman_a_civilian():
    m = only("A resident of Orenburg who had received a summons crossed the border into Kazakhstan on a bicycle on Wednesday.")
    assert m.type == "flight_abroad" and m.actors == ["draftees"]
    m = only("A woman from Orenburg crossed the border into Kazakhstan on Wednesday.")
    assert m.type == "flight_abroad" and m.actors == ["civilians"]


def test_the_service_status_said_in_another_sentence():
    text = "A soldier left his unit near Belgorod in May without permission and went home to Tambov. He had been mobilized in October 2022, his mother said."
    m = only(text)
    assert m.type == "desertion" and m.actors == ["mobilized"]


def test_the_war_s_assaults_and_wounds_are_not_violence_done_to_them():
    m = only("A contract soldier of an assault company, wounded near Bakhmut in May, left the hospital in Rostov without permission and went home.")
    assert m.type == "desertion" and "violence" not in m.consequences


@pytest.mark.parametrize(
    "text, who",
    [
        # the main clause is not the act: another clause names who acted
        ("A man threw a bottle of flammable liquid at the door of a district enlistment office late on Friday; the door was scorched.", "man"),
        # only people have an age
        ("A 31-year-old IT specialist refused to sign for a summons that the company's security chief tried to hand him.", "specialist"),
    ],
)
def test_a_sentence_the_model_reads_gets_its_participants(text, who):
    from otkaz.extract import get_language

    english = get_language("en")
    doc = next(iter(english.parse_many([text])))
    trig = english.sentence_trigger(doc, doc.sentences[0], "violent_resistance", 0.8)
    assert trig.subject_head is not None and trig.subject_head.text == who


def test_home_is_where_they_went_back_to_or_flew_from():
    m = only("A mobilized soldier left his unit's field camp in the Belgorod region without permission in October and took a bus home to Tambov.")
    assert m.type == "desertion" and m.origin is not None and m.origin.name == "Tambov"
    assert m.location is not None and m.location.admin1 == "Belgorod Oblast"
    m = only("Two brothers flew from Kazan to Istanbul on September 23, two days after they received summonses.")
    assert m.type == "flight_abroad" and m.origin is not None and m.origin.name == "Kazan"


def test_people_taken_away_by_police_were_detained():
    text = ("A woman stood with a sign against the mobilization outside the regional government in Perm on Sunday. "
            "After ten minutes two officers took her to a police station.")
    m = only(text, published="2023-03-14")
    assert m.type == "protest" and "detention" in m.consequences


def test_no_one_detained_is_no_detention():
    text = ("About thirty wives of mobilized men blocked a road in Yakutsk on Friday, demanding that their husbands be sent home. "
            "Police cleared the road after an hour; no one was detained.")
    m = only(text, published="2023-03-14")
    assert m.type == "protest" and "detention" not in m.consequences
