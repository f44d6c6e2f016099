"""Text preparation shared by the triage model's vectorizers and its evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable

import stopwordsiso
from sklearn.base import BaseEstimator, TransformerMixin
from whoosh.lang import stopwords_for_language

from kb_search.analysis import fold_german
from triage.classifier.preparation import prepare_text

# Words as the word vectorizer sees them: letters and digits, joined by - or _ ("lw-5502", "smtp-server").
WORD_PATTERN = r"(?u)\b\w[\w-]*\w\b|\b\w\b"
WORD_RE = re.compile(WORD_PATTERN)
_SPACES_RE = re.compile(r"\s+")
# Words of courtesy that the general lists lack but that never explain a support case.
COURTESY_WORDS = (
    "bitte danke dank hallo leider gruss grusse viele freundlichen geehrte damen herren liebe lieber"
    " please thanks thank hello dear regards kind best cheers hi hey team support anbei kurz"
)
# When something happened says nothing about whose problem it is; stopwords-iso lists "heute" but
# not these.
TIME_WORDS = (
    "gestern vorgestern morgen ubermorgen neulich vorhin eben gerade seitdem inzwischen mittlerweile"
    " yesterday today tomorrow recently lately currently suddenly"
)
# Words of the stopwords-iso English list that name things in a business application.
CONTENT_WORDS = frozenset("microsoft order orders open page pages text number date name system print line".split())
# Filler for the evidence: stopwords-iso (German, English) and Whoosh's lists, folded like the text.
STOPWORDS = (
    frozenset(
        {fold_german(w) for w in stopwordsiso.stopwords(["de", "en"])}
        | {fold_german(w) for lang in ("de", "en") for w in stopwords_for_language(lang)}
        | set(COURTESY_WORDS.split())
        | set(TIME_WORDS.split())
    )
    - CONTENT_WORDS
)


def normalize_text(text: str) -> str:
    """Fold case, umlauts and ß ("Prüfung", "Pruefung" → "prufung") and collapse whitespace.

    A module-level function so that the saved pipeline refers to it by name (skops trusts it by name).
    """
    return _SPACES_RE.sub(" ", fold_german(text))


def join_text(subject: str, body: str) -> str:
    """Return the text the model reads: the subject, then the body."""
    subject, body = subject.strip(), body.strip()
    return f"{subject}\n{body}" if subject else body


class PreparedText(TransformerMixin, BaseEstimator):
    """The pipeline's first step: each text as triage.classifier.preparation prepares it."""

    def fit(self, texts: Iterable[str], y: object = None) -> PreparedText:
        return self

    def transform(self, texts: Iterable[str]) -> list[str]:
        return [prepare_text(t) for t in texts]

    def __sklearn_is_fitted__(self) -> bool:
        return True  # rules, nothing learnt
