"""Triage a batch of JSON Lines (`{"id", "subject", "body"}`): one answer or one error object per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from triage.answer.pasted_text import clean_pasted_text
from triage.answer.service import TriageInputError, Triager


def triage_lines(triager: Triager, lines: Iterable[bytes], language: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield one triage object per non-blank line, with its id, in input order; a bad line yields an error object.

    Descriptions pasted from logs are cleaned first: control characters (NUL, escape codes) and
    lone surrogates would otherwise make a line fail.
    """
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        item_id: Any = None
        try:
            item = json.loads(raw.decode("utf-8"), strict=False)  # strict=False: raw tabs and controls in strings
            if not isinstance(item, dict):
                raise ValueError("line is not a JSON object")
            item_id = item.get("id")
            body, subject = item.get("body", ""), item.get("subject", "")
            if not isinstance(body, str) or not isinstance(subject, str):
                raise ValueError("subject and body must be strings")
            body, subject = clean_pasted_text(body), clean_pasted_text(subject)
            yield {"id": item_id, **triager.triage(body, subject=subject, language=item.get("language") or language)}
        except (UnicodeDecodeError, ValueError, RecursionError, TriageInputError) as exc:
            yield {"id": item_id, "line": number, "error": {"code": "invalid_line", "message": str(exc)}}
