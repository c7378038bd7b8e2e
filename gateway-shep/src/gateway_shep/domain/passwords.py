"""Password hashes of information systems: scrypt with a per-entry random salt.

Stored form: ``scrypt$<n>$<r>$<p>$<salt_b64>$<hash_b64>`` (standard base64, padded). The registry file
holds only such hashes; :func:`make_password_hash` makes one (``uv run python -m
gateway_shep.adapters.registry_file hash-password`` prints one for a password read from stdin).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
DEFAULT_N = 2**14
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32

# Bounds accepted when reading a hash, so a hostile file cannot make verification arbitrarily costly.
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16


class InvalidPasswordHash(ValueError):
    """The text is not a well-formed ``scrypt$n$r$p$salt$hash`` string."""


@dataclass(frozen=True)
class PasswordHash:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    def encode(self) -> str:
        salt = base64.b64encode(self.salt).decode("ascii")
        key = base64.b64encode(self.key).decode("ascii")
        return f"{SCHEME}${self.n}${self.r}${self.p}${salt}${key}"


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # scrypt needs about 128 * n * r * p bytes; allow that plus headroom (OpenSSL's default is 32 MiB).
    maxmem = 128 * n * r * p * 2 + 2**20
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length)


def make_password_hash(
    password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P, salt: bytes | None = None
) -> str:
    """Hash ``password`` with a fresh random salt (or ``salt`` when given) into the stored form."""
    if not password:
        raise ValueError("an empty password cannot be hashed")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    return PasswordHash(n, r, p, salt, _derive(password, salt, n, r, p, KEY_BYTES)).encode()


def parse_password_hash(text: str) -> PasswordHash:
    """Parse and bound-check a stored hash; raise :class:`InvalidPasswordHash` with the reason."""
    parts = text.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise InvalidPasswordHash("expected 'scrypt$<n>$<r>$<p>$<salt_b64>$<hash_b64>'")
    try:
        n, r, p = (int(x) for x in parts[1:4])
    except ValueError as exc:
        raise InvalidPasswordHash("n, r and p must be integers") from exc
    if n < 2 or n > _MAX_N or n & (n - 1):
        raise InvalidPasswordHash(f"n must be a power of two between 2 and {_MAX_N}")
    if not 1 <= r <= _MAX_R or not 1 <= p <= _MAX_P:
        raise InvalidPasswordHash(f"r must be 1..{_MAX_R} and p 1..{_MAX_P}")
    try:
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidPasswordHash("salt and hash must be standard base64") from exc
    if len(salt) < 8 or len(key) < 16:
        raise InvalidPasswordHash("salt must be at least 8 bytes and hash at least 16 bytes")
    return PasswordHash(n, r, p, salt, key)


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash (constant-time comparison of the keys)."""
    try:
        parsed = parse_password_hash(stored)
    except InvalidPasswordHash:
        return False
    candidate = _derive(password, parsed.salt, parsed.n, parsed.r, parsed.p, len(parsed.key))
    return hmac.compare_digest(candidate, parsed.key)


def dev_password(system_id: str) -> str:
    """The development default password of a system: ``<senderId lowercased>-dev-secret``."""
    return f"{system_id.lower()}-dev-secret"
