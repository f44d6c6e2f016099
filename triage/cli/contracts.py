"""`level0 contracts import|export|usage|token`: customers' contracts and their contingents."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

from kb_search.errors import Level0Error
from triage.cli.common import config_option, load_settings


@click.group("contracts")
def contracts() -> None:
    """Customers' contracts (plans from the policy file) and their hour contingents."""


@contracts.command("import")
@click.argument("file", type=click.File("rb"))
@config_option
def import_contracts(file: IO[bytes], config_file: Path | None) -> None:
    """Import contracts from FILE.csv (customer_id,name,emails,plan,valid_until); all rows or none."""
    from triage.answer.policy import load_policy
    from triage.contracts.csv_io import import_contracts_csv
    from triage.contracts.service import opened_store

    settings = load_settings(config_file)
    policy = load_policy(settings.policy_file)
    data = file.read()
    with opened_store(settings) as store:
        created, updated = import_contracts_csv(store, data, list(policy.plans), name=getattr(file, "name", "-"))
    click.echo(f"contracts: {created} new, {updated} updated")


@contracts.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the CSV here (default: stdout).")
@config_option
def export_contracts(out: Path | None, config_file: Path | None) -> None:
    """Write all contracts as CSV in the import format."""
    from triage.contracts.csv_io import contracts_csv
    from triage.contracts.service import opened_store

    settings = load_settings(config_file)
    with opened_store(settings) as store:
        text = contracts_csv(store.contracts())
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Level0Error(f"cannot write {out}: {exc.strerror or exc}", code="not_written") from None


@contracts.command("token")
@click.argument("customer_id")
@config_option
def token(customer_id: str, config_file: Path | None) -> None:
    """Print the signed token of a customer (for the portal link: /problem/#customer_token=TOKEN)."""
    from triage.contracts.tokens import customer_token

    settings = load_settings(config_file)
    if not settings.customer_secret:
        raise Level0Error("no customer secret: set LEVEL0_CUSTOMER_SECRET (at least 16 characters)")
    try:
        click.echo(customer_token(customer_id, settings.customer_secret))
    except ValueError as exc:
        raise Level0Error(str(exc), code="bad_input") from None


@contracts.command("usage")
@click.option("--month", help="The month YYYY-MM (default: this month, UTC).")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per customer, level, ticket and billability.")
@config_option
def usage(month: str | None, as_csv: bool, config_file: Path | None) -> None:
    """Report the month's time per customer, level and ticket, against the contingents."""
    from triage.answer.policy import load_policy
    from triage.contracts.billing import usage_csv, usage_lines
    from triage.contracts.service import opened_store, today_utc
    from triage.contracts.usage import month_of, parse_month

    try:
        month = parse_month(month) if month else month_of(today_utc())
    except ValueError as exc:
        raise Level0Error(str(exc), code="bad_input") from None
    settings = load_settings(config_file)
    policy = load_policy(settings.policy_file)
    with opened_store(settings) as store:
        lines = usage_lines(store, policy.plans, month)
    if as_csv:
        click.echo(usage_csv(lines), nl=False)
    else:
        _print_usage(month, lines)


def _print_usage(month: str, lines: list[dict[str, Any]]) -> None:
    from triage.contracts.plans import format_duration

    if not lines:
        click.echo(f"{month}: no time entries")
        return
    shown: set[tuple[str, int]] = set()
    for line in lines:
        key = (line["customer_id"], line["level"])
        if key not in shown:
            shown.add(key)
            head = f"{month}  {line['customer_id']} {line['name']} ({line['plan'] or 'no plan'}), level {line['level']}"
            if line["limit_minutes"] != "":
                head += (
                    f": {format_duration(line['used_minutes'])} of {format_duration(line['limit_minutes'])} used,"
                    f" {format_duration(line['left_minutes'])} left"
                )
            click.echo(click.style(head, bold=True))
        kind = "billable" if line["billable"] == "yes" else "not billable"
        click.echo(
            f"  ticket {line['ticket_id']}: {line['billed_minutes']} min {kind} "
            f"({line['entries']} entries, {line['minutes']} min worked) {line['amount']} {line['currency']}".rstrip()
        )
