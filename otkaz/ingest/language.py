"""Language codes: normalize what inputs declare, identify what they do not."""
from __future__ import annotations

import re

import py3langid

# Names and three-letter codes that sources write instead of ISO 639-1 codes.
_LANGUAGE_NAMES = {
    "english": "en",
    "russian": "ru",
    "ukrainian": "uk",
    "belarusian": "be",
    "kazakh": "kk",
    "georgian": "ka",
    "armenian": "hy",
    "german": "de",
    "french": "fr",
    "spanish": "es",
    "polish": "pl",
    "английский": "en",
    "русский": "ru",
    "украинский": "uk",
    "українська": "uk",
    "белорусский": "be",
    "eng": "en",
    "rus": "ru",
    "ukr": "uk",
    "bel": "be",
    "kaz": "kk",
    "deu": "de",
    "ger": "de",
    "fra": "fr",
    "fre": "fr",
}
_CODE = re.compile(r"[a-z]{2,3}")
_DETECT_CHARS = 5000  # enough for a confident guess; keeps long texts fast


def normalize_lang(value: str | None) -> str | None:
    """'English', 'en-US', 'EN', 'ru_RU' -> 'en' / 'ru'; unknown names are kept, lowercased."""
    if not value or not value.strip():
        return None
    name = value.strip().lower().replace("_", "-")
    if name in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[name]
    base = name.split("-")[0]
    if _CODE.fullmatch(base):
        return _LANGUAGE_NAMES.get(base, base)
    return name


def detect_lang(text: str) -> str | None:
    """py3langid's best guess (ISO 639-1), or None for text without letters."""
    if not any(char.isalpha() for char in text):
        return None
    code, _score = py3langid.classify(text[:_DETECT_CHARS])
    return code
