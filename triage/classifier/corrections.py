"""Agent corrections as training data: feedback.jsonl in the data dir.

A correction is a text with its right category. It is redacted, kept once per normalised text (the
latest label wins, and it replaces a training example with the same text), and refused when the
text is in the held-out test file, which is only ever read.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError

from kb_search.errors import Level0Error
from triage.classifier.data import FEEDBACK_FILE, TEST_FILE, Example, fitting_examples, read_examples
from triage.classifier.features import join_text, normalize_text
from triage.events.model import Correction
from triage.events.privacy import redact
from triage.events.requests import CorrectionRequest
from triage.events.store import EventStore

log = logging.getLogger(__name__)

LOCK_FILE = ".feedback.lock"


class FeedbackError(Level0Error, ValueError):
    """A correction cannot be kept (empty, or its text is in the held-out test file)."""

    code = "validation_error"
    status = 422


@dataclass(frozen=True)
class CorrectionResult:
    """What a correction did to feedback.jsonl."""

    example: Example
    status: Literal["added", "updated", "unchanged"]


def text_key(subject: str, body: str) -> str:
    """Return the text as compared for duplicates: case, umlauts and whitespace folded."""
    return normalize_text(join_text(subject, body)).strip()


def feedback_id(key: str) -> str:
    """Return the example id of a corrected text (the same text always gets the same id)."""
    return "fb-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def held_out_keys(data_dir: Path) -> set[str]:
    """Return the keys of the held-out test texts, as written and as redacted."""
    path = Path(data_dir) / TEST_FILE
    if not path.is_file():
        return set()
    keys = set()
    for example in read_examples(path):
        keys.add(text_key(example.subject, example.body))
        keys.add(text_key(redact(example.subject), redact(example.body)))
    return keys


def read_feedback(data_dir: Path) -> list[Example]:
    """Return the corrections in feedback.jsonl ([] when there are none)."""
    path = Path(data_dir) / FEEDBACK_FILE
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        return []
    return read_examples(path)


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the data dir's feedback (several workers may correct at once)."""
    with open(Path(data_dir) / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_examples(path: Path, examples: Sequence[Example]) -> None:
    """Replace a JSON Lines file atomically (a crash leaves the old file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for example in examples:
                handle.write(json.dumps(example.model_dump(exclude_defaults=True), ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_correction(data_dir: Path, *, body: str, label: str, lang: str, subject: str = "") -> CorrectionResult:
    """Keep a corrected text in feedback.jsonl; raise FeedbackError when it is empty or a test text."""
    raw_key = text_key(subject, body)
    subject, body = redact(subject), redact(body)
    key = text_key(subject, body)
    if not key:
        raise FeedbackError("the corrected text is empty")
    held_out = held_out_keys(data_dir)
    if key in held_out or raw_key in held_out:
        raise FeedbackError("this text is in the held-out test file; corrections never use test examples")
    example = Example(id=feedback_id(key), lang=lang, subject=subject, body=body, label=label)
    with _locked(data_dir):
        examples = read_feedback(data_dir)
        previous = next((e for e in examples if e.id == example.id), None)
        if previous is not None and (previous.label, previous.lang) == (example.label, example.lang):
            return CorrectionResult(previous, "unchanged")
        examples = [e for e in examples if e.id != example.id] + [example]
        _write_examples(Path(data_dir) / FEEDBACK_FILE, examples)
    return CorrectionResult(example, "added" if previous is None else "updated")


def merged_training_examples(data_dir: Path) -> list[Example]:
    """Return train.jsonl and train_extra.jsonl plus the corrections: one example per text (a correction wins)."""
    feedback = read_feedback(data_dir)
    held_out = held_out_keys(data_dir)
    corrected = {text_key(e.subject, e.body): e for e in feedback}
    corrected = {key: e for key, e in corrected.items() if key not in held_out}
    base = [e for e in fitting_examples(data_dir) if text_key(e.subject, e.body) not in corrected]
    return base + list(corrected.values())


def record_correction(
    request: CorrectionRequest,
    data_dir: Path,
    *,
    store: EventStore | None = None,
    detect_language: Callable[[str], str] | None = None,
) -> tuple[CorrectionResult, Correction]:
    """Keep an agent's correction in feedback.jsonl; return the result and the event to record.

    The text is the request's; without one, the text stored with the answer (only where the vendor
    stores descriptions). The language is the request's, else the answer's, else detected.
    """
    answer = None
    if store is not None and request.answer_id:
        try:
            answer = store.answer(request.answer_id)
        except SQLAlchemyError as exc:
            log.warning("event store unavailable for a correction: %s", str(exc).splitlines()[0])
    if request.description is not None:
        subject, body = request.subject, request.description
    elif answer is not None and answer.text:
        subject, body = "", answer.text
    else:
        raise FeedbackError("this answer's text is not stored: send the corrected text as description")
    lang = request.language or (answer.language if answer else None)
    if lang not in ("de", "en"):
        lang = detect_language(join_text(subject, body)) if detect_language else "de"
    result = add_correction(data_dir, body=body, subject=subject, label=request.category, lang=lang)
    event = Correction(
        answer_id=request.answer_id,
        category=request.category,
        predicted=answer.category if answer else None,
        language=lang,
    )
    return result, event
