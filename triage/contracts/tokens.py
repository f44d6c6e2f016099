"""Signed customer tokens: `<customer_id>.<hex HMAC-SHA256 of the customer id>` with LEVEL0_CUSTOMER_SECRET.

The vendor's portal (or the link in an auto-reply) carries the token, so the problem page can say
what the customer's contract means. A bare customer id, a forged or a truncated signature all look
the same to the caller: no customer.
"""

from __future__ import annotations

import hashlib
import hmac
import re

CUSTOMER_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}"
_CUSTOMER_ID_RE = re.compile(CUSTOMER_ID_PATTERN)
_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")
MAX_TOKEN_CHARS = 200


def signature(customer_id: str, secret: str) -> str:
    """Return the hex HMAC-SHA256 of a customer id with the secret."""
    return hmac.new(secret.encode("utf-8"), customer_id.encode("utf-8"), hashlib.sha256).hexdigest()


def customer_token(customer_id: str, secret: str) -> str:
    """Return the token for a customer id: the id, a dot, and its signature."""
    if not _CUSTOMER_ID_RE.fullmatch(customer_id):
        raise ValueError(f"customer id {customer_id!r}: letters, digits and _.:- only, at most 64")
    if not secret:
        raise ValueError("no customer secret configured (LEVEL0_CUSTOMER_SECRET)")
    return f"{customer_id}.{signature(customer_id, secret)}"


def customer_from_token(token: str | None, secret: str | None) -> str | None:
    """Return the customer id a token was signed for, or None (no secret, malformed, forged)."""
    if not token or not secret or len(token) > MAX_TOKEN_CHARS:
        return None
    customer_id, dot, given = token.strip().rpartition(".")
    if not dot or not _CUSTOMER_ID_RE.fullmatch(customer_id) or not _SIGNATURE_RE.fullmatch(given.lower()):
        return None
    # Constant time: how much of a forged signature was right does not show in the timing.
    if not hmac.compare_digest(signature(customer_id, secret), given.lower()):
        return None
    return customer_id
