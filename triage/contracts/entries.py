"""A time entry as the helpdesk sends it (POST /api/time-entries), validated with pydantic."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from triage.contracts.tokens import CUSTOMER_ID_PATTERN

MAX_MINUTES = 24 * 60
MAX_TICKET_MINUTES = 1_000_000


def _id_text(value: object) -> object:
    """Helpdesks send ids as numbers or strings; keep them as trimmed text."""
    if isinstance(value, bool):
        return value  # rejected by the str type: true is not an id
    return str(value).strip() if isinstance(value, int | str) else value


class TimeEntryRequest(BaseModel):
    """Work on a ticket: who, which ticket, which level, how long; `entry_id` makes it idempotent.

    Give `minutes` for one entry, or `ticket_total_minutes` (the ticket's accounted time so far, as
    Zammad sends it): Level0 then records the part it has not recorded yet.
    """

    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(default=None, pattern=f"^{CUSTOMER_ID_PATTERN}$", description="Level0's id")
    customer_email: str | None = Field(
        default=None, max_length=320, description="Or the customer's address: its contract's entry or @domain"
    )
    ticket_id: str = Field(min_length=1, max_length=100)
    entry_id: str = Field(min_length=1, max_length=100, description="Unique per entry: a repeat is recorded once")
    level: int = Field(ge=1, le=3, description="Support level 1, 2 or 3")
    minutes: float | None = Field(default=None, gt=0, le=MAX_MINUTES, description="Rounded up to 5-minute steps")
    ticket_total_minutes: float | None = Field(default=None, ge=0, le=MAX_TICKET_MINUTES)
    billable: bool = Field(default=True, description="False: recorded, but not taken from the contingent")
    worked_on: dt.date | None = Field(default=None, description="The day of the work (default: today, UTC)")

    _ids_as_text = field_validator("ticket_id", "entry_id", mode="before")(_id_text)

    @field_validator("ticket_id", "entry_id", "customer_email")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise ValueError("must not contain control characters")
        return value

    @model_validator(mode="after")
    def _one_of_each(self) -> TimeEntryRequest:
        if (self.customer_id is None) == (self.customer_email is None):
            raise ValueError("customer_id or customer_email: give exactly one of them")
        if (self.minutes is None) == (self.ticket_total_minutes is None):
            raise ValueError("minutes or ticket_total_minutes: give exactly one of them")
        return self
