"""English: spaCy parsing, the English words for the codebook, and English triggers.

Triggers are found by who did what, not by keywords alone: a predicate ("refuse",
"desert", "flee", "terminate", "hide", "protest", "set fire") counts only with the right
complement (refuse *to fight*, not *to comment*), a subject that can be a participant (not
an official or a state), and in a clause that states a fact (no "would", "if", "want to",
no negation); generic and aggregate subjects ("many Russians", "tens of thousands") make
an aggregate, not an incident.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from otkaz.extract.lexicon import FieldWords, Lexicon
from otkaz.extract.parsing import Entity, ParsedDoc, Sentence, Token, load_english, paragraph_numbers
from otkaz.lang import WordLists
from otkaz.extract.triggers import Trigger, find_triggers, learned_trigger, phrase_of

WORDS = WordLists(Path(__file__).parent / "words.toml")

SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj", "csubjpass"}
# A verb reached through these shares its governor's subject.
CLIMB_DEPS = {"xcomp", "conj", "advcl", "dep", "pcomp", "prep", "pobj", "acl", "ccomp", "oprd"}
PHRASE_STOP_DEPS = {"relcl", "acl", "punct", "cc", "conj", "prep", "advcl"}
PRONOUNS = WORDS.set("pronouns")

UNIT_WORDS = WORDS.set("unit_words")
DRAFT_WORDS = WORDS.set("draft_words")
DRAFT_PAPERS = WORDS.set("draft_papers")
ORDER_WORDS = WORDS.set("order_words")
FIGHT_VERBS = WORDS.set("fight_verbs")
NOT_AN_INCIDENT_COMPLEMENTS = WORDS.set("not_an_incident_complements")
DRAFT_OFFICE_WORDS = WORDS.set("draft_office_words")
ATTACK_VERBS = WORDS.set("attack_verbs")
PROTEST_VERBS = WORDS.set("protest_verbs")
PROTEST_NOUNS = WORDS.set("protest_nouns")
BLOCK_OBJECTS = WORDS.set("block_objects")
BANNER_VERBS = WORDS.set("banner_verbs")
BANNER_NOUNS = WORDS.set("banner_nouns")
BANNER_CUES = WORDS.set("banner_cues")
# Governing verbs that make what follows them not (yet) a fact.
NON_FACTUAL_GOVERNORS = WORDS.set("non_factual_governors")
ASK_VERBS = WORDS.set("ask_verbs")
HYPOTHETICAL_AUX = WORDS.set("hypothetical_aux")
AGGREGATE_WORDS = WORDS.set("aggregate_words")
VAGUE_PLURALS = WORDS.set("vague_plurals")
MONTHS = WORDS.set("months")

LEXICON = Lexicon(
    lang="en",
    actor_nouns=WORDS.table("lexicon.actor_nouns"),
    people_nouns=WORDS.set("lexicon.people_nouns"),
    authority_nouns=WORDS.set("lexicon.authority_nouns"),
    generic_quantifiers=WORDS.set("lexicon.generic_quantifiers"),
    consequence_cues=WORDS.cues("lexicon.consequence_cues"),
    reporting_verbs=WORDS.set("lexicon.reporting_verbs"),
    source_nouns=WORDS.set("lexicon.source_nouns"),
    known_sources=WORDS.tuple("lexicon.known_sources"),
    after_the_fact_verbs=WORDS.set("lexicon.after_the_fact_verbs"),
    official_titles=WORDS.set("lexicon.official_titles"),
    contract_words=WORDS.set("lexicon.contract_words"),
    mobilization_words=WORDS.set("lexicon.mobilization_words"),
    distributive_words=WORDS.set("lexicon.distributive_words"),
    threat_governors=WORDS.set("lexicon.threat_governors"),
    fields=FieldWords.from_table(WORDS.get("fields", {})),
)


class English:
    """The English language module: spaCy in, ParsedDoc and Triggers out."""

    lang = "en"
    lexicon = LEXICON

    @property
    def source_patterns(self) -> list[re.Pattern]:
        return SOURCE_PATTERNS

    @property
    def nlp(self):
        """spaCy's pipeline, loaded on the first parse: reading the lexicon loads no model."""
        return load_english()

    def parse_many(self, texts: Iterable[str], batch_size: int = 16) -> Iterator[ParsedDoc]:
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield to_parsed(doc)

    def triggers(self, doc: ParsedDoc) -> list[Trigger]:
        return find_triggers(doc, self._trigger_at, {"xcomp", "dobj", "prep"})

    # -- one token ------------------------------------------------------------------------

    def _trigger_at(self, doc: ParsedDoc, sent: Sentence, tok: Token) -> Trigger | None:
        is_noun = False
        if tok.pos in {"VERB", "AUX"}:
            kind, strength = _verb_type(doc, tok)
        elif tok.pos in {"NOUN", "PROPN"}:
            kind, strength = _noun_type(doc, tok)
            is_noun = True
        else:
            return None
        if kind is None or tok.dep in {"csubj", "amod"}:
            return None
        if _negated(doc, tok) and not _negation_is_the_act(doc, tok, kind):
            return None
        if _hypothetical(doc, tok, kind):
            return None
        return make_trigger(doc, sent, tok, kind, strength, is_noun)

    def sentence_trigger(self, doc: ParsedDoc, sent: Sentence, kind: str, strength: float) -> Trigger:
        return learned_trigger(doc, sent, kind, strength, make_trigger)


