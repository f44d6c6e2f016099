"""Request shapes for recording events over HTTP: the problem page's events and agents' corrections."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from triage.classifier.data import Label
from triage.events.model import ArticleClick, Event, Helpful, PageVisit, TicketAnyway

ID_PATTERN = r"^[0-9a-f]{32}$"
SESSION_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
# An article is named by its source path, as in a HIT's "path" ("faq/login.md").
ARTICLE_PATTERN = r"^\w[\w./-]*$"
MAX_ARTICLE = 300
MAX_TEXT = 32_000
SESSION_HEADER = "X-Level0-Session"
_SESSION_RE = re.compile(SESSION_PATTERN)


def valid_session_id(value: str | None) -> str | None:
    """Return a session id (e.g. from the X-Level0-Session header) if well-formed, else None (never raises)."""
    return value if value and _SESSION_RE.fullmatch(value) else None


class _PageEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str | None = Field(default=None, pattern=SESSION_PATTERN, description="The page's session id.")
    language: Literal["de", "en"] | None = None


class VisitRequest(_PageEvent):
    """The problem page was opened."""

    type: Literal["visit"]

    def to_event(self) -> Event:
        return PageVisit(session_id=self.session_id, language=self.language)


class ClickRequest(_PageEvent):
    """An article was opened from the problem page."""

    type: Literal["click"]
    article: str = Field(max_length=MAX_ARTICLE, pattern=ARTICLE_PATTERN)
    answer_id: str | None = Field(default=None, pattern=ID_PATTERN)

    def to_event(self) -> Event:
        return ArticleClick(
            article=self.article, answer_id=self.answer_id, session_id=self.session_id, language=self.language
        )


class HelpfulRequest(_PageEvent):
    """ "Was this helpful?" on an article (name it) or on a triage answer (give its answer_id)."""

    type: Literal["helpful"]
    target: Literal["article", "answer"]
    helpful: bool
    article: str | None = Field(default=None, max_length=MAX_ARTICLE, pattern=ARTICLE_PATTERN)
    answer_id: str | None = Field(default=None, pattern=ID_PATTERN)

    @model_validator(mode="after")
    def _names_its_target(self) -> HelpfulRequest:
        if self.target == "article" and not self.article:
            raise ValueError("a vote on an article needs the article's path")
        if self.target == "answer" and not self.answer_id:
            raise ValueError("a vote on an answer needs its answer_id")
        return self

    def to_event(self) -> Event:
        return Helpful(
            target=self.target,
            helpful=self.helpful,
            article=self.article,
            answer_id=self.answer_id,
            session_id=self.session_id,
            language=self.language,
        )


class TicketRequest(_PageEvent):
    """The visitor opened a ticket after all."""

    type: Literal["ticket"]
    answer_id: str | None = Field(default=None, pattern=ID_PATTERN)

    def to_event(self) -> Event:
        return TicketAnyway(answer_id=self.answer_id, session_id=self.session_id, language=self.language)


PageEventRequest = Annotated[VisitRequest | ClickRequest | HelpfulRequest | TicketRequest, Field(discriminator="type")]
_PAGE_EVENT = TypeAdapter(PageEventRequest)


def page_event(body: Any) -> Event:
    """Validate a POST /api/events body into an event (pydantic's ValidationError when it is wrong)."""
    return _PAGE_EVENT.validate_python(body).to_event()


def page_event_schema(ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """Return the JSON schema of POST /api/events, for the OpenAPI description."""
    return _PAGE_EVENT.json_schema(ref_template=ref_template)


class CorrectionRequest(BaseModel):
    """POST /api/feedback/triage: the right category for a triage answer.

    Descriptions are not stored by default, so the request carries the text the agent corrects
    (`description`, and `subject` if there was one). Only where the vendor turned storing on may it
    be left out; the text stored with `answer_id` is then used.
    """

    model_config = ConfigDict(extra="forbid")

    category: Label
    answer_id: str | None = Field(default=None, pattern=ID_PATTERN)
    description: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    subject: str = Field(default="", max_length=500)
    language: Literal["de", "en"] | None = Field(default=None, description="Default: the answer's, else detected.")

    @model_validator(mode="after")
    def _has_text_or_answer(self) -> CorrectionRequest:
        if self.description is None and self.answer_id is None:
            raise ValueError("send the corrected text as description (and the answer_id if there is one)")
        if self.description is not None and not self.description.strip():
            raise ValueError("description must not be empty or only whitespace")
        return self
