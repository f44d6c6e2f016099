"""Read and check the triage data files (JSON Lines)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from kb_search.errors import Level0Error
from triage.classifier.features import join_text

Label = Literal["bug", "infrastructure", "consulting"]
LABELS: tuple[str, ...] = ("bug", "infrastructure", "consulting")
TRAIN_FILE = "train.jsonl"
# More writers and styles (real public texts, logs, forms, letters), fitted on like train.jsonl.
TRAIN_EXTRA_FILE = "train_extra.jsonl"
# Texts unlike the training ones: calibration, thresholds and model choices only, never fitting.
DEV_FILE = "dev.jsonl"
# Texts about other things (recipes, law, sports, other products' code): the off-topic threshold.
FAR_OFF_FILE = "far_off_dev.jsonl"
TEST_FILE = "test.jsonl"
# Written by other people, for the final figures only (bench/triage_quality.py).
OOD_FILE = "ood.jsonl"
FEEDBACK_FILE = "feedback.jsonl"


class DataError(Level0Error, ValueError):
    """A data file is missing or has a malformed line (the message names file and line)."""

    code = "data_error"


class Example(BaseModel):
    """One labelled customer message."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    lang: Literal["de", "en"]
    subject: str = ""
    body: str
    label: Label
    hard: bool = False
    style: str = ""
    # Examples written from one case in several styles share a group: they stay in one CV fold.
    group: str = ""

    @property
    def text(self) -> str:
        return join_text(self.subject, self.body)


def read_examples(path: Path) -> list[Example]:
    """Read a JSON Lines file of examples; raise DataError naming the first bad line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"data file not found: {path}") from None
    except UnicodeDecodeError:
        raise DataError(f"data file is not UTF-8: {path}") from None
    examples: list[Example] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            example = Example.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            reason = str(exc).splitlines()[0] if not isinstance(exc, ValidationError) else _first_error(exc)
            raise DataError(f"{path}:{number}: {reason}") from None
        if example.id in seen:
            raise DataError(f"{path}:{number}: duplicate id {example.id!r}")
        seen.add(example.id)
        examples.append(example)
    if not examples:
        raise DataError(f"data file has no examples: {path}")
    return examples


def read_texts(path: Path) -> list[str]:
    """Read the texts (subject and body) of a JSON Lines file whose lines need no label."""
    texts = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            texts.append(join_text(str(item.get("subject", "")), str(item["body"])))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise DataError(f"{path}:{number}: {exc!r}") from None
    return texts


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"]) or "line"
    return f"{field}: {error['msg']}"


def files_hash(paths: Iterable[Path]) -> str:
    """Return the SHA-256 over the given files' names and contents (missing files count as empty)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode())
        digest.update(b"\0")
        if Path(path).is_file():
            digest.update(Path(path).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()

def fitting_examples(data_dir: Path) -> list[Example]:
    """Return the examples the classifier is fitted on: train.jsonl and, if present, train_extra.jsonl."""
    examples = read_examples(Path(data_dir) / TRAIN_FILE)
    extra = Path(data_dir) / TRAIN_EXTRA_FILE
    return examples + (read_examples(extra) if extra.is_file() else [])
