"""English speed: otkaz end to end against the bare spaCy pipeline on the same texts.

    .venv/bin/python benchmarks/bench_en.py [--copies 20] [--articles DIR]

End to end is what a user runs: ingest the files, store them in a fresh SQLite file,
extract, merge. It is timed twice: `pipeline.run` in this process (after the bare pipeline ran
here), and the `otkaz run` command in a process of its own, as a user starts it (its
interpreter, imports and models included). The bare pipeline is spaCy's `nlp.pipe` over the
same clean texts with the same model, loaded before timing. Each copy of an article gets a
distinct last line, so the store does not deduplicate it away. The target (issue 9): otkaz
takes at most 1.5x the bare time.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from otkaz.extract.parsing import load_english
from otkaz.ingest import IngestOptions, ingest
from otkaz.pipeline import run
from otkaz.store import Database

DEFAULT_ARTICLES = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "articles"


def make_corpus(articles: Path, copies: int, into: Path) -> list[Path]:
    files = sorted(p for p in articles.iterdir() if p.suffix == ".txt")
    out = []
    for n in range(copies):
        for f in files:
            target = into / f"{n:03d}_{f.name}"
            target.write_text(f.read_text(encoding="utf-8") + f"\n\nCopy {n}.\n", encoding="utf-8")
            out.append(target)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    args = parser.parse_args()
    if not args.articles.is_dir():
        print(f"bench_en: no articles at {args.articles}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="otkaz-bench-"))
    try:
        corpus_dir = work / "corpus"
        corpus_dir.mkdir()
        files = make_corpus(args.articles, args.copies, corpus_dir)
        options = IngestOptions(lang="en", published="2023-01-01")
        texts = [d.text for d in ingest([str(corpus_dir)], options) if hasattr(d, "text")]

        nlp = load_english()  # loaded once before timing either side
        nlp("warm up")
        t0 = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=16):
            pass
        bare = time.perf_counter() - t0

        db = Database(str(work / "bench.db"))
        t0 = time.perf_counter()
        summary = run(db, [str(corpus_dir)], options)
        otkaz = time.perf_counter() - t0
        db.close()

        command = [str(Path(sys.executable).with_name("otkaz")), "run", str(corpus_dir), "--db", str(work / "cli.db"),
                   "--lang", "en", "--published", "2023-01-01"]
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        cli = time.perf_counter() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)

    n = len(files)
    print(f"articles: {n} ({args.copies} copies of {n // args.copies}), {sum(map(len, texts)):,} characters")
    print(f"bare spaCy pipeline: {bare:7.2f} s  {n / bare:7.1f} articles/s")
    print(f"otkaz end to end:    {otkaz:7.2f} s  {n / otkaz:7.1f} articles/s  ({summary.mentions} mentions, {summary.incidents} incidents)")
    print(f"otkaz run (command): {cli:7.2f} s  {n / cli:7.1f} articles/s")
    print(f"ratio otkaz / bare:  {otkaz / bare:7.2f}x in process, {cli / bare:.2f}x as a command  (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
