"""API key secrets: random, shown once, stored only as a salted SHA-256.

A secret is ``<key_id>.<43 random url-safe characters>`` (256 bits), so a lookup needs
one row and one hash; with that much entropy a fast salted hash is enough (a slow KDF
protects guessable passwords, which these are not).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32
SALT_BYTES = 16


def new_key_id() -> str:
    return f"bw{secrets.token_hex(6)}"


def new_secret(key_id: str) -> str:
    return f"{key_id}.{secrets.token_urlsafe(SECRET_BYTES)}"


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def key_id_of(secret: str) -> str | None:
    """The key id a secret names (None when it is not shaped like one)."""
    key_id, dot, rest = secret.partition(".")
    return key_id if dot and key_id and rest else None


def secret_hash(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def secret_matches(salt: str, stored_hash: str, secret: str) -> bool:
    """Constant-time comparison of ``secret`` against the stored hash."""
    return hmac.compare_digest(secret_hash(salt, secret), stored_hash)
