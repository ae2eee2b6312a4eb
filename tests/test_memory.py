"""Memory: which process of a run holds which NLP models (issue 10: peak memory of a large run).

Each run here is a real ``otkaz run --workers 2`` in a fresh interpreter, so that no model a
test of this session loaded counts; the driver then reports what the otkaz process holds.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# Runs the CLI with batches of 2 documents (the examples are then shared out among the
# workers, not parsed in this process), then prints which parser models this process loaded.
RUN_AND_REPORT = """
import json, sys
from otkaz import engines
engines.BATCH = 2
from otkaz.cli import cli
code = cli.main(args=sys.argv[1:], prog_name="otkaz", standalone_mode=False)
from otkaz.extract.parsing import load_english
from otkaz.lang.ru import load_russian
print(json.dumps({"exit": code, "english": load_english.cache_info().currsize,
                  "russian": load_russian.cache_info().currsize}))
"""


def _run_and_report(*argv: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, *argv], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_the_otkaz_process_of_a_multi_worker_run_loads_no_parser_model(tmp_path: Path) -> None:
    # The workers parse; the otkaz process stores, merges and makes the public views, which read
    # the names the workers found and the languages' lexicons, not their parsers.
    report = _run_and_report("run", str(EXAMPLES), "--workers", "2", "--db", str(tmp_path / "otkaz.db"), "-q")
    assert report == {"exit": 0, "english": 0, "russian": 0}


# Sentences written for this test: news of no incident, in English.
CITY_NEWS = (
    "The council of a river town voted to repair the old footbridge before the spring floods. "
    "Residents said the buses to the northern suburbs now run every twenty minutes. "
    "A bakery on the main square opened a second shop near the railway station. "
)


@pytest.mark.slow
def test_the_parser_is_given_a_few_news_items_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parsers' working memory grows with the text they parse at once (spaCy: about 3 MB a
    # thousand characters): a worker parsing sixteen news items at once peaked 158 MB above its
    # models, one parsing three at once 37 MB.
    from otkaz import pipeline
    from otkaz.lang import get_language
    from otkaz.model import Document

    english = get_language("en")
    parsed_at_once: list[list[int]] = []
    parse_many = english.parse_many

    def recorded(texts, *args, **kwargs):
        texts = list(texts)
        parsed_at_once.append([len(text) for text in texts])
        return parse_many(texts, *args, **kwargs)

    monkeypatch.setattr(english, "parse_many", recorded)
    items = [Document(id=f"news-{n}", text=CITY_NEWS * 12, lang="en") for n in range(8)]  # 3,000 characters each
    results = [result for _document, result in pipeline.extract_each(items)]
    assert [result.document_id for result in results] == [item.id for item in items]
    assert sum(len(lengths) for lengths in parsed_at_once) == len(items)
    assert all(sum(lengths) <= 10_000 for lengths in parsed_at_once), parsed_at_once

