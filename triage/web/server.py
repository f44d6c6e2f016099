"""Run the app under gunicorn from `level0 serve` (the same server production uses).

Worker class: gthread. A sync worker is held by one connection from its first byte to its last,
so two clients sending their headers slowly took both workers of `level0 serve` and the service
stopped answering. gunicorn's gthread worker parks connections that have not sent anything yet
in its poller and gives each request a thread of a pool, so a slow client holds one thread of
WORKER_THREADS, not a whole worker (measured with bench/load.py: throughput as with sync
workers). Against many slow clients, put a buffering reverse proxy (nginx) in front.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from triage.settings import Settings

WORKER_CLASS = "gthread"
# Threads per worker: each slow client holds one; requests run in them under the GIL.
WORKER_THREADS = 16


class Level0Server(BaseApplication):
    """gunicorn with the options given here, and the app built from these settings."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from triage.web.app import create_app

        return create_app({"SETTINGS": self.settings})


def gunicorn_options(*, host: str, port: int, workers: int) -> dict[str, Any]:
    """Return the gunicorn settings of `level0 serve`."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "threads": WORKER_THREADS,
        "preload_app": True,  # load model and index once, share the pages between workers
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 60,
        # gunicorn's maximum: a search query at the API's limit (1,000 characters, 6,000 bytes
        # when percent-encoded umlauts) must reach the app, which answers beyond it in JSON.
        "limit_request_line": 8_190,
    }


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until interrupted."""
    Level0Server(settings, gunicorn_options(host=host, port=port, workers=workers)).run()
