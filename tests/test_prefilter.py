"""The relevance prefilter: its vocabulary matching, and its recall on every coded set.

The recall test reads each gold set under ../shared/eval (and the training sets under
training/*/gold.jsonl) as ``otkaz evaluate`` does, and requires that every article with a
required incident reaches the parser (the pipeline filters whole documents) and, on the
evaluation sets, that every quote of every required incident lies in the sentences the
prefilter would keep. The training corpus is written to teach wordings no word list knows
("took the first flight to Yerevan"), so there only whole articles are required.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from otkaz.datasets import read_dataset
from otkaz.evaluation import fold
from otkaz.model import Document
from otkaz.prefilter import Prefilter, get_prefilter, read_vocabulary, split_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD_SETS = sorted(SHARED.glob("eval/*/gold.jsonl")) + sorted(ROOT.glob("training/*/gold.jsonl"))


def _set_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}"


@pytest.mark.skipif(not GOLD_SETS, reason="no gold sets: ../shared/eval and training/*/gold.jsonl are absent")
@pytest.mark.parametrize("gold_path", GOLD_SETS, ids=[_set_id(p) for p in GOLD_SETS])
def test_prefilter_keeps_every_sentence_of_every_required_incident(gold_path: Path) -> None:
    prefilter = get_prefilter()
    articles, failures = read_dataset(gold_path)
    assert not failures
    lost = []
    for article in articles:
        document = article.document
        if not article.required:
            continue
        if not prefilter.is_relevant(document):
            lost.append(f"{article.gold.doc}: the whole article is filtered out")
            continue
        if gold_path.is_relative_to(ROOT / "training"):
            continue
        kept = fold(" ".join(document.text[s:e] for s, e in prefilter.relevant_spans(document.text, document.lang)))
        for incident in article.required:
            lost += [f"{article.gold.doc} {incident['id']}: {quote[:80]!r}"
                     for quote in incident["quotes"] if fold(quote) not in kept]
    assert not lost, "prefilter recall below 1.00:\n" + "\n".join(lost)


def _prefilter(*entries: str) -> Prefilter:
    return Prefilter({"en": list(entries), "ru": ["отказ", "соч$"]})


def test_a_headline_with_a_candidate_word_lets_the_article_through() -> None:
    """A short protest report told in plain words ("gathered", "chanted", "detained") was
    dropped although its headline named the mobilization."""
    prefilter = _prefilter("mobiliz")
    text = "Dozens of women gathered in the square and chanted until police took ten away."
    assert not prefilter.is_relevant(Document("a", text, lang="en"))
    assert prefilter.is_relevant(Document("a", text, lang="en", title="Women dance in a ring against mobilization"))


def test_stems_match_at_the_start_of_a_word_only() -> None:
    prefilter = _prefilter("draft", "refus")
    assert prefilter.is_relevant_text("He REFUSED to go.", "en")
    assert prefilter.is_relevant_text("The draft board met.", "en")
    assert not prefilter.is_relevant_text("The architect redrafted the plans.", "en")
    assert not prefilter.is_relevant_text("Nothing to see here.", "en")


def test_a_trailing_dollar_asks_for_the_whole_word_and_yo_reads_as_ye() -> None:
    prefilter = _prefilter("draft")
    assert prefilter.is_relevant_text("Дело о СОЧ передано в суд.", "ru")
    assert not prefilter.is_relevant_text("Отпуск в Сочи закончился.", "ru")
    assert Prefilter({"ru": ["поджег"]}).is_relevant_text("Он поджёг дверь.", "ru")


def test_phrases_match_across_a_line_break_and_typographic_apostrophes() -> None:
    prefilter = _prefilter("set fire", "wouldn't fight")
    assert prefilter.is_relevant_text("Someone set\nfire to it.", "en")
    assert prefilter.is_relevant_text("They said they wouldn’t fight.", "en")


def test_a_language_without_a_vocabulary_is_always_relevant() -> None:
    prefilter = _prefilter("draft")
    assert prefilter.is_relevant(Document(id="de", text="Ein ganz anderer Text.", lang="de"))
    assert prefilter.relevant_spans("Ein Text.", "de") == [(0, 9)]


def test_relevant_spans_are_the_hit_sentences_and_their_neighbours() -> None:
    sentences = [f"Sentence {n} is about the weather." for n in range(10)]
    sentences[5] = "Sentence 5 says he deserted."
    text = " ".join(sentences)
    spans = _prefilter("desert").relevant_spans(text, "en", neighbours=1)
    assert [text[s:e].strip() for s, e in spans] == [" ".join(sentences[4:7])]
    assert _prefilter("desert").relevant_spans("Nothing here.", "en") == []


def test_sentences_cover_the_text_and_end_at_stops_and_line_breaks() -> None:
    text = "First one. «Second» one!\nThird line\nFourth? Fifth…"
    spans = split_sentences(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert [text[s:e].strip() for s, e in spans] == ["First one.", "«Second» one!", "Third line", "Fourth?", "Fifth…"]


def test_shipped_vocabularies_are_read_without_comments() -> None:
    for lang in ("en", "ru"):
        entries = read_vocabulary(ROOT / "otkaz" / "lang" / lang / "candidates.txt")
        assert entries and not any(entry.startswith("#") or not entry.strip() for entry in entries)
    assert {"en", "ru"} <= set(get_prefilter().languages)


def test_folding_keeps_every_character_at_its_offset() -> None:
    from otkaz.prefilter import fold

    text = "Ёлка\u00a0ЁЖ’s\tʼn‘x’\r\nİstanbul ё"
    assert fold(text) == "елка еж's 'n'x'  istanbul е"
    assert len(fold(text)) == len(text)
