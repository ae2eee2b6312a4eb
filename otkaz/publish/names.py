"""Words about people, for the redaction step: given names, the roles of ``data/roles.toml``
(public offices, private roles), and the folding that makes one name match in every form.

- ``name_key``: one word of a name folded to Latin, so that its Cyrillic and Latin spellings
  and their transliteration variants share it ("Юлия", "Yuliya", "Yulia" -> "iulia").
- ``is_given_name``: Russian given names (pymorphy2's dictionary tags them ``Name``), in
  Cyrillic and in Latin transliteration (``data/given_names.txt``, made from that dictionary
  by ``python -m otkaz.publish.names``, because reading the whole dictionary takes minutes).
- ``roles()``: the role phrases, each word in all its forms (English plurals and possessives,
  Russian case forms from pymorphy2), and ``Roles.near`` to read them next to a name.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path

from otkaz.merge.signals import fold_words, same_name_word

GIVEN_NAMES_FILE = "given_names.txt"
ROLES_FILE = "roles.toml"
MIN_NAME_LETTERS = 3  # shorter words of a name ("A.", "Ли") are initials or too ambiguous to match alone
# Words between an office and the name it titles ("Defence Minister of Russia Sergei Shoigu").
MAX_TITLE_GAP = 3
# An apposition names an office in its first words ("Dmitry Peskov, the Kremlin's spokesman").
MAX_APPOSITION_OFFSET = 4
MAX_HEAD_TO_INSTITUTION = 6  # "head of the human rights group Agora"
WINDOW_WORDS = 6

_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
# An apposition that is a clause says what the person did, not what they are.
_CLAUSE_OPENERS = frozenset(
    "who whom whose which that where when while as if because и а но который которая которое которые "
    "что где когда чей чья если".split()
)


@lru_cache(maxsize=1 << 16)
def name_key(word: str) -> str:
    """A word of a name folded to Latin ("Сергей", "Sergey", "Sergej" -> "sergei")."""
    return fold_words(word).replace(" ", "").replace("j", "i")


def is_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def same_name(a: str, b: str) -> bool:
    """Two folded name words are one: equal, or a Russian case form of each other ("zhilin", "zhilina")."""
    return a == b or same_name_word(a, b)


@cache
def morph():
    """pymorphy2's analyzer as natasha gives it (natasha makes pymorphy2 work on Python 3.11+)."""
    from natasha import MorphVocab

    return MorphVocab()


@cache
def _latin_given_names() -> frozenset[str]:
    text = resources.files("otkaz").joinpath("data", GIVEN_NAMES_FILE).read_text(encoding="utf-8")
    return frozenset(name_key(line) for line in text.splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=1 << 14)
def is_given_name(word: str) -> bool:
    """Whether ``word`` is a Russian given name, in either script ("Yuliya", "Юлии", "Пётр")."""
    if len(word) < MIN_NAME_LETTERS:
        return False
    if is_cyrillic(word):
        return any("Name" in parse.tag for parse in morph().parse(word))
    return name_key(word) in _latin_given_names()


@lru_cache(maxsize=1 << 14)
def is_common_word(word: str) -> bool:
    """A Russian word the dictionary knows, and never as a name ("Кыргызстанца"; not "Петров", "Трубников")."""
    analyzer = morph()
    if not analyzer.word_is_known(word.lower()):
        return False
    return not any({"Name", "Surn", "Patr"} & set(parse.tag.grammemes) for parse in analyzer.parse(word))


@lru_cache(maxsize=1 << 14)
def dictionary_form(word: str) -> str:
    """A Russian name word in the nominative ("Семёна" -> "семён"); other words lower-cased."""
    if is_cyrillic(word):
        for parse in morph().parse(word):
            if {"Name", "Surn", "Patr"} & set(parse.tag.grammemes):
                return parse.normal_form
    return word.lower()


# --------------------------------------------------------------------------- roles


Phrase = tuple[frozenset[str], ...]  # each word of a phrase in all its forms


def normal_word(word: str) -> str:
    """How window words are compared: lower case, no possessive, no final period ("Sen." -> "sen")."""
    word = word.lower().rstrip(".")
    return re.sub(r"['’]s?$", "", word).replace("ё", "е")


def _forms(word: str) -> frozenset[str]:
    word = normal_word(word)
    if is_cyrillic(word):
        parses = morph().parse(word)
        forms = {form.word for form in parses[0].lexeme} if parses else set()
        return frozenset({word} | {form.replace("ё", "е") for form in forms})
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith("man"):
        forms.add(word[:-3] + "men")
    return frozenset(forms)


def _phrase(text: str) -> Phrase:
    return tuple(_forms(word) for word in text.split())


@dataclass(frozen=True)
class RoleFound:
    office: str | None = None  # the public office written next to the name
    private: str | None = None  # the label of a private role ("a relative")


