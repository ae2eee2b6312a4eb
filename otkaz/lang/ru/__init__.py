"""Russian: natasha parsing, the Russian words for the codebook, and Russian triggers.

Parsing is natasha's (sentences, tokens, lemmas, UD morphology and dependencies, PER/LOC/ORG
names), loaded once per process from the installed wheels. Triggers are found by who did
what, as in English: a predicate ("отказаться", "сбежать", "расторгнуть", "уклониться",
"выехать", "протестовать", "поджечь") counts only with the right complement (отказаться
*воевать*, *от участия*; not *от комментариев*), a participant who can take part (not a
court, a draft office, the authorities), in a clause that states a fact (no "бы", "если",
future, "хотел", no negation unless the negation is the act: "не вернулся в часть", "не
явился в военкомат"); generic and aggregate subjects ("тысячи россиян", "многие") make an
aggregate. Court cases are also read by their article of the Criminal Code (337, 338: desertion;
332: refusing an order; 339: evasion by malingering; 328: draft evasion).
Words are compared by lemma, so every case form of a trigger, a noun or a place counts.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from dataclasses import dataclass
from functools import lru_cache

from threadpoolctl import threadpool_limits

from otkaz.extract.assemble import CONTINUATION_WINDOW
from otkaz.extract.lexicon import FieldWords, Lexicon
from otkaz.extract.parsing import Entity, ParsedDoc, Sentence, Token, paragraph_numbers
from otkaz.lang import WordLists
from otkaz.extract.triggers import Trigger, find_triggers, learned_trigger, phrase_of

WORDS = WordLists(Path(__file__).parent / "words.toml")

BATCH_SIZE = 16  # sentences per model call; natasha's default is 8

# -- dependency labels (Universal Dependencies, as natasha's syntax model gives them) ------

SUBJECT_DEPS = {"nsubj", "nsubj:pass", "csubj"}
# A predicate reached through these shares its governor's participant.
CLIMB_DEPS = {"xcomp", "conj", "advcl", "obl", "nmod", "obj", "acl", "acl:relcl", "iobj"}
PHRASE_STOP_DEPS = {"acl", "acl:relcl", "punct", "cc", "conj", "advcl", "parataxis"}
RELATIVE_PRONOUNS = WORDS.set("relative_pronouns")
PERSONAL_PRONOUNS = WORDS.set("personal_pronouns")
ANAPHORIC_DETERMINERS = WORDS.set("anaphoric_determiners")
INTRODUCING_DETERMINERS = WORDS.set("introducing_determiners")

# -- words of the triggers ------------------------------------------------------------------

REFUSE_VERBS = WORDS.set("refuse_verbs")
REFUSE_NOUNS = WORDS.set("refuse_nouns")
# Infinitives after "отказаться" that make it a refusal to fight.
FIGHT_VERBS = WORDS.set("fight_verbs")
# "отказался ехать на передовую", "в зону СВО", "туда"; "отказался идти в военкомат"
MOVE_VERBS = WORDS.set("move_verbs")
WAR_DESTINATIONS = WORDS.set("war_destinations")
# "отказался получать повестку", "расписываться", "брать оружие", "открывать дверь"
ACCEPT_VERBS = WORDS.set("accept_verbs")
# "отказаться выполнять приказ", "от выполнения задачи"
EXECUTE_VERBS = WORDS.set("execute_verbs")
ORDER_WORDS = WORDS.set("order_words")
FIGHT_NOUNS = WORDS.set("fight_nouns")
DRAFT_PAPERS = WORDS.set("draft_papers")
DRAFT_WORDS = WORDS.set("draft_words")
DRAFT_OFFICE_WORDS = WORDS.set("draft_office_words")
UNIT_WORDS = WORDS.set("unit_words")
SERVICE_CONTEXT = WORDS.set("service_context")
ABROAD_WORDS = WORDS.set("abroad_words")
HOME_COUNTRY = WORDS.set("home_country")
LEAVE_VERBS = WORDS.set("leave_verbs")
FLEE_VERBS = WORDS.set("flee_verbs")
ABANDON_VERBS = WORDS.set("abandon_verbs")
HIDE_VERBS = WORDS.set("hide_verbs")
EVADE_VERBS = WORDS.set("evade_verbs")
# Verbs whose negation is itself the act: "не вернулся в часть", "не явился в военкомат".
NEGATION_ACTS = WORDS.set("negation_acts")
PROTEST_CUES = WORDS.set("protest_cues")
WAR_PROTEST_WORDS = WORDS.set("war_protest_words")
PROTEST_VERBS = WORDS.set("protest_verbs")
PROTEST_NOUNS = WORDS.set("protest_nouns")
PROTEST_HAPPEN_VERBS = WORDS.set("protest_happen_verbs")
PROTEST_HOLD_VERBS = WORDS.set("protest_hold_verbs")
BLOCK_VERBS = WORDS.set("block_verbs")
BLOCK_OBJECTS = WORDS.set("block_objects")
BANNER_VERBS = WORDS.set("banner_verbs")
BANNER_NOUNS = WORDS.set("banner_nouns")
BANNER_CUES = WORDS.set("banner_cues")
ARSON_VERBS = WORDS.set("arson_verbs")
ATTACK_VERBS = WORDS.set("attack_verbs")
ATTACK_NOUNS = WORDS.set("attack_nouns")
CONTRACT_WORDS = WORDS.set("contract_words")
TERMINATE_VERBS = WORDS.set("terminate_verbs")
TERMINATE_NOUNS = WORDS.set("terminate_nouns")
RESIGN_VERBS = WORDS.set("resign_verbs")
DISCHARGE_VERBS = WORDS.set("discharge_verbs")
PAPER_NOUNS = WORDS.set("paper_nouns")
ASYLUM_VERBS = WORDS.set("asylum_verbs")
ASYLUM_WORDS = WORDS.set("asylum_words")
CROSS_VERBS = WORDS.set("cross_verbs")
DETAIN_VERBS = WORDS.set("detain_verbs")
DESERTION_NOUNS = WORDS.set("desertion_nouns")
EVASION_NOUNS = WORDS.set("evasion_nouns")
CROSSING_NOUNS = WORDS.set("crossing_nouns")
LEAVING_NOUNS = WORDS.set("leaving_nouns")
REFUSAL_NOUNS = WORDS.set("refusal_nouns")
# Nominal triggers of the "X was sentenced for <noun>" kind point to the person sentenced.
SENTENCING_VERBS = WORDS.set("sentencing_verbs")
CASE_NOUNS = WORDS.set("case_nouns")
# Governing words that make what follows them not (yet) a fact.
NON_FACTUAL_GOVERNORS = WORDS.set("non_factual_governors")
# An attempt or a request is the act itself for these types ("попросил расторгнуть контракт").
ATTEMPT_TYPES = WORDS.set("attempt_types")
ATTEMPT_GOVERNORS = WORDS.set("attempt_governors")
HYPOTHETICAL_MARKS = WORDS.set("hypothetical_marks")
AGGREGATE_WORDS = WORDS.set("aggregate_words")
VAGUE_WORDS = WORDS.set("vague_words")
QUANTITY_WORDS = WORDS.set("quantity_words")
REPORT_NOUNS = WORDS.set("report_nouns")  # in the plural: many incidents
AGGREGATE_NOUNS = WORDS.set("aggregate_nouns")
# "наказание за дезертирство", "ответственность за отказ": the offence in law, when no one is named
LAW_WORDS = WORDS.set("law_words")
TIME_WORDS = WORDS.set("time_words")
NEGATIONS = WORDS.set("negations")
GROUP_NOUNS = WORDS.set("group_nouns")

# Articles of the Criminal Code and the type of the act they punish.
CRIMINAL_CODE = {"337": "desertion", "338": "desertion", "332": "combat_refusal", "328": "draft_evasion", "339": "discharge_attempt"}
ARTICLE_RE = re.compile(
    r"(?:\bст(?:ать[а-яё]*|\.)\s*(?:\d+(?:\.\d+)?\s*(?:,|и)\s*)*(?P<a>3[23]\d)(?!\d)"
    r"|(?<!\d)(?P<b>3[23]\d)(?:-?(?:й|я|ой|ей))?\s+стать[а-яё]*)",
    re.IGNORECASE,
)


def _forms(lemmas: Iterable[str]) -> set[str]:
    """Every inflected form of some words, for the lexicon entries matched on surface text."""
    vocab = morph_vocab()
    out: set[str] = set()
    for lemma in lemmas:
        out.add(lemma)
        for parse in vocab(lemma)[:1]:
            out.update(form.word.replace("ё", "е") for form in parse.lexeme)
    return out


@lru_cache(maxsize=1)
def russian_lexicon() -> Lexicon:
    return Lexicon(
        lang="ru",
        actor_nouns=ACTOR_NOUNS,
        people_nouns=PEOPLE_NOUNS,
        authority_nouns=AUTHORITY_NOUNS,
        generic_quantifiers=WORDS.set("lexicon.generic_quantifiers"),
        consequence_cues=CONSEQUENCE_CUES,
        reporting_verbs=WORDS.set("lexicon.reporting_verbs"),
        source_nouns=WORDS.set("lexicon.source_nouns"),
        known_sources=tuple(_known_variants()),
        after_the_fact_verbs=WORDS.set("lexicon.after_the_fact_verbs"),
        official_titles=_forms(WORDS.set("lexicon.official_titles")),
        distributive_words=WORDS.set("lexicon.distributive_words"),
        # threats, and requests: "попросил уволить его" is no dismissal, "прокурор просил 5 лет" no prison yet
        threat_governors=WORDS.set("lexicon.threat_governors"),
        contract_words=CONTRACT_WORDS,
        mobilization_words=WORDS.set("lexicon.mobilization_words"),
        source_name=source_name,
        fields=FieldWords.from_table(WORDS.get("fields", {})),
    )


ACTOR_NOUNS = WORDS.table("actor_nouns")
PEOPLE_NOUNS = set().union(*ACTOR_NOUNS.values()) | {
    "человек", "сын", "муж", "отец", "брат", "сотрудник", "гражданин", "участник", "житель",
    "военнослужащая", "молодой", "юноша", "задержанный", "обвиняемый", "подсудимый", "осужденный",
    "фигурант", "уроженец", "сослуживец", "товарищ", "сослуживица", "заключенный",
}
AUTHORITY_NOUNS = WORDS.set("authority_nouns")
STATE_BODIES = WORDS.set("state_bodies")
CONSEQUENCE_CUES = WORDS.cues("consequence_cues")
KNOWN_SOURCES = WORDS.tuple("known_sources")


# -- parsing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NatashaModels:
    segmenter: object
    vocab: object
    morph: object
    syntax: object
    ner: object


@lru_cache(maxsize=1)
def load_russian() -> NatashaModels:
    """natasha's segmenter, morphology, syntax and NER models, loaded once per process; they
    ship inside the installed wheels (navec embeddings, slovnet models): nothing is downloaded."""
    from natasha import NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser, Segmenter

    embedding = NewsEmbedding()
    models = NatashaModels(
        Segmenter(), morph_vocab(), NewsMorphTagger(embedding), NewsSyntaxParser(embedding), NewsNERTagger(embedding)
    )
    for model in (models.morph, models.syntax, models.ner):
        model.batch_size = BATCH_SIZE
    return models


@lru_cache(maxsize=1)
def morph_vocab():
    """natasha's dictionary morphology (pymorphy2, about 20 MB), alone: the lexicon's case forms
    need it, not the neural models (about 200 MB) that ``load_russian`` adds for parsing."""
    from natasha import MorphVocab

    return MorphVocab()


def _one_blas_thread() -> AbstractContextManager[object]:
    """BLAS (numpy's OpenBLAS) limited to one thread while natasha's models run: their matrices
    are small, and threads made parsing about 8 times slower on 2 cores, with the same results
    (measured: benchmarks/scale.py, issue 10). Every BLAS loaded by then is limited (a few
    milliseconds to find them, per batch of texts)."""
    return threadpool_limits(limits=1, user_api="blas")


@dataclass
class _RawSentence:
    start: int
    end: int
    words: list[tuple[int, int, str]]  # (start, end, text) in the document


def _segment(models: NatashaModels, text: str) -> list[_RawSentence]:
    """Sentences and their tokens; a line break always ends a sentence (a headline or a
    caption is never parsed into the next paragraph)."""
    out: list[_RawSentence] = []
    offset = 0
    for line in text.split("\n"):
        for sent in models.segmenter.sentenize(line):
            base = offset + sent.start
            words = [(base + t.start, base + t.stop, t.text) for t in models.segmenter.tokenize(sent.text)]
            if words:
                out.append(_RawSentence(base, base + len(sent.text), words))
        offset += len(line) + 1
    return out


def parse_texts(texts: Iterable[str]) -> Iterator[ParsedDoc]:
    """natasha over a batch of texts: the sentences of all of them go through the morphology
    and syntax models together, in batches."""
    models = load_russian()
    texts = list(texts)
    segmented = [_segment(models, text) for text in texts]
    chunk = [[word for _, _, word in s.words] for sents in segmented for s in sents]
    with _one_blas_thread():
        morphs = iter(list(models.morph.map(chunk)))
        trees = iter(list(models.syntax.map(chunk)))
        # the NER model fails on a text with no words at all: such a text has no names
        ners = iter(list(models.ner.map([text for text, sents in zip(texts, segmented) if sents])))
    for text, sents in zip(texts, segmented):
        analyses = [(next(morphs), next(trees)) for _ in sents]
        spans = next(ners).spans if sents else []
        yield _to_parsed(models, text, sents, analyses, spans)


def _to_parsed(models: NatashaModels, text: str, sents: list[_RawSentence], analyses, spans) -> ParsedDoc:
    tokens: list[Token] = []
    sentences: list[Sentence] = []
    paragraphs = paragraph_numbers(text)
    for raw, (morph, tree) in zip(sents, analyses):
        first = len(tokens)
        for (start, end, word), tagged, parsed in zip(raw.words, morph.tokens, tree.tokens):
            head = int(parsed.head_id)  # 1-based in the sentence, 0 for the root
            tokens.append(
                Token(
                    i=len(tokens), text=word, lemma=_lemma(word, tagged.pos, tuple(sorted(tagged.feats.items()))),
                    pos=tagged.pos, dep=parsed.rel, head=first + head - 1 if head > 0 else len(tokens),
                    start=start, end=end, morph="|".join(f"{k}={v}" for k, v in sorted(tagged.feats.items())),
                )
            )
        _break_cycles(tokens, first)
        para = _paragraph_at(paragraphs, raw.start)
        sentences.append(Sentence(len(sentences), raw.start, raw.end, text[raw.start : raw.end], tokens[first:], para))
    return ParsedDoc(text=text, tokens=tokens, sentences=sentences, entities=_entities(models, text, tokens, spans))


def _break_cycles(tokens: list[Token], first: int) -> None:
    """natasha's parser sometimes returns a cycle instead of a tree: the cycle's verb (or
    first word) becomes a root of its own, so that every walk up the tree ends."""
    sentence = tokens[first:]
    for tok in sentence:
        path: list[int] = []
        current = tok
        while current.head != current.i and current.i not in path:
            path.append(current.i)
            current = tokens[current.head]
        if current.head == current.i:
            continue
        cycle = [tokens[i] for i in path[path.index(current.i) :]]
        top = next((t for t in cycle if t.pos in {"VERB", "AUX"}), cycle[0])
        top.head, top.dep = top.i, "root"


def _paragraph_at(paragraphs: list[tuple[int, int]], offset: int) -> int:
    number = 0
    for start, n in paragraphs:
        if start > offset:
            break
        number = n
    return number


@lru_cache(maxsize=100_000)
def _lemma(word: str, pos: str, feats: tuple[tuple[str, str], ...]) -> str:
    """natasha's lemma, except that a participle used as a noun keeps being a participle
    ("мобилизованных" -> "мобилизованный", not "мобилизовать"). Cached: news repeats its words."""
    vocab = load_russian().vocab
    lemma = vocab.lemmatize(word, pos, dict(feats))
    if pos in {"NOUN", "ADJ", "PROPN"} and lemma.endswith(("ть", "ться", "ти", "чь")):
        for form in vocab(word.lower()):
            if form.tag.POS == "PRTF":
                nominative = form.inflect({"Nom", "Sing", "Masc"})
                if nominative is not None:
                    return nominative.word.replace("ё", "е")
    return lemma


def _entities(models: NatashaModels, text: str, tokens: list[Token], spans) -> list[Entity]:
    """NER spans over our tokens. A person's or an organization's Entity.text is its name in
    the nominative, as Russian inflects names ("Алексея Новикова" -> "Алексей Новиков"), so
    that one person is one name across sentences; start and end give the words as written."""
    from natasha.doc import DocToken
    from natasha.norm import normalize, syntax_normalize

    out: list[Entity] = []
    starts = [t.start for t in tokens]
    for span in spans:
        first = last = bisect_left(starts, span.start)
        while last < len(tokens) and tokens[last].end <= span.stop:
            last += 1
        inside = tokens[first:last]
        if not inside or (span.type == "PER" and not any(t.pos == "PROPN" for t in inside)):
            continue  # a capitalized "Мобилизованный" opening a sentence is no one's name
        for t in inside:
            t.ent = span.type
        name = text[span.start : span.stop]
        if span.type in {"PER", "ORG"}:
            words = [
                DocToken(t.start, t.end, t.text, id=str(t.i), head_id=str(t.head), pos=t.pos, feats=_feats(t.morph))
                for t in inside
            ]
            name = (syntax_normalize if span.type == "ORG" else normalize)(models.vocab, words)
        out.append(Entity(span.type, span.start, span.stop, name, range(inside[0].i, inside[-1].i + 1)))
    return out


def _feats(morph: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in morph.split("|") if "=" in item)


# -- the language module ---------------------------------------------------------------------


class Russian:
    """The Russian language module: natasha in, ParsedDoc and Triggers out."""

    lang = "ru"

    def __init__(self) -> None:
        # the models load on the first parse (parse_texts): reading the lexicon loads none
        self.lexicon = russian_lexicon()

    @property
    def source_patterns(self) -> list[re.Pattern]:
        return SOURCE_PATTERNS

    def parse_many(self, texts: Iterable[str]) -> Iterator[ParsedDoc]:
        return parse_texts(texts)

    def triggers(self, doc: ParsedDoc) -> list[Trigger]:
        found = find_triggers(doc, _trigger_at, {"xcomp", "obj", "obl", "nmod"}, _article_triggers)
        return _without_retellings(doc, found)

    def sentence_trigger(self, doc: ParsedDoc, sent: Sentence, kind: str, strength: float) -> Trigger:
        return learned_trigger(doc, sent, kind, strength, _make_trigger)


def _without_retellings(doc: ParsedDoc, triggers: list[Trigger]) -> list[Trigger]:
    """Russian has no articles: a later "мобилизованные написали рапорты об отказе" with the
    same bare people noun as an earlier incident of the same type, and nothing new (no number,
    name, place or date), tells that incident again. Near it, it continues it; too far for
    grouping to join, it is left out rather than counted as a second incident."""
    out: list[Trigger] = []
    for trig in triggers:
        earlier = [
            t for t in out
            if t.type == trig.type and not t.generic and t.subject_head is not None and trig.subject_head is not None
            and t.subject_head.lemma == trig.subject_head.lemma
        ]
        if earlier and not trig.generic and not trig.names and not trig.introduces and not _new_specifics(doc, trig.sentence):
            if trig.sentence.index - earlier[-1].sentence.index > CONTINUATION_WINDOW:
                continue
            trig.anaphoric = True
        out.append(trig)
    return out


def _new_specifics(doc: ParsedDoc, sent: Sentence) -> bool:
    return any(t.ent in {"LOC", "PER"} or t.pos == "NUM" or t.lemma in TIME_WORDS for t in sent.tokens)


def _trigger_at(doc: ParsedDoc, sent: Sentence, tok: Token) -> Trigger | None:
    if tok.pos in {"VERB", "AUX"}:
        kind, strength = _verb_type(doc, tok)
        is_noun = False
    elif tok.pos in {"NOUN", "PROPN"}:
        kind, strength = _noun_type(doc, tok)
        is_noun = True
    else:
        return None
    if kind is None:
        return None
    if _negated(doc, tok) and tok.lemma not in NEGATION_ACTS:
        return None
    if _hypothetical(doc, tok, kind):
        return None
    return _make_trigger(doc, sent, tok, kind, strength, is_noun)


def _article_triggers(doc: ParsedDoc, sent: Sentence, covered: set[int]) -> list[Trigger]:
    """Court cases told by their article of the Criminal Code: "по статье 337 УК"."""
    out = []
    for m in ARTICLE_RE.finditer(sent.text):
        group = "a" if m.group("a") else "b"
        kind = CRIMINAL_CODE[m.group(group)] if m.group(group) in CRIMINAL_CODE else None
        tok = sent.token_at(sent.start + m.start(group))
        if kind is None or tok is None or tok.i in covered:
            continue
        if kind == "discharge_attempt" and _sentence_mentions(doc, tok, {"призыв", "мобилизация", "военкомат", "призывник", "повестка"}):
            kind = "draft_evasion"  # malingering to escape the call-up, not the service
        participant = _article_participant(doc, tok)
        if participant is None:
            continue  # "статья 337 предусматривает до 10 лет": the law, not a case
        trig = _make_trigger(doc, sent, tok, kind, 0.7, is_noun=True, participant=participant)
        if trig is not None:
            out.append(trig)
    return out


def _make_trigger(
    doc: ParsedDoc, sent: Sentence, tok: Token, kind: str, strength: float, is_noun: bool, participant: Token | None = None
) -> Trigger | None:
    phrase_head = participant or (_noun_participant(doc, tok) if is_noun else _participant(doc, tok))
    if phrase_head is not None and (phrase_head.lemma in PERSONAL_PRONOUNS or phrase_head.pos == "PRON"):
        phrase_head = _main_clause_person(doc, tok, phrase_head)
    subject = _quantified_person(doc, phrase_head) if phrase_head is not None else None
    if subject is not None and (_is_authority(doc, subject) or _ukrainian(doc, subject)):
        return None
    if subject is not None and not _can_take_part(doc, subject):
        subject = None
    trig = Trigger(type=kind, sentence=sent, token=tok, strength=strength)
    if subject is not None:
        # a counted head ("более 60 резервистов") governs its people by obl; a noun's own obl
        # is a misparse that would drag the sentence into the actor phrase
        trig.subject = phrase_of(doc, phrase_head, PHRASE_STOP_DEPS | ({"obl"} if phrase_head is subject else set()))
        trig.subject_head = subject
        trig.names = _names(doc, subject, sent)
        trig.anaphoric = _anaphoric(doc, subject, trig.names)
        trig.introduces = _introduces(doc, subject, trig.names)
        trig.generic = _generic(doc, subject, trig.subject, tok)
    elif is_noun and any(
        a.lemma in LAW_WORDS or (a.lemma in CASE_NOUNS and "Number=Plur" in a.morph) for a in list(doc.ancestors(tok))[:2]
    ):
        return None  # "ужесточить наказание за дезертирство", "дела о дезертирстве": no one's act
    else:
        trig.anaphoric = not is_noun
        trig.generic = _reports_of(doc, tok) or (is_noun and _habitual(doc, tok))
        if not is_noun and "VerbForm=Fin" not in tok.morph:
            trig.strength = min(trig.strength, 0.5)
    including = _including_person(doc, sent)
    if trig.generic and including is not None:
        person = doc.tokens[including.tokens[-1]]
        trig.generic, trig.subject_head, trig.subject = False, person, [doc.tokens[i] for i in including.tokens]
        trig.names, trig.anaphoric, trig.introduces = [including.text], False, True
    return trig


# -- what type a predicate states -------------------------------------------------------------


def _case_of(doc: ParsedDoc, tok: Token) -> str | None:
    """The preposition of a noun ("из части" -> "из"), as UD attaches it: a case child."""
    for c in doc.children(tok):
        if c.dep == "case":
            return c.lemma
    return None


def _targets(doc: ParsedDoc, tok: Token) -> list[tuple[str, Token]]:
    """(preposition or relation, word) pairs of a predicate: objects ("obj"), prepositional
    phrases ("из", "в", "от", ...), adverbs ("advmod": "домой", "самовольно"), each with the
    words that modify them ("место службы", "зону СВО"); times are not targets."""
    out: list[tuple[str, Token]] = []
    for c in doc.children(tok):
        if c.lemma in TIME_WORDS or c.ent == "DATE":
            continue
        if c.dep in {"obj", "iobj", "nsubj:pass"}:
            key = "obj"
        elif c.dep in {"obl", "nmod"} and c.pos in {"NOUN", "PROPN", "PRON", "ADJ", "NUM", "X"}:
            key = _case_of(doc, c) or c.dep
        elif c.dep == "advmod":
            key = "advmod"
        else:
            continue
        out.append((key, c))
        out.extend((key, g) for g in doc.children(c) if g.dep in {"amod", "nmod", "appos", "flat", "flat:foreign", "conj"})
    return out


def _words(targets: list[tuple[str, Token]], keys: set[str] | None = None) -> set[str]:
    return {t.lemma for key, t in targets if keys is None or key in keys}


def _infinitive(doc: ParsedDoc, tok: Token) -> Token | None:
    """The infinitive a verb or noun governs: "отказался воевать", "отказ участвовать"."""
    for c in doc.children(tok):
        if c.pos in {"VERB", "AUX"} and "VerbForm=Inf" in c.morph and c.dep in {"xcomp", "nmod", "acl", "ccomp", "obj", "csubj"}:
            return c
    return None


def _verb_type(doc: ParsedDoc, tok: Token) -> tuple[str | None, float]:
    lemma = tok.lemma
    targets = _targets(doc, tok)
    words = _words(targets)
    if lemma in REFUSE_VERBS:
        return _refusal_type(doc, tok, targets)
    if lemma == "дезертировать":
        return "desertion", 0.9
    if "самовольно" in words and lemma in ABANDON_VERBS | LEAVE_VERBS | FLEE_VERBS | {"уйти", "уехать", "отлучиться", "выехать"}:
        return "desertion", 0.9
    if lemma in NEGATION_ACTS and _negated(doc, tok):
        return _negated_act_type(doc, tok, targets)
    if lemma in ABANDON_VERBS and _words(targets, {"obj"}) & UNIT_WORDS:
        return "desertion", 0.85
    if lemma in ABANDON_VERBS and _words(targets, {"obj"}) & HOME_COUNTRY:
        return "flight_abroad", 0.75
    if lemma in LEAVE_VERBS | FLEE_VERBS:
        return _leaving_type(doc, tok, targets)
    if lemma in TERMINATE_VERBS and words & CONTRACT_WORDS:
        return "discharge_attempt", 0.85
    if lemma in DISCHARGE_VERBS and tok.dep == "xcomp" and doc.head(tok).lemma in ATTEMPT_GOVERNORS:
        return "discharge_attempt", 0.75  # "попросил уволить его из армии"
    if lemma in RESIGN_VERBS and not words & {"работа", "должность", "завод", "компания", "предприятие"}:
        return "discharge_attempt", 0.8 if words & {"армия", "служба", "ряды", "вс", "вооруженный"} else 0.6
    if lemma in HIDE_VERBS and words & (DRAFT_WORDS | {"полиция", "власть", "силовик", "военный"}):
        return "draft_evasion", 0.85
    if lemma in EVADE_VERBS and _words(targets, {"от", "obj"}) & DRAFT_WORDS - {"воинский"}:
        if tok.dep in {"advcl", "xcomp"} and doc.head(tok).lemma in LEAVE_VERBS | FLEE_VERBS | HIDE_VERBS:
            return None, 0.0  # the purpose of a flight, which is the trigger
        return "draft_evasion", 0.8
    if lemma in PROTEST_VERBS:
        return "protest", 0.75
    if lemma in {"выйти", "выходить"} and _words(targets, {"на"}) & PROTEST_NOUNS:
        return "protest", 0.7
    if lemma in {"выйти", "выходить"} and _words(targets, {"на"}) & {"улица", "площадь"} and _sentence_mentions(doc, tok, PROTEST_CUES):
        return "protest", 0.65
    if lemma in {"выйти", "выходить", "стоять", "встать"} and _words(targets, {"с", "со"}) & BANNER_NOUNS:
        return "protest", 0.65  # "вышла с плакатом «Нет войне»"
    if lemma in BANNER_VERBS and _words(targets, {"obj"}) & BANNER_NOUNS and _sentence_mentions(doc, tok, BANNER_CUES):
        return "protest", 0.65
    if lemma in BLOCK_VERBS and words & BLOCK_OBJECTS:
        return "protest", 0.65
    if lemma in ARSON_VERBS | ATTACK_VERBS | {"открыть", "устроить"}:
        return _attack_type(doc, tok, targets)
    if lemma in CROSS_VERBS and "граница" in words:
        return "flight_abroad", 0.8
    if lemma in DETAIN_VERBS and "граница" in _words(targets, {"на", "у", "при"}):
        return "flight_abroad", 0.75
    if lemma in ASYLUM_VERBS and words & ASYLUM_WORDS and ("убежище" in words or "беженец" in words):
        return "flight_abroad", 0.7
    if lemma == "эмигрировать":
        return "flight_abroad", 0.6
    if lemma in {"потребовать", "требовать", "попросить", "просить", "подать", "написать", "заявить", "ходатайствовать"}:
        below = {t.lemma for _, t in targets for t in doc.subtree(t)}
        if "агс" in below or {"альтернативный", "гражданский"} <= below:
            return "draft_refusal", 0.75
    return None, 0.0


def _refusal_type(doc: ParsedDoc, tok: Token, targets: list[tuple[str, Token]]) -> tuple[str | None, float]:
    """отказаться воевать / выполнить приказ / от участия / от повестки; not от комментариев."""
    comp = _infinitive(doc, tok)
    if comp is not None:
        return _refused_act(doc, comp)
    of = [t for key, t in targets if key == "от"]
    if of:
        below = {t.lemma for o in of for t in doc.subtree(o)}
        heads = {o.lemma for o in of}
        if heads & DRAFT_PAPERS:
            return "draft_refusal", 0.8
        if heads & {"участие", "выполнение", "исполнение"}:
            if below & (FIGHT_NOUNS | ORDER_WORDS) - {"участие", "выполнение", "исполнение"}:
                return "combat_refusal", 0.9
            return ("combat_refusal", 0.6) if below == heads else (None, 0.0)
        if heads & (FIGHT_NOUNS | {"присяга"}) - {"зона", "действие", "задача", "выполнение", "исполнение"}:
            return "combat_refusal", 0.85
        if heads & CONTRACT_WORDS:
            return "discharge_attempt", 0.6
        return None, 0.0
    if not [t for key, t in targets if key != "advmod"]:
        # "отказались и вернулись": a refusal with no complement counts for servicemen only;
        # the participant check decides.
        return "combat_refusal", 0.55
    return None, 0.0


def _refused_act(doc: ParsedDoc, comp: Token) -> tuple[str | None, float]:
    targets = _targets(doc, comp)
    words = _words(targets)
    below = {t.lemma for _, t in targets for t in doc.subtree(t)}
    lemma = comp.lemma
    if lemma in EXECUTE_VERBS:
        return ("combat_refusal", 0.9) if words & ORDER_WORDS else (None, 0.0)
    if lemma in ACCEPT_VERBS:
        if words & DRAFT_PAPERS or lemma in {"расписаться", "расписываться"}:
            return "draft_refusal", 0.85
        if lemma in {"брать", "взять"} and "оружие" in words:
            return "combat_refusal", 0.9
        if lemma in {"открыть", "открывать"} and "дверь" in words:
            return "draft_evasion", 0.7
        return None, 0.0
    if lemma in MOVE_VERBS and below & (DRAFT_OFFICE_WORDS | {"армия", "призыв", "сборы"}):
        return "draft_refusal", 0.85
    if lemma in {"продолжать", "продолжить"}:
        inner = _infinitive(doc, comp)
        if words & {"служба", "участие", "бой", "война", "контракт"} or (inner is not None and inner.lemma in FIGHT_VERBS):
            return "combat_refusal", 0.85
        return None, 0.0
    if lemma in {"участвовать"}:
        if not words or below & (FIGHT_NOUNS | ORDER_WORDS):
            return "combat_refusal", 0.9
        return None, 0.0
    if lemma in MOVE_VERBS:
        destination = below - TIME_WORDS
        if destination & (UNIT_WORDS | FIGHT_NOUNS | WAR_DESTINATIONS) or any(_country(doc, t) == "UA" for _, t in targets):
            return "combat_refusal", 0.9
        if not destination:
            return "combat_refusal", 0.7
        return None, 0.0
    if lemma in FIGHT_VERBS:
        return "combat_refusal", 0.9
    return None, 0.0


def _negated_act_type(doc: ParsedDoc, tok: Token, targets: list[tuple[str, Token]]) -> tuple[str | None, float]:
    """"не вернулся в часть" is desertion, "не явился в военкомат" evasion, "не выполнил приказ" a refusal."""
    words = _words(targets)
    if tok.lemma in EXECUTE_VERBS:
        return ("combat_refusal", 0.85) if words & ORDER_WORDS else (None, 0.0)
    if words & (DRAFT_OFFICE_WORDS | {"повестка", "сборы"}):
        return "draft_evasion", 0.8
    if words & UNIT_WORDS:
        return "desertion", 0.8
    if tok.lemma in {"открыть", "открывать"} and "дверь" in words and _sentence_mentions(doc, tok, DRAFT_WORDS | {"полицейский"}):
        return "draft_evasion", 0.7  # "не открыл дверь сотрудникам военкомата"
    if tok.lemma in {"вернуться", "возвращаться"} and _sentence_mentions(doc, tok, SERVICE_CONTEXT):
        return "desertion", 0.7  # "уехал в отпуск и не вернулся"
    return None, 0.0


def _leaving_type(doc: ParsedDoc, tok: Token, targets: list[tuple[str, Token]]) -> tuple[str | None, float]:
    lemma = tok.lemma
    source = _words(targets, {"из", "с", "со", "obj"})
    toward = _words(targets, {"в", "во", "на", "за", "к", "advmod"})
    vague_places = {"зона", "место", "служба"}  # a unit only as "зона СВО", "место службы"
    if source & UNIT_WORDS - vague_places or (source & vague_places and _words(targets) & {"сво", "служба", "боевой", "операция"}):
        return "desertion", 0.85
    if toward & {"самоволка", "соч"}:
        return "desertion", 0.9
    if source & DRAFT_OFFICE_WORDS:
        return "draft_evasion", 0.8  # "сбежали из военкомата"
    if toward & {"отпуск", "командировка", "путешествие", "гости", "турпоездка", "отдых"}:
        return None, 0.0  # a trip, not a flight
    if toward & ABROAD_WORDS or source & HOME_COUNTRY or _foreign_destination(doc, targets):
        return "flight_abroad", 0.8
    if _words(targets, {"от"}) & DRAFT_WORDS:
        return "flight_abroad", 0.6
    if _purpose_mentions(doc, tok, DRAFT_PAPERS | DRAFT_OFFICE_WORDS) and lemma not in FLEE_VERBS - {"скрыться"}:
        return "draft_evasion", 0.65  # "уехал из города, чтобы не получить повестку"
    if "домой" in toward and (source & UNIT_WORDS or _sentence_mentions(doc, tok, SERVICE_CONTEXT)):
        return "desertion", 0.6
    if lemma in FLEE_VERBS and not _words(targets) - _place_words(doc, targets):
        return "desertion", 0.5
    return None, 0.0


def _purpose_mentions(doc: ParsedDoc, tok: Token, lemmas: set[str]) -> bool:
    """A purpose clause of the verb ("..., чтобы не получить повестку") speaks of these words;
    the parser sometimes leaves the clause apart, as a second root of the sentence."""
    for mark in doc.sentence_of(tok).tokens:
        if mark.lemma not in {"чтобы", "чтоб"} or mark.i < tok.i:
            continue
        clause = doc.head(mark)
        if clause.head == tok.i or clause.head == clause.i:
            if any(t.lemma in lemmas for t in doc.subtree(clause)):
                return True
    return False


def _place_words(doc: ParsedDoc, targets: list[tuple[str, Token]]) -> set[str]:
    """Words of targets that only say where (a place name, "область", "город"), or when."""
    generic_places = {"область", "край", "город", "район", "село", "поселок", "деревня", "республика", "регион", "округ"}
    return {
        t.lemma for _, t in targets
        if t.ent == "LOC" or t.lemma in generic_places | TIME_WORDS or t.pos == "ADJ" or t.dep == "advmod"
    }


def _foreign_destination(doc: ParsedDoc, targets: list[tuple[str, Token]]) -> bool:
    """'уехал в Казахстан': a place abroad (not Russia, not Ukraine) after в/на/за."""
    return any(key in {"в", "во", "на", "за"} and _abroad(doc, t) for key, t in targets)


def _abroad(doc: ParsedDoc, tok: Token) -> bool:
    return _country(doc, tok) not in {None, "RU", "UA"}


def _country(doc: ParsedDoc, tok: Token) -> str | None:
    """The country of the place a word names ("в Казахстан" -> KZ), by the gazetteer."""
    if tok.ent != "LOC":
        return None
    from otkaz.gazetteer import get_gazetteer

    entity = next((e for e in doc.entities if tok.i in e.tokens), None)
    place = get_gazetteer().lookup(doc.text[entity.start : entity.end] if entity else tok.text, "ru")
    return place.country if place is not None else None


def _attack_type(doc: ParsedDoc, tok: Token, targets: list[tuple[str, Token]]) -> tuple[str | None, float]:
    below = {t.lemma for _, t in targets for t in doc.subtree(t)}
    office = below & DRAFT_OFFICE_WORDS
    if tok.lemma in {"открыть", "устроить"}:
        if _words(targets, {"obj"}) & {"огонь", "стрельба", "пальба"} and (office or _sentence_mentions(doc, tok, DRAFT_OFFICE_WORDS)):
            return "violent_resistance", 0.8
        return None, 0.0
    if office:
        return "violent_resistance", 0.85
    if tok.lemma in ARSON_VERBS and "здание" in below and _sentence_mentions(doc, tok, DRAFT_OFFICE_WORDS):
        return "violent_resistance", 0.8
    return None, 0.0


def _noun_type(doc: ParsedDoc, tok: Token) -> tuple[str | None, float]:
    lemma = tok.lemma
    if _backdrop(doc, tok):
        return None, 0.0
    below = {t.lemma for t in doc.subtree(tok) if t.i != tok.i}
    kids = {c.lemma for c in doc.children(tok)}
    if lemma in REFUSE_NOUNS:
        kind, strength = _refusal_type(doc, tok, _targets(doc, tok))
        if kind is not None and strength > 0.55:
            return kind, strength - 0.05
        if doc.head(tok).lemma in PAPER_NOUNS and not [t for t in _targets(doc, tok) if t[0] != "advmod"]:
            return "combat_refusal", 0.75  # "рапорт об отказе"
        return None, 0.0
    if lemma in REFUSAL_NOUNS and below & {"приказ", "приказание", "распоряжение"}:
        return "combat_refusal", 0.8
    if lemma == "дезертирство":
        return "desertion", 0.75
    if lemma in {"самоволка", "соч"} or lemma.startswith("самоволк"):  # the lemmatizer does not know "самоволка"
        return "desertion", 0.8
    if lemma in {"оставление", "уход", "побег", "бегство"} and ("самовольный" in kids or below & UNIT_WORDS - {"зона", "место"}):
        return "desertion", 0.8
    if lemma in LEAVING_NOUNS and (below & (ABROAD_WORDS | HOME_COUNTRY) or _foreign_destination(doc, _targets(doc, tok))):
        return "flight_abroad", 0.7
    if lemma in CROSSING_NOUNS and "граница" in below:
        return "flight_abroad", 0.75
    if lemma in EVASION_NOUNS and (below & DRAFT_WORDS - {"воинский"} or {"прохождение", "служба"} <= below) and "обязанность" not in below:
        return "draft_evasion", 0.75
    if lemma in TERMINATE_NOUNS:
        if below & CONTRACT_WORDS:
            return "discharge_attempt", 0.8
        if lemma == "увольнение" and doc.head(tok).lemma in PAPER_NOUNS:
            return "discharge_attempt", 0.7
        return None, 0.0
    if lemma in PROTEST_NOUNS:
        return _protest_noun_type(doc, tok, below)
    if lemma in ATTACK_NOUNS:
        if below & DRAFT_OFFICE_WORDS:
            return "violent_resistance", 0.8
        if lemma == "поджог" and _sentence_mentions(doc, tok, DRAFT_OFFICE_WORDS):
            return "violent_resistance", 0.7
    return None, 0.0


def _protest_noun_type(doc: ParsedDoc, tok: Token, below: set[str]) -> tuple[str | None, float]:
    """A protest that took place: "митинг против мобилизации прошел", "устроили пикет у военкомата"."""
    if "поддержка" in below:
        return None, 0.0  # a rally in support of the war
    about_war = below & WAR_PROTEST_WORDS
    head = doc.head(tok)
    located = any(
        c.dep in {"nmod", "obl"} and (c.ent == "LOC" or _case_of(doc, c) == "у")
        for c in doc.children(tok) + (doc.children(head) if head.lemma in PROTEST_HAPPEN_VERBS else [])
    )
    if tok.lemma == "акция" and not about_war:
        return None, 0.0  # "акция" alone may be a sale
    if not (about_war or located):
        return None, 0.0
    if tok.dep in {"nsubj", "nsubj:pass"} and head.lemma in PROTEST_HAPPEN_VERBS:
        return "protest", 0.65
    if tok.dep in {"obj", "obl"} and head.lemma in PROTEST_HOLD_VERBS:
        return "protest", 0.65
    if tok.dep in {"obl", "nmod"} and _case_of(doc, tok) in {"за", "на"} and head.lemma in SENTENCING_VERBS | DETAIN_VERBS:
        return "protest", 0.6  # "задержали за антивоенный пикет", "на митинге задержали 20 человек"
    if tok.dep == "root" or tok.head == tok.i:
        return "protest", 0.6
    return None, 0.0


def _backdrop(doc: ParsedDoc, tok: Token) -> bool:
    """'задержали после митинга', 'во время бегства': a time reference, not the incident told."""
    case = _case_of(doc, tok)
    if case in {"после", "до", "во", "перед", "время"}:
        return True
    return any(c.dep == "case" and c.lemma == "время" for c in doc.children(tok))


# -- who did it ---------------------------------------------------------------------------------


def _participant(doc: ParsedDoc, tok: Token) -> Token | None:
    """Who performed the act: the subject, climbing infinitives, conjuncts, converbs and the
    nouns a trigger depends on ("написали рапорты об отказе" -> who wrote); for "X осудили
    за дезертирство", "дело против X" it is X, not the court; for a participle or a relative
    clause ("мобилизованные, отказавшиеся воевать") the noun it describes."""
    if _substantive_participle(tok):
        return tok  # "сбежавшего из части задержали": the one who fled
    current = tok
    arrived_by: str | None = None
    for _ in range(8):
        if current.pos in {"VERB", "AUX"} and current.lemma in SENTENCING_VERBS | DETAIN_VERBS and (arrived_by or current is tok):
            target = _sentenced(doc, current)
            if target is not None:
                return target
        if current.lemma in CASE_NOUNS and arrived_by:
            target = _against(doc, current)
            if target is not None:
                return target
        for child in doc.children(current):
            if child.dep in SUBJECT_DEPS:
                if child.lemma in RELATIVE_PRONOUNS:
                    if current.dep.startswith("acl"):
                        return doc.head(current)
                    continue
                return child
        if current.pos in {"VERB", "AUX"}:
            counted = _quantified_subject(doc, current)
            if counted is not None:
                return counted
        if current.dep.startswith("acl") and doc.head(current).pos in {"NOUN", "PROPN", "PRON", "NUM"}:
            return _described_noun(doc, current)
        if current.head == current.i or current.dep not in CLIMB_DEPS:
            return None
        arrived_by = current.dep
        current = doc.head(current)
    return None


def _substantive_participle(tok: Token) -> bool:
    """A participle standing for a person: "сбежавшего задержали", "отказавшиеся"."""
    return "VerbForm=Part" in tok.morph and tok.dep in {"nsubj", "nsubj:pass", "obj", "iobj", "obl", "nmod"}


def _quantified_person(doc: ParsedDoc, head: Token) -> Token:
    """The people a quantity counts: "более 60 резервистов", "десятки тысяч россиян" -> the
    people noun (the parser makes the quantity the subject)."""
    current = head
    for _ in range(3):
        if not (current.pos in {"ADV", "NUM", "DET"} or current.lemma in VAGUE_WORDS | AGGREGATE_WORDS | QUANTITY_WORDS):
            break
        below = next((c for c in doc.children(current) if c.dep in {"nmod", "obl"} and _case_of(doc, c) in {None, "из"}), None)
        if below is None:
            break
        current = below
    return current


def _quantified_subject(doc: ParsedDoc, verb: Token) -> Token | None:
    """A counted subject in the genitive, which the parser often takes for an object:
    "около 80 контрактников написали рапорты"."""
    for c in doc.children(verb):
        approximate = _case_of(doc, c) in {None, "до", *QUANTITY_WORDS}  # "около 80", "до 100"
        if c.i < verb.i and c.dep in {"obj", "obl"} and approximate and "Case=Gen" in c.morph and "Animacy=Anim" in c.morph:
            if any(g.dep.startswith("nummod") or g.pos == "NUM" for g in doc.children(c)):
                return c
    return None


def _described_noun(doc: ParsedDoc, participle: Token) -> Token:
    """The noun a participle describes: the one it agrees with in case and number, which is
    not always the word the parser hung it on ("семьи мобилизованных, написавших рапорты"
    describes the mobilized, in the genitive, not the families)."""
    head = doc.head(participle)
    case = _feat(participle, "Case")
    if case is None or _feat(head, "Case") in {case, None}:
        return head
    for c in doc.children(head):
        if c.dep == "nmod" and _feat(c, "Case") == case and _feat(c, "Number") == _feat(participle, "Number"):
            return c
    return head


def _feat(tok: Token, name: str) -> str | None:
    for item in tok.morph.split("|"):
        key, _, value = item.partition("=")
        if key == name:
            return value
    return None


def _sentenced(doc: ParsedDoc, verb: Token) -> Token | None:
    """The person a sentencing or detaining verb acts on: its object, its passive subject, or
    "в отношении X" / "против X"."""
    for c in doc.children(verb):
        if c.dep in {"obj", "nsubj:pass", "iobj"}:  # iobj: "вынес приговор рядовому"
            if c.lemma in RELATIVE_PRONOUNS and verb.dep.startswith("acl"):
                return doc.head(verb)
            if _can_take_part(doc, c) and not _is_authority(doc, c):
                return c
    return _against(doc, verb)


def _against(doc: ParsedDoc, tok: Token) -> Token | None:
    for t in doc.subtree(tok):
        if t.dep in {"nmod", "obl"} and _case_of(doc, t) == "против" and _can_take_part(doc, t):
            return t
        if t.lemma == "отношение" and _case_of(doc, t) == "в":
            person = next((c for c in doc.children(t) if c.dep == "nmod"), None)
            if person is not None and _can_take_part(doc, person):
                return person
    return None


def _noun_participant(doc: ParsedDoc, tok: Token) -> Token | None:
    """'их отказ', 'дезертирство военнослужащего' -> their, the serviceman; else the
    participant of the clause the noun is in."""
    for c in doc.children(tok):
        if c.dep in {"nmod", "det"} and c.lemma in {"его", "их", "ее", "он", "они", "она"}:
            return c
        if c.dep == "nmod" and _case_of(doc, c) is None and "Case=Gen" in c.morph and _is_person(c) and not _is_authority(doc, c):
            return c
    return _participant(doc, tok)


def _article_participant(doc: ParsedDoc, tok: Token) -> Token | None:
    """Who is charged under an article: the person of the nearest verb above it, else of a
    sentencing verb of the sentence (the parser often leaves "по ч. 1 ст. 337" apart)."""
    for anc in doc.ancestors(tok):
        if anc.pos in {"VERB", "AUX"}:
            target = _sentenced(doc, anc)
            if target is not None:
                return target
            subject = next((c for c in doc.children(anc) if c.dep in SUBJECT_DEPS), None)
            return subject if subject is not None and _can_take_part(doc, subject) else None
        if anc.lemma in CASE_NOUNS:
            target = _against(doc, anc)
            if target is not None:
                return target
    for verb in doc.sentence_of(tok).tokens:
        if verb.pos in {"VERB", "AUX"} and verb.lemma in SENTENCING_VERBS:
            target = _sentenced(doc, verb)
            if target is not None:
                return target
    return None


def _main_clause_person(doc: ParsedDoc, tok: Token, pronoun: Token) -> Token:
    """'военнослужащего обвинили, когда тот отказался': the pronoun of a subordinate clause
    refers to the person of the main clause."""
    current = tok
    while current.head != current.i and current.dep not in {"advcl", "acl", "acl:relcl", "ccomp"}:
        if current.dep not in {"xcomp", "conj", "obl", "nmod", "obj"}:
            return pronoun
        current = doc.head(current)
    if current.head == current.i:
        return pronoun
    for governor in [doc.head(current), *doc.ancestors(doc.head(current))][:4]:
        for c in doc.children(governor):
            if c.i != pronoun.i and c.dep in SUBJECT_DEPS | {"obj"} and c.pos in {"NOUN", "PROPN"}:
                if (c.lemma in PEOPLE_NOUNS or c.ent == "PER") and not _is_authority(doc, c):
                    return c
    return pronoun


def _ukrainian(doc: ParsedDoc, subj: Token) -> bool:
    """"военнослужащие ВСУ", "украинские военные": the codebook counts refusals to fight
    against Ukraine, not within its forces."""
    return any(
        (c.dep == "amod" and c.lemma == "украинский") or (c.dep in {"nmod", "appos"} and c.lemma in {"всу", "украина", "зсу"})
        for c in doc.children(subj)
    )


def _is_person(tok: Token) -> bool:
    return "Animacy=Anim" in tok.morph or tok.lemma in PEOPLE_NOUNS or tok.ent == "PER"


def _can_take_part(doc: ParsedDoc, subj: Token) -> bool:
    """People (Russian marks them animate), a pronoun, a name, a number of them, a unit."""
    if subj.pos in {"PRON", "PROPN", "NUM"} or subj.ent == "PER" or subj.lemma in PERSONAL_PRONOUNS:
        return True
    if (subj.pos == "ADJ" and subj.dep.startswith("nsubj")) or _substantive_participle(subj):  # "неизвестный поджег"
        return True
    if "Animacy=Anim" in subj.morph or subj.lemma in PEOPLE_NOUNS or russian_lexicon().actor_of(subj.lemma):
        return True
    lex = russian_lexicon()
    return subj.lemma in VAGUE_WORDS | AGGREGATE_WORDS | lex.generic_quantifiers | GROUP_NOUNS


def _is_authority(doc: ParsedDoc, subj: Token) -> bool:
    if subj.lemma in AUTHORITY_NOUNS:
        return True
    if subj.ent == "LOC" and subj.pos == "PROPN":
        return True  # a state: "Россия отказалась", "Казахстан отказал"
    if subj.ent == "ORG" and subj.lemma not in ACTOR_NOUNS["rosgvardia"] | ACTOR_NOUNS["allied_forces"]:
        return True
    # "сотрудники полиции", "представитель военкомата"
    return subj.lemma in {"сотрудник", "представитель", "работник"} and any(
        c.dep == "nmod" and c.lemma in STATE_BODIES for c in doc.children(subj)
    )


def _explicit_number(doc: ParsedDoc, subj: Token) -> str | None:
    """The number word of an actor phrase: "шестеро мобилизованных", "около 80 солдат", "десятки"."""
    if subj.pos == "NUM" or subj.lemma in VAGUE_WORDS | AGGREGATE_WORDS:
        return subj.lemma
    for c in doc.children(subj):
        if c.dep.startswith("nummod") or c.pos == "NUM" or c.lemma in VAGUE_WORDS | AGGREGATE_WORDS:
            return c.lemma
    current = subj
    while current.dep in {"nmod", "obl"} and current.head != current.i:
        head = doc.head(current)
        if not (head.pos in {"NUM", "ADV"} or head.lemma in VAGUE_WORDS | AGGREGATE_WORDS | QUANTITY_WORDS):
            break
        if head.pos == "NUM" or head.lemma in VAGUE_WORDS | AGGREGATE_WORDS:
            return head.lemma
        number = next((c for c in doc.children(head) if c.pos == "NUM"), None)
        if number is not None:
            return number.lemma
        current = head
    return None


def _anaphoric(doc: ParsedDoc, subj: Token, names: list[str]) -> bool:
    """Refers back to participants already introduced: a pronoun, "эти военнослужащие", a
    bare surname named in full before, or a bare singular noun ("Боец уехал в отпуск")."""
    if subj.pos == "PRON" or subj.lemma in PERSONAL_PRONOUNS:
        return True
    if _explicit_number(doc, subj) is not None:
        return False
    kids = [c for c in doc.children(subj) if c.dep != "punct"]
    if any(c.lemma in ANAPHORIC_DETERMINERS and c.dep in {"det", "amod"} for c in kids):
        return True
    if subj.ent == "PER" and len(names) == 1 and " " not in names[0]:
        return _named_earlier(doc, names[0], subj.start)
    return not kids and "Number=Sing" in subj.morph and subj.ent != "PER" and subj.pos == "NOUN"


def _introduces(doc: ParsedDoc, subj: Token, names: list[str]) -> bool:
    """New participants: a number, "ещё один", "другой", a new name, or people of a place
    ("мобилизованные из Курска")."""
    if _explicit_number(doc, subj) is not None:
        return True
    phrase = phrase_of(doc, subj, PHRASE_STOP_DEPS)
    if any(t.lemma in INTRODUCING_DETERMINERS and t.i != subj.i for t in phrase):
        return True
    if any(t.ent == "LOC" for t in phrase if t.i != subj.i):
        return True
    return bool(names) and not _anaphoric(doc, subj, names)


def _named_earlier(doc: ParsedDoc, surname: str, before: int) -> bool:
    return any(surname in e.text and e.text != surname for e in doc.entities if e.label == "PER" and e.start < before)


def _names(doc: ParsedDoc, subj: Token, sent: Sentence) -> list[str]:
    """Person names in the actor phrase: the subject itself and its appositions."""
    phrase = {t.i for t in phrase_of(doc, subj, PHRASE_STOP_DEPS - {"punct"})}
    return [e.text for e in doc.entities_in(sent.start, sent.end, "PER") if set(e.tokens) & phrase]


def _including_person(doc: ParsedDoc, sent: Sentence) -> Entity | None:
    """'многие отказываются, в том числе Павел О.': one named person out of a generic many."""
    lowered = sent.text.lower()
    for cue in ("в том числе", "включая", "среди них", "среди которых"):
        at = lowered.find(cue)
        if at >= 0:
            for ent in doc.entities_in(sent.start + at, sent.end, "PER"):
                return ent
    return None


def _generic(doc: ParsedDoc, subj: Token, phrase: list[Token], trig: Token) -> bool:
    """Aggregates and generic statements: "тысячи россиян уехали", "многие отказываются",
    "мобилизованные отказываются воевать" (a habit, said in the present of the whole sentence)."""
    lemmas = {t.lemma for t in phrase}
    if lemmas & AGGREGATE_WORDS:
        return True
    number = _explicit_number(doc, subj)
    quantifiers = russian_lexicon().generic_quantifiers
    if subj.lemma in quantifiers and number is None:
        return True
    if number is None and any(c.lemma in quantifiers and c.dep in {"det", "amod", "nummod"} for c in doc.children(subj)):
        return True
    if _reports_of(doc, trig):
        return True
    if subj.pos == "PRON":
        return False
    if "VerbForm=Part" in trig.morph and "Tense=Pres" in trig.morph and number is None:
        return True  # "граждан, уклоняющихся от мобилизации": a class of people, not an act
    if any(c.lemma in {"больше", "большинство", "меньше"} for c in doc.children(subj)):
        return True  # "больше всего людей пересекли границу": a share of many
    if number in VAGUE_WORDS:
        return _habitual(doc, trig)
    if number is not None or subj.ent == "PER" or subj.pos == "PROPN":
        return False
    specific = any(
        c.dep in {"det", "nmod", "appos", "flat:name"} or c.dep.startswith("nummod") or c.ent in {"LOC", "ORG"} for c in doc.children(subj)
    )
    bare_plural = subj.pos == "NOUN" and "Number=Plur" in subj.morph and not specific
    return bare_plural and _habitual(doc, trig)


def _reports_of(doc: ParsedDoc, trig: Token) -> bool:
    """'случаи дезертирства', 'число дел о СОЧ', 'сообщения об отказах': talk about many incidents."""
    for anc in [trig, *list(doc.ancestors(trig))[:3]]:
        if (anc.lemma in REPORT_NOUNS and "Number=Plur" in anc.morph) or anc.lemma in AGGREGATE_NOUNS:
            return True
        if anc.lemma in CASE_NOUNS and "Number=Plur" in anc.morph and _explicit_number(doc, anc) is not None:
            return True  # "возбуждено более 5000 дел о дезертирстве"
    plural_acts = DESERTION_NOUNS | REFUSE_NOUNS | REFUSAL_NOUNS | EVASION_NOUNS  # "отказы", "побеги"
    return trig.pos == "NOUN" and "Number=Plur" in trig.morph and trig.lemma in plural_acts


def _clause_verb(doc: ParsedDoc, tok: Token) -> Token:
    """The finite verb whose tense governs a trigger: its own, or the one it depends on."""
    current = tok
    for _ in range(6):
        if current.pos in {"VERB", "AUX"} and "VerbForm=Fin" in current.morph:
            return current
        if current.head == current.i:
            return current
        current = doc.head(current)
    return current


def _habitual(doc: ParsedDoc, tok: Token) -> bool:
    """Present tense both in the trigger's clause and in the sentence's main clause: a habit
    or a general statement. Russian has one present for "refuse" and "are refusing", so a
    present clause inside a past main clause ("организовали лагерь для тех, кто отказывается")
    is a specific situation."""
    verb = _clause_verb(doc, tok)
    if verb.pos not in {"VERB", "AUX"}:
        # a nominal sentence ("Дезертирство — массовое явление") is present; in a sentence
        # the parser broke into pieces, its first finite verb tells the tense
        verb = next((t for t in doc.sentence_of(tok).tokens if "VerbForm=Fin" in t.morph), None)
        return verb is None or "Tense=Pres" in verb.morph
    if "Tense=Pres" not in verb.morph:
        return False
    root = verb
    while root.head != root.i:
        root = doc.head(root)
    return "Tense=Past" not in root.morph and "Tense=Fut" not in root.morph


# -- modality --------------------------------------------------------------------------------


def _negated(doc: ParsedDoc, tok: Token) -> bool:
    """"не отказался", "не стал уезжать", "не было дезертирства" (negation on the governing word)."""
    if any(c.lemma in NEGATIONS for c in doc.children(tok)):
        return True
    if tok.dep in {"xcomp", "obj", "nsubj"} and tok.head != tok.i:
        head = doc.head(tok)
        return head.lemma not in REFUSE_VERBS and any(c.lemma in NEGATIONS for c in doc.children(head))
    return False


def _hypothetical(doc: ParsedDoc, tok: Token, kind: str) -> bool:
    """"я бы отказался", "если откажется", "откажутся" (future), "хотел уехать", "угрожают
    отправить"; an attempt or a request is the act for discharge and flight ("попросил
    расторгнуть контракт", "пытался пересечь границу")."""
    if tok.pos not in {"VERB", "AUX"}:
        verb = _clause_verb(doc, tok)
        if "Tense=Fut" in verb.morph or "Mood=Imp" in verb.morph or any(c.lemma == "бы" for c in doc.children(verb)):
            return True  # "уклонение станет массовым", "поджог был бы"
    chain = [tok, *doc.ancestors(tok)]
    for depth, t in enumerate(chain[:4]):
        for c in doc.children(t):
            if c.lemma == "бы":
                return True
            if c.dep == "mark" and c.lemma in HYPOTHETICAL_MARKS and (tok.pos in {"VERB", "AUX"} or depth == 0):
                return True
            if c.dep in {"aux", "aux:pass"} and c.lemma == "быть" and "Tense=Fut" in c.morph:
                return True
        unreal = "Tense=Fut" in t.morph or "Mood=Imp" in t.morph
        if t.pos in {"VERB", "AUX"} and unreal and (depth == 0 or chain[depth - 1].dep in {"xcomp", "ccomp"}):
            return True
        if depth > 0 and t.lemma in NON_FACTUAL_GOVERNORS and chain[depth - 1].dep in {"xcomp", "ccomp", "obj"}:
            if not (kind in ATTEMPT_TYPES and t.lemma in ATTEMPT_GOVERNORS and "Tense=Past" in t.morph):
                return True
        if t.dep not in {"xcomp", "conj", "ccomp", "advcl", "aux"}:
            break
    return False


def _sentence_mentions(doc: ParsedDoc, tok: Token, lemmas: set[str]) -> bool:
    return any(t.lemma in lemmas for t in doc.sentence_of(tok).tokens)


# -- sources ---------------------------------------------------------------------------------

_QUOTED = r"«[^»\n]{2,60}»|\"[^\"\n]{2,60}\"|„[^“\n]{2,60}“"
_LATIN = r"[A-Z0-9][A-Za-z0-9.\-&']*(?:\s+[A-Z0-9][A-Za-z0-9.\-&']*){0,3}(?![а-яё\-])"
_CAPS = r"[А-ЯЁ]{2,}(?:[\-.][А-ЯЁа-яё]+)*"
_CAP_WORDS = r"[А-ЯЁ][а-яё]+(?:[\-.][А-ЯЁа-яё]+)*(?:\s+[А-ЯЁ][а-яё]+){0,3}"
_INSTITUTION = (
    r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё]+)*(?:\s+[а-яё\-]+){0,4}?\s+"
    r"(?:суд|прокуратур|военкомат|управлени|министерств|ведомств|комитет|администраци|штаб|отдел|служб)(?:[аеуыяюий]|ом|ой|ем|ею|ии)?\b"
)
_SOURCE_NOUN = (
    r"(?:[Tt]elegram-канал|[Тт]елеграм-канал|тг-канал|издани|газет|телеканал|канал|агентств|сайт|портал|проект|журнал|ресурс|"
    r"организаци|движени|инициатив|паблик|радиостанци|редакци)[а-яё]*|ТК|СМИ|радио"
)
_REPORTS = (
    r"сообща(?:ет|ют)|сообщил[аио]?|пишу?т|написал[аио]?|переда[её]т|передал[аио]?|рассказал[аио]?|рассказывает|"
    r"выяснил[аио]?|отмечает|уточняет|узнал[аио]?|заявил[аио]?|подтвердил[аио]?|опубликовал[аио]?|ссылается|утверждает"
)
SOURCE_PATTERNS = [
    re.compile(
        rf"(?:[Пп]о (?:данным|информации|сведениям|подсч[её]там)|[Сс]о ссылкой на|[Сс]сылаясь на)\s+"
        rf"(?:(?:{_SOURCE_NOUN})\s+)?(?P<name>{_INSTITUTION}|{_QUOTED}|{_LATIN}|{_CAPS}|{_CAP_WORDS})"
    ),
    re.compile(rf"\b(?:[Кк]ак\s+)?(?:{_REPORTS})\s+(?:(?:{_SOURCE_NOUN})\s+)?(?P<name>{_QUOTED}|{_LATIN}|{_CAPS})"),
    re.compile(rf"\b(?:[Кк]ак\s+)?(?:{_REPORTS})\s+(?:{_SOURCE_NOUN})\s+(?P<name>{_CAP_WORDS})"),
    re.compile(
        rf"\b(?:сообщил[аио]?|сообщают|сообщается|рассказал[аио]?|рассказывают|пояснил[аио]?|уточнил[аио]?|заявил[аио]?|подтвердил[аио]?)"
        rf"\s+в\s+(?:пресс-(?:служб|центр)[а-яё]*\s+)?(?P<name>{_INSTITUTION}|{_QUOTED}|{_LATIN}|{_CAPS})"
    ),
    re.compile(rf"\b(?:{_SOURCE_NOUN})\s+(?P<name>{_QUOTED})"),
    # fronted: "В пресс-службе Псковского гарнизонного военного суда рассказали, что ..."
    re.compile(rf"\b[Вв]\s+(?:пресс-(?:служб|центр)[а-яё]*\s+)?(?P<name>{_INSTITUTION})\s*,?\s+(?:нам\s+)?(?:{_REPORTS})"),
    re.compile(
        rf"\b(?:[Вв] редакци[июя]|[Вв] беседе с|[Вв] разговоре с|[Вв] интервью|[Вв] комментарии(?: для)?)\s+"
        rf"(?:(?:{_SOURCE_NOUN})\s+)?(?P<name>{_QUOTED}|{_LATIN}|{_CAPS})"
    ),
    re.compile(r"^Источник:\s*(?P<name>[^\n]{2,60}?)\s*$", re.MULTILINE),
]


