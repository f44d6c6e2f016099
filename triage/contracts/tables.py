"""The contract tables of the event store's database (created by migration 2 in triage/events/migrations.py)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer, MetaData, String, Table

metadata = MetaData()

contracts = Table(
    "contracts",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("plan", String(64), nullable=False),
    Column("valid_until", Date()),
    Column("language", String(8), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
)

# One row per address or "@domain" entry of a contract, in the order the CSV gave them.
contract_emails = Table(
    "contract_emails",
    metadata,
    Column("address", String(320), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
)

time_entries = Table(
    "time_entries",
    metadata,
    Column("entry_id", String(100), primary_key=True),
    Column("customer_id", String(64), nullable=False),
    Column("ticket_id", String(100), nullable=False),
    Column("level", Integer, nullable=False),
    Column("minutes", Float, nullable=False),
    Column("billed_minutes", Integer, nullable=False),
    Column("billable", Boolean(create_constraint=False), nullable=False),
    Column("month", String(7), nullable=False),
    Column("worked_on", Date(), nullable=False),
    Column("created_at", DateTime(), nullable=False),
)

contingent_warnings = Table(
    "contingent_warnings",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("level", Integer, primary_key=True),
    Column("sent_at", DateTime(), nullable=False),
)
