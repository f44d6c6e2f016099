"""Fit the triage model, calibrate it and choose its thresholds on dev data, publish it."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from kb_search import analysis
from kb_search.embedding import DEFAULT_SPEC, load_embedder
from kb_search.publish import current_generation
from triage.classifier import features, preparation
from triage.classifier.artifact import ArtifactError, read_metadata, save_model
from triage.classifier.corrections import merged_training_examples
from triage.classifier.data import (
    DEV_FILE,
    FAR_OFF_FILE,
    FEEDBACK_FILE,
    TRAIN_EXTRA_FILE,
    TRAIN_FILE,
    DataError,
    Example,
    files_hash,
    read_examples,
    read_texts,
)
from triage.classifier.fitting import (
    CV_FOLDS,
    Corpus,
    ModelParams,
    coverage_precision,
    fit_ngrams,
    linear_model,
    make_corpus,
    out_of_fold_decisions,
    with_vectors,
)
from triage.classifier.model import assemble_pipeline, calibrate
from triage.classifier.off_topic import choose_off_topic_threshold, nearest_similarity
from triage.classifier.vectors import SentenceVectors, encode_texts

# Where needs_human is false, answers should be right this often (measured on dev, unlike training).
DEV_TARGET_PRECISION = 0.92
TARGET_PRECISION = DEV_TARGET_PRECISION
SEED = 13


class ModelStatus(enum.Enum):
    MISSING = "missing"
    STALE = "stale"
    CURRENT = "current"


def training_files(data_dir: Path) -> list[Path]:
    """Return the files the model depends on: fitting, calibration and thresholds (never the test files)."""
    data_dir = Path(data_dir)
    files = [data_dir / name for name in (TRAIN_FILE, TRAIN_EXTRA_FILE, DEV_FILE, FAR_OFF_FILE)]
    feedback = data_dir / FEEDBACK_FILE
    if feedback.is_file():
        files.append(feedback)
    return files



def load_training_examples(data_dir: Path) -> list[Example]:
    """Return the examples to fit on, with agents' corrections replacing or adding texts."""
    return merged_training_examples(data_dir)


def validation_data(data_dir: Path) -> dict[str, Any]:
    """Return dev examples and far-off texts for calibration and thresholds (empty when absent)."""
    dev, far_off = Path(data_dir) / DEV_FILE, Path(data_dir) / FAR_OFF_FILE
    return {
        "dev": read_examples(dev) if dev.is_file() else None,
        "far_off": read_texts(far_off) if far_off.is_file() else [],
    }


def preparation_hash() -> str:
    """A hash of the text-preparation and text-folding code: a model fitted on other code is stale."""
    sources = "".join(inspect.getsource(module) for module in (preparation, features, analysis))
    return hashlib.sha256(sources.encode()).hexdigest()[:16]


def model_status(settings: Any) -> ModelStatus:
    """Tell whether the model is missing, stale (data, code, settings, encoder or scikit-learn changed) or current."""
    generation = current_generation(settings.model_dir)
    if generation is None:
        return ModelStatus.MISSING
    try:
        meta = read_metadata(generation)
    except ArtifactError:
        return ModelStatus.MISSING
    fingerprint = embedder_fingerprint(getattr(settings, "embedder", DEFAULT_SPEC))
    expected = {
        "data_sha256": files_hash(training_files(settings.data_dir)),
        "sklearn_version": sklearn.__version__,
        "preparation_sha256": preparation_hash(),
        "embedder_fingerprint": fingerprint,
        # A release that chooses other model settings (C, vector weight, calibration) refits.
        "params": fitted_params(ModelParams(), has_embedder=fingerprint is not None),
    }
    if any(meta.get(key) != value for key, value in expected.items()):
        return ModelStatus.STALE
    return ModelStatus.CURRENT


def fitted_params(params: ModelParams, *, has_embedder: bool) -> dict[str, Any]:
    """The settings a model is fitted with, as its metadata records them (no vector block without an encoder)."""
    return {
        "c": params.c,
        "vector_weight": params.vector_weight if has_embedder else 0.0,
        "calibration": params.calibration,
    }


def embedder_fingerprint(spec: str) -> str | None:
    embedder = load_embedder(spec)
    return None if embedder is None else embedder.fingerprint


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



def _cross_fitted_probabilities(svc: Any, features: Any, labels: np.ndarray, method: str) -> np.ndarray:
    """Calibrated dev probabilities, each fold calibrated on the other folds (for an honest threshold)."""
    proba = np.zeros((len(labels), len(svc.classes_)))
    n = max(2, min(CV_FOLDS, int(np.unique(labels, return_counts=True)[1].min())))
    for train, test in StratifiedKFold(n, shuffle=True, random_state=SEED).split(np.zeros(len(labels)), labels):
        fold = CalibratedClassifierCV(FrozenEstimator(svc), method=method).fit(features[train], labels[train])
        proba[test] = fold.predict_proba(features[test])
    return proba


