"""Find the writer's own words in a mail text: drop quoted history, signatures and forward headers."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Am 03.03.25 um 10:12 schrieb Anna Müller:", "On Mon, 3 Mar 2025 at 10:12, Anna <a@b> wrote:"
# (mail programs wrap long ones, so a line and the next are tried together).
_ATTRIBUTION_RE = re.compile(r"^(?:am|on)\s.{3,250}?\s(?:schrieb|wrote|hat .{0,80}geschrieben)\b.{0,200}:$", re.I)
_FORWARD_SEPARATOR_RE = re.compile(
    r"^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|nachricht weitergeleitet)\s*-*"
    r"|(?:begin forwarded message|anfang der weitergeleiteten nachricht)\s*:)$",
    re.I,
)
_HISTORY_SEPARATOR_RE = re.compile(
    r"^-{2,}\s*(?:original message|original-nachricht|originalnachricht|urspr(?:ü|ue)ngliche nachricht)\s*-{2,}$"
    r"|^_{10,}$",
    re.I,
)
_HEADER_RE = re.compile(
    r"^\*?(von|from|gesendet|sent|datum|date|an|to|cc|bcc|betreff|subject|reply-to|antwort an)\*?\s*:", re.I
)
_SIGNATURE_DELIMITER_RE = re.compile(r"^--\s?$")
_CLOSING_WORDS = (
    r"(?:mit\s+)?(?:freundliche[nm]?|viele|beste|liebe|herzliche|sonnige|schöne)?\s*"
    r"(?:grüßen|grüße|gruß|grüssen|grüsse|gruss)|mfg|lg|vg"
    r"|(?:best|kind|warm|warmest)?\s*regards|best(?: wishes)?|cheers|sincerely|yours(?: sincerely| truly| faithfully)?"
    r"|thanks?(?: you)?(?: (?:so much|very much|in advance|a lot))?(?:,? and (?:best|kind) regards)?|many thanks"
    r"|(?:vielen |herzlichen |besten )?dank(?: im voraus| schon mal)?(?: und (?:viele|beste) grüße)?"
    r"|danke(?: schön| sehr| im voraus)?"
)
# A closing alone on its line, or followed by up to three words (a name: "Viele Grüße, Anna").
_CLOSING_RE = re.compile(rf"^(?:{_CLOSING_WORDS})(?:[\s,!.]+[^\W\d_][\w.'-]*){{0,3}}[\s,!.]*$", re.I)
_MOBILE_FOOTER_RE = re.compile(
    r"^(?:sent from my |sent from mail for |get outlook for |gesendet von |von meinem .{1,40} gesendet"
    r"|diese nachricht wurde von meinem .{1,60} gesendet)",
    re.I,
)
# A signature after a closing line starts with a name or company: a short line, not a sentence.
SIGNATURE_FIRST_LINE_WORDS = 6
SIGNATURE_MAX_LINES = 25


@dataclass(frozen=True)
class MailText:
    """The writer's own words and, for a forwarded mail, the forwarded message's own words."""

    own: str
    forwarded: str = ""


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution_at(lines: list[str], index: int) -> int:
    """Return how many lines (1 or 2) form a quote attribution at `index`, or 0."""
    line = lines[index].strip()
    if not re.match(r"^(?:am|on)\s", line, re.I):
        return 0
    if _ATTRIBUTION_RE.match(line):
        return 1
    if index + 1 < len(lines) and _ATTRIBUTION_RE.match(f"{line} {lines[index + 1].strip()}"):
        return 2
    return 0


def _header_block_at(lines: list[str], index: int) -> bool:
    """Whether an Outlook-style header block (Von:/Gesendet:/An:/Betreff:) starts at `index`."""
    match = _HEADER_RE.match(lines[index].strip())
    if not match or match.group(1).lower() not in ("von", "from"):
        return False
    following = [line.strip() for line in lines[index + 1 : index + 7]]
    return sum(1 for line in following if _HEADER_RE.match(line)) >= 2


def _next_content(lines: list[str], index: int) -> str:
    for line in lines[index:]:
        if line.strip():
            return line
    return ""


def _find_history(lines: list[str]) -> tuple[int, bool]:
    """Return where the quoted or forwarded history starts (len(lines) if none) and if it is a forward."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _quoted(line):
            continue
        if _FORWARD_SEPARATOR_RE.match(stripped):
            return index, True
        if _HISTORY_SEPARATOR_RE.match(stripped) or _header_block_at(lines, index):
            return index, False
        # An attribution followed by "> " lines is dropped with them; without them, history follows.
        size = _attribution_at(lines, index)
        if size and not _quoted(_next_content(lines, index + size)):
            return index, False
    return len(lines), False


def _drop_quotes(lines: list[str]) -> list[str]:
    """Drop "> " lines and the attribution lines that introduce them."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        size = _attribution_at(lines, index)
        if size and _quoted(_next_content(lines, index + size)):
            index += size
            continue
        if not _quoted(lines[index]):
            kept.append(lines[index])
        index += 1
    return kept


def _looks_like_signature(block: list[str]) -> bool:
    """Whether the lines after a closing are a name/company block rather than more message."""
    content = [line.strip() for line in block if line.strip()]
    if not content:
        return True
    first = content[0]
    words = len(first.split())
    sentence = first.endswith(("?", ":")) or (first.endswith((".", "!")) and words > 3)
    return words <= SIGNATURE_FIRST_LINE_WORDS and not sentence and len(content) <= SIGNATURE_MAX_LINES


def _drop_signature(lines: list[str]) -> list[str]:
    """Cut at the "-- " delimiter or at a closing ("Viele Grüße", "Thanks") followed by a short block."""
    for index, line in enumerate(lines):
        if _SIGNATURE_DELIMITER_RE.match(line.rstrip("\n")):
            lines = lines[:index]
            break
    for index, line in enumerate(lines):
        if index and _CLOSING_RE.match(line.strip()) and _looks_like_signature(lines[index + 1 :]):
            return lines[:index]
    return lines


def _tidy(lines: list[str]) -> str:
    kept = [line.rstrip() for line in lines if not _MOBILE_FOOTER_RE.match(line.strip())]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _skip_forward_headers(lines: list[str]) -> list[str]:
    """Drop the From:/Date:/Subject:/To: block that opens a forwarded message."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index < len(lines) and _HEADER_RE.match(lines[index].strip()):
        while index < len(lines) and lines[index].strip():
            index += 1
    return lines[index:]


def _unquote(lines: list[str]) -> list[str]:
    """Remove one level of "> " when a forwarded message was quoted as a whole."""
    content = [line for line in lines if line.strip()]
    if content and all(_quoted(line) for line in content):
        return [re.sub(r"^\s*> ?", "", line) for line in lines]
    return lines


def split_mail_text(text: str, *, forward: bool = False) -> MailText:
    """Split a mail text into the writer's own words and, for a forward, the forwarded message's words.

    `forward` says the subject marks a forward ("Fwd:", "WG:"), so that an "-----Original Message-----"
    block is read as the forwarded message rather than as history.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    cut, is_forward = _find_history(lines)
    own = _tidy(_drop_signature(_drop_quotes(lines[:cut])))
    forwarded = ""
    if cut < len(lines) and (is_forward or forward):
        start = cut + 1 if not _HEADER_RE.match(lines[cut].strip()) else cut
        rest = _unquote(_skip_forward_headers(lines[start:]))
        forwarded = split_mail_text("\n".join(rest)).own
    return MailText(own, forwarded)
