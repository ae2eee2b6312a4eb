"""Clutter removal on pages copied from the web, text tidying and language identification."""
from __future__ import annotations

from pathlib import Path

import pytest

from otkaz.ingest.cleaning import clean_text, is_clutter_line, remove_clutter, tidy_text
from otkaz.ingest.language import detect_lang, normalize_lang

DATA = Path(__file__).parent / "data" / "ingest"


def lines_of(text: str) -> set[str]:
    return {line.strip() for line in text.split("\n") if line.strip()}


def test_copied_english_page_keeps_every_article_sentence_and_drops_the_clutter():
    raw = (DATA / "copied_page_en.txt").read_text(encoding="utf-8")
    clean = clean_text(raw)
    kept = lines_of(clean)
    article = [
        "Deserters from Kursk training ground hide in the forest, families say",
        "Four contract soldiers left a training ground in the Kursk region last week",
        '"He said they would rather go to prison than to the assault," she said.',
        # sentences that merely contain clutter words stay
        "advised them to share their location with investigators",
        "Read more about the soldiers' earlier complaints in our report from March, the lawyer said",
        "A woman whose husband is among the four said the family had received a threatening call",
    ]
    for sentence in article:
        assert sentence in clean
    clutter = [
        "Skip to main content", "Menu", "Search", "Subscribe", "Share on Facebook", "Tweet",
        "Copy link", "Share", "Photo: Alexei Ivanov / Reuters", "Advertisement",
        "Sign up for our newsletter",
        "Get the day's most important stories from Russia and Ukraine in your inbox.",
        "Related Articles",
        "Hundreds of mobilized men stuck in tent camp near Donetsk",
        "The mobilized men from the Tula region have been waiting for weeks in a tent camp without heating, their relatives said.",
        "Court jails reservist for refusing to sign contract",
        "Correction: An earlier version of this article misstated the region where the training ground is located.",
        "© 2023 Northern Chronicle. All rights reserved.",
        "We use cookies to improve your experience. By continuing to browse, you accept our cookie policy.",
        "Get all your news in one place.", "Download the app",
    ]
    for line in clutter:
        assert line not in kept
    # the headline shown twice is kept once
    assert clean.count("Deserters from Kursk training ground hide in the forest") == 1


def test_copied_russian_page():
    clean = clean_text((DATA / "copied_page_ru.txt").read_text(encoding="utf-8"))
    kept = lines_of(clean)
    for sentence in [
        "В Бурятии мобилизованный отказался возвращаться на фронт после отпуска",
        "Мобилизованный из Улан-Удэ не вернулся в часть после двухнедельного отпуска",
        "муж просил поделиться его историей",  # contains "поделиться"
        "Читайте также наше руководство о том, как обжаловать отказ в отпуске, добавила она.",
        "ему грозит до десяти лет лишения свободы.",
    ]:
        assert sentence in clean
    for line in [
        "Перейти к основному содержанию", "Меню", "Поиск", "Поделиться", "ВКонтакте Телеграм WhatsApp",
        "Фото: пресс-служба военного суда", "Реклама", "Подписывайтесь на наш канал в Telegram",
        "Читайте также:", "Суд в Чите арестовал контрактника за самовольное оставление части",
        "В Иркутске задержали мобилизованного, сбежавшего из госпиталя",
        "Нашли ошибку? Выделите текст и нажмите Ctrl+Enter", "© 2023 Байкал-Дейли. Все права защищены.",
    ]:
        assert line not in kept


