"""Triage one description: category, confidence, policy, evidence and matching articles (no Flask)."""

from __future__ import annotations

import logging
from typing import Any

from kb_search import IndexHandle, KbSearchError
from kb_search.errors import Level0Error
from triage.answer.language import LanguageDetector
from triage.answer.policy import Policy, load_policy
from triage.answer.versions import judge_known_issue, parse_version, version_in_text
from triage.classifier.artifact import ModelHandle
from triage.classifier.features import join_text
from triage.classifier.preparation import prepare_text
from triage.classifier.vectors import ENCODED_CHARS

log = logging.getLogger(__name__)

ARTICLES = 3
MAX_DESCRIPTION_CHARS = 32_000
# Article search reads the start of long descriptions; the model reads everything.
SEARCH_CHARS = ENCODED_CHARS  # the model's sentence encoder reads the same cut: one encoding per triage
# A known issue that affects the customer's version moves to the top only if it matches the text
# at least this well relative to the best hit.
PROMOTE_SHARE = 0.4
# A page in the customer's language goes before other languages if it scores at least this share
# of the best hit.
SAME_LANGUAGE_SHARE = 0.25


LANGUAGES = ("de", "en")


def _encodable(text: str) -> bool:
    """False for text with lone surrogates (bytes that were not UTF-8, smuggled in by surrogateescape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _one_per_issue(hits: list[Any]) -> list[Any]:
    """Keep the best-ranked page of each known issue (its German and English pages share an id)."""
    seen: set[str] = set()
    out = []
    for hit in hits:
        issue = hit.facts.get("issue_id")
        if issue:
            if issue in seen:
                continue
            seen.add(issue)
        out.append(hit)
    return out


class TriageInputError(Level0Error, ValueError):
    """The description cannot be triaged (empty after trimming)."""

    code = "validation_error"
    status = 422


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
        self,
        description: str,
        subject: str = "",
        language: str | None = None,
        *,
        version: str | None = None,
        articles: int = ARTICLES,
    ) -> dict[str, Any]:
        """Return the triage object of DESIGN.md for one description.

        `version` is the customer's product version; without it, a version named in the text
        ("Version 6.1.2", "v5.10") is used. Known issues are then judged for that version.
        """
        text = join_text(subject or "", description or "")
        if not text.strip():
            raise TriageInputError("description is empty")
        if len(text) > MAX_DESCRIPTION_CHARS:
            raise TriageInputError(f"description too long: {len(text)} characters (at most {MAX_DESCRIPTION_CHARS})")
        if "\x00" in text:
            raise TriageInputError("description contains NUL bytes: send text, not binary data")
        if not _encodable(text):
            raise TriageInputError("description is not valid text (undecodable bytes)")
        if language is not None and language not in LANGUAGES:
            raise TriageInputError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
        version_text = version.strip() if version else version_in_text(text)
        parsed_version = parse_version(version_text)
        if version and parsed_version is None:
            raise TriageInputError(f"version: {version!r} is not a version number such as 6.1.2")
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
            "unsure_reason": prediction.unsure_reason,
            "language": lang,
            "policy": policy,
            "evidence": prediction.evidence,
            "version": version_text if parsed_version else None,
            # The search reads the text as the model does (no signature, quoted mail or stack frames):
            # the sentence encoder then encodes it once for both (its cache).
            "articles": self._articles(prepare_text(text), lang, articles, version_text if parsed_version else None),
        }

    def _articles(self, text: str, language: str, limit: int, version: str | None) -> list[dict[str, Any]]:
        """Matching articles; with a version, known issues that affect it first, fixed ones last."""
        if self.index is None or limit == 0:
            return []
        try:
            index = self.index.get()
            # Search wider: pages in the customer's language come first, and a version may move an
            # affecting known issue up. Snippets are made for the articles shown only.
            result = index.search(text[:SEARCH_CHARS], limit=limit * 3, language=language, snippets=False)
        except KbSearchError as exc:
            # Triage still answers without articles; /healthz reports the missing index.
            log.warning("no articles for triage: %s", exc)
            return []
        hits = _one_per_issue(result.hits)
        # A German customer reads German pages: those that match reasonably well come first, other
        # languages fill up when there are too few.
        top = hits[0].score if hits else 0.0
        preferred = [h for h in hits if h.language == language and h.score >= SAME_LANGUAGE_SHARE * top]
        hits = preferred + [h for h in hits if h not in preferred]
        notes: dict[int, dict[str, Any]] = {}
        if version is not None:
            hits = self._by_version(index, hits, language, version, notes)
        shown = index.add_snippets(result, hits[:limit])
        return [
            {**hit.to_dict(), **({"known_issue": notes[hit.docnum]} if hit.docnum in notes else {})} for hit in shown
        ]

    def _by_version(
        self, index: Any, hits: list[Any], language: str, version: str, notes: dict[int, dict[str, Any]]
    ) -> list[Any]:
        """Order hits for a version: affecting known issues first, fixed-before ones last; note each."""
        best = hits[0].score if hits else 0.0
        parsed = parse_version(version)
        affecting, others, past = [], [], []
        for hit in hits:
            verdict = judge_known_issue(hit.facts, parsed)
            if verdict is None:
                others.append(hit)
                continue
            notes[hit.docnum] = {
                "advice": verdict.advice,
                "status": verdict.status,
                "fixed_in": verdict.fixed_in,
                "message": self.policy.known_issue_message(
                    verdict.advice, language, version=version, fixed_in=verdict.fixed_in
                ),
                "workaround_url": (
                    index.section_url(hit.path, "workaround") if verdict.advice == "workaround" else None
                ),
            }
            if not verdict.relevant:
                past.append(hit)
            elif hit.score >= PROMOTE_SHARE * best:
                affecting.append(hit)
            else:
                others.append(hit)  # affects the version, but matches the text too weakly to move up
        return affecting + others + past

    def _links(self, paths: list[str]) -> list[dict[str, str]]:
        if self.index is None:
            return []
        try:
            index = self.index.get()
        except KbSearchError:
            return []
        return [link for link in (index.page(p) for p in paths) if link is not None]
