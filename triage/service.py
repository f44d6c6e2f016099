"""Triage one description: category, confidence, policy, evidence and matching articles (no Flask)."""

from __future__ import annotations

import logging
from typing import Any

from kb_search import IndexHandle, KbSearchError
from triage.artifact import ModelHandle
from triage.features import join_text
from triage.language import LanguageDetector
from triage.policy import Policy, load_policy

log = logging.getLogger(__name__)

ARTICLES = 3
MAX_DESCRIPTION_CHARS = 32_000
# Article search reads the start of long descriptions; the model reads everything.
SEARCH_CHARS = 2_000


class TriageInputError(ValueError):
    """The description cannot be triaged (empty after trimming)."""


class Triager:
    """Classify descriptions and explain them under the vendor's policy, with articles."""

    def __init__(
        self,
        model: ModelHandle,
        policy: Policy,
        detector: LanguageDetector,
        index: IndexHandle | None = None,
    ) -> None:
        self.model = model
        self.policy = policy
        self.detector = detector
        self.index = index

    @classmethod
    def from_settings(cls, settings: Any) -> Triager:
        """Build a triager from settings: policy checked now, model and index opened on first use."""
        return cls(
            ModelHandle(settings.model_dir),
            load_policy(settings.policy_file),
            LanguageDetector(),
            IndexHandle(settings.index_dir),
        )

    def close(self) -> None:
        self.model.close()
        if self.index is not None:
            self.index.close()

    def triage(
        self, description: str, subject: str = "", language: str | None = None, *, articles: int = ARTICLES
    ) -> dict[str, Any]:
        """Return the triage object of DESIGN.md for one description."""
        text = join_text(subject or "", description or "")
        if not text.strip():
            raise TriageInputError("description is empty")
        if len(text) > MAX_DESCRIPTION_CHARS:
            raise TriageInputError(
                f"description too long: {len(text)} characters (at most {MAX_DESCRIPTION_CHARS})"
            )
        if "\x00" in text:
            raise TriageInputError("description contains NUL bytes: send text, not binary data")
        lang = language or self.detector.detect(text)
        prediction = self.model.get().predict(text)
        policy = self.policy.for_category(prediction.category, lang)
        policy["articles"] = self._links(policy["articles"])
        policy["unsure"] = self.policy.unsure.get(lang) if prediction.needs_human else None
        policy["ticket"] = self.policy.ticket.get(lang)
        return {
            "category": prediction.category,
            "confidence": prediction.confidence,
            "probabilities": prediction.probabilities,
            "needs_human": prediction.needs_human,
            "language": lang,
            "policy": policy,
            "evidence": prediction.evidence,
            "articles": self._articles(text, lang, articles),
        }

    def _articles(self, text: str, language: str, limit: int) -> list[dict[str, Any]]:
        if self.index is None or limit == 0:
            return []
        try:
            result = self.index.get().search(text[:SEARCH_CHARS], limit=limit, language=language)
        except KbSearchError as exc:
            # Triage still answers without articles; /healthz reports the missing index.
            log.warning("no articles for triage: %s", exc)
            return []
        return [hit.to_dict() for hit in result.hits]

    def _links(self, paths: list[str]) -> list[dict[str, str]]:
        if self.index is None:
            return []
        try:
            index = self.index.get()
        except KbSearchError:
            return []
        return [link for link in (index.page(p) for p in paths) if link is not None]
