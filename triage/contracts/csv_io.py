"""Contracts as CSV: `customer_id,name,emails,plan,valid_until` (+ optional `language`), read and written.

`emails` holds `;`-separated addresses or `@domain` entries. A file is checked as a whole: every bad
row is reported with its line number, and nothing is imported unless all rows are good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb_search.errors import Level0Error
from triage.contracts.store import AddressTaken, Contract, ContractStore
from triage.contracts.tokens import CUSTOMER_ID_PATTERN

COLUMNS = ("customer_id", "name", "emails", "plan", "valid_until")
OPTIONAL_COLUMNS = ("language",)
LANGUAGES = ("de", "en")
MAX_ROWS = 100_000
MAX_NAME_CHARS = 200
_CUSTOMER_ID_RE = re.compile(CUSTOMER_ID_PATTERN)
_ADDRESS_RE = re.compile(r"[^@\s;,<>\"]+@[^@\s;,<>\"]+\.[^@\s;,<>\".]+")
_DOMAIN_RE = re.compile(r"@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")


class CsvError(Level0Error, ValueError):
    """The CSV file cannot be read at all (encoding, header)."""

    code = "bad_csv"


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row: its line number in the file and a message naming the column."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedRows:
    contracts: list[Contract]
    lines: dict[str, int]  # customer id → line number, to report conflicts found while storing
    errors: list[RowError]


def parse_emails(value: str) -> tuple[str, ...]:
    """Split `a@x.de; @y.de` into lower-case entries; raise ValueError naming a bad one."""
    entries = [part.strip().lower() for part in value.split(";") if part.strip()]
    if not entries:
        raise ValueError("emails: at least one address or @domain is needed")
    for entry in entries:
        pattern = _DOMAIN_RE if entry.startswith("@") else _ADDRESS_RE
        if not pattern.fullmatch(entry):
            raise ValueError(f"emails: {entry!r} is neither an address nor an @domain entry")
    if len(set(entries)) != len(entries):
        raise ValueError("emails: an entry is listed twice")
    return tuple(entries)


def _row_contract(row: dict[str, str], plans: Sequence[str]) -> Contract:
    customer_id = (row.get("customer_id") or "").strip()
    if not _CUSTOMER_ID_RE.fullmatch(customer_id):
        raise ValueError(f"customer_id: {customer_id!r} must be 1–64 letters, digits or _.:- (starting alphanumeric)")
    name = " ".join((row.get("name") or "").split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise ValueError(f"name: must be 1–{MAX_NAME_CHARS} characters")
    emails = parse_emails(row.get("emails") or "")
    plan = (row.get("plan") or "").strip()
    if plan not in plans:
        raise ValueError(f"plan: {plan!r} is not a plan of the policy file ({', '.join(plans) or 'none defined'})")
    until_text = (row.get("valid_until") or "").strip()
    try:
        valid_until = dt.date.fromisoformat(until_text) if until_text else None
    except ValueError:
        raise ValueError(f"valid_until: {until_text!r} is not a date YYYY-MM-DD (or empty)") from None
    language = (row.get("language") or "de").strip().lower() or "de"
    if language not in LANGUAGES:
        raise ValueError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    return Contract(customer_id, name, emails, plan, valid_until, language)


def parse_contracts(data: bytes, plans: Sequence[str]) -> ParsedRows:
    """Read a contracts CSV (UTF-8, optionally with BOM); return the good contracts and every row error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(f"the file is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise CsvError("the file contains NUL bytes: send a CSV text file")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise CsvError(f"line 1: {exc}") from None
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        wanted = ",".join(COLUMNS)
        problem = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise CsvError(f"line 1: the header must be {wanted} (optionally ,language): {problem}")
    reader.fieldnames = header
    contracts: list[Contract] = []
    lines: dict[str, int] = {}
    owners: dict[str, str] = {}
    errors: list[RowError] = []
    try:
        for row in reader:
            line = reader.line_num
            if len(contracts) + len(errors) >= MAX_ROWS:
                raise CsvError(f"line {line}: more than {MAX_ROWS} rows")
            if None in row:
                errors.append(RowError(line, f"more than {len(header)} columns"))
                continue
            if not any((value or "").strip() for value in row.values()):
                continue  # an empty line
            try:
                contract = _row_contract(row, plans)
            except ValueError as exc:
                errors.append(RowError(line, str(exc)))
                continue
            if contract.customer_id in lines:
                errors.append(
                    RowError(
                        line, f"customer_id: {contract.customer_id} is already on line {lines[contract.customer_id]}"
                    )
                )
                continue
            clash = next((e for e in contract.emails if e in owners), None)
            if clash is not None:
                errors.append(RowError(line, f"emails: {clash} is already listed for {owners[clash]}"))
                continue
            owners.update(dict.fromkeys(contract.emails, contract.customer_id))
            lines[contract.customer_id] = line
            contracts.append(contract)
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: {exc}") from None
    return ParsedRows(contracts, lines, errors)


def contracts_csv(items: Iterable[Contract]) -> str:
    """Write contracts in the import format (with the language column), one row each."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, *OPTIONAL_COLUMNS))
    for item in items:
        until = item.valid_until.isoformat() if item.valid_until else ""
        writer.writerow((item.customer_id, item.name, ";".join(item.emails), item.plan, until, item.language))
    return out.getvalue()


MAX_LISTED_ERRORS = 10


def import_contracts_csv(
    store: ContractStore, data: bytes, plans: Sequence[str], *, name: str = "-"
) -> tuple[int, int]:
    """Import every contract of a CSV file, or none: return (created, updated); CsvError lists the bad rows."""
    try:
        parsed = parse_contracts(data, plans)
    except CsvError as exc:
        raise CsvError(f"{name}: {exc}") from None
    errors = list(parsed.errors)
    if not errors and not parsed.contracts:
        raise CsvError(f"{name}: no contracts in the file")
    if not errors:
        try:
            return store.import_contracts(parsed.contracts)
        except AddressTaken as exc:
            errors.append(RowError(parsed.lines[exc.customer_id], str(exc)))
    listed = "; ".join(str(e) for e in errors[:MAX_LISTED_ERRORS])
    more = f" (and {len(errors) - MAX_LISTED_ERRORS} more)" if len(errors) > MAX_LISTED_ERRORS else ""
    raise CsvError(f"{name}: {len(errors)} bad row(s), nothing imported: {listed}{more}")