def make_trigger(doc: ParsedDoc, sent: Sentence, tok: Token, kind: str, strength: float, is_noun: bool) -> Trigger | None:
    """A trigger of ``kind`` at ``tok`` with its participants; None when the one acting is an
    official or a state."""
    subject = _noun_participant(doc, tok) if is_noun else _participant(doc, tok)
    if subject is not None and subject.lemma == "you":
        return None
    if subject is not None and not _can_take_part(doc, subject):
        subject = None
    if subject is not None and _is_authority(doc, subject):
        return None
    trig = Trigger(type=kind, sentence=sent, token=tok, strength=strength)
    including = _including_person(doc, sent)
    if subject is not None and subject.lemma in PRONOUNS:
        subject = _main_clause_subject(doc, tok, subject)
    if subject is not None:
        trig.subject_head = subject
        trig.subject = phrase_of(doc, subject, PHRASE_STOP_DEPS)
        trig.names = _names(doc, subject, sent)
        trig.anaphoric = _anaphoric(doc, subject, trig.names)
        trig.introduces = _introduces(doc, subject, trig.names)
        trig.generic = _generic(doc, subject, tok)
    else:
        trig.anaphoric = not is_noun
        trig.generic = is_noun and _present_clause(doc, tok)
        if not is_noun and not _finite(tok) and not any(c.dep in {"aux", "auxpass"} and c.lemma not in {"to"} for c in doc.children(tok)):
            trig.strength = min(trig.strength, 0.5)
    trig.adds_to_previous = _in_addition_to(doc, tok)
    if trig.generic and including is not None:
        person = doc.tokens[including.tokens[-1]]
        trig.generic, trig.subject_head, trig.subject = False, person, [doc.tokens[i] for i in including.tokens]
        trig.names, trig.anaphoric, trig.introduces = [including.text], False, True
    return trig


def _in_addition_to(doc: ParsedDoc, tok: Token) -> bool:
    """'In addition to her husband, 11 men refused': more people of an incident told before."""
    for c in doc.children(tok):
        if c.dep == "prep" and c.lemma == "in" and any(g.lemma == "addition" for g in doc.children(c)):
            return True
    return False


# -- parsing -----------------------------------------------------------------------------

_ENT_LABELS = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG", "NORP": "NORP", "DATE": "DATE"}


def to_parsed(doc) -> ParsedDoc:
    """spaCy Doc -> ParsedDoc; a line break always ends a sentence."""
    text = doc.text
    tokens: list[Token] = []
    for t in doc:
        tokens.append(
            Token(
                i=t.i, text=t.text, lemma=t.lemma_.lower(), pos=t.pos_, dep=t.dep_, head=t.head.i,
                start=t.idx, end=t.idx + len(t.text), morph=str(t.morph),
                ent=_ENT_LABELS.get(t.ent_type_, t.ent_type_),
            )
        )
    entities = [
        Entity(_ENT_LABELS.get(e.label_, e.label_), e.start_char, e.end_char, e.text, range(e.start, e.end))
        for e in doc.ents
    ]
    paragraphs = paragraph_numbers(text)
    sentences: list[Sentence] = []
    current: list[Token] = []

    def close() -> None:
        if not current:
            return
        start, end = current[0].start, current[-1].end
        para = _paragraph_at(paragraphs, start)
        sentences.append(Sentence(len(sentences), start, end, text[start:end], list(current), para))
        current.clear()

    for t, tok in zip(doc, tokens):
        if t.is_space:
            if "\n" in t.text:
                close()
            continue
        if t.is_sent_start and current:
            close()
        if current and "\n" in text[current[-1].end:tok.start]:
            close()
        current.append(tok)
    close()
    return ParsedDoc(text=text, tokens=tokens, sentences=sentences, entities=entities)


def _paragraph_at(paragraphs: list[tuple[int, int]], offset: int) -> int:
    number = 0
    for start, n in paragraphs:
        if start > offset:
            break
        number = n
    return number


# -- what type a predicate states ---------------------------------------------------------


def _lemmas(tokens: Iterable[Token]) -> set[str]:
    return {t.lemma for t in tokens}


