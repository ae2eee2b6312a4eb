"""Property-based tests of every reader (issue 11): text with and without a header block, HTML,
JSON Lines, RSS/Atom feeds and .meta.json sidecars, from generated inputs (Hypothesis).

Each example is a batch of three inputs into a real store: a good article, the generated
input, another good article. Whatever the generated input holds, the batch ends without an
exception, every line it gives (failure or warning) is one line naming it and none is an
internal error, the input gives a document or says why not, what is stored is storable, and
both good articles are in the store. The SQLite store runs every example; PostgreSQL, where
configured, a share of them (NUL and lone surrogates are its own failures).

CI runs a fixed sequence of examples (derandomized) so that its result does not vary between
runs; a developer's run draws new ones each time.
"""
from __future__ import annotations

import base64
import itertools
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from otkaz import pipeline
from otkaz.ingest import IngestOptions
from otkaz.ingest.core import INTERNAL_ERROR
from otkaz.model import Document, parse_published
from otkaz.store import AddResult, Database

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXAMPLES = int(os.environ.get("OTKAZ_FUZZ_EXAMPLES", 400))  # per reader, on SQLite
POSTGRES_SHARE = 4  # PostgreSQL runs one in this many
MAX_BYTES = 64 * 1024  # the batch's --max-size: small, so that "huge" inputs are cheap to make

GOOD_BEFORE = (
    "Border guards in the Orenburg region stopped a 28-year-old man who tried to leave Russia "
    "through the steppe on Saturday, the regional FSB office said."
)
GOOD_AFTER = (
    "Два мобилизованных из Бурятии отказались возвращаться в часть после отпуска, рассказали "
    "их родственники местному изданию."
)


def fuzz_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,  # no timed tests: a slow example is not a failure
        derandomize=IN_CI,
        database=None if IN_CI else settings.default.database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


# --- the pieces inputs are made of ------------------------------------------------------------

_words = st.sampled_from(
    "soldier refused deserted мобилизованный отказался военкомат Belgorod Курск 2022-09-21 "
    "21.09.2022 Sept. « » — “ ” & &amp; &lt; < > \" ' \\ / : --- ID: URL: ... \t".split(" ")
)
# Any code point, lone surrogates and NUL included; and words that look like the real thing.
_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
_texty = st.lists(st.one_of(_words, _any_text, st.just("\n")), max_size=30).map(" ".join)
_dates = st.one_of(
    st.sampled_from(["2022-09-27", "0001-01-01", "9999-12-31", "27.09.2022", "Tue, 27 Sep 2022 10:00:00 +0300",
                     "2022-13-45", "yesterday", "", "1e400", "-1", "0000-00-00T00:00:00Z"]),
    _any_text,
)
_encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1251", "koi8-r", "latin-1"])


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")


@st.composite
def _damaged(draw, data: bytes) -> bytes:
    """The bytes, perhaps cut short, with random bytes spliced in, or an over-long run added."""
    if draw(st.booleans()):
        return data
    cut = draw(st.integers(0, len(data)))
    noise = draw(st.binary(max_size=40))
    tail = data[cut:] if draw(st.booleans()) else b""
    if draw(st.integers(0, 9)) == 0:
        run = draw(st.sampled_from([1, 1000, MAX_BYTES - 10, MAX_BYTES + 1, 2 * MAX_BYTES]))
        noise += draw(st.sampled_from([b"a", b"\x00", b"\xff", b"[", b"\n"])) * run
    return data[:cut] + noise + tail


# --- one strategy per reader: (file name, bytes, sidecar bytes or None) --------------------------------


@st.composite
def text_files(draw) -> tuple[str, bytes, bytes | None]:
    lines = []
    if draw(st.booleans()):  # a header block
        if draw(st.booleans()):
            lines.append("---")
        keys = st.sampled_from(["URL", "TITLE", "PUBLISHED", "OUTLET", "LANG", "ID", "url", "Other", "x-y"])
        for key, value in draw(st.lists(st.tuples(keys, st.one_of(_dates, _texty)), max_size=8)):
            lines.append(f"{key}:{draw(st.sampled_from([' ', '', '   ']))}{value}")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["---", "----", "- - -", ""])))
    lines += draw(st.lists(_texty, max_size=12))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    name = draw(st.sampled_from(["a.txt", "a.md", "noextension", "a.text"]))
    return name, draw(_damaged(_encode(text, draw(_encodings)))), None


_tags = st.sampled_from(["p", "div", "article", "span", "b", "a", "li", "ul", "table", "td", "tr", "script",
                         "style", "nav", "h1", "time", "main", "section", "br", "img", "iframe", "svg", "math"])


