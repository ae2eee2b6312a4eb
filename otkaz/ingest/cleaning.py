"""Clean text: whitespace and Unicode form, and removal of web-page clutter.

Clutter is recognized line by line, never inside a line: a line is removed only
when the whole of it is navigation, a share bar, a newsletter or app promo, a
cookie notice, an advertisement label, a related-articles heading (with the
teaser headlines under it), a correction footer, a copyright line or a photo
credit.  Article sentences that merely contain such words stay, and when a rule
is unsure it keeps the line: a missed button costs little, a lost sentence may
be the evidence.
"""
from __future__ import annotations

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
_BLANK_RUNS = re.compile(r"\n{3,}")


def tidy_text(text: str) -> str:
    """NFC, newlines as \\n, no trailing spaces, no runs of blank lines, no blank edges."""
    text = _NEWLINES.sub("\n", unicodedata.normalize("NFC", text))
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    return _BLANK_RUNS.sub("\n\n", text)


# Characters around a line's words that do not change what the line is:
# bullets, dashes and separators of buttons and labels ("- Advertisement -").
_EDGE_CHARS = " \t\u00a0•·▪►▸*|>:—–-….!?"

# Whole-line patterns, matched against the lowercased line without its edge characters.
_NAVIGATION = (
    r"skip to (the )?(main )?(content|navigation)",
    r"skip navigation",
    r"(main |site )?menu",
    r"search",
    r"home",
    r"close",
    r"×",
    r"back to top( button)?",
    r"(log|sign) ?(in|out)( here)?",
    r"sign up|register|my account",
    r"(next|previous) (article|story|post)",
    r"перейти к (основному )?(содержанию|контенту)",
    r"меню|поиск|главная|наверх|войти|вход|регистрация|закрыть",
)
_PROMOS = (
    # newsletters
    r"(weekly |daily |free |our )?newsletters?",
    r"subscribe( now| here| today)?",
    r"subscribe to (our|the) .{1,60}",
    r"sign up (for|to) (our|the) .{1,60}",
    r"sign up for .{1,40}",
    r"(sign up|subscribe) .{0,40}newsletter.{0,60}",
    r"get (our|the) .{0,40}(newsletter|in your inbox).{0,40}",
    r"(подпишитесь|подписывайтесь|подписаться|подписывайся)( .{1,80})?",
    r"(наша )?рассылка",
    # apps
    r"get all your news in one place",
    r"start reading",
    r"one app",
    r"download (the|our) .{0,30}app.{0,40}",
    r"(read|continue reading|open)( it)? in (the|our) app",
    r"(available|get it|download) (on|in|from) (the )?(app store|google play).{0,40}",
    r"(скачайте|установите) .{0,40}приложение.{0,40}",
    # paywalls and donations
    r"sign up to (read|continue).{0,40}",
    r"already (a member|a subscriber|have an account)\??( (sign|log) in( here)?)?",
    r"(subscribe|register|log in|sign in) to (read|continue|unlock).{0,60}",
    r"(this|the) (article|content|story) is (only )?(available )?(for|to) (subscribers|members)( only)?",
    r"support us|donate( now)?|support (independent|our) journalism.{0,60}",
    r"поддержите (нас|редакцию|независимую журналистику).{0,60}",
    # advertising
    r"advertisements?|advertising|ads?|sponsored( content| post)?|paid (content|post|partnership)",
    r"scroll (down )?to continue( with content| reading)?",
    r"(story|article) continues (below|after (the )?advertisement)( advertisement)?",
    r"continue reading (below|the main story)",
    r"реклама|на правах рекламы|партн[её]рский материал|материал партн[её]ра",
    # cookies and comments
    r"(accept|reject|allow|manage) (all )?cookies|cookie (settings|policy|preferences)",
    r"(\d+ )?comments?|(show|view|load) (more |all )?comments|leave a (comment|reply)",
    r"комментарии( \(?\d+\)?)?",
)
_RELATED_HEADINGS = (
    r"related( (articles?|stories|news|content|posts|coverage|topics|reading|links))?",
    r"read (more|also|next)|(also|further) read(ing)?|see also",
    r"more (stories|news|articles|coverage|headlines)( .{1,40})?",
    r"more (from|on|in|about|by) .{1,50}",
    r"(latest|other|top) (news|stories|headlines)( .{1,40})?",
    r"recommended( for you| stories| articles| reading)?",
    r"you (may|might) (also )?(like|enjoy|be interested in|want to read).{0,20}",
    r"(the )?most (read|popular|viewed|shared)( .{1,30})?",
    r"trending( now| stories)?",
    r"(other )?topics of interest",
    r"editor'?s'? picks?|our picks?|what to read next",
    r"читайте (также|еще|ещё|тоже)|смотрите (также|еще|ещё)|см\. также|читать также",
    r"(материалы |новости |статьи |ещё |еще )?по теме|(ещё|еще|больше) (новостей|материалов)",
    r"самое (читаемое|популярное|интересное)|популярное|выбор редакции",
    r"новости партн[её]ров|рекомендуем( прочитать)?|вам (может быть|будет) интересно",
    r"другие (новости|материалы|статьи)|последние новости",
)
# Patterns at the start of a line, up to a length: (pattern, longest line in characters).
_LINE_STARTS = (
    (r"(corrections?|clarifications?)\s*[:(]", 600),
    (r"an earlier version of this (article|story|report|piece)", 600),
    (r"to (suggest|report) a correction", 300),
    (r"(found|spotted|noticed) (a|an) (typo|mistake|error)", 200),
    (r"(нашли|заметили) (ошибку|опечатку)", 200),
    (r"(read more|read also|also read|see also|related|more)\s*[:—–]\s*\S", 250),
    (r"(читайте|смотрите) (также|еще|ещё)\s*[:—–]\s*\S|по теме\s*[:—–]\s*\S", 250),
    (r"(©|\(c\)\s|copyright\b)", 300),
    (r"(photo|photos|photograph|image|picture|credit|фото|фотография|иллюстрация|источник фото)"
     r"\s*(:|by\b|courtesy\b)", 200),
    (r"(tags?|теги)\s*:", 300),
)
# Patterns anywhere in a line, up to a length.
_LINE_CONTAINS = (
    (r"ctrl\s*\+\s*enter", 200),
    (r"all rights reserved|все права защищены|©", 300),
    (r"\bcookies?\b.{0,200}\b(we use|this (web)?site uses|accept|consent|privacy)"
     r"|\b(we use|this (web)?site uses)\b.{0,100}\bcookies?\b"
     r"|(файлы|файлов|файлах) cookie|\bкуки\b", 400),
    # a caption's closing credit: "... . Photo from personal archive", "... Фото: ТАСС"
    (r"(^|[.!?»”\"]\s+)(photo|photograph|image|picture|фото|фотография|иллюстрация)"
     r"\s*(:|by\b|from\b|courtesy\b)[^.!?]{0,80}\.?$", 300),
    (r"\((photo|picture|image|still|video|screenshot|фото|скриншот|кадр)\b[^()]{0,80}\)$", 300),
    (r"\s/\s?(reuters|ap|afp|tass|тасс|epa|getty images|shutterstock|ria novosti|риа новости"
     r"|sputnik|associated press|anadolu|zuma|sipa|bloomberg|alamy|kommersant|коммерсантъ)"
     r"(\s?/\s?[\w .]{1,30})?$", 200),
    (r"\b(getty images|shutterstock|alamy)\b", 150),
)