def _targets(doc: ParsedDoc, tok: Token) -> list[tuple[str, Token]]:
    """(preposition or dep, object token) pairs of a verb: its direct objects, prepositional
    objects, particles and adverbs ("run away", "go home"); times are not targets; for
    'Kazakhstan, where he fled' the place is one."""
    out: list[tuple[str, Token]] = []
    if tok.dep == "relcl" and any(c.lemma == "where" for c in doc.children(tok)):
        out.append(("to", doc.head(tok)))
    for c in doc.children(tok):
        if c.dep in {"dobj", "obj", "attr", "oprd", "nsubjpass"}:
            out.append(("obj", c))
            out.extend(("obj", g) for g in doc.children(c) if g.dep in {"compound", "amod"})
        elif c.dep == "prep":
            for g in doc.children(c):
                if g.ent == "DATE" or g.lemma in MONTHS:
                    continue
                if g.dep in {"pobj", "pcomp"}:
                    out.append((c.lemma, g))
                    out.extend((c.lemma, h) for h in doc.children(g) if h.dep in {"compound", "amod", "conj"})
        elif c.dep in {"prt", "advmod", "npadvmod"}:
            out.append((c.dep, c))
    return out


def _xcomp(doc: ParsedDoc, tok: Token) -> Token | None:
    for c in doc.children(tok):
        if c.dep in {"xcomp", "ccomp"} and c.pos in {"VERB", "AUX"}:
            return c
    return None


def _verb_type(doc: ParsedDoc, tok: Token) -> tuple[str | None, float]:
    lemma = tok.lemma
    targets = _targets(doc, tok)
    words = {t.lemma for _, t in targets}
    if lemma in {"refuse", "decline", "reject"} and not any(c.lemma == "board" for c in doc.children(tok)):
        return _refusal_type(doc, tok, targets)
    if lemma == "desert" and tok.pos == "VERB":
        return "desertion", 0.9
    if lemma in {"go", "report", "appear", "show", "come"} and words & DRAFT_WORDS and _negated(doc, tok):
        return "draft_evasion", 0.75
    if lemma in {"flee", "escape", "run", "leave", "abandon", "quit", "slip", "go", "hitchhike", "return", "walk", "cross"}:
        return _leaving_type(doc, tok, targets)
    if lemma in {"terminate", "cancel", "break", "end", "annul", "dissolve"} and "contract" in words:
        return "discharge_attempt", 0.85
    if lemma == "resign" and not (words & {"job", "post", "position"}):
        return "discharge_attempt", 0.6
    if lemma == "hide":
        purpose = {t.lemma for c in doc.children(tok) if c.dep in {"advcl", "xcomp"} for t in doc.subtree(c)}
        if (words | purpose) & (DRAFT_WORDS | {"official", "officer", "police", "authority", "authorities", "mobilization"}):
            return "draft_evasion", 0.85
    if lemma in {"avoid", "evade", "dodge", "skip", "ignore", "escape"} and words & DRAFT_WORDS:
        if tok.dep in {"advcl", "xcomp"} and doc.head(tok).lemma in {"flee", "leave", "desert", "quit", "hide"}:
            return None, 0.0
        return "draft_evasion", 0.8
    if lemma in PROTEST_VERBS and tok.pos == "VERB":
        return "protest", 0.75
    if lemma == "demand" and _crowd_subject(doc, tok):
        return "protest", 0.6  # "about 100 mobilized men gathered and demanded their pay"
    if lemma in {"block", "close", "blockade"} and words & BLOCK_OBJECTS:
        return "protest", 0.65
    if lemma in BANNER_VERBS and words & BANNER_NOUNS and _sentence_mentions(doc, tok, BANNER_CUES):
        return "protest", 0.65
    if lemma == "open" and "fire" in words and words & DRAFT_OFFICE_WORDS:
        return "violent_resistance", 0.85
    if lemma in ATTACK_VERBS and words & DRAFT_OFFICE_WORDS:
        if lemma == "set" and "fire" not in words and "ablaze" not in words:
            return None, 0.0
        return "violent_resistance", 0.85
    if lemma == "set" and "fire" in words and _sentence_mentions(doc, tok, DRAFT_OFFICE_WORDS):
        return "violent_resistance", 0.8
    if lemma == "cross" and "border" in words:
        return "flight_abroad", 0.8
    if lemma == "enter" and _has_modifier(doc, tok, {"illegally", "illegal"}):
        return "flight_abroad", 0.75
    if lemma == "enter" and _foreign_destination([("to", t) for dep, t in targets if dep == "obj"]):
        who = _participant(doc, tok)
        if who is not None and LEXICON.actor_of(who.lemma) not in {"servicemen_unspecified", "contract_soldiers", "conscripts", "mobilized", "rosgvardia", "allied_forces"}:
            return "flight_abroad", 0.6  # "Russians entered Georgia"; troops entering a country are no flight
    if lemma in {"deny", "refuse"} and ("boarding" in words or any(c.lemma == "board" for c in doc.children(tok))):
        return "flight_abroad", 0.8
    if lemma in {"request", "seek", "apply", "ask", "claim", "receive", "get"} and "asylum" in words:
        return "flight_abroad", 0.7
    if lemma in {"emigrate"}:
        return "flight_abroad", 0.6
    if lemma in {"file", "write", "submit", "sign", "hand", "send", "lodge"}:
        return _paperwork_type(doc, tok, targets)
    return None, 0.0


