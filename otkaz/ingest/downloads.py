"""Fetching a web page: the only network access ingest makes."""
from __future__ import annotations

from dataclasses import dataclass

import httpx

from .errors import InputError, too_large

USER_AGENT = "otkaz/0.1 (news ingest)"
TIMEOUT_SECONDS = 30.0


@dataclass
class Download:
    content: bytes
    url: str  # after redirects
    charset: str | None  # as the server declared it


def fetch_url(url: str, max_bytes: int) -> Download:
    """GET the URL, following redirects; any failure is an InputError "could not fetch: <reason>"."""
    try:
        with httpx.Client(
            follow_redirects=True, timeout=TIMEOUT_SECONDS, headers={"User-Agent": USER_AGENT}
        ) as client, client.stream("GET", url) as response:
            if response.is_error:
                raise InputError(
                    f"could not fetch: HTTP {response.status_code} {response.reason_phrase}".rstrip()
                )
            declared = response.headers.get("content-length", "")
            declared_size = int(declared) if declared.isdigit() else 0
            if declared_size > max_bytes:
                raise too_large(declared_size, max_bytes)
            content = bytearray()
            for chunk in response.iter_bytes():
                content.extend(chunk)
                if len(content) > max_bytes:
                    raise too_large(None, max_bytes)
            return Download(bytes(content), str(response.url), response.charset_encoding)
    except httpx.HTTPError as err:
        raise InputError(f"could not fetch: {str(err) or type(err).__name__}") from None
