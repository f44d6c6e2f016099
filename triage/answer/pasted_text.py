"""Clean text pasted from logs and terminals before it is triaged: no control characters left."""

from __future__ import annotations

import re

# Terminal colour and cursor codes ("\x1b[31m"): dropped whole, else "[31m" would stay behind.
_ANSI_ESCAPE_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
# C0 controls but tab and line breaks, DEL and the C1 controls.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def clean_pasted_text(text: str) -> str:
    """Return `text` without terminal escape codes and control characters; lone surrogates become U+FFFD.

    A control character between two words becomes a space, so "Fehler\\x00Drucker" stays two words.
    """
    text = _ANSI_ESCAPE_RE.sub("", text)
    text = _CONTROL_RE.sub(" ", text)
    return _SURROGATE_RE.sub("\ufffd", text)
