"""Fields of an incident mention, each with the quote it came from.

Shared by every language: the language module supplies parsed text, triggers and its
lexicon; counts, dates and places come from ``counts``, ``dates`` and ``gazetteer``.
Where the article is silent the field stays empty, except two honest defaults: the date
interval falls back to "some time between the start of the war (or of mobilization, for
draft-related incidents) and publication", and for incidents at home (draft refusal,
evasion, protest, arson) where it happened and where the people come from are one place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..model import Count, DateRange, Evidence, IncidentMention
from .assemble import Group
from .counts import CountMention
from .dates import MOBILIZATION_START, WAR_START, DateMention
from ..gazetteer import PlaceMatch
from .lexicon import FieldWords, Lexicon
from .parsing import ParsedDoc, Sentence, Token
from .triggers import is_headline, phrase_of

# Forces of client territories are allied forces (codebook), whatever they are called.
CLIENT_TERRITORIES = {"South Ossetia", "Abkhazia", "Transnistria"}
HOME_TYPES = {"draft_refusal", "draft_evasion", "protest", "violent_resistance"}
MOBILIZATION_TYPES = {"draft_refusal", "draft_evasion", "flight_abroad"}
DEFAULT_ACTOR = {
    "draft_refusal": "draftees",
    "draft_evasion": "draftees",
    "flight_abroad": "draftees",
    "protest": "civilians",
    "violent_resistance": "civilians",
}


@dataclass
class DocumentContext:
    """What is computed once per document and shared by all its mentions."""

    doc: ParsedDoc
    lexicon: Lexicon
    published: DateRange | None
    counts: list[CountMention]
    dates: list[DateMention]
    places: list[PlaceMatch]
    sources: list[tuple[str, int, int]]  # (name, start, end) of cited outlets/organizations
    groups: list[Group]
    aggregates: list = field(default_factory=list)  # generic triggers (Trigger)
    sole_origin: PlaceMatch | None = None  # see document_origin

    def in_span(self, items, start: int, end: int):
        return [x for x in items if x.start >= start and x.end <= end]


def build_mention(ctx: DocumentContext, group: Group, document_id: str) -> IncidentMention:
    doc = ctx.doc
    core = group.sentences
    context = _context_sentences(ctx, group)
    evidence: list[Evidence] = [_quote(doc.text, "incident", s.start, s.end) for s in core]
    evidence += [_quote(doc.text, "incident", s.start, s.end) for s in group.supporting if s not in core]
    mention = IncidentMention(document_id=document_id, type=group.type)

    mention.type, mention.actors = _type_and_actors(ctx, group, core)
    group.final_type = mention.type
    evidence += _field_quotes(doc, "type", [t.token for t in group.triggers])

    count, count_ev = (Count(1, 1), []) if group.individual else _count(ctx, group, core, context)
    mention.count = count
    evidence += count_ev

    origin, location, place_ev = _places(ctx, group, core, context)
    mention.origin, mention.location = origin, location
    if origin is not None and origin.admin1 in CLIENT_TERRITORIES and mention.type in MILITARY_TYPES:
        mention.actors = ["allied_forces"] + [a for a in mention.actors if a not in {"servicemen_unspecified", "allied_forces"}]
    evidence += place_ev

    date_range, inferred, date_ev = _date(ctx, group, core, context)
    mention.date, mention.date_inferred = date_range, inferred
    evidence += date_ev

    # what was done to its people is told after it (until another incident starts) and in the
    # sentences the model says tell it too
    scope = core + list(context) + [s for s in group.supporting if s not in core and s not in context]
    refused = {x.i for t in group.triggers for c in ctx.doc.children(t.token) if c.dep in {"xcomp", "obj", "dobj"} for x in ctx.doc.subtree(c)}
    mention.consequences, cons_ev = _consequences(ctx, scope, refused)
    evidence += cons_ev
    mention.cited, cited_ev = _cited(ctx, core + context)
    evidence += cited_ev
    mention.people = [group.individual] if group.individual else _people(ctx, group, core + context)
    evidence += _people_quotes(ctx, mention.people, core + context)
    units = ctx.lexicon.fields.unit_pattern
    mention.units = sorted({m.group(0) for s in core + context for m in units.finditer(s.text)})
    mention.confidence = _confidence(group, mention)
    mention.evidence = evidence
    return mention


# -- which sentences speak of this incident ----------------------------------------------


def _context_sentences(ctx: DocumentContext, group: Group) -> list[Sentence]:
    """Sentences after the incident's own (same or next paragraph, until another incident
    starts), and sentences elsewhere naming the same person."""
    doc = ctx.doc
    others = {t.sentence.index for g in ctx.groups if g is not group for t in g.triggers}
    own = {s.index for s in group.sentences}
    out: list[Sentence] = []
    for trig in group.triggers:
        here = trig.sentence
        for s in doc.sentences[here.index + 1 : here.index + 12]:
            if s.index in others or s.paragraph - here.paragraph > 1:
                break
            if s.index not in own and s not in out:
                out.append(s)
    for trig in group.triggers:
        # "He said that on February 25, 12 employees refused": who "he" is, and what he
        # reported, is in the sentence before
        if trig.sentence.index > 0 and _reported_by_pronoun(doc, trig, ctx.lexicon):
            prev = doc.sentences[trig.sentence.index - 1]
            if prev.index not in own and prev.index not in others and prev not in out:
                out.append(prev)
    surnames = {p for n in group.names for p in n.split() if len(p) > 2}
    if surnames:
        for s in doc.sentences:
            if s.index in own or s.index in others or s in out:
                continue
            if any(re.search(rf"\b{re.escape(p)}", s.text) for p in surnames):
                out.append(s)
    return sorted(out, key=lambda s: s.index)


def _about_participants(s: Sentence, group: Group, lexicon: Lexicon) -> bool:
    """A sentence near the incident speaks of its people when it names them or refers to
    them by a pronoun."""
    if any(t.lemma in lexicon.fields.personal_pronouns for t in s.tokens):
        return True
    parts = {p for n in group.names for p in n.split() if len(p) > 2}
    return any(p in s.text for p in parts)


def _reported_by_pronoun(doc: ParsedDoc, trig, lexicon: Lexicon) -> bool:
    for anc in doc.ancestors(trig.token):
        if anc.lemma in lexicon.reporting_verbs:
            return any(c.dep.startswith("nsubj") and c.pos == "PRON" for c in doc.children(anc))
    return False


def _quote(text: str, field: str, start: int, end: int) -> Evidence:
    return Evidence(field, text[start:end], start, end)


def _field_quotes(doc: ParsedDoc, field: str, tokens: list[Token]) -> list[Evidence]:
    return [_quote(doc.text, field, t.start, t.end) for t in tokens]


# -- actors -------------------------------------------------------------------------------


MILITARY_TYPES = {"combat_refusal", "desertion", "discharge_attempt"}
CIVILIAN_ACTORS = {"draftees", "civilians"}


def _type_and_actors(ctx: DocumentContext, group: Group, core: list[Sentence]) -> tuple[str, list[str]]:
    """Actors from the participants' own words ("contract soldier", "OMON", "student"), else
    from the incident's sentences; a refusal by civilians is a draft refusal."""
    lex = ctx.lexicon
    kind = group.type
    found: list[str] = []
    for trig in group.triggers:
        head = trig.subject_head
        if head is not None:
            # the head noun says who they are ("relatives of mobilized men" are relatives);
            # the rest of the phrase only when the head says nothing ("employees of the OMON")
            heads = [head] + [c for c in ctx.doc.children(head) if c.dep in {"conj", "compound", "amod"}]
            found += _actors_in(lex, sorted(heads, key=lambda t: t.i)) or _actors_in(lex, subject_phrase(ctx.doc, head))
    found += _actors_in(lex, _descriptors(ctx, group))
    own_words = bool(found)
    fallbacks = [core, _context_sentences(ctx, group), ctx.doc.sentences[:3]]
    for sentences in fallbacks:
        if found:
            break
        for s in sentences:
            found += _actors_in(lex, s.tokens)
    found = list(dict.fromkeys(found))
    if not own_words:
        # words around the incident describe its people less surely than its subject does:
        # they may fill the actors, never change the type
        if kind in MILITARY_TYPES:
            found = [a for a in found if a not in CIVILIAN_ACTORS]
        elif kind in {"draft_refusal", "draft_evasion", "flight_abroad", "protest", "violent_resistance"}:
            found = [a for a in found if a in CIVILIAN_ACTORS] or []
    about = [s for s in _context_sentences(ctx, group) if _about_participants(s, group, ctx.lexicon) or _repeats_people_noun(s, group)]
    # "terminate their contracts", "he had signed a contract": contract soldiers
    if kind in MILITARY_TYPES and any(
        t.lemma in lex.contract_words for s in core + about for t in s.tokens
    ) and "contract_soldiers" not in found:
        found = ["contract_soldiers"] + [a for a in found if a != "servicemen_unspecified"]
    if kind == "combat_refusal" and found and set(found) <= CIVILIAN_ACTORS:
        kind = "draft_refusal"
    if kind == "flight_abroad" and found and not set(found) & CIVILIAN_ACTORS:
        kind = "desertion"  # a serviceman who flees abroad is a deserter
    if kind in MILITARY_TYPES and found == ["servicemen_unspecified"]:
        # "a soldier left his unit ... He had been mobilized in October": the status said elsewhere
        found = _status_elsewhere(lex, [core + about, ctx.doc.sentences[:3]]) or found
    if "servicemen_unspecified" in found and len(found) > 1:
        found.remove("servicemen_unspecified")
    if kind in {"draft_refusal", "draft_evasion"} and not set(found) & CIVILIAN_ACTORS:
        found = ["draftees"]
    if kind in MOBILIZATION_TYPES and "civilians" in found and not _undraftable(ctx, group):
        # "a resident of Orenburg crossed into Kazakhstan": whoever flees or hides from the call-up is of its age
        found = ["draftees"] + [a for a in found if a not in CIVILIAN_ACTORS]
    if kind in MILITARY_TYPES:
        found = [a for a in found if a not in CIVILIAN_ACTORS]
    if kind == "protest" and not found:
        found = ["civilians"]  # mobilized men protesting their pay stay "mobilized"
    return kind, found or [DEFAULT_ACTOR.get(kind, "servicemen_unspecified")]


