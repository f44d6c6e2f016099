"""Service plans of the policy file: response times, support levels, monthly contingents, rates.

A plan is what a customer's contract names (`Basis`, `Premium`, …). Billable work is booked in
5-minute steps against a monthly contingent per support level (1, 2, 3), at the level's hourly rate;
the customer is warned when a contingent passes the plan's threshold.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Level = Literal[1, 2, 3]
LEVELS: tuple[int, ...] = (1, 2, 3)
STEP_MINUTES = 5
CATEGORY_NAMES = ("bug", "infrastructure", "consulting")


def billed_minutes(minutes: float | int | Decimal) -> int:
    """Round minutes of work UP to whole 5-minute steps (7 → 10, 10 → 10, 0.5 → 5)."""
    value = Decimal(str(minutes))
    if value <= 0:
        return 0
    steps = (value / STEP_MINUTES).to_integral_value(rounding=ROUND_CEILING)
    return int(steps) * STEP_MINUTES


def format_duration(minutes: int, language: str = "de") -> str:
    """Write minutes as hours and minutes: 220 → "3 h 40 min", 360 → "6 h", 45 → "45 min"."""
    hours, rest = divmod(max(0, int(minutes)), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


class ResponseHours(BaseModel):
    """Guaranteed response time in hours per category; null means best effort."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    bug: int | None = Field(default=None, ge=1, le=24 * 30)
    infrastructure: int | None = Field(default=None, ge=1, le=24 * 30)
    consulting: int | None = Field(default=None, ge=1, le=24 * 30)

    def for_category(self, category: str) -> int | None:
        return getattr(self, category)


class Plan(BaseModel):
    """One service plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    response_hours: ResponseHours
    # Support levels the customer may call on directly under this plan.
    levels: list[Level] = Field(min_length=1)
    # Monthly contingent in minutes per level (missing: none); whole 5-minute steps.
    contingent_minutes: dict[Level, int] = Field(default_factory=dict)
    hourly_rate: dict[Level, Decimal]
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    # Warn the customer when this share (in %) of a contingent is used.
    warning_percent: int = Field(default=80, ge=1, le=100)
    # Unused minutes of last month are added to this month's contingent.
    rollover: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        for level, minutes in self.contingent_minutes.items():
            if minutes < 0 or minutes % STEP_MINUTES:
                raise ValueError(f"contingent_minutes.{level}: must be whole {STEP_MINUTES}-minute steps, ≥ 0")
            if minutes and level not in self.levels:
                raise ValueError(f"contingent_minutes.{level}: level {level} is not in this plan's levels")
        for level in LEVELS:
            if level not in self.hourly_rate:
                raise ValueError(f"hourly_rate.{level}: a rate for level {level} is missing")
            if self.hourly_rate[level] < 0:
                raise ValueError(f"hourly_rate.{level}: must not be negative")
        return self

    def limit(self, level: int) -> int:
        """Return the monthly contingent of a level in minutes (0: none)."""
        return int(self.contingent_minutes.get(level, 0))  # type: ignore[call-overload]

    def price_per_step(self, level: int) -> Decimal:
        """Return the price of one 5-minute step at a level, to the cent."""
        rate = self.hourly_rate[level]  # type: ignore[index]
        return (rate * STEP_MINUTES / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class BillingLevels(BaseModel):
    """Which level's contingent a category's billable work uses (null: the category is never billed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    bug: Level | None = None
    infrastructure: Level | None = 2
    consulting: Level | None = 3

    def for_category(self, category: str) -> int | None:
        return getattr(self, category)
