"""How much of each monthly contingent is used, and who is near or over it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from triage.contracts.plans import LEVELS, Plan
from triage.contracts.store import Contract, ContractStore

_MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def month_of(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def parse_month(text: str) -> str:
    """Check a month written YYYY-MM; raise ValueError otherwise."""
    if not _MONTH_RE.fullmatch(text.strip()):
        raise ValueError(f"month: {text!r} is not a month YYYY-MM")
    return text.strip()


def previous_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


@dataclass(frozen=True)
class Contingent:
    """One level's contingent in one month: limit (with last month's rest if it rolls over), used, left."""

    level: int
    limit_minutes: int
    used_minutes: int
    left_minutes: int
    warning: bool  # the plan's warning threshold is reached

    @property
    def percent(self) -> int:
        return round(100 * self.used_minutes / self.limit_minutes) if self.limit_minutes else 0

    @property
    def over(self) -> bool:
        return self.limit_minutes > 0 and self.used_minutes >= self.limit_minutes

    def to_dict(self) -> dict[str, int | bool]:
        return asdict(self)


def contingent(plan: Plan, level: int, used: int, used_last_month: int = 0) -> Contingent:
    """Return a level's contingent for a month from the minutes used (this and last month)."""
    base = plan.limit(level)
    carried = max(0, base - used_last_month) if plan.rollover and base else 0
    limit = base + carried
    warning = limit > 0 and used * 100 >= plan.warning_percent * limit
    return Contingent(level, limit, used, max(0, limit - used), warning)


def rolls_over(plan: Plan, contract: Contract, month: str) -> bool:
    """Tell whether last month's rest counts this month: the plan says so and the contract existed then."""
    return plan.rollover and contract.created_at is not None and month_of(contract.created_at.date()) < month


def contingents(store: ContractStore, plan: Plan, contract: Contract, month: str) -> dict[int, Contingent]:
    """Return every level's contingent of a customer in a month."""
    customer_id = contract.customer_id
    used = store.used_minutes(month, customer_id)
    if rolls_over(plan, contract, month):
        before = store.used_minutes(previous_month(month), customer_id)
        carry = {level: before.get((customer_id, level), 0) for level in LEVELS}
    else:
        carry = {level: plan.limit(level) for level in LEVELS}  # nothing left over to carry
    return {level: contingent(plan, level, used.get((customer_id, level), 0), carry[level]) for level in LEVELS}


@dataclass(frozen=True)
class ContingentAlert:
    """A customer whose contingent at a level has passed the warning threshold (or is used up)."""

    customer_id: str
    name: str
    plan: str
    contingent: Contingent

    @property
    def state(self) -> str:
        return "over" if self.contingent.over else "near"


def contingent_alerts(store: ContractStore, plans: dict[str, Plan], month: str) -> list[ContingentAlert]:
    """Return the contingents at or past their warning threshold in a month, fullest first."""
    used = store.used_minutes(month)
    if not used:
        return []
    before = store.used_minutes(previous_month(month))
    by_id: dict[str, Contract] = {c.customer_id: c for c in store.contracts()}
    alerts = []
    for (customer_id, level), minutes in used.items():
        contract = by_id.get(customer_id)
        plan = plans.get(contract.plan) if contract else None
        if contract is None or plan is None:
            continue
        last = before.get((customer_id, level), 0) if rolls_over(plan, contract, month) else plan.limit(level)
        state = contingent(plan, level, minutes, last)
        if state.warning or state.over:
            alerts.append(ContingentAlert(customer_id, contract.name, contract.plan, state))
    return sorted(alerts, key=lambda a: (-a.contingent.percent, a.customer_id, a.contingent.level))
