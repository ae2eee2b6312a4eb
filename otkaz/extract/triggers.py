"""Triggers: the words that state an incident, with who did it.

A language module finds them (its dependency labels and words differ); grouping and
field attachment (``assemble``, ``fields``) work on this one type.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .parsing import ParsedDoc, Sentence, Token


@dataclass
class Trigger:
    type: str  # codebook type
    sentence: Sentence
    token: Token  # the predicate (verb) or event noun
    subject: list[Token] = field(default_factory=list)  # the actor phrase, may be empty
    subject_head: Token | None = None
    strength: float = 0.7  # how surely the words state an incident (0..1)
    generic: bool = False  # an aggregate or generic statement, not one incident
    # continues the previous incident's participants (pronoun, "the soldiers", no subject)
    anaphoric: bool = False
    # explicitly introduces participants ("another soldier", "12 employees", a new name)
    introduces: bool = False
    # adds people to an incident told before ("in addition to her husband, 11 men refused")
    adds_to_previous: bool = False
    names: list[str] = field(default_factory=list)  # person names in the actor phrase
    extra_sentences: list[Sentence] = field(default_factory=list)  # antecedent sentences
    learned: bool = False  # found by the sentence model where no rule fired
    score: float | None = None  # the sentence model's probability that its sentence states an incident
    type_score: float | None = None  # a learned trigger's: the model's probability of its type

    @property
    def offset(self) -> int:
        return self.token.start


def phrase_of(doc: ParsedDoc, head: Token, stop_deps: set[str]) -> list[Token]:
    """The noun phrase of a head token without its relative clauses and the like."""
    out, stack = [], [head]
    while stack:
        t = stack.pop()
        out.append(t)
        stack.extend(c for c in doc.children(t) if c.dep not in stop_deps)
    return sorted(out, key=lambda t: t.i)


def is_headline(doc: ParsedDoc, sent: Sentence) -> bool:
    """A line of its own with no sentence-final punctuation: a headline, caption or teaser."""
    text = sent.text.rstrip()
    if not text or text[-1] in ".!?\"”»’'…:;)":
        return False
    line_start = doc.text.rfind("\n", 0, sent.start) + 1
    line_end = doc.text.find("\n", sent.end)
    line = doc.text[line_start : line_end if line_end >= 0 else len(doc.text)].strip()
    return line == text.strip() or not line.endswith((".", "!", "?", "\"", "”", "»"))


def main_predicate(sent: Sentence) -> Token:
    """The root verb of a sentence, else its first verb, else its root."""
    roots = [t for t in sent.tokens if t.dep in {"ROOT", "root"}]
    for tok in roots + [t for t in sent.tokens if t.pos in {"VERB", "AUX"}]:
        if tok.pos in {"VERB", "AUX"}:
            return tok
    return roots[0] if roots else sent.tokens[0]


def learned_trigger(doc: ParsedDoc, sent: Sentence, kind: str, strength: float, make_trigger) -> Trigger:
    """A trigger for a sentence the sentence model says reports an incident and no rule read:
    its main predicate with its participants, else the first other verb that names who acted
    ("A man threw a bottle at the office door; the door was scorched"). ``make_trigger(doc,
    sent, token, kind, strength, is_noun)`` is the language's: None when the one acting is an
    official or a state."""
    main = main_predicate(sent)
    first = None
    for tok in [main] + [t for t in sent.tokens if t.pos in {"VERB", "AUX"} and t.i != main.i]:
        trig = make_trigger(doc, sent, tok, kind, strength, tok.pos in {"NOUN", "PROPN"})
        if trig is not None and trig.subject_head is not None:
            return trig
        first = first or trig
    return first or Trigger(type=kind, sentence=sent, token=main, strength=strength)


def find_triggers(doc: ParsedDoc, trigger_at, complement_deps: set[str], per_sentence=None) -> list[Trigger]:
    """Every token of every sentence that is not a headline, once; a trigger's complement
    belongs to it ("refused to take part": "take" is no trigger of its own).

    ``trigger_at(doc, sentence, token)`` is the language's rule; ``per_sentence(doc,
    sentence, covered)`` may add triggers that span a sentence."""
    found: list[Trigger] = []
    for sent in doc.sentences:
        if is_headline(doc, sent):
            continue
        covered: set[int] = set()
        for tok in sent.tokens:
            if tok.i in covered:
                continue
            trig = trigger_at(doc, sent, tok)
            if trig is None:
                continue
            covered.update(t.i for c in doc.children(tok) if c.dep in complement_deps for t in doc.subtree(c))
            found.append(trig)
        if per_sentence is not None:
            found += per_sentence(doc, sent, covered)
    return found
