"""E-mail auto-replies: read a customer's message, guard against loops, write and send the reply."""

from __future__ import annotations

from triage.mail.compose import ReplyTemplateError, ReplyText, compose_reply
from triage.mail.guard import OWN_REPLY_HEADER, should_not_reply
from triage.mail.message import build_reply_message, reply_recipients
from triage.mail.parse import (
    CustomerText,
    MailInputError,
    customer_name,
    customer_text,
    parse_message,
)
from triage.mail.send import SendError, send_message

__all__ = [
    "OWN_REPLY_HEADER",
    "CustomerText",
    "MailInputError",
    "ReplyTemplateError",
    "ReplyText",
    "SendError",
    "build_reply_message",
    "compose_reply",
    "customer_name",
    "customer_text",
    "parse_message",
    "reply_recipients",
    "send_message",
    "should_not_reply",
]