SERVICE_STATUSES = ("contract_soldiers", "conscripts", "mobilized")


def _status_elsewhere(lex: Lexicon, places: list[list[Sentence]]) -> list[str]:
    """The one service status (contract, conscript, mobilized) the incident's sentences, else
    the article's opening, give; none when they give none or several."""
    for sentences in places:
        statuses = {a for s in sentences for a in _actors_in(lex, s.tokens) if a in SERVICE_STATUSES}
        if len(statuses) == 1:
            return list(statuses)
        if statuses:
            return []
    return []


def _undraftable(ctx: DocumentContext, group: Group) -> bool:
    words = ctx.lexicon.fields.undraftable_nouns
    return any(t.lemma in words for trig in group.triggers for t in trig.subject) or any(
        t.lemma in words for t in _descriptors(ctx, group))


def _descriptors(ctx: DocumentContext, group: Group) -> list[Token]:
    """What the article calls the named participants anywhere: 'officer Ruslan T.',
    'Pavel O., a 34-year-old welder', 'a contract soldier named Oleg S.' — but not
    what they were ('former presidential guard')."""
    doc = ctx.doc
    # only the named participants: a sentence may also name a wife, a lawyer, a source
    participants = {n for t in group.triggers for n in t.names} or ({group.individual} if group.individual else set())
    parts = {p for n in participants for p in n.split() if len(p) > 2}
    out: list[Token] = []
    if not parts:
        return out
    for ent in doc.entities:
        if ent.label != "PER" or not any(p in ent.text for p in parts):
            continue
        root = doc.tokens[ent.tokens[-1]]
        candidates = [c for c in doc.children(root) if c.dep in {"compound", "appos", "amod", "nmod"} and c.i not in ent.tokens]
        head = doc.head(root)
        if root.dep == "appos" or head.lemma in ctx.lexicon.fields.naming_verbs:
            candidates.append(head if root.dep == "appos" else doc.head(head))
        for c in candidates:
            if any(g.lemma in ctx.lexicon.fields.former_words for g in doc.children(c)):
                continue
            out += [t for t in doc.subtree(c) if t.dep not in {"relcl", "acl:relcl", "acl"}] if c.head == root.i else [c]
    return out


