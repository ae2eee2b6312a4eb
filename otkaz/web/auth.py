"""Accounts, roles, sessions, API tokens, CSRF and login throttling.

Roles, from least to most trusted: the public (no login), viewer, analyst, admin.
Passwords are hashed with argon2; API tokens and session tokens are random and
stored as their SHA-256 (they carry 256 bits of entropy, so a slow hash adds nothing and a fast
one lets the store find the account by it). A browser's signed session cookie
holds a session token; the session itself is a record in the store, so signing out,
a password change or ``otkaz user revoke-sessions`` ends it at once. Browsers must
send the session's CSRF token with every form; scripts send ``Authorization: Bearer
<token>`` and need no CSRF token (no cookie is used).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request

if TYPE_CHECKING:
    from otkaz.store import Database

PUBLIC = "public"
ROLES = ("viewer", "analyst", "admin")
_RANK = {PUBLIC: 0, "viewer": 1, "analyst": 2, "admin": 3}

# The least role that holds each permission.
PERMISSIONS = {
    "see_unpublished": "viewer",  # incidents that are not confirmed, review status, history
    "read_documents": "viewer",  # full article texts and the documents API
    "see_names": "analyst",  # named people and un-pseudonymized quotes
    "review": "analyst",
    "ingest": "analyst",
    "admin": "admin",
}

MIN_PASSWORD_LENGTH = 10
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_TOKEN = "session"
SESSION_CSRF = "csrf"
SESSION_LIFETIME = timedelta(days=14)
# A session's "last seen" is written at most this often: reading a page should not write each time.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in account, or the public (name None)."""

    name: str | None
    role: str
    via_token: bool = False

    @property
    def signed_in(self) -> bool:
        return self.name is not None

    def can(self, permission: str) -> bool:
        return _RANK[self.role] >= _RANK[PERMISSIONS[permission]]


ANONYMOUS = Principal(None, PUBLIC)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    return role


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified when the account does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def spend_verification_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_token() -> tuple[str, str]:
    """A fresh token and the hash the store keeps of it."""
    token = "otk_" + secrets.token_urlsafe(32)
    return token, token_hash(token)


class LoginThrottle:
    """Refuses sign-ins that keep failing, per account and address, without locking out others.

    An account is refused from an address after ``max_failures`` failures for it from there
    within ``window`` seconds (until the oldest of them is ``window`` seconds old). While an
    account has had ``account_max_failures`` failures from all addresses together (a guess
    spread over many), an address that has failed for it gets no further try. Failures for one
    account never refuse another account, and never an address that has not failed for it.
    A success clears its address's failures.

    With a ``store``, the failures are kept there, so that every server process of
    ``otkaz serve --workers N`` counts them all (the clock is then the wall clock, which the
    processes share; failures older than ``window`` are forgotten as new ones come). Without,
    they are kept in this process: at most ``max_tracked`` (account, address) pairs, past which
    the oldest are forgotten, which never refuses anyone.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 900.0,
        account_max_failures: int = 20,
        max_tracked: int = 100_000,
        clock: Callable[[], float] = time.time,
        store: Database | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.account_max_failures = account_max_failures
        self.max_tracked = max_tracked
        self._clock = clock
        self._store = store
        self._failures: OrderedDict[tuple[str, str], list[float]] = OrderedDict()  # least recent first
        self._addresses: dict[str, set[str]] = {}  # account -> addresses with failures for it
        self._lock = threading.Lock()  # requests are served by several threads

    def _recent(self, pair: tuple[str, str]) -> int:
        horizon = self._clock() - self.window
        recent = [t for t in self._failures.get(pair, []) if t > horizon]
        if recent:
            self._failures[pair] = recent
        else:
            self._forget(pair)
        return len(recent)

    def _forget(self, pair: tuple[str, str]) -> None:
        if self._failures.pop(pair, None) is not None:
            account, address = pair
            self._addresses[account].discard(address)
            if not self._addresses[account]:
                del self._addresses[account]

    def blocked(self, account: str, address: str) -> bool:
        if self._store is not None:
            own, everywhere = self._store.login_failure_counts(account, address, self._clock() - self.window)
            return own >= self.max_failures or (own > 0 and everywhere >= self.account_max_failures)
        with self._lock:
            own = self._recent((account, address))
            if own >= self.max_failures:
                return True
            if own == 0:
                return False
            others = list(self._addresses.get(account, ()))
            return sum(self._recent((account, other)) for other in others) >= self.account_max_failures

    def failed(self, account: str, address: str) -> None:
        if self._store is not None:
            now = self._clock()
            self._store.add_login_failure(account, address, now, now - self.window)
            return
        pair = (account, address)
        with self._lock:
            self._failures.setdefault(pair, []).append(self._clock())
            self._failures.move_to_end(pair)
            self._addresses.setdefault(account, set()).add(address)
            while len(self._failures) > self.max_tracked:
                self._forget(next(iter(self._failures)))

    def succeeded(self, account: str, address: str) -> None:
        if self._store is not None:
            self._store.clear_login_failures(account, address)
            return
        with self._lock:
            self._forget((account, address))


def client_address(request: Request) -> str:
    """The client's address: the connecting peer's, or what a configured proxy says it is
    (``Settings.trusted_proxies``; the proxy headers of anyone else are ignored)."""
    return request.client.host if request.client else "unknown"


def start_session(request: Request, name: str) -> None:
    """Sign the browser in as ``name``: a fresh session (new token, new CSRF token), recorded in the store."""
    token = secrets.token_urlsafe(32)
    request.session.clear()
    request.app.state.db.add_session(
        name, token_hash(token), SESSION_LIFETIME, client_address(request), request.headers.get("user-agent")
    )
    request.session[SESSION_TOKEN] = token


def end_session(request: Request) -> None:
    """Sign the browser out: its session ends in the store, so the cookie is worthless even if kept."""
    token = request.session.get(SESSION_TOKEN)
    if isinstance(token, str):
        request.app.state.db.end_session(token_hash(token))
    request.session.clear()


def session_account(request: Request) -> Any:
    """The store's ``User`` of the browser's session, or None: no session, or it has ended."""
    token = request.session.get(SESSION_TOKEN)
    if not isinstance(token, str):
        return None
    db = request.app.state.db
    found = db.session_user(token_hash(token))
    if found is None:  # signed out elsewhere, revoked, expired, or the account was removed
        request.session.clear()
        return None
    user, record = found
    if datetime.fromisoformat(record.last_seen_at) <= datetime.now(UTC) - SESSION_TOUCH_INTERVAL:
        db.touch_session(record.id)
    return user


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuses a state-changing request made with the session cookie but without its token."""
    principal: Principal = request.state.principal
    if principal.via_token:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        sent = (await request.form()).get(CSRF_FIELD)
    expected = request.session.get(SESSION_CSRF)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def principal_of(request: Request) -> Principal:
    return request.state.principal


def requirement(permission: str) -> Callable[[Request], Principal]:
    """A dependency that lets through only principals holding ``permission``."""

    def require(request: Request) -> Principal:
        principal: Principal = request.state.principal
        if principal.can(permission):
            return principal
        if not principal.signed_in:
            raise HTTPException(401, "sign in to see this", headers={"WWW-Authenticate": "Bearer"})
        raise HTTPException(403, f"your role ({principal.role}) may not do this")

    return require
