"""Runs `otkaz` commands in forked children of one process that has loaded the NLP models,
so that tests can kill runs (SIGKILL) and run writers side by side without paying for the
models in every process. Used by tests/test_crash.py, not a test itself.

Reads steps from stdin, one JSON line each, and answers each with one JSON line. A step is a
list of runs started together: ``{"argv": [...], "kill_after": N}`` (``kill_after``: the
child kills itself with SIGKILL right after its N-th SQL statement; null: it runs to the
end; ``start_after``: the child's ``pipeline.START_AFTER``, so that a small input is extracted
while it is still being stored). The answer has, per run, ``{"exit": code, "statements": n}`` or ``{"killed": signal}``.
A first line ``{"warm": [paths]}`` reads those inputs once, so that the readers' lazy caches
(feeds, dates) are loaded in the parent too.
"""
from __future__ import annotations

import json
import os
import signal
import sys


def _child(argv: list[str], kill_after: int | None, start_after: int | None, out: int) -> None:
    """In the forked child: count statements (and die at the chosen one), run the command."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from otkaz import pipeline
    from otkaz.cli import cli

    if start_after is not None:
        pipeline.START_AFTER = start_after

    executed = 0

    def after_statement(*_args: object) -> None:
        nonlocal executed
        executed += 1
        if executed == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(Engine, "after_cursor_execute", after_statement)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the parent's stdout carries the JSON answer only
    code = 0
    try:
        cli.main(args=argv, prog_name="otkaz", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    os.write(out, json.dumps({"exit": code, "statements": executed}).encode())
    os._exit(0)


def _start(run: dict) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            _child(run["argv"], run.get("kill_after"), run.get("start_after"), write)
        finally:
            os._exit(70)  # only if the child itself broke
    os.close(write)
    return pid, read


def _finish(pid: int, read: int) -> dict:
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return {"killed": os.WTERMSIG(status)}
    return json.loads(report) if report else {"broken": os.WEXITSTATUS(status)}


def main() -> None:
    # Loaded once here, inherited by every child.
    from otkaz.cli import cli  # noqa: F401
    from otkaz.extract import get_language
    from otkaz.gazetteer import get_gazetteer
    from otkaz.ingest import ingest

    for lang in ("en", "ru"):
        list(get_language(lang).parse_many(["-"]))  # the models load on a language's first parse
    get_gazetteer()
    for line in sys.stdin:
        request = json.loads(line)
        if isinstance(request, dict):
            list(ingest(request["warm"]))
            answer: object = "warm"
        else:
            started = [_start(run) for run in request]
            answer = [_finish(pid, read) for pid, read in started]
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