def _refusal_type(doc: ParsedDoc, tok: Token, targets) -> tuple[str | None, float]:
    comp = _xcomp(doc, tok)
    if comp is not None:
        comp_targets = _targets(doc, comp)
        comp_words = {t.lemma for _, t in comp_targets}
        if comp.lemma in NOT_AN_INCIDENT_COMPLEMENTS:
            return None, 0.0
        if comp.lemma == "take":
            if "part" in comp_words:
                return "combat_refusal", 0.9
            if comp_words & DRAFT_PAPERS:
                return "draft_refusal", 0.85
            return None, 0.0
        if comp.lemma in {"sign", "accept", "receive", "collect", "open"}:
            if comp_words & DRAFT_PAPERS or comp.lemma == "open":
                return "draft_refusal", 0.85
            if "contract" in comp_words:
                return "discharge_attempt", 0.6
            if comp.lemma == "sign" and not comp_words:
                return "draft_refusal", 0.6
            return None, 0.0
        if comp.lemma in {"go", "be", "return", "travel", "move", "leave", "board"}:
            if comp_words & ({"ukraine", "front", "frontline", "war", "zone", "combat", "battle", "assault", "line", "lines", "there", "back", "again"} | UNIT_WORDS):
                return "combat_refusal", 0.9
            if comp.lemma == "go" and not comp_words:
                return "combat_refusal", 0.7
            return None, 0.0
        if comp.lemma in FIGHT_VERBS:
            return "combat_refusal", 0.9
        return None, 0.0
    words = {t.lemma for dep, t in targets if dep == "obj"}
    if words & ORDER_WORDS:
        return "combat_refusal", 0.85
    if words & DRAFT_PAPERS:
        return "draft_refusal", 0.8
    if words:
        return None, 0.0
    # "They refused and returned home": a refusal with no complement counts for soldiers only;
    # the participant check below decides.
    return "combat_refusal", 0.55


def _leaving_type(doc: ParsedDoc, tok: Token, targets) -> tuple[str | None, float]:
    lemma = tok.lemma
    words = {t.lemma for _, t in targets}
    if lemma == "quit":
        if words & {"military", "army", "service", "force", "forces", "contract"}:
            return "discharge_attempt", 0.8
        return None, 0.0
    if lemma in {"leave", "abandon"} and words & {"unit", "post", "position", "positions", "service", "regiment", "battalion", "brigade", "ranks", "trench"}:
        return "desertion", 0.85
    if lemma in {"flee", "escape", "run", "slip", "walk"} and words & UNIT_WORDS - {"war", "service", "military"}:
        return "desertion", 0.85
    if lemma in {"flee", "escape", "run", "desert"} and words & {"war", "service", "military", "mobilization", "draft"}:
        if words & {"mobilization", "draft", "conscription"}:
            return "flight_abroad", 0.7
        return "desertion", 0.7
    if lemma == "go" and words & {"awol"}:
        return "desertion", 0.9
    left_from = {t.lemma for dep, t in targets if dep in {"obj", "from"}}
    left_to = {t.lemma for dep, t in targets if dep in {"to", "into", "across", "for", "advmod", "over"}}
    if lemma in {"flee", "escape", "leave", "run", "emigrate", "cross"} and (
        left_from & {"country", "russia", "homeland", "border"} or left_to & {"abroad", "border", "country"} or _foreign_destination(targets)
    ):
        return "flight_abroad", 0.75
    if lemma == "leave" and words & {"home", "house", "apartment", "city", "town"} and not words & {"unit"}:
        return "draft_evasion", 0.6
    if lemma == "return" and (words & {"home", "hometown"} or _sentence_mentions(doc, tok, {"hostility", "hostilities", "fighting"})):
        return "desertion", 0.5
    if lemma in {"run", "slip"} and words & {"away", "off"}:
        return "desertion", 0.55
    if lemma in {"flee", "escape", "hitchhike"} and not (words - {"where", "there", "then", "also"}):
        return "desertion", 0.5
    return None, 0.0


def _foreign_destination(targets) -> bool:
    """'fled to Kazakhstan': a named place after to/into/for that the NER calls a place."""
    home = {"russia", "moscow", "ukraine", "donbas", "donbass", "crimea", "front", "kursk", "belgorod"}
    return any(dep in {"to", "into", "for", "across"} and t.ent == "LOC" and t.lemma not in home for dep, t in targets)


def _paperwork_type(doc: ParsedDoc, tok: Token, targets) -> tuple[str | None, float]:
    papers = [t for dep, t in targets if dep == "obj" and t.lemma in {"report", "request", "statement", "letter", "paperwork", "application", "petition", "complaint", "document", "documents", "appeal"}]
    if not papers:
        return None, 0.0
    below = {t.lemma for p in papers for t in doc.subtree(p)}
    if below & {"terminate", "termination", "resign", "resignation", "discharge", "dismissal", "quit"}:
        return "discharge_attempt", 0.8
    if below & {"refuse", "refusal", "decline", "objection"} or (below & {"serve", "fight", "continue", "participate"} and below & {"not", "n't", "no", "never"}):
        return "combat_refusal", 0.8
    if any(p.lemma == "resignation" for p in doc.subtree(tok)):
        return "discharge_attempt", 0.7
    return None, 0.0


