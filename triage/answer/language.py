"""Tell German from English, also in short texts ("drucker geht nicht", "login fails")."""

from __future__ import annotations

from lingua import Language, LanguageDetectorBuilder

SUPPORTED = {Language.GERMAN: "de", Language.ENGLISH: "en"}
MAX_CHARS = 2_000


class LanguageDetector:
    """A lingua detector restricted to German and English, models loaded once."""

    def __init__(self, default: str = "de") -> None:
        self.default = default
        self._detector = LanguageDetectorBuilder.from_languages(*SUPPORTED).with_preloaded_language_models().build()

    def detect(self, text: str) -> str:
        """Return "de" or "en"; the default when the text gives no clue (empty, only numbers)."""
        sample = text[:MAX_CHARS]
        if not any(c.isalpha() for c in sample):
            return self.default
        language = self._detector.detect_language_of(sample)
        return SUPPORTED.get(language, self.default) if language is not None else self.default
