"""The Flask application factory: site at /, API under /api/ (gunicorn "triage.web.app:create_app()")."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request
from threadpoolctl import threadpool_limits

from kb_search import KbSearchError
from triage.answer.service import Triager
from triage.classifier.artifact import ArtifactError
from triage.contracts.service import ContractDesk
from triage.events.writer import EventWriter
from triage.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Level0State:
    """What the app keeps for its lifetime: settings, the triager (model, policy, index), events, contracts."""

    settings: Settings
    triager: Triager
    events: EventWriter
    contracts: ContractDesk

    def close(self) -> None:
        self.events.close()
        self.contracts.close()
        self.triager.close()


BLAS_THREADS_PER_PROCESS = 1


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` may hold SETTINGS (a Settings) or CONFIG_FILE, plus Flask options."""
    config = dict(config or {})
    settings = config.pop("SETTINGS", None) or Settings.load(config.pop("CONFIG_FILE", None))
    app = Flask(__name__, static_folder=None)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    # A server runs requests side by side (workers, threads), each best on one core: numpy's BLAS
    # threads inside one request only contend with the other requests and spin (with them, a
    # triage cost about twice the CPU time; bench/load.py shows the server's throughput).
    threadpool_limits(limits=BLAS_THREADS_PER_PROCESS, user_api="blas")
    triager = Triager.from_settings(settings)  # a broken policy file fails here, naming the field
    # The event store is opened by the writer's thread on first use: a down database never
    # delays start-up or a request.
    app.extensions["level0"] = Level0State(
        settings, triager, EventWriter.from_settings(settings), ContractDesk.from_settings(settings, triager.policy)
    )
    _warm_up(triager)

    from triage.web import agent, api, errors, events, site, time_entries, webhook

    errors.register_error_handlers(app)
    _init_rate_limit(app, settings)
    _init_cors(app, settings)
    app.register_blueprint(api.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(time_entries.bp)
    app.register_blueprint(site.bp)
    app.after_request(_security_headers)
    return app


def _warm_up(triager: Triager) -> None:
    """Open model and index now, so the first request is as fast as the others (if they exist)."""
    try:
        triager.model.get()
    except ArtifactError as exc:
        log.warning("model not available yet: %s", exc)
    try:
        triager.index.get()
    except KbSearchError as exc:
        log.warning("index not available yet: %s", exc)


def _init_rate_limit(app: Flask, settings: Settings) -> None:
    """Limit API requests per client address when a limit is configured (e.g. "120/minute").

    The counts live where every worker sees them (SQLite in the state dir, or the storage named by
    LEVEL0_RATE_LIMIT_STORAGE); if that storage fails, requests pass unlimited and it is logged.
    """
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    from triage.web import api
    from triage.web.rate_limit import check_storage_uri

    storage_uri = "memory://"
    if settings.rate_limit:
        storage_uri = settings.rate_limit_storage_uri
        check_storage_uri(storage_uri)  # an unknown scheme or missing client library fails here
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage_uri,
        headers_enabled=True,
        enabled=settings.rate_limit is not None,
        swallow_errors=True,
    )
    if settings.rate_limit:
        limiter.limit(settings.rate_limit, exempt_when=lambda: request.path == "/healthz")(api.bp)


def _init_cors(app: Flask, settings: Settings) -> None:
    """Allow cross-origin API calls from the configured origins only; none by default."""
    if settings.cors_origins:
        from flask_cors import CORS

        CORS(app, resources={r"/api/*": {"origins": list(settings.cors_origins)}})


def _security_headers(response: Response) -> Response:
    from triage.web.site import API_CSP, ASSET_CSP

    # HTML pages carry their own policy (see triage.web.site); JSON gets none of the page's rights;
    # scripts keep 'self', since a worker (the site's search) is ruled by its own script's header.
    default = API_CSP if response.mimetype == "application/json" else ASSET_CSP
    response.headers.setdefault("Content-Security-Policy", default)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response