def _noun_type(doc: ParsedDoc, tok: Token) -> tuple[str | None, float]:
    lemma = tok.lemma
    kids = doc.children(tok)
    kid_lemmas = {c.lemma for c in kids}
    if lemma == "refusal":
        below = {t.lemma for t in doc.subtree(tok)}
        if below & (FIGHT_VERBS | {"order", "orders", "war", "front"}) or doc.head(tok).lemma in {"declare", "write", "file", "submit", "announce", "express", "state"}:
            return "combat_refusal", 0.75
        return None, 0.0
    if tok.dep == "pobj" and doc.head(tok).lemma in {"during", "after", "before", "since", "following", "at", "for", "of", "about"}:
        if not (lemma in PROTEST_NOUNS and _crowd_detained_at(doc, tok)):
            return None, 0.0  # a backdrop ("Oleg was arrested during a demonstration"), not the incident told
    if lemma in PROTEST_NOUNS and tok.dep in SUBJECT_DEPS | {"dobj", "pobj", "attr", "ROOT"}:
        below = {t.lemma for t in doc.subtree(tok)}
        if below & {"mobilization", "mobilisation", "war", "draft", "conscription", "decree"} or any(
            c.dep == "prep" and c.lemma in {"in", "at", "outside"} for c in kids
        ):
            return "protest", 0.6
        return None, 0.0
    if lemma == "arson" and (kid_lemmas | {t.lemma for t in doc.subtree(tok)}) & DRAFT_OFFICE_WORDS:
        return "violent_resistance", 0.8
    return None, 0.0


def _crowd_subject(doc: ParsedDoc, verb: Token) -> bool:
    """A group of people, not one person or an official, as the subject of a demand."""
    subj = _participant(doc, verb)
    if subj is None or _is_authority(doc, subj):
        return False
    return subj.lemma in {"group", "crowd", "dozen", "hundred", "dozens", "hundreds"} or (
        "Number=Plur" in subj.morph and subj.lemma in LEXICON.people_nouns | {"mother", "wife", "relative", "parent"}
    )


def _crowd_detained_at(doc: ParsedDoc, noun: Token) -> bool:
    """'Police detained more than 100 people at a protest': the protest is the news."""
    verb = doc.head(doc.head(noun))
    if verb.lemma not in {"detain", "arrest", "disperse", "beat", "break"}:
        return False
    return any(c.dep in {"dobj", "nsubjpass"} and ("Number=Plur" in c.morph or c.pos == "NUM") for c in doc.children(verb))


def _same_type_below(doc: ParsedDoc, tok: Token, kind: str) -> bool:
    """A trigger inside the complement of another one ("refused to take part") is that one."""
    return tok.lemma in FIGHT_VERBS | {"sign", "take", "part", "contract", "terminate", "quit"} and kind in {
        "combat_refusal", "draft_refusal", "discharge_attempt",
    }


# -- who did it ----------------------------------------------------------------------------

SENTENCING_VERBS = WORDS.set("sentencing_verbs")


def _participant(doc: ParsedDoc, tok: Token) -> Token | None:
    """Who performed the act. Climbs infinitives, conjuncts and prepositional clauses; for
    'sentenced X for deserting' it is X, and for 'a case against X for deserting' X, not the
    court or the investigators; for 'men leaving the country' the men."""
    current = tok
    for _ in range(8):
        for child in doc.children(current):
            if child.dep in SUBJECT_DEPS and child.lemma not in {"who", "that", "which"}:
                return child
        if current.dep in {"relcl", "acl"} and doc.head(current).pos in {"NOUN", "PROPN", "PRON", "NUM"}:
            return _people_behind_unit(doc, doc.head(current))
        if current.dep in {"prep", "pcomp", "pobj"} or (current.dep == "advcl" and "VerbForm=Ger" in current.morph):
            gov = doc.head(current)
            while gov.dep in {"prep", "pobj", "pcomp"} and gov.head != gov.i and gov.pos not in {"VERB", "AUX"}:
                gov = doc.head(gov)
            if gov.pos in {"VERB", "AUX"}:
                against = _prep_object(doc, gov, "against")
                if against is not None:
                    return against
                if gov.lemma in SENTENCING_VERBS:
                    for child in doc.children(gov):
                        if child.dep in {"dobj", "nsubjpass"}:
                            return child
        if current.head == current.i or current.dep not in CLIMB_DEPS:
            return _misparsed_subject(doc, current)
        current = doc.head(current)
    return None


def _misparsed_subject(doc: ParsedDoc, verb: Token) -> Token | None:
    """'Oleg pointed ..., refused to sign': when the parser gives the clause no subject, a
    name or people noun opening the sentence and hanging on the clause's verb is it."""
    sent = doc.sentence_of(verb)
    first = sent.tokens[0]
    if first.head != verb.i or first.i >= verb.i or first.lemma in FUNCTION_WORDS:
        return None
    if first.pos == "PROPN" or first.lemma in LEXICON.people_nouns or (first.text[:1].isupper() and first.pos in {"AUX", "X", "NOUN"}):
        return first  # even a name the tagger took for an auxiliary ("Oleg/AUX pointed")
    return None


