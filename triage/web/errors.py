"""The HTTP edge of errors: the one JSON error shape, and the handlers that translate exceptions into it.

A `Level0Error` (kb_search.errors) becomes its status and `{"error": {"code", "message"}}`; HTTP
errors raised by the views (ApiError) and pydantic's validation errors get the same shape.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, current_app, jsonify, request, send_file
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from kb_search.errors import Level0Error

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
JSON_PREFIXES = ("/api/", "/healthz", "/openapi.json")


class ApiError(HTTPException):
    """An HTTP error with a machine-readable code and a one-line message."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code or CODES.get(status, "error")


def error_response(status: int, message: str, code: str | None = None) -> Response:
    response = jsonify({"error": {"code": code or CODES.get(status, "error"), "message": message}})
    response.status_code = status
    return response


def validation_message(exc: ValidationError) -> str:
    """Name the first invalid field and what is wrong with it ("description: Field required")."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{field}: {error['msg']}"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException) -> Response:
        status = exc.code or 500
        if status == 404 and not request.path.startswith(JSON_PREFIXES):
            page = Path(current_app.extensions["level0"].settings.site_dir) / "404.html"
            if page.is_file():
                from triage.web.site import page_csp

                response = send_file(page, mimetype="text/html")
                response.status_code = 404
                response.headers["Content-Security-Policy"] = page_csp(page)  # its inline scripts by hash
                return response
        response = error_response(status, exc.description or "", getattr(exc, "error_code", None))
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(InternalServerError)
    def handle_internal(exc: InternalServerError) -> Response:
        original = getattr(exc, "original_exception", None)
        if original is not None:
            log.error("internal error on %s %s", request.method, request.path, exc_info=original)
        return error_response(500, "internal error; the service log has the details")

    @app.errorhandler(ValidationError)
    def handle_validation(exc: ValidationError) -> Response:
        return error_response(422, validation_message(exc))

    @app.errorhandler(Level0Error)
    def handle_level0(exc: Level0Error) -> Response:
        return error_response(exc.status, str(exc), exc.code)