def _actors_in(lex: Lexicon, tokens: list[Token]) -> list[str]:
    out = []
    lemmas = [t.lemma for t in tokens]
    for i, lemma in enumerate(lemmas):
        bigram = f"{lemma} {lemmas[i + 1]}" if i + 1 < len(lemmas) else None
        label = (bigram and lex.actor_of(bigram)) or lex.actor_of(lemma)
        if label:
            out.append(label)
    return out


def participant_names(doc: ParsedDoc, sentence: Sentence, lexicon: Lexicon) -> list[str]:
    """Person names in a sentence that are not officials, lawyers or reporters."""
    names = []
    for ent in doc.entities_in(sentence.start, sentence.end, "PER"):
        before = doc.text[max(0, ent.start - 30) : ent.start].lower()
        if not any(re.search(rf"\b{t}\b", before) for t in lexicon.official_titles):
            names.append(re.sub(r"[’']s$", "", ent.text))
    return names


def subject_count(ctx: DocumentContext, group: Group) -> Count | None:
    for trig in group.triggers:
        if trig.subject:
            start, end = trig.subject[0].start, trig.subject[-1].end
            for c in ctx.counts:
                if c.start < end and c.end > start and c.people:
                    return c.count
    return None


def subject_phrase(doc: ParsedDoc, head: Token) -> list[Token]:
    """The participants' noun phrase with its prepositional phrases ("12 employees of the
    Krasnodar OMON") but without clauses ("those transferred to Kursk", "who refused")."""
    return phrase_of(doc, head, {"relcl", "acl", "acl:relcl", "advcl", "punct"}) or [head]


def group_places(ctx: DocumentContext, group: Group, own: bool) -> set[str]:
    """Keys of the places in a group's subjects (own=True) or in all its sentences."""
    if own:
        spans = []
        for t in group.triggers:
            if t.subject_head is not None:
                tree = subject_phrase(ctx.doc, t.subject_head)
                spans.append((tree[0].start, tree[-1].end))
    else:
        spans = [(s.start, s.end) for s in group.sentences]
    return {m.place.key or m.place.name for a, b in spans for m in ctx.in_span(ctx.places, a, b)}


# -- count --------------------------------------------------------------------------------


