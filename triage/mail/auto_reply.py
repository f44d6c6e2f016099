"""The first automatic reply to a customer's e-mail: read it, triage it, add the contract, write the reply."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage.mail.compose import compose_reply
from triage.mail.guard import should_not_reply
from triage.mail.message import build_reply_message, reply_recipients
from triage.mail.parse import MailInputError, customer_name, customer_text, header_addresses, parse_message

if TYPE_CHECKING:
    from triage.settings import Settings

MAX_SUBJECT_CHARS = 1_000


def auto_reply(
    data: bytes, settings: Settings, *, base_url: str, version: str | None = None, templates: Path | None = None
) -> tuple[EmailMessage | None, str | None]:
    """Return (reply message, None) for raw message bytes, or (None, reason) when it must not be answered."""
    from triage.answer.service import MAX_DESCRIPTION_CHARS, TriageInputError, Triager

    original = parse_message(data)
    reason = should_not_reply(original, own_address=settings.mail_from)
    if reason:
        return None, reason
    text = customer_text(original)
    # A long mail (a pasted log) still gets its reply: triage reads the start, as for the articles.
    subject = text.subject[:MAX_SUBJECT_CHARS]
    body = text.body[: MAX_DESCRIPTION_CHARS - len(subject) - 1]
    triager = Triager.from_settings(settings)
    try:
        answer = triager.triage(body, subject=subject, version=version)
        attach_contract(answer, original, settings, triager.policy)
    except TriageInputError as exc:
        raise MailInputError(f"cannot triage the message: {exc}") from None
    finally:
        triager.close()
    reply_text = compose_reply(
        answer,
        language=answer["language"],
        base_url=base_url,
        customer_name=customer_name(original),
        subject=subject,
        ticket_url=settings.ticket_url,
        templates_dir=templates,
    )
    return build_reply_message(original, reply_text, sender=settings.mail_from, language=answer["language"]), None


def attach_contract(answer: dict[str, Any], original: EmailMessage, settings: Settings, policy: Any) -> None:
    """Add the sender's contract to the answer, if the reply goes only to addresses of that same contract.

    A forged From with a Reply-To elsewhere must not send a customer's contract data to a stranger.
    """
    from triage.contracts.service import ContractDesk

    if not policy.plans:
        return
    desk = ContractDesk.from_settings(settings, policy)
    try:
        sender = next((address for _, address in header_addresses(original, "From") if address), "")
        customer = desk.customer_from_email(sender)
        if customer is None:
            return
        try:
            recipients = [address.addr_spec for address in reply_recipients(original)]
        except MailInputError:
            return
        if all(desk.customer_from_email(address) == customer for address in recipients):
            desk.attach(answer, customer)
    finally:
        desk.close()
