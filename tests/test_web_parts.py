"""The web application's parts on their own: highlighting, filters, timeline, throttle, CSP."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("fastapi")

from starlette.datastructures import QueryParams  # noqa: E402

from otkaz.model import Count, DateRange, Document, Evidence, Incident, IncidentMention, Report  # noqa: E402
from otkaz.publish.redaction import views_for  # noqa: E402
from otkaz.web.app import content_security_policy, tile_origin  # noqa: E402
from otkaz.web.auth import LoginThrottle, Principal  # noqa: E402
from otkaz.web.pages import safe_next  # noqa: E402
from otkaz.web.present import format_count, format_dates, highlight, timeline_chart  # noqa: E402
from otkaz.web.queries import FilterError, IncidentFilter, choose_unit, timeline  # noqa: E402
from web_reference import days, matches  # noqa: E402


def span(text: str, field: str, phrase: str) -> Evidence:
    start = text.index(phrase)
    return Evidence(field, phrase, start, start + len(phrase))


def test_highlight_escapes_text_and_marks_overlapping_spans() -> None:
    text = "Ten <b>men</b> & Ivan Orlov fled."
    evidence = [span(text, "incident", "Ten <b>men</b> & Ivan Orlov fled"), span(text, "count", "Ten")]
    html = str(highlight(text, evidence, "r0-e"))
    assert "<b>" not in html and "&lt;b&gt;men&lt;/b&gt; &amp;" in html
    assert '<mark class="ev ev-count ev-incident" title="count, incident">Ten</mark>' in html
    assert html.count('class="anchor"') == 2 and 'id="r0-e-1"' in html


def test_highlight_skips_evidence_whose_offsets_do_not_hold_its_quote() -> None:
    text = "Short text."
    evidence = [Evidence("incident", "Short", 0, 5), Evidence("count", "other", 0, 5), Evidence("date", "x", 5, 99)]
    html = str(highlight(text, evidence, "r0-e"))
    assert html.count("<mark") == 1 and "ev-count" not in html and "ev-date" not in html


def test_highlight_of_the_public_view_marks_evidence_around_pseudonyms() -> None:
    document = Document("d", "Ivan Orlov refused. Orlov was detained.", lang="en")
    evidence = [span(document.text, "incident", "Ivan Orlov refused")]
    view = views_for([document], {"d": ["Ivan Orlov"]})["d"]
    html = str(highlight(view.text, [view.evidence(e) for e in evidence], "r0-e"))
    assert "Orlov" not in html and html.count("[person 1]") == 2
    assert '<mark class="ev ev-incident" title="incident">[person 1] refused</mark>' in html


def test_filter_reads_and_writes_its_url() -> None:
    params = QueryParams("type=desertion&type=protest&country=RU&from=2023-01-01&q=border+guards&status=confirmed")
    flt = IncidentFilter.from_params(params)
    assert flt.types == ["desertion", "protest"] and flt.date_from == date(2023, 1, 1)
    assert IncidentFilter.from_params(QueryParams(flt.query())) == flt
    assert flt.without("type", "protest").types == ["desertion"]
    assert flt.without("q").q == "" and flt.q == "border guards"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=31.12.2023", "from='31.12.2023': not a date"),
        ("from=2024-02-01&to=2024-01-01", "before from="),
        ("status=pending", "status='pending'"),
    ],
)
def test_filter_refuses_bad_parameters(query: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        IncidentFilter.from_params(QueryParams(query))


def incident(start: date, end: date, people: int | None, text: str = "Men fled.", status: str = "unreviewed") -> Incident:
    document = Document(id=f"d{start}", text=text, lang="en", outlet="Wire")
    mention = IncidentMention(document.id, "desertion")
    return Incident(
        id=f"inc-{start}", type="desertion", actors=[], count=Count(people, people), location=None, origin=None,
        date=DateRange(start, end), consequences=[], cited=[], people=[], confidence=0.5,
        reports=[Report(document, mention)], status=status,
    )


def test_filter_matches_dates_by_overlap_and_text_by_all_words() -> None:
    spanning = incident(date(2023, 1, 20), date(2023, 2, 10), 3, text="Three soldiers fled the camp.")
    assert matches(IncidentFilter(date_from=date(2023, 2, 1)), spanning)
    assert not matches(IncidentFilter(date_to=date(2023, 1, 19)), spanning)
    assert matches(IncidentFilter(q="SOLDIERS  camp"), spanning)
    assert not matches(IncidentFilter(q="soldiers border"), spanning)
    assert matches(IncidentFilter(outlets=["Wire"], langs=["en"]), spanning)


def test_timeline_fills_gaps_and_sums_people() -> None:
    incidents = [
        incident(date(2023, 1, 5), date(2023, 1, 5), 3),
        incident(date(2023, 1, 28), date(2023, 2, 2), None),
        incident(date(2023, 4, 1), date(2023, 4, 1), 10),
    ]
    buckets = timeline(days(incidents), "month")
    assert [(b.start.month, b.incidents, b.people) for b in buckets] == [(1, 2, 3), (2, 0, 0), (3, 0, 0), (4, 1, 10)]
    weeks = timeline(days(incidents[:1]), "week")
    assert weeks[0].start == date(2023, 1, 2)  # weeks start on Monday
    assert choose_unit(days(incidents), None) == "week" and choose_unit(days(incidents), "month") == "month"
    chart = timeline_chart(buckets, "month")
    assert len(chart.bars) == 4 and chart.bars[1].height == 0
    assert max(b.height for b in chart.bars) == chart.bottom - chart.top


def test_counts_and_dates_read_naturally() -> None:
    assert [format_count(c) for c in (Count(), Count(5, 5), Count(5, None), Count(5, 9))] == [
        "unknown", "5", "at least 5", "5–9"
    ]
    assert format_dates(DateRange(date(2023, 5, 3), date(2023, 5, 3))) == "3 May 2023"
    assert format_dates(DateRange(date(2023, 5, 1), date(2023, 5, 31))) == "1–31 May 2023"
    assert format_dates(DateRange(date(2023, 4, 28), date(2023, 5, 3))) == "28 Apr – 3 May 2023"


@pytest.fixture(params=["memory", "store"])
def failures_store(request: pytest.FixtureRequest, tmp_path):
    """Where the throttle keeps failures: in its process, or in a store (shared by processes)."""
    if request.param == "memory":
        yield None
        return
    from otkaz.store import Database

    db = Database(str(tmp_path / "otkaz.db"))
    yield db
    db.close()


def test_throttle_blocks_after_failures_until_the_window_passes(failures_store) -> None:
    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, window=60, clock=lambda: now[0], store=failures_store)
    for _ in range(3):
        assert not throttle.blocked("anna", "10.0.0.1")
        throttle.failed("anna", "10.0.0.1")
    assert throttle.blocked("anna", "10.0.0.1")
    now[0] = 1061.0
    assert not throttle.blocked("anna", "10.0.0.1")
    throttle.failed("anna", "10.0.0.1")
    throttle.succeeded("anna", "10.0.0.1")
    assert not throttle.blocked("anna", "10.0.0.1")


def test_throttle_never_locks_out_other_accounts_or_addresses(failures_store) -> None:
    """Failed before the fix: failures from one address refused every account from it."""
    throttle = LoginThrottle(max_failures=3, window=60, account_max_failures=6, clock=lambda: 0.0, store=failures_store)
    for _ in range(3):
        throttle.failed("anna", "10.0.0.1")
    assert throttle.blocked("anna", "10.0.0.1")
    assert not throttle.blocked("olga", "10.0.0.1")  # another account from the same address
    assert not throttle.blocked("anna", "10.0.0.2")  # the same account from elsewhere
    # A guess spread over addresses: once the account has had 6 failures, an address that
    # has failed for it gets no more tries; an address that has not (its owner's) still may.
    for address in ("10.0.1.1", "10.0.1.2", "10.0.1.3"):
        assert not throttle.blocked("anna", address)
        throttle.failed("anna", address)
    assert throttle.blocked("anna", "10.0.1.1") and throttle.blocked("anna", "10.0.1.3")
    assert not throttle.blocked("anna", "192.168.7.7") and not throttle.blocked("olga", "10.0.1.1")


def test_throttle_forgets_the_oldest_pairs_past_its_cap() -> None:
    throttle = LoginThrottle(max_failures=1, window=60, max_tracked=2, clock=lambda: 0.0)
    for account in ("a", "b", "c"):
        throttle.failed(account, "10.0.0.1")
    assert not throttle.blocked("a", "10.0.0.1")  # forgotten: a full table refuses no one
    assert throttle.blocked("b", "10.0.0.1") and throttle.blocked("c", "10.0.0.1")


def test_roles_hold_their_permissions() -> None:
    public, viewer, analyst = Principal(None, "public"), Principal("v", "viewer"), Principal("a", "analyst")
    assert not public.can("see_unpublished") and viewer.can("see_unpublished")
    assert not viewer.can("see_names") and analyst.can("see_names") and analyst.can("review")
    assert not analyst.can("admin") and Principal("x", "admin").can("admin")


def test_redirect_targets_stay_on_the_site() -> None:
    assert safe_next("/review?focus=inc-1") == "/review?focus=inc-1"
    for hostile in ("//evil.example", "https://evil.example", "/\\evil.example", None, ""):
        assert safe_next(hostile) == "/"


def test_csp_allows_only_the_configured_tile_host() -> None:
    assert tile_origin(None) is None
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    with pytest.raises(ValueError, match="expected http"):
        tile_origin("tiles/{z}/{x}/{y}.png")
    csp = content_security_policy(None)
    assert "img-src 'self' data:;" in csp and "frame-ancestors 'none'" in csp


def test_stylesheet_colours_types_as_the_map_does() -> None:
    from otkaz.web.app import PACKAGE_DIR
    from otkaz.web.present import TYPE_COLOURS

    css = (PACKAGE_DIR / "static" / "app.css").read_text(encoding="utf-8")
    for code, colour in TYPE_COLOURS.items():
        assert f".dot-{code}, .fill-{code} {{ background: {colour}; fill: {colour}; }}" in css


def test_vendored_assets_ship_with_their_licences() -> None:
    from otkaz.web.app import PACKAGE_DIR

    vendor = PACKAGE_DIR / "static" / "vendor"
    for library in ("leaflet", "markercluster", "topojson", "world-atlas"):
        assert (vendor / library / "LICENSE").is_file()
    assert (vendor / "world-atlas" / "countries-50m.json").stat().st_size > 100_000


def test_only_web_urls_are_linked() -> None:
    from otkaz.web.present import web_url

    assert web_url("https://news.example/a") == "https://news.example/a"
    for hostile in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "", None):
        assert web_url(hostile) is None


def test_server_processes_of_one_store_share_the_throttle(tmp_path) -> None:
    """Each server process of `otkaz serve --workers N` counted only the failures it saw, so N
    processes allowed N times the tries: the failures are kept in the store now."""
    from otkaz.store import Database

    first, second = Database(str(tmp_path / "otkaz.db")), Database(str(tmp_path / "otkaz.db"))
    try:
        throttles = [LoginThrottle(max_failures=3, window=60, store=db) for db in (first, second)]
        for n in range(3):
            assert not throttles[n % 2].blocked("anna", "10.0.0.1")
            throttles[n % 2].failed("anna", "10.0.0.1")
        assert throttles[0].blocked("anna", "10.0.0.1") and throttles[1].blocked("anna", "10.0.0.1")
        throttles[1].succeeded("anna", "10.0.0.1")
        assert not throttles[0].blocked("anna", "10.0.0.1")
    finally:
        first.close()
        second.close()


def test_an_ingest_job_is_followed_from_any_server_process(tmp_path) -> None:
    """A job's progress page was answered only by the process running it: with two server
    processes, half of the polls said the job did not exist."""
    import threading

    from otkaz.store import Database
    from otkaz.web.jobs import JobRunner

    running, release = threading.Event(), threading.Event()

    def work(progress) -> dict:
        progress("ingest", 0, 2)
        running.set()
        release.wait(30)
        progress("ingest", 2, 2)
        return {"documents": 2}

    first, second = Database(str(tmp_path / "otkaz.db")), Database(str(tmp_path / "otkaz.db"))
    try:
        job = JobRunner(first).submit("anna", ["a.txt", "b.txt"], work)
        other = JobRunner(second)
        assert running.wait(30)
        seen = other.get(job.id)
        assert seen is not None and (seen.state, seen.stage, seen.total, seen.inputs) == ("running", "ingest", 2, ["a.txt", "b.txt"])
        release.set()
        for _ in range(300):
            if (seen := other.get(job.id)).state == "done":
                break
            threading.Event().wait(0.1)
        assert (seen.state, seen.done, seen.summary) == ("done", 2, {"documents": 2})
        assert [j.id for j in other.recent()] == [job.id]
        assert other.get("nope") is None
    finally:
        release.set()
        first.close()
        second.close()


def test_failed_jobs_say_why_and_only_the_last_are_kept(tmp_path) -> None:
    from otkaz.store import Database
    from otkaz.web.jobs import JobRunner

    db = Database(str(tmp_path / "otkaz.db"))
    try:
        runner = JobRunner(db, keep=2)
        jobs = [runner.submit("anna", [f"{n}.txt"], lambda progress: 1 / 0) for n in range(3)]
        runner._executor.shutdown(wait=True)
        assert [j.id for j in runner.recent()] == [jobs[2].id, jobs[1].id]
        assert runner.get(jobs[0].id) is None
        assert runner.get(jobs[2].id).state == "failed" and "ZeroDivisionError" in runner.get(jobs[2].id).error
    finally:
        db.close()


def test_a_nul_in_a_name_or_an_address_is_counted_not_refused_by_the_store(db) -> None:
    """PostgreSQL refuses NUL in text: a sign-in with one in its name ended in a 500."""
    throttle = LoginThrottle(max_failures=2, window=60, store=db)
    for _ in range(2):
        assert not throttle.blocked("an\x00na", "10.0.0.1\x00")
        throttle.failed("an\x00na", "10.0.0.1\x00")
    assert throttle.blocked("an\x00na", "10.0.0.1\x00")
    throttle.succeeded("an\x00na", "10.0.0.1\x00")
    assert not throttle.blocked("an\x00na", "10.0.0.1\x00")