@st.composite
def _html_body(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 6 else 0))):
        tag = draw(_tags)
        attributes = ""
        if draw(st.integers(0, 3)) == 0:
            attributes = " " + draw(st.sampled_from([
                'class="date"', 'datetime="2022-09-21"', 'lang="ru"', 'src="data:image/png;base64,'
                + base64.b64encode(draw(st.binary(max_size=3000))).decode() + '"', "onload=x", 'href="javascript:void(0)"',
            ]))
        inner = draw(_html_body(depth + 1)) if draw(st.booleans()) else draw(_texty)
        parts.append(f"<{tag}{attributes}>{inner}" + (f"</{tag}>" if draw(st.booleans()) else ""))
    return "".join(parts)


@st.composite
def html_files(draw) -> tuple[str, bytes, bytes | None]:
    head = "".join(draw(st.lists(st.sampled_from([
        "<title>" + draw(_texty) + "</title>",
        f'<meta property="article:published_time" content="{draw(_dates)}">',
        '<meta charset="' + draw(st.sampled_from(["utf-8", "windows-1251", "bogus", ""])) + '">',
        f'<link rel="canonical" href="{draw(_texty)}">',
        '<script type="application/ld+json">' + draw(_texty) + "</script>",
    ]), max_size=4)))
    body = draw(_html_body())
    if draw(st.integers(0, 4)) == 0:  # deep nesting
        depth = draw(st.integers(100, 3000))
        body = "<div>" * depth + body + "</div>" * draw(st.integers(0, depth))
    html = f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"
    name = draw(st.sampled_from(["a.html", "a.htm", "page", "a.xhtml"]))
    return name, draw(_damaged(_encode(html, draw(_encodings)))), None


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _texty, _dates)
_json_values = st.recursive(
    _json_leaf,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_texty, children, max_size=4)),
    max_leaves=12,
)
_record_keys = st.sampled_from(["id", "text", "maintext", "raw_text", "html", "title", "url", "source", "published",
                                "date_publish", "date", "outlet", "sitename", "hostname", "lang", "language"])


@st.composite
def _json_line(draw) -> bytes:
    choice = draw(st.integers(0, 9))
    if choice == 0:  # nested deeper than the parser goes
        depth = draw(st.integers(900, 100_000))
        opener = draw(st.sampled_from(["[", '{"a":']))
        return (opener * depth + "1" + ("]" if opener == "[" else "}") * depth).encode()
    if choice == 1:  # escapes no store can hold, as JSON writes them
        escape = draw(st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\u0000", "\\ud83d\\ude00", "\\uDC80x"]))
        key = draw(st.sampled_from(["text", "title", "id", "outlet", "url"]))
        return f'{{"text": "{GOOD_BEFORE[:40]} {escape}", "{key}": "a{escape}b"}}'.encode()
    if choice == 2:  # not an object
        return json.dumps(draw(_json_values)).encode()
    record = draw(st.dictionaries(_record_keys, _json_values, max_size=6))
    if draw(st.booleans()):
        record["text"] = draw(_texty)
    line = json.dumps(record, ensure_ascii=draw(st.booleans()))
    return draw(_damaged(line.encode("utf-8", errors="surrogatepass")))


@st.composite
def jsonl_files(draw) -> tuple[str, bytes, bytes | None]:
    separator = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = separator.join(draw(st.lists(_json_line(), max_size=6)))
    name = draw(st.sampled_from(["a.jsonl", "a.ndjson", "a.json", "records"]))
    return name, data, None


@st.composite
def feed_files(draw) -> tuple[str, bytes, bytes | None]:
    atom = draw(st.booleans())
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        fields = {
            "title": draw(_texty),
            "link": draw(st.one_of(st.just("https://wire.example/" + draw(_texty)), _texty)),
            "id": draw(_texty),
            "date": draw(_dates),
            "text": draw(st.one_of(_texty, _html_body().map(lambda h: f"<![CDATA[{h}]]>"))),
        }
        escaped = {k: v if v.startswith("<![CDATA[") else v.replace("&", "&amp;").replace("<", "&lt;")
                   for k, v in fields.items()}
        if atom:
            entries.append(f"<entry><title>{escaped['title']}</title><link href=\"{escaped['link']}\"/>"
                           f"<id>{escaped['id']}</id><updated>{escaped['date']}</updated>"
                           f"<content type=\"html\">{escaped['text']}</content></entry>")
        else:
            entries.append(f"<item><title>{escaped['title']}</title><link>{escaped['link']}</link>"
                           f"<guid>{escaped['id']}</guid><pubDate>{escaped['date']}</pubDate>"
                           f"<description>{escaped['text']}</description></item>")
    title = draw(_texty).replace("&", "&amp;").replace("<", "&lt;")
    if atom:
        feed = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>{"".join(entries)}</feed>'
    else:
        feed = f'<rss version="2.0"><channel><title>{title}</title>{"".join(entries)}</channel></rss>'
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "windows-1251", "bogus"]))
    xml = f'<?xml version="1.0" encoding="{encoding}"?>{feed}'
    name = draw(st.sampled_from(["a.rss", "a.atom", "a.xml", "feed"]))
    return name, draw(_damaged(_encode(xml, "utf-8" if encoding in ("bogus", "utf-8") else draw(_encodings)))), None


