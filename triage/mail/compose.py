"""Write the reply's text (plain and HTML) from a triage object with the vendor's Jinja2 templates."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from kb_search.errors import Level0Error
from triage.settings import bundled_path

LANGUAGES = ("de", "en")
WRAP_WIDTH = 76
# Only ASCII white space separates words: a no-break space (see `nobreak`) keeps "+49 761 …" together.
_ASCII_SPACES_RE = re.compile(r"[ \t\r\n\f\v]+")


class ReplyTemplateError(Level0Error, ValueError):
    """A reply template is missing or broken (syntax error, unknown variable)."""

    code = "templates_broken"
    status = 503


@dataclass(frozen=True)
class ReplyText:
    """The reply's body: a plain-text part and an HTML part with the same content."""

    plain: str
    html: str


def paragraph(text: str, indent: str = "", width: int = WRAP_WIDTH) -> str:
    """Wrap one paragraph for plain-text mail; long words (links) stay whole."""
    return textwrap.fill(
        " ".join(_ASCII_SPACES_RE.split(str(text).strip())),
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def nobreak(text: str) -> str:
    """Join words with no-break spaces, so that a phone number is never wrapped."""
    return str(text).replace(" ", "\u00a0")


@lru_cache(maxsize=8)
def _environment(templates_dir: str | None) -> Environment:
    """The template environment: the vendor's folder first, then the bundled templates."""
    folders = [templates_dir] if templates_dir else []
    env = Environment(
        loader=FileSystemLoader([*folders, str(bundled_path("mail/templates"))]),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["para"] = paragraph
    env.filters["nobreak"] = nobreak
    return env


def template_environment(templates_dir: Path | str | None = None) -> Environment:
    """Return the shared template environment: the vendor's folder first, then Level0's templates."""
    return _environment(str(templates_dir) if templates_dir else None)


def _absolute(base_url: str, url: str | None) -> str | None:
    if url is None:
        return None
    # urljoin drops the last path segment of a base without a trailing slash ("…/help" + "faq/").
    return urljoin(base_url if base_url.endswith("/") else base_url + "/", url)


def _article(hit: dict[str, Any], base_url: str) -> dict[str, Any]:
    known = hit.get("known_issue")
    section = hit.get("section")
    return {
        "title": hit["title"],
        "section": section if section and section != hit["title"] else None,
        "url": _absolute(base_url, hit["url"]),
        "known_issue": None
        if not known
        else {
            "advice": known.get("advice"),
            "message": known.get("message") or "",
            "workaround_url": _absolute(base_url, known.get("workaround_url")),
        },
    }


def reply_context(
    answer: dict[str, Any], *, base_url: str, customer_name: str | None, subject: str, ticket_url: str
) -> dict[str, Any]:
    """Return the variables the reply templates see (documented in triage/mail/templates/README.md)."""
    policy = answer["policy"]
    policy_pages = policy.get("articles") or []
    return {
        "customer_name": customer_name or None,
        "subject": subject,
        "category": answer["category"],
        "needs_human": bool(answer.get("needs_human")),
        "version": answer.get("version"),
        "policy": {
            "label": policy["label"],
            "covered": policy["covered"],
            "depends_on": policy.get("depends_on"),
            "support_level": policy.get("support_level"),
            "next_step": policy["next_step"],
            "explanation": policy["explanation"],
            "checklist": list(policy.get("checklist") or []),
            "unsure": policy.get("unsure"),
            "links": [{"title": page["title"], "url": _absolute(base_url, page["url"])} for page in policy_pages],
        },
        "articles": [_article(hit, base_url) for hit in answer.get("articles") or []],
        "ticket_url": ticket_url or None,
        "base_url": base_url,
        # The customer's contract (found by the sender's address): `contract.sentence` says what it means.
        "contract": answer.get("contract"),
    }


def compose_reply(
    answer: dict[str, Any],
    *,
    language: str,
    base_url: str,
    customer_name: str | None = None,
    subject: str = "",
    ticket_url: str = "",
    templates_dir: Path | None = None,
) -> ReplyText:
    """Render the reply to a triage object in German or English, with absolute links to the articles.

    `templates_dir` holds the vendor's own templates; any template missing there comes from the package.
    """
    lang = language if language in LANGUAGES else LANGUAGES[0]
    context = reply_context(
        answer, base_url=base_url, customer_name=customer_name, subject=subject, ticket_url=ticket_url
    )
    env = _environment(str(templates_dir) if templates_dir else None)
    try:
        plain = env.get_template(f"reply.{lang}.txt.j2").render(context)
        html = env.get_template(f"reply.{lang}.html.j2").render(context)
    except TemplateError as exc:
        where = f"{getattr(exc, 'name', None) or 'template'}"
        line = getattr(exc, "lineno", None)
        raise ReplyTemplateError(
            f"reply template {where}{f', line {line}' if line else ''}: {exc.message or exc}"
        ) from None
    return ReplyText(plain=plain, html=html)