def _count(ctx: DocumentContext, group: Group, core: list[Sentence], context: list[Sentence]) -> tuple[Count, list[Evidence]]:
    """The participants' own number first ("60 Pskov soldiers"), then a number of people
    in the incident's sentences, then what names and grammatical number say."""
    doc = ctx.doc
    own = [c for trig in group.triggers for c in _subject_counts(ctx, trig)]
    if own:
        best = max(own, key=lambda c: c.count.min or c.count.max or 0)
        return best.count, [_quote(doc.text, "count", best.start, best.end)]
    named = _distinct_people({n for t in group.triggers for n in t.names})
    if named:
        return Count(len(named), len(named)), []
    aggregate_sentences = {t.sentence.index for t in ctx.aggregates}
    for sentences in (core, context):
        hits = [
            c for s in sentences if s.index not in aggregate_sentences
            for c in ctx.in_span(ctx.counts, s.start, s.end)
            if c.people and not (sentences is context and (c.count.min or 0) >= 1000)
            and c.head not in ctx.lexicon.official_titles
        ]
        if hits:
            trig_at = group.triggers[0].offset
            best = min(hits, key=lambda c: abs(c.start - trig_at))
            return best.count, [_quote(doc.text, "count", best.start, best.end)]
    heads = [t.subject_head for t in group.triggers if t.subject_head is not None]
    relative = ctx.lexicon.fields.relative_pronouns
    if any("Number=Sing" in h.morph and h.lemma not in relative for h in heads):
        head = next(h for h in heads if "Number=Sing" in h.morph)
        return Count(1, 1), [_quote(doc.text, "count", head.start, head.end)]
    if not heads and len(group.names) == 1:
        return Count(1, 1), []
    return Count(), []


def _distinct_people(names: set[str]) -> set[str]:
    """'Pavel Orlov' and 'Orlov' are one person."""
    out: set[str] = set()
    for name in sorted(names, key=len, reverse=True):
        parts = set(name.split())
        if not any(parts & set(other.split()) for other in out):
            out.add(name)
    return out


def _subject_counts(ctx: DocumentContext, trig) -> list[CountMention]:
    if not trig.subject:
        return []
    start, end = trig.subject[0].start, trig.subject[-1].end
    return [c for c in ctx.counts if c.start < end and c.end > start and c.people]


# -- places -------------------------------------------------------------------------------


PRECISION_RANK = {"city": 0, "admin1": 1, "country": 2}


def _places(ctx: DocumentContext, group: Group, core: list[Sentence], context: list[Sentence]):
    """Origin: where the people come from; location: where it happened. The most specific
    candidate wins, the incident's own sentences before the ones around it."""
    doc = ctx.doc
    kind = group.final_type or group.type
    subject_spans = []
    for t in group.triggers:
        if t.subject_head is not None:
            tree = subject_phrase(doc, t.subject_head)
            subject_spans.append((tree[0].start, tree[-1].end))
    source_spans = [(s, e) for _, s, e in ctx.sources]
    events = {t.token.i for t in group.triggers}
    origins: list[list[PlaceMatch]] = [[], []]
    locations: list[list[PlaceMatch]] = [[], []]
    departures: list[PlaceMatch] = []
    courts: list[PlaceMatch] = []
    nearby: list[PlaceMatch] = []
    for level, sentences in enumerate((core, context)):
        for s in sentences:
            for m in ctx.in_span(ctx.places, s.start, s.end):
                if any(a <= m.start and m.end <= b for a, b in source_spans):
                    continue
                role = _place_role(doc, m, subject_spans, ctx.lexicon, events)
                if role == "origin":
                    origins[level].append(m)
                elif role == "location":
                    locations[level].append(m)
                elif role == "departure" and level == 0:
                    departures.append(m)
                elif role == "court":
                    courts.append(m)
                elif role == "nearby" and level == 0:
                    nearby.append(m)
                elif role == "aftermath" and kind in {"flight_abroad", "protest"}:
                    locations[level].append(m)  # stopped at the border, detained at the rally: that is the incident
    origin = _most_specific(origins[0]) or _most_specific(origins[1]) or ctx.sole_origin
    if origin is None and kind == "flight_abroad":
        origin = _most_specific([m for m in departures if m.place.country == "RU"])  # "flew out of Kazan": home
    if kind == "flight_abroad":
        # where they were stopped or arrived; a destination ("a flight to Turkey") last
        foreign = [m for m in locations[0] + locations[1] if m.place.country not in {None, "RU"}]
        arrived = [m for m in foreign if _preposition(doc, m) not in ctx.lexicon.fields.destination_prepositions]
        destinations = [m for m in locations[0] if m.place.country not in {None, "RU"}]
        location = (arrived or [None])[0] or _most_specific(locations[0]) or (destinations or [None])[0]
    else:
        location = _most_specific(locations[0] + nearby) or _most_specific(departures)
    if location is None and kind in HOME_TYPES:
        # at home, any town or region the incident's own sentences name is where it was
        anywhere = [m for s in core for m in ctx.in_span(ctx.places, s.start, s.end)
                    if not any(a <= m.start and m.end <= b for a, b in source_spans)]
        location = origin or _most_specific(anywhere)
    location = location or _most_specific(nearby)
    if kind != "flight_abroad":
        location = location or _most_specific(locations[1])
    location = location or _most_specific(courts)
    evidence = []
    if origin:
        evidence.append(_quote(doc.text, "origin", origin.start, origin.end))
    if location:
        evidence.append(_quote(doc.text, "location", location.start, location.end))
    origin_place = origin.place if origin else None
    location_place = location.place if location else None
    if kind in HOME_TYPES:
        origin_place = origin_place or location_place
        location_place = location_place or origin_place
    return origin_place, location_place, evidence


