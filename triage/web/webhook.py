"""Helpdesk webhook: a new ticket in, the triage object and a ready-to-post reply out.

Signed like GitHub's webhooks: an HMAC of the raw body with the shared secret
(LEVEL0_WEBHOOK_SECRET), in `X-Hub-Signature-256: sha256=<hex>` (or `X-Level0-Signature`), or in
`X-Hub-Signature: sha1=<hex>` as Zammad sends it. The use case is triage.mail.ticket_reply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Literal

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from triage.mail.ticket_reply import reply_to_ticket
from triage.web.errors import ApiError

bp = Blueprint("webhook", __name__)

_ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
_HEADERS = ("X-Hub-Signature-256", "X-Level0-Signature", "X-Hub-Signature")


class TicketHook(BaseModel):
    """The generic ticket payload (helpdesks send more fields; they are ignored)."""

    model_config = ConfigDict(extra="ignore")

    ticket_id: str | int = Field(description="The helpdesk's ticket id or number")
    subject: str = Field(default="", max_length=500)
    body: str = Field(min_length=1, max_length=32_000)
    customer_email: str | None = Field(default=None, max_length=320)
    customer_name: str | None = Field(default=None, max_length=200)
    language: Literal["de", "en"] | None = None
    version: str | None = Field(default=None, max_length=40)


def signature_valid(body: bytes, secret: str, headers: Any) -> bool:
    """Check the body's HMAC signature from the first signature header present (constant time)."""
    for name in _HEADERS:
        value = headers.get(name)
        if not value:
            continue
        algorithm, _, digest = value.partition("=")
        hash_function = _ALGORITHMS.get(algorithm.strip().lower())
        if hash_function is None:
            return False
        expected = hmac.new(secret.encode("utf-8"), body, hash_function).hexdigest()
        return hmac.compare_digest(expected, digest.strip().lower())
    return False


@bp.post("/api/webhook/ticket")
def ticket() -> Response:
    settings = current_app.extensions["level0"].settings
    body = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH, before anything else
    if not settings.webhook_secret:
        raise ApiError(401, "the webhook is not configured (LEVEL0_WEBHOOK_SECRET)")
    if not signature_valid(body, settings.webhook_secret, request.headers):
        raise ApiError(401, "missing or wrong signature (X-Hub-Signature-256: sha256=<HMAC of the body>)")
    if request.mimetype != "application/json":
        raise ApiError(415, "send the ticket as JSON with Content-Type: application/json")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, "the request body is not valid JSON (UTF-8)", "invalid_json") from None
    if not isinstance(payload, dict):
        raise ApiError(422, "body: the JSON body must be an object")
    hook = TicketHook.model_validate(payload)
    level0 = current_app.extensions["level0"]
    return jsonify(reply_to_ticket(level0.triager, level0.contracts, settings, **hook.model_dump()))
