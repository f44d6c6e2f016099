"""`level0 build` and `level0 serve`: the site, its index and the model, and the service that serves them."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli.common import config_option, ensure_model, load_settings


@click.command()
@config_option
@click.option("--strict", is_flag=True, help="Fail on MkDocs warnings, like `mkdocs build --strict`.")
@click.option("--no-model", is_flag=True, help="Build site and index only, do not train the model.")
def build(config_file: Path | None, strict: bool, no_model: bool) -> None:
    """Build the site, the search index and, if missing or stale, the triage model."""
    from kb_search.build import build_site

    settings = load_settings(config_file)
    result = build_site(
        settings.config_file,
        strict=strict,
        site_dir=settings.site_dir,
        state_dir=settings.state_dir,
        embedder=settings.embedder,
    )
    stats = result.stats
    click.echo(
        f"site: {result.site_dir}\n"
        f"index: {stats.sections} sections of {stats.pages} pages in {stats.seconds:.2f} s "
        f"({stats.sections_per_second:.0f} sections/s)"
    )
    if not no_model:
        ensure_model(settings)


@click.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="gunicorn worker processes.")
def serve(config_file: Path | None, host: str, port: int, workers: int) -> None:
    """Build what is missing, then serve the site at / and the API under /api/ (with gunicorn)."""
    from kb_search.build import build_site
    from kb_search.publish import current_generation
    from triage.web.rate_limit import check_storage_uri
    from triage.web.server import serve as run_server

    settings = load_settings(config_file)
    if settings.rate_limit:
        check_storage_uri(settings.rate_limit_storage_uri)
    if current_generation(settings.index_dir) is None or not (settings.site_dir / "index.html").is_file():
        click.echo("site or index missing, building …", err=True)
        build_site(
            settings.config_file, site_dir=settings.site_dir, state_dir=settings.state_dir, embedder=settings.embedder
        )
    ensure_model(settings)
    click.echo(f"Level0 serves {settings.site_dir} on http://{host}:{port}/ (Ctrl+C stops)", err=True)
    run_server(settings, host=host, port=port, workers=workers)