@dataclass(frozen=True)
class Roles:
    offices: tuple[tuple[str, Phrase], ...]
    heads: tuple[tuple[str, Phrase], ...]
    institutions: frozenset[str]
    private: tuple[tuple[str, Phrase], ...]  # (label, phrase)

    @cached_property
    def first_words(self) -> frozenset[str]:
        """Every form of a role phrase's first word: the NER sometimes takes it into a name ("Lawyer Anton X")."""
        return frozenset(form for _n, phrase in (*self.offices, *self.heads, *self.private) for form in phrase[0])

    def near(self, before: list[tuple[str, bool]], after: list[tuple[str, bool]] | None) -> RoleFound:
        """The role written next to a name.

        ``before``: the words of the same clause before the name, nearest last, each with
        whether it is (part of) an organisation's name; a comma is a word ",". ``after``: the
        words of an apposition after it, or None when there is none.
        """
        office = self._office_before(before) or (self._office_after(after) if after else None)
        if office:
            return RoleFound(office=office)
        private = self._private([word for word, _ in before], [word for word, _ in after or []])
        return RoleFound(private=private)

    def _office_before(self, words: list[tuple[str, bool]]) -> str | None:
        # A title stands right before the name: nothing but a few words (no comma) between.
        plain = [word for word, _ in words]
        if "," in plain:
            cut = len(plain) - plain[::-1].index(",")
            words, plain = words[cut:], plain[cut:]
        for name, at, end in self._all_offices(words):
            if len(plain) - end <= MAX_TITLE_GAP:
                return name
        return None

    def _office_after(self, words: list[tuple[str, bool]]) -> str | None:
        if not words or words[0][0] in _CLAUSE_OPENERS:
            return None
        for name, at, _end in self._all_offices(words):
            if at <= MAX_APPOSITION_OFFSET:
                return name
        return None

    def _all_offices(self, words: list[tuple[str, bool]]) -> Iterable[tuple[str, int, int]]:
        plain = [word for word, _ in words]
        for name, phrase in self.offices:
            for at in _occurrences(plain, phrase):
                yield name, at, at + len(phrase)
        for name, phrase in self.heads:
            for at in _occurrences(plain, phrase):
                end = at + len(phrase)
                following = words[end : end + MAX_HEAD_TO_INSTITUTION]
                if any(is_org or word in self.institutions for word, is_org in following):
                    yield name, at, end + _last_institution(following, self.institutions)

    def _private(self, before: list[str], after: list[str]) -> str | None:
        """The private role written nearest the name, before it or after it."""
        best: tuple[int, str] | None = None
        for label, phrase in self.private:
            distances = [len(before) - at - len(phrase) for at in _occurrences(before, phrase)]
            distances += [at for at in _occurrences(after, phrase)]
            if distances and (best is None or min(distances) < best[0]):
                best = (min(distances), label)
        return best[1] if best else None


def _last_institution(words: list[tuple[str, bool]], institutions: frozenset[str]) -> int:
    found = [n + 1 for n, (word, is_org) in enumerate(words) if is_org or word in institutions]
    return found[-1] if found else 0


def _occurrences(words: list[str], phrase: Phrase) -> Iterable[int]:
    size = len(phrase)
    for at in range(len(words) - size + 1):
        if all(words[at + n] in phrase[n] for n in range(size)):
            yield at


@cache
def roles() -> Roles:
    data = tomllib.loads(resources.files("otkaz").joinpath("data", ROLES_FILE).read_text(encoding="utf-8"))

    def phrases(table: dict[str, list[str]]) -> tuple[tuple[str, Phrase], ...]:
        entries = {text for texts in table.values() for text in texts}
        # longer phrases first: "prime minister" is one office, not "minister"
        return tuple((text, _phrase(text)) for text in sorted(entries, key=lambda t: (-len(t.split()), t)))

    institutions = frozenset(form for texts in data["institutions"].values() for text in texts for form in _forms(text))
    private = tuple((label, _phrase(text)) for label, texts in data["private_roles"].items() for text in texts)
    return Roles(phrases(data["public_offices"]), phrases(data["heads"]), institutions, private)


# --------------------------------------------------------------------------- building the name list


def build_given_names(path: Path) -> int:
    """Write every word pymorphy2's dictionary tags as a given name (dictionary form) to ``path``."""
    dictionary = morph().dictionary
    names = sorted(
        {
            normal_form
            for _word, tag, normal_form, _para, index in dictionary.iter_known_words()
            if index == 0 and "Name" in tag
        }
    )
    header = [
        "# Russian given names (dictionary forms), the words pymorphy2's dictionary tags Name: rebuild with",
        "# python -m otkaz.publish.names. Read by otkaz.publish.names to find names the NER misses.",
    ]
    path.write_text("\n".join(header + names) + "\n", encoding="utf-8")
    return len(names)


if __name__ == "__main__":
    target = Path(str(resources.files("otkaz").joinpath("data", GIVEN_NAMES_FILE)))
    print(f"{build_given_names(target)} given names written to {target}", file=sys.stderr)
