"""The support agents' area: known-issue search with filters, internal articles for token holders."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from pydantic import BaseModel, ConfigDict, Field

from triage.answer.known_issues import agent_filters, agent_search
from triage.answer.versions import parse_version
from triage.web.auth import bearer_token, token_valid
from triage.web.errors import ApiError

bp = Blueprint("agent", __name__, template_folder="templates", static_folder="static", static_url_path="/agent/static")


class AgentSearchParams(BaseModel):
    """GET /api/agent/search: a query and the agents' filters (all optional but one of them)."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(default="", max_length=1_000)
    topic: str | None = Field(default=None, max_length=100, description="First folder: faq, known-issues, …")
    tag: str | None = Field(default=None, max_length=100)
    status: Literal["open", "fixed"] | None = None
    fixed_in: str | None = Field(default=None, max_length=40)
    affects: str | None = Field(default=None, max_length=40, description="Known issues affecting this version")
    lang: Literal["de", "en"] | None = None
    limit: int = Field(default=20, ge=1, le=50)


def agent_token_given(token: str | None) -> bool:
    """Tell whether a token is one of the configured agent tokens (constant-time comparison)."""
    return token_valid(token, current_app.extensions["level0"].settings.agent_tokens)


def require_agent() -> None:
    """Raise 401 unless the request carries a valid agent token in its Authorization header."""
    if not current_app.extensions["level0"].settings.agent_tokens:
        raise ApiError(401, "no agent tokens are configured (LEVEL0_AGENT_TOKENS)")
    if not agent_token_given(bearer_token(request.headers.get("Authorization"))):
        raise ApiError(401, "a valid agent token is required (Authorization: Bearer <token>)")


@bp.get("/agent/")
def page() -> str:
    """The agents' search page (the token is asked for in the page, never put in the HTML)."""
    return render_template("agent.html")


@bp.get("/api/agent/filters")
def filters() -> Response:
    require_agent()
    return jsonify(agent_filters(current_app.extensions["level0"].triager.index.get()))


@bp.get("/api/agent/search")
def search() -> Response:
    require_agent()
    params = AgentSearchParams.model_validate(request.args.to_dict())
    version = parse_version(params.affects) if params.affects else None
    if params.affects and version is None:
        raise ApiError(422, f"affects: {params.affects!r} is not a version number such as 6.1.2")
    hits = agent_search(
        current_app.extensions["level0"].triager.index.get(),
        params.q,
        topic=params.topic,
        tag=params.tag,
        status=params.status,
        fixed_in=params.fixed_in,
        affects=version,
        language=params.lang,
        limit=params.limit,
    )
    return jsonify({"query": params.q, "hits": hits})
