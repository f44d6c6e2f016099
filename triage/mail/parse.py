"""Read an RFC 5322 message and find what the customer wrote: subject and own words, decoded."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from kb_search.errors import Level0Error
from triage.mail.html_text import html_to_text
from triage.mail.quotes import split_mail_text

# Mail servers accept far bigger messages, but the text we triage is at most a few pages.
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
# Mail programs label windows-1252 text as iso-8859-1 (or not at all); browsers read it as windows-1252 too.
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "cp819", "iso_8859-1"})
_SINGLE_BYTE_CODECS = frozenset({"cp1252", "iso8859-1", "iso8859-15", "iso8859-2", "cp1250"})
_UNLABELED = frozenset({"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default"})
_REPLY_PREFIX_RE = re.compile(r"^\s*(?:(?:re|aw|antw|antwort|sv|vs)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.I)
_ANY_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|aw|antw|antwort|sv|vs|fwd?|wg|wtrlt|tr|fw)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.I
)
_FORWARD_SUBJECT_RE = re.compile(r"^\s*(?:(?:re|aw)\s*:\s*)*(?:fwd?|wg|wtrlt|tr)\s*:", re.I)


class MailInputError(Level0Error, ValueError):
    """The input is not an e-mail message we can read or answer (empty, binary, no headers, no sender)."""

    code = "bad_mail"
    status = 422


@dataclass(frozen=True)
class CustomerText:
    """What the customer wrote: the subject without Re:/Fwd: and the text to triage."""

    subject: str
    body: str
    own_words: str
    forwarded: str = ""


def parse_message(data: bytes) -> EmailMessage:
    """Parse raw message bytes; raise MailInputError for empty, binary or header-less input."""
    if not data.strip():
        raise MailInputError("input is empty: expected an e-mail message")
    if len(data) > MAX_MESSAGE_BYTES:
        raise MailInputError(f"message too large: {len(data)} bytes (at most {MAX_MESSAGE_BYTES})")
    if b"\x00" in data:
        raise MailInputError("input contains NUL bytes: expected an e-mail message, not binary data")
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not message.keys():
        raise MailInputError("input is not an e-mail message: it has no headers")
    if "From" not in message and "Reply-To" not in message:
        raise MailInputError("input is not an e-mail message: it has no From header")
    return message  # type: ignore[return-value]  # policy.default makes EmailMessage objects


def header_text(message: EmailMessage, name: str) -> str:
    """Return a header's decoded value, or "" when it is missing or cannot be parsed."""
    try:
        value = message.get(name)
    except (HeaderParseError, IndexError, ValueError, TypeError, AttributeError):
        # The stdlib's structured header parser trips over some malformed address lists; the raw
        # value (still readable by parseaddr) is better than no sender at all.
        value = next((raw for key, raw in message.raw_items() if key.lower() == name.lower()), None)
    text = "" if value is None else str(value)
    if any("\udc80" <= char <= "\udcff" for char in text):
        # Raw 8-bit bytes in a header (no encoded words): read them like an unlabeled body.
        text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    return " ".join(text.split())


def header_addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """Return an address header's (display name, address) pairs, "" for a part without an address.

    RFC 2047 forbids it, but some mailers put the whole `Name <address>` into one encoded word
    (`=?utf-8?q?Max_M=C3=BCller_=3Cmax=40example=2Ecom=3E?=`); decoded, it reads as a display name
    with no address. Such a part is parsed once more, and kept when it holds exactly one address.
    """
    pairs = []
    for display, address in getaddresses([header_text(message, name)]):
        if "@" in address and "<" in address:  # the decoded encoded word: "Max Müller <max@…>"
            inner = [(d, a) for d, a in getaddresses([address]) if "@" in a]
            display, address = inner[0] if len(inner) == 1 else (display, "")
        pairs.append((display, address))
    return pairs


def customer_name(message: EmailMessage) -> str | None:
    """Return the sender's display name for the greeting ("Müller, Anna" → "Anna Müller"), if any."""
    for name in ("From", "Reply-To"):
        pairs = header_addresses(message, name)
        display = (pairs[0][0] if pairs else "").strip().strip("\"'")
        if not display or "@" in display or any(char.isdigit() for char in display):
            continue
        last, comma, first = display.partition(",")
        if comma and first.strip() and len(display.split()) <= 4:
            display = f"{first.strip()} {last.strip()}"
        return display
    return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text in its declared charset, falling back to UTF-8 and windows-1252 when it lies."""
    label = (charset or "").strip().strip("\"'").lower()
    if label in _UNLABELED:
        candidates = ["utf-8", "cp1252"]
    elif label in _LATIN1_LABELS:
        candidates = ["cp1252"]
    else:
        candidates = [label, "utf-8", "cp1252"]
    if _is_single_byte(candidates[0]) and not data.isascii():
        # Valid multi-byte UTF-8 is almost never real Latin-1 text: the label is wrong.
        candidates.insert(0, "utf-8")
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")  # never fails: every byte is a character


def _is_single_byte(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name in _SINGLE_BYTE_CODECS
    except LookupError:
        return False


def part_text(part: EmailMessage) -> str:
    """Return a text part's content as str, HTML converted to plain text."""
    payload = part.get_payload(decode=True)
    text = decode_bytes(payload if isinstance(payload, bytes) else b"", part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return text


def body_text(message: EmailMessage) -> str:
    """Return the best body text: text/plain, else HTML as text; "" when there is none."""
    for preference in ("plain", "html"):
        part = message.get_body(preferencelist=(preference,))
        if part is not None:
            text = part_text(part)  # type: ignore[arg-type]
            if text.strip():
                return text
    return ""


def _attached_messages(message: EmailMessage) -> list[EmailMessage]:
    """Messages forwarded as attachments (message/rfc822)."""
    if not message.is_multipart():
        return []
    found = []
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_content()
            if isinstance(inner, EmailMessage):
                found.append(inner)
    return found


def clean_subject(subject: str) -> str:
    """Return the subject without Re:/AW:/Fwd:/WG: prefixes."""
    return _ANY_PREFIX_RE.sub("", subject).strip()


def reply_subject(subject: str) -> str:
    """Return "Re: <subject>" without stacking Re:/AW: prefixes."""
    rest = _REPLY_PREFIX_RE.sub("", subject).strip()
    return f"Re: {rest}" if rest else "Re:"


def customer_text(message: EmailMessage) -> CustomerText:
    """Return the subject and the text to triage: the writer's own words, else what they forwarded."""
    subject = header_text(message, "Subject")
    forward = bool(_FORWARD_SUBJECT_RE.match(subject))
    split = split_mail_text(body_text(message), forward=forward)
    forwarded = split.forwarded
    if not forwarded:
        for inner in _attached_messages(message):
            forwarded = split_mail_text(body_text(inner)).own
            subject = subject if clean_subject(subject) else header_text(inner, "Subject")
            if forwarded:
                break
    return CustomerText(
        subject=_printable(clean_subject(subject)),
        body=_printable(split.own or forwarded),
        own_words=split.own,
        forwarded=forwarded,
    )


def _printable(text: str) -> str:
    """Drop NUL characters and lone surrogates, which the triage model and language detector refuse."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
