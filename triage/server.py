"""Run the app under gunicorn from `level0 serve` (the same server production uses)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from triage.settings import Settings


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
        from triage.app import create_app

        return create_app({"SETTINGS": self.settings})


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve until interrupted."""
    Level0Server(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "preload_app": True,  # load model and index once, share the pages between workers
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
            # gunicorn's maximum: a search query at the API's limit (1,000 characters, 6,000 bytes
            # when percent-encoded umlauts) must reach the app, which answers beyond it in JSON.
            "limit_request_line": 8_190,
        },
    ).run()
