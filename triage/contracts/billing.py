"""The month's time per customer, level and ticket, priced and set against the contingents."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from triage.contracts.plans import Plan
from triage.contracts.store import ContractStore
from triage.contracts.usage import contingents

USAGE_COLUMNS = (
    "month", "customer_id", "name", "plan", "level", "ticket_id", "billable", "entries", "minutes",
    "billed_minutes", "amount", "currency", "limit_minutes", "used_minutes", "left_minutes",
)  # fmt: skip


def usage_lines(store: ContractStore, plans: dict[str, Plan], month: str) -> list[dict[str, Any]]:
    """Return one row per customer, level, ticket and billability of the month (USAGE_COLUMNS)."""
    rows = store.usage(month)
    by_id = {c.customer_id: c for c in store.contracts()}
    states = {
        cid: contingents(store, plans[by_id[cid].plan], by_id[cid], month)
        for cid in {r.customer_id for r in rows}
        if cid in by_id and by_id[cid].plan in plans
    }
    lines = []
    for row in rows:
        contract = by_id.get(row.customer_id)
        plan = plans.get(contract.plan) if contract else None
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
    return lines


def usage_csv(lines: list[dict[str, Any]]) -> str:
    """Return the rows as CSV with a header line."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=USAGE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue()
