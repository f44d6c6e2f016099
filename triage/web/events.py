"""Events from the pages, agents' corrections and the insights page (routes over triage.events)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import SQLAlchemyError

from triage.classifier.corrections import record_correction
from triage.events.insights import build_insights, render_insights
from triage.events.requests import CorrectionRequest, page_event
from triage.web.agent import agent_token_given, require_agent
from triage.web.api import object_body
from triage.web.errors import ApiError

bp = Blueprint("events", __name__)

AGENT_COOKIE = "level0_agent"
# The report is a static page: inline SVG styles, no scripts, no forms.
INSIGHTS_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def state():
    return current_app.extensions["level0"]


@bp.post("/api/events")
def page_events() -> Response:
    """Record a problem-page event (visit, article click, helpful yes/no, ticket anyway): 204."""
    state().events.submit(page_event(object_body()))
    return Response(status=204)


@bp.post("/api/feedback/triage")
def correction() -> Response:
    """An agent's right category for a triage answer; the text comes along (descriptions are not stored)."""
    require_agent()
    params = CorrectionRequest.model_validate(object_body())
    level0 = state()
    result, event = record_correction(
        params, level0.settings.data_dir, store=level0.events.store, detect_language=level0.triager.detector.detect
    )
    level0.events.submit(event)
    return current_app.json.response({"id": result.example.id, "status": result.status})


@bp.post("/api/agent/session")
def agent_session() -> Response:
    """Trade a valid Bearer token for an HttpOnly cookie, so the insights page opens as a plain link."""
    require_agent()
    response = Response(status=204)
    response.set_cookie(
        AGENT_COOKIE,
        request.headers["Authorization"].partition(" ")[2].strip(),
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        path="/agent/",
    )
    return response


@bp.get("/agent/insights")
def insights() -> Response:
    """The vendor's insights report for agents (token by header or by the agent cookie)."""
    if not agent_token_given(request.cookies.get(AGENT_COOKIE)):
        require_agent()
    days = request.args.get("days", default=30, type=int)
    if not 1 <= days <= 3660:
        raise ApiError(422, "days: must be between 1 and 3660")
    try:
        html = render_insights(build_insights(state().events.store, days=days, policy=state().triager.policy))
    except SQLAlchemyError as exc:
        raise ApiError(503, f"the event store is not reachable: {exc.__class__.__name__}") from None
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = INSIGHTS_CSP
    return response
