"""What a language module tells the shared extractor: its words for the codebook's labels.

Each language fills one ``Lexicon``; ``triggers`` and ``assemble`` read only this, so the
mechanisms are written once and the vocabularies live in each language package's
``words.toml`` (``otkaz/lang/<code>/``).
All entries are lower-case lemmas (or lemma phrases joined by a space).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Lexicon:
    lang: str
    # actor label -> head-noun lemmas that name such people
    actor_nouns: dict[str, set[str]]
    # lemmas of nouns that name people at all (for subjects, counts, antecedents)
    people_nouns: set[str]
    # lemmas of words naming authorities: their refusals are not incidents
    authority_nouns: set[str]
    # generic quantifiers that make a subject an aggregate ("many", "most", "some")
    generic_quantifiers: set[str]
    # consequence label -> list of (cue lemmas, required context lemmas or empty)
    consequence_cues: dict[str, list[tuple[frozenset[str], frozenset[str]]]]
    # verbs of reporting: their subject (an outlet/organization) is a cited source
    reporting_verbs: set[str]
    # nouns that introduce an outlet's name: "the publication X", "human rights group X"
    source_nouns: set[str]
    # well-known outlets and organizations of the field, matched case-insensitively as a
    # fallback to syntax (the statistical NER misses many of them)
    known_sources: tuple[str, ...] = ()
    # verbs whose date is an upper bound of the incident, not its date (sentenced, reported)
    after_the_fact_verbs: set[str] = field(default_factory=set)
    # words that mark a person as an official or a professional, not a participant
    official_titles: set[str] = field(default_factory=set)
    # words saying that each of several named people acted on their own ("in separate
    # rulings", "respectively"): one incident per person
    distributive_words: set[str] = field(default_factory=set)
    # consequence cues under these lemmas are threats, not facts ("faces prison")
    threat_governors: set[str] = field(default_factory=set)
    # "terminate their contracts": whoever does this is a contract soldier
    contract_words: set[str] = field(default_factory=set)
    # an incident told with these words happened after mobilization was announced
    mobilization_words: set[str] = field(default_factory=set)
    # how a cited name is written in the output, where the language inflects names
    # (Russian: "по данным «Верстки»" -> "Верстка"); None keeps the words as written
    source_name: Callable[[str], str] | None = None

    def actor_of(self, lemma: str) -> str | None:
        for label, nouns in self.actor_nouns.items():
            if lemma in nouns:
                return label
        return None
