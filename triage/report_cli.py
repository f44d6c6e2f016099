"""`level0 report`: write the insights report (HTML with inline charts) from the event store."""

from __future__ import annotations

from pathlib import Path

import click

from triage.insights import DEFAULT_DAYS


@click.command("report")
@click.option(
    "-f",
    "--config-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The project's mkdocs.yml (default: $LEVEL0_CONFIG or ./mkdocs.yml).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the HTML (default: .level0/reports/insights.html in the state dir).",
)
@click.option("--days", default=DEFAULT_DAYS, show_default=True, type=click.IntRange(1, 3660), help="Period.")
def report(config_file: Path | None, out: Path | None, days: int) -> None:
    """Write the insights report: funnel, top queries, content gaps, articles, triage over time."""
    from sqlalchemy.exc import SQLAlchemyError

    from triage.cli import load_settings, open_triager
    from triage.events.store import EventStore
    from triage.insights import write_insights_report

    settings = load_settings(config_file)
    triager = open_triager(settings)  # its policy names the plans of the contingents section
    policy = triager.policy
    triager.close()
    store = EventStore.from_settings(settings)
    try:
        store.open()
        # The report never shows what the retention period says is gone.
        if settings.retention_days > 0:
            store.purge(settings.retention_days)
        path = write_insights_report(store, out or settings.reports_dir / "insights.html", days=days, policy=policy)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot read the event store: {str(exc).splitlines()[0]}") from None
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(f"report: {path}")
