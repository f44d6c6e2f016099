"""Level0's one configuration object and its one settings table.

Each setting is declared once, below, as a field of `Settings`: its name, its environment variable,
its `mkdocs.yml` key, its default and its help. That declaration drives loading (mkdocs.yml, then the
environment, then explicit overrides), validation (pydantic), the settings list of `level0 --help`
and the table in README.md (`python -m triage.settings` prints it; a test keeps the README in step).
This module is the only place that reads the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from email.utils import parseaddr
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kb_search.errors import KbSearchError, Level0Error

ENV_PREFIX = "LEVEL0_"
MAX_BODY_BYTES = 64 * 1024
README_START = "<!-- settings-table:start (python -m triage.settings) -->"
README_END = "<!-- settings-table:end -->"


class SettingsError(Level0Error):
    """The configuration cannot be used: config file missing, a value invalid (the message names it)."""

    code = "bad_settings"
    status = 500


def bundled_path(name: str) -> Path:
    """Return the path of a file shipped inside the triage package (policy, data, templates)."""
    return Path(str(resources.files("triage").joinpath(name)))


def setting(
    default: Any = None, help: str = "", *, env: str | None = None, mkdocs: str | None = None, **kw: Any
) -> Any:
    """Declare one setting: default, help, environment variable (without LEVEL0_) and mkdocs.yml key."""
    extra = {"env": env, "mkdocs": mkdocs}
    if "default_factory" in kw:
        return Field(description=help, json_schema_extra=extra, **kw)
    return Field(default, description=help, json_schema_extra=extra, **kw)


class Settings(BaseModel):
    """Everything the CLI and the service need to know, validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    config_file: Path = setting(..., "the project's mkdocs.yml (default: ./mkdocs.yml)", env="CONFIG")
    docs_dir: Path = setting(..., "the Markdown pages", mkdocs="docs_dir")
    site_dir: Path = setting(..., "the built site", env="SITE_DIR", mkdocs="site_dir")
    state_dir: Path = setting(
        ...,
        "index, model, reports, SQLite files (default .level0/)",
        env="STATE_DIR",
        mkdocs="plugins.level0.state_dir",
    )
    embedder: str = setting(
        "use-multilingual-v3",
        "sentence encoder of the index's vectors, used at build: use-multilingual-v3, none,"
        " sentence-transformers:NAME_OR_PATH (searches use the one the index names)",
        env="EMBEDDER",
        mkdocs="plugins.level0.embedder",
    )
    policy_file: Path = setting(
        help="the support policy (default: the bundled triage/policy.yml)",
        default_factory=lambda: bundled_path("policy.yml"),
        env="POLICY",
        mkdocs="extra.level0.policy",
    )
    data_dir: Path = setting(
        help="the triage training data (default: the bundled triage/data/)",
        default_factory=lambda: bundled_path("data"),
        env="DATA_DIR",
        mkdocs="extra.level0.data",
    )
    site_url: str = setting(
        "http://127.0.0.1:8000/", "base URL for links in e-mails", env="SITE_URL", mkdocs="site_url"
    )
    ticket_url: str = setting(
        "",
        "where the problem page sends a customer to open a ticket",
        env="TICKET_URL",
        mkdocs="extra.level0.ticket_url",
    )
    rate_limit: str | None = setting(
        None,
        "per-client limit of the API, e.g. 120/minute (off when unset)",
        env="RATE_LIMIT",
        mkdocs="extra.level0.rate_limit",
    )
    rate_limit_storage: str | None = setting(
        None,
        "where the limit counts: a `limits` storage URI, e.g. redis://10.0.0.5:6379"
        " (default SQLite ratelimit.db in the state dir, shared by the workers)",
        env="RATE_LIMIT_STORAGE",
        mkdocs="extra.level0.rate_limit_storage",
    )
    agent_tokens: tuple[str, ...] = setting((), "comma-separated tokens of support agents", env="AGENT_TOKENS")
    webhook_secret: str | None = setting(
        None, "shared secret of the helpdesk webhook (HMAC-SHA256 of the body)", env="WEBHOOK_SECRET"
    )
    customer_secret: str | None = setting(
        None,
        "signs customer tokens for contract-aware answers (at least 16 characters)",
        env="CUSTOMER_SECRET",
        min_length=16,
    )
    cors_origins: tuple[str, ...] = setting((), "comma-separated origins allowed to call the API", env="CORS_ORIGINS")
    max_body_bytes: int = setting(MAX_BODY_BYTES, "largest request body the API accepts", env="MAX_BODY_BYTES", gt=0)
    zammad_url: str | None = setting(None, "Zammad to post webhook replies to as internal notes", env="ZAMMAD_URL")
    zammad_token: str | None = setting(None, "API token for ZAMMAD_URL", env="ZAMMAD_TOKEN")
    smtp_host: str | None = setting(
        None, "SMTP server for `level0 reply --send` and contingent warnings", env="SMTP_HOST"
    )
    smtp_port: int = setting(587, "SMTP port", env="SMTP_PORT")
    smtp_user: str | None = setting(None, "SMTP user", env="SMTP_USER")
    smtp_password: str | None = setting(None, "SMTP password", env="SMTP_PASSWORD")
    smtp_starttls: bool = setting(True, "use STARTTLS", env="SMTP_STARTTLS")
    mail_from: str = setting(
        "support@lindgruen.example", "sender of auto-replies", env="MAIL_FROM", mkdocs="extra.level0.mail_from"
    )
    reply_templates: Path | None = setting(
        None,
        "a folder with the vendor's own reply templates (missing ones are Level0's)",
        env="REPLY_TEMPLATES",
        mkdocs="extra.level0.reply_templates",
    )
    database_url: str | None = setting(
        None, "event store (default SQLite events.db in the state dir; PostgreSQL by URL)", env="DATABASE_URL"
    )
    store_descriptions: bool = setting(
        False,
        "keep customers' descriptions in the event store",
        env="STORE_DESCRIPTIONS",
        mkdocs="extra.level0.store_descriptions",
    )
    retention_days: int = setting(
        90, "days events are kept (0: forever)", env="RETENTION_DAYS", mkdocs="extra.level0.retention_days", ge=0
    )

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

        env = os.environ if environ is None else environ
        path = Path(config_file or env.get(f"{ENV_PREFIX}CONFIG") or "mkdocs.yml").resolve()
        if not path.is_file():
            raise SettingsError(f"config file not found: {path}")
        try:
            mkdocs_config, plugin = load_project(path)
        except KbSearchError as exc:
            raise SettingsError(str(exc)) from None
        values: dict[str, Any] = {"config_file": path}
        for name, (env_name, key) in SETTINGS_TABLE.items():
            value = _mkdocs_value(mkdocs_config, plugin, key) if key else None
            if value is not None and value != "":
                values[name] = value
            raw = env.get(f"{ENV_PREFIX}{env_name}") if env_name and name != "config_file" else None
            if raw is not None and raw != "":
                values[name] = raw
        values.update(overrides)
        try:
            return cls(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "settings"
            source = f" ({ENV_PREFIX}{SETTINGS_TABLE[field][0]})" if SETTINGS_TABLE.get(field, (None,))[0] else ""
            raise SettingsError(f"invalid settings: {field}{source}: {error['msg']}") from None


def _mkdocs_value(mkdocs_config: Any, plugin: Any, key: str) -> Any:
    """Return a setting's value from the loaded mkdocs.yml: a top-level key, a plugin option or extra.level0.X."""
    from kb_search.plugin import resolve_state_dir

    base = Path(mkdocs_config.config_file_path).parent
    if key.startswith("plugins.level0."):
        option = key.rsplit(".", 1)[1]
        value = plugin.config[option]
        return resolve_state_dir(mkdocs_config, value) if option == "state_dir" else value
    if key.startswith("extra.level0."):
        value = ((mkdocs_config.extra or {}).get("level0") or {}).get(key.rsplit(".", 1)[1])
        if value and key.rsplit(".", 1)[1] in PATH_KEYS:
            return base / value
        return value
    value = mkdocs_config[key]
    return Path(value) if key in ("docs_dir", "site_dir") else value


PATH_KEYS = ("policy", "data", "reply_templates")
# name -> (environment variable without the prefix, mkdocs.yml key), from the declarations above.
SETTINGS_TABLE: dict[str, tuple[str | None, str | None]] = {
    name: ((field.json_schema_extra or {}).get("env"), (field.json_schema_extra or {}).get("mkdocs"))  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def _default_text(name: str) -> str:
    field = Settings.model_fields[name]
    if field.is_required() or field.default_factory is not None:
        return ""
    default = field.default
    if default in (None, "", ()):
        return ""
    return f"`{str(default).lower() if isinstance(default, bool) else default}`"


def settings_rows() -> list[tuple[str, str, str, str]]:
    """Return (environment variable, mkdocs.yml key, default, help) for every setting."""
    rows = []
    for name, (env_name, key) in SETTINGS_TABLE.items():
        env_text = f"{ENV_PREFIX}{env_name}" if env_name else ""
        rows.append((env_text, key or "", _default_text(name), Settings.model_fields[name].description or ""))
    return rows


def settings_markdown() -> str:
    """Return the settings table for README.md."""
    lines = ["| Environment | mkdocs.yml | Default | Meaning |", "|---|---|---|---|"]
    for env_text, key, default, help_text in settings_rows():
        cells = [f"`{env_text}`" if env_text else "", f"`{key}`" if key else "", default, help_text.replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def settings_help() -> str:
    """Return the settings as the epilog of `level0 --help` (environment variables first, then mkdocs.yml keys)."""
    lines = ["\b", "Settings (environment variable / mkdocs.yml key: meaning):"]
    for env_text, key, default, help_text in settings_rows():
        where = " / ".join(part for part in (env_text, key) if part)
        lines.append(f"  {where}: {help_text}" + (f" [default: {default.strip('`')}]" if default else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_markdown(), end="")
