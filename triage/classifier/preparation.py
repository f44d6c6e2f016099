"""Prepare a customer's text for the model: keep what describes the problem, drop what does not.

Quoted mail history, greetings, closings and signatures, pasted system-information tables and
ticket-template headings, log lines and stack frames say little about *whose* problem it is, yet
they are long and alike across classes: a stack trace is read as "bug" whatever the question.
The same preparation runs when fitting and when predicting. It only removes lines or the start of
a line, so what remains is the customer's own spelling (the evidence is looked up in it).
"""

from __future__ import annotations

import html
import re

# Keep at most this many exception or error lines from logs, traces and code blocks.
KEPT_ERROR_LINES = 2
# A closing ("Viele Grüße") is cut with what follows only if at most this many lines follow.
SIGNATURE_LINES = 8
# A run of at least this many "key: value" lines is a pasted form or system-information table.
TABLE_RUN = 3

_TAG = re.compile(r"<\s*(br|/p|/div|/li|/tr|p|div|li|tr)\b[^>]*>|<[^>]{1,200}>", re.IGNORECASE)
_QUOTE_START = re.compile(
    r"^\s*(-{2,}\s*(original message|ursprüngliche nachricht|weitergeleitete nachricht|forwarded message)"
    r"|(am|on)\s.{4,200}\s(schrieb|wrote)\b.{0,80}:?\s*$"
    r"|_{10,}\s*$)",
    re.IGNORECASE,
)
_HEADER = re.compile(r"^\s*(von|from|gesendet|sent|an|to|betreff|subject|datum|date|cc)\s*:", re.IGNORECASE)
_GREETING = re.compile(
    r"^\s*(hallo|hello|hi|hey|dear|liebe[rs]?|sehr geehrte[rs]?|guten (tag|morgen|abend)|moin|servus"
    r"|grüß gott|gruess gott|good (morning|afternoon|evening)|greetings|hallo zusammen|hi there)"
    r"\b(\s+[\w.-]+){0,3}\s*([,.!:]\s*|$)",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\s*((mit )?(freundlichen|besten|herzlichen|vielen|lieben|viele|beste|liebe|schöne[n]?|sonnige)"
    r"\s+(grüßen|grüssen|gruessen|grüße|grüsse|gruesse|gruß|gruss|dank)"
    r"|mfg|lg|vg|gruß|gruss|grüße|grüsse|ciao|tschüss|danke( schön| sehr| euch| ihnen)?|besten dank"
    r"|thanks?( a lot| you)?|many thanks|thank you( very much)?|cheers|regards|best( regards| wishes)?"
    r"|kind regards|warm regards|sincerely|yours( sincerely| truly)?)\b"
    # Then nothing, a name, or "… für Ihre Hilfe" / "… in advance".
    r"([\s,.!:;)-]*|[\s,]+(?-i:[A-ZÄÖÜ])[\w.-]*(\s+(?-i:[A-ZÄÖÜ])[\w.-]*){0,2}[\s,.!]*"
    r"|\s+(für|fuer|for|im voraus|in advance|vorab|schon mal|vorweg)\b[^\n]{0,60})$",
    re.IGNORECASE,
)
_SIGNATURE_DASHES = re.compile(r"^--\s*$")
_TEMPLATE_HEADING = re.compile(
    r"^\s*(#{1,6}\s.*|\*\*[^*]{1,80}\*\*:?\s*|__[^_]{1,80}__:?\s*"
    r"|(describe the bug|bug description|to reproduce|steps to reproduce|expected (behaviou?r|result)"
    r"|actual (behaviou?r|result)|current behaviou?r|additional (context|information)|screenshots?"
    r"|environment|system ?information|systeminformationen|version information|versionsinformationen"
    r"|desktop|smartphone|logs?|stack ?trace|relevant log output|feature request|is your feature request"
    r".*|describe the solution.*|describe alternatives.*|checklist|fehlerbeschreibung|schritte zum reproduzieren"
    r"|erwartetes verhalten|tatsächliches verhalten|umgebung)\s*:?\s*)$",
    re.IGNORECASE,
)
_CHECKBOX = re.compile(r"^\s*[-*]\s*\[[ xX]\]\s")
_KEY_VALUE = re.compile(r"^\s*[-*•]?\s*[A-Za-zÄÖÜäöüß][\w ./()#-]{0,40}\s*[:=]\s*\S.{0,120}$")
# Rows of a form that describe the problem itself, kept even inside a pasted table.
_CONTENT_KEY = re.compile(
    r"^\s*[-*•]?\s*(fehler\w*|error|problem|beschreibung|description|message|meldung|fehlermeldung"
    r"|summary|zusammenfassung|betreff|subject|issue|symptom|frage|question|anliegen|titel|title)\s*[:=]",
    re.IGNORECASE,
)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^\s*[|:+\- ]{3,}$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_FRAME = re.compile(
    r"^\s*(at\s+[\w$.<>`\[\]/-]+[\s(].*|at\s+\S+:\d+(:\d+)?\)?|File \".+\", line \d+.*|\.\.\. \d+ more"
    r"|in\s+\S+:line \d+|#\d+\s+(0x[0-9a-f]+|/|[a-z]:\\|\{main\}|\[internal).*|traceback \(most recent call last\):?"
    r"|\S+\.(java|py|cs|js|ts|php|rb|go|cpp|c):\d+.*)\s*$",
    re.IGNORECASE,
)
_ERROR_LINE = re.compile(
    r"(^|[\s:\]])([\w$]+\.)*[\w$]*(exception|error|fault|fehler)\b\s*[:(]|^\s*(caused by|fatal|error|fehler)\b\s*:"
    r"|(?-i:\b(ERROR|FATAL|SEVERE|CRITICAL)\b)",
    re.IGNORECASE,
)
_LOG_LINE = re.compile(
    r"^\s*[\[(]?(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}|\d{2}:\d{2}:\d{2}"
    r"|(trace|debug|info|notice|warn|warning|error|err|fatal|severe|critical)\b[\]):])",
    re.IGNORECASE,
)
# Source code pasted from the customer's own scripts: statements, not a description.
_CODE_LINE = re.compile(
    r"^\s*(def \w+\(|class \w+[(:]|(?-i:import [\w.]+\s*;?$|from [\w.]+ import )|function\s*\w*\s*\("
    r"|(const|let|var) \w+\s*=|(public|private|protected|static) .*[({;]\s*$|#include\b|<\?php"
    r"|\$\w+(->\w+)*\s*=|(?-i:SELECT|INSERT|UPDATE|DELETE) .*(?-i:FROM|INTO|SET|WHERE)\b"
    r"|[}\])]+[;,)]*\s*$|.*[;{]\s*$)",
    re.IGNORECASE,
)
_SYMBOLS = re.compile(r"[^\w\s]")
_BLANKS = re.compile(r"\n{3,}")


def strip_markup(text: str) -> str:
    """Turn HTML remnants into plain text: line-breaking tags become newlines, others go, entities decode."""
    if "<" not in text and "&" not in text:
        return text
    text = _TAG.sub(lambda m: "\n" if m.group(1) else " ", text)
    return html.unescape(text)


def _without_quoted_history(lines: list[str]) -> list[str]:
    """Cut a quoted earlier mail ("Am … schrieb …:", "-----Original Message-----", From:/Sent: headers)."""
    for i, line in enumerate(lines):
        quote = _QUOTE_START.match(line) or (
            _HEADER.match(line) and sum(bool(_HEADER.match(x)) for x in lines[i : i + 5]) >= 3
        )
        if quote and any(x.strip() for x in lines[:i]):
            return lines[:i]
    return [line for line in lines if not line.lstrip().startswith(">")]


def _without_courtesy(lines: list[str]) -> list[str]:
    """Drop an opening greeting and a closing with the signature below it."""
    lines = list(lines)
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > 3:
            break
        match = _GREETING.match(line)
        if match:
            lines[i] = line[match.end() :]
            break
    for i, line in enumerate(lines):
        if i == 0 or not line.strip():
            continue
        if _SIGNATURE_DASHES.match(line) or _CLOSING.match(line):
            rest = [x for x in lines[i + 1 :] if x.strip()]
            if len(rest) <= SIGNATURE_LINES:
                return lines[:i]
            lines[i] = ""
    return lines


def _without_tables(lines: list[str]) -> list[str]:
    """Drop template headings, checklists, table rows and runs of pasted "key: value" lines."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= TABLE_RUN:
            out.extend(x for x in run if _CONTENT_KEY.match(x))
        else:
            out.extend(run)
        run.clear()

    for line in lines:
        if _KEY_VALUE.match(line) and not _ERROR_LINE.search(line.split(":", 1)[0] + ":"):
            run.append(line)
            continue
        flush()
        if _TEMPLATE_HEADING.match(line) or _CHECKBOX.match(line) or _TABLE_ROW.match(line):
            continue
        out.append(line)
    flush()
    return out


def _without_logs(lines: list[str]) -> list[str]:
    """Drop stack frames, log lines and code; keep the first exception or error lines."""
    out: list[str] = []
    kept_errors = 0
    in_fence = False
    for line in lines:
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        machine = in_fence or _FRAME.match(line) or _LOG_LINE.match(line) or _is_code(line)
        if not machine:
            out.append(line)
            continue
        if _FRAME.match(line):
            continue
        if _ERROR_LINE.search(line) and kept_errors < KEPT_ERROR_LINES:
            kept_errors += 1
            out.append(line.strip())
    return out


def _is_code(line: str) -> bool:
    """True for a line of source code: a statement, or mostly symbols ("'wp_api' => true,")."""
    stripped = line.strip()
    if len(stripped) < 2:
        return stripped in ("[", "]", "{", "}", "(", ")")
    return bool(_CODE_LINE.match(stripped)) or len(_SYMBOLS.findall(stripped)) >= 0.3 * len(stripped.replace(" ", ""))


def prepare_text(text: str) -> str:
    """Return the parts of a text that describe the problem (see the module docstring)."""
    text = strip_markup(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _without_quoted_history(lines)
    lines = _without_logs(lines)
    lines = _without_tables(lines)
    lines = _without_courtesy(lines)
    prepared = _BLANKS.sub("\n\n", "\n".join(x.rstrip() for x in lines)).strip()
    # A text that is nothing but a greeting or a log still has to be read as something.
    return prepared or text.strip()
