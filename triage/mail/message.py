"""Wrap a reply text into a complete reply message: threading headers, loop markers, both parts."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, getaddresses, make_msgid

from triage.mail.compose import ReplyText
from triage.mail.guard import OWN_REPLY_HEADER
from triage.mail.parse import MailInputError, header_addresses, header_text, reply_subject

MAX_REFERENCES = 20


def _message_ids(value: str) -> list[str]:
    """Return the <…> message ids in a header value, in order."""
    ids, rest = [], value
    while "<" in rest:
        start = rest.index("<")
        end = rest.find(">", start)
        if end < 0:
            break
        ids.append(rest[start : end + 1])
        rest = rest[end + 1 :]
    return ids


def reply_recipients(original: EmailMessage) -> list[Address]:
    """Return whom to answer: the Reply-To addresses, else the From address."""
    for name in ("Reply-To", "From"):
        # Rebuilt from parsed pairs: the customer's header may be malformed in ways the stdlib's
        # structured header parser cannot store. Non-ASCII addresses would need SMTPUTF8: skipped.
        pairs = header_addresses(original, name)
        usable = [
            Address(display, *address.rsplit("@", 1))
            for display, address in pairs
            if "@" in address and address.isascii()
        ]
        if usable:
            return usable
    raise MailInputError("the message has no address to reply to (no Reply-To or From address)")


def build_reply_message(
    original: EmailMessage,
    reply_text: ReplyText,
    *,
    sender: str,
    language: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """Return the reply to `original`: Re: subject, In-Reply-To/References, Auto-Submitted, plain + HTML."""
    reply = EmailMessage(policy=default_policy)
    reply["From"] = sender
    reply["To"] = reply_recipients(original)
    reply["Subject"] = reply_subject(header_text(original, "Subject"))
    reply["Date"] = format_datetime(now or datetime.now(UTC))
    domain = getaddresses([sender])[0][1].rpartition("@")[2] or None
    reply["Message-ID"] = make_msgid(domain=domain)
    original_id = _message_ids(header_text(original, "Message-ID"))
    references = _message_ids(header_text(original, "References"))
    if not references:
        # RFC 5322 3.6.4: without References, a single In-Reply-To id stands for the thread.
        in_reply_to = _message_ids(header_text(original, "In-Reply-To"))
        references = in_reply_to if len(in_reply_to) == 1 else []
    if original_id:
        reply["In-Reply-To"] = original_id[0]
        references = [*references, original_id[0]]
    if len(references) > MAX_REFERENCES:
        # RFC 5322 3.6.4 allows trimming a long thread: keep where it began and where it is now.
        references = [references[0], *references[-(MAX_REFERENCES - 1) :]]
    if references:
        reply["References"] = " ".join(references)
    # RFC 3834: mark the reply as automatic; Exchange honours X-Auto-Response-Suppress.
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Auto-Response-Suppress"] = "All"
    reply[OWN_REPLY_HEADER] = "1"
    reply.set_content(reply_text.plain, charset="utf-8", cte="quoted-printable")
    reply.add_alternative(reply_text.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if language:
        # After the parts: set_content() and add_alternative() move Content-* headers around.
        reply["Content-Language"] = language
    return reply
