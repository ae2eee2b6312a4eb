"""The redaction step (otkaz.publish.redaction): who is named, in every form, one pseudonym per
person, public offices, cited sources as roles, and views kept in the store. Every text here
is written for these tests; the people are invented."""

from __future__ import annotations

import dataclasses
import re

import pytest

from otkaz.merge import attach_mention_keys
from otkaz.model import Count, Decision, Document, Evidence, ExtractionResult, Incident, IncidentMention, Report
from otkaz.pipeline import merge_all, redact_pending
from otkaz.publish.redaction import PRIVATE_SOURCE, DocumentView, PublicView, redact_free_text, views_for
from otkaz.store import Database

pytestmark = pytest.mark.slow  # the NER models


def view_of(text: str, lang: str = "en", recorded: tuple[str, ...] = (), **document: str) -> DocumentView:
    doc = Document("doc", text, lang=lang, **document)
    return views_for([doc], {"doc": recorded})["doc"]


def pseudonyms(text: str) -> list[str]:
    return re.findall(r"\[person \d+\]", text)


def test_every_form_of_a_name_is_one_pseudonym() -> None:
    view = view_of(
        "Private Oleg Varnavin, 29, left his unit in March. Varnavin's mother said OLEG VARNAVIN "
        "was exhausted, and Oleg had written to her twice."
    )
    assert "Varnavin" not in view.text and "VARNAVIN" not in view.text and "Oleg" not in view.text
    assert set(pseudonyms(view.text)) == {"[person 1]"}
    assert "[person 1]'s mother" in view.text  # a possessive stays readable


def test_russian_case_forms_and_the_latin_spelling_in_one_text() -> None:
    view = view_of(
        "Рядовой Олег Варнавин покинул часть. Мать Варнавина рассказала, что Олегу угрожали. "
        "Дело Варнавина передали в суд; английские издания пишут его фамилию как Varnavin.",
        lang="ru",
    )
    for form in ("Варнавин", "Олег", "Олегу", "Varnavin"):
        assert form not in view.text
    assert set(pseudonyms(view.text)) == {"[person 1]"}


def test_names_the_extractor_did_not_record_are_found_too() -> None:
    text = (
        "Soldiers in Kuzmin's company refused to advance. The garrison court sentenced Pavel Sorokin "
        "and Denis Lapin to two years each.\nZoya, the sister of a conscript from Tver, said the men "
        "had been sent back to the front."
    )
    view = view_of(text, recorded=("Pavel Sorokin",))
    for name in ("Kuzmin", "Sorokin", "Lapin", "Denis", "Zoya"):
        assert name not in view.text
    assert len(set(pseudonyms(view.text))) == 4


def test_a_misspelt_name_is_still_the_name() -> None:
    view = view_of("Aleksey Voronin was mobilized in October. Later Aleskey told his wife he would not go back.")
    assert "Aleskey" not in view.text and "Aleksey" not in view.text


def test_people_in_public_office_keep_their_names_in_that_document() -> None:
    view = view_of(
        "Defence Minister Sergei Shoigu said the call-up was over. Dmitry Peskov, the Kremlin spokesman, "
        "declined to comment. Ivan Belov, who had written to the president, was detained."
    )
    assert "Sergei Shoigu" in view.text and "Dmitry Peskov" in view.text
    assert "Belov" not in view.text  # "who wrote to the president" is no office
    elsewhere = view_of("Sergei Shoigu's nephew Ivan fled to Georgia in October.")
    assert "Shoigu" not in elsewhere.text  # no office written in this document: a private person here


def test_a_judge_in_a_ruling_stays_the_defendant_does_not() -> None:
    view = view_of(
        "Судья Анна Рябова приговорила Петра Кравцова к трём годам колонии. "
        "Губернатор области Игорь Смолин отказался комментировать решение суда.",
        lang="ru",
    )
    assert "Анна Рябова" in view.text and "Игорь Смолин" in view.text
    assert "Кравцов" not in view.text and "Петра" not in view.text


