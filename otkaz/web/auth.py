"""Accounts, roles, sessions, API tokens, CSRF and login throttling.

Roles, from least to most trusted: the public (no login), viewer, analyst, admin.
Passwords are hashed with argon2; API tokens are random and stored as their
SHA-256 (they carry 256 bits of entropy, so a slow hash adds nothing and a fast
one lets the store find the account by it). Browsers authenticate with a signed
session cookie and must send the session's CSRF token with every form; scripts
send ``Authorization: Bearer <token>`` and need no CSRF token (no cookie is used).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request

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
SESSION_USER = "user"
SESSION_CSRF = "csrf"

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
    """Refuses logins for a key (an account name, a client address) after repeated failures.

    After ``max_failures`` failures within ``window`` seconds, the key is refused until the
    oldest of them is ``window`` seconds old. A success clears the key.
    """

    def __init__(
        self, max_failures: int = 5, window: float = 900.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str) -> list[float]:
        horizon = self._clock() - self.window
        recent = [t for t in self._failures.get(key, []) if t > horizon]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def blocked(self, key: str) -> bool:
        return len(self._recent(key)) >= self.max_failures

    def failed(self, key: str) -> None:
        self._failures.setdefault(key, []).append(self._clock())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


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
