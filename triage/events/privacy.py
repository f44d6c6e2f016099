"""Privacy rules for anything stored: e-mail addresses and phone numbers redacted, descriptions opt-in."""

from __future__ import annotations

import dataclasses
import re

from triage.events.model import Event

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"
# Fields that may hold what a customer typed; everything else is an id, a number or our own label.
FREE_TEXT_FIELDS = ("query", "text", "article")

_EMAIL_RE = re.compile(
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+"  # local part, from its start only
    r"\s*(?:@|\(at\)|\[at\]|\{at\})\s*"  # "@", also written "(at)" or "[at]"
    r"[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)*\s*(?:\.|\(dot\)|\[dot\])\s*[^\W\d_]{2,}",
    re.IGNORECASE,
)
# A phone number starts with "+", "00" or a German trunk "0" (optionally in parentheses), then
# groups of digits split by spaces, hyphens or slashes; dots only after "+", so that dates such as
# 01.02.2024 stay. It counts only with 7 to 15 digits, which keeps versions, years and codes.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}(?:[ ./-]{0,3}\(0\))?(?:[ ./-]{0,3}\(?\d++\)?)+"
    r"|(?:00\d{1,3}|\(0\d{1,5}\)|0\d{1,5})(?:[ /-]{0,3}\(?\d++\)?)+"
    r")(?![\w])"
)
_DIGIT_RE = re.compile(r"\d")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15


def _phone_or_keep(match: re.Match[str]) -> str:
    digits = len(_DIGIT_RE.findall(match.group(0)))
    return PHONE_MARK if MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS else match.group(0)


def redact(text: str) -> str:
    """Replace e-mail addresses and phone numbers (German and international formats) with markers."""
    return _PHONE_RE.sub(_phone_or_keep, _EMAIL_RE.sub(EMAIL_MARK, text))


def scrub(event: Event, *, store_descriptions: bool = False) -> Event:
    """Return the event as it may be stored: free text redacted, the description dropped unless allowed."""
    changes: dict[str, str | None] = {}
    for name in FREE_TEXT_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str):
            changes[name] = redact(value)
    if "text" in changes and not store_descriptions:
        changes["text"] = None
    return dataclasses.replace(event, **changes) if changes else event
