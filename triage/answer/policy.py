"""The vendor's support policy: what each category means for the customer, in German and English.

Read from a YAML file the vendor edits (default: triage/policy.yml). A file that does not fit
the schema fails at start with a message naming the field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kb_search.errors import Level0Error
from triage.contracts.plans import BillingLevels, Plan

Coverage = Literal["covered", "billable", "depends"]
CATEGORIES = ("bug", "infrastructure", "consulting")


class PolicyError(Level0Error, ValueError):
    """The policy file is missing, not YAML, or does not fit the schema."""

    code = "policy_broken"
    status = 503


class Texts(BaseModel):
    """A text in German and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    de: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.de


class TextLists(BaseModel):
    """A list of texts in German and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    de: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)

    def get(self, language: str) -> list[str]:
        return list(self.en if language == "en" else self.de)


class CategoryPolicy(BaseModel):
    """What one category (bug, infrastructure, consulting) means under the policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: Texts
    covered: Coverage
    depends_on: Texts | None = None
    support_level: Texts
    next_step: Texts
    explanation: Texts
    checklist: TextLists
    # Pages (paths in docs/) that explain this part of the policy, per language.
    articles: TextLists | None = None

    @model_validator(mode="after")
    def _depends_needs_reason(self) -> CategoryPolicy:
        if self.covered == "depends" and self.depends_on is None:
            raise ValueError("covered is 'depends', so depends_on must say on what")
        return self


class Categories(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    bug: CategoryPolicy
    infrastructure: CategoryPolicy
    consulting: CategoryPolicy


class KnownIssueTexts(BaseModel):
    """What a known issue means for the customer's version; {version} and {fixed_in} are filled in."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    update: Texts
    workaround: Texts
    fixed_in_your_version: Texts
    not_affected: Texts

    @model_validator(mode="after")
    def _placeholders_known(self) -> KnownIssueTexts:
        for name in ("update", "workaround", "fixed_in_your_version", "not_affected"):
            texts: Texts = getattr(self, name)
            for language in ("de", "en"):
                try:
                    texts.get(language).format(version="1.0", fixed_in="1.1")
                except (KeyError, IndexError, ValueError) as exc:
                    raise ValueError(
                        f"{name}.{language}: only {{version}} and {{fixed_in}} may be used ({exc})"
                    ) from None
        return self


class Policy(BaseModel):
    """The whole policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Literal[1]
    vendor: str = Field(min_length=1)
    categories: Categories
    unsure: Texts
    ticket: Texts
    known_issues: KnownIssueTexts
    # Service plans that contracts name (see triage/contracts/), and which level bills each category.
    plans: dict[str, Plan] = Field(default_factory=dict)
    billing_levels: BillingLevels = Field(default_factory=BillingLevels)

    @field_validator("plans")
    @classmethod
    def _plan_names(cls, plans: dict[str, Plan]) -> dict[str, Plan]:
        for name in plans:
            if not re.fullmatch(r"[\w][\w .-]{0,63}", name):
                raise ValueError(f"plan name {name!r}: use letters, digits, space, '.', '-' (at most 64)")
        return plans

    def known_issue_message(self, advice: str, language: str, *, version: str, fixed_in: str | None) -> str:
        """Return the known-issue message for an advice, in a language, with the versions filled in."""
        texts: Texts = getattr(self.known_issues, advice)
        return texts.get(language).format(version=version, fixed_in=fixed_in or "")

    def for_category(self, category: str, language: str) -> dict[str, Any]:
        """Return the triage object's `policy` field for a category, in a language."""
        entry: CategoryPolicy = getattr(self.categories, category)
        return {
            "label": entry.label.get(language),
            "covered": entry.covered,
            "depends_on": entry.depends_on.get(language) if entry.depends_on else None,
            "support_level": entry.support_level.get(language),
            "next_step": entry.next_step.get(language),
            "explanation": entry.explanation.get(language),
            "checklist": entry.checklist.get(language),
            "articles": entry.articles.get(language) if entry.articles else [],
        }


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; raise PolicyError naming the file and the bad field."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"policy file unreadable: {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file is not valid YAML: {path}: {exc}".splitlines()[0]) from None
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "(top level)"
        raise PolicyError(f"policy file {path}: {field}: {error['msg']}") from None
