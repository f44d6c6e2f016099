"""The e-mail that warns a customer before a contingent runs out: once per contingent and month."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from triage.contracts.answer import LEVEL_NAMES, money
from triage.contracts.plans import Plan, format_duration
from triage.contracts.store import Contract, ContractStore
from triage.contracts.usage import Contingent

log = logging.getLogger(__name__)


def warning_message(
    contract: Contract,
    plan: Plan,
    state: Contingent,
    *,
    month: str,
    sender: str,
    base_url: str,
    templates_dir: Path | None = None,
) -> EmailMessage:
    """Return the warning mail to the contract's contact (template `contingent_warning.<lang>.txt.j2`)."""
    from triage.mail.compose import LANGUAGES, template_environment
    from triage.mail.guard import OWN_REPLY_HEADER

    if contract.contact is None:
        raise ValueError(f"customer {contract.customer_id} has no e-mail address for warnings (only @domain entries)")
    lang = contract.language if contract.language in LANGUAGES else LANGUAGES[0]
    context = {
        "name": contract.name,
        "plan": contract.plan,
        "level_name": LEVEL_NAMES[lang][state.level],
        "month": month,
        "percent": state.percent,
        "limit": format_duration(state.limit_minutes),
        "used": format_duration(state.used_minutes),
        "left": format_duration(state.left_minutes),
        "hourly_rate": money(plan.hourly_rate[state.level], plan.currency, lang),  # type: ignore[index]
        "over": state.over,
        "base_url": base_url,
    }
    try:
        text = template_environment(templates_dir).get_template(f"contingent_warning.{lang}.txt.j2").render(context)
    except TemplateError as exc:
        raise ValueError(f"warning template contingent_warning.{lang}.txt.j2: {exc.message or exc}") from None
    subject, _, body = text.lstrip("\n").partition("\n\n")
    message = EmailMessage(policy=default_policy)
    message["From"] = sender
    message["To"] = contract.contact
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = getaddresses([sender])[0][1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: a message a program wrote on its own, not a reply; nobody should auto-answer it.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message[OWN_REPLY_HEADER] = "1"
    message.set_content(body.lstrip("\n"), charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = lang
    return message


def warn_if_due(
    store: ContractStore, contract: Contract, plan: Plan, state: Contingent, *, month: str, settings: Any
) -> dict[str, Any] | None:
    """Send the month's warning for a contingent past its threshold, once; return what happened (None: not due)."""
    from triage.mail import SendError, send_message

    if not state.warning:
        return None
    if not settings.smtp_host:
        return {"sent": False, "reason": "no SMTP server configured (LEVEL0_SMTP_HOST)"}
    if contract.contact is None:
        return {"sent": False, "reason": "the contract lists no e-mail address, only @domain entries"}
    if not store.claim_warning(contract.customer_id, month, state.level):
        return {"sent": False, "reason": "already sent this month"}
    try:
        message = warning_message(
            contract,
            plan,
            state,
            month=month,
            sender=settings.mail_from,
            base_url=settings.site_url,
            templates_dir=settings.reply_templates,
        )
        send_message(message, settings)
    except (SendError, ValueError) as exc:
        store.release_warning(contract.customer_id, month, state.level)
        log.warning("contingent warning for customer %s, level %d not sent: %s", contract.customer_id, state.level, exc)
        return {"sent": False, "reason": str(exc)}
    log.info("contingent warning sent: customer %s, level %d, %s", contract.customer_id, state.level, month)
    return {"sent": True, "percent": state.percent}
