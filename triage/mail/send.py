"""Hand a message to the SMTP server of the settings (LEVEL0_SMTP_*), with STARTTLS when configured."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from kb_search.errors import Level0Error

SMTP_TIMEOUT = 30.0
IMPLICIT_TLS_PORT = 465


class SendError(Level0Error, RuntimeError):
    """The SMTP server could not be reached or refused the message; the caller may retry later."""

    code = "send_failed"
    status = 502
    exit_code = 1


def send_message(message: EmailMessage, settings: Any) -> None:
    """Send a message via settings.smtp_host; raise SendError with a one-line reason on failure."""
    if not settings.smtp_host:
        raise ValueError("no SMTP server configured (LEVEL0_SMTP_HOST)")
    host, port = settings.smtp_host, settings.smtp_port
    context = ssl.create_default_context()
    try:
        if port == IMPLICIT_TLS_PORT:
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with client:
            if settings.smtp_starttls and port != IMPLICIT_TLS_PORT:
                client.starttls(context=context)
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password or "")
            client.send_message(message)
    except smtplib.SMTPException as exc:
        raise SendError(f"SMTP server {host}:{port} refused the reply: {_one_line(exc)}") from None
    except OSError as exc:  # refused connection, DNS, timeout, TLS handshake
        raise SendError(f"cannot reach SMTP server {host}:{port}: {_one_line(exc)}") from None


def _one_line(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        text = f"{exc.smtp_code} {detail}"
    return " ".join(text.split())
