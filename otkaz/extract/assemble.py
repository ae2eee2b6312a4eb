"""From triggers to incident mentions: one incident told across sentences is one mention,
two groups in one paragraph are two.

A trigger joins the mention before it when it adds no new participants (a pronoun, "the
soldiers", no subject) and is near, or when it names the same person; a trigger that
introduces participants (a number, a new name, "another soldier") starts a new mention.
An anaphoric trigger with nothing to join takes its participants from the sentence before
("60 soldiers were sent to Belarus. They refused."), which becomes part of its evidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .parsing import ParsedDoc, Sentence
from .triggers import Trigger

# How far an anaphoric trigger may be from the mention it continues, in sentences; a
# definite noun phrase repeating a noun of that mention ("the young men") reaches further.
CONTINUATION_WINDOW = 3
COREFERENCE_WINDOW = 8


@dataclass
class Group:
    triggers: list[Trigger]
    antecedents: list[Sentence] = field(default_factory=list)

    names: set[str] = field(default_factory=set)
    # sentences the sentence model says tell this incident too: quoted as its evidence, not
    # read for its fields (which come from the sentences the rules understood)
    supporting: list[Sentence] = field(default_factory=list)
    final_type: str | None = None  # the type after the fields are read (actors may change it)
    individual: str | None = None  # set when a group of named people was split per person

    @property
    def type(self) -> str:
        """The type of the trigger that opened the story, unless it was weakly worded and a
        later one is surer: later triggers mostly retell it ("sentenced for refusing")."""
        first = self.triggers[0]
        if first.strength >= 0.6:
            return first.type
        return max(self.triggers, key=lambda t: t.strength).type

    def add(self, trig: Trigger, sentence_names: list[str] = ()) -> None:
        self.triggers.append(trig)
        self.names.update(trig.names)
        self.names.update(sentence_names)

    @property
    def sentences(self) -> list[Sentence]:
        seen: dict[int, Sentence] = {}
        for s in self.antecedents + [t.sentence for t in self.triggers]:
            seen[s.index] = s
        return [seen[i] for i in sorted(seen)]

    @property
    def last_sentence(self) -> int:
        return max(t.sentence.index for t in self.triggers)


def group_triggers(
    doc: ParsedDoc, triggers: list[Trigger], people_nouns: set[str], sentence_names=None
) -> tuple[list[Group], list[Trigger]]:
    """Incident groups, and the generic triggers (aggregates) apart.

    ``sentence_names(sentence)`` gives the participants' names a sentence mentions, so
    that a later "Orlov requested asylum" joins the incident of "Pavel Orlov fled"."""
    groups: list[Group] = []
    aggregates: list[Trigger] = []
    for trig in sorted(triggers, key=lambda t: t.offset):
        if trig.generic:
            aggregates.append(trig)
            continue
        names_here = sentence_names(trig.sentence) if sentence_names else []
        if trig.subject_head is None and trig.strength < 0.6:
            continue  # a bare gerund or infinitive with no one doing it: context, not a trigger
        target = _group_to_join(groups, trig)
        if target is not None:
            target.add(trig, names_here)
            continue
        group = Group([])
        group.add(trig, names_here)
        if trig.anaphoric and not trig.names:
            group.antecedents = _antecedents(doc, trig, people_nouns)
        elif trig.names or _capitalized(trig.subject_head):
            group.antecedents = _introductions(doc, trig)
        groups.append(group)
    return groups, aggregates


def _group_to_join(groups: list[Group], trig: Trigger) -> Group | None:
    if not groups:
        return None
    if trig.names:
        for group in reversed(groups):
            if _same_person(trig.names, group.names):
                return group
    if trig.adds_to_previous:
        same_type = [g for g in groups if g.type == trig.type]
        if same_type:
            return same_type[-1]
    last = groups[-1]
    distance = trig.sentence.index - last.last_sentence
    if trig.anaphoric and not trig.introduces and distance <= CONTINUATION_WINDOW:
        return last
    if trig.anaphoric and not trig.introduces and distance <= COREFERENCE_WINDOW and _head_noun_repeated(trig, last):
        return last  # "he and other young men ... The young men signed": the same people
    if distance == 0:
        # predicates of one subject: "refused to go and returned home"
        if trig.subject_head is None or any(
            t.subject_head is not None and t.subject_head.i == trig.subject_head.i for t in last.triggers
        ):
            return last
    if distance <= 1 and trig.type == last.type and not trig.introduces:
        # the same event retold in the next sentence ("Protests took place in X. People chanted ...")
        return last
    return None


def _head_noun_repeated(trig: Trigger, group: Group) -> bool:
    head = trig.subject_head
    if head is None or head.pos not in {"NOUN", "PROPN"}:
        return False
    return any(t.lemma == head.lemma and t.i != head.i for s in group.sentences for t in s.tokens)


def _same_person(names: list[str], others: set[str]) -> bool:
    """Full names or a shared surname/first name ("Pavel Orlov" ~ "Orlov")."""
    parts = {p.lower() for n in others for p in n.split() if len(p) > 2}
    return any(p.lower() in parts for n in names for p in n.split() if len(p) > 2)


def _capitalized(tok) -> bool:
    """A name, even one the tagger missed ("Oleg/AUX pointed"): capitalized, not a pronoun
    or determiner, and not capitalized merely for opening the sentence."""
    if tok is None or not tok.text[:1].isupper() or tok.pos in {"PRON", "DET"}:
        return False
    return tok.pos in {"PROPN", "AUX", "X"} or tok.ent == "PER"


def _introductions(doc: ParsedDoc, trig: Trigger) -> list[Sentence]:
    """'On Monday, Oleg, a 30-year-old welder, found two officers at his door.
    Oleg ... refused to sign': the sentence just before that introduced the person."""
    parts = {p for n in trig.names for p in n.split() if len(p) > 2}
    if _capitalized(trig.subject_head):
        parts.add(trig.subject_head.text)
    return _look_back(doc, trig, lambda s: any(re.search(rf"\b{re.escape(p)}\b", s.text) for p in parts))


