"""What every `level0` command shares: the config option, loading the settings, printing JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb_search.errors import Level0Error

if TYPE_CHECKING:
    from triage.answer.service import Triager
    from triage.settings import Settings

CONFIG_HELP = "The project's mkdocs.yml (default: $LEVEL0_CONFIG or ./mkdocs.yml)."


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add `-f/--config-file` to a command."""
    return click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), help=CONFIG_HELP)(func)


def load_settings(config_file: Path | None) -> Settings:
    """Return the settings of the project (a Level0Error names what is wrong)."""
    from triage.settings import Settings

    return Settings.load(config_file)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def read_text_argument(text: str | None) -> str:
    """Return the TEXT argument, or standard input for "-" or no argument; refuse binary input."""
    if text is not None and text != "-":
        return text
    data = sys.stdin.buffer.read()
    if b"\x00" in data:
        raise Level0Error("input contains NUL bytes: send text, not binary data", code="bad_input")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Level0Error("input is not UTF-8 text", code="bad_input") from None


def open_triager(settings: Settings) -> Triager:
    from triage.answer.service import Triager

    return Triager.from_settings(settings)


def ensure_model(settings: Settings, *, force: bool = False) -> None:
    """Train the triage model when it is missing, stale or `force` is set; say what happened."""
    from triage.classifier.training import ModelStatus, model_status, train_and_publish

    status = model_status(settings)
    if not force and status is ModelStatus.CURRENT:
        click.echo(f"model: up to date ({settings.model_dir})")
        return
    click.echo(f"model: {status.value}, training …", err=True)
    try:
        report = train_and_publish(settings)
    except OSError as exc:
        raise Level0Error(f"cannot train the model: {exc}", code="model_not_written", exit_code=1) from None
    click.echo(f"model: trained on {report['train_size']} examples, {report['summary']}")
