"""The FastAPI application: settings, security headers, sessions, templates, error pages.

    from otkaz.web import create_app, Settings
    app = create_app(Settings(db_url="otkaz.db"))

Every asset is served from the package (otkaz runs offline); map tiles come only from
the tile URL the operator configures ($OTKAZ_TILE_URL), else the map shows country outlines.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from otkaz import __version__
from otkaz.model import ACTORS, CONSEQUENCES, INCIDENT_TYPES
from otkaz.store import Database, StoreError
from otkaz.web import present
from otkaz.web.auth import (
    ANONYMOUS,
    SESSION_LIFETIME,
    LoginThrottle,
    Principal,
    csrf_token,
    session_account,
    token_hash,
)
from otkaz.web.corrections import gazetteer_lookup
from otkaz.web.jobs import JobRunner
from otkaz.web.queries import SORTS, STATUSES, FilterError

log = logging.getLogger("otkaz.web")

PACKAGE_DIR = Path(str(resources.files("otkaz.web")))
SESSION_COOKIE = "otkaz_session"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    db_url: str | None = None  # None: $OTKAZ_DATABASE_URL, else otkaz.db
    # Signs session cookies. Unset: a random key per process (sessions end at restart,
    # and several worker processes would not share them).
    secret_key: str | None = None
    tile_url: str | None = None  # e.g. https://tile.example.org/{z}/{x}/{y}.png
    tile_attribution: str = ""
    secure_cookies: bool = False  # cookies only over HTTPS (set when served behind TLS)
    max_upload_bytes: int = 20 * 1024 * 1024
    login_max_failures: int = 5  # for one account from one address
    login_account_max_failures: int = 20  # for one account from all addresses
    login_window_seconds: float = 900.0
    # Proxies (addresses or networks) whose X-Forwarded-For / X-Forwarded-Proto are believed;
    # nobody else's are (empty: the connecting peer is the client).
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        return cls(
            db_url=db_url,
            secret_key=os.environ.get("OTKAZ_SECRET_KEY") or None,
            tile_url=os.environ.get("OTKAZ_TILE_URL") or None,
            tile_attribution=os.environ.get("OTKAZ_TILE_ATTRIBUTION", ""),
            secure_cookies=_env_flag("OTKAZ_SECURE_COOKIES"),
            trusted_proxies=parse_proxies(os.environ.get("OTKAZ_TRUSTED_PROXIES", "")),
        )


def parse_proxies(value: str) -> tuple[str, ...]:
    """"10.0.0.5, 192.168.1.0/24" -> the addresses and networks ($OTKAZ_TRUSTED_PROXIES)."""
    return tuple(check_proxy(part) for part in re.split(r"[\s,]+", value) if part)


def check_proxy(proxy: str) -> str:
    """An IP address or network; anything else is a ValueError naming it."""
    try:
        ipaddress.ip_network(proxy, strict=False)
    except ValueError:
        raise ValueError(f"trusted proxy {proxy!r}: expected an IP address or network (10.0.0.5, 10.0.0.0/8)") from None
    return proxy


def tile_origin(tile_url: str | None) -> str | None:
    """The origin the CSP must allow images from: "https://{s}.tile.x.org/..." -> "https://*.tile.x.org"."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"tile URL {tile_url!r}: expected http(s)://host/{{z}}/{{x}}/{{y}}.png")
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def content_security_policy(tile_url: str | None) -> str:
    images = " ".join(filter(None, ["'self'", "data:", tile_origin(tile_url)]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Adds the CSP and the other protective headers to every response."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def load_principal(request: Request) -> None:
    """Who is asking: an API token, else the session's account, else the public."""
    db: Database = request.app.state.db
    principal = ANONYMOUS
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        user = db.user_by_token_hash(token_hash(token.strip())) if scheme.lower() == "bearer" else None
        if user is None:
            raise HTTPException(401, "API token not recognized", headers={"WWW-Authenticate": "Bearer"})
        principal = Principal(user.name, user.role, via_token=True)
    elif user := session_account(request):
        principal = Principal(user.name, user.role)
    request.state.principal = principal


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the package: no stat() of each per request
    )
    env.globals.update(
        label=present.label,
        field_label=present.field_label,
        country_name=present.country_name,
        format_count=present.format_count,
        format_place=present.format_place,
        format_dates=present.format_dates,
        format_value=present.format_value,
        incident_title=present.incident_title,
        web_url=present.web_url,
        type_colours=present.TYPE_COLOURS,
        INCIDENT_TYPES=INCIDENT_TYPES,
        ACTORS=ACTORS,
        CONSEQUENCES=CONSEQUENCES,
        STATUSES=STATUSES,
        SORTS=SORTS,
        FIELDS=present.FIELDS,
        version=__version__,
    )
    return Jinja2Templates(env=env)


class _LazyCsrfToken:
    """The session's CSRF token, made only when a page prints it: pages without forms set no cookie."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)

    __html__ = __str__  # URL-safe characters only: nothing to escape


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    principal: Principal = getattr(request.state, "principal", ANONYMOUS)
    base = {
        "principal": principal,
        "csrf_token": _LazyCsrfToken(request),
        "path": request.url.path,
        "settings": request.app.state.settings,
    }
    return request.app.state.templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/export/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if not _wants_html(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def validation_message(exc: RequestValidationError) -> str:
    """FastAPI's first complaint about a request, on one line: "payload: Input should be a valid dictionary"."""
    errors = exc.errors()
    if not errors:
        return "the request could not be read"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    message = " ".join(str(first.get("msg", "invalid")).split())
    return f"{where}: {message}" if where else message


def _install_error_handlers(app: FastAPI) -> None:
    from otkaz.web.access import IncidentMoved, moved_response

    app.add_exception_handler(IncidentMoved, moved_response)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, validation_message(exc))

    @app.exception_handler(FilterError)
    async def filter_error(request: Request, exc: FilterError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        return _error(request, 400, str(exc))


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """The web application over ``db`` (else the database ``settings.db_url`` names)."""
    settings = settings or Settings.from_env()
    from otkaz.web import (  # routes import this module's helpers
        api,
        ingest,
        pages,
        review,
    )

    app = FastAPI(
        title="otkaz",
        version=__version__,
        description="Incidents of refusal to fight, desertion and evasion of mobilization, "
        "with the evidence behind every field. Public requests see published (confirmed) "
        "incidents without names; send `Authorization: Bearer <token>` for more.",
        docs_url=None,  # Swagger UI loads from a CDN: offline, the schema alone is served
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(load_principal)],
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.db_url)
    app.state.templates = _templates()
    app.state.throttle = LoginThrottle(
        settings.login_max_failures, settings.login_window_seconds, settings.login_account_max_failures,
        store=app.state.db,
    )
    app.state.jobs = JobRunner(app.state.db)
    app.state.decision_lock = threading.Lock()  # decide + re-merge, one at a time
    app.state.place_lookup = gazetteer_lookup
    secret = settings.secret_key
    if not secret:
        log.warning("OTKAZ_SECRET_KEY is not set: sessions end when the server restarts")
        secret = secrets.token_urlsafe(32)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders, csp=content_security_policy(settings.tile_url))
    if settings.trusted_proxies:  # outermost: everything after sees the client's own address
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[check_proxy(p) for p in settings.trusted_proxies])
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    for router in (pages.router, review.router, ingest.router, api.router, review.api_router):
        app.include_router(router)
    _install_error_handlers(app)
    return app


def app_from_env() -> FastAPI:
    """The application as ``otkaz serve --workers N`` builds it in each worker process: the
    store $OTKAZ_DATABASE_URL, the settings from the environment (Settings.from_env)."""
    from otkaz.web.serving import freeze_startup_objects

    app = create_app(Settings.from_env())
    freeze_startup_objects()  # a serving process: see there
    return app
