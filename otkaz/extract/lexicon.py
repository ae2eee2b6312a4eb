"""What a language module tells the shared extractor: its words for the codebook's labels.

Each language fills one ``Lexicon``; ``triggers`` and ``assemble`` read only this, so the
mechanisms are written once and the vocabularies live in each language package's
``words.toml`` (``otkaz/lang/<code>/``).
All entries are lower-case lemmas (or lemma phrases joined by a space).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True)
class FieldWords:
    """The words ``extract.fields`` reads: where people come from, where an incident happened,
    who a pronoun is; from the ``[fields]`` table of a language's ``words.toml``."""

    origin_prepositions: frozenset[str] = frozenset()  # "men from Rostov": they come from there
    location_prepositions: frozenset[str] = frozenset()  # "men near Avdiivka": they are there
    destination_prepositions: frozenset[str] = frozenset()  # "a flight to Turkey": where they went
    origin_cues: frozenset[str] = frozenset()  # "a native of Pskov"
    home_phrases: frozenset[str] = frozenset()  # "took a bus home to Tambov": where they live
    personal_pronouns: frozenset[str] = frozenset()  # a sentence with these speaks of the people
    return_verbs: frozenset[str] = frozenset()  # "returned to Pskov": home
    return_prepositions: frozenset[str] = frozenset()
    court_nouns: frozenset[str] = frozenset()  # "a court in Pskov": the court's seat
    verdict_verbs: frozenset[str] = frozenset()
    place_nouns: frozenset[str] = frozenset()  # "the town of Podporozhye"
    place_of: str = ""  # the word joining a place noun and its name ("of"), if any
    home_verbs: frozenset[str] = frozenset()  # "worked in Dalnegorsk": origin
    stationed_verbs: frozenset[str] = frozenset()  # "a unit stationed in Volgograd": origin
    unit_nouns: frozenset[str] = frozenset()
    event_nouns: frozenset[str] = frozenset()  # "a protest in Yakutsk": location
    people_heads: frozenset[str] = frozenset()  # "Buryat soldiers": a place word naming people
    source_words: frozenset[str] = frozenset()  # "a source in Crimea": not the incident's place
    scene_prepositions: frozenset[str] = frozenset()  # "detained at a protest"
    naming_verbs: frozenset[str] = frozenset()  # "a man named X": the noun describes the person
    former_words: frozenset[str] = frozenset()  # "a former soldier": no longer what he is called
    relative_pronouns: frozenset[str] = frozenset()  # "who", "that": a subject that says no number
    mobilized_nouns: frozenset[str] = frozenset()  # a subject naming mobilized men
    # people the call-up does not reach ("his wife", "a pensioner"): in a story of the call-up
    # they stay civilians, while a "resident" who fled it is a draftee
    undraftable_nouns: frozenset[str] = frozenset()
    negations: frozenset[str] = frozenset()  # "not": a consequence cue under it did not happen
    # "пока его не задержали" ("until he was detained"): a negation of form alone
    until_words: frozenset[str] = frozenset()
    unit_pattern: re.Pattern[str] = _NEVER  # military units named in the text

    @classmethod
    def from_table(cls, table: dict) -> FieldWords:
        """From a ``[fields]`` table: lists of lemmas, ``place_of`` and ``unit_pattern``."""
        values: dict = {}
        for name, spec in cls.__dataclass_fields__.items():
            if name not in table:
                continue
            if name == "unit_pattern":
                values[name] = re.compile(rf"\b{table[name]}", re.IGNORECASE)
            elif spec.type == "str":
                values[name] = table[name]
            else:
                values[name] = frozenset(table[name])
        return cls(**values)


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
    # the words of extract.fields
    fields: FieldWords = field(default_factory=FieldWords)

    def actor_of(self, lemma: str) -> str | None:
        for label, nouns in self.actor_nouns.items():
            if lemma in nouns:
                return label
        return None
