"""Russian extraction on short reports written for these tests (not from any outlet).

Each test states one behaviour the codebook asks for in Russian text: a type, a count
form, a date form, a place in one of its case forms, a cited source, or a case that must
NOT become an incident. natasha's models load once per test session (the extractor keeps
its language modules); the module is marked slow.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from otkaz.extract import extract, extract_many
from otkaz.lang.ru import Russian, source_name
from otkaz.model import Document

pytestmark = pytest.mark.slow

SHARED = Path(__file__).resolve().parents[2] / "shared"
# a Wednesday: "в воскресенье" is 2023-04-16, "на прошлой неделе" 2023-04-10..16
PUBLISHED = "2023-04-19"


@pytest.fixture(scope="module")
def russian() -> Russian:
    return Russian()


def run(text: str, published: str | None = PUBLISHED):
    return extract(Document(id="t.txt", text=text, published=published, lang="ru"))


def only(text: str, published: str | None = PUBLISHED):
    result = run(text, published)
    assert len(result.mentions) == 1, [m.evidence[0].quote for m in result.mentions]
    return result.mentions[0]


# -- parsing --------------------------------------------------------------------------------


def test_parse_gives_document_indices_offsets_and_lemmas(russian):
    text = "Командир роты Алексей Иванов приказал наступать.\nСолдаты отказались воевать и вернулись домой."
    doc = next(russian.parse_many([text]))
    assert [s.text for s in doc.sentences] == text.split("\n")
    for tok in doc.tokens:
        assert text[tok.start : tok.end] == tok.text
        assert 0 <= tok.head < len(doc.tokens)
        assert tok.lemma == tok.lemma.lower()
    second = doc.sentences[1]
    refused = next(t for t in second.tokens if t.text == "отказались")
    fight = next(t for t in second.tokens if t.text == "воевать")
    assert refused.lemma == "отказаться" and fight.dep == "xcomp" and doc.head(fight) is refused
    assert doc.head(next(t for t in second.tokens if t.text == "Солдаты")) is refused
    assert "Tense=Past" in refused.morph


def test_a_line_break_ends_a_sentence_and_a_paragraph(russian):
    text = "Мобилизованные сбежали из части\nИх ищет военная полиция."
    doc = next(russian.parse_many([text]))
    assert len(doc.sentences) == 2
    assert doc.sentences[0].paragraph != doc.sentences[1].paragraph


def test_names_are_given_in_the_nominative_with_their_offsets(russian):
    text = "Суд приговорил старшего сержанта Алексея Новикова к трем годам колонии."
    doc = next(russian.parse_many([text]))
    person = next(e for e in doc.entities if e.label == "PER")
    assert person.text == "Алексей Новиков"
    assert text[person.start : person.end] == "Алексея Новикова"


def test_every_walk_up_the_tree_ends(russian):
    text = (
        "— Нам дали повестку 28 сентября. 29 сентября в 7 утра он был в военкомате, — рассказывает жена "
        "Алексея Анастасия. — А 3 октября муж уже оказался на передовой."
    )
    doc = next(russian.parse_many([text]))
    for tok in doc.tokens:
        assert len(list(doc.ancestors(tok))) < len(doc.tokens)


def test_participles_used_as_nouns_keep_their_lemma(russian):
    doc = next(russian.parse_many(["Около 40 мобилизованных отказались идти в атаку."]))
    assert any(t.lemma == "мобилизованный" for t in doc.tokens)


# -- evidence -------------------------------------------------------------------------------


def test_evidence_quotes_point_into_the_text():
    text = (
        "Мобилизованные из Тувы отказались воевать\n\n"
        "В конце марта около 40 мобилизованных из Тувы отказались идти в атаку под Белгородом, сообщает «Вёрстка».\n"
        "Их держат в подвале на территории воинской части.\n"
    )
    result = run(text)
    assert result.processed and result.lang == "ru"
    assert len(result.mentions) == 1
    for m in result.mentions:
        assert any(e.field == "incident" for e in m.evidence)
        for e in m.evidence:
            assert text[e.start : e.end] == e.quote


def test_another_language_is_stored_as_not_processed():
    result = extract(Document(id="d.txt", text="Soldaten verweigerten den Befehl.", lang="de"))
    assert not result.processed and result.mentions == []
    assert "de" in result.note


# -- types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Двенадцать мобилизованных из Курской области отказались ехать на передовую.", "combat_refusal"),
        ("Около 80 контрактников написали рапорты об отказе участвовать в боевых действиях.", "combat_refusal"),
        ("Сотни резервистов отказались возвращаться в зону СВО.", "combat_refusal"),
        ("Военнослужащий из Бурятии самовольно оставил воинскую часть.", "desertion"),
        ("Шестеро срочников сбежали из воинской части под Белгородом.", "desertion"),
        ("Военнослужащий не вернулся в часть из отпуска.", "desertion"),
        ("Солдат дезертировал с позиций под Бахмутом.", "desertion"),
        ("Более 60 резервистов подали рапорты о расторжении контракта.", "discharge_attempt"),
        ("Житель Самары отказался получать повестку и потребовал направить его на альтернативную гражданскую службу.", "draft_refusal"),
        ("Мужчина из Твери не явился в военкомат по повестке и скрывается от мобилизации.", "draft_evasion"),
        ("Двое жителей Петербурга были задержаны на границе с Грузией.", "flight_abroad"),
        ("Житель Новосибирска уехал в Казахстан, чтобы избежать мобилизации.", "flight_abroad"),
        ("В Махачкале прошел митинг против мобилизации.", "protest"),
        ("Жители села перекрыли трассу в знак протеста против мобилизации.", "protest"),
        ("Неизвестный поджег здание военкомата в Нижневартовске.", "violent_resistance"),
        ("Ночью мужчина бросил бутылку с зажигательной смесью в здание военкомата в Рязани.", "violent_resistance"),
        ("Мужчина напал на военкома с ножом прямо в военкомате.", "violent_resistance"),
        ("Военнослужащий попросил уволить его из армии.", "discharge_attempt"),
        ("Двое призывников из Уфы сбежали из военкомата.", "draft_evasion"),
        ("Житель Тулы заявил об отказе от повестки.", "draft_refusal"),
        ("Суд оштрафовал жителя Омска за уклонение от мобилизации.", "draft_evasion"),
        ("Рядового Ивана Котова осудили за самоволку.", "desertion"),
        ("Несколько десятков женщин вышли на площадь в Якутске с плакатами против мобилизации.", "protest"),
        ("Пенсионерка вышла с плакатом «Нет войне» к зданию администрации.", "protest"),
        ("За одиночный пикет против войны задержали жительницу Москвы.", "protest"),
        ("Мужчина не открыл дверь сотрудникам военкомата, пришедшим вручить повестку.", "draft_evasion"),
        ("Житель Перми уехал из города, чтобы не получить повестку.", "draft_evasion"),
        ("Жены мобилизованных развернули у мэрии плакат с требованием вернуть мужей домой.", "protest"),
        ("Подросток пытался подорвать военкомат самодельной бомбой.", "violent_resistance"),
    ],
)
def test_each_type(text, kind):
    assert only(text).type == kind


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Гарнизонный суд приговорил контрактника Ивана Сидорова к пяти годам колонии по статье 337 УК РФ.", "desertion"),
        ("Суд вынес приговор рядовому Петру Орлову по ч. 3 ст. 338 УК РФ.", "desertion"),
        ("Военный суд в Чите осудил сержанта Олега Зуева по ч. 2 ст. 332 УК.", "combat_refusal"),
        ("Суд в Казани оштрафовал местного жителя Артема Лисина по статье 328 УК РФ.", "draft_evasion"),
    ],
)
def test_court_cases_by_article_of_the_criminal_code(text, kind):
    m = only(text)
    assert m.type == kind
    assert m.count.min == 1


def test_a_participle_names_the_participant():
    m = only("Сбежавшего из части контрактника задержали в Твери.")
    assert m.type == "desertion" and m.actors == ["contract_soldiers"]
    assert "detention" in m.consequences


def test_a_sentence_is_a_consequence_of_the_act():
    m = only("Гарнизонный суд приговорил контрактника Ивана Сидорова к пяти годам колонии за самовольное оставление части.")
    assert m.type == "desertion"
    assert {"criminal_case", "imprisonment"} <= set(m.consequences)
    assert m.people == ["Иван Сидоров"]
    assert m.actors == ["contract_soldiers"]


def test_a_pronoun_continues_the_incident_of_the_sentence_before():
    m = only("Шестеро мобилизованных сбежали из эшелона в Воронежской области. Они самовольно покинули поезд ночью.")
    assert m.type == "desertion"
    assert (m.count.min, m.count.max) == (6, 6)
    assert len([e for e in m.evidence if e.field == "incident"]) == 2


def test_a_later_retelling_far_from_the_incident_is_not_a_second_incident():
    result = run(
        "Мобилизованные из Кургана отказались идти в атаку под Сватово. Командир кричал и угрожал. "
        "Потом всех построили. Связь с родными пропала. Жены обратились к губернатору. Ответа нет. "
        "В ответ мобилизованные написали рапорты об отказе участвовать в боях."
    )
    assert [m.type for m in result.mentions] == ["combat_refusal"]


def test_a_request_is_no_consequence_yet():
    m = only("Военнослужащий попросил уволить его из армии.")
    assert "dismissal" not in m.consequences


def test_two_groups_are_two_incidents():
    result = run(
        "Шестеро мобилизованных из Тувы сбежали из части под Белгородом. "
        "Еще двенадцать контрактников из Бурятии отказались ехать на передовую."
    )
    assert sorted(m.type for m in result.mentions) == ["combat_refusal", "desertion"]


# -- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("Двенадцать мобилизованных отказались ехать на передовую.", 12, 12),
        ("Около 80 мобилизованных отказались ехать на передовую.", 80, 80),
        ("Более 60 мобилизованных отказались ехать на передовую.", 60, None),
        ("Шестеро мобилизованных отказались ехать на передовую.", 6, 6),
        ("Десятки мобилизованных сбежали из эшелона.", 20, None),
        ("Сотни мобилизованных отказались ехать на передовую.", 200, None),
        ("Трое солдат сбежали из части.", 3, 3),
    ],
)
def test_count_forms(text, low, high):
    m = only(text)
    assert (m.count.min, m.count.max) == (low, high)


def test_a_counted_subject_in_an_oblique_case():
    m = only("В части под Курском двенадцати мобилизованным отказали в отпуске, после чего они отказались воевать.")
    assert (m.count.min, m.count.max) == (12, 12)


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when, start, end",
    [
        ("8 апреля", date(2023, 4, 8), date(2023, 4, 8)),
        ("в начале апреля", date(2023, 4, 1), date(2023, 4, 10)),
        ("в конце марта", date(2023, 3, 21), date(2023, 3, 31)),
        ("на прошлой неделе", date(2023, 4, 10), date(2023, 4, 16)),
        ("в воскресенье", date(2023, 4, 16), date(2023, 4, 16)),
    ],
)
def test_date_forms_resolved_against_publication(when, start, end):
    m = only(f"Шестеро мобилизованных {when} сбежали из воинской части.")
    assert (m.date.start, m.date.end) == (start, end)


def test_without_a_date_the_interval_runs_from_mobilization_to_publication():
    m = only("В городе прошёл дождь. Открылась новая школа. Житель Самары отказался получать повестку.")
    assert (m.date.start, m.date.end) == (date(2022, 9, 21), date(2023, 4, 19))


def test_an_undated_event_in_the_lead_is_the_fortnight_before_publication():
    m = only("Житель Самары отказался получать повестку.")
    assert (m.date.start, m.date.end) == (date(2023, 4, 5), date(2023, 4, 19))


# -- places in their case forms ---------------------------------------------------------------


def test_where_protesters_were_detained_is_where_they_protested():
    m = only("На митинге против мобилизации в Махачкале задержали более 100 человек.")
    assert m.type == "protest" and "detention" in m.consequences
    assert m.location is not None and m.location.name == "Makhachkala"


def test_place_in_the_prepositional_is_the_location():
    m = only("В Воронежской области сбежали шестеро мобилизованных.")
    assert m.location is not None and m.location.name == "Voronezh Oblast"
    assert m.location.lat is not None and m.location.country == "RU"


def test_place_in_the_genitive_after_iz_is_the_origin():
    m = only("Двенадцать мобилизованных из Челябинской области отказались ехать на передовую.")
    assert m.origin is not None and m.origin.name == "Chelyabinsk Oblast"


def test_place_in_the_instrumental_after_pod_is_the_location():
    m = only("Шестеро срочников сбежали из воинской части под Белгородом.")
    place = m.location or m.origin
    assert place is not None and place.name == "Belgorod"


def test_place_in_the_accusative_is_the_destination_abroad():
    m = only("Житель Новосибирска уехал в Казахстан.")
    assert m.type == "flight_abroad"
    assert m.origin is not None and m.origin.name == "Novosibirsk"


def test_a_city_adjective_names_the_origin():
    m = only("Двенадцать пермских мобилизованных отказались ехать на передовую.")
    assert m.origin is not None and m.origin.admin1 == "Perm Krai"


# -- sources --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, source",
    [
        ("Шестеро мобилизованных сбежали из части, сообщает «Медиазона».", "Медиазона"),
        ("По данным «Верстки», шестеро мобилизованных сбежали из части.", "Верстка"),
        ("Как пишет «Новая газета», шестеро мобилизованных сбежали из части.", "Новая газета"),
        ("Шестеро мобилизованных сбежали из части, передает ТАСС.", "ТАСС"),
        ("Шестеро мобилизованных сбежали из части, сообщает Telegram-канал SOTA со ссылкой на родственников.", "SOTA"),
        ("Шестеро мобилизованных сбежали из части.\nИсточник: Сибирь.Реалии", "Сибирь.Реалии"),
        ("В пресс-службе Псковского гарнизонного военного суда рассказали, что рядовой не вернулся в часть из отпуска и полгода жил у родственников.",
         "Псковский гарнизонный военный суд"),
        ("Псковский гарнизонный военный суд приговорил к пяти годам колонии рядового, который не вернулся в часть из отпуска.",
         "Псковский гарнизонный военный суд"),
    ],
)
def test_cited_sources(text, source):
    assert source in only(text).cited


@pytest.mark.parametrize(
    "written, name",
    [
        ("«Верстки»", "Верстка"),
        ("Медиазоне", "Медиазона"),
        ("«Новой газеты»", "Новая газета"),
        ("Южно-Сахалинском военном гарнизонном суде", "Южно-Сахалинский военный гарнизонный суд"),
        ("ТК \"База", "База"),
        ("The Insider", "The Insider"),
        ("ОВД-Инфо", "ОВД-Инфо"),
    ],
)
def test_source_names_are_given_in_the_nominative(written, name):
    assert source_name(written) == name


# -- not incidents ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Представитель Минобороны отказался от комментариев.",
        "Я бы отказался воевать, сказал он.",
        "Если мобилизованные откажутся воевать, их будут судить.",
        "Солдат не отказался выполнить приказ командира.",
        "Власти Казахстана отказались выдавать беглецов.",
        "Депутат предложил лишать отказников гражданства.",
        "Эксперты считают, что уклонение от призыва станет массовым.",
        "Он не хочет уезжать из России и не собирается скрываться от мобилизации.",
        "Военнослужащие ВСУ самовольно оставили позиции под Бахмутом.",
        "Российские войска покинули позиции под Херсоном.",
        "Статья 337 УК предусматривает до десяти лет лишения свободы.",
        "Семья уехала в Турцию в отпуск.",
        "Командир отказался отпустить солдат домой.",
        "В Белгороде прошла акция в поддержку СВО.",
        "Я не открою дверь, если придут из военкомата.",
        "Мобилизованный уехал в Екатеринбург, чтобы навестить семью.",
        "Число дел о дезертирстве выросло в пять раз.",
        "В Госдуме предложили ужесточить наказание за дезертирство.",
        "Участники акции держали плакаты против вырубки сквера.",
    ],
)
def test_not_an_incident(text):
    result = run(text)
    assert result.mentions == [], [m.evidence[0].quote for m in result.mentions]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Десятки тысяч россиян уехали за границу после объявления мобилизации.", "flight_abroad"),
        ("Многие военнослужащие отказываются воевать.", "combat_refusal"),
    ],
)
def test_aggregates_are_recorded_apart(text, kind):
    result = run(text)
    assert result.mentions == []
    assert [a.type for a in result.aggregates] == [kind]


@pytest.mark.parametrize("text", ["", "   \n\n", "...", "«»"])
def test_texts_without_words_give_nothing(text):
    result = run(text)
    assert result.processed and result.mentions == [] and result.aggregates == []


def test_a_batch_keeps_the_input_order():
    texts = ["Солдат дезертировал с позиций.", "Представитель Минобороны отказался от комментариев.", "В Махачкале прошел митинг против мобилизации."]
    results = list(extract_many(Document(id=str(i), text=t, published=PUBLISHED, lang="ru") for i, t in enumerate(texts)))
    assert [r.document_id for r in results] == ["0", "1", "2"]
    assert [[m.type for m in r.mentions] for r in results] == [["desertion"], [], ["protest"]]


# -- the development set ----------------------------------------------------------------------


def test_a_class_of_people_named_by_a_participle_is_not_an_incident():
    result = extract(Document(id="r.txt", text="Власти заявили, что не будут выдавать граждан, уклоняющихся от мобилизации.", published="2022-10-04", lang="ru"))
    assert result.mentions == []


def test_people_from_a_region_refusing_near_a_town():
    m = only("Десятки мобилизованных из Ростовской области отказались идти в штурм под Авдеевкой, рассказали их жены изданию «Вёрстка».")
    assert m.type == "combat_refusal" and m.actors == ["mobilized"]
    assert (m.count.min, m.count.max) == (20, None)
    assert m.origin is not None and m.origin.admin1 == "Rostov Oblast"
    assert m.location is not None and m.location.name == "Avdiivka"
    assert "Вёрстка" in m.cited


def test_natasha_parses_with_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # natasha's models multiply small matrices: with OpenBLAS's threads parsing took 8 times
    # longer on 2 cores (issue 10's firehose), with the same results. Before: as many threads
    # as cores.
    from threadpoolctl import threadpool_info

    from otkaz.lang.ru import load_russian

    models = load_russian()
    import scipy.linalg  # noqa: F401  (SciPy's own OpenBLAS, loaded after natasha, as training does)
    seen: list[int] = []
    original = type(models.syntax).map

    def watched(self, items):
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return original(self, items)

    monkeypatch.setattr(type(models.syntax), "map", watched)
    result = run("Мобилизованный из Тулы отказался ехать на фронт.")
    assert result.mentions and seen and set(seen) == {1}


def test_the_place_of_the_refused_assault_is_where_it_happened():
    # the place hangs on the refused act ("штурмовать позиции под ..."), not on the refusal
    m = only("Пятеро мобилизованных из Оренбурга на прошлой неделе отказались идти на штурм позиций под Кременной, рассказали их родственники.")
    assert m.type == "combat_refusal"
    assert m.location is not None and m.location.name == "Kreminna"


def test_a_resident_fleeing_the_call_up_is_a_draftee():
    m = only("Житель Оренбурга, получивший повестку, в среду пересёк границу с Казахстаном на велосипеде.")
    assert m.type == "flight_abroad" and m.actors == ["draftees"]


def test_the_service_status_said_in_another_sentence():
    text = "Военнослужащий в мае самовольно покинул часть под Белгородом и уехал домой в Тамбов. По словам его матери, его мобилизовали в октябре 2022 года."
    m = only(text)
    assert m.type == "desertion" and m.actors == ["mobilized"]


def test_detentions_told_after_a_demand_are_a_fact():
    # "потребовала разойтись, а потом начала задержания": the detentions are a predicate of their
    # own, not under the demand; told two sentences after the protest, they are its consequence
    text = ("В воскресенье в центре Якутска прошла акция против мобилизации. Участницы встали в круг и скандировали "
            "«Верните наших мужчин!». Полиция потребовала разойтись, а потом начала задержания.")
    m = only(text)
    assert m.type == "protest" and "detention" in m.consequences


def test_home_is_where_they_went_back_to():
    m = only("Мобилизованный в октябре самовольно покинул полевой лагерь в Белгородской области и уехал на автобусе домой в Тамбов.")
    assert m.type == "desertion" and m.origin is not None and m.origin.name == "Tambov"
    assert m.location is not None and m.location.admin1 == "Belgorod Oblast"


def test_until_he_was_detained_is_a_detention():
    # "пока ... не": the negation says when it ended, not that it did not happen
    m = only("Мобилизованный из Бийска ушёл из части под Луганском и жил у матери, пока его не задержала комендатура.")
    assert m.type == "desertion" and "detention" in m.consequences


def test_people_taken_to_the_police_were_detained():
    m = only("В субботу в Перми женщина вышла к зданию правительства края с плакатом против мобилизации. "
             "Через десять минут её доставили в отдел полиции.")
    assert m.type == "protest" and "detention" in m.consequences


def test_a_case_opened_is_a_criminal_case():
    m = only("Двое контрактников из Омска не вернулись в часть после отпуска. На них завели дело по статье о самовольном оставлении части.")
    assert m.type == "desertion" and "criminal_case" in m.consequences