FUNCTION_WORDS = WORDS.set("function_words")


def _noun_participant(doc: ParsedDoc, tok: Token) -> Token | None:
    """'their refusal' -> their; 'they declared their refusal' -> they."""
    for child in doc.children(tok):
        if child.dep == "poss":
            return child
    if tok.dep in {"dobj", "attr"}:
        for child in doc.children(doc.head(tok)):
            if child.dep in SUBJECT_DEPS:
                return child
    return None


def _can_take_part(doc: ParsedDoc, subj: Token) -> bool:
    """People, a pronoun, a name, or a number of them: not 'the efforts', 'lists', 'requests'."""
    if subj.pos in {"PRON", "PROPN", "NUM"} or subj.ent in {"PER", "NORP"}:
        return True
    if subj.text[:1].isupper() and subj.lemma not in LEXICON.authority_nouns and "Number=Sing" in subj.morph:
        return True  # a name the tagger took for a common noun ("Igor received a summons")
    if subj.lemma in LEXICON.people_nouns or LEXICON.actor_of(subj.lemma) or subj.lemma in VAGUE_PLURALS | AGGREGATE_WORDS:
        return True
    if subj.lemma in LEXICON.generic_quantifiers or subj.lemma in {"crew", "group", "unit", "company", "battalion", "brigade", "regiment", "squad", "platoon", "team", "family"}:
        return True
    if any(c.lemma == "old" and any(g.lemma in {"year", "month"} for g in doc.children(c)) for c in doc.children(subj)):
        return True  # "a 31-year-old IT specialist": only people have an age
    return any(c.dep == "compound" and (c.lemma in LEXICON.people_nouns or LEXICON.actor_of(c.lemma)) for c in doc.children(subj))


UNIT_NOUNS = WORDS.set("unit_nouns")


def _people_behind_unit(doc: ParsedDoc, noun: Token) -> Token:
    """'250 people from two battalions [who wanted to leave]': the clause is about the
    people even when the parser hangs it on the unit."""
    if noun.lemma in UNIT_NOUNS and noun.dep == "pobj":
        prep = doc.head(noun)
        owner = doc.head(prep)
        if prep.lemma in {"from", "of", "in"} and owner.lemma in LEXICON.people_nouns:
            return owner
    return noun


def _prep_object(doc: ParsedDoc, verb: Token, prep: str) -> Token | None:
    for c in doc.children(verb):
        if c.dep == "prep" and c.lemma == prep:
            return next((g for g in doc.children(c) if g.dep == "pobj"), None)
        if c.dep == "dobj":
            found = _prep_object(doc, c, prep)
            if found is not None:
                return found
    return None


def _main_clause_subject(doc: ParsedDoc, tok: Token, pronoun: Token) -> Token:
    """'a conscript ... committed suicide after he refused': the pronoun of a subordinate
    clause refers to the subject of the main clause when that names people."""
    for anc in doc.ancestors(tok):
        for child in doc.children(anc):
            if child.dep in SUBJECT_DEPS and child.i != pronoun.i and child.pos in {"NOUN", "PROPN"}:
                if child.lemma in LEXICON.people_nouns or child.ent == "PER":
                    return child
    return pronoun


def _is_authority(doc: ParsedDoc, subj: Token) -> bool:
    if subj.lemma in LEXICON.authority_nouns and subj.lemma not in {"guard", "guards"}:
        # "police officers refused" are participants only if they are the ones refusing to deploy
        return subj.lemma not in {"police", "policeman"} or True
    if subj.ent == "LOC" and subj.pos == "PROPN":
        return True  # a state: "Russia refused", "Kazakhstan refused"
    if subj.ent == "ORG" and subj.lemma not in {"omon", "sobr", "rosgvardia"}:
        return True
    compounds = {c.lemma for c in doc.children(subj) if c.dep in {"compound", "amod"}}
    if subj.lemma in {"officer", "officers"} and compounds & {"police", "border", "fsb", "migration", "enlistment", "draft"}:
        return True
    return False


def _anaphoric(doc: ParsedDoc, subj: Token, names: list[str]) -> bool:
    """Refers back to participants already introduced: a pronoun, 'the soldiers', 'the
    soldier, Pavel O.', or a bare surname."""
    if subj.lemma in PRONOUNS or subj.pos == "PRON":
        return True
    kids = doc.children(subj)
    if _explicit_number(doc, subj) is not None:
        return False
    if any(c.dep == "det" and c.lemma in {"the", "these", "those", "this", "such"} for c in kids):
        return not any(c.dep == "prep" and c.lemma == "from" for c in kids)
    if subj.ent == "PER" and len(names) == 1 and " " not in names[0]:
        return _named_earlier(doc, names[0], subj.start)
    return False


