"""Coded datasets: a gold.jsonl beside the articles it codes (the layout of
../shared/eval/README.md), read into documents with their gold incidents.

The evaluation sets, the project's own training corpus (``training/``) and any
set a user codes share this layout; ``check`` tells a coder what the scorer or
the trainer could not use.

    python -m otkaz.datasets training/en/gold.jsonl
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .evaluation import EvaluationError, GoldArticle, fold, load_gold
from .model import ACTORS, CONSEQUENCES, INCIDENT_TYPES, Document, parse_published


@dataclass
class CodedArticle:
    gold: GoldArticle
    document: Document

    @property
    def required(self) -> list[dict]:
        return [i for i in self.gold.incidents if i.get("required", True)]


def read_dataset(gold_path: Path) -> tuple[list[CodedArticle], list[str]]:
    """The articles of a gold file, ingested as ``otkaz evaluate`` ingests them (the gold's
    date and language, the gold's ``doc`` as id); and one line per article that failed."""
    from .ingest import IngestFailure, IngestOptions, IngestWarning, ingest

    gold_path = Path(gold_path)
    articles, failures = [], []
    for article in load_gold(gold_path):
        options = IngestOptions(published=article.published, lang=article.lang)
        documents = []
        for item in ingest([str(gold_path.parent / article.doc)], options):
            if isinstance(item, IngestFailure):
                failures.append(f"{article.doc}: {item.reason}")
            elif isinstance(item, IngestWarning):
                failures.append(f"{article.doc}: warning: {item.message}")
            else:
                documents.append(item)
        if len(documents) == 1:
            documents[0].id = article.doc
            articles.append(CodedArticle(article, documents[0]))
        elif documents:
            failures.append(f"{article.doc}: holds {len(documents)} documents, a coded article must be one")
    return articles, failures


def check(gold_path: Path) -> list[str]:
    """Everything in a coded dataset that the scorer or the trainer cannot use, one line each."""
    try:
        articles, problems = read_dataset(gold_path)
    except EvaluationError as exc:
        return [str(exc)]
    for article in articles:
        problems += [f"{article.gold.doc}: {p}" for p in _article_problems(article)]
    return problems


def _article_problems(article: CodedArticle) -> list[str]:
    problems = []
    text = fold(article.document.text)
    if article.gold.lang and article.document.lang and article.gold.lang != article.document.lang:
        problems.append(f"gold says lang {article.gold.lang}, the text reads as {article.document.lang}")
    published = parse_published(article.gold.published) if article.gold.published else None
    for incident in article.gold.incidents:
        where = f"incident {incident['id']}"
        for quote in incident["quotes"]:
            if fold(quote) not in text:
                problems.append(f"{where}: quote not in the article text: {quote[:60]!r}")
        if incident["type"] not in INCIDENT_TYPES:
            problems.append(f"{where}: type {incident['type']!r} is not a codebook type")
        for key, labels in (("actors", ACTORS), ("consequences", CONSEQUENCES)):
            wrong = [v for v in incident.get(key) or [] if v not in labels]
            if wrong:
                problems.append(f"{where}: {key} {wrong} are not codebook labels")
        if incident.get("required", True) and not incident.get("actors"):
            problems.append(f"{where}: no actors")
        count = incident.get("count") or {}
        if count.get("min") is not None and count.get("max") is not None and count["min"] > count["max"]:
            problems.append(f"{where}: count min > max")
        span = incident.get("date")
        if span:
            end = date.fromisoformat(span["end"])
            if published is not None and end > published.end:
                problems.append(f"{where}: date ends after publication")
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m otkaz.datasets GOLD.jsonl ...", file=sys.stderr)
        return 2
    status = 0
    for path in argv:
        problems = check(Path(path))
        for line in problems:
            print(f"{path}: {line}")
        if problems:
            status = 1
        else:
            print(f"{path}: ok")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
