"""The store's SQL queries (filter, sort, count, page, facets, totals, timeline) give what the
former in-Python path (tests/web_reference.py) gives, for each kind of reader, over many filter
combinations on a store of seeded synthetic incidents, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import product

import pytest
from sqlalchemy import update
from web_reference import counts_by, days, select_incidents, sort_incidents, totals

from otkaz.model import Count, DateRange, Document, Evidence, ExtractionResult, Incident, IncidentMention, Place, Report
from otkaz.publish.redaction import REDACTION_VERSION, PublicView
from otkaz.publish.stats import STATS_BY, incident_stats, stats_of_groups
from otkaz.store import Database, IncidentQuery
from otkaz.store.schema import documents
from otkaz.web.access import incident_queries
from otkaz.web.auth import Principal
from otkaz.web.queries import SORTS, IncidentFilter

TYPES = ["desertion", "refusal", "protest", "surrender"]
ACTORS = ["mobilized", "contract", "conscript", "officer"]
CONSEQUENCES = ["arrested", "sentenced", "killed", "fled_abroad"]
PLACES = [
    Place("Belgorod", 50.6, 36.6, "Belgorod Oblast", "RU", "city"),
    Place("Kursk", 51.7, 36.2, "Kursk Oblast", "RU", "city"),
    Place("Astana", None, None, "Astana", "KZ", "city"),
    Place("Georgia", 42.0, 43.5, None, "GE", "country"),
    Place("Somewhere", None, None, None, None, "unknown"),
]
WORDS = ["soldiers", "fled", "border", "Колонна", "отказались", "camp", "tribunal", "unit"]
NAMES = ["Ivan Belkin", "Petr Gromov", "Олег Белкин"]
OUTLETS = ["Wire", "Meduza", None, ""]
LANGS = ["en", "ru", None]
SINCE = "2026-06-01T00:00:00+00:00"


def build(db: Database, n_documents: int = 90, seed: int = 7) -> None:
    rng = random.Random(seed)
    docs, reports = [], []
    for d in range(n_documents):
        name = rng.choice(NAMES)
        words = rng.sample(WORDS, 3)
        text = f"Report {d}: {' '.join(words)}. {name} told us.  Second   line {rng.choice(WORDS).upper()}."
        doc = Document(
            id=f"doc-{d:03d}", text=text, title=rng.choice([None, f"Title {rng.choice(WORDS)}", name]),
            outlet=rng.choice(OUTLETS), lang=rng.choice(LANGS),
        )
        docs.append(doc)
        db.add_document(doc)
        mentions = []
        for m, kind in enumerate(rng.sample(TYPES, rng.choice([1, 1, 2]))):
            start = text.index(words[0])
            mentions.append(
                IncidentMention(
                    doc.id, kind, people=rng.choice([[], [name], [name, "Somebody Else"]]),
                    evidence=[Evidence("incident", words[0], start, start + len(words[0]))], confidence=0.5 + m / 10,
                )
            )
        db.save_extraction(ExtractionResult(doc.id, doc.lang, True, mentions), "test")
        reports += [Report(doc, mention) for mention in mentions]
    rng.shuffle(reports)
    incidents, n = [], 0
    while reports:
        taken = reports[: rng.choice([1, 1, 2, 3])]
        reports = reports[len(taken):]
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 700))
        dated = rng.random() > 0.15
        incidents.append(
            Incident(
                id=f"inc-{rng.randrange(10**6):06d}-{n}",
                type=rng.choice(TYPES),
                actors=rng.sample(ACTORS, rng.choice([0, 1, 2])),
                count=Count(*rng.choice([(None, None), (1, 1), (3, 5), (10, None), (0, 0)])),
                location=rng.choice([None, *PLACES]),
                origin=rng.choice([None, *PLACES]),
                date=DateRange(start, start + timedelta(days=rng.choice([0, 0, 3, 40]))) if dated else None,
                consequences=rng.sample(CONSEQUENCES, rng.choice([0, 1, 2])),
                cited=[],
                people=rng.choice([[], [], [rng.choice(NAMES)]]),
                confidence=rng.choice([0.3, 0.5, 0.5, 0.9]),
                reports=taken,
                status=rng.choice(["unreviewed", "confirmed", "confirmed", "rejected"]),
            )
        )
        n += 1
    db.replace_incidents(incidents)
    # Public views: current ones knowing every name, current ones missing some, old rules, none.
    names_of: dict[str, set[str]] = {}
    for incident in incidents:
        for report in incident.reports:
            names_of.setdefault(report.document.id, set()).update([*report.mention.people, *incident.people])
    for doc in docs:
        kind = rng.choice(["full", "full", "partial", "old", "none"])
        if kind == "none":
            continue
        recorded = sorted(names_of.get(doc.id, set()))
        if kind == "partial" and recorded:
            recorded = recorded[1:]
        redacted, title = doc.text, doc.title
        for name in NAMES:
            redacted = redacted.replace(name, "[person 1]")
            title = title.replace(name, "[person 1]") if title else None
        view = {
            "version": REDACTION_VERSION if kind != "old" else "old", "text": redacted, "title": title,
            "replacements": [], "persons": [], "recorded": recorded,
        }
        db.save_redaction(doc, {}, "digest", view)
    # Arrival times: half the documents arrived after SINCE.
    with db._engine.begin() as conn:
        for doc in docs:
            stamp = "2026-07-01T00:00:00+00:00" if rng.random() < 0.5 else "2026-01-01T00:00:00+00:00"
            conn.execute(update(documents).where(documents.c.id == doc.id).values(ingested_at=stamp))


PRINCIPALS = {
    "public": Principal(None, "public"),
    "viewer": Principal("vera", "viewer"),
    "analyst": Principal("anna", "analyst"),
}


def reference(db: Database, principal: Principal, flt: IncidentFilter) -> tuple[list[Incident], list[Incident]]:
    """The former access.filtered_incidents: (visible, chosen)."""
    if not principal.can("see_unpublished"):
        flt = IncidentFilter(**{**vars(flt), "statuses": []})
        base = [i for i in db.incidents() if i.status == "confirmed"]
    else:
        base = db.incidents(include_rejected="rejected" in flt.statuses)
    view = None if principal.can("see_names") else PublicView.of_store(db)
    chosen = select_incidents(
        base, flt, published_only=not principal.can("see_unpublished"),
        search_text=view.search_text if view is not None and flt.q else None,
    )
    if flt.since:
        arrived = db.arrivals_since(flt.since)
        chosen = [i for i in chosen if i.id in arrived]
    return base, chosen


FILTERS = [
    IncidentFilter(),
    IncidentFilter(types=["desertion"]),
    IncidentFilter(types=["refusal", "protest"], statuses=["confirmed"]),
    IncidentFilter(statuses=["rejected"]),
    IncidentFilter(statuses=["unreviewed", "rejected"], actors=["officer"]),
    IncidentFilter(actors=["mobilized", "contract"], consequences=["arrested"]),
    IncidentFilter(countries=["RU"]),
    IncidentFilter(countries=["KZ", "GE"], regions=["Astana"]),
    IncidentFilter(regions=["Kursk Oblast"]),
    IncidentFilter(langs=["ru"]),
    IncidentFilter(outlets=["Wire", "Meduza"], langs=["en"]),
    IncidentFilter(date_from=date(2023, 6, 1)),
    IncidentFilter(date_to=date(2023, 12, 31)),
    IncidentFilter(date_from=date(2023, 3, 1), date_to=date(2023, 3, 31)),
    IncidentFilter(q="soldiers"),
    IncidentFilter(q="SOLDIERS  Fled"),
    IncidentFilter(q="belkin"),  # a name: hidden from the public and viewers where a current view covers it
    IncidentFilter(q="Белкин"),
    IncidentFilter(q="person"),  # in the public views only
    IncidentFilter(q="title"),
    IncidentFilter(q="колонна отказались"),
    IncidentFilter(q="line 5"),
    IncidentFilter(q="100%_"),
    IncidentFilter(since=SINCE),
    IncidentFilter(since=SINCE, types=["desertion", "surrender"], q="camp"),
    IncidentFilter(since="2027-01-01T00:00:00+00:00"),
]


@pytest.fixture
def store(db: Database) -> Database:
    build(db)
    return db


def test_sql_queries_agree_with_the_python_reference(store: Database) -> None:
    facets = ("type", "actor", "consequence", "country", "region", "lang", "outlet", "status")
    checked = 0
    for (role, principal), flt in product(PRINCIPALS.items(), FILTERS):
        base_query, query = incident_queries(principal, flt)
        base, chosen = reference(store, principal, flt)
        where = f"{role} {flt.query()}"
        assert store.count_incidents(query) == len(chosen), where
        for sort in SORTS:
            expected = [i.id for i in sort_incidents(chosen, sort)]
            assert [i.id for i in store.incident_page(query, sort)] == expected, (where, sort)
            page = store.incident_page(query, sort, 7, 9)
            assert [i.id for i in page] == expected[7:16], (where, sort)
            assert page == sort_incidents(chosen, sort)[7:16], (where, sort)  # the whole incidents, reports too
        assert store.incident_facets(base_query, facets) == {n: counts_by(base, n) for n in facets}, where
        assert store.incident_facets(query, facets) == {n: counts_by(chosen, n) for n in facets}, where
        assert store.incident_totals(query) == totals(chosen), where
        assert store.incident_days(query) == days(chosen), where
        assert [i.id for i in store.incident_points(query)] == [i.id for i in chosen], where
        for by in STATS_BY:  # /api/stats's groups: otkaz stats' counting, in SQL
            groups = stats_of_groups(by, store.incident_groups(query, by)).to_dict()
            assert groups == incident_stats(chosen, by).to_dict(), (where, by)
        checked += len(chosen)
    assert checked > 300  # the filters let enough through to compare


def test_a_hidden_name_is_not_found_by_the_public_search(store: Database) -> None:
    """Every incident the public finds by a name has it in a public view it may read (none here:
    every stored view replaces the names), so the search finds nothing by it."""
    for name in ("belkin", "gromov", "белкин"):
        for role in ("public", "viewer"):
            _, query = incident_queries(PRINCIPALS[role], IncidentFilter(q=name))
            assert store.count_incidents(query) == 0, (role, name)
        _, query = incident_queries(PRINCIPALS["analyst"], IncidentFilter(q=name))
        assert store.count_incidents(query) > 0


def test_review_order_is_least_confident_first(store: Database) -> None:
    unreviewed = [i for i in store.incidents() if i.status == "unreviewed"]
    expected = sorted(unreviewed, key=lambda i: (i.confidence, i.date is None, i.date.start if i.date else date.min, i.id))
    assert store.review_order() == [i.id for i in expected]
    assert [i.id for i in store.incidents_by_id([i.id for i in expected[:5]])] == [i.id for i in expected[:5]]


def test_results_are_computed_again_after_each_write(store: Database) -> None:
    """The store keeps query results while nothing they read changes: each write makes them anew."""
    analyst, public = PRINCIPALS["analyst"], PRINCIPALS["public"]
    everything = IncidentQuery(statuses=("unreviewed", "confirmed", "rejected"))
    before = store.count_incidents(everything)
    facets = store.incident_facets(everything, ["type"])
    kept = store.incidents(include_rejected=True)[: before // 2]
    store.replace_incidents(kept)
    assert store.count_incidents(everything) == len(kept)
    assert store.incident_facets(everything, ["type"]) != facets
    assert store.incident_totals(everything)["incidents"] == len(kept)
    # A new public view that names nobody makes its text searchable by the public.
    doc = kept[0].reports[0].document
    _, query = incident_queries(public, IncidentFilter(q="zebra-word"))
    assert store.count_incidents(query) == 0
    names = sorted({n for i in kept for r in i.reports if r.document.id == doc.id for n in [*r.mention.people, *i.people]})
    view = {"version": REDACTION_VERSION, "text": "zebra-word", "title": None, "replacements": [], "persons": [],
            "recorded": names}
    store.save_redaction(doc, {}, "digest", view)
    confirmed = [i for i in kept if i.status == "confirmed" and any(r.document.id == doc.id for r in i.reports)]
    assert store.count_incidents(query) == len(confirmed)
    _, analyst_query = incident_queries(analyst, IncidentFilter(q="zebra-word"))
    assert store.count_incidents(analyst_query) == 0  # analysts search the originals


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "acled", "geojson", "parquet"])
def test_exports_in_batches_equal_the_whole(store: Database, fmt: str) -> None:
    """What /export sends a batch at a time is what write_export writes of all the incidents at once."""
    import io
    import json

    import pyarrow.parquet as pq

    from otkaz.publish.exports import export_chunks, write_export

    def parsed(data: str | bytes) -> object:
        if fmt == "parquet":
            return pq.read_table(io.BytesIO(data)).to_pylist()
        return json.loads(data) if fmt == "geojson" else data

    for (role, principal), flt in product(PRINCIPALS.items(), FILTERS[:8]):
        _, query = incident_queries(principal, flt)
        names = principal.can("see_names")
        chosen = store.incident_page(query, "-date")
        out = io.BytesIO() if fmt == "parquet" else io.StringIO()
        view = None if names else PublicView.of_store(store, {r.document.id for i in chosen for r in i.reports})
        write_export(chosen, fmt, out, include_names=names, view=view)

        def view_of(batch: list[Incident]) -> PublicView:
            return PublicView.of_store(store, {r.document.id for i in batch for r in i.reports})

        chunks = list(export_chunks(store.incident_batches(query, "-date", size=4), fmt, names, view_of))
        sent = b"".join(chunks) if fmt == "parquet" else "".join(chunks)
        assert parsed(sent) == parsed(out.getvalue()), f"{role} {flt.query()}"