def _preposition(doc: ParsedDoc, m: PlaceMatch) -> str | None:
    tok = _span_root(doc, m.start, m.end)
    if tok is None:
        return None
    head = doc.head(tok)
    if head.pos == "ADP":
        return head.lemma
    case = next((c for c in doc.children(tok) if c.dep == "case"), None)
    return case.lemma if case is not None else None


def document_origin(ctx: DocumentContext) -> PlaceMatch | None:
    """When a whole article speaks of people from one place ("Mobilized men from
    Novosibirsk ..."), that is where the people of each of its incidents come from."""
    found: dict[str, PlaceMatch] = {}
    for m in ctx.places:
        if _place_role(ctx.doc, m, [], ctx.lexicon, set()) == "origin":
            found.setdefault(m.place.key or m.place.name, m)
    return next(iter(found.values())) if len(found) == 1 else None


def _most_specific(matches: list[PlaceMatch]) -> PlaceMatch | None:
    """The first of the most precise: a town says more than its region or country; "in
    Russia" says nothing about where in Russia."""
    matches = [m for m in matches if not (m.place.country == "RU" and m.place.precision == "country")] or matches
    if not matches:
        return None
    return min(enumerate(matches), key=lambda im: (PRECISION_RANK.get(im[1].place.precision, 3), im[0]))[1]


def _home_of_people(doc: ParsedDoc, governor: Token, words: FieldWords) -> bool:
    """ "worked in Dalnegorsk", "жил у родственников в ...": where people live or work is their
    origin; "a unit stationed in Volgograd", "воинской части в Сахалинской области": so is
    their unit's place."""
    if governor.lemma in words.unit_nouns:
        return True
    up = governor
    for _ in range(3):
        if up.lemma in words.home_verbs:
            return True
        if up.lemma in words.stationed_verbs and up.dep in {"acl", "relcl", "acl:relcl"} \
                and doc.head(up).lemma in words.unit_nouns:
            return True
        if up.head == up.i or up.dep not in {"obl", "nmod", "pobj", "prep"}:
            return False
        up = doc.head(up)
    return False


def _place_role(doc: ParsedDoc, m: PlaceMatch, subject_spans, lexicon: Lexicon, events: set[int]) -> str | None:
    """'origin' for where people come from, 'location' for where something happened,
    'nearby' for a place the incident's sentence puts its telling in without tying it to the
    act (a location when nothing closer says where), None for places that are neither (a
    source's name, "the war in Ukraine")."""
    tok = _span_root(doc, m.start, m.end)
    if tok is None:
        return None
    words = lexicon.fields
    if m.place.country == "RU" and m.place.precision == "country" and m.form != "name":
        return None  # "Russian soldiers": every participant is Russian; it says nothing
    head = doc.head(tok)
    if m.form in {"demonym", "adjective"}:
        if tok.pos in {"NOUN", "PROPN"} and tok.dep not in {"compound", "amod"}:
            return "origin"  # "a Muscovite", "the Buryats": the word names people
        if any(a <= m.start and m.end <= b for a, b in subject_spans) or head.lemma in words.people_heads or lexicon.actor_of(head.lemma):
            return "origin"
        return None
    # "the town of Podporozhye", "a Moscow suburb": the place noun stands for the place
    while head.lemma in words.place_nouns or (
        head.pos == "ADP" and words.place_of and head.lemma == words.place_of and doc.head(head).lemma in words.place_nouns
    ):
        tok = head if head.lemma in words.place_nouns else doc.head(head)
        head = doc.head(tok)
        if tok.head == tok.i:
            break
    if any(a <= m.start and m.end <= b for a, b in subject_spans):
        # "men from Rostov region" come from there; "men near Avdiivka" are there
        case = _preposition(doc, m)
        if case in words.location_prepositions and case not in words.origin_prepositions:
            return "location"
        return "origin"
    before = doc.text[max(0, m.start - 40) : m.start].lower()
    if any(re.search(rf"\b{cue}\b", before) for cue in words.origin_cues) and _cue_governs(doc, tok, words):
        return "origin"
    if any(before.rstrip().endswith(phrase) for phrase in words.home_phrases):
        return "origin"
    if tok.dep in {"compound", "amod", "nmod"} and (head.lemma in words.people_heads or lexicon.actor_of(head.lemma)):
        return "origin"
    # the place's preposition: "from Novosibirsk", "in Dagestan"
    prep = head if head.pos == "ADP" else next((c for c in doc.children(tok) if c.dep == "case"), None)
    if prep is None:
        return None
    governor = doc.head(prep) if prep is head else head
    if prep.lemma in words.origin_prepositions and governor.pos in {"NOUN", "PROPN", "PRON"}:
        return "origin" if governor.lemma in words.people_heads or lexicon.actor_of(governor.lemma) or governor.ent == "PER" else None
    if prep.lemma in words.location_prepositions and _home_of_people(doc, governor, words):
        return "origin"
    if prep.lemma in words.location_prepositions:
        if governor.dep == "xcomp" and doc.head(governor).i in events:
            return None  # "refused to go to Ukraine": where they would not go
        if governor.lemma in lexicon.reporting_verbs or governor.lemma in words.source_words:
            return None  # "a source in Crimea": where the source is
        if governor.lemma in words.return_verbs and prep.lemma in words.return_prepositions:
            return "origin"  # "returned to Pskov": home
        if governor.lemma in words.court_nouns or (governor.lemma in words.verdict_verbs and governor.i not in events):
            return "court"  # "a court in Pskov", "sentenced in Vladimir": the court's seat
        if governor.lemma in lexicon.after_the_fact_verbs and governor.i not in events:
            return "aftermath"  # "detained in Krasnoyarsk": where they were caught, not where they acted
        if governor.pos in {"VERB", "AUX"} or governor.i in events or governor.lemma in words.event_nouns:
            return "location"
        # "protested against mobilization in Yakutsk": the phrase hangs on the object
        up = governor
        for _ in range(3):
            if up.head == up.i or up.dep not in {"pobj", "dobj", "obj", "obl", "nmod", "prep"}:
                break
            up = doc.head(up)
            if up.i in events:
                return "location"
        if prep.lemma not in words.destination_prepositions and "Case=Acc" not in tok.morph:
            return "nearby"  # "refused to go on assaults near Bakhmut": a place of the telling, not a destination
    if prep.lemma in words.origin_prepositions and governor.pos in {"VERB", "AUX"}:
        return "departure"  # "moved from St. Petersburg": where they were before
    return None