def _introduces(doc: ParsedDoc, subj: Token, names: list[str]) -> bool:
    kids = doc.children(subj)
    if _explicit_number(doc, subj) is not None:
        return True
    if any(c.lemma in {"a", "an", "another", "other", "one"} and c.dep in {"det", "amod", "nummod"} for c in kids):
        return True
    return bool(names) and not _anaphoric(doc, subj, names)


def _named_earlier(doc: ParsedDoc, surname: str, before: int) -> bool:
    return any(surname in e.text and e.text != surname for e in doc.entities if e.label == "PER" and e.start < before)


def _explicit_number(doc: ParsedDoc, subj: Token) -> str | None:
    for c in doc.subtree(subj):
        if c.i >= subj.i and c.i != subj.i:
            break
        if c.pos == "NUM" or c.lemma in VAGUE_PLURALS | AGGREGATE_WORDS:
            return c.lemma
    return None


def _generic(doc: ParsedDoc, subj: Token, trig: Token) -> bool:
    """Aggregates and generic statements: 'tens of thousands fled', 'many are refusing',
    'servicemen who refuse are threatened', 'the military still refuses'."""
    phrase = doc.subtree(subj)
    before_head = {t.lemma for t in phrase if t.i <= subj.i}
    if before_head & AGGREGATE_WORDS or subj.lemma in AGGREGATE_WORDS:
        return True
    number = _explicit_number(doc, subj)
    if subj.lemma in LEXICON.generic_quantifiers and number is None:
        return True
    if number is None and any(
        c.lemma in LEXICON.generic_quantifiers and c.dep in {"amod", "det", "quantmod", "predet"} for c in doc.children(subj)
    ):
        return True
    if _reports_of(doc, trig):
        return True
    if trig.dep == "relcl" and "Tense=Pres" in trig.morph and number is None and not any(
        c.dep in {"det", "poss"} for c in doc.children(subj)
    ):
        return True  # "soldiers who refuse to fight face prison": a class of people
    present = _present_clause(doc, trig)
    if subj.pos == "PRON":
        return False  # "he", "they": someone already introduced
    vague = (number in VAGUE_PLURALS and not any(c.pos == "NUM" and c.lemma not in VAGUE_PLURALS for c in phrase)) or subj.lemma in VAGUE_PLURALS
    if vague:
        return present or _present_or_perfect(doc, _clause_verb(doc, trig))
    if number is not None or subj.ent == "PER" or (subj.pos == "PROPN" and subj.lemma.lower() not in LEXICON.people_nouns):
        return False
    if present:
        return True
    bare_plural = (
        subj.pos == "NOUN"
        and "Number=Plur" in subj.morph
        and not any(c.dep in {"det", "poss", "compound"} or c.pos in {"PROPN"} for c in doc.children(subj))
    )
    return bare_plural and _present_or_perfect(doc, _clause_verb(doc, trig))


def _reports_of(doc: ParsedDoc, trig: Token) -> bool:
    """'reports of soldiers refusing', 'cases of desertion': talk about many incidents."""
    for anc in list(doc.ancestors(trig))[:4]:
        if anc.lemma == "of":
            noun = doc.head(anc)
            return noun.lemma in {"report", "case", "instance", "story", "account", "wave"} and "Number=Plur" in noun.morph
    return False


def _clause_verb(doc: ParsedDoc, tok: Token) -> Token:
    """The finite verb whose tense governs a trigger: its own, or for relative clauses,
    infinitives and gerunds the verb they depend on."""
    current = tok
    for _ in range(6):
        if current.pos in {"VERB", "AUX"} and _finite(current) and current.dep != "relcl":
            return current
        if current.head == current.i:
            return current
        current = doc.head(current)
    return current


def _finite(tok: Token) -> bool:
    return "VerbForm=Fin" in tok.morph or "Tense=Past" in tok.morph and "VerbForm=Part" not in tok.morph


def _present_clause(doc: ParsedDoc, trig: Token) -> bool:
    """Present simple (habitual, generic) on the governing verb; progressive and perfect are
    events and decide nothing here."""
    verb = _clause_verb(doc, trig)
    if "Tense=Pres" in verb.morph and "VerbForm=Fin" in verb.morph and verb.lemma not in {"be", "have"}:
        return not any(c.dep in {"aux", "auxpass"} for c in doc.children(verb))
    if verb.lemma == "be" and "Tense=Pres" in verb.morph and verb.dep == "ROOT":
        return True
    return False


def _present_or_perfect(doc: ParsedDoc, verb: Token) -> bool:
    if "Tense=Pres" in verb.morph and "VerbForm=Fin" in verb.morph:
        return True
    auxes = [c for c in doc.children(verb) if c.dep in {"aux", "auxpass"}]
    if any(a.lemma in {"have"} and "Tense=Pres" in a.morph for a in auxes):
        return True
    if any(a.lemma == "be" and "Tense=Pres" in a.morph for a in auxes) and "VerbForm=Part" in verb.morph:
        return True
    return False


