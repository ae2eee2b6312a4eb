"""Extraction: Document -> ExtractionResult (incident mentions with evidence, aggregates).

One pipeline of named components for every language; the language module (``en``,
``ru``) parses and finds triggers, the rest is shared:

    parse -> triggers -> group (assemble) -> fields -> mentions / aggregates
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..lang import LANGUAGES, get_language  # noqa: F401  (re-exported: the extractor's languages)
from ..model import Aggregate, Count, Document, ExtractionResult
from .assemble import Group, group_triggers, merge_retellings, split_individuals
from .counts import find_counts
from .dates import find_dates
from .fields import DocumentContext, build_mention, document_origin, group_places, participant_names, subject_count
from ..gazetteer import PlaceMatch, get_gazetteer
from .parsing import ParsedDoc
from .sentences import DEFAULT_THRESHOLDS, SentenceModel, SentenceScore, Thresholds, shipped_model
from .sources import find_sources
from .triggers import Trigger, is_headline

# Bump when extraction changes, so that stored documents are extracted again.
EXTRACTOR_VERSION = "0.3.8"

BATCH = 32


def extract(document: Document) -> ExtractionResult:
    return next(extract_many([document]))


def extract_many(documents: Iterable[Document]) -> Iterator[ExtractionResult]:
    """Results in input order; documents are parsed in batches per language."""
    return (result for result, _parsed in extract_parsed(documents))


def extract_parsed(documents: Iterable[Document]) -> Iterator[tuple[ExtractionResult, ParsedDoc | None]]:
    """``extract_many``, each result with the parse of its text (None: not processed), which
    the public view reads too (``publish.redaction.entities_of_parsed``)."""
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= BATCH:
            yield from _extract_batch(batch)
            batch = []
    if batch:
        yield from _extract_batch(batch)


def _extract_batch(documents: list[Document]) -> Iterator[tuple[ExtractionResult, ParsedDoc | None]]:
    by_lang: dict[str, list[int]] = {}
    results: dict[int, tuple[ExtractionResult, ParsedDoc | None]] = {}
    for i, document in enumerate(documents):
        language = get_language(document.lang)
        if language is None:
            results[i] = ExtractionResult(
                document.id, document.lang, processed=False,
                note=f"language {document.lang or 'unknown'!r} is not processed",
            ), None
        else:
            by_lang.setdefault(language.lang, []).append(i)
    for lang, indices in by_lang.items():
        language = get_language(lang)
        parsed = language.parse_many(documents[i].text for i in indices)
        for i, doc in zip(indices, parsed):
            results[i] = analyze(language, documents[i], doc), doc
    for i in range(len(documents)):
        yield results[i]


# The sentence model's thresholds (see sentences.Thresholds) are saved with its weights; a
# model without them (a stand-in, an older file) is read with these.
KEEP = DEFAULT_THRESHOLDS.keep
ADD = DEFAULT_THRESHOLDS.add
NEW = DEFAULT_THRESHOLDS.new
BESIDE = DEFAULT_THRESHOLDS.beside
SHIPPED = object()


def analyze(language, document: Document, doc: ParsedDoc, model: SentenceModel | None | object = SHIPPED,
            thresholds: Thresholds | None = None) -> ExtractionResult:
    """The shared part of the pipeline, after parsing; ``model`` overrides the shipped
    sentence model (None: rules alone), ``thresholds`` the model's own."""
    lexicon = language.lexicon
    triggers = language.triggers(doc)
    model = shipped_model(language.lang) if model is SHIPPED else model
    if thresholds is None:
        thresholds = getattr(model, "thresholds", None) or Thresholds(KEEP, ADD, NEW, BESIDE)
    model_scores = []
    if model is not None:
        model_scores = model.score(doc, triggers)
        triggers = screen_triggers(language, doc, triggers, model_scores, thresholds.keep, thresholds.add)
    groups, generic = group_triggers(
        doc, [t for t in triggers if not t.learned], lexicon.people_nouns, lambda s: participant_names(doc, s, lexicon)
    )
    places = _not_people(doc, get_gazetteer().find(doc.text, language.lang))
    groups = attach_learned(groups, [t for t in triggers if t.learned], thresholds.new, thresholds.beside, places)
    if not groups and model_scores:
        groups = lone_incident(triggers, model_scores, thresholds.lone)
    published = document.published_range
    ctx = DocumentContext(
        doc=doc,
        lexicon=lexicon,
        published=published,
        counts=find_counts(doc.text, language.lang),
        dates=find_dates(doc.text, language.lang, published),
        places=places,
        sources=find_sources(doc, lexicon, language.source_patterns),
        groups=groups,
        aggregates=generic,
    )
    ctx.sole_origin = document_origin(ctx)
    groups = merge_retellings(
        groups, lambda g: subject_count(ctx, g), lambda g, own: group_places(ctx, g, own),
        lambda a, b: a.type in PLACE_BOUND_TYPES and _elsewhere(*(_places_in(g.sentences + g.supporting, places) for g in (a, b))),
    )
    ctx.groups = split_individuals(groups, lexicon.distributive_words)
    mentions, aggregates = [], [_aggregate(ctx, trig, document.id) for trig in generic]
    for group in ctx.groups:
        mention = build_mention(ctx, group, document.id)
        if _mass_movement(mention):
            aggregates.append(Aggregate(document.id, mention.type, mention.count, [e for e in mention.evidence if e.field == "incident"]))
        else:
            mentions.append(mention)
    note = None
    if published is None and mentions:
        note = "publication date unknown: dates inferred from the text alone"
    return ExtractionResult(document.id, language.lang, True, mentions, aggregates, note)


