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
    # The validators of a conditional request (otkaz watch remembers them).
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # HTTP 304: the content is unchanged (and empty here)


class FetchError(InputError):
    """A failed fetch; ``transient`` when trying again later may succeed (network, 5xx, 429)."""

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


def _is_transient(status: int) -> bool:
    return status >= 500 or status in (408, 425, 429)


def fetch_url(
    url: str,
    max_bytes: int,
    client: httpx.Client | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Download:
    """GET the URL, following redirects; any failure is a FetchError "could not fetch: <reason>".

    With ``etag`` or ``last_modified`` the request is conditional: an unchanged resource
    gives a Download with ``not_modified`` set. ``client``: a caller's client (its
    timeout and connections); else one is made for this request.
    """
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        if client is not None:
            return _fetch(client, url, max_bytes, headers)
        with httpx.Client(follow_redirects=True, timeout=TIMEOUT_SECONDS) as own_client:
            return _fetch(own_client, url, max_bytes, headers)
    except httpx.HTTPError as err:
        raise FetchError(f"could not fetch: {str(err) or type(err).__name__}", transient=True) from None


def _fetch(client: httpx.Client, url: str, max_bytes: int, headers: dict[str, str]) -> Download:
    with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
        validators = {
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
        }
        if response.status_code == 304:
            return Download(b"", str(response.url), None, **validators, not_modified=True)
        if response.is_error:
            raise FetchError(
                f"could not fetch: HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                transient=_is_transient(response.status_code),
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
        return Download(bytes(content), str(response.url), response.charset_encoding, **validators)
