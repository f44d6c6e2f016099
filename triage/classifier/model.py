"""The triage classifier: one scikit-learn Pipeline, its predictions, its limits and the words behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import FeatureUnion, Pipeline

from triage.classifier.evidence import evidence_items
from triage.classifier.features import STOPWORDS, PreparedText, prepare_text
from triage.classifier.ngram_rows import NgramRows, Row
from triage.classifier.vectors import SentenceVectors, embedder_for, encode_texts

COMMON_SHARE = 0.08
OFF_TOPIC = "off_topic"
LOW_CONFIDENCE = "low_confidence"


def assemble_pipeline(
    words: TfidfVectorizer, chars: TfidfVectorizer, vectors: SentenceVectors | None, classifier: CalibratedClassifierCV
) -> Pipeline:
    """Return the pipeline of fitted parts: preparation, n-gram (and sentence-vector) features, classifier."""
    blocks: list[tuple[str, Any]] = [("words", words), ("chars", chars)]
    if vectors is not None:
        blocks.append(("vector", vectors))
    return Pipeline([("prepare", PreparedText()), ("features", FeatureUnion(blocks)), ("classifier", classifier)])


def calibrate(decision: np.ndarray, classifier: CalibratedClassifierCV) -> np.ndarray:
    """Turn decision values into probabilities as the fitted CalibratedClassifierCV does.

    Computed here from the fitted parameters because scikit-learn's input checks cost more than
    the arithmetic for one text; tests/test_model.py holds it equal to `predict_proba`.
    """
    calibrators = classifier.calibrated_classifiers_[0].calibrators
    if classifier.method == "temperature":
        return softmax(calibrators[0].beta_ * decision, axis=1)
    a = np.array([c.a_ for c in calibrators])
    b = np.array([c.b_ for c in calibrators])
    proba = expit(-(decision * a + b))
    total = proba.sum(axis=1, keepdims=True)
    uniform = np.full_like(proba, 1 / proba.shape[1])
    return np.divide(proba, total, out=uniform, where=total != 0)


def linear_estimator(classifier: CalibratedClassifierCV) -> Any:
    """Return the one linear model inside the calibration (unwrapped from FrozenEstimator)."""
    calibrated = classifier.calibrated_classifiers_
    if len(calibrated) != 1:
        raise ValueError("expected one calibrated linear model (ensemble=False or a frozen estimator)")
    estimator = calibrated[0].estimator
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator


@dataclass(frozen=True)
class Prediction:
    """What the model says about one text."""

    category: str
    confidence: float
    probabilities: dict[str, float]
    needs_human: bool
    evidence: list[str] = field(default_factory=list)
    # Why a human is needed: "off_topic" (unlike anything the model knows) or "low_confidence".
    unsure_reason: str | None = None
    similarity: float | None = None


class TriageModel:
    """A fitted pipeline with its metadata (labels, thresholds) and the training texts' vectors."""

    def __init__(self, pipeline: Pipeline, metadata: dict[str, Any], domain: np.ndarray | None = None) -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        self.threshold = float(metadata["threshold"])
        steps = pipeline.named_steps
        if list(steps) != ["prepare", "features", "classifier"]:
            raise ValueError("the pipeline's steps must be 'prepare', 'features' and 'classifier'")
        classifier: CalibratedClassifierCV = steps["classifier"]
        self._classifier = classifier
        self.labels: list[str] = [str(c) for c in classifier.classes_]
        transformers = dict(steps["features"].transformer_list)
        if list(transformers)[:2] != ["words", "chars"] or set(transformers) - {"words", "chars", "vector"}:
            raise ValueError("the pipeline's features must be 'words', 'chars' and optionally 'vector'")
        self._words: TfidfVectorizer = transformers["words"]
        self._chars: TfidfVectorizer = transformers["chars"]
        self._word_rows, self._char_rows = NgramRows(self._words), NgramRows(self._chars)
        self._vectors: SentenceVectors | None = transformers.get("vector")
        estimator = linear_estimator(classifier)
        # With temperature calibration and string labels, the inner model learns the labels' indices.
        inner = [str(c) for c in estimator.classes_]
        if len(self.labels) < 3 or inner not in (self.labels, [str(i) for i in range(len(self.labels))]):
            raise ValueError("expected a linear model over the pipeline's three or more classes")
        n_words = len(self._words.vocabulary_)
        n_ngrams = n_words + len(self._chars.vocabulary_)
        coef = estimator.coef_
        self._coef_words, self._coef_chars = coef[:, :n_words], coef[:, n_words:n_ngrams]
        self._coef_vector = coef[:, n_ngrams:]
        self._intercept = estimator.intercept_
        self._word_names = self._words.get_feature_names_out()
        self.off_topic_threshold = metadata.get("off_topic_threshold")
        # One row per training text, contiguous: `domain @ vector` is a matrix-vector product
        # (0.05 ms), where `vector @ domain.T` is a matrix product that BLAS may split across
        # threads (8 ms on a busy 2-core machine).
        self._domain = None if domain is None else np.ascontiguousarray(domain, dtype=np.float32)
        # The off-topic check needs the encoder even when the classifier has no vector block.
        spec = self._vectors.spec if self._vectors is not None else metadata.get("embedder")
        self._embedder = embedder_for(spec) if spec else None
        # A word's push towards a class: its weight there minus its mean weight elsewhere. Words in
        # more than COMMON_SHARE of the training texts explain little (smooth idf: ln((1+n)/(1+df))+1).
        cutoff = np.log(1 / COMMON_SHARE) + 1
        self._common = frozenset(
            term
            for term, column in self._words.vocabulary_.items()
            if " " not in term and self._words.idf_[column] < cutoff
        )
        cw = self._coef_words
        self._push = np.vstack([cw[i] - np.delete(cw, i, axis=0).mean(axis=0) for i in range(len(self.labels))])

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def similarity(self, vectors: np.ndarray) -> np.ndarray | None:
        """Cosine similarity of each vector to its nearest training text (None without vectors)."""
        if self._domain is None or self._domain.shape[0] == 0:
            return None
        return np.array([(self._domain @ vector).max() for vector in vectors], dtype=np.float32)

    def decisions(self, prepared: list[str]) -> tuple[np.ndarray, list[Row], np.ndarray | None]:
        """Return the linear model's decision values, each text's word features and the sentence vectors.

        Each text's n-gram rows are made and weighed one by one (`NgramRows`): without
        FeatureUnion's joblib dispatch, transform's input checks and sparse matrices, one text's
        decision costs a third of what the pipeline spends on it.
        """
        word_rows = [self._word_rows.row(text) for text in prepared]
        decision = np.zeros((len(prepared), len(self.labels)))
        for i, (text, (columns, values)) in enumerate(zip(prepared, word_rows, strict=True)):
            char_columns, char_values = self._char_rows.row(text)
            decision[i] = self._coef_words[:, columns] @ values + self._coef_chars[:, char_columns] @ char_values
        vectors = None if self._embedder is None else encode_texts(self._embedder, prepared)
        if self._vectors is not None and vectors is not None:
            decision = decision + (vectors * np.float32(self._vectors.weight)) @ self._coef_vector.T
        return decision + self._intercept, word_rows, vectors

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        prepared = [prepare_text(t) for t in texts]
        decision, word_rows, vectors = self.decisions(prepared)
        probabilities = calibrate(decision, self._classifier)
        similarity = self.similarity(vectors) if vectors is not None else None
        out = []
        for row, (text, proba) in enumerate(zip(prepared, probabilities, strict=True)):
            best = int(np.argmax(proba))
            # Decide on the confidence as reported, so `needs_human` always agrees with it.
            confidence = round(float(proba[best]), 4)
            reason = None
            nearest = None if similarity is None else round(float(similarity[row]), 4)
            if nearest is not None and self.off_topic_threshold is not None and nearest < self.off_topic_threshold:
                reason = OFF_TOPIC
            elif confidence < self.threshold:
                reason = LOW_CONFIDENCE
            out.append(
                Prediction(
                    category=self.labels[best],
                    confidence=confidence,
                    probabilities={label: round(float(p), 4) for label, p in zip(self.labels, proba, strict=True)},
                    needs_human=reason is not None,
                    evidence=self._evidence(word_rows[row], text, texts[row], best),
                    unsure_reason=reason,
                    similarity=nearest,
                )
            )
        return out

    def _evidence(self, row: Row, prepared: str, original: str, label_index: int) -> list[str]:
        """Return phrases of the customer's text that pushed most towards the predicted class."""
        columns, values = row
        contributions = values * self._push[label_index, columns]
        items = evidence_items(prepared, self._word_names[columns], contributions, self._is_filler)
        # The preparation decodes HTML entities: show only what the customer's text holds as typed.
        return [item for item in items if item in original]

    def _is_filler(self, token: str) -> bool:
        return token in STOPWORDS or len(token) < 3 or token in self._common
