"""`level0 reply`: answer one customer e-mail with articles and what its category means."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import click

from kb_search.errors import Level0Error
from triage.cli.common import config_option, load_settings


@click.command()
@click.argument("file", required=False, default="-", type=click.File("rb"))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write the reply here.")
@click.option("--send", is_flag=True, help="Send the reply via the SMTP server of LEVEL0_SMTP_HOST.")
@click.option("--base-url", help="Base URL of the help site for article links (default: site_url).")
@click.option("--version", "product_version", metavar="X", help="The customer's product version, e.g. 6.1.2.")
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder with the vendor's own reply templates (see triage/mail/templates/README.md).",
)
@config_option
def reply(
    file: IO[bytes],
    out: Path | None,
    send: bool,
    base_url: str | None,
    product_version: str | None,
    templates: Path | None,
    config_file: Path | None,
) -> None:
    """Answer one e-mail (FILE.eml, or "-" for standard input) with an automatic first reply.

    Writes the reply message to standard output (or --out FILE), or sends it with --send.
    Mail that must not get an auto-reply (bounces, lists, auto-replies, our own) is skipped with its
    reason on standard error and exit code 0.
    """
    from triage.mail.auto_reply import auto_reply
    from triage.mail.send import send_message

    settings = load_settings(config_file)
    if send and not settings.smtp_host:
        raise Level0Error("--send needs an SMTP server: set LEVEL0_SMTP_HOST (and LEVEL0_SMTP_PORT, _USER, ...)")
    message, reason = auto_reply(
        file.read(),
        settings,
        base_url=base_url or settings.site_url,
        version=product_version,
        templates=templates or settings.reply_templates,
    )
    if message is None:
        click.echo(f"level0 reply: no reply: {reason}", err=True)
        return
    raw = message.as_bytes()
    if out is not None:
        try:
            out.write_bytes(raw)
        except OSError as exc:
            raise Level0Error(f"cannot write {out}: {exc.strerror or exc}", code="not_written") from None
    elif not send:
        click.echo(raw, nl=False)  # bytes go to the binary stdout as they are
    if send:
        send_message(message, settings)
        click.echo(f"level0 reply: sent to {message['To']} via {settings.smtp_host}", err=True)
