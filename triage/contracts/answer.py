"""The triage object's `contract` field: what the predicted category means under this customer's plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from kb_search.errors import Level0Error
from triage.contracts.plans import STEP_MINUTES, Plan, format_duration
from triage.contracts.store import Contract
from triage.contracts.usage import Contingent, month_of

RESPONSE_TEXTS = {
    "de": ("innerhalb von {hours} Stunden", "nach bestem Bemühen (Best Effort)"),
    "en": ("within {hours} hours", "on a best-effort basis"),
}
LEVEL_NAMES = {
    "de": {1: "1st-Level", 2: "2nd-Level", 3: "3rd-Level"},
    "en": {1: "1st level", 2: "2nd level", 3: "3rd level"},
}


class ContractTemplateError(Level0Error, ValueError):
    """The contract sentence's template is missing or broken."""

    code = "templates_broken"
    status = 503


def response_text(hours: int | None, language: str) -> str:
    within, best_effort = RESPONSE_TEXTS.get(language, RESPONSE_TEXTS["de"])
    return within.format(hours=hours) if hours else best_effort


def money(amount: Decimal, currency: str, language: str) -> str:
    """Write an amount the reader's way: "6,67 €" / "80 €" in German, "EUR 6.67" in English."""
    text = f"{amount:.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    if language == "de":
        return f"{text.replace('.', ',')} {'€' if currency == 'EUR' else currency}"
    return f"{currency} {text}"


def contract_field(
    contract: Contract,
    plan: Plan,
    *,
    category: str,
    covered: str,
    level: int | None,
    contingents: dict[int, Contingent],
    language: str,
    today: dt.date,
    templates_dir: Path | None = None,
) -> dict[str, Any]:
    """Return the `contract` field for the predicted category; `sentence` says it in plain words.

    `covered` is the category's coverage under the policy; `level` the support level whose contingent
    its billable work would use (None when it is covered).
    """
    hours = plan.response_hours.for_category(category)
    used = contingents.get(level) if level is not None and covered != "covered" else None
    field: dict[str, Any] = {
        "customer_id": contract.customer_id,
        "plan": contract.plan,
        "response_time": response_text(hours, language),
        "response_hours": hours,
        "covered": covered,
        "level": level if covered != "covered" else None,
        "contingents": [used.to_dict()] if used is not None else [],
        "price_per_step": float(plan.price_per_step(level)) if used is not None and level is not None else None,
        "step_minutes": STEP_MINUTES,
        "currency": plan.currency,
        "month": month_of(today),
    }
    field["sentence"] = contract_sentence(
        field, plan, category=category, language=language, templates_dir=templates_dir
    )
    return field


def contract_sentence(
    field: dict[str, Any], plan: Plan, *, category: str, language: str, templates_dir: Path | None = None
) -> str:
    """Render the one plain sentence about the contract (template `contract.<lang>.txt.j2`)."""
    from triage.mail.compose import LANGUAGES, template_environment

    lang = language if language in LANGUAGES else LANGUAGES[0]
    level = field["level"]
    used = field["contingents"][0] if field["contingents"] else None
    context = {
        "plan": field["plan"],
        "category": category,
        "covered": field["covered"],
        "response_time": field["response_time"],
        "level_name": LEVEL_NAMES[lang].get(level) if level else None,
        "contingent": None
        if used is None
        else {
            "limit": format_duration(used["limit_minutes"]),
            "used": format_duration(used["used_minutes"]),
            "left": format_duration(used["left_minutes"]),
            "limit_minutes": used["limit_minutes"],
            "left_minutes": used["left_minutes"],
            "warning": used["warning"],
        },
        "hourly_rate": money(plan.hourly_rate[level], plan.currency, lang) if level else None,  # type: ignore[index]
        "price_per_step": money(plan.price_per_step(level), plan.currency, lang) if level else None,
        "step_minutes": STEP_MINUTES,
    }
    try:
        text = template_environment(templates_dir).get_template(f"contract.{lang}.txt.j2").render(context)
    except TemplateError as exc:
        raise ContractTemplateError(f"contract template contract.{lang}.txt.j2: {exc.message or exc}") from None
    return " ".join(text.split())
