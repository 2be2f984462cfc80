"""How secrets are made and kept: argon2 for passwords, SHA-256 for random tokens.

A password is chosen by people and may be weak, so it is stored as a slow, salted
argon2id hash. Bearer tokens and session ids are 256 random bits: a fast SHA-256
of them cannot be reversed, and lets the database find one by an index.

Examples
--------
>>> len(digest("wg_example")), digest("wg_example") == digest("wg_example")
(64, True)
>>> len(new_password()) >= 16
True
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gis.errors import InvalidInput

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; a bound keeps one sign-in cheap to refuse


@cache
def hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters (RFC 9106, low-memory)."""
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The argon2 hash of a password the rules accept; InvalidInput says which rule failed."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")
    return hasher().hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash (an unknown user)
    a dummy is checked instead, so both answers take about as long."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with older parameters than today's."""
    return hasher().check_needs_rehash(stored)


def new_password() -> str:
    """A generated password (96 random bits), shown once to whoever created it."""
    return secrets.token_urlsafe(12)


def new_token(prefix: str = "") -> str:
    """A bearer token or session id: 256 random bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 (hex) stored in place of a token or session id."""
    return hashlib.sha256(secret.encode()).hexdigest()
