"""`level0 contracts import|export|usage|token`: customers' contracts and their contingents."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import click

CONFIG_HELP = "The project's mkdocs.yml (default: $LEVEL0_CONFIG or ./mkdocs.yml)."
MAX_LISTED_ERRORS = 10
USAGE_COLUMNS = (
    "month", "customer_id", "name", "plan", "level", "ticket_id", "billable", "entries", "minutes",
    "billed_minutes", "amount", "currency", "limit_minutes", "used_minutes", "left_minutes",
)  # fmt: skip


def config_option(func: Any) -> Any:
    return click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), help=CONFIG_HELP)(func)


def _policy(settings: Any) -> Any:
    from triage.cli import InputError
    from triage.policy import PolicyError, load_policy

    try:
        return load_policy(settings.policy_file)
    except PolicyError as exc:
        raise InputError(str(exc)) from None


@contextmanager
def _store(settings: Any) -> Iterator[Any]:
    """Open the contract store of the settings; a database error is a one-line message (exit 1)."""
    from sqlalchemy.exc import SQLAlchemyError

    from triage.contracts.store import ContractStore

    store = ContractStore.from_settings(settings)
    try:
        yield store
    except SQLAlchemyError as exc:
        raise click.ClickException(f"contract database: {str(exc).splitlines()[0]}") from None
    finally:
        store.close()


@click.group("contracts")
def contracts() -> None:
    """Customers' contracts (plans from the policy file) and their hour contingents."""


@contracts.command("import")
@click.argument("file", type=click.File("rb"))
@config_option
def import_contracts(file: IO[bytes], config_file: Path | None) -> None:
    """Import contracts from FILE.csv (customer_id,name,emails,plan,valid_until); all rows or none."""
    from triage.cli import InputError, load_settings
    from triage.contracts.csv_io import CsvError, RowError, parse_contracts
    from triage.contracts.store import AddressTaken

    settings = load_settings(config_file)
    policy = _policy(settings)
    name = getattr(file, "name", "-")
    try:
        parsed = parse_contracts(file.read(), list(policy.plans))
    except CsvError as exc:
        raise InputError(f"{name}: {exc}") from None
    errors = list(parsed.errors)
    if not errors and not parsed.contracts:
        raise InputError(f"{name}: no contracts in the file")
    if not errors:
        with _store(settings) as store:
            try:
                created, updated = store.import_contracts(parsed.contracts)
            except AddressTaken as exc:
                errors.append(RowError(parsed.lines[exc.customer_id], str(exc)))
    if errors:
        listed = "; ".join(str(e) for e in errors[:MAX_LISTED_ERRORS])
        more = f" (and {len(errors) - MAX_LISTED_ERRORS} more)" if len(errors) > MAX_LISTED_ERRORS else ""
        raise InputError(f"{name}: {len(errors)} bad row(s), nothing imported: {listed}{more}")
    click.echo(f"contracts: {created} new, {updated} updated")


@contracts.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the CSV here (default: stdout).")
@config_option
def export_contracts(out: Path | None, config_file: Path | None) -> None:
    """Write all contracts as CSV in the import format."""
    from triage.cli import InputError, load_settings
    from triage.contracts.csv_io import contracts_csv

    settings = load_settings(config_file)
    with _store(settings) as store:
        text = contracts_csv(store.contracts())
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None


@contracts.command("token")
@click.argument("customer_id")
@config_option
def token(customer_id: str, config_file: Path | None) -> None:
    """Print the signed token of a customer (for the portal link: /problem/#customer_token=TOKEN)."""
    from triage.cli import InputError, load_settings
    from triage.contracts.tokens import customer_token

    settings = load_settings(config_file)
    if not settings.customer_secret:
        raise InputError("no customer secret: set LEVEL0_CUSTOMER_SECRET (at least 16 characters)")
    try:
        click.echo(customer_token(customer_id, settings.customer_secret))
    except ValueError as exc:
        raise InputError(str(exc)) from None


@contracts.command("usage")
@click.option("--month", help="The month YYYY-MM (default: this month, UTC).")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per customer, level, ticket and billability.")
@config_option
def usage(month: str | None, as_csv: bool, config_file: Path | None) -> None:
    """Report the month's time per customer, level and ticket, against the contingents."""
    from triage.cli import InputError, load_settings
    from triage.contracts.service import today_utc
    from triage.contracts.usage import contingents, month_of, parse_month

    try:
        month = parse_month(month) if month else month_of(today_utc())
    except ValueError as exc:
        raise InputError(str(exc)) from None
    settings = load_settings(config_file)
    policy = _policy(settings)
    with _store(settings) as store:
        rows = store.usage(month)
        by_id = {c.customer_id: c for c in store.contracts()}
        states = {
            cid: contingents(store, policy.plans[by_id[cid].plan], by_id[cid], month)
            for cid in {r.customer_id for r in rows}
            if cid in by_id and by_id[cid].plan in policy.plans
        }
    lines = []
    for row in rows:
        contract = by_id.get(row.customer_id)
        plan = policy.plans.get(contract.plan) if contract else None
        state = states.get(row.customer_id, {}).get(row.level)
        amount = plan.price_per_step(row.level) * (row.billed_minutes // 5) if plan and row.billable else Decimal(0)
        lines.append(
            {
                "month": month,
                "customer_id": row.customer_id,
                "name": contract.name if contract else "",
                "plan": contract.plan if contract else "",
                "level": row.level,
                "ticket_id": row.ticket_id,
                "billable": "yes" if row.billable else "no",
                "entries": row.entries,
                "minutes": f"{row.minutes:g}",
                "billed_minutes": row.billed_minutes,
                "amount": f"{amount:.2f}",
                "currency": plan.currency if plan else "",
                "limit_minutes": state.limit_minutes if state else "",
                "used_minutes": state.used_minutes if state else "",
                "left_minutes": state.left_minutes if state else "",
            }
        )
    if as_csv:
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=USAGE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(lines)
        click.echo(out.getvalue(), nl=False)
        return
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
