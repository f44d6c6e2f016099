"""The JSON API: triage, search, health and the OpenAPI description."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from kb_search import SearchFilters
from triage.answer.health import health
from triage.classifier.features import join_text
from triage.events.model import Search, TriageAnswer, new_id
from triage.events.requests import SESSION_HEADER, valid_session_id
from triage.web.errors import ApiError
from triage.web.openapi import openapi_spec
from triage.web.schemas import SearchParams, TriageRequest

bp = Blueprint("api", __name__)


def state():
    return current_app.extensions["level0"]


def json_body() -> Any:
    """Return the request's JSON body; 415 when it is not JSON, 400 when it does not parse."""
    if request.mimetype != "application/json":
        raise ApiError(415, "send the request body as JSON with Content-Type: application/json")
    data = request.get_data(cache=False)  # 413 beyond MAX_CONTENT_LENGTH
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise ApiError(400, "the request body is not valid JSON (UTF-8)", "invalid_json") from None


def object_body() -> dict[str, Any]:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(422, "body: the JSON body must be an object")
    return body


def session_id() -> str | None:
    """The page's session id (X-Level0-Session), if it sent a well-formed one."""
    return valid_session_id(request.headers.get(SESSION_HEADER))


@bp.post("/api/triage")
def triage() -> Response:
    params = TriageRequest.model_validate(object_body())
    level0 = state()
    answer = level0.triager.triage(
        params.description, subject=params.subject, language=params.language, version=params.version
    )
    if params.customer_token:
        # A bare, forged or unknown customer gets the same answer as no token: nothing to learn from it.
        level0.contracts.attach(answer, level0.contracts.customer_from_token(params.customer_token))
    answer["answer_id"] = new_id()  # later events (helpful, ticket, correction) refer to it
    text = join_text(params.subject, params.description)
    level0.events.submit(TriageAnswer.from_answer(answer, text, session_id=session_id()))
    return jsonify(answer)


@bp.get("/api/search")
def search() -> Response:
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "tag"}
    if "tag" in request.args:
        args["tag"] = request.args.getlist("tag")
    params = SearchParams.model_validate(args)
    level0 = state()
    result = level0.triager.index.get().search(
        params.q, limit=params.limit, filters=SearchFilters(tags=tuple(params.tag), language=params.lang)
    )
    top = result.hits[0].score if result.hits else None
    level0.events.submit(
        Search(query=params.q, hits=len(result.hits), top_score=top, language=params.lang, session_id=session_id())
    )
    return jsonify(result.to_dict())


@bp.get("/healthz")
def healthz() -> Response:
    facts = health(state().triager)
    response = jsonify(facts)
    response.status_code = 200 if facts["status"] == "ok" else 503
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_spec())