def _names(doc: ParsedDoc, subj: Token, sent: Sentence) -> list[str]:
    """Person names in the actor phrase: the subject itself, its appositions, 'named X'."""
    phrase = {t.i for t in phrase_of(doc, subj, {"relcl", "punct", "cc", "conj", "prep", "advcl"})}
    phrase |= {t.i for c in doc.children(subj) if c.dep in {"appos", "acl"} for t in doc.subtree(c)}
    return [person_name(e.text) for e in doc.entities_in(sent.start, sent.end, "PER") if set(e.tokens) & phrase and not _after_from(doc, e)]


def _after_from(doc: ParsedDoc, ent: Entity) -> bool:
    """'a father of three from Perm': the tagger's person after 'from' is a place."""
    first = doc.tokens[ent.tokens[0]]
    return doc.head(first).lemma in {"from", "in"} or (first.i > 0 and doc.tokens[first.i - 1].lemma in {"from", "in"})


def person_name(text: str) -> str:
    """'Pavel Orlov’s' -> 'Pavel Orlov'."""
    return re.sub(r"[’']s$", "", text.strip())


def _including_person(doc: ParsedDoc, sent: Sentence) -> Entity | None:
    """'many are refusing, including Pavel O.': one named person out of a generic many."""
    for tok in sent.tokens:
        if tok.lemma in {"include", "including"}:
            for ent in doc.entities_in(tok.end, sent.end, "PER"):
                return ent
    return None


# -- modality -------------------------------------------------------------------------------


def _negated(doc: ParsedDoc, tok: Token) -> bool:
    """Negated itself, or a conjunct of a negated verb ('didn't run away or abandon')."""
    if any(c.dep == "neg" for c in doc.children(tok)):
        return True
    return tok.dep == "conj" and any(c.dep == "neg" for c in doc.children(doc.head(tok)))


def _negation_is_the_act(doc: ParsedDoc, tok: Token, kind: str) -> bool:
    """'didn't go to the office' is itself the evasion; 'couldn't continue to serve' a refusal."""
    return kind == "draft_evasion" and tok.lemma in {"go", "report", "appear", "show", "come"}


def _hypothetical(doc: ParsedDoc, tok: Token, kind: str) -> bool:
    chain = [tok, *doc.ancestors(tok)]
    for depth, t in enumerate(chain[:4]):
        for c in doc.children(t):
            if c.dep == "aux" and c.lemma in HYPOTHETICAL_AUX:
                return True
            if c.dep == "mark" and c.lemma in {"if", "unless", "whether", "lest"}:
                return True
        if depth > 0 and t.lemma in NON_FACTUAL_GOVERNORS and chain[depth - 1].dep == "xcomp":
            if t.lemma == "refuse" or (kind == "discharge_attempt" and t.lemma in {"want", "wish"} and "Tense=Past" in t.morph):
                continue  # "wanted to terminate their contracts" is the attempt itself
            return True
        if depth > 0 and t.lemma in ASK_VERBS and kind != "discharge_attempt" and chain[depth - 1].dep == "xcomp" and t.lemma in {"ask", "request", "beg"}:
            return True
        if t.dep not in {"xcomp", "conj", "ccomp", "advcl", "aux"}:
            break
    return False


def _has_modifier(doc: ParsedDoc, tok: Token, lemmas: set[str]) -> bool:
    return any(c.lemma in lemmas for c in doc.subtree(tok) if c.head == tok.i or doc.head(c).head == tok.i)


def _sentence_mentions(doc: ParsedDoc, tok: Token, lemmas: set[str]) -> bool:
    sent = doc.sentence_of(tok)
    return any(t.lemma in lemmas for t in sent.tokens)


# -- sources ---------------------------------------------------------------------------------

_SOURCE_NOUNS_RE = (
    r"(?:publication|newspaper|outlet|channel|edition|organi[sz]ation|group|agency|website|portal|"
    r"project|magazine|broadcaster|daily|initiative|movement|media|service|site)"
)
_WORD = r"[A-Z0-9](?:[\w\-’'&/]|\.(?=\w))*"  # a dot only inside a name: "Sibir.Realii", not "Meduza."
_CAP_NAME = rf"(?:{_WORD}(?:[ \t]+(?:of[ \t]+)?{_WORD}){{0,4}})"
SOURCE_PATTERNS = [
    re.compile(rf"\b[Aa]ccording to (?:the |a )?(?:[a-z\- ]*?{_SOURCE_NOUNS_RE}\s+)?(?P<name>{_CAP_NAME})"),
    re.compile(rf"\bciting (?:the |a )?(?:[a-z\- ]*?{_SOURCE_NOUNS_RE}\s+)?(?P<name>{_CAP_NAME})"),
    re.compile(rf"\b(?:told|[Tt]alking to|[Ss]peaking to|interviews? with|in a statement to|reported by|published by|obtained by|seen by) (?:the )?(?:[a-z\- ]*?{_SOURCE_NOUNS_RE}\s+)?(?P<name>{_CAP_NAME})"),
    re.compile(rf"\b{_SOURCE_NOUNS_RE}(?: of)? (?P<name>{_CAP_NAME})"),
    re.compile(r"^Source: (?P<name>[^\n]{2,60})$", re.MULTILINE),
]