def screen_triggers(language, doc: ParsedDoc, triggers: list[Trigger], scores: list[SentenceScore],
                    keep: float = KEEP, add: float = ADD) -> list[Trigger]:
    """The rules' triggers where the sentence model does not reject their sentence (scored
    ``keep`` or more), and a trigger for each sentence the model is sure of (``add``) that no
    rule read."""
    for trig in triggers:
        trig.score = scores[trig.sentence.index].incident
    kept = [t for t in triggers if t.generic or t.score >= keep]
    read = {t.sentence.index for t in kept}
    for sent, score in zip(doc.sentences, scores):
        if sent.index not in read and score.incident >= add and not is_headline(doc, sent):
            trig = language.sentence_trigger(doc, sent, score.type, score.incident)
            trig.learned, trig.score, trig.type_score = True, score.incident, score.types[score.type]
            kept.append(trig)
    return sorted(kept, key=lambda t: t.offset)


# How far (in sentences) a learned trigger reaches to join an incident told before or after it.
# Measured on out-of-fold scores of every coded set (about 500 required incidents per
# language): 2 extracts best in both languages (F1 +0.004 Russian, +0.017 English over 3); 3 and
# more joined separate incidents told a few sentences apart; 1 did as well on the sets written for
# otkaz and worse on the development sets of real reports.
ATTACH_WINDOW = 2


# Protests and attacks happen at a place. A sentence the model reads as one of them (its type
# scored PLACE_BOUND_TYPE_SCORE or more) that names a town or region (not a country) is, on the
# coded sets, a report of one more often than commentary: in an article where the rules or
# another sure sentence found an incident, it starts one of its own from PLACE_BOUND_NEW. It
# never joins an incident told at another place (protests in two cities the same day are two
# incidents). Measured on out-of-fold scores of every coded set (about 600 required incidents
# per language): F1 +0.008 (English) and +0.011 (Russian), near misses unchanged; for every
# type, or without the type's score, it lost precision.
PLACE_BOUND_TYPES = frozenset({"protest", "violent_resistance"})
PLACE_BOUND_NEW = 0.5
PLACE_BOUND_TYPE_SCORE = 0.5


