"""Russian extraction speed against natasha's bare pipeline, on the dev-ru articles.

    .venv/bin/python benchmarks/bench_ru.py [--repeat 10] [--eval-dir ../shared/eval/dev-ru]

Prints articles per second of (1) natasha alone: segmentation, morphology, lemmas, syntax
and NER, the way its README runs them, one Doc per article; (2) otkaz end to end:
``extract_many`` on the same texts (parsing, triggers, counts, dates, places, sources,
fields). Models and the gazetteer are loaded before timing; the two runs alternate for
--rounds rounds and the best time of each counts, as other processes on the machine slow
single runs down unevenly. The brief's bound: (2) takes at most 1.5 times as long as (1).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from otkaz.extract import extract_many
from otkaz.model import Document

DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev-ru"


def read_articles(folder: Path) -> list[str]:
    """The articles' text, without their header block (URL:, PUBLISHED:, ... then ---)."""
    texts = []
    for path in sorted((folder / "articles").glob("*.txt")):
        head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
        texts.append(body if sep else head)
    if not texts:
        sys.exit(f"{folder}: no articles/*.txt to benchmark")
    return texts


def natasha_bare(texts: list[str]) -> None:
    from natasha import Doc
    from threadpoolctl import threadpool_limits

    from otkaz.lang.ru import load_russian

    models = load_russian()
    # With one BLAS thread, as otkaz parses: natasha's small matrices run several times slower
    # with more on two cores, and the baseline should be the library at its best.
    with threadpool_limits(limits=1, user_api="blas"):
        _natasha_bare(models, Doc, texts)


def _natasha_bare(models, Doc, texts: list[str]) -> None:
    for text in texts:
        doc = Doc(text)
        doc.segment(models.segmenter)
        doc.tag_morph(models.morph)
        doc.parse_syntax(models.syntax)
        doc.tag_ner(models.ner)
        for token in doc.tokens:
            token.lemmatize(models.vocab)


def otkaz_end_to_end(texts: list[str]) -> None:
    documents = (Document(id=f"bench-{i}", text=text, published="2023-01-15", lang="ru") for i, text in enumerate(texts))
    for _ in extract_many(documents):
        pass


def timed(run, texts: list[str]) -> float:
    start = time.perf_counter()
    run(texts)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="how many times the articles are repeated")
    parser.add_argument("--rounds", type=int, default=3, help="alternating timed runs of each; the best counts")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    args = parser.parse_args()
    articles = read_articles(args.eval_dir)
    texts = articles * args.repeat
    # warm-up: load the models, the gazetteer and the morphology caches
    otkaz_end_to_end(articles)
    natasha_bare(articles)
    bare, full = float("inf"), float("inf")
    for _ in range(max(1, args.rounds)):
        bare = min(bare, timed(natasha_bare, texts))
        full = min(full, timed(otkaz_end_to_end, texts))
    print(f"{len(texts)} articles ({len(articles)} repeated {args.repeat} times), best of {args.rounds} rounds")
    print(f"natasha bare pipeline: {len(texts) / bare:7.1f} articles/s ({bare:.2f} s)")
    print(f"otkaz end to end:      {len(texts) / full:7.1f} articles/s ({full:.2f} s)")
    print(f"ratio: {full / bare:.2f} x natasha's time (bound: 1.5)")


if __name__ == "__main__":
    main()
