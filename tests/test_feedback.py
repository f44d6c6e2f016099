"""Agent corrections: feedback.jsonl kept clean, retraining changes the answer, the test file untouched."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, small_training_set
from pydantic import ValidationError

from triage.classifier.artifact import load_model
from triage.classifier.corrections import (
    FeedbackError,
    add_correction,
    merged_training_examples,
    read_feedback,
    record_correction,
)
from triage.classifier.data import FEEDBACK_FILE, TEST_FILE, read_examples
from triage.classifier.retraining import format_feedback_report, train_with_feedback
from triage.events import EventStore, TriageAnswer, new_id
from triage.events.requests import CorrectionRequest
from triage.settings import Settings

CORRECTED = [
    "Der Quuxolator blinkt rot und piept",
    "Frage zum Quuxolator: er blinkt rot",
    "Quuxolator piept ständig, Licht blinkt rot",
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder of its own: the small training set and a copy of the real test file."""
    data = tmp_path / "data"
    data.mkdir()
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in small_training_set())
    (data / "train.jsonl").write_text(lines, encoding="utf-8")
    shutil.copy(ROOT / "triage" / "data" / TEST_FILE, data / TEST_FILE)
    return data


@pytest.fixture
def settings(tmp_path: Path, data_dir: Path) -> Settings:
    return Settings(
        config_file=tmp_path / "mkdocs.yml",
        docs_dir=tmp_path / "docs",
        site_dir=tmp_path / "site",
        state_dir=tmp_path / "state",
        data_dir=data_dir,
    )


def test_corrections_are_redacted_and_kept_once_per_text(data_dir):
    first = add_correction(data_dir, body="Absturz beim Export, bitte an eva@example.org", label="bug", lang="de")
    same = add_correction(data_dir, body="  absturz BEIM Export,   bitte an eva@example.org ", label="bug", lang="de")
    relabelled = add_correction(
        data_dir, body="Absturz beim Export, bitte an eva@example.org", label="consulting", lang="de"
    )
    assert (first.status, same.status, relabelled.status) == ("added", "unchanged", "updated")
    stored = read_feedback(data_dir)
    assert [(e.id, e.label) for e in stored] == [(first.example.id, "consulting")]
    assert stored[0].id.startswith("fb-")
    assert stored[0].body == "Absturz beim Export, bitte an [email]"


def test_texts_of_the_test_file_are_refused(data_dir):
    before = digest(data_dir / TEST_FILE)
    held_out = read_examples(data_dir / TEST_FILE)[0]
    for body in (held_out.body, "  " + held_out.body.upper() + "  "):
        with pytest.raises(FeedbackError, match="held-out test file"):
            add_correction(data_dir, body=body, subject=held_out.subject, label=held_out.label, lang=held_out.lang)
    assert not (data_dir / FEEDBACK_FILE).exists()
    assert digest(data_dir / TEST_FILE) == before


def test_merged_training_data_prefers_corrections_and_skips_test_texts(data_dir):
    train = read_examples(data_dir / "train.jsonl")
    relabel = train[0]
    other = next(label for label in ("bug", "infrastructure", "consulting") if label != relabel.label)
    add_correction(data_dir, body=relabel.body, subject=relabel.subject, label=other, lang=relabel.lang)
    # A test text smuggled into feedback.jsonl by hand never reaches the training data.
    held_out = read_examples(data_dir / TEST_FILE)[0]
    with (data_dir / FEEDBACK_FILE).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**held_out.model_dump(), "id": "fb-smuggled"}, ensure_ascii=False) + "\n")
    merged = merged_training_examples(data_dir)
    assert len(merged) == len(train)
    texts = {(e.subject, e.body): e.label for e in merged}
    assert texts[(relabel.subject, relabel.body)] == other
    assert (held_out.subject, held_out.body) not in texts


def test_correction_request_needs_text_or_answer():
    with pytest.raises(ValidationError, match="description"):
        CorrectionRequest.model_validate({"category": "bug"})
    with pytest.raises(ValidationError):
        CorrectionRequest.model_validate({"category": "nonsense", "description": "x"})
    assert CorrectionRequest.model_validate({"category": "bug", "description": "Absturz"}).answer_id is None


@pytest.mark.parametrize("store_descriptions", [False, True])
def test_record_correction_uses_the_stored_text_only_where_descriptions_are_stored(
    tmp_path, data_dir, store_descriptions
):
    answer = {"answer_id": new_id(), "category": "bug", "confidence": 0.7, "needs_human": True, "language": "en"}
    with EventStore(f"sqlite:///{tmp_path / 'events.db'}", store_descriptions=store_descriptions) as store:
        store.record(TriageAnswer.from_answer(answer, "How do I set up the invoice template?"))
        request = CorrectionRequest(category="consulting", answer_id=answer["answer_id"])
        if not store_descriptions:
            with pytest.raises(FeedbackError, match="send the corrected text"):
                record_correction(request, data_dir, store=store)
            request = CorrectionRequest(
                category="consulting",
                answer_id=answer["answer_id"],
                description="How do I set up the invoice template?",
            )
        result, event = record_correction(request, data_dir, store=store)
    assert result.status == "added"
    assert (result.example.body, result.example.lang, result.example.label) == (
        "How do I set up the invoice template?",
        "en",
        "consulting",
    )
    assert (event.category, event.predicted, event.answer_id) == ("consulting", "bug", answer["answer_id"])


def test_corrections_change_the_models_answer_and_never_touch_the_test_file(settings, data_dir):
    test_digest = digest(data_dir / TEST_FILE)
    for text in CORRECTED:
        add_correction(data_dir, body=text, label="infrastructure", lang="de")
    result = train_with_feedback(settings)
    assert result["corrections"] == 3
    assert result["train_size_after"] == result["train_size_before"] + 3
    assert result["before"]["corrections"]["accuracy"] < 1.0
    assert result["after"]["corrections"]["accuracy"] == 1.0
    assert result["before"]["test"]["n"] == result["after"]["test"]["n"] == len(read_examples(data_dir / TEST_FILE))
    published = load_model(settings.model_dir)
    assert [published.predict(text).category for text in CORRECTED] == ["infrastructure"] * 3
    assert published.metadata["train_size"] == result["train_size_after"]
    report = format_feedback_report(result)
    assert "| corrected examples right (3) |" in report
    assert digest(data_dir / TEST_FILE) == test_digest


def test_retraining_without_corrections_is_refused(settings):
    with pytest.raises(FeedbackError, match="no corrections"):
        train_with_feedback(settings)