def fit(
    examples: Sequence[Example],
    dev: Sequence[Example] | None = None,
    far_off: Sequence[str] = (),
    *,
    params: ModelParams | None = None,
    spec: str = DEFAULT_SPEC,
) -> tuple[Any, dict[str, Any], np.ndarray | None]:
    """Fit on examples, calibrate on dev (or cross-validation), choose thresholds; return pipeline, metadata, vectors.

    The vectors are the training texts' sentence vectors, which the off-topic check compares with.
    """
    params = params or ModelParams()
    labels_sorted = sorted({e.label for e in examples})
    if len(labels_sorted) < 2:
        raise DataError("training data needs at least two labels")
    embedder = load_embedder(spec)
    corpus = make_corpus(examples, embedder)
    fitted = fitted_params(params, has_embedder=embedder is not None)
    weight = fitted["vector_weight"]
    ngrams = fit_ngrams(corpus.texts)
    features = with_vectors(ngrams.fitted, corpus.vectors, weight)
    if dev:
        held: Corpus = make_corpus(dev, embedder)
        svc = linear_model(params.c).fit(features, corpus.labels)
        dev_features = with_vectors(ngrams.transform(held.texts), held.vectors, weight)
        classifier = CalibratedClassifierCV(FrozenEstimator(svc), method=params.calibration)
        classifier.fit(dev_features, held.labels)
        proba = _cross_fitted_probabilities(svc, dev_features, held.labels, params.calibration)
        validation = "dev"
    else:
        held = corpus
        classifier = CalibratedClassifierCV(
            linear_model(params.c),
            method=params.calibration,
            cv=CV_FOLDS,  # an int, not a splitter object: the saved pipeline holds only trusted types
            ensemble=False,
        )
        classifier.fit(features, corpus.labels)
        proba = calibrate(out_of_fold_decisions(corpus, params, CV_FOLDS), classifier)
        validation = "cross-validation"
    predicted = np.array(labels_sorted)[proba.argmax(axis=1)]
    correct = predicted == held.labels
    confidence = np.round(proba.max(axis=1), 4)
    threshold = choose_threshold(correct, confidence)
    coverage, precision = coverage_precision(correct, confidence, threshold)
    vectors = SentenceVectors(spec, weight) if weight else None
    pipeline = assemble_pipeline(ngrams.words, ngrams.chars, vectors, classifier)
    off_topic = None
    if corpus.vectors is not None and held.vectors is not None and embedder is not None:
        far = encode_texts(embedder, [preparation.prepare_text(t) for t in far_off]) if far_off else None
        own = nearest_similarity(held.vectors, corpus.vectors, None if held is not corpus else corpus.groups)
        off_topic = choose_off_topic_threshold(own, None if far is None else nearest_similarity(far, corpus.vectors))
    metadata = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "skops_version": skops.__version__,
        "labels": labels_sorted,
        "threshold": round(threshold, 6),
        "target_precision": TARGET_PRECISION,
        "off_topic_threshold": None if off_topic is None else round(off_topic, 4),
        # The encoder of the vector block and the off-topic check, looked up by spec when loading.
        "embedder": spec if embedder is not None else None,
        "embedder_fingerprint": None if embedder is None else embedder.fingerprint,
        "preparation_sha256": preparation_hash(),
        "params": fitted,
        "train_size": len(examples),
        "dev_size": len(dev) if dev else 0,
        "far_off_size": len(far_off),
        "languages": {lang: sum(e.lang == lang for e in examples) for lang in ("de", "en")},
        "metrics": {
            "validation": validation,
            "accuracy": round(float(accuracy_score(held.labels, predicted)), 4),
            "macro_f1": round(float(f1_score(held.labels, predicted, average="macro")), 4),
            "answered_share": round(coverage, 4),
            "answered_precision": round(precision, 4),
        },
    }
    domain = None if corpus.vectors is None else corpus.vectors.astype(np.float16)
    return pipeline, metadata, domain


def train_and_publish(settings: Any, examples: Sequence[Example] | None = None) -> dict[str, Any]:
    """Fit on the training files (or given examples), publish the artifact; return metadata and summary."""
    files = training_files(settings.data_dir)
    examples = list(examples) if examples is not None else load_training_examples(settings.data_dir)
    spec = getattr(settings, "embedder", DEFAULT_SPEC)
    pipeline, metadata, domain = fit(examples, **validation_data(settings.data_dir), spec=spec)
    metadata["data_sha256"] = files_hash(files)
    metadata["data_files"] = [p.name for p in files if p.is_file()]
    save_model(settings.model_dir, pipeline, metadata, domain)
    m = metadata["metrics"]
    summary = (
        f"{m['validation']} macro-F1 {m['macro_f1']:.3f}, threshold {metadata['threshold']:.3f} "
        f"answers {m['answered_share']:.0%} at precision {m['answered_precision']:.3f}"
    )
    return {**metadata, "summary": summary}
