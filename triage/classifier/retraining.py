"""Retrain with the agents' corrections and compare the model before and after on the held-out file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kb_search.embedding import DEFAULT_SPEC
from triage.classifier.artifact import load_model
from triage.classifier.corrections import FeedbackError, merged_training_examples, read_feedback
from triage.classifier.data import FEEDBACK_FILE, TEST_FILE, Example, fitting_examples, read_examples
from triage.classifier.evaluation import evaluate, scores
from triage.classifier.model import TriageModel
from triage.classifier.training import fit, train_and_publish, validation_data


def _metrics(model: TriageModel, test: Sequence[Example], corrections: Sequence[Example]) -> dict[str, Any]:
    result = evaluate(model, test)
    predicted = [p.category for p in model.predict_many([e.text for e in corrections])] if corrections else []
    return {
        "test": {
            "n": result["model"]["n"],
            "accuracy": result["model"]["accuracy"],
            "macro_f1": result["model"]["macro_f1"],
            "answered_share": result["answered_share"],
            "answered_precision": result["answered_precision"],
        },
        "corrections": scores([e.label for e in corrections], predicted),
        "predicted": dict(zip([e.id for e in corrections], predicted, strict=True)),
    }


def train_with_feedback(settings: Any) -> dict[str, Any]:
    """Fit without and with the corrections, publish the latter; return metrics of both.

    Both models are measured on the held-out test file and on the corrected examples. "Before" is
    fitted on the training files alone and not published; "after" is fitted on the merged examples.
    """
    data_dir = Path(settings.data_dir)
    corrections = read_feedback(data_dir)
    if not corrections:
        raise FeedbackError(f"no corrections yet: {data_dir / FEEDBACK_FILE} is missing or empty")
    test = read_examples(data_dir / TEST_FILE)
    base = fitting_examples(data_dir)
    before = TriageModel(*fit(base, **validation_data(data_dir), spec=getattr(settings, "embedder", DEFAULT_SPEC)))
    merged = merged_training_examples(data_dir)
    published = train_and_publish(settings, merged)
    after = load_model(settings.model_dir)
    return {
        "corrections": len(corrections),
        "train_size_before": len(base),
        "train_size_after": len(merged),
        "before": _metrics(before, test, corrections),
        "after": _metrics(after, test, corrections),
        "summary": published["summary"],
    }


def format_feedback_report(result: dict[str, Any]) -> str:
    """Return the before/after comparison as a Markdown table (fine in a terminal too)."""
    before, after = result["before"], result["after"]
    b, a = before["test"], after["test"]
    changed = sum(before["predicted"][k] != after["predicted"][k] for k in after["predicted"])
    lines = [
        f"# Retrained with {result['corrections']} agent correction(s)",
        "",
        f"Training examples: {result['train_size_before']} before, {result['train_size_after']} after.",
        "",
        "| | before | after |",
        "|---|---|---|",
        f"| test accuracy ({a['n']}) | {b['accuracy']:.3f} | {a['accuracy']:.3f} |",
        f"| test macro-F1 | {b['macro_f1']:.3f} | {a['macro_f1']:.3f} |",
        f"| test answered share | {b['answered_share']:.1%} | {a['answered_share']:.1%} |",
        f"| corrected examples right ({after['corrections']['n']}) "
        f"| {before['corrections']['accuracy']:.3f} | {after['corrections']['accuracy']:.3f} |",
        "",
        f"Answers changed on corrected examples: {changed}. Published model: {result['summary']}.",
    ]
    return "\n".join(lines) + "\n"
