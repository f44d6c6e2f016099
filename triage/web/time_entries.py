"""POST /api/time-entries: the helpdesk books agents' time against the customer's contingents (agent token)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from triage.contracts.entries import TimeEntryRequest
from triage.web.agent import require_agent
from triage.web.api import object_body
from triage.web.errors import ApiError

bp = Blueprint("contracts", __name__)


@bp.post("/api/time-entries")
def time_entry() -> Response:
    """Record one time entry (201; 200 when its entry_id was recorded before or nothing was new)."""
    require_agent()
    params = TimeEntryRequest.model_validate(object_body())
    try:
        answer = current_app.extensions["level0"].contracts.record_time(params)
    except SQLAlchemyError as exc:
        raise ApiError(503, f"the contract database is not reachable: {exc.__class__.__name__}") from None
    response = jsonify(answer)
    response.status_code = 201 if answer["recorded"] else 200
    return response
