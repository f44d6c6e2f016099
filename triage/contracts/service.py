"""Contracts for the adapters (API, webhook, reply): find the customer, say what the contract means, book time."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from kb_search.errors import Level0Error
from triage.contracts.answer import ContractTemplateError, contract_field
from triage.contracts.entries import TimeEntryRequest
from triage.contracts.plans import billed_minutes
from triage.contracts.store import ContractError, ContractStore, TimeEntry
from triage.contracts.tokens import customer_from_token
from triage.contracts.usage import contingents, month_of
from triage.contracts.warning_mail import warn_if_due

log = logging.getLogger(__name__)


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class ContractDesk:
    """The contracts of the settings' database under the policy's plans."""

    def __init__(self, store: ContractStore, policy: Any, settings: Any) -> None:
        self.store = store
        self.policy = policy
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Any, policy: Any) -> ContractDesk:
        """Return the desk over the settings' database (opened, and migrated, on first use)."""
        return cls(ContractStore.from_settings(settings), policy, settings)

    def close(self) -> None:
        self.store.close()

    def customer_from_token(self, token: str | None) -> str | None:
        """Return the customer a signed token names; None for a bare, forged or unsigned one."""
        return customer_from_token(token, self.settings.customer_secret)

    def customer_from_email(self, address: str | None) -> str | None:
        """Return the customer whose contract lists the address (exactly, else by its @domain)."""
        if not address or not self.policy.plans:
            return None
        try:
            return self.store.customer_for_email(address)
        except SQLAlchemyError as exc:  # an answer without the contract beats no answer
            log.warning("contract lookup failed: %s", str(exc).splitlines()[0])
            return None

    def contract_for(
        self, customer_id: str | None, category: str, language: str, *, today: dt.date | None = None
    ) -> dict[str, Any] | None:
        """Return the triage object's `contract` field, or None (unknown, expired, no such plan, store down)."""
        if not customer_id or not self.policy.plans:
            return None
        day = today or today_utc()
        try:
            contract = self.store.contract(customer_id)
            if contract is None or not contract.valid_on(day):
                return None
            plan = self.policy.plans.get(contract.plan)
            if plan is None:
                log.warning("customer %s names plan %r, which the policy does not have", customer_id, contract.plan)
                return None
            covered = getattr(self.policy.categories, category).covered
            level = self.policy.billing_levels.for_category(category) if covered != "covered" else None
            states = contingents(self.store, plan, contract, month_of(day)) if level else {}
            return contract_field(
                contract,
                plan,
                category=category,
                covered=covered,
                level=level,
                contingents=states,
                language=language,
                today=day,
                templates_dir=self.settings.reply_templates,
            )
        except SQLAlchemyError as exc:
            log.warning("contract lookup failed: %s", str(exc).splitlines()[0])
        except ContractTemplateError as exc:
            log.error("%s", exc)
        return None

    def attach(self, answer: dict[str, Any], customer_id: str | None) -> dict[str, Any]:
        """Add the `contract` field to a triage object when the customer has a valid contract."""
        field = self.contract_for(customer_id, answer["category"], answer["language"])
        if field is not None:
            answer["contract"] = field
        return answer

    def record_time(self, request: TimeEntryRequest, *, today: dt.date | None = None) -> dict[str, Any]:
        """Book a time entry (once per entry_id), then warn the customer if a contingent passed its threshold."""
        if request.customer_id is not None:
            customer_id: str | None = request.customer_id
            contract = self.store.contract(request.customer_id)
            if contract is None:
                raise ContractError(f"customer_id: no contract for {request.customer_id!r}")
        else:
            customer_id = self.store.customer_for_email(request.customer_email or "")
            contract = self.store.contract(customer_id) if customer_id else None
            if contract is None:
                raise ContractError("customer_email: no contract lists this address or its @domain")
        day = request.worked_on or today or today_utc()
        answer: dict[str, Any] = {
            "entry_id": request.entry_id,
            "customer_id": contract.customer_id,
            "ticket_id": request.ticket_id,
            "level": request.level,
        }
        minutes = request.minutes
        if minutes is None:
            done = self.store.ticket_minutes(contract.customer_id, request.ticket_id, request.level)
            minutes = (request.ticket_total_minutes or 0) - done
            if minutes <= 0:
                return answer | {"recorded": False, "duplicate": False, "minutes": 0, "billed_minutes": 0}
        entry = TimeEntry(
            entry_id=request.entry_id,
            customer_id=contract.customer_id,
            ticket_id=request.ticket_id,
            level=request.level,
            minutes=round(minutes, 2),
            billed_minutes=billed_minutes(round(minutes, 2)),
            billable=request.billable,
            worked_on=day,
        )
        stored, new = self.store.add_entry(entry)
        answer |= {
            "customer_id": stored.customer_id,
            "ticket_id": stored.ticket_id,
            "level": stored.level,
            "recorded": new,
            "duplicate": not new,
            "minutes": stored.minutes,
            "billed_minutes": stored.billed_minutes,
            "billable": stored.billable,
            "month": stored.month,
        }
        plan = self.policy.plans.get(contract.plan)
        if plan is not None:
            state = contingents(self.store, plan, contract, stored.month)[stored.level]
            answer["contingent"] = state.to_dict()
            if new and stored.billable:
                answer["warning"] = warn_if_due(
                    self.store, contract, plan, state, month=stored.month, settings=self.settings
                )
        return answer


@contextmanager
def opened_store(settings: Any) -> Iterator[ContractStore]:
    """Open the contract store of the settings; a database error becomes a Level0Error (exit 1, HTTP 503)."""
    store = ContractStore.from_settings(settings)
    try:
        yield store
    except SQLAlchemyError as exc:
        message = f"contract database: {str(exc).splitlines()[0]}"
        raise Level0Error(message, code="database_unavailable", status=503, exit_code=1) from None
    finally:
        store.close()
