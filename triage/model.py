"""The triage classifier: one scikit-learn Pipeline, its predictions and the words behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from triage.features import STOPWORDS, WORD_PATTERN, WORD_RE, normalize_text

EVIDENCE_ITEMS = 5


def build_pipeline(c: float = 10.0) -> Pipeline:
    """Return the untrained pipeline: word and character n-gram TF-IDF into a calibrated linear model."""
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=normalize_text,
                    token_pattern=WORD_PATTERN,
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=normalize_text,
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=150_000,
                ),
            ),
        ]
    )
    classifier = CalibratedClassifierCV(
        LogisticRegression(C=c, max_iter=5000), method="sigmoid", cv=5, ensemble=False
    )
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass(frozen=True)
class Prediction:
    """What the model says about one text."""

    category: str
    confidence: float
    probabilities: dict[str, float]
    needs_human: bool
    evidence: list[str] = field(default_factory=list)


class TriageModel:
    """A fitted pipeline with its metadata (labels, threshold); predicts and explains."""

    def __init__(self, pipeline: Pipeline, metadata: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        self.threshold = float(metadata["threshold"])
        classifier = pipeline.named_steps["classifier"]
        self.labels: list[str] = [str(c) for c in classifier.classes_]
        words: TfidfVectorizer = pipeline.named_steps["features"].transformer_list[0][1]
        self._words = words
        self._word_names = words.get_feature_names_out()
        coef = linear_coefficients(classifier)[:, : len(self._word_names)]
        # A word's push towards a class: its weight there minus its mean weight elsewhere.
        self._push = np.vstack(
            [coef[i] - np.delete(coef, i, axis=0).mean(axis=0) for i in range(len(self.labels))]
        )

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        probabilities = self.pipeline.predict_proba(texts)
        word_rows = self._words.transform(texts)
        out = []
        for row, text, proba in zip(range(len(texts)), texts, probabilities, strict=True):
            best = int(np.argmax(proba))
            confidence = float(proba[best])
            out.append(
                Prediction(
                    category=self.labels[best],
                    confidence=round(confidence, 4),
                    probabilities={label: round(float(p), 4) for label, p in zip(self.labels, proba, strict=True)},
                    needs_human=confidence < self.threshold,
                    evidence=self._evidence(word_rows[row], text, best),
                )
            )
        return out

    def _evidence(self, row: Any, text: str, label_index: int) -> list[str]:
        """Return the words or phrases of the text that pushed most towards the predicted class."""
        contributions = row.data * self._push[label_index, row.indices]
        order = np.argsort(-contributions)
        chosen: list[str] = []
        covered: set[str] = set()
        for position in order:
            if contributions[position] <= 0 or len(chosen) == EVIDENCE_ITEMS:
                break
            feature = str(self._word_names[row.indices[position]])
            tokens = feature.split(" ")
            # Function words help the model ("wie kann ich") but explain nothing on their own.
            if set(tokens) <= covered or all(t in STOPWORDS or len(t) < 3 for t in tokens):
                continue
            surface = surface_form(text, tokens)
            if surface:
                chosen.append(surface)
                covered.update(tokens)
        return chosen


def linear_coefficients(classifier: CalibratedClassifierCV) -> np.ndarray:
    """Return the (classes × features) weights of the linear model inside the calibration."""
    estimators = [c.estimator for c in classifier.calibrated_classifiers_]
    return np.mean([e.coef_ for e in estimators], axis=0)


def surface_form(text: str, tokens: list[str]) -> str | None:
    """Return the original spelling of a feature's token sequence in the text, or None."""
    matches = list(WORD_RE.finditer(normalize_text(text)))
    originals = list(WORD_RE.finditer(text))
    if len(matches) != len(originals):
        # Normalising changed the token boundaries (rare); fall back to the normalised form.
        originals = matches
        text = normalize_text(text)
    words = [m.group() for m in matches]
    n = len(tokens)
    for start in range(len(words) - n + 1):
        if words[start : start + n] == tokens:
            return text[originals[start].start() : originals[start + n - 1].end()]
    return None
