"""The `level0` command line: one module per command group, registered here.

This is one of the two edges where a `Level0Error` becomes what the user sees: its one-line
message on stderr ("Error: …") and its exit code (2 for bad input or configuration, 1 when a
service the command needs failed). Commands themselves never translate errors.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from kb_search.errors import Level0Error
from triage.cli.contracts import contracts
from triage.cli.model import evaluate, train
from triage.cli.reply import reply
from triage.cli.report import report
from triage.cli.search import search
from triage.cli.site import build, serve
from triage.cli.triage import triage
from triage.settings import settings_help


class Level0Group(click.Group):
    """A click group that turns every Level0Error of its commands into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Level0Error as exc:
            error = click.ClickException(str(exc))
            error.exit_code = exc.exit_code
            raise error from None


@click.group(cls=Level0Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=settings_help())
@click.option("-v", "--verbose", is_flag=True, help="Show the build's log lines.")
def main(verbose: bool) -> None:
    """Level0: a self-service knowledge base with section search and support triage."""
    # mkdocs-material prints its end-of-life notice on import; README.md covers it once.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)-7s %(message)s",
        stream=sys.stderr,
    )


for command in (build, serve, search, triage, train, evaluate, reply, report, contracts):
    main.add_command(command)