def _cue_governs(doc: ParsedDoc, tok: Token, words: FieldWords) -> bool:
    """The origin cue is the place's own governor ("a native of Pskov", "житель Новосибирска"),
    not a word of another phrase ("житель Новосибирска уехал в Казахстан": not Kazakhstan)."""
    return any(a.lemma in words.origin_cues or a.lower in words.origin_cues for a in list(doc.ancestors(tok))[:3])


def _span_root(doc: ParsedDoc, start: int, end: int) -> Token | None:
    """The token of a span whose head lies outside it ("the Belgorod region" -> region)."""
    first = _token_at(doc, start)
    if first is None:
        return None
    sent = doc.sentence_of(first)
    inside = [t for t in sent.tokens if t.start < end and t.end > start]
    for t in inside:
        if not (start <= doc.tokens[t.head].start < end) or t.head == t.i:
            return t
    return first


def _token_at(doc: ParsedDoc, offset: int) -> Token | None:
    for s in doc.sentences:
        if s.start <= offset < s.end:
            return s.token_at(offset)
    return None


# -- date ---------------------------------------------------------------------------------


def _date(ctx: DocumentContext, group: Group, core: list[Sentence], context: list[Sentence]):
    """The narrowest honest interval. A date on one of the incident's own predicates is its
    date; a date on a report or a verdict only bounds it from above; every interval is cut
    to [start of the war or of mobilization, publication]. Without a publication date the
    article's latest date stands for it; if that is before the start, the date is unknown."""
    doc = ctx.doc
    upper: date | None = ctx.published.end if ctx.published else None
    bound_evidence: list[Evidence] = []
    trigger_tokens = {t.token.i for t in group.triggers}
    trig_at = group.triggers[0].offset
    floor = MOBILIZATION_START if _mobilization_related(group, ctx.lexicon) else WAR_START
    chosen: DateMention | None = None
    about = [s for s in context if _about_participants(s, group, ctx.lexicon) or _repeats_people_noun(s, group)]
    for sentences in (core, about):
        own, near = [], []
        for s in sentences:
            for d in ctx.in_span(ctx.dates, s.start, s.end):
                reported = _reported_on(doc, d, ctx.lexicon)
                verb = reported or _date_verb(doc, d)
                if not reported and verb is not None and (verb.i in trigger_tokens or _scene_of(doc, verb, trigger_tokens, ctx.lexicon.fields)):
                    own.append(d)
                elif reported or (verb is not None and verb.lemma in ctx.lexicon.after_the_fact_verbs):
                    if sentences is not core:
                        continue  # far from the incident, a report's date bounds nothing surely
                    if upper is None or d.range.end < upper:
                        upper = d.range.end
                        bound_evidence = [_quote(doc.text, "date", d.start, d.end)]
                else:
                    near.append(d)
        if chosen is None and own:
            chosen = min(own, key=lambda d: d.range.days)
        if chosen is None and near:
            chosen = min(near, key=lambda d: (abs(d.start - trig_at), d.range.days))
    if upper is None:
        ends = [d.range.end for d in ctx.dates]
        if not ends and chosen is None:
            return None, True, []
        upper = max(ends) if ends else chosen.range.end
        if upper < floor:  # undated, and nothing the article dates is after the start: unknown
            return None, True, []
    window = DateRange(floor, upper) if floor <= upper else DateRange(upper - timedelta(days=365), upper)
    if chosen is None and _news_lead(ctx, group, upper):
        # an undated event in the lead of a news item is the news: the fortnight before it
        # (before its report, when the lead dates the report: "the channel said on Wednesday")
        start = max(window.start, min(upper, ctx.published.start) - timedelta(days=NEWS_DAYS))
        return DateRange(start, upper), False, bound_evidence
    if chosen is not None:
        # undated, a date before the start is not this incident's: the article's dates bound it
        rng = chosen.range.intersect(window) or (chosen.range if ctx.published else window)
        if rng is not None:
            return rng, ctx.published is None, [_quote(doc.text, "date", chosen.start, chosen.end)]
    return window, ctx.published is None, bound_evidence


