"""The loop guard: mail that must never get an auto-reply (RFC 3834), and why."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import getaddresses

from triage.mail.parse import header_addresses, header_text

# The header every reply of ours carries, so that we never answer ourselves.
OWN_REPLY_HEADER = "X-Level0-Reply"
_LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post", "List-Help", "Mailing-List", "X-Mailing-List")
_AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-AutoReply-From", "X-Mail-Autoreply")
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply"})
# Exchange marks its own automatic mail with these values of X-Auto-Response-Suppress.
_SUPPRESS_VALUES = frozenset({"all", "autoreply", "oof"})
_ROBOT_LOCAL_RE = re.compile(
    r"^(?:mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|mail-daemon)(?:[-+.].*)?$", re.I
)


def _addresses(message: EmailMessage, *names: str) -> list[str]:
    pairs = [pair for name in names if name in message for pair in header_addresses(message, name)]
    return [address.lower() for _, address in pairs if address]


def should_not_reply(message: EmailMessage, *, own_address: str | None = None) -> str | None:
    """Return why this message must not get an auto-reply, or None when a reply is fine.

    `own_address` is our sender address (Settings.mail_from): mail from it is never answered.
    """
    if OWN_REPLY_HEADER in message:
        return f"it is a Level0 auto-reply ({OWN_REPLY_HEADER})"
    own = (getaddresses([own_address])[0][1] if own_address else "").lower()
    if own and own in _addresses(message, "From", "Sender", "Reply-To"):
        return f"it comes from our own address {own}"
    auto_submitted = header_text(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"it is automatic mail (Auto-Submitted: {auto_submitted})"
    for name in _AUTOREPLY_HEADERS:
        if name in message:
            return f"it is an automatic reply ({name})"
    suppress = {v.strip().lower() for v in header_text(message, "X-Auto-Response-Suppress").split(",")}
    if suppress & _SUPPRESS_VALUES:
        return "the sender asks for no automatic replies (X-Auto-Response-Suppress)"
    precedence = header_text(message, "Precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"it is bulk mail (Precedence: {precedence})"
    for name in _LIST_HEADERS:
        if name in message:
            return f"it comes from a mailing list ({name})"
    if "Return-Path" in message and not header_text(message, "Return-Path").strip("<> "):
        return "it has an empty return path (Return-Path: <>), like a bounce"
    for address in _addresses(message, "From", "Sender", "Reply-To", "Return-Path"):
        if _ROBOT_LOCAL_RE.match(address.partition("@")[0]):
            return f"the sender {address} does not read replies"
    if message.get_content_type() == "multipart/report":
        return "it is a delivery or read report (multipart/report)"
    return None
