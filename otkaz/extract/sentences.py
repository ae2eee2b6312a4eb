"""The trained sentence model: which sentences report an incident, and of which type.

Rules find triggers by syntax; they are precise on the wording they were written for and
miss the rest. This model reads every sentence of an article and scores it from what a
reader uses: its lemmas and characters (so inflected and unseen words still share
features), what the rules found in it, and its neighbours. Its weights are a few MB of
numbers shipped in the package (``models/<lang>.npz``), trained by ``otkaz train``; the
extractor keeps a rule trigger only where the model does not reject its sentence, and adds
a trigger where the model is sure and no rule fired.

Features are hashed (no vocabulary to ship); the two classifiers are scikit-learn logistic
regressions whose coefficients are saved as plain arrays, so that using them needs neither
scikit-learn nor its start-up (2 s of imports, scipy.stats among them), only the hashing.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..model import INCIDENT_TYPES
from .parsing import ParsedDoc, Sentence
from .triggers import Trigger, is_headline

MODEL_DIR = Path(__file__).parent / "models"
N_FEATURES = 2**18
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Thresholds:
    """How the extractor uses the model's scores: a rule trigger in a sentence scored below
    ``keep`` is dropped; a sentence scored ``add`` or more with no rule trigger gets one of the
    model's type, which may join an incident told nearby but starts one of its own only when
    scored ``new`` or more, and ``beside`` or more in an article where the rules found an
    incident (there a sentence far from it is more often commentary or background than another
    incident). In an article where nothing was found, its best sentence starts an incident
    from ``lone`` when the model reads the article as a report about the subject
    (``extract.lone_incident``; 1.0: never). Chosen per language by cross-validation when the model is trained
    (``training.tune_thresholds``) and saved with its weights."""

    keep: float = 0.25
    add: float = 0.5
    new: float = 0.7
    beside: float = 0.7
    lone: float = 1.0


DEFAULT_THRESHOLDS = Thresholds()


@dataclass
class SentenceScore:
    incident: float  # probability that the sentence states an incident
    types: dict[str, float]  # probability of each type, given that it does

    @property
    def type(self) -> str:
        return max(self.types, key=self.types.get)


def sentence_features(doc: ParsedDoc, triggers: list[Trigger]) -> list[list[str]]:
    """One list of feature strings per sentence of ``doc``."""
    by_sentence: dict[int, list[Trigger]] = {}
    for trig in triggers:
        by_sentence.setdefault(trig.sentence.index, []).append(trig)
    body = [s.index for s in doc.sentences if not is_headline(doc, s)]
    lead = set(body[:2])
    lemmas = [_lemmas(s) for s in doc.sentences]
    out = []
    for s in doc.sentences:
        feats = _own_features(s, lemmas[s.index])
        feats += [f"rule:{t.type}" for t in by_sentence.get(s.index, []) if not t.generic]
        feats += [f"rule:generic:{t.type}" for t in by_sentence.get(s.index, []) if t.generic]
        feats += [f"rule:strong:{t.type}" for t in by_sentence.get(s.index, []) if t.strength >= 0.6 and not t.generic]
        if not by_sentence.get(s.index):
            feats.append("rule:none")
        if is_headline(doc, s):
            feats.append("pos:headline")
        elif s.index in lead:
            feats.append("pos:lead")
        for offset, name in ((-1, "prev"), (1, "next")):
            j = s.index + offset
            if 0 <= j < len(doc.sentences):
                feats += [f"{name}:{w}" for w in lemmas[j]]
                feats += [f"{name}:rule:{t.type}" for t in by_sentence.get(j, []) if not t.generic]
        out.append(feats)
    return out


def _lemmas(s: Sentence) -> list[str]:
    return [t.lemma for t in s.tokens if t.pos not in {"PUNCT", "SPACE"}]


def _own_features(s: Sentence, lemmas: list[str]) -> list[str]:
    feats = [f"w:{w}" for w in lemmas]
    feats += [f"b:{a}_{b}" for a, b in zip(lemmas, lemmas[1:])]
    feats += [f"pos:{t.pos}:{t.lemma}" for t in s.tokens if t.dep in {"ROOT", "root"}]
    feats += [f"ent:{t.ent}" for t in s.tokens if t.ent in {"PER", "LOC", "ORG", "DATE"}]
    feats += [f"num:{t.pos == 'NUM'}" for t in s.tokens[:1]]
    feats += [f"morph:{m}" for t in s.tokens if t.pos in {"VERB", "AUX"} for m in t.morph.split("|") if m.startswith(("Tense", "Mood", "VerbForm"))]
    text = " " + " ".join(s.text.lower().split()) + " "
    feats += [f"c:{text[i:i + n]}" for n in (4, 5) for i in range(len(text) - n + 1)]
    return feats


def hashed(features: list[list[str]]):
    """One row per sentence of l2-normalised feature counts, each feature at its 32-bit signed
    MurmurHash3 modulo N_FEATURES: scikit-learn's ``HashingVectorizer(alternate_sign=False)``,
    which trained the shipped weights, without importing scikit-learn."""
    from mmh3 import hash as murmurhash3_32
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for feats in features:
        counts: dict[int, int] = {}
        for feat in feats:
            h = murmurhash3_32(feat, 0)
            # scikit-learn's index for -2**31, whose absolute value does not fit 32 bits
            index = (2147483647 - (N_FEATURES - 1)) % N_FEATURES if h == -2147483648 else abs(h) % N_FEATURES
            counts[index] = counts.get(index, 0) + 1
        row = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        norm = np.sqrt(row @ row)
        indices.extend(counts)
        values.append(row / norm if norm else row)
        indptr.append(len(indices))
    data = np.concatenate(values) if values else np.zeros(0)
    return csr_matrix((data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
                      shape=(len(features), N_FEATURES))


class SentenceModel:
    """Two linear classifiers over hashed sentence features."""

    def __init__(self, lang: str, incident_coef, incident_bias: float, type_coef, type_bias, types: tuple[str, ...],
                 thresholds: Thresholds = DEFAULT_THRESHOLDS):
        self.lang = lang
        self.thresholds = thresholds
        self.incident_coef = np.asarray(incident_coef, dtype=np.float32)
        self.incident_bias = float(incident_bias)
        self.type_coef = np.asarray(type_coef, dtype=np.float32)
        self.type_bias = np.asarray(type_bias, dtype=np.float32)
        self.types = tuple(types)

    # -- use ------------------------------------------------------------------------------

    def score(self, doc: ParsedDoc, triggers: list[Trigger]) -> list[SentenceScore]:
        feats = sentence_features(doc, triggers)
        if not feats:
            return []
        X = hashed(feats)
        incident = 1 / (1 + np.exp(-(X @ self.incident_coef + self.incident_bias)))
        logits = X @ self.type_coef.T + self.type_bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return [
            SentenceScore(float(p), {t: float(q) for t, q in zip(self.types, row)})
            for p, row in zip(incident, probs)
        ]

    # -- learn ----------------------------------------------------------------------------

    @classmethod
    def fit(cls, lang: str, features: list[list[str]], labels: list[str | None], c_incident: float = 1.0, c_type: float = 4.0) -> SentenceModel:
        """``labels``: the type of the incident a sentence states, or None when it states none."""
        from sklearn.linear_model import LogisticRegression

        X = hashed(features)
        y = np.array([label is not None for label in labels])
        incident = LogisticRegression(C=c_incident, class_weight="balanced", max_iter=3000).fit(X, y)
        positive = [i for i, label in enumerate(labels) if label is not None]
        kinds = sorted({labels[i] for i in positive}, key=INCIDENT_TYPES.index)
        if len(kinds) > 1:
            typed = LogisticRegression(C=c_type, max_iter=3000).fit(X[positive], [labels[i] for i in positive])
            type_coef, type_bias = typed.coef_, typed.intercept_
            if len(kinds) == 2:  # scikit-learn keeps one row for two classes
                type_coef = np.vstack([-type_coef, type_coef]) / 2
                type_bias = np.array([-type_bias[0], type_bias[0]]) / 2
            kinds = list(typed.classes_)
        else:
            type_coef, type_bias = np.zeros((1, N_FEATURES)), np.zeros(1)
        return cls(lang, incident.coef_[0], incident.intercept_[0], type_coef, type_bias, tuple(kinds))

    # -- store ----------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh,
                format=np.array(FORMAT_VERSION),
                lang=np.array(self.lang),
                incident_coef=self.incident_coef.astype(np.float16),
                incident_bias=np.array(self.incident_bias),
                type_coef=self.type_coef.astype(np.float16),
                type_bias=self.type_bias,
                types=np.array(self.types),
                thresholds=np.array([self.thresholds.keep, self.thresholds.add, self.thresholds.new, self.thresholds.beside,
                                     self.thresholds.lone]),
            )

    @classmethod
    def load(cls, path: Path) -> SentenceModel:
        with np.load(path) as data:
            if int(data["format"]) != FORMAT_VERSION:
                raise ValueError(f"{path}: sentence model format {int(data['format'])}, this otkaz reads {FORMAT_VERSION}")
            return cls(
                str(data["lang"]), data["incident_coef"], float(data["incident_bias"]),
                data["type_coef"], data["type_bias"], tuple(str(t) for t in data["types"]),
                Thresholds(*map(float, data["thresholds"])) if "thresholds" in data else DEFAULT_THRESHOLDS,
            )


@lru_cache(maxsize=None)
def shipped_model(lang: str) -> SentenceModel | None:
    """The model trained for a language and shipped in the package, or None."""
    path = MODEL_DIR / f"{lang}.npz"
    return SentenceModel.load(path) if path.exists() else None