def test_cited_private_sources_are_shown_as_their_roles() -> None:
    view = view_of(
        '"He was beaten," said his wife Marina. Lawyer Oleg Gusev said the case was fabricated. '
        "A fellow soldier, Artem Kozlov, told Mediazona that the unit was starving. "
        "Kremlin spokesman Dmitry Peskov denied it. Nadia Orlova confirmed the account."
    )
    shown = [view.cited(v) for v in ("Marina", "Oleg Gusev", "Artem Kozlov", "Mediazona", "Dmitry Peskov", "Orlova")]
    assert shown == ["a relative", "a lawyer", "a fellow soldier", "Mediazona", "Dmitry Peskov", PRIVATE_SOURCE]


def test_evidence_is_read_in_the_redacted_text() -> None:
    text = "On Monday Oleg Varnavin, a conscript, deserted. Police are looking for Varnavin."
    view = view_of(text)
    start = text.index("Oleg")
    quote = view.evidence(Evidence("people", "Oleg Varnavin", start, start + len("Oleg Varnavin")))
    assert quote.quote == "[person 1]" and view.text[quote.start : quote.end] == quote.quote
    whole = view.evidence(Evidence("incident", text, 0, len(text)))
    assert whole.quote == view.text and (whole.start, whole.end) == (0, len(view.text))


def test_free_text_and_web_addresses() -> None:
    view = view_of("Marina Petrova, a soldier's mother, said her son Ilya was held in a basement.")
    assert (
        redact_free_text("Called Marina Petrova and a Nikolai Zuev today", [view])
        == "Called [person 1] and a [person] today"
    )
    assert view.names_private("https://news.example/2023/marina-petrova-son")
    assert not view.names_private("https://news.example/2023/mothers-of-soldiers")


def incident_of(document: Document, people: list[str], cited: list[str] | None = None) -> Incident:
    start = 0
    mention = IncidentMention(
        document.id,
        "desertion",
        ["mobilized"],
        Count(1, 1),
        people=people,
        cited=cited or [],
        evidence=[Evidence("incident", document.text, start, len(document.text))],
    )
    return Incident(
        "inc-1",
        "desertion",
        ["mobilized"],
        Count(1, 1),
        None,
        None,
        None,
        [],
        cited or [],
        people,
        0.9,
        reports=[Report(document, mention)],
    )


def test_documents_are_shown_without_local_paths_or_addresses_that_spell_names() -> None:
    path = "/home/volunteer/inbox/ivan-petrov-deserted.txt"
    document = Document(
        path,
        "Ivan Petrov, a mobilized man from Perm, deserted.",
        path=path,
        lang="en",
        url="https://news.example/ivan-petrov-deserted",
    )
    view = PublicView.computed([incident_of(document, ["Ivan Petrov"])])
    ref = view.document_ref(document)
    assert ref["id"].startswith("doc-") and ref["path"] is None and ref["url"] is None
    assert ref["title"] == "news.example"  # no title: the web host, never the file path
    titled = Document("news-1", document.text, title="Deserter Ivan Petrov sought", outlet="Perm Daily", lang="en")
    assert PublicView.computed([incident_of(titled, ["Ivan Petrov"])]).title(titled) == "Deserter [person 1] sought"
    assert PublicView({}).title(titled) == "Perm Daily"  # no view yet: the outlet, never the raw title


def store_document(db: Database, doc_id: str, text: str, lang: str, people: list[str]) -> Document:
    document = Document(doc_id, text, url=f"https://outlet.example/{doc_id}", lang=lang, outlet="Test Outlet")
    db.add_document(document)
    mention = IncidentMention(
        doc_id,
        "desertion",
        ["mobilized"],
        Count(1, 1),
        people=people,
        evidence=[Evidence("incident", text, 0, len(text))],
    )
    db.save_extraction(ExtractionResult(doc_id, lang, True, [mention]), "test")
    return document


