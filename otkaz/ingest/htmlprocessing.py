"""HTML -> main text and metadata, by trafilatura."""
from __future__ import annotations

import lxml.html
import trafilatura
from lxml.etree import ParserError
from trafilatura.settings import set_date_params

from .metadata import Metadata

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def extract_html(html: str, url: str | None = None) -> tuple[str, Metadata]:
    """A web page -> (its main text, or "" when none is found; title, date, outlet, URL, lang).

    The outlet is the site's name, else its host name; the URL is the canonical
    link, else ``url``; the language is the page's ``lang`` attribute.
    """
    tree = trafilatura.load_html(html)
    if tree is None:
        return "", Metadata()
    page_lang = tree.get("lang") or tree.get(_XML_LANG)  # read before trafilatura prunes the tree
    result = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True,
        # Dates only from the page's date markup (meta tags, <time>, JSON-LD, the URL): the
        # extensive search reads any digits in the page as a date, an inline image's among them.
        date_extraction_params=set_date_params(extensive=False),
    )
    if result is None:
        return "", Metadata.from_values(url=url, lang=page_lang)
    metadata = Metadata.from_values(
        url=result.url or url,
        title=result.title,
        published=result.date,
        outlet=result.sitename or result.hostname,
        lang=page_lang,
    )
    return result.text or "", metadata


def html_fragment_to_text(fragment: str) -> str:
    """A piece of HTML (a feed entry's content) -> its text."""
    text = trafilatura.extract(fragment, include_comments=False, include_tables=True)
    if text:
        return text
    # trafilatura gives up on very short fragments; their plain text is all there is.
    try:
        return lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()
    except (ParserError, ValueError):
        return ""