def _antecedents(doc: ParsedDoc, trig: Trigger, people_nouns: set[str]) -> list[Sentence]:
    """The sentence that introduced the participants a pronoun refers to: the nearest
    earlier sentence of the same or the previous paragraph naming people."""
    return _look_back(
        doc,
        trig,
        lambda s: any((t.lemma in people_nouns and t.pos in {"NOUN", "PROPN"}) or t.ent == "PER" for t in s.tokens),
    )


def _look_back(doc: ParsedDoc, trig: Trigger, wanted) -> list[Sentence]:
    """The nearest of the two sentences before a trigger (same or previous paragraph) that
    ``wanted`` accepts."""
    index = trig.sentence.index
    for back in (1, 2):
        if index - back < 0:
            break
        prev = doc.sentences[index - back]
        if trig.sentence.paragraph - prev.paragraph > 1:
            break
        if wanted(prev):
            return [prev]
    return []


def merge_retellings(groups: list[Group], count_of, places_of, apart=lambda a, b: False) -> list[Group]:
    """An article often retells one incident a few sentences later, now with a number:
    "her son and other soldiers filed requests ... In the end, about 250 people wanted to
    terminate their contracts", or with a rounder number: "about two dozen escaped ...
    around 20 managed to escape". Same type, near, no other place or person, and counts that
    agree (or only the later one has a count) -> one group; never two that ``apart`` keeps
    apart."""
    out: list[Group] = []
    for group in groups:
        prev = out[-1] if out else None
        if (prev is not None and prev.type == group.type and group.triggers[0].sentence.index - prev.last_sentence <= 5
                and not apart(prev, group)):
            a, b = count_of(prev), count_of(group)
            counts_agree = (a is None and b is not None) or (a is not None and b is not None and _compatible(a, b))
            other_people = prev.names and group.names and not prev.names & group.names
            new_place = places_of(group, own=True) - places_of(prev, own=False)
            if counts_agree and not other_people and not new_place:
                for trig in group.triggers:
                    prev.add(trig)
                prev.antecedents += group.antecedents
                continue
        out.append(group)
    return out


def split_individuals(groups: list[Group], distributive_words: set[str]) -> list[Group]:
    """'Two soldiers ... In separate rulings, the men, A and B, were sentenced': each named
    person who acted on his own is an incident of his own."""
    out: list[Group] = []
    for group in groups:
        named = sorted({n for t in group.triggers for n in t.names if " " in n})
        words = {t.lemma for s in group.sentences for t in s.tokens}
        if len(named) >= 2 and words & distributive_words:
            for name in named:
                part = Group(list(group.triggers), list(group.antecedents), names={name})
                part.individual = name
                out.append(part)
        else:
            out.append(group)
    return out


def _compatible(a, b) -> bool:
    x = a.min if a.min is not None else a.max
    y = b.min if b.min is not None else b.max
    if x is None or y is None:
        return False
    return abs(x - y) <= 0.25 * max(x, y)
