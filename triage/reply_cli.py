"""`level0 reply`: answer one customer e-mail with articles and what its category means."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

# triage.cli imports this module at its end to register the command, so names from triage.cli are
# imported inside the functions: a module-level import would fail when this module is imported first.
CONFIG_HELP = "The project's mkdocs.yml (default: $LEVEL0_CONFIG or ./mkdocs.yml)."
MAX_SUBJECT_CHARS = 1_000


def _reply_to(data: bytes, settings: Any, *, base_url: str, version: str | None, templates: Path | None):
    """Return (reply message, None) for raw message bytes, or (None, reason) when it must not be answered."""
    from triage.artifact import ArtifactError
    from triage.cli import InputError, open_triager
    from triage.mail import (
        MailInputError,
        ReplyTemplateError,
        build_reply_message,
        compose_reply,
        customer_name,
        customer_text,
        parse_message,
        should_not_reply,
    )
    from triage.service import MAX_DESCRIPTION_CHARS, TriageInputError

    try:
        original = parse_message(data)
        reason = should_not_reply(original, own_address=settings.mail_from)
        if reason:
            return None, reason
        text = customer_text(original)
    except MailInputError as exc:
        raise InputError(str(exc)) from None
    # A long mail (a pasted log) still gets its reply: triage reads the start, as for the articles.
    subject = text.subject[:MAX_SUBJECT_CHARS]
    body = text.body[: MAX_DESCRIPTION_CHARS - len(subject) - 1]
    triager = open_triager(settings)
    try:
        answer = triager.triage(body, subject=subject, version=version)
        _attach_contract(answer, original, settings, triager.policy)
    except TriageInputError as exc:
        raise InputError(f"cannot triage the message: {exc}") from None
    except ArtifactError as exc:
        raise InputError(str(exc)) from None
    finally:
        triager.close()
    try:
        reply_text = compose_reply(
            answer,
            language=answer["language"],
            base_url=base_url,
            customer_name=customer_name(original),
            subject=subject,
            ticket_url=settings.ticket_url,
            templates_dir=templates,
        )
        message = build_reply_message(original, reply_text, sender=settings.mail_from, language=answer["language"])
    except (ReplyTemplateError, MailInputError) as exc:
        raise InputError(str(exc)) from None
    return message, None


def _attach_contract(answer: dict[str, Any], original: Any, settings: Any, policy: Any) -> None:
    """Add the sender's contract to the answer, if the reply goes only to addresses of that same contract.

    A forged From with a Reply-To elsewhere must not send a customer's contract data to a stranger.
    """
    from triage.contracts.service import ContractDesk
    from triage.mail import MailInputError, reply_recipients
    from triage.mail.parse import header_addresses

    if not policy.plans:
        return
    desk = ContractDesk.from_settings(settings, policy)
    try:
        sender = next((address for _, address in header_addresses(original, "From") if address), "")
        customer = desk.customer_from_email(sender)
        if customer is None:
            return
        try:
            recipients = [address.addr_spec for address in reply_recipients(original)]
        except MailInputError:
            return
        if all(desk.customer_from_email(address) == customer for address in recipients):
            desk.attach(answer, customer)
    finally:
        desk.close()


@click.command()
@click.argument("file", required=False, default="-", type=click.File("rb"))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write the reply here.")
@click.option("--send", is_flag=True, help="Send the reply via the SMTP server of LEVEL0_SMTP_HOST.")
@click.option("--base-url", help="Base URL of the help site for article links (default: site_url).")
@click.option("--version", "product_version", metavar="X", help="The customer's product version, e.g. 6.1.2.")
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder with the vendor's own reply templates (see triage/templates/README.md).",
)
@click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), help=CONFIG_HELP)
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
    from triage.cli import InputError, load_settings
    from triage.mail import SendError, send_message

    settings = load_settings(config_file)
    if send and not settings.smtp_host:
        raise InputError("--send needs an SMTP server: set LEVEL0_SMTP_HOST (and LEVEL0_SMTP_PORT, _USER, ...)")
    data = file.read()
    message, reason = _reply_to(
        data,
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
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    elif not send:
        click.echo(raw, nl=False)  # bytes go to the binary stdout as they are
    if send:
        try:
            send_message(message, settings)
        except SendError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"level0 reply: sent to {message['To']} via {settings.smtp_host}", err=True)
