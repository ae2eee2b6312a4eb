"""otkaz watch against a real HTTP server on 127.0.0.1 (tests/feedserver.py) whose feeds
change between polls: conditional requests, new entries only, summary-only feeds, a failing
host, a stop in the middle of a poll and the resume, and the exit codes of --once.

The extractor is the fake of tests/test_pipeline.py ("deserted" and "протест" make
mentions), so these tests check the watching; one test runs the installed command with
the real extractor."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedserver import FeedServer, article_page, feed_server, rss
from test_pipeline import fake_extractor  # noqa: F401  (a fixture)

from otkaz.cli import cli
from otkaz.store import Database
from otkaz.watch import FAILED, NOT_MODIFIED, Watcher, WatchSettings, read_source_list

FAST = WatchSettings(delay=0, backoff=0, retries=1, timeout=10)
DAY = "Mon, 03 Oct 2022 09:00:00 GMT"

# Written for these tests: invented places, people and events.
FULL_TEXT = {
    "/news/1": "Two contract soldiers deserted from a unit stationed near Belgorod, a local channel said on Monday.",
    "/news/2": "Residents of a village held a протест outside the draft office after call-up papers arrived at night.",
    "/news/3": "A mobilized man deserted from a training ground and was later found by his relatives, lawyers said.",
}


def full_item(path: str, server: FeedServer) -> dict[str, str]:
    return {"link": server.url(path), "title": f"Story {path}", "pubDate": DAY, "content": FULL_TEXT[path]}


def summary_item(path: str, server: FeedServer) -> dict[str, str]:
    return {"link": server.url(path), "title": f"Story {path}", "pubDate": DAY, "description": "Read more on our site."}


def serve_pages(server: FeedServer, paths: list[str]) -> None:
    for path in paths:
        server.put(path, article_page(f"Story {path}", [FULL_TEXT[path], "Comments are closed for this story."]))


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture
def other_server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


def stored_ids(db: Database) -> set[str]:
    return {document.id for document in db.documents()}


def test_a_second_poll_asks_only_for_what_changed(fake_extractor: None, server: FeedServer, db: Database) -> None:
    feed = "/feed.xml"
    server.put(feed, rss("Border Wire", [full_item("/news/1", server), full_item("/news/2", server)]), "application/rss+xml")
    watcher = Watcher(db, [server.url(feed)], FAST)

    first = watcher.poll()
    assert (first.sources[0].status, first.sources[0].stored) == ("changed", 2)
    assert stored_ids(db) == {server.url("/news/1"), server.url("/news/2")}
    assert {a.kind for a in first.arrivals} == {"new"} and len(first.arrivals) == 2

    second = watcher.poll()
    request = server.requests(feed)[-1]
    assert request.if_none_match == server.resources[feed].etag  # remembered in the store
    assert request.if_modified_since == server.resources[feed].last_modified
    assert request.status == 304
    assert (second.sources[0].status, second.sources[0].stored, second.arrivals) == (NOT_MODIFIED, 0, [])
    state = db.get_source(server.url(feed))
    assert (state.kind, state.documents, state.errors) == ("feed", 2, 0)


def test_only_new_entries_are_stored_and_reported(fake_extractor: None, server: FeedServer, db: Database) -> None:
    feed = "/feed.xml"
    server.put(feed, rss("Border Wire", [full_item("/news/1", server)]), "application/rss+xml")
    watcher = Watcher(db, [server.url(feed)], FAST)
    watcher.poll()
    before = {i.id for i in db.incidents()}

    server.put(feed, rss("Border Wire", [full_item("/news/3", server), full_item("/news/1", server)]), "application/rss+xml")
    report = watcher.poll()

    source = report.sources[0]
    assert (source.status, source.stored, source.duplicates) == ("changed", 1, 1)
    assert report.summary.extracted == 1  # only the new entry went through the extractor
    assert [a.kind for a in report.arrivals] == ["new"]
    assert report.arrivals[0].incident.id not in before
    assert report.arrivals[0].incident.reports[0].document.id == server.url("/news/3")


def test_a_summary_only_feed_is_read_from_the_article_pages(
    fake_extractor: None, server: FeedServer, db: Database
) -> None:
    feed = "/summaries.xml"
    serve_pages(server, ["/news/1", "/news/2", "/news/3"])
    server.put(feed, rss("Border Wire", [summary_item("/news/1", server), summary_item("/news/2", server)]),
               "application/rss+xml")
    watcher = Watcher(db, [server.url(feed)], FAST)
    watcher.poll()

    article = db.get_document(server.url("/news/1"))
    assert FULL_TEXT["/news/1"] in article.text and "Read more" not in article.text
    assert (article.outlet, article.published) == ("Border Wire", "2022-10-03")  # from the feed entry
    assert len(db.incidents()) == 2

    server.put(feed, rss("Border Wire", [summary_item("/news/3", server), summary_item("/news/1", server),
                                         summary_item("/news/2", server)]), "application/rss+xml")
    watcher.poll()
    assert len(server.requests("/news/3")) == 1
    assert len(server.requests("/news/1")) == 1  # a page already stored is not fetched again
    assert FULL_TEXT["/news/3"] in db.get_document(server.url("/news/3")).text


def test_a_failing_host_is_counted_and_the_others_go_on(
    fake_extractor: None, server: FeedServer, other_server: FeedServer, db: Database
) -> None:
    server.put("/feed.xml", rss("Border Wire", [full_item("/news/1", server)]), "application/rss+xml")
    other_server.fail("/feed.xml", 503)
    urls = [other_server.url("/feed.xml"), server.url("/feed.xml")]
    watcher = Watcher(db, urls, FAST)

    report = watcher.poll()
    failing, working = report.sources
    assert failing.status == FAILED and working.stored == 1
    assert len(other_server.requests("/feed.xml")) == 2  # one retry (FAST: retries=1)
    assert [str(f) for f in report.failures] == [f"{urls[0]}: could not fetch: HTTP 503 Service Unavailable"]
    assert stored_ids(db) == {server.url("/news/1")}

    watcher.poll()
    state = db.get_source(urls[0])
    assert state.errors == 2 and state.etag is None
    assert state.last_error == "could not fetch: HTTP 503 Service Unavailable"
    assert db.get_source(urls[1]).errors == 0


def test_a_page_that_fails_for_now_is_fetched_at_the_next_poll(
    fake_extractor: None, server: FeedServer, db: Database
) -> None:
    feed = "/summaries.xml"
    serve_pages(server, ["/news/1"])
    server.fail("/news/2", 500)
    server.put(feed, rss("Border Wire", [summary_item("/news/1", server), summary_item("/news/2", server)]),
               "application/rss+xml")
    watcher = Watcher(db, [server.url(feed)], FAST)
    first = watcher.poll()
    assert [f.input for f in first.failures] == [server.url("/news/2")]
    assert db.get_source(server.url(feed)).etag is None  # the feed is asked for again, in full

    serve_pages(server, ["/news/2"])
    second = watcher.poll()
    assert server.requests(feed)[-1].status == 200
    assert second.sources[0].stored == 1 and second.failures == []
    assert FULL_TEXT["/news/2"] in db.get_document(server.url("/news/2")).text
    assert db.get_source(server.url(feed)).etag == server.resources[feed].etag


def test_a_page_that_is_gone_leaves_the_summary(fake_extractor: None, server: FeedServer, db: Database) -> None:
    feed = "/summaries.xml"
    item = summary_item("/news/9", server) | {"description": "Two soldiers deserted near the border, the channel said."}
    server.put(feed, rss("Border Wire", [item]), "application/rss+xml")
    watcher = Watcher(db, [server.url(feed)], FAST)
    report = watcher.poll()
    assert [str(f) for f in report.failures] == [f"{server.url('/news/9')}: could not fetch: HTTP 404 Not Found"]
    assert db.get_source(server.url(feed)).last_error == f"{server.url('/news/9')}: could not fetch: HTTP 404 Not Found"
    assert len(server.requests("/news/9")) == 1  # a 404 is not retried
    assert "deserted near the border" in db.get_document(server.url("/news/9")).text
    assert db.get_source(server.url(feed)).etag == server.resources[feed].etag


def test_one_request_at_a_time_per_host(fake_extractor: None, server: FeedServer, db: Database) -> None:
    serve_pages(server, ["/news/1", "/news/2", "/news/3"])
    for name in ("a", "b", "c"):
        items = [summary_item(path, server) for path in ("/news/1", "/news/2", "/news/3")]
        server.put(f"/{name}.xml", rss(f"Wire {name}", items), "application/rss+xml")
    watcher = Watcher(db, [server.url(f"/{name}.xml") for name in ("a", "b", "c")], FAST)
    watcher.poll()
    assert len(server.log) == 6  # three feeds, three pages (each once)
    assert server.max_in_flight == 1


def test_a_stop_in_the_middle_of_a_poll_and_the_resume(fake_extractor: None, server: FeedServer, db: Database) -> None:
    feed = "/summaries.xml"
    paths = ["/news/1", "/news/2", "/news/3"]
    serve_pages(server, paths)
    server.put(feed, rss("Border Wire", [summary_item(path, server) for path in paths]), "application/rss+xml")
    watcher = Watcher(db, [server.url(feed)], FAST)
    # The stop arrives while the second page is being fetched.
    server.on_request = lambda path: watcher.stop() if path == "/news/2" else None

    report = watcher.poll()
    assert report.stopped and report.sources[0].status == "stopped"
    assert stored_ids(db) == {server.url("/news/1")}
    assert db.get_source(server.url(feed)).etag is None  # this poll did not finish
    assert "/news/3" not in [request.path for request in server.log]

    server.on_request = None
    resumed = Watcher(db, [server.url(feed)], FAST).poll()
    assert not resumed.stopped and resumed.sources[0].stored == 2
    assert stored_ids(db) == {server.url(path) for path in paths}
    assert len(server.requests("/news/1")) == 1  # stored before the stop: not fetched again
    assert len(db.incidents()) == 3
    assert db.extraction_status()["pending"] == 0


def test_run_waits_between_polls_until_stopped(fake_extractor: None, server: FeedServer, db: Database) -> None:
    server.put("/feed.xml", rss("Border Wire", [full_item("/news/1", server)]), "application/rss+xml")
    watcher = Watcher(db, [server.url("/feed.xml")], WatchSettings(every=3600, delay=0, backoff=0))
    seen = []

    def on_poll(report: object) -> None:
        seen.append(report)
        threading.Thread(target=watcher.stop).start()  # as a signal would, while run() waits

    last = watcher.run(on_poll)
    assert seen == [last] and last.sources[0].stored == 1


def test_the_sources_file(tmp_path: Path) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text("# regional outlets\nhttps://a.example/feed.xml\n\n  https://b.example/news#top \n"
                       "feeds/local.xml\nhttps://a.example/feed.xml\n", encoding="utf-8")
    urls, problems = read_source_list(listing)
    assert urls == ["https://a.example/feed.xml", "https://b.example/news#top"]
    assert [str(p) for p in problems] == [f"{listing}:5: not an http(s) URL: 'feeds/local.xml'"]


# --- the command line -------------------------------------------------------------------


def otkaz(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OTKAZ_DATABASE_URL", raising=False)
    return tmp_path


def test_watch_once_exit_codes_and_sources(
    fake_extractor: None, workdir: Path, server: FeedServer, other_server: FeedServer
) -> None:
    server.put("/feed.xml", rss("Border Wire", [full_item("/news/1", server)]), "application/rss+xml")
    (workdir / "good.txt").write_text(server.url("/feed.xml") + "\n")
    done = otkaz("watch", "good.txt", "--once", "--delay", "0")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith("poll 1 at ") and lines[0].endswith("1 sources: changed 1, not modified 0, failed 0")
    assert "documents: stored 1, failed 0" in lines
    assert any(line.startswith("new: inc-") and "desertion" in line for line in lines)

    again = otkaz("watch", "good.txt", "--once", "--json")
    assert again.exit_code == 0
    poll = json.loads(again.stdout)
    assert poll["sources"][0]["status"] == "not_modified" and poll["arrivals"] == []

    other_server.fail("/down.xml", 503)
    (workdir / "mixed.txt").write_text(f"{other_server.url('/down.xml')}\nnot a url\n{server.url('/feed.xml')}\n")
    mixed = otkaz("watch", "mixed.txt", "--once", "--retries", "0", "-q")
    assert mixed.exit_code == 1
    assert mixed.stderr.splitlines() == [
        "otkaz: mixed.txt:2: not an http(s) URL: 'not a url'",
        f"otkaz: {other_server.url('/down.xml')}: could not fetch: HTTP 503 Service Unavailable",
    ]
    assert mixed.stdout == ""

    (workdir / "empty.txt").write_text("# nothing yet\n")
    empty = otkaz("watch", "empty.txt", "--once")
    assert empty.exit_code == 4 and empty.stderr == "otkaz: empty.txt: nothing to do: no URLs in it\n"
    assert otkaz("watch", "missing.txt", "--once").exit_code == 2
    assert otkaz("watch", "good.txt", "--every", "soon").exit_code == 2

    listed = otkaz("sources", "--json")
    errors = {row["url"]: row["errors"] for row in json.loads(listed.stdout)}
    assert errors == {server.url("/feed.xml"): 0, other_server.url("/down.xml"): 1}
    table = otkaz("sources").stdout.splitlines()
    assert table[0].split() == ["url", "kind", "checked", "changed", "documents", "errors"]
    assert f"last error of {other_server.url('/down.xml')} at " in table[-1]


def test_sigint_in_the_middle_of_watch_once_then_resume(
    fake_extractor: None, workdir: Path, server: FeedServer, db_url: str
) -> None:
    paths = ["/news/1", "/news/2", "/news/3"]
    serve_pages(server, paths)
    server.put("/feed.xml", rss("Border Wire", [summary_item(path, server) for path in paths]), "application/rss+xml")
    (workdir / "sources.txt").write_text(server.url("/feed.xml") + "\n")
    handled = threading.Event()

    def interrupt(path: str) -> None:
        if path == "/news/2" and not handled.is_set():
            watch_handler = signal.getsignal(signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
            # The handler runs in the main thread; it puts the previous handler back.
            for _ in range(1000):  # at most ~10 s, so that a broken handler fails the test, not hangs it
                if signal.getsignal(signal.SIGINT) is not watch_handler:
                    handled.set()
                    break
                handled.wait(0.01)

    server.on_request = interrupt
    stopped = otkaz("watch", "sources.txt", "--once", "--delay", "0", "--db", db_url)
    assert handled.is_set()
    assert stopped.exit_code == 128 + signal.SIGINT, stopped.output
    assert "stopped: the next start resumes where this poll stopped" in stopped.stdout
    assert stopped.stderr.splitlines()[-1] == "otkaz: stopped by SIGINT"
    with Database(db_url) as db:
        assert stored_ids(db) == {server.url("/news/1")}

    resumed = otkaz("watch", "sources.txt", "--once", "--delay", "0", "--db", db_url)
    assert resumed.exit_code == 0, resumed.output
    with Database(db_url) as db:
        assert stored_ids(db) == {server.url(path) for path in paths}
        assert len(db.incidents()) == 3


def _real_extractor_available() -> bool:
    try:
        import otkaz.extract  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _real_extractor_available(), reason="the extractor's models are not installed")
def test_the_installed_command_follows_a_feed_until_sigterm(workdir: Path, server: FeedServer) -> None:
    text = ("Two mobilized soldiers from Kursk deserted from their unit in the Belgorod region on Sunday, "
            "a regional news channel reported.")
    server.put("/feed.xml", rss("Kursk Courier", [{"link": server.url("/a"), "title": "Two deserted",
                                                   "pubDate": DAY, "content": text}]), "application/rss+xml")
    (workdir / "sources.txt").write_text(server.url("/feed.xml") + "\n")
    command = Path(sys.executable).with_name("otkaz")
    process = subprocess.Popen([str(command), "watch", "sources.txt", "--every", "1h"], cwd=workdir,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any(line.startswith("new: ") for line in lines):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line.rstrip("\n"))
        process.send_signal(signal.SIGTERM)  # while it waits for the next poll
        rest, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, errors
    assert any(line.startswith("new: inc-") and "desertion" in line for line in lines), lines
    assert "Traceback" not in errors


@pytest.mark.parametrize("verb", ["watch", "sources"])
def test_the_new_verbs_document_themselves_with_an_example(verb: str) -> None:
    result = otkaz(verb, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"otkaz {verb}" in result.stdout
    assert "--json" in result.stdout and "--quiet" in result.stdout
