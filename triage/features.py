"""Text preparation shared by the triage model's vectorizers and its evidence."""

from __future__ import annotations

import re

from whoosh.lang import stopwords_for_language

from kb_search.analysis import fold_german

# Words as the word vectorizer sees them: letters and digits, joined by - or _ ("lw-5502", "smtp-server").
WORD_PATTERN = r"(?u)\b\w[\w-]*\w\b|\b\w\b"
WORD_RE = re.compile(WORD_PATTERN)
_SPACES_RE = re.compile(r"\s+")
STOPWORDS = frozenset(fold_german(w) for lang in ("de", "en") for w in stopwords_for_language(lang))


def normalize_text(text: str) -> str:
    """Fold case, umlauts and ß ("Prüfung", "Pruefung" → "prufung") and collapse whitespace.

    A module-level function so that the saved pipeline refers to it by name (skops trusts it by name).
    """
    return _SPACES_RE.sub(" ", fold_german(text))


def join_text(subject: str, body: str) -> str:
    """Return the text the model reads: the subject, then the body."""
    subject, body = subject.strip(), body.strip()
    return f"{subject}\n{body}" if subject else body
