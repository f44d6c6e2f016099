"""Fit the triage model, choose its `needs_human` threshold on validation data, publish it."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from kb_search.publish import current_generation
from triage.artifact import ArtifactError, read_metadata, save_model
from triage.data import FEEDBACK_FILE, TRAIN_FILE, Example, files_hash
from triage.model import build_pipeline

TARGET_PRECISION = 0.95
CV_FOLDS = 5
SEED = 13


class ModelStatus(enum.Enum):
    MISSING = "missing"
    STALE = "stale"
    CURRENT = "current"


def training_files(data_dir: Path) -> list[Path]:
    """Return the files the model is fitted on (never the held-out test file)."""
    files = [Path(data_dir) / TRAIN_FILE]
    feedback = Path(data_dir) / FEEDBACK_FILE
    if feedback.is_file():
        files.append(feedback)
    return files


def load_training_examples(data_dir: Path) -> list[Example]:
    """Return the examples to fit on: train.jsonl, with agents' corrections replacing or adding texts."""
    from triage.feedback import merged_training_examples  # feedback imports this module

    return merged_training_examples(data_dir)


def model_status(settings: Any) -> ModelStatus:
    """Tell whether the model is missing, stale (data or scikit-learn changed) or current."""
    generation = current_generation(settings.model_dir)
    if generation is None:
        return ModelStatus.MISSING
    try:
        meta = read_metadata(generation)
    except ArtifactError:
        return ModelStatus.MISSING
    if meta.get("data_sha256") != files_hash(training_files(settings.data_dir)):
        return ModelStatus.STALE
    if meta.get("sklearn_version") != sklearn.__version__:
        return ModelStatus.STALE
    return ModelStatus.CURRENT


def choose_threshold(correct: np.ndarray, confidence: np.ndarray, target: float = TARGET_PRECISION) -> float:
    """Return the lowest confidence threshold whose answered cases are right at least `target` of the time.

    Cases at or above the threshold are answered; below it they are flagged `needs_human`. Cases
    with equal confidence are answered together. When no threshold reaches the target, every case
    needs a human (threshold above 1).
    """
    best = 1.01
    for threshold in np.unique(confidence)[::-1]:  # highest first
        answered = confidence >= threshold
        if correct[answered].mean() >= target:
            best = float(threshold)
    return best


def coverage_precision(correct: np.ndarray, confidence: np.ndarray, threshold: float) -> tuple[float, float]:
    """Return (share of cases answered, precision on those) at a threshold."""
    answered = confidence >= threshold
    if not answered.any():
        return 0.0, 0.0
    return float(answered.mean()), float(correct[answered].mean())


def out_of_fold(examples: Sequence[Example], folds: int = CV_FOLDS) -> np.ndarray:
    """Return cross-validated class probabilities for every example (columns in sorted label order)."""
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    return cross_val_predict(build_pipeline(), texts, labels, cv=cv, method="predict_proba")


def fit(examples: Sequence[Example]) -> tuple[Any, dict[str, Any]]:
    """Fit the pipeline on examples; return it with metadata (threshold and cross-validated metrics)."""
    labels_sorted = sorted({e.label for e in examples})
    if len(labels_sorted) < 2:
        raise ValueError("training data needs at least two labels")
    y = np.array([e.label for e in examples])
    proba = out_of_fold(examples)
    predicted = np.array(labels_sorted)[proba.argmax(axis=1)]
    correct = predicted == y
    confidence = proba.max(axis=1)
    threshold = choose_threshold(correct, confidence)
    coverage, precision = coverage_precision(correct, confidence, threshold)
    pipeline = build_pipeline()
    pipeline.fit([e.text for e in examples], y)
    metrics = {
        "cv_folds": CV_FOLDS,
        "cv_accuracy": round(float(accuracy_score(y, predicted)), 4),
        "cv_macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
        "cv_answered_share": round(coverage, 4),
        "cv_answered_precision": round(precision, 4),
    }
    metadata = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "skops_version": skops.__version__,
        "labels": labels_sorted,
        "threshold": round(threshold, 6),
        "target_precision": TARGET_PRECISION,
        "train_size": len(examples),
        "languages": {lang: sum(e.lang == lang for e in examples) for lang in ("de", "en")},
        "metrics": metrics,
    }
    return pipeline, metadata


def train_and_publish(settings: Any, examples: Sequence[Example] | None = None) -> dict[str, Any]:
    """Fit on the training files (or given examples), publish the artifact; return metadata and summary."""
    files = training_files(settings.data_dir)
    examples = list(examples) if examples is not None else load_training_examples(settings.data_dir)
    pipeline, metadata = fit(examples)
    metadata["data_sha256"] = files_hash(files)
    metadata["data_files"] = [p.name for p in files]
    save_model(settings.model_dir, pipeline, metadata)
    m = metadata["metrics"]
    summary = (
        f"cross-validated macro-F1 {m['cv_macro_f1']:.3f}, threshold {metadata['threshold']:.3f} "
        f"answers {m['cv_answered_share']:.0%} at precision {m['cv_answered_precision']:.3f}"
    )
    return {**metadata, "summary": summary}