@st.composite
def sidecar_files(draw) -> tuple[str, bytes, bytes | None]:
    record = draw(st.one_of(st.dictionaries(_record_keys, _json_values, max_size=6), _json_values))
    sidecar = draw(st.one_of(
        st.just(json.dumps(record, ensure_ascii=draw(st.booleans())).encode("utf-8", errors="surrogatepass")),
        _json_line(),
    ))
    body = GOOD_BEFORE.replace("Saturday", draw(st.sampled_from(["Sunday", "Monday", "Friday"]))) + " " + draw(_texty)
    name = draw(st.sampled_from(["a.txt", "a.html"]))
    if name.endswith(".html"):
        body = f"<html><body><article><p>{body}</p><p>{GOOD_AFTER}</p></article></body></html>"
    return name, _encode(body, "utf-8"), draw(_damaged(sidecar))


# --- the property ---------------------------------------------------------------------------------

_batch_numbers = itertools.count()


class _Recording:
    """The store, with a note of every document handed to it (all that ingest needs of a store)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.added: list[Document] = []

    def add_documents(self, documents: list[Document]) -> list[AddResult]:
        self.added.extend(documents)
        return self.db.add_documents(documents)


def _holds_the_contract(db: Database, folder: Path, generated: tuple[str, bytes, bytes | None]) -> None:
    name, data, sidecar = generated
    number = next(_batch_numbers)
    batch = folder / f"batch-{number}"
    batch.mkdir()
    before, after = batch / "0-before.txt", batch / "2-after.txt"
    good = {before: f"{GOOD_BEFORE} ({number})", after: f"{GOOD_AFTER} ({number})"}
    for path, text in good.items():
        path.write_text(f"LANG: {'ru' if path == after else 'en'}\n---\n{text}", encoding="utf-8")
    target = batch / f"1-{name}"
    target.write_bytes(data)
    if sidecar is not None:
        Path(f"{target}.meta.json").write_bytes(sidecar)
    store = _Recording(db)

    summary = pipeline.ingest_into(store, [str(before), str(target), str(after)], IngestOptions(max_bytes=MAX_BYTES))

    for line in [*summary.failures, *summary.warnings]:
        text = str(line)
        assert "\n" not in text and "\r" not in text, text
        assert line.input == str(target) or line.input.startswith((f"{target}:", f"{target}#")), text
        assert text.removeprefix(f"{line.input}: ").strip(), text
        assert INTERNAL_ERROR not in text, text
    from_target = [document for document in store.added if document.path == str(target)]
    assert from_target or any(f.input.startswith(str(target)) for f in summary.failures), (
        "the input neither gave a document nor said why"
    )
    for document in from_target:
        for value in (document.id, document.text, document.title, document.url, document.outlet, document.lang):
            assert value is None or ("\x00" not in value and value.encode("utf-8"))
        assert document.text.strip()
        parse_published(document.published)  # an ISO date, month or year, or None
    for path, text in good.items():
        stored = db.get_document(str(path))
        assert stored is not None and stored.text == text


READERS = {
    "text": text_files(),
    "html": html_files(),
    "jsonl": jsonl_files(),
    "feed": feed_files(),
    "sidecar": sidecar_files(),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_every_generated_input_keeps_the_contract(reader: str, db_url: str, tmp_path: Path) -> None:
    examples = EXAMPLES if "://" not in db_url else EXAMPLES // POSTGRES_SHARE
    with Database(db_url) as db:

        @fuzz_settings(examples)
        @given(generated=READERS[reader])
        def check(generated: tuple[str, bytes, bytes | None]) -> None:
            _holds_the_contract(db, tmp_path, generated)

        check()


# Found, not shrunk: any example will do.
_FIND = settings(max_examples=2000, derandomize=True, database=None, phases=[Phase.generate],
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize(
    ("strategy", "what"),
    [
        (jsonl_files(), lambda g: b"[" * 1000 in g[1] or b'{"a":' * 1000 in g[1]),
        (jsonl_files(), lambda g: b"\\ud800" in g[1]),
        (jsonl_files(), lambda g: b"\\u0000" in g[1]),
        (text_files(), lambda g: len(g[1]) > MAX_BYTES),
        (text_files(), lambda g: b"\n---" in g[1] and b"ID:" in g[1]),
        (html_files(), lambda g: b"data:image/png;base64," in g[1]),
        (html_files(), lambda g: b"<div>" * 500 in g[1]),
        (feed_files(), lambda g: g[1].count(b"<entry>") + g[1].count(b"<item>") >= 2),
        (sidecar_files(), lambda g: g[2] is not None and b"[" * 1000 in g[2]),
    ],
    ids=["deep-json", "lone-surrogate", "nul", "over-the-limit", "header-block", "inline-image", "deep-html",
         "feed-entries", "deep-sidecar"],
)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # the large examples' repr
def test_the_generators_reach_the_inputs_that_broke_the_readers(strategy, what) -> None:
    find(strategy, what, settings=_FIND)  # raises NoSuchExample when the strategy never makes one
