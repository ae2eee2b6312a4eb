"""The trained sentence model: labels from gold quotes, fitting, saving, screening triggers,
and the train / evaluate --folds commands, on small coded sets written for these tests."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from otkaz.cli import cli
from otkaz.datasets import check, read_dataset
from otkaz.extract import analyze, get_language, screen_triggers
from otkaz.extract.sentences import MODEL_DIR, SentenceModel, SentenceScore, shipped_model
from otkaz.extract.training import SKIP, fit, folds_of, parse_articles, sentence_labels

pytestmark = pytest.mark.slow

ARTICLES = [
    ("Two soldiers left their unit near Bryansk in March and went home to Kursk, the regional news site said. "
     "The weather in the region was cold.", "desertion", "Two soldiers left their unit near Bryansk in March"),
    ("A mobilized man from Omsk refused to go back to the front after his leave, his wife said. "
     "The city council met on Tuesday to discuss roads.", "combat_refusal", "refused to go back to the front after his leave"),
    ("Residents of Yakutsk held a rally against the call-up on Sunday, and police detained several people. "
     "Prices for bread rose again.", "protest", "held a rally against the call-up on Sunday"),
    ("A contract soldier from Perm asked his commanders to terminate his contract, the outlet reported. "
     "The bridge over the river was repaired.", "discharge_attempt", "asked his commanders to terminate his contract"),
    ("The parliament passed a law on electronic summonses on Tuesday. Deputies voted for it without debate.", None, None),
    ("A young man from Tver crossed into Kazakhstan on foot to escape mobilization, his brother told reporters. "
     "The museum opened a new exhibition.", "flight_abroad", "crossed into Kazakhstan on foot to escape mobilization"),
]


def write_set(folder: Path, articles=ARTICLES, optional: str | None = None) -> Path:
    (folder / "articles").mkdir(parents=True)
    lines = []
    for n, (text, kind, quote) in enumerate(articles, start=1):
        name = f"articles/{n:03}.txt"
        (folder / name).write_text(f"TITLE: Item {n}\nPUBLISHED: 2023-05-10\nLANG: en\n---\n{text}\n", encoding="utf-8")
        incidents = []
        if kind:
            incidents.append({
                "id": f"t{n}", "required": True, "quotes": [quote], "type": kind, "actors": ["civilians"],
                "count": {"min": None, "max": None}, "location": None, "origin": None,
                "date": {"start": "2023-01-01", "end": "2023-05-10"}, "consequences": [], "cited": [], "people": [],
            })
        if optional and n == 1:
            incidents.append({"id": "opt", "required": False, "quotes": [optional], "type": "desertion",
                              "actors": [], "count": None, "location": None, "origin": None, "date": None,
                              "consequences": [], "cited": [], "people": []})
        lines.append(json.dumps({"doc": name, "published": "2023-05-10", "lang": "en", "incidents": incidents}))
    gold = folder / "gold.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gold


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    gold = write_set(tmp_path_factory.mktemp("coded"), optional="The weather in the region was cold.")
    articles, failures = read_dataset(gold)
    assert not failures
    return gold, parse_articles(articles)


def test_a_sentence_is_labelled_by_the_gold_quote_it_shares(coded):
    _, parsed = coded
    first = sentence_labels(parsed[0])
    assert first == ["desertion", SKIP]  # the optional incident's sentence teaches nothing
    assert sentence_labels(parsed[4]) == [None, None]


def test_check_reports_a_quote_that_is_not_in_the_text(tmp_path):
    gold = write_set(tmp_path, ARTICLES[:1])
    data = json.loads(gold.read_text())
    data["incidents"][0]["quotes"] = ["soldiers walked off a ship in Sevastopol"]
    gold.write_text(json.dumps(data) + "\n")
    assert any("quote not in the article text" in line for line in check(gold))


def test_a_fitted_model_scores_incident_sentences_above_the_rest_and_survives_saving(coded, tmp_path):
    _, parsed = coded
    model = fit("en", parsed)
    language = get_language("en")
    doc = next(language.parse_many(["Three sailors deserted from their ship in Sevastopol. The ship was repaired."]))
    scores = model.score(doc, language.triggers(doc))
    assert scores[0].incident > scores[1].incident
    path = tmp_path / "en.npz"
    model.save(path)
    again = SentenceModel.load(path).score(doc, language.triggers(doc))
    assert again[0].incident == pytest.approx(scores[0].incident, abs=1e-3)
    assert again[0].type == scores[0].type


class FixedScores:
    """A stand-in model: the probability of each sentence given in order."""

    def __init__(self, probabilities, kind="desertion"):
        self.probabilities, self.kind = probabilities, kind

    def score(self, doc, triggers):
        return [SentenceScore(p, {self.kind: 1.0}) for p in self.probabilities]


def test_the_model_drops_rule_triggers_it_rejects_and_adds_those_it_is_sure_of():
    language = get_language("en")
    text = ("A soldier refused to fight near Avdiivka last week. "
            "Two conscripts walked away from their post in Belgorod on Monday and were not seen again.")
    doc = next(language.parse_many([text]))
    rules = language.triggers(doc)
    assert {t.sentence.index for t in rules} >= {0}
    rejected = screen_triggers(language, doc, rules, FixedScores([0.01, 0.01]).score(doc, rules))
    assert not [t for t in rejected if not t.generic]
    rules = language.triggers(doc)
    added = screen_triggers(language, doc, rules, FixedScores([0.9, 0.95]).score(doc, rules))
    learned = [t for t in added if t.learned]
    assert [t.sentence.index for t in learned] == [1] or 1 in {t.sentence.index for t in added}
    result = analyze(language, _document(text), doc, FixedScores([0.01, 0.95]))
    assert [m.type for m in result.mentions] == ["desertion"]
    assert "walked away" in next(e.quote for e in result.mentions[0].evidence if e.field == "incident")


@pytest.mark.parametrize(
    "second, incidents",
    [
        # another town: another protest, though the model is not sure enough for an incident of its own elsewhere
        ("The same afternoon, about forty women gathered by the war memorial in Ulan-Ude.", 2),
        # the same town: the same protest told on
        ("The same afternoon, about forty women gathered by the war memorial in Chita.", 1),
    ],
)
def test_a_protest_told_at_another_place_is_another_protest(second, incidents):
    # Before: the model's sentence joined the protest told just before it, wherever it was.
    language = get_language("en")
    text = "Wives of mobilised men held a protest outside the regional government building in Chita on Saturday. " + second
    doc = next(language.parse_many([text]))
    assert [t.sentence.index for t in language.triggers(doc) if t.type == "protest"] == [0]
    result = analyze(language, _document(text), doc, FixedScores([0.9, 0.55], kind="protest"))
    assert [m.type for m in result.mentions] == ["protest"] * incidents


def _document(text):
    from otkaz.model import Document

    return Document(id="t", text=text, published="2023-05-10", lang="en")


def test_folds_never_split_or_repeat_an_article():
    folds = folds_of(list(range(23)), 5)
    assert sorted(i for f in folds for i in f) == list(range(23))
    assert max(map(len, folds)) - min(map(len, folds)) <= 1


def test_train_writes_one_model_per_language_and_evaluate_folds_scores_held_out(coded, tmp_path):
    gold, _ = coded
    runner = CliRunner()
    out = tmp_path / "models"
    result = runner.invoke(cli, ["train", str(gold), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "en.npz").exists() and "en: 6 articles" in result.output
    result = runner.invoke(cli, ["evaluate", str(gold), "--folds", "3", "--train", str(gold.parent), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["folds"] == 3
    assert report["required"] == 5
    assert set(report["types"]) == {"desertion", "combat_refusal", "protest", "discharge_attempt", "flight_abroad"}


def test_train_without_folds_is_a_usage_error(coded):
    gold, _ = coded
    result = CliRunner().invoke(cli, ["evaluate", str(gold), "--train", str(gold)])
    assert result.exit_code == 2 and "--folds" in result.output


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_shipped_models_load_and_are_small(lang):
    path = MODEL_DIR / f"{lang}.npz"
    assert path.exists(), f"no shipped model for {lang}: run otkaz train (see README)"
    assert path.stat().st_size < 8 * 1024 * 1024
    model = shipped_model(lang)
    assert model.lang == lang and len(model.types) == 8


def test_features_are_hashed_as_scikit_learn_hashed_those_the_weights_were_trained_on():
    from sklearn.feature_extraction.text import HashingVectorizer

    from otkaz.extract.sentences import N_FEATURES, hashed

    rng = random.Random(7)
    letters = "abcxyz абвгдёж:_-17"
    features = [["".join(rng.choice(letters) for _ in range(rng.randint(1, 8))) for _ in range(rng.randint(0, 40))]
                for _ in range(500)]
    features += [[], ["w:отказ", "w:отказ", "c: ref"]]
    reference = HashingVectorizer(analyzer=lambda f: f, n_features=N_FEATURES, alternate_sign=False, norm="l2")
    assert abs(reference.transform(features) - hashed(features)).max() == 0


def test_scoring_sentences_does_not_import_scikit_learn():
    # scikit-learn's imports cost 2 s of every run's start-up; it trains, it is not needed to score
    code = (
        "import sys; from otkaz.extract import extract; from otkaz.model import Document; "
        "r = extract(Document(id='a', text='Two soldiers left their unit near Bryansk and went home.', lang='en')); "
        "assert r.processed; print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


SHARED = Path(__file__).resolve().parents[2] / "shared"
# In-sample regression guards: the shipped models were trained on these sets (held-out scores
# come from `otkaz evaluate --folds`, see the README), so a drop here means the extractor broke.
IN_SAMPLE_F1 = {"dev": 0.80, "dev-ru": 0.72}


@pytest.mark.parametrize("name", sorted(IN_SAMPLE_F1))
def test_the_shipped_extractor_on_the_development_set_it_was_trained_on(name):
    from otkaz.evaluation import load_gold, score
    from otkaz.extract import extract_many
    from otkaz.merge import merge
    from otkaz.model import Report

    gold_path = SHARED / "eval" / name / "gold.jsonl"
    if not gold_path.exists():
        pytest.skip(f"../shared/eval/{name} is absent")
    articles, failures = read_dataset(gold_path)
    assert not failures
    documents = [a.document for a in articles]
    reports = [Report(d, m) for d, r in zip(documents, extract_many(documents)) for m in r.mentions]
    report = score(load_gold(gold_path), [i.to_export(include_names=True) for i in merge(reports, [])])
    assert report.f1 >= IN_SAMPLE_F1[name], report.to_dict()["incidents"]


LONE_TEXT = ("The regional news site wrote about the men of the village this week. "
             "Their relatives said the men had not been heard from since spring. "
             "The men were last seen near the railway station with their bags. "
             "Neighbours said the police came to the village twice asking about them. "
             "The site's editor said the story would be followed up.")


def test_an_article_about_the_subject_gives_its_best_sentence_when_nothing_else_was_found():
    # Issue 9: most missed Russian incidents had a sentence the model scored 0.5-0.7 and no rule,
    # in an article several of whose sentences the model read as a report about the subject.
    # Before the lone threshold, such an article gave nothing.
    from otkaz.extract.sentences import Thresholds

    language = get_language("en")
    doc = next(language.parse_many([LONE_TEXT]))
    scores = FixedScores([0.35, 0.4, 0.6, 0.45, 0.05])
    off = Thresholds(keep=0.25, add=0.4, new=0.7, beside=0.7)
    assert analyze(language, _document(LONE_TEXT), doc, scores, off).mentions == []
    on = Thresholds(keep=0.25, add=0.4, new=0.7, beside=0.7, lone=0.55)
    mentions = analyze(language, _document(LONE_TEXT), doc, scores, on).mentions
    assert len(mentions) == 1
    assert "last seen near the railway station" in next(e.quote for e in mentions[0].evidence if e.field == "incident")


def test_a_lone_sentence_or_one_among_unrelated_sentences_still_needs_the_new_threshold():
    from otkaz.extract.sentences import Thresholds

    on = Thresholds(keep=0.25, add=0.4, new=0.7, beside=0.7, lone=0.55)
    language = get_language("en")
    one = "The men were last seen near the railway station with their bags."
    doc = next(language.parse_many([one]))
    assert analyze(language, _document(one), doc, FixedScores([0.6]), on).mentions == []
    doc = next(language.parse_many([LONE_TEXT]))
    assert analyze(language, _document(LONE_TEXT), doc, FixedScores([0.05, 0.1, 0.6, 0.35, 0.05]), on).mentions == []


def test_the_lone_threshold_survives_saving(coded, tmp_path):
    from dataclasses import replace

    _, parsed = coded
    model = fit("en", parsed, tune=False)
    model.thresholds = replace(model.thresholds, lone=0.55)
    model.save(tmp_path / "en.npz")
    assert SentenceModel.load(tmp_path / "en.npz").thresholds.lone == 0.55
