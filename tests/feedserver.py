"""A real HTTP server on 127.0.0.1, in a thread, serving feeds and pages that tests change
between polls. It answers conditional requests (ETag, Last-Modified) as a news site does,
can be told to fail, logs every request, and records how many requests to it overlap."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from xml.sax.saxutils import escape

_clock = count(1_700_000_000, 60)  # each new version of a resource is a minute newer


@dataclass
class Resource:
    body: bytes
    content_type: str
    status: int = 200  # e.g. 503: the server fails this path
    etag: str = ""
    last_modified: str = ""

    def __post_init__(self) -> None:
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        self.last_modified = formatdate(next(_clock), usegmt=True)


@dataclass
class Request:
    path: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None


@dataclass
class FeedServer:
    resources: dict[str, Resource] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    # Called with the path before a request is answered (e.g. to stop a watcher mid-poll).
    on_request: Callable[[str], None] | None = None
    max_in_flight: int = 0
    port: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> None:
        """Serve ``body`` at ``path`` from now on (a new ETag and Last-Modified when it changed)."""
        data = body.encode() if isinstance(body, str) else body
        current = self.resources.get(path)
        if current is None or current.body != data or current.status != 200:
            self.resources[path] = Resource(data, content_type)

    def fail(self, path: str, status: int) -> None:
        self.resources.setdefault(path, Resource(b"", "text/plain")).status = status

    def requests(self, path: str) -> list[Request]:
        return [request for request in self.log if request.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.on_request is not None:
                self.on_request(handler.path)
            status = self._respond(handler)
        finally:
            with self._lock:
                self._in_flight -= 1
        self.log.append(
            Request(handler.path, status, handler.headers.get("If-None-Match"), handler.headers.get("If-Modified-Since"))
        )

    def _respond(self, handler: BaseHTTPRequestHandler) -> int:
        resource = self.resources.get(handler.path)
        if resource is None or resource.status != 200:
            status = resource.status if resource else 404
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return status
        unchanged = handler.headers.get("If-None-Match") == resource.etag or (
            handler.headers.get("If-None-Match") is None
            and handler.headers.get("If-Modified-Since") == resource.last_modified
        )
        handler.send_response(304 if unchanged else 200)
        handler.send_header("ETag", resource.etag)
        handler.send_header("Last-Modified", resource.last_modified)
        if unchanged:
            handler.end_headers()
            return 304
        handler.send_header("Content-Type", resource.content_type)
        handler.send_header("Content-Length", str(len(resource.body)))
        handler.end_headers()
        handler.wfile.write(resource.body)
        return 200


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            server._answer(self)

        def log_message(self, *_args: object) -> None:  # quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def rss(title: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 feed; each item: link, title, pubDate, and description (a summary) or
    content (the full text, as content:encoded)."""
    parts = []
    for item in items:
        fields = [f"<title>{escape(item['title'])}</title>", f"<link>{escape(item['link'])}</link>",
                  f"<guid>{escape(item['link'])}</guid>", f"<pubDate>{item['pubDate']}</pubDate>"]
        if "description" in item:
            fields.append(f"<description>{escape(item['description'])}</description>")
        if "content" in item:
            fields.append(f"<content:encoded>{escape(item['content'])}</content:encoded>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link><description>news</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


def article_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><nav>Home | World | Sport</nav><article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>All rights reserved</footer></body></html>"
    )
