"""`level0 report`: write the insights report (HTML with inline charts) from the event store."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli.common import config_option, load_settings
from triage.events.insights import DEFAULT_DAYS


@click.command("report")
@config_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the HTML (default: .level0/reports/insights.html in the state dir).",
)
@click.option("--days", default=DEFAULT_DAYS, show_default=True, type=click.IntRange(1, 3660), help="Period.")
def report(config_file: Path | None, out: Path | None, days: int) -> None:
    """Write the insights report: funnel, top queries, content gaps, articles, triage over time."""
    from triage.events.insights import report_from_settings

    click.echo(f"report: {report_from_settings(load_settings(config_file), out, days=days)}")