def test_one_person_one_pseudonym_across_scripts_documents_and_runs(db: Database) -> None:
    store_document(
        db, "en-1", "Gleb Mironenko, a contract soldier, fled his unit near Kursk.", "en", ["Gleb Mironenko"]
    )
    store_document(
        db, "ru-1", "Суд заочно арестовал Глеба Мироненко за самовольное оставление части.", "ru", ["Глеб Мироненко"]
    )
    store_document(db, "en-2", "Gleb, a conscript from Omsk, refused to sign the contract.", "en", ["Gleb"])
    merge_all(db)
    assert redact_pending(db) == 3
    views = PublicView.of_store(db)
    texts = {doc_id: views._views[doc_id].text for doc_id in ("en-1", "ru-1", "en-2")}
    [first] = set(pseudonyms(texts["en-1"]))
    assert set(pseudonyms(texts["ru-1"])) == {first}  # Latin and Cyrillic, any case form
    assert pseudonyms(texts["en-2"]) != [first]  # a given name alone is no identity across articles
    assert redact_pending(db) == 0  # nothing changed: nothing made again
    assert PublicView.of_store(db)._views["en-1"].text == texts["en-1"]


def test_only_the_documents_whose_names_changed_are_read_again(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The views to make again are found from the names alone: a run adding one document to a
    large store once read every stored text to find them."""
    store_document(db, "en-1", "Gleb Mironenko, a contract soldier, fled his unit near Kursk.", "en", ["Gleb Mironenko"])
    store_document(db, "en-2", "A conscript from Omsk, known as Zhora, refused to go.", "en", [])
    merge_all(db)
    assert redact_pending(db) == 2
    incident = next(i for i in db.incidents() if i.reports[0].document.id == "en-2")
    correction = Decision("correct", incident.id, "anna", payload={"people": ["Zhora Petrov"]})
    db.add_decision(attach_mention_keys(correction, db.get_incident))
    merge_all(db)
    expected: dict[str, set[str]] = {}
    for report in db.reports():
        expected.setdefault(report.document.id, set()).update(report.mention.people)
    for stored in db.incidents(include_rejected=True):
        for report in stored.reports:
            expected.setdefault(report.document.id, set()).update(stored.people)
    assert db.recorded_names() == expected == {"en-1": {"Gleb Mironenko"}, "en-2": {"Zhora Petrov"}}
    read: list[str] = []
    documents_by_id = db.documents_by_id
    monkeypatch.setattr(db, "documents_by_id", lambda ids: read.extend(ids) or documents_by_id(ids))
    monkeypatch.setattr(db, "documents", lambda: pytest.fail("every document read"))
    assert redact_pending(db) == 1 and read == ["en-2"]


def test_a_refresh_looks_only_at_the_documents_written_since(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10: finding the stale views once read the names and digests of every document with
    a mention (132 s on a store of 100,000 incidents, after every run and review decision). The
    writes mark what they change; a refresh reads the names of those documents alone."""
    store_document(db, "en-1", "Gleb Mironenko, a contract soldier, fled his unit near Kursk.", "en", ["Gleb Mironenko"])
    store_document(db, "en-2", "A conscript from Omsk, known as Zhora, refused to go.", "en", [])
    store_document(db, "en-3", "Mobilized men from Perm refused to fight, their wives said.", "en", [])
    merge_all(db)
    assert redact_pending(db) == 3
    asked: list[list[str] | None] = []  # the documents each read of names, digests or ids was of

    def recording(read, ids_of):  # noqa: ANN001, ANN202
        return lambda *args, **kwargs: asked.append(ids_of(*args, **kwargs)) or read(*args, **kwargs)

    def among(with_mentions=False, among=None):  # noqa: ANN001, ANN202
        return None if among is None else sorted(among)

    monkeypatch.setattr(db, "recorded_names", recording(db.recorded_names, lambda ids=None: ids and sorted(ids)))
    monkeypatch.setattr(db, "redaction_digests", recording(db.redaction_digests, lambda ids=None: ids and sorted(ids)))
    monkeypatch.setattr(db, "document_ids", recording(db.document_ids, among))
    assert redact_pending(db) == 0 and asked == []  # nothing written since: nothing read
    store_document(db, "en-4", "Denis Lapin, mobilized in Tula, deserted in May.", "en", ["Denis Lapin"])
    merge_all(db)
    assert redact_pending(db) == 1
    assert asked == [["en-4"]] * 3
    assert "Lapin" not in PublicView.of_store(db)._views["en-4"].text


def test_new_redaction_rules_make_every_view_again(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from otkaz.publish import redaction

    store_document(db, "en-1", "Gleb Mironenko, a contract soldier, fled his unit near Kursk.", "en", ["Gleb Mironenko"])
    store_document(db, "en-2", "A conscript from Omsk, known as Zhora, refused to go.", "en", [])
    merge_all(db)
    assert redact_pending(db) == 2
    assert redact_pending(db) == 0
    monkeypatch.setattr(redaction, "REDACTION_VERSION", "next")
    assert redact_pending(db) == 2
    assert redact_pending(db) == 0


def test_a_view_is_made_again_when_its_names_change_and_withheld_until_then(db: Database) -> None:
    document = store_document(db, "en-1", "A mobilized man from Omsk, known as Zhora, fled.", "en", [])
    merge_all(db)
    redact_pending(db)
    [incident] = db.incidents()
    incident.people = ["Zhorik Shmyrov"]  # an analyst's correction names someone the text does not spell
    view = PublicView.of_store(db)
    assert view.view(document, incident.people) is None  # not made with that name: no quotes
    assert view.evidence(incident, incident.reports[0]) == []
    # A new version of the article (same URL): its old view is gone.
    assert db.add_document(dataclasses.replace(document, text=document.text + " He is 30.")).replaced
    assert db.redactions(["en-1"]) == {}


def test_the_stored_entities_are_the_parsers_own() -> None:
    from otkaz.extract import get_language
    from otkaz.publish.redaction import find_entities

    documents = [
        Document("en", "Lawyer Oleg Gusev met Marina Petrova in Tver.", title="Gusev speaks", lang="en"),
        Document("ru", "Адвокат Олег Гусев встретился с Мариной Петровой в Твери.", lang="ru"),
    ]
    for document, found in zip(documents, find_entities(documents), strict=True):
        [parsed] = get_language(document.lang).parse_many([document.text])
        assert found.text.people == [(e.start, e.end) for e in parsed.entities if e.label == "PER"]
        assert found.lang == document.lang and (found.title is None) == (document.title is None)


def test_places_named_like_people_stay_places() -> None:
    view = view_of("Relatives of soldiers from the Vladimir region met in Kherson. Anna, a mother of two, spoke first.")
    assert "Vladimir region" in view.text and "Kherson" in view.text
    assert "Anna" not in view.text  # a given name that is also a town's is a person here
    russian = view_of("Мобилизованные и их семьи приехали в Алматы и Астану.", lang="ru")
    assert "Алматы" in russian.text and pseudonyms(russian.text) == []


def test_a_run_makes_views_from_the_extractors_parse(db: Database, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run once parsed every text that reports an incident twice, for the extractor and for
    its public view (a quarter of a firehose's time, issue 10): the view now reads the
    extractor's parse, and finds what parsing again finds."""
    import json

    from otkaz import pipeline
    from otkaz.publish import redaction

    articles = [
        {"id": "en-1", "lang": "en", "title": "Soldier Gleb Mironenko flees",
         "text": "Gleb Mironenko, a contract soldier, fled his unit near Kursk. His wife Alla said he was tired."},
        {"id": "ru-1", "lang": "ru", "title": "Дело Олега Варнавина",
         "text": "Суд заочно арестовал Олега Варнавина за самовольное оставление части. Его мать Анна молчит."},
        {"id": "ru-2", "lang": "ru",
         "text": "Мобилизованный Денис Лапин из Тулы отказался ехать на фронт."},
    ]
    path = tmp_path / "news.jsonl"
    path.write_text("".join(json.dumps(article, ensure_ascii=False) + "\n" for article in articles), encoding="utf-8")
    find_entities = redaction.find_entities
    parsed_again: list[str] = []
    monkeypatch.setattr(redaction, "find_entities",
                        lambda documents: parsed_again.extend(d.id for d in documents) or find_entities(documents))
    summary = pipeline.run(db, [str(path)], workers=1)
    assert summary.mentions >= 3 and parsed_again == []
    documents = db.documents_by_id(["en-1", "ru-1", "ru-2"])
    stored = db.redaction_entities([d.id for d in documents])
    assert [stored[d.id] for d in documents] == [entities.to_dict() for entities in find_entities(documents)]
    views = PublicView.of_store(db)._views
    assert set(views) == {"en-1", "ru-1", "ru-2"}
    assert not any(name in views[d].text + (views[d].title or "") for d in views
                   for name in ("Mironenko", "Alla", "Варнавин", "Анна", "Лапин"))
