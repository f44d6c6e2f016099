"""The triage classifier: one scikit-learn Pipeline, its predictions and the words behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from triage.features import STOPWORDS, WORD_PATTERN, WORD_RE, normalize_text

EVIDENCE_ITEMS = 5
COMMON_SHARE = 0.08


def build_pipeline(c: float = 1.0) -> Pipeline:
    """Return the untrained pipeline: word and character n-gram TF-IDF into a calibrated linear SVM.

    A linear SVM scored as well as logistic regression in 5-fold cross-validation on the training
    data and fits four times faster; sigmoid calibration turns its margins into probabilities.
    """
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=normalize_text,
                    token_pattern=WORD_PATTERN,
                    ngram_range=(1, 3),
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
    classifier = CalibratedClassifierCV(LinearSVC(C=c), method="sigmoid", cv=5, ensemble=False)
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
        transformers = dict(pipeline.named_steps["features"].transformer_list)
        if list(transformers) != ["words", "chars"]:
            raise ValueError("the pipeline's features must be the 'words' and 'chars' vectorizers")
        words: TfidfVectorizer = transformers["words"]
        self._words = words
        self._chars: TfidfVectorizer = transformers["chars"]
        self._classifier = classifier
        self._word_names = words.get_feature_names_out()
        calibrated = classifier.calibrated_classifiers_
        if len(calibrated) != 1 or len(self.labels) < 3:
            raise ValueError("expected one calibrated linear model over three or more classes (ensemble=False)")
        estimator = calibrated[0].estimator
        if list(estimator.classes_) != list(classifier.classes_):
            raise ValueError("the calibrated model's classes are not the pipeline's")
        self._coef = estimator.coef_
        self._intercept = estimator.intercept_
        self._sigmoid_a = np.array([c.a_ for c in calibrated[0].calibrators])
        self._sigmoid_b = np.array([c.b_ for c in calibrated[0].calibrators])
        coef = linear_coefficients(classifier)[:, : len(self._word_names)]
        # A word's push towards a class: its weight there minus its mean weight elsewhere.
        # Words found in many training texts ("geht", "heute", "please") explain little: by their
        # inverse document frequency, those in more than COMMON_SHARE of the texts are fillers.
        vocabulary = words.vocabulary_
        cutoff = np.log(1 / COMMON_SHARE) + 1  # smooth_idf: idf = ln((1 + n) / (1 + df)) + 1
        self._common = frozenset(
            term for term, column in vocabulary.items() if " " not in term and words.idf_[column] < cutoff
        )
        self._push = np.vstack([coef[i] - np.delete(coef, i, axis=0).mean(axis=0) for i in range(len(self.labels))])

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        # FeatureUnion.transform, without its joblib dispatch (a third of the time for one text);
        # the word features come first and are also where the evidence is read from.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            word_rows = self._words.transform(texts)
            features = sparse.hstack([word_rows, self._chars.transform(texts)], format="csr")
        probabilities = self._calibrated(features)
        out = []
        for row, text, proba in zip(range(len(texts)), texts, probabilities, strict=True):
            best = int(np.argmax(proba))
            # Decide on the confidence as reported, so `needs_human` always agrees with it.
            confidence = round(float(proba[best]), 4)
            out.append(
                Prediction(
                    category=self.labels[best],
                    confidence=confidence,
                    probabilities={label: round(float(p), 4) for label, p in zip(self.labels, proba, strict=True)},
                    needs_human=confidence < self.threshold,
                    evidence=self._evidence(word_rows[row], text, best),
                )
            )
        return out

    def _calibrated(self, features: Any) -> np.ndarray:
        """Sigmoid-calibrated one-vs-rest probabilities, normalised, as CalibratedClassifierCV computes them.

        Computed here from the fitted weights because scikit-learn's input checks cost more than
        the arithmetic for one text; tests/test_model.py holds it equal to `predict_proba`.
        """
        decision = np.asarray(features @ self._coef.T) + self._intercept
        proba = expit(-(decision * self._sigmoid_a + self._sigmoid_b))
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1 / proba.shape[1])
        return np.divide(proba, total, out=uniform, where=total != 0)

    def _evidence(self, row: Any, text: str, label_index: int) -> list[str]:
        """Return the words or phrases of the text that pushed most towards the predicted class."""
        contributions = row.data * self._push[label_index, row.indices]
        order = np.argsort(-contributions)
        chosen: list[str] = []
        covered: set[str] = set()
        words: tuple[list[str], list[tuple[int, int]]] | None = None
        for position in order:
            if contributions[position] <= 0 or len(chosen) == EVIDENCE_ITEMS:
                break
            tokens = str(self._word_names[row.indices[position]]).split(" ")
            # Function words help the model ("wie kann ich") but explain nothing: trim them from
            # the edges of a phrase, and skip phrases whose words are already shown.
            while tokens and self._is_filler(tokens[0]):
                tokens = tokens[1:]
            while tokens and self._is_filler(tokens[-1]):
                tokens = tokens[:-1]
            content = {t for t in tokens if not self._is_filler(t)}
            if not content or content & covered:
                continue
            words = words or text_words(text)
            surface = surface_form(text, tokens, words)
            if surface:
                chosen.append(surface)
                covered.update(content)
        return chosen

    def _is_filler(self, token: str) -> bool:
        return token in STOPWORDS or len(token) < 3 or token in self._common


def linear_coefficients(classifier: CalibratedClassifierCV) -> np.ndarray:
    """Return the (classes × features) weights of the linear model inside the calibration."""
    estimators = [c.estimator for c in classifier.calibrated_classifiers_]
    return np.mean([e.coef_ for e in estimators], axis=0)


def text_words(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Return the normalised words of a text and, for each, the span of the word as typed.

    Each word as typed is normalised on its own, so a word that folding splits in two
    ("½" → "1⁄2") still maps back to the characters the customer typed.
    """
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in WORD_RE.finditer(text):
        for word in WORD_RE.findall(normalize_text(match.group())):
            words.append(word)
            spans.append(match.span())
    return words, spans


def surface_form(
    text: str, tokens: list[str], words: tuple[list[str], list[tuple[int, int]]] | None = None
) -> str | None:
    """Return the original spelling of a feature's token sequence in the text, or None."""
    normalised, spans = words or text_words(text)
    n = len(tokens)
    for start in range(len(normalised) - n + 1):
        if normalised[start : start + n] == tokens:
            return text[spans[start][0] : spans[start + n - 1][1]]
    return None
