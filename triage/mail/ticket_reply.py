"""A helpdesk's new ticket in, the triage object and a ready-to-post reply out (the webhook's use case).

With LEVEL0_ZAMMAD_URL and LEVEL0_ZAMMAD_TOKEN set, the reply is also posted to the Zammad ticket as
an internal note (Zammad does not read a webhook's answer).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from triage.mail.compose import compose_reply

if TYPE_CHECKING:
    from triage.answer.service import Triager
    from triage.contracts.service import ContractDesk
    from triage.settings import Settings

log = logging.getLogger(__name__)


def reply_to_ticket(
    triager: Triager,
    contracts: ContractDesk,
    settings: Settings,
    *,
    ticket_id: str | int,
    body: str,
    subject: str = "",
    customer_email: str | None = None,
    customer_name: str | None = None,
    language: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """Triage the ticket, add the contract its customer's address names, write the reply; post it as a note."""
    answer = triager.triage(body, subject=subject, language=language, version=version)
    # The helpdesk knows its customer: a contract that lists the address (or its @domain) is used.
    contracts.attach(answer, contracts.customer_from_email(customer_email))
    reply = compose_reply(
        answer,
        language=answer["language"],
        base_url=settings.site_url,
        customer_name=customer_name,
        subject=subject,
        ticket_url=settings.ticket_url,
        templates_dir=settings.reply_templates,
    )
    note = post_zammad_note(settings, ticket_id, reply.html) if settings.zammad_url else None
    return {
        "ticket_id": ticket_id,
        "triage": answer,
        "reply": {"language": answer["language"], "plain": reply.plain, "html": reply.html},
        "note_posted": note,
    }


def post_zammad_note(settings: Settings, ticket_id: str | int, html: str) -> bool:
    """Add the reply to a Zammad ticket as an internal note; False (logged) when Zammad refuses."""
    data = json.dumps(
        {"ticket_id": ticket_id, "body": html, "content_type": "text/html", "type": "note", "internal": True}
    ).encode("utf-8")
    req = urllib.request.Request(
        (settings.zammad_url or "").rstrip("/") + "/api/v1/ticket_articles",
        data=data,
        headers={"Content-Type": "application/json", "Authorization": f"Token token={settings.zammad_token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        log.warning("could not post the note to Zammad ticket %s: %s", ticket_id, exc)
        return False