@pytest.mark.parametrize(
    "line",
    [
        "• Share to or",
        "- Advertisement -",
        "Facebook  Twitter  Telegram",
        "Read more: Conscripts sent to the border without training",
        "Читайте также: В Чите задержали дезертира",
        "Men queue at the border crossing. Photo by Ivan Petrov",
        "A burnt door of the enlistment office (photo: regional police)",
        "Мужчины у военкомата. Фото: Анна Смирнова",
        "Correction: This article has been updated to fix the date of the hearing.",
        "Clarification (Sept. 28): The court did not name the soldier.",
        "Already a member? Sign in here",
        "Accept all cookies",
        "Мы используем файлы cookie, чтобы сайт работал лучше. Продолжая, вы соглашаетесь.",
    ],
)
def test_clutter_lines(line):
    assert is_clutter_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "He refused to share his plans with the draft office.",
        "Police said the advertisement for contract service was posted in the town.",
        "The men were told to search the forest for the missing soldier.",
        "The photo, his wife said, was taken the day before he fled.",
        "Menu of the canteen at the unit had not changed for months, he said.",
        "Родственники попросили журналистов поделиться их обращением.",
        "Реклама контрактной службы висела у военкомата несколько месяцев.",
        "Subscribers to the channel reported new call-ups in the village on Sunday.",
    ],
)
def test_article_sentences_with_clutter_words_are_not_clutter(line):
    assert not is_clutter_line(line)


def test_related_heading_at_the_top_does_not_take_the_article_with_it():
    text = (
        "Most read\n"
        "Reservists refuse to board train in Orenburg\n"
        "About forty reservists refused to board a train in Orenburg on Monday, relatives said.\n"
    )
    assert remove_clutter(text) == (
        "Reservists refuse to board train in Orenburg\n"
        "About forty reservists refused to board a train in Orenburg on Monday, relatives said."
    )


def test_tidy_text_touches_only_whitespace_newlines_and_unicode_form():
    raw = "\n\n  Indented \u201cline\u201d \u2013 ok  \r\n\r\n\r\n\r\nCafe\u0301\u2028end \n\n"
    assert tidy_text(raw) == "  Indented \u201cline\u201d \u2013 ok\n\nCaf\u00e9\nend"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Police detained two men who tried to cross the border into Kazakhstan on foot, the border service said.", "en"),
        ("Полиция задержала двух мужчин, которые пытались пешком перейти границу с Казахстаном, сообщила пограничная служба.", "ru"),
        ("Поліція затримала двох чоловіків, які намагалися пішки перетнути кордон із Казахстаном, повідомила прикордонна служба.", "uk"),
    ],
)
def test_language_is_identified(text, code):
    assert detect_lang(text) == code


@pytest.mark.parametrize(
    ("given", "code"),
    [("English", "en"), ("en-US", "en"), ("EN", "en"), ("Russian", "ru"), ("ru-RU", "ru"), ("ru_RU", "ru"),
     ("rus", "ru"), ("Ukrainian", "uk"), ("  ", None), (None, None)],
)
def test_declared_language_is_normalized(given, code):
    assert normalize_lang(given) == code


def test_a_paragraph_longer_than_any_clutter_line_is_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every line of every stored document goes through these patterns (a firehose's ingest
    # spent most of its time here); before, each was searched whatever the line's length.
    from otkaz.ingest import cleaning

    searched: list[str] = []

    class Watched:
        def __init__(self, pattern):
            self.pattern = pattern

        def match(self, text):
            searched.append(text)
            return self.pattern.match(text)

        def search(self, text):
            searched.append(text)
            return self.pattern.search(text)

    for name in ("_LINE_STARTS_RE", "_LINE_CONTAINS_RE"):
        monkeypatch.setattr(cleaning, name, [(Watched(p), limit) for p, limit in getattr(cleaning, name)])
    paragraph = "The council met on Monday and approved the plan for the new school. " * 10
    assert not is_clutter_line(paragraph) and searched == []
    assert is_clutter_line("Photo: Ivan Petrov") and searched


def test_a_guarded_pattern_finds_what_it_found_alone() -> None:
    from otkaz.ingest import cleaning

    lines = ["We use cookies to give you the best experience. Accept", "THIS SITE USES COOKIES",
             "Cookie consent: accept all", "Мы используем файлы COOKIE", "Разрешить куки", "Cookies baked by the mayor",
             "The council approved the budget.", "Кукиш и кукла", "cookies" + " x" * 150 + " privacy"]
    for pattern, _limit in cleaning._LINE_CONTAINS_RE:
        if isinstance(pattern, cleaning._Guarded):
            for line in lines:
                assert bool(pattern.search(line)) == bool(pattern.pattern.search(line)), line