_SHARE_VERBS = frozenset(
    "share shares tweet copy email e-mail print поделиться поделитесь скопировать отправить репост".split()
)
_SOCIAL_NETWORKS = frozenset(
    "facebook twitter x telegram whatsapp viber linkedin reddit pinterest messenger vk vkontakte"
    " ok odnoklassniki flipboard bluesky threads вконтакте вк одноклассники телеграм".split()
)
_SHARE_FILLER = frozenset(
    "link on to or via this article story page post with your friends save mail и в на по"
    " ссылку ссылка ссылкой статьей статьёй новостью почте".split()
)
_MAX_SHARE_WORDS = 12

_HEADLINE_MIN_CHARS, _HEADLINE_MAX_CHARS, _HEADLINE_MAX_WORDS = 15, 150, 20
_HEADING_MAX_CHARS = 80
_TEASER_MAX_CHARS = 400
_SANDWICH_MAX_CHARS = 100
# A related box is only trusted below article text: at the top of a page the
# "headlines" under such a heading may be the article's own title and lead.
_ARTICLE_PARAGRAPH_CHARS = 200
_MIN_REPEATED_CHARS = 4
_STEM_CHARS = 5
_STOPWORDS = frozenset(
    "that with from this have were their after about into over said will they been more than"
    " when which what also where would could there these those just only other"
    " что это как после также было были этом того который которые чтобы когда".split()
)