NEWS_DAYS = 14
REPORT_DAYS = 7  # a report the lead dates within the week before publication is the news's
def _scene_of(doc: ParsedDoc, verb: Token, triggers: set[int], words: FieldWords) -> bool:
    """'detained 100 people on Sunday at a protest': the arrests happened at the incident,
    so their date is its date."""
    scene = words.scene_prepositions
    for c in doc.children(verb):
        if c.lemma in scene and any(g.i in triggers for g in doc.children(c)):
            return True
        if c.dep in {"obl", "nmod"} and c.i in triggers and any(g.dep == "case" and g.lemma in scene for g in doc.children(c)):
            return True
    return False


def _news_lead(ctx: DocumentContext, group: Group, upper: date) -> bool:
    """Told in the first two sentences of the article's body, with a publication date (or a
    report the lead dates in the week before it) to count back from, and not learned from a
    verdict or an arrest (those come long after)."""
    if ctx.published is None or ctx.published.days > 31:
        return False
    if not ctx.published.end - timedelta(days=REPORT_DAYS) <= upper <= ctx.published.end:
        return False
    lead = [s.index for s in ctx.doc.sentences if not is_headline(ctx.doc, s)][:2]
    if not any(t.sentence.index in lead for t in group.triggers):
        return False
    for t in group.triggers:
        for anc in list(ctx.doc.ancestors(t.token))[:4]:
            if anc.lemma in ctx.lexicon.after_the_fact_verbs and anc.lemma not in ctx.lexicon.reporting_verbs:
                return False
    return True


def _repeats_people_noun(s: Sentence, group: Group) -> bool:
    """'The soldier left on leave ... The soldier was expected on 20 November': the same
    people noun names the same people."""
    nouns = {t.subject_head.lemma for t in group.triggers if t.subject_head is not None and t.subject_head.pos == "NOUN"}
    return any(t.lemma in nouns for t in s.tokens)


def _reported_on(doc: ParsedDoc, d: DateMention, lexicon: Lexicon) -> Token | None:
    """'..., the channel reported on Wednesday', 'сообщили в среду': a date right after a verb of
    reporting is the report's, however the parser attached it."""
    tok = _token_at(doc, d.start)
    if tok is None:
        return None
    for back in (1, 2):
        if tok.i - back < 0:
            return None
        prev = doc.tokens[tok.i - back]
        if prev.lemma in lexicon.reporting_verbs and prev.pos in {"VERB", "AUX"}:
            return prev
        if prev.pos != "ADV":
            return None
    return None


def _date_verb(doc: ParsedDoc, d: DateMention) -> Token | None:
    tok = _token_at(doc, d.start)
    if tok is None:
        return None
    for anc in [tok, *doc.ancestors(tok)][:5]:
        if anc.pos in {"VERB", "AUX"} or (anc.pos == "NOUN" and anc.dep in {"ROOT", "root"}):
            return anc
    return None


def _mobilization_related(group: Group, lexicon: Lexicon | None = None) -> bool:
    if (group.final_type or group.type) in MOBILIZATION_TYPES:
        return True
    if lexicon is not None and any(t.lemma in lexicon.mobilization_words for s in group.sentences for t in s.tokens):
        return True
    lemmas = {t.lemma for trig in group.triggers for t in trig.subject}
    return lexicon is not None and bool(lemmas & lexicon.fields.mobilized_nouns)


# -- consequences, sources, people ---------------------------------------------------------


def _consequences(ctx: DocumentContext, sentences: list[Sentence], refused: set[int] = frozenset()) -> tuple[list[str], list[Evidence]]:
    """Consequence labels by their cue words in the incident's sentences; a cue under
    "faces", "could", "maximum" is a threat (criminal_threat), a negated one nothing."""
    found: list[str] = []
    evidence: list[Evidence] = []
    for s in sentences:
        lemma_set = {t.lemma for t in s.tokens}
        lemma_text = " " + " ".join(t.lemma for t in s.tokens) + " "
        negated = _negated_heads(ctx, s)
        for label, cues in ctx.lexicon.consequence_cues.items():
            if label in found:
                continue
            hit = None
            for words, required in cues:
                if required and not (required & lemma_set):
                    continue
                # "refused to return to the front": what they refused did not happen to them
                hits = [h for h in _cue_hits(s, words, lemma_text, negated) if h.i not in refused]
                factual = [h for h in hits if not _threatened(ctx, h)]
                if factual:
                    hit = factual[0]
                    break
                if hits and label in {"criminal_case", "imprisonment"} and "criminal_threat" not in found:
                    found.append("criminal_threat")
                    evidence.append(_quote(ctx.doc.text, "consequences", hits[0].start, hits[0].end))
            if hit is not None:
                found.append(label)
                evidence.append(_quote(ctx.doc.text, "consequences", hit.start, hit.end))
    return found, evidence