def source_name(name: str) -> str:
    """A cited name as the export writes it: in the nominative, without a leading "издание"
    or "ТК" ("«Верстки»" -> "Верстка", "Южно-Сахалинском военном гарнизонном суде" ->
    "Южно-Сахалинский военный гарнизонный суд", "ТК \\"База" -> "База"). Known outlets get
    their usual spelling."""
    name = " ".join(name.replace("\"", " ").replace("«", " ").replace("»", " ").split()).strip(" .,:;")
    words = name.split()
    if name.lower() not in _known_forms() and len(words) > 1 and words[0].lower() in russian_lexicon().source_nouns:
        name = " ".join(words[1:])
    return _known_forms().get(name.lower()) or _nominative(name)


@lru_cache(maxsize=1)
def _known_variants() -> dict[str, str]:
    """Every case form of the known outlets' names ("Медиазоны", "Медиазоне") -> the name."""
    forms: dict[str, str] = {}
    for known in KNOWN_SOURCES:
        forms.setdefault(known, known)
        if re.fullmatch(r"[А-ЯЁа-яё .\-]+", known):
            for case in ("Gen", "Dat", "Acc", "Ins", "Loc"):
                forms.setdefault(_inflect_phrase(known, case), known)
    return forms


@lru_cache(maxsize=1)
def _known_forms() -> dict[str, str]:
    return {variant.lower(): known for variant, known in _known_variants().items()}


