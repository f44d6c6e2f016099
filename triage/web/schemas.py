"""Request and response shapes of the HTTP API (validated with pydantic, published as OpenAPI)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.answer.service import MAX_DESCRIPTION_CHARS


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class TriageRequest(BaseModel):
    """POST /api/triage: a customer's problem description."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(
        min_length=1, max_length=MAX_DESCRIPTION_CHARS, description="The problem, in the customer's words."
    )
    subject: str = Field(default="", max_length=500, description="An optional subject line.")
    language: Literal["de", "en"] | None = Field(default=None, description="Answer language; detected when missing.")
    version: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^\s*[vV]?\d{1,3}(\.\d{1,4}){0,3}\s*$",
        description="The customer's product version, e.g. 6.1.2; else a version named in the text is used.",
    )
    customer_token: str | None = Field(
        default=None,
        max_length=200,
        description="The customer's signed token (from the vendor's portal): the answer then carries `contract`.",
    )

    _description_not_blank = field_validator("description")(_not_blank)

    @field_validator("subject")
    @classmethod
    def _subject_no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class SearchParams(BaseModel):
    """GET /api/search query parameters."""

    model_config = ConfigDict(extra="forbid")

    # 1,000 characters: percent-encoded umlauts then still fit gunicorn's longest request line.
    q: str = Field(min_length=1, max_length=1_000, description="What to search for.")
    limit: int = Field(default=10, ge=1, le=50)
    lang: Literal["de", "en"] | None = Field(default=None, description="Only pages in this language.")
    tag: list[str] = Field(default_factory=list, description="Only pages with all these tags.")

    _q_not_blank = field_validator("q")(_not_blank)


class KnownIssue(BaseModel):
    advice: Literal["update", "workaround", "fixed_in_your_version", "not_affected"]
    status: Literal["open", "fixed"]
    fixed_in: str | None
    message: str
    workaround_url: str | None


class Hit(BaseModel):
    title: str
    section: str | None
    url: str
    path: str
    score: float
    snippet: str = Field(description="HTML-escaped text with <mark> around matches.")
    language: str
    tags: list[str]
    facts: dict[str, object]
    audience: Literal["public", "internal"] = "public"
    known_issue: KnownIssue | None = None


class SearchAnswer(BaseModel):
    query: str
    hits: list[Hit]


class PageLink(BaseModel):
    path: str
    title: str
    url: str


class PolicyAnswer(BaseModel):
    label: str
    covered: Literal["covered", "billable", "depends"]
    depends_on: str | None
    support_level: str
    next_step: str
    explanation: str
    checklist: list[str]
    articles: list[PageLink]
    unsure: str | None
    ticket: str


class ContingentAnswer(BaseModel):
    level: int
    limit_minutes: int
    used_minutes: int
    left_minutes: int
    warning: bool = Field(description="The plan's warning threshold (e.g. 80 %) is reached")


class ContractAnswer(BaseModel):
    """What the predicted category means under the customer's plan (only with a valid customer token)."""

    customer_id: str
    plan: str
    response_time: str
    response_hours: int | None = Field(description="Guaranteed response time; null: best effort")
    covered: Literal["covered", "billable", "depends"]
    level: int | None = Field(description="The support level whose contingent billable work would use")
    contingents: list[ContingentAnswer]
    price_per_step: float | None = Field(description="Price of one 5-minute step at that level")
    step_minutes: int
    currency: str
    month: str
    sentence: str = Field(description="The same in one plain sentence, in the answer's language")


class TriageAnswer(BaseModel):
    category: Literal["bug", "infrastructure", "consulting"]
    confidence: float = Field(ge=0, le=1)
    probabilities: dict[str, float]
    needs_human: bool
    unsure_reason: Literal["off_topic", "low_confidence"] | None = Field(
        None, description="Why a human is needed: unlike anything the model knows, or not confident enough"
    )
    language: Literal["de", "en"]
    policy: PolicyAnswer
    evidence: list[str]
    version: str | None
    articles: list[Hit]
    contract: ContractAnswer | None = None


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorAnswer(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    index: dict[str, object]
    model: dict[str, object]