def _full(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_NAVIGATION_RE = _full(_NAVIGATION)
_PROMOS_RE = _full(_PROMOS)
_RELATED_HEADING_RE = _full(_RELATED_HEADINGS)
_LINE_STARTS_RE = [(re.compile(p, re.IGNORECASE), limit) for p, limit in _LINE_STARTS]


class _Guarded:
    """A pattern searched only in lines where ``guard``, which every match of it holds, is found:
    the cookie notice's pattern took most of the time of cleaning a firehose, its guard a quarter."""

    def __init__(self, pattern: re.Pattern[str], guard: re.Pattern[str]) -> None:
        self.pattern, self.guard = pattern, guard

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.guard.search(text) else None


_GUARDS = {_LINE_CONTAINS[2][0]: re.compile(r"cookie|куки", re.IGNORECASE)}
_LINE_CONTAINS_RE = [
    (_Guarded(re.compile(p, re.IGNORECASE), _GUARDS[p]) if p in _GUARDS else re.compile(p, re.IGNORECASE), limit)
    for p, limit in _LINE_CONTAINS
]
_WORD = re.compile(r"\w+(?:[-']\w+)*")


def _core(line: str) -> str:
    """The words of a line, lowercased, without bullets, separators and extra spaces."""
    return " ".join(line.strip(_EDGE_CHARS).split()).lower()


def _is_share_bar(core: str) -> bool:
    words = set(_WORD.findall(core))
    return (
        0 < len(words) <= _MAX_SHARE_WORDS
        and words <= _SHARE_VERBS | _SOCIAL_NETWORKS | _SHARE_FILLER
        and bool(words & (_SHARE_VERBS | _SOCIAL_NETWORKS))
    )


def _is_related_heading(line: str) -> bool:
    stripped = line.strip()
    return (
        len(stripped) <= _HEADING_MAX_CHARS
        and not stripped.endswith(".")
        and _RELATED_HEADING_RE.fullmatch(_core(stripped)) is not None
    )


def is_clutter_line(line: str) -> bool:
    """Whether the whole line is page furniture rather than article text."""
    stripped = line.strip()
    core = _core(stripped)
    if not core:
        return False
    if (
        _NAVIGATION_RE.fullmatch(core)
        or _PROMOS_RE.fullmatch(core)
        or _is_share_bar(core)
        or _is_related_heading(stripped)
    ):
        return True
    # The length first: an article's paragraphs are longer than any of these lines.
    if any(len(stripped) <= limit and p.match(stripped) for p, limit in _LINE_STARTS_RE):
        return True
    return any(len(stripped) <= limit and p.search(stripped) for p, limit in _LINE_CONTAINS_RE)


def _is_headline_like(text: str) -> bool:
    """A teaser headline: short, a few words, no closing full stop or comma."""
    return (
        _HEADLINE_MIN_CHARS <= len(text) <= _HEADLINE_MAX_CHARS
        and len(text.split()) <= _HEADLINE_MAX_WORDS
        and not text.endswith((".", ",", ";", ":"))
    )


def _stems(text: str) -> set[str]:
    words = (w.lower() for w in _WORD.findall(text))
    return {
        w[:_STEM_CHARS]
        for w in words
        if (len(w) >= 4 or any(c.isdigit() for c in w)) and w not in _STOPWORDS
    }


def _is_teaser_of(headline: str, text: str) -> bool:
    """The short paragraph a related-article box shows under a headline shares its words."""
    return len(text) <= _TEASER_MAX_CHARS and len(_stems(headline) & _stems(text)) >= 2


def _previous_nonblank(lines: list[str], index: int) -> int | None:
    return next((i for i in range(index - 1, -1, -1) if lines[i].strip()), None)


def _article_text_before(lines: list[str], drop: list[bool], index: int) -> bool:
    return any(
        not drop[i] and len(lines[i].strip()) > _ARTICLE_PARAGRAPH_CHARS for i in range(index)
    )


def _mark_related_blocks(lines: list[str], drop: list[bool]) -> None:
    """Drop a related-articles heading, the headlines under it and each headline's teaser."""
    for index, line in enumerate(lines):
        if not _is_related_heading(line) or not _article_text_before(lines, drop, index):
            continue
        headlines: list[str] = []
        teaser_allowed = False
        for j in range(index + 1, len(lines)):
            text = lines[j].strip()
            if not text:
                continue
            if drop[j]:
                teaser_allowed = False
            elif _is_headline_like(text):
                drop[j] = True
                headlines.append(text)
                teaser_allowed = True
            elif teaser_allowed and _is_teaser_of(headlines[-1], text):
                drop[j] = True
                teaser_allowed = False
            else:
                break
        # Pages often show a box's first headline once more just above its heading.
        previous = _previous_nonblank(lines, index)
        if previous is not None and lines[previous].strip() in headlines:
            drop[previous] = True


def _mark_sandwiched(lines: list[str], drop: list[bool]) -> None:
    """A short line between two clutter lines belongs to the same box ("One app." in a promo)."""
    for i in range(1, len(lines) - 1):
        line = lines[i].strip()
        if (
            not drop[i]
            and line
            and len(line) <= _SANDWICH_MAX_CHARS
            and drop[i - 1]
            and drop[i + 1]
            and lines[i - 1].strip()
            and lines[i + 1].strip()
        ):
            drop[i] = True


def _mark_repeats(lines: list[str], drop: list[bool]) -> None:
    """A line repeated verbatim (headline, caption, outlet name): keep the first."""
    seen: set[str] = set()
    for i, line in enumerate(lines):
        text = line.strip()
        if drop[i] or len(text) < _MIN_REPEATED_CHARS:
            continue
        if text in seen:
            drop[i] = True
        seen.add(text)


def remove_clutter(text: str) -> str:
    """Text copied from a web page -> the article's lines, tidied."""
    lines = text.split("\n")
    drop = [is_clutter_line(line) for line in lines]
    _mark_related_blocks(lines, drop)
    _mark_sandwiched(lines, drop)
    _mark_repeats(lines, drop)
    return tidy_text("\n".join(line for line, dropped in zip(lines, drop) if not dropped))


def clean_text(text: str) -> str:
    """What ingest stores: tidied text without page clutter."""
    return remove_clutter(tidy_text(text))