def _nominative(name: str) -> str:
    """A Russian name phrase in the nominative: its words up to the first noun agree with
    that noun, in its case; what follows (genitive dependents) stays as written."""
    words = name.split()
    if not words or not all(re.fullmatch(r"[А-ЯЁа-яё\-]+", w) for w in words):
        return name
    vocab = morph_vocab()
    head = next((i for i, w in enumerate(words) if _noun_form(vocab, w) is not None), None)
    if head is None:
        return name
    form = _noun_form(vocab, words[head])
    case, number, gender = form.tag.case, form.tag.number, form.tag.gender
    if case == "nomn":
        return name
    out = []
    for i, word in enumerate(words):
        prefix, _, last = word.rpartition("-")  # "Южно-Сахалинском": the last part inflects
        if i > head or (len(last) > 1 and last.isupper()):
            out.append(word)  # a dependent, or an acronym
            continue
        parse = next(
            (
                p for p in vocab(last.lower())
                if p.tag.case == case and p.tag.number == number and p.tag.POS in {"NOUN", "ADJF", "PRTF"}
                and (i == head or number == "plur" or p.tag.gender in {gender, None})
            ),
            None,
        )
        new = parse.inflect({"Nom"}) if parse is not None else None
        out.append(prefix + "-" * bool(prefix) + _same_shape(last, new.word) if new is not None else word)
    return " ".join(out)


def _noun_form(vocab, word: str):
    """The word's reading as a noun, singular first (outlets are one thing); None when the
    word is more likely something else ("военного")."""
    parses = vocab(word.lower())
    if not parses or parses[0].tag.POS != "NOUN":
        return None
    nouns = [p for p in parses if p.tag.POS == "NOUN"]
    return next((p for p in nouns if p.tag.number == "sing"), nouns[0])


def _inflect_phrase(phrase: str, case: str) -> str:
    vocab = morph_vocab()
    out = []
    for word in phrase.split():
        prefix, dot, last = word.rpartition(".")  # "Сибирь.Реалии": the last part inflects
        parse = next((p for p in vocab(last.lower()) if p.tag.POS in {"NOUN", "ADJF"} and p.tag.case == "nomn"), None)
        new = parse.inflect({case}) if parse is not None and "-" not in last else None
        out.append(prefix + dot + (_same_shape(last, new.word) if new is not None else last))
    return " ".join(out)


def _same_shape(original: str, word: str) -> str:
    """'Верстки' + 'верстка' -> 'Верстка'; all capitals stay capitals."""
    word = word.replace("ё", "е") if "ё" not in original else word
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
