"""A small, realistic store for the web tests and the screenshots: invented articles in
English and Russian, their incident mentions with evidence, and incidents built from them.

Everything here is written for the tests (no real article, no real person). Evidence
offsets are found in the texts, so ``text[start:end] == quote`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from otkaz.merge import attach_mention_keys, merge
from otkaz.model import (
    Count,
    DateRange,
    Decision,
    Document,
    Evidence,
    ExtractionResult,
    Incident,
    IncidentMention,
    Place,
)
from otkaz.pipeline import redact_pending
from otkaz.publish.redaction import find_entities
from otkaz.store import Database

EXTRACTOR = "seed-1"


def city(name: str, lat: float, lon: float, admin1: str, country: str = "RU") -> Place:
    return Place(name, lat, lon, admin1, country, "city", key=f"seed:{country}:{name}")


BELGOROD = city("Belgorod", 50.5997, 36.5983, "Belgorod Oblast")
KURSK = city("Kursk", 51.7373, 36.1874, "Kursk Oblast")
PSKOV = city("Pskov", 57.8136, 28.3496, "Pskov Oblast")
KAZAN = city("Kazan", 55.7887, 49.1221, "Tatarstan")
MAKHACHKALA = city("Makhachkala", 42.9849, 47.5047, "Dagestan")
VERKHNY_LARS = city("Verkhny Lars", 42.7470, 44.6260, "North Ossetia")
ULAN_UDE = city("Ulan-Ude", 51.8335, 107.5841, "Buryatia")
NOVOSIBIRSK = city("Novosibirsk", 55.0415, 82.9346, "Novosibirsk Oblast")
ST_PETERSBURG = city("Saint Petersburg", 59.9386, 30.3141, "Saint Petersburg")
YEKATERINBURG = city("Yekaterinburg", 56.8519, 60.6122, "Sverdlovsk Oblast")
ASTANA = city("Astana", 51.1801, 71.4460, "Astana", "KZ")
DONETSK = city("Donetsk", 48.0159, 37.8028, "Donetsk Oblast", "UA")
NIZHNY = city("Nizhny Novgorod", 56.3269, 44.0059, "Nizhny Novgorod Oblast")


@dataclass
class Seeded:
    """One invented incident as its article reports it; quotes map evidence fields to phrases."""

    type: str
    quotes: dict[str, list[str]]
    actors: list[str]
    count: Count = field(default_factory=Count)
    location: Place | None = None
    origin: Place | None = None
    dates: tuple[date, date] | None = None
    consequences: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    confidence: float = 0.7


@dataclass
class Article:
    id: str
    title: str
    outlet: str
    published: str
    lang: str
    text: str
    incidents: list[Seeded]
    url: str | None = None


XSS = "seed/en-donetsk-xss.html"  # the article whose text carries markup payloads
XSS_TITLE = 'Soldiers refuse <script>alert("title")</script> orders'
XSS_TEXT = (
    "A <script>window.pwned = 1; alert('xss')</script> report said 5 contract soldiers refused "
    'to go back to the front near Donetsk. <img src=x onerror="window.pwned = 2"> '
    "Their commander threatened them with a criminal case."
)

ARTICLES = [
    Article(
        "seed/en-belgorod.txt",
        "Mobilized men from Belgorod refuse to return to the front",
        "Volga Courier",
        "2022-10-14",
        "en",
        "Twenty-three mobilized men from Belgorod have refused to return to the front, their relatives told "
        "the Volga Courier on Thursday. The men were sent back to a training ground near Belgorod and told "
        "to write explanations. One of them, Artyom Belkin, said they had been promised rotation after two "
        "weeks. Military prosecutors opened a criminal case for refusing to obey orders.",
        [
            Seeded(
                "combat_refusal",
                {
                    "incident": ["Twenty-three mobilized men from Belgorod have refused to return to the front"],
                    "count": ["Twenty-three"],
                    "actors": ["mobilized men"],
                    "location": ["Belgorod"],
                    "consequences": ["Military prosecutors opened a criminal case"],
                    "people": ["Artyom Belkin"],
                    "cited": ["their relatives told the Volga Courier"],
                },
                ["mobilized"],
                Count(23, 23),
                BELGOROD,
                BELGOROD,
                (date(2022, 10, 9), date(2022, 10, 13)),
                ["criminal_case"],
                ["relatives"],
                ["Artyom Belkin"],
                0.86,
            )
        ],
        url="https://volga-courier.example/2022/10/belgorod-refusal",
    ),
    Article(
        "seed/ru-belgorod.txt",
        "Мобилизованные из Белгорода отказались возвращаться на фронт",
        "Северный вестник",
        "2022-10-15",
        "ru",
        "Около двадцати мобилизованных из Белгорода отказались возвращаться на фронт, сообщили их родственники. "
        "По словам жены одного из них, Артёма Белкина, мужчин держат на полигоне под Белгородом. "
        "Военная прокуратура возбудила уголовное дело.",
        [
            Seeded(
                "combat_refusal",
                {
                    "incident": ["Около двадцати мобилизованных из Белгорода отказались возвращаться на фронт"],
                    "count": ["Около двадцати"],
                    "location": ["Белгородом"],
                    "consequences": ["Военная прокуратура возбудила уголовное дело"],
                    "people": ["Артёма Белкина"],
                },
                ["mobilized"],
                Count(20, 20),
                BELGOROD,
                BELGOROD,
                (date(2022, 10, 8), date(2022, 10, 15)),
                ["criminal_case"],
                ["relatives"],
                ["Артём Белкин"],
                0.74,
            )
        ],
    ),
    Article(
        "seed/en-lars.txt",
        "Queues of cars at the Georgian border after mobilization order",
        "Caucasus Monitor",
        "2022-09-26",
        "en",
        "Thousands of men have tried to leave Russia since the mobilization order. On Sunday about 400 men "
        "were turned back at the Verkhny Lars checkpoint on the border with Georgia, border guards said. "
        "Some were handed draft notices on the spot.",
        [
            Seeded(
                "flight_abroad",
                {
                    "incident": ["about 400 men were turned back at the Verkhny Lars checkpoint"],
                    "count": ["about 400 men"],
                    "location": ["Verkhny Lars checkpoint"],
                    "date": ["On Sunday"],
                    "consequences": ["Some were handed draft notices on the spot"],
                    "cited": ["border guards said"],
                },
                ["draftees"],
                Count(400, 400),
                VERKHNY_LARS,
                None,
                (date(2022, 9, 25), date(2022, 9, 25)),
                ["reprisal_draft", "exit_ban"],
                ["border guards"],
                [],
                0.91,
            )
        ],
    ),
    Article(
        "seed/en-makhachkala.txt",
        "Protest against mobilization in Makhachkala",
        "Caucasus Monitor",
        "2022-09-25",
        "en",
        "Hundreds of people, most of them women, protested against mobilization in central Makhachkala on "
        "Sunday. Police detained at least 100 protesters, a rights group said.",
        [
            Seeded(
                "protest",
                {
                    "incident": ["Hundreds of people, most of them women, protested against mobilization in central Makhachkala"],
                    "date": ["on Sunday"],
                    "consequences": ["Police detained at least 100 protesters"],
                    "cited": ["a rights group said"],
                },
                ["civilians"],
                Count(200, None),
                MAKHACHKALA,
                None,
                (date(2022, 9, 25), date(2022, 9, 25)),
                ["detention"],
                ["rights group"],
                [],
                0.88,
            )
        ],
    ),
    Article(
        "seed/en-kazan.txt",
        "Draft office set on fire in Kazan",
        "Volga Courier",
        "2022-10-03",
        "en",
        "A man threw a Molotov cocktail at a draft office in Kazan overnight, local media reported. "
        "Nobody was hurt. Police detained a 19-year-old suspect, Timur Sadykov.",
        [
            Seeded(
                "violent_resistance",
                {
                    "incident": ["A man threw a Molotov cocktail at a draft office in Kazan overnight"],
                    "location": ["Kazan"],
                    "consequences": ["Police detained a 19-year-old suspect"],
                    "people": ["Timur Sadykov"],
                    "cited": ["local media reported"],
                },
                ["civilians"],
                Count(1, 1),
                KAZAN,
                None,
                (date(2022, 10, 2), date(2022, 10, 3)),
                ["detention", "criminal_case"],
                ["local media"],
                ["Timur Sadykov"],
                0.79,
            )
        ],
    ),
    Article(
        "seed/en-pskov.txt",
        "Paratroopers from Pskov file reports refusing to fight",
        "Northwest Post",
        "2023-02-08",
        "en",
        "At least 60 paratroopers of a Pskov division have filed written reports refusing to take part in "
        "combat, the Northwest Post learned. The soldiers are held at a base in Belarus. Commanders "
        "threatened to send them to assault units.",
        [
            Seeded(
                "combat_refusal",
                {
                    "incident": ["At least 60 paratroopers of a Pskov division have filed written reports refusing to take part in combat"],
                    "count": ["At least 60"],
                    "origin": ["Pskov division"],
                    "consequences": ["Commanders threatened to send them to assault units"],
                },
                ["contract_soldiers"],
                Count(60, None),
                None,
                PSKOV,
                (date(2023, 1, 25), date(2023, 2, 8)),
                ["pressure", "forced_return"],
                ["Northwest Post"],
                [],
                0.64,
            )
        ],
    ),
    Article(
        "seed/ru-ulan-ude.txt",
        "Жёны мобилизованных из Бурятии требуют вернуть мужей",
        "Байкал-Инфо",
        "2023-04-11",
        "ru",
        "Семеро мобилизованных из Улан-Удэ написали рапорты о расторжении контракта. Их жёны записали "
        "видеообращение. По словам Дарьи Намсараевой, командование отказалось принимать рапорты.",
        [
            Seeded(
                "discharge_attempt",
                {
                    "incident": ["Семеро мобилизованных из Улан-Удэ написали рапорты о расторжении контракта"],
                    "count": ["Семеро"],
                    "origin": ["Улан-Удэ"],
                    "people": ["Дарьи Намсараевой"],
                },
                ["mobilized"],
                Count(7, 7),
                None,
                ULAN_UDE,
                (date(2023, 4, 1), date(2023, 4, 11)),
                ["pressure"],
                [],
                ["Дарья Намсараева"],
                0.58,
            )
        ],
    ),
    Article(
        "seed/en-novosibirsk.txt",
        "Novosibirsk man fined for ignoring call-up",
        "Siberia Today",
        "2023-06-20",
        "en",
        "A court in Novosibirsk fined a man 30,000 roubles for failing to report to the draft office after "
        "he received a notice in May. The man said he had moved out of his registered address to avoid the call-up.",
        [
            Seeded(
                "draft_evasion",
                {
                    "incident": ["he had moved out of his registered address to avoid the call-up"],
                    "location": ["Novosibirsk"],
                    "consequences": ["fined a man 30,000 roubles"],
                },
                ["draftees"],
                Count(1, 1),
                NOVOSIBIRSK,
                None,
                (date(2023, 5, 1), date(2023, 5, 31)),
                ["fine"],
                [],
                [],
                0.52,
            )
        ],
    ),
    Article(
        "seed/en-spb.txt",
        "Conscientious objector asks for alternative service",
        "Northwest Post",
        "2023-09-05",
        "en",
        "A 24-year-old from Saint Petersburg refused to sign a draft notice at the enlistment office and "
        "demanded alternative civilian service, his lawyer said. Officials threatened him with prosecution.",
        [
            Seeded(
                "draft_refusal",
                {
                    "incident": ["refused to sign a draft notice at the enlistment office and demanded alternative civilian service"],
                    "location": ["Saint Petersburg"],
                    "consequences": ["Officials threatened him with prosecution"],
                    "cited": ["his lawyer said"],
                },
                ["draftees"],
                Count(1, 1),
                ST_PETERSBURG,
                None,
                (date(2023, 8, 29), date(2023, 9, 5)),
                ["criminal_threat"],
                ["lawyer"],
                [],
                0.81,
            )
        ],
    ),
    Article(
        XSS,
        XSS_TITLE,
        "Frontline Wire",
        "2023-11-02",
        "en",
        XSS_TEXT,
        [
            Seeded(
                "combat_refusal",
                {
                    "incident": ["5 contract soldiers refused to go back to the front near Donetsk"],
                    "count": ["5 contract soldiers"],
                    "consequences": ["threatened them with a criminal case"],
                },
                ["contract_soldiers"],
                Count(5, 5),
                DONETSK,
                None,
                (date(2023, 10, 26), date(2023, 11, 2)),
                ["criminal_threat"],
                [],
                [],
                0.45,
            )
        ],
    ),
    Article(
        "seed/en-kursk.txt",
        "Deserters detained near Kursk",
        "Frontline Wire",
        "2024-01-17",
        "en",
        "Military police detained three soldiers who had left their unit near Kursk without leave, the "
        "regional court's press service said. The men, including Pavel Gromov, face up to ten years in prison.",
        [
            Seeded(
                "desertion",
                {
                    "incident": ["three soldiers who had left their unit near Kursk without leave"],
                    "count": ["three soldiers"],
                    "consequences": ["face up to ten years in prison", "Military police detained"],
                    "people": ["Pavel Gromov"],
                    "cited": ["the regional court's press service said"],
                },
                ["servicemen_unspecified"],
                Count(3, 3),
                KURSK,
                None,
                (date(2024, 1, 3), date(2024, 1, 17)),
                ["detention", "criminal_case"],
                ["regional court"],
                ["Pavel Gromov"],
                0.77,
            )
        ],
    ),
    Article(
        "seed/ru-astana.txt",
        "Россияне, уехавшие от мобилизации, получают вид на жительство в Казахстане",
        "Степной обзор",
        "2022-10-20",
        "ru",
        "Более 150 россиян, бежавших от мобилизации, подали документы на вид на жительство в Астане за "
        "последнюю неделю, сообщила миграционная служба.",
        [
            Seeded(
                "flight_abroad",
                {
                    "incident": ["Более 150 россиян, бежавших от мобилизации, подали документы на вид на жительство в Астане"],
                    "count": ["Более 150"],
                    "location": ["Астане"],
                    "cited": ["сообщила миграционная служба"],
                },
                ["draftees"],
                Count(150, None),
                ASTANA,
                None,
                (date(2022, 10, 13), date(2022, 10, 20)),
                [],
                ["migration service"],
                [],
                0.69,
            )
        ],
    ),
    Article(
        "seed/en-yekaterinburg.txt",
        "Rosgvardia officers dismissed after refusing deployment",
        "Urals Daily",
        "2024-05-08",
        "en",
        "Eleven Rosgvardia officers from Yekaterinburg were dismissed after they refused to deploy to the "
        "occupied territories, a court ruling published this week shows.",
        [
            Seeded(
                "combat_refusal",
                {
                    "incident": ["Eleven Rosgvardia officers from Yekaterinburg were dismissed after they refused to deploy"],
                    "count": ["Eleven"],
                    "consequences": ["were dismissed"],
                },
                ["rosgvardia"],
                Count(11, 11),
                None,
                YEKATERINBURG,
                (date(2024, 1, 1), date(2024, 5, 8)),
                ["dismissal"],
                ["court ruling"],
                [],
                0.83,
            )
        ],
    ),
    Article(
        "seed/en-nizhny.txt",
        "Mobilized soldiers walk away from training camp",
        "Volga Courier",
        "2024-08-30",
        "en",
        "About 40 mobilized soldiers left a training camp near Nizhny Novgorod and went home, complaining "
        "about a lack of equipment. Some were later forcibly returned to their unit.",
        [
            Seeded(
                "desertion",
                {
                    "incident": ["About 40 mobilized soldiers left a training camp near Nizhny Novgorod and went home"],
                    "count": ["About 40"],
                    "consequences": ["Some were later forcibly returned to their unit"],
                },
                ["mobilized"],
                Count(40, 40),
                NIZHNY,
                None,
                (date(2024, 8, 20), date(2024, 8, 30)),
                ["forced_return"],
                [],
                [],
                0.72,
            )
        ],
    ),
]

# The English and Russian Belgorod reports tell of one incident: merging joins them.
MERGED_PAIR = ("seed/en-belgorod.txt", "seed/ru-belgorod.txt")
# Articles whose incidents an analyst ("seed") has confirmed: the public sees these.
CONFIRMED = (
    "seed/en-belgorod.txt",
    "seed/en-lars.txt",
    "seed/en-makhachkala.txt",
    "seed/en-kazan.txt",
    "seed/en-pskov.txt",
    "seed/en-spb.txt",
    "seed/en-kursk.txt",
    "seed/ru-astana.txt",
)


def _evidence(text: str, quotes: dict[str, list[str]]) -> list[Evidence]:
    found = []
    for name, phrases in quotes.items():
        for phrase in phrases:
            start = text.index(phrase)
            found.append(Evidence(name, phrase, start, start + len(phrase)))
    return found


def _mention(article: Article, seeded: Seeded) -> IncidentMention:
    return IncidentMention(
        document_id=article.id,
        type=seeded.type,
        actors=list(seeded.actors),
        count=seeded.count,
        location=seeded.location,
        origin=seeded.origin,
        date=DateRange(*seeded.dates) if seeded.dates else None,
        consequences=list(seeded.consequences),
        cited=list(seeded.cited),
        people=list(seeded.people),
        confidence=seeded.confidence,
        evidence=_evidence(article.text, seeded.quotes),
    )


def seed(
    db: Database,
    articles: list[Article] | None = None,
    confirmed: tuple[str, ...] = CONFIRMED,
) -> list[Incident]:
    """Stores the articles and their mentions, then the incidents ``otkaz.merge`` makes of them.

    ``confirmed``: the articles whose incidents get a "confirm" decision.
    """
    documents = []
    for article in articles or ARTICLES:
        document = Document(
            id=article.id,
            text=article.text,
            title=article.title,
            url=article.url,
            outlet=article.outlet,
            published=article.published,
            lang=article.lang,
        )
        db.add_document(document)
        documents.append(document)
        mentions = [_mention(article, s) for s in article.incidents]
        db.save_extraction(ExtractionResult(article.id, article.lang, True, mentions), EXTRACTOR)
    _store_parsed_entities(db, documents)
    for incident in merge(db.reports(), []):
        if incident.reports[0].document.id in confirmed:
            decision = Decision("confirm", incident.id, "seed")
            db.add_decision(attach_mention_keys(decision, {incident.id: incident}.get))
    db.replace_incidents(merge(db.reports(), db.decisions()))
    redact_pending(db)
    return db.incidents(include_rejected=True)


# What the NER finds in each seeded text, parsed once per test session (the parse is the slow part).
_PARSED: dict[tuple[str, str, str | None], dict] = {}


def _store_parsed_entities(db: Database, documents: list[Document]) -> None:
    """Stores the documents' NER entities with an empty view, so that ``redact_pending`` makes their
    views without parsing the same texts again for every test."""
    missing = [d for d in documents if (d.id, d.text, d.title) not in _PARSED]
    for document, entities in zip(missing, find_entities(missing), strict=True):
        _PARSED[(document.id, document.text, document.title)] = entities.to_dict()
    for document in documents:
        db.save_redaction(document, _PARSED[(document.id, document.text, document.title)], "", {})


def incident_of(db: Database, document_id: str) -> Incident:
    """The incident that a seeded article reports."""
    return next(i for i in db.incidents(include_rejected=True) if any(r.document.id == document_id for r in i.reports))
