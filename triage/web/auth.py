"""Agent tokens: who may see internal articles and send corrections."""

from __future__ import annotations

import hmac
from collections.abc import Iterable


def bearer_token(header: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def token_valid(token: str | None, tokens: Iterable[str]) -> bool:
    """Compare a token with every configured one in constant time (no early exit on a match)."""
    if not token:
        return False
    given = token.encode("utf-8")
    matches = [hmac.compare_digest(given, known.encode("utf-8")) for known in tokens]
    return any(matches)