def _negated_heads(ctx: DocumentContext, s: Sentence) -> set[int]:
    """Tokens a negation governs, but not one of "until ... not", which says that it happened."""
    words = ctx.lexicon.fields
    heads = set()
    for t in s.tokens:
        if t.dep == "neg" or (t.lemma in words.negations and t.dep in {"advmod", "neg"}):
            heads.add(t.head)
        elif t.lemma in words.negations and t.dep in {"det", "nsubj", "nsubj:pass", "nsubjpass"}:
            # "no detentions", "no one was detained", "nobody was detained"
            subject = ctx.doc.tokens[t.head] if t.dep == "det" else t
            heads.add(subject.i)
            if subject.dep in {"nsubj", "nsubj:pass", "nsubjpass"}:
                heads.add(subject.head)
    return {h for h in heads if not any(c.lemma in words.until_words for c in ctx.doc.children(ctx.doc.tokens[h]))}


def _threatened(ctx: DocumentContext, tok: Token) -> bool:
    """'faces prison', 'could be jailed', 'carries up to 10 years': a threat, not a fact."""
    for t in [tok, *list(ctx.doc.ancestors(tok))[:3]]:
        if t is not tok and t.lemma in ctx.lexicon.threat_governors:
            return True
        if any(c.dep in {"aux", "advmod", "amod"} and c.lemma in ctx.lexicon.threat_governors for c in ctx.doc.children(t)):
            return True
        if t.dep == "conj":
            return False  # "demanded they leave, then began detaining them": a predicate of its own
    return False


def _cue_hits(s: Sentence, words: frozenset[str], lemma_text: str, negated: set[int]):
    """Tokens of a sentence that carry one of the cue words (a word: its lemma, verbs and
    nouns only; a phrase: its lemmas or its text)."""
    text = s.text.lower()
    for w in sorted(words):
        if " " in w:
            if f" {w} " in lemma_text or w in text:
                first = w.split()[0]
                yield next((t for t in s.tokens if t.lemma == first or t.lower == first), s.tokens[0])
            continue
        for tok in s.tokens:
            if tok.lemma == w and tok.pos in {"VERB", "NOUN", "ADJ", "PROPN", "AUX"} and tok.i not in negated and tok.head not in negated:
                yield tok


def _cited(ctx: DocumentContext, sentences: list[Sentence]) -> tuple[list[str], list[Evidence]]:
    names: list[str] = []
    evidence: list[Evidence] = []
    for s in sentences:
        for name, start, end in ctx.sources:
            if s.start <= start < s.end and name not in names:
                names.append(name)
                evidence.append(_quote(ctx.doc.text, "cited", start, end))
    if not names:
        # an article's sources stand behind every incident it reports unless it says otherwise
        for name, start, end in ctx.sources:
            if name not in names:
                names.append(name)
                evidence.append(_quote(ctx.doc.text, "cited", start, end))
    return names, evidence


def _people(ctx: DocumentContext, group: Group, sentences: list[Sentence]) -> list[str]:
    places = {(m.start, m.end) for m in ctx.places}
    people = [n for n in dict.fromkeys(group.names) if not _is_place_name(ctx, n, places)]
    titles = ctx.lexicon.official_titles
    source_names = {n.lower() for n, _, _ in ctx.sources}
    for s in sentences:
        for ent in ctx.doc.entities_in(s.start, s.end, "PER"):
            if (ent.start, ent.end) in places:
                continue
            before = ctx.doc.text[max(0, ent.start - 30) : ent.start].lower()
            if any(re.search(rf"\b{t}\b", before) for t in titles) or ent.text.lower() in source_names:
                continue
            if ent.text not in people and not any(ent.text in p or p in ent.text for p in people):
                people.append(ent.text)
    return people


def _is_place_name(ctx: DocumentContext, name: str, places: set[tuple[int, int]]) -> bool:
    return any(ctx.doc.text[a:b] == name for a, b in places)


def _people_quotes(ctx: DocumentContext, people: list[str], sentences: list[Sentence]) -> list[Evidence]:
    """Where each person is first named among the incident's sentences."""
    out = []
    for person in people:
        for s in sentences:
            at = s.text.find(person)
            if at >= 0:
                out.append(_quote(ctx.doc.text, "people", s.start + at, s.start + at + len(person)))
                break
    return out


def _confidence(group: Group, mention: IncidentMention) -> float:
    score = max(t.strength for t in group.triggers)
    specifics = sum(
        bool(x) for x in (mention.count.min, mention.location or mention.origin, mention.people, mention.cited)
    )
    return round(min(0.95, score * 0.8 + 0.05 * specifics + 0.05 * (len(group.triggers) > 1)), 3)