def attach_learned(groups: list[Group], learned: list[Trigger], new: float = NEW, beside: float = BESIDE,
                   places: list[PlaceMatch] = ()) -> list[Group]:
    """The sentence model's triggers after the rules' grouping. Each joins the nearest incident
    told within ATTACH_WINDOW sentences (one of its own type first), or one of its type told
    anywhere when its sentence names nothing new (no person, place, number or date: a
    retelling), or else one of its type the rules found anywhere (a sentence far from the
    rules' incident of its type is, in the development sets, mostly that incident told again
    or its background, rarely another incident); else it starts an incident of its own when
    the model is sure of it (``new``; ``beside`` where the rules found an incident), or is left
    out. Joining an incident the rules found, it is quoted as evidence, not read for fields.
    A protest or an attack naming its place (``places``: those of the text) follows
    PLACE_BOUND_TYPES instead."""
    sure = len(learned) > 1
    ruled = any(not t.learned for g in groups for t in g.triggers)
    for trig in learned:
        here = trig.sentence.index

        def distance(group: Group) -> int:
            return min(abs(t.sentence.index - here) for t in group.triggers)

        near = [g for g in groups if distance(g) <= ATTACH_WINDOW]
        bound = trig.type in PLACE_BOUND_TYPES and (trig.type_score or 0) >= PLACE_BOUND_TYPE_SCORE
        where = _places_in([trig.sentence], places) if bound else set()
        if where:
            near = [g for g in near if not _elsewhere(where, _places_in(g.sentences + g.supporting, places))]
            if not near:
                near = [g for g in groups if g.type == trig.type and any(not t.learned for t in g.triggers)
                        and not _elsewhere(where, _places_in(g.sentences + g.supporting, places))]
        else:
            if not near and not _names_something(trig.sentence):
                near = [g for g in groups if g.type == trig.type]
            if not near:
                near = [g for g in groups if g.type == trig.type and any(not t.learned for t in g.triggers)]
        if near:
            target = min(near, key=lambda g: (g.type != trig.type, distance(g)))
            if any(not t.learned for t in target.triggers):
                target.supporting.append(trig.sentence)
            else:
                target.add(trig)
        elif trig.score >= (PLACE_BOUND_NEW if where and (ruled or sure) else beside if ruled else new):
            groups.append(Group([]))
            groups[-1].add(trig)
    return sorted(groups, key=lambda g: min(t.offset for t in g.triggers))


def _places_in(sentences, places: list[PlaceMatch]) -> set[tuple[str, str, str | None]]:
    """The towns and regions (name, precision, region) named in ``sentences``."""
    return {
        (m.place.name, m.place.precision, m.place.admin1)
        for s in sentences for m in places
        if s.start <= m.start < s.end and m.place.precision in {"city", "admin1"}
    }


def _elsewhere(these, those) -> bool:
    """Both name places, and none of one is, holds or lies in one of the other."""
    return bool(these and those) and not any(
        a == b or (pa == "admin1" and rb == ra) or (pb == "admin1" and ra == rb)
        for a, pa, ra in these for b, pb, rb in those
    )


# A report about the subject: besides its best sentence, at least LONE_SUPPORT sentences the
# model scores LONE_SUPPORT_SCORE or more.
LONE_SUPPORT = 3
LONE_SUPPORT_SCORE = 0.3


def lone_incident(triggers: list[Trigger], scores: list[SentenceScore], lone: float) -> list[Group]:
    """An article where neither the rules nor the sure sentences found an incident, yet the
    model reads it as a report about the subject (several sentences scored): its best sentence
    starts an incident when scored ``lone`` or more. A lone sentence, or one among unrelated
    ones, needs ``new`` as before."""
    learned = [t for t in triggers if t.learned and t.score >= lone]
    if not learned:
        return []
    best = max(learned, key=lambda t: t.score)
    support = sum(s.incident >= LONE_SUPPORT_SCORE for i, s in enumerate(scores) if i != best.sentence.index)
    if support < LONE_SUPPORT:
        return []
    group = Group([])
    group.add(best)
    return [group]


def _names_something(sentence) -> bool:
    return any(t.ent in {"PER", "LOC", "DATE"} or t.pos == "NUM" for t in sentence.tokens)


# "about 147,000 Russians left for Kazakhstan": thousands fleeing or hiding are a national
# figure (codebook: an aggregate), unlike a protest or a refusal of that many people
MASS_TYPES = {"flight_abroad", "draft_evasion"}
MASS_COUNT = 1000


def _mass_movement(mention) -> bool:
    return mention.type in MASS_TYPES and (mention.count.min or 0) >= MASS_COUNT


def _not_people(doc: ParsedDoc, places):
    """'Vladimir, a 40-year-old from Omsk, said': a town named like a person is the person
    when it is the subject or has an apposition; the tagger's PER on 'Perm' (after 'from')
    loses to the place."""
    out = []
    for m in places:
        person = any(e.label == "PER" and e.start <= m.start and m.end <= e.end for e in doc.entities)
        if person:
            tok = next((t for t in doc.tokens if t.start == m.start), None)
            if tok is not None and (tok.dep.startswith("nsubj") or tok.dep == "poss" or any(c.dep == "appos" for c in doc.children(tok))):
                continue
        out.append(m)
    return out


def _aggregate(ctx: DocumentContext, trig, document_id: str) -> Aggregate:
    from .fields import _quote

    s = trig.sentence
    counts = [c for c in ctx.in_span(ctx.counts, s.start, s.end) if c.people]
    count = counts[0].count if counts else Count()
    return Aggregate(document_id, trig.type, count, [_quote(ctx.doc.text, "incident", s.start, s.end)])
