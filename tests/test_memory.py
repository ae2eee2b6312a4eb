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

