"""Level0's one configuration object, read from mkdocs.yml and LEVEL0_* environment variables.

mkdocs.yml gives the site (docs_dir, site_dir, site_url), the plugin's options (state_dir) and the
service's options under `extra.level0`; environment variables override them. This module is the
only place that reads the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from email.utils import parseaddr
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENV_PREFIX = "LEVEL0_"
MAX_BODY_BYTES = 64 * 1024


def bundled_path(name: str) -> Path:
    """Return the path of a file shipped inside the triage package (policy, data, templates)."""
    return Path(str(resources.files("triage").joinpath(name)))


class Settings(BaseModel):
    """Everything the CLI and the service need to know, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    config_file: Path
    docs_dir: Path
    site_dir: Path
    state_dir: Path
    policy_file: Path = Field(default_factory=lambda: bundled_path("policy.yml"))
    data_dir: Path = Field(default_factory=lambda: bundled_path("data"))
    site_url: str = "http://127.0.0.1:8000/"
    ticket_url: str = ""
    rate_limit: str | None = None
    # Where the rate limit counts live: a `limits` storage URI (redis://… for several replicas);
    # default: SQLite in the state dir, shared by the workers of one machine.
    rate_limit_storage: str | None = None
    agent_tokens: tuple[str, ...] = ()
    webhook_secret: str | None = None
    # Signs customer tokens (HMAC-SHA256 of the customer id) for contract-aware answers.
    customer_secret: str | None = Field(default=None, min_length=16)
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    # Optional: post webhook replies to Zammad as internal notes (LEVEL0_ZAMMAD_URL/TOKEN).
    zammad_url: str | None = None
    zammad_token: str | None = None
    # Outgoing mail for `level0 reply --send` (LEVEL0_SMTP_*); the sender of auto-replies.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "support@lindgruen.example"
    # The vendor's own Jinja2 templates for replies (LEVEL0_REPLY_TEMPLATES); missing ones are Level0's.
    reply_templates: Path | None = None
    # The event store (LEVEL0_DATABASE_URL; default: SQLite in the state dir) and its privacy rules.
    database_url: str | None = None
    store_descriptions: bool = False
    retention_days: int = 90
    # The sentence encoder of the search index's vectors (plugin option `embedder`, LEVEL0_EMBEDDER):
    # use-multilingual-v3, sentence-transformers:NAME_OR_PATH or none. Searches use the one the index names.
    embedder: str = "use-multilingual-v3"

    @field_validator("mail_from")
    @classmethod
    def _an_address(cls, value: str) -> str:
        _, address = parseaddr(value)  # "Support <support@example.com>" or a bare address
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
            raise ValueError(f"mail_from: {value!r} is not an e-mail address")
        return value

    @field_validator("agent_tokens", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @property
    def index_dir(self) -> Path:
        return self.state_dir / "index"

    @property
    def model_dir(self) -> Path:
        return self.state_dir / "model"

    @property
    def reports_dir(self) -> Path:
        return self.state_dir / "reports"

    @property
    def rate_limit_storage_uri(self) -> str:
        """The rate limit's `limits` storage URI: LEVEL0_RATE_LIMIT_STORAGE, else SQLite in the state dir."""
        return self.rate_limit_storage or f"sqlite:///{self.state_dir / 'ratelimit.db'}"

    @property
    def events_url(self) -> str:
        """The event store's SQLAlchemy URL: LEVEL0_DATABASE_URL, else SQLite in the state dir."""
        return self.database_url or f"sqlite:///{self.state_dir / 'events.db'}"

    @classmethod
    def load(
        cls,
        config_file: Path | str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Read mkdocs.yml (default: $LEVEL0_CONFIG or ./mkdocs.yml), then the environment, then overrides."""
        from kb_search.build import load_project
        from kb_search.plugin import resolve_state_dir

        env = os.environ if environ is None else environ
        path = Path(config_file or env.get(f"{ENV_PREFIX}CONFIG") or "mkdocs.yml").resolve()
        mkdocs_config, plugin = load_project(path)
        base = path.parent
        extra = (mkdocs_config.extra or {}).get("level0") or {}
        values: dict[str, Any] = {
            "config_file": path,
            "docs_dir": Path(mkdocs_config.docs_dir),
            "site_dir": Path(mkdocs_config.site_dir),
            "state_dir": resolve_state_dir(mkdocs_config, plugin.config.state_dir),
            "embedder": plugin.config.embedder,
        }
        if mkdocs_config.site_url:
            values["site_url"] = mkdocs_config.site_url
        keys = ("ticket_url", "rate_limit", "rate_limit_storage", "mail_from", "retention_days", "store_descriptions")
        for key in keys:
            if key in extra:
                values[key] = extra[key]
        for key, field in (("policy", "policy_file"), ("data", "data_dir"), ("reply_templates", "reply_templates")):
            if extra.get(key):
                values[field] = base / extra[key]
        env_names = {
            "STATE_DIR": "state_dir",
            "SITE_DIR": "site_dir",
            "POLICY": "policy_file",
            "DATA_DIR": "data_dir",
            "SITE_URL": "site_url",
            "TICKET_URL": "ticket_url",
            "RATE_LIMIT": "rate_limit",
            "RATE_LIMIT_STORAGE": "rate_limit_storage",
            "AGENT_TOKENS": "agent_tokens",
            "WEBHOOK_SECRET": "webhook_secret",
            "CUSTOMER_SECRET": "customer_secret",
            "CORS_ORIGINS": "cors_origins",
            "ZAMMAD_URL": "zammad_url",
            "ZAMMAD_TOKEN": "zammad_token",
            "SMTP_HOST": "smtp_host",
            "SMTP_PORT": "smtp_port",
            "SMTP_USER": "smtp_user",
            "SMTP_PASSWORD": "smtp_password",
            "SMTP_STARTTLS": "smtp_starttls",
            "MAIL_FROM": "mail_from",
            "REPLY_TEMPLATES": "reply_templates",
            "DATABASE_URL": "database_url",
            "STORE_DESCRIPTIONS": "store_descriptions",
            "RETENTION_DAYS": "retention_days",
            "EMBEDDER": "embedder",
        }
        for name, field in env_names.items():
            value = env.get(f"{ENV_PREFIX}{name}")
            if value is not None and value != "":
                values[field] = value
        values.update(overrides)
        return cls(**values)
