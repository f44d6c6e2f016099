"""Product versions: find them in a customer's text, compare them as versions, judge known issues.

"5.10" is newer than "5.9"; "v6.1", "Version 6.1.2" and "6.1.2.4711" are all understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

# "Version 6.1.2", "Vers. 6.1", "v5.10", "Release 6.2", "Update auf 6.1.1", "Build 6.2.0.1234";
# not a bare number, which is as often a date ("seit 12.03.") or an amount.
_IN_TEXT_RE = re.compile(
    r"(?:\bversion|\bvers\.|\bver\.|\bv|\brelease|\bbuild|\bupdate auf|\bupdate to|\bupgrade to|\bupgrade auf)"
    r"\s*:?\s*(\d{1,3}\.\d{1,3}(?:\.\d{1,4}){0,2})(?![\d.]*\d)",
    re.IGNORECASE,
)


def parse_version(text: str | None) -> Version | None:
    """Return a comparable version for "6.1.2", "v5.10" or "Version 6.1"; None when it is not one."""
    if not text:
        return None
    cleaned = str(text).strip().lower().removeprefix("version").strip().lstrip("v").strip()
    try:
        return Version(cleaned)
    except InvalidVersion:
        return None


def version_in_text(text: str) -> str | None:
    """Return the first product version a text names ("seit Version 6.1.1" → "6.1.1"), or None."""
    match = _IN_TEXT_RE.search(text)
    return match.group(1) if match else None


@dataclass(frozen=True)
class KnownIssueVerdict:
    """What a known issue means for a customer on a given version."""

    advice: str  # "update" | "workaround" | "fixed_in_your_version" | "not_affected"
    status: str
    fixed_in: str | None

    @property
    def relevant(self) -> bool:
        """Whether the customer is (probably) affected: such issues rank first."""
        return self.advice in ("update", "workaround")


def judge_known_issue(facts: dict[str, Any], version: Version) -> KnownIssueVerdict | None:
    """Judge a known issue (front-matter facts) for a customer version; None when it is not one."""
    status = str(facts.get("status", "")).strip().lower()
    if status not in ("open", "fixed"):
        return None
    introduced = parse_version(facts.get("introduced_in"))
    fixed = parse_version(facts.get("fixed_in")) if status == "fixed" else None
    fixed_text = str(facts["fixed_in"]) if fixed is not None else None
    if introduced is not None and version < introduced:
        return KnownIssueVerdict("not_affected", status, fixed_text)
    if fixed is not None and version >= fixed:
        return KnownIssueVerdict("fixed_in_your_version", status, fixed_text)
    if fixed is not None:
        return KnownIssueVerdict("update", status, fixed_text)
    return KnownIssueVerdict("workaround", status, None)
