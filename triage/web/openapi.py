"""The OpenAPI 3.1 description of the API, built from the pydantic models that validate it."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from triage.contracts.entries import TimeEntryRequest
from triage.events.requests import CorrectionRequest, page_event_schema
from triage.web.agent import AgentSearchParams
from triage.web.schemas import ErrorAnswer, Health, SearchAnswer, SearchParams, TriageAnswer, TriageRequest
from triage.web.webhook import TicketHook

REF = "#/components/schemas/{model}"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorAnswer")}}},
    }


def _ok(model: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
    }


def _query_parameters(model: Any) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    return [
        {
            "name": name,
            "in": "query",
            "required": name in schema.get("required", []),
            "schema": prop,
            **({"style": "form", "explode": True} if prop.get("type") == "array" else {}),
        }
        for name, prop in schema["properties"].items()
    ]


_JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _json_body(model: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}}}


def _agent_and_event_paths() -> dict[str, Any]:
    """The agents' filters, session and corrections, and the problem page's events."""
    body_errors = {
        "400": _error("The body is not valid JSON"),
        "413": _error("The body is larger than 64 KiB"),
        "415": _error("The body is not JSON"),
        "422": _error("A field is missing or invalid"),
    }
    return {
        "/api/agent/filters": {
            "get": {
                "summary": "The values the agents' search can filter by: topics, tags, statuses, versions, languages",
                "security": [{"agentToken": []}],
                "responses": {
                    "200": {
                        "description": "Filter values of the current index generation",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        k: _STRINGS for k in ("topics", "tags", "statuses", "fixed_in", "languages")
                                    },
                                    "required": ["topics", "tags", "statuses", "fixed_in", "languages"],
                                }
                            }
                        },
                    },
                    "401": _error("No valid agent token"),
                    "503": _error("The index is not built yet"),
                },
            }
        },
        "/api/agent/session": {
            "post": {
                "summary": "Trade the agent token for an HttpOnly cookie (path /agent/) that opens the insights page",
                "security": [{"agentToken": []}],
                "responses": {
                    "204": {"description": "The cookie is set (Set-Cookie: level0_agent=…)"},
                    "401": _error("No valid agent token"),
                },
            }
        },
        "/api/feedback/triage": {
            "post": {
                "summary": "An agent's correction: the right category for a triage answer (feeds level0 train)",
                "security": [{"agentToken": []}],
                "requestBody": _json_body("CorrectionRequest"),
                "responses": {
                    "200": {
                        "description": "Recorded: the example's id and whether it was new",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"id": {"type": "string"}, "status": {"type": "string"}},
                                    "required": ["id", "status"],
                                }
                            }
                        },
                    },
                    "401": _error("No valid agent token"),
                    **body_errors,
                },
            }
        },
        "/api/events": {
            "post": {
                "summary": "A problem-page event: visit, article click, 'helpful?' vote, ticket opened anyway",
                "requestBody": _json_body("PageEvent"),
                "responses": {"204": {"description": "Recorded (in the background)"}, **body_errors},
            }
        },
    }


@cache
def openapi_spec() -> dict[str, Any]:
    """Return the API description (computed once; it depends only on the code)."""
    _, schemas = models_json_schema(
        [
            (TriageRequest, "validation"),
            (TriageAnswer, "serialization"),
            (SearchAnswer, "serialization"),
            (ErrorAnswer, "serialization"),
            (Health, "serialization"),
            (TicketHook, "validation"),
            (TimeEntryRequest, "validation"),
            (CorrectionRequest, "validation"),
        ],
        ref_template=REF,
    )
    page_event = page_event_schema(ref_template=REF)
    schemas["$defs"].update(page_event.pop("$defs"))
    schemas["$defs"]["PageEvent"] = page_event
    parameters = _query_parameters(SearchParams)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Level0 API",
            "version": "1",
            "description": "Triage a customer's problem description and search the knowledge base.",
        },
        "paths": {
            "/api/triage": {
                "post": {
                    "summary": "Classify a problem description and explain it under the support policy",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="TriageRequest")}}},
                    },
                    "responses": {
                        "200": _ok("TriageAnswer", "The triage object"),
                        "400": _error("The body is not valid JSON"),
                        "413": _error("The body is larger than 64 KiB"),
                        "415": _error("The body is not JSON"),
                        "422": _error("A field is missing or invalid"),
                        "429": _error("Too many requests from this client"),
                        "503": _error("The model is not built yet"),
                    },
                }
            },
            "/api/search": {
                "get": {
                    "summary": "Search the knowledge base's sections",
                    "parameters": parameters,
                    "responses": {
                        "200": _ok("SearchAnswer", "Hits, best first"),
                        "400": _error("The query cannot be searched"),
                        "422": _error("A parameter is missing or invalid"),
                        "429": _error("Too many requests from this client"),
                        "503": _error("The index is not built yet"),
                    },
                }
            },
            "/api/agent/search": {
                "get": {
                    "summary": "Agents' search: internal articles too, filters by area, tag, status, versions",
                    "security": [{"agentToken": []}],
                    "parameters": _query_parameters(AgentSearchParams),
                    "responses": {
                        "200": _ok("SearchAnswer", "Hits, best first"),
                        "401": _error("No valid agent token"),
                        "422": _error("A parameter is invalid"),
                        "503": _error("The index is not built yet"),
                    },
                }
            },
            "/api/webhook/ticket": {
                "post": {
                    "summary": "A helpdesk's new ticket: triage it and return a reply text to post",
                    "description": "Signed: X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body with the shared"
                    " secret> (or X-Hub-Signature: sha1=<…> as Zammad sends it).",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="TicketHook")}}},
                    },
                    "responses": {
                        "200": {"description": "The triage object and the reply text (plain and HTML)"},
                        "400": _error("The body is not valid JSON"),
                        "401": _error("Missing or wrong signature"),
                        "413": _error("The body is larger than 64 KiB"),
                        "415": _error("The body is not JSON"),
                        "422": _error("A field is missing or invalid"),
                    },
                }
            },
            "/api/time-entries": {
                "post": {
                    "summary": "Book an agent's time on a ticket against the customer's monthly contingent",
                    "description": "Minutes are rounded up to 5-minute steps (`billed_minutes`); an `entry_id` sent"
                    " again is recorded once. When the entry takes a contingent past the plan's warning threshold,"
                    " the customer's contact is e-mailed once per contingent and month.",
                    "security": [{"agentToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="TimeEntryRequest")}}},
                    },
                    "responses": {
                        "201": {"description": "Recorded: billed_minutes, the contingent after it, the warning sent"},
                        "200": {"description": "Nothing new: the entry_id was recorded before (duplicate: true)"},
                        "400": _error("The body is not valid JSON"),
                        "401": _error("No valid agent token"),
                        "413": _error("The body is larger than 64 KiB"),
                        "415": _error("The body is not JSON"),
                        "422": _error("A field is missing or invalid, or no contract for the customer"),
                        "503": _error("The contract database is not reachable"),
                    },
                }
            },
            **_agent_and_event_paths(),
            "/openapi.json": {
                "get": {
                    "summary": "This description of the API (OpenAPI 3.1)",
                    "responses": {"200": {"description": "The OpenAPI document", "content": _JSON_OBJECT}},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Whether index and model are loaded",
                    "responses": {
                        "200": _ok("Health", "Index and model are available"),
                        "503": _ok("Health", "Index or model is missing"),
                    },
                }
            },
        },
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"agentToken": {"type": "http", "scheme": "bearer"}},
        },
    }
