"""The triage model: it learns the three classes, its threshold logic, its evidence and surface forms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from triage.classifier.data import LABELS, TEST_FILE
from triage.classifier.evidence import EVIDENCE_ITEMS, surface_form
from triage.classifier.features import WORD_RE, normalize_text
from triage.classifier.fitting import coverage_precision
from triage.classifier.model import OFF_TOPIC, TriageModel
from triage.classifier.training import choose_threshold

# Short, unambiguous descriptions of each class that the small test model gets right.
CLEAR_EXAMPLES = [
    ("de", "bug", "Seit dem Update auf 6.2.1 berechnet Lindwerk die Summe auf der Rechnung falsch."),
    ("de", "bug", "Seit dem Update druckt die Rechnung doppelt"),
    (
        "de",
        "infrastructure",
        "Die Firewall blockiert den SQL Server, keine Verbindung zum Server im Netzwerk.",
    ),
    (
        "de",
        "infrastructure",
        "Der Virenscanner blockiert den Zugriff auf das Netzlaufwerk, unser Netzwerk ist gestört.",
    ),
    (
        "de",
        "consulting",
        "Wie kann ich eine neue Rechnungsvorlage einrichten? Wir möchten eine Schulung buchen.",
    ),
    (
        "en",
        "bug",
        "Since the update to version 6.2.1 Lindwerk crashes with error LW-5502 when saving an invoice.",
    ),
    (
        "en",
        "infrastructure",
        "Our SQL Server is not reachable, the firewall blocks port 1433 on our network.",
    ),
    ("en", "infrastructure", "Our mail server is down and Exchange rejects all mails from our network."),
    (
        "en",
        "consulting",
        "How do I create a report of all open items per customer? We would like a training.",
    ),
]

# Function words that explain nothing on their own (a hand-written list, not the model's own).
FUNCTION_WORDS = {
    "der", "die", "das", "dem", "den", "des", "ein", "eine", "einer", "einen", "und", "oder", "ist", "sind",
    "nicht", "ich", "wir", "sie", "es", "mit", "auf", "im", "in", "zu", "von", "für", "fur", "fuer",
    "the", "a", "an", "and", "or", "is", "are", "not", "i", "we", "it", "to", "of", "on", "for", "with",
}  # fmt: skip


@pytest.fixture(scope="module")
def model(trained_state) -> TriageModel:
    from triage.classifier.artifact import load_model

    return load_model(trained_state.model_dir)


@pytest.fixture(scope="module")
def test_texts(trained_state) -> list[str]:
    lines = (trained_state.data_dir / TEST_FILE).read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    return [f"{i.get('subject', '')}\n{i['body']}".strip() for i in items]


# --- learning ------------------------------------------------------------------------------------


def test_model_knows_exactly_the_three_labels(model):
    assert sorted(model.labels) == sorted(LABELS)


@pytest.mark.parametrize(("language", "expected", "text"), CLEAR_EXAMPLES)
def test_clear_examples_get_their_class(model, language, expected, text):
    prediction = model.predict(text)
    assert prediction.category == expected, (prediction, language)


def test_every_class_is_predicted_in_both_languages(model):
    predicted = {(lang, model.predict(text).category) for lang, _, text in CLEAR_EXAMPLES}
    assert predicted == {(lang, label) for lang in ("de", "en") for label in LABELS}


@pytest.mark.parametrize(("language", "expected", "text"), CLEAR_EXAMPLES)
def test_probabilities_sum_to_one_and_confidence_is_their_max(model, language, expected, text):
    prediction = model.predict(text)
    assert set(prediction.probabilities) == set(LABELS)
    assert all(0.0 <= p <= 1.0 for p in prediction.probabilities.values())
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert prediction.confidence == max(prediction.probabilities.values())
    assert prediction.probabilities[prediction.category] == prediction.confidence


def test_predict_many_keeps_order_and_equals_predict(model):
    texts = [text for _, _, text in CLEAR_EXAMPLES]
    assert model.predict_many(texts) == [model.predict(t) for t in texts]


# --- threshold -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "confidence", "target", "expected"),
    [
        pytest.param([1, 1, 1, 1], [0.9, 0.6, 0.8, 0.7], 0.95, 0.6, id="all-correct-lowest-confidence"),
        pytest.param([1, 1, 1, 0], [0.9, 0.8, 0.7, 0.6], 0.95, 0.7, id="wrong-at-the-bottom-excluded"),
        pytest.param([0, 1, 1, 1], [0.9, 0.8, 0.7, 0.6], 0.95, 1.01, id="wrong-high-confidence-no-threshold"),
        pytest.param([0, 1, 1, 1], [0.9, 0.8, 0.7, 0.6], 0.75, 0.6, id="wrong-high-confidence-lower-target"),
        pytest.param([0, 1, 1, 1], [0.9, 0.8, 0.7, 0.6], 0.70, 0.6, id="target-met-only-at-the-end"),
        pytest.param(
            [1, 0, 1, 1, 1, 1, 1, 1, 1, 1],
            [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90],
            0.8,
            0.90,
            id="largest-answered-set-not-first-dip",
        ),
        pytest.param([0, 0, 0], [0.9, 0.8, 0.7], 0.95, 1.01, id="nothing-correct"),
        pytest.param([1], [0.55], 0.95, 0.55, id="single-correct-case"),
    ],
)
def test_threshold_answers_the_largest_set_that_meets_the_target_precision(correct, confidence, target, expected):
    threshold = choose_threshold(np.array(correct, dtype=bool), np.array(confidence), target=target)
    assert threshold == pytest.approx(expected)


def test_no_reachable_target_means_everything_needs_a_human():
    correct = np.array([0, 1, 1], dtype=bool)
    confidence = np.array([1.0, 0.9, 0.8])
    threshold = choose_threshold(correct, confidence, target=0.95)
    assert threshold > 1
    assert coverage_precision(correct, confidence, threshold) == (0.0, 0.0)


def test_tied_confidences_are_answered_together():
    correct = np.array([1, 1, 0], dtype=bool)
    confidence = np.array([0.9, 0.7, 0.7])
    threshold = choose_threshold(correct, confidence, target=0.95)
    _, precision = coverage_precision(correct, confidence, threshold)
    assert precision >= 0.95, f"threshold {threshold} answers both 0.7 cases, one of them wrong"


@pytest.mark.parametrize(
    ("correct", "confidence", "threshold", "expected"),
    [
        pytest.param([1, 1, 0, 1], [0.9, 0.8, 0.7, 0.6], 0.7, (0.75, 2 / 3), id="threshold-inclusive"),
        pytest.param([1, 1, 0, 1], [0.9, 0.8, 0.7, 0.6], 0.75, (0.5, 1.0), id="between-values"),
        pytest.param([1, 1, 0, 1], [0.9, 0.8, 0.7, 0.6], 0.0, (1.0, 0.75), id="everything-answered"),
        pytest.param([1, 1, 0, 1], [0.9, 0.8, 0.7, 0.6], 1.01, (0.0, 0.0), id="nothing-answered"),
        pytest.param([0, 0], [0.9, 0.8], 0.5, (1.0, 0.0), id="all-wrong"),
    ],
)
def test_coverage_and_precision_of_a_threshold(correct, confidence, threshold, expected):
    share, precision = coverage_precision(np.array(correct, dtype=bool), np.array(confidence), threshold)
    assert (share, precision) == pytest.approx(expected)


def test_chosen_threshold_meets_the_target_it_was_chosen_for():
    rng = np.random.default_rng(7)
    confidence = rng.uniform(0.34, 1.0, 400)
    correct = rng.uniform(0, 1, 400) < confidence  # higher confidence, more often right
    threshold = choose_threshold(correct, confidence, target=0.9)
    share, precision = coverage_precision(correct, confidence, threshold)
    assert precision >= 0.9
    assert 0 < share < 1
    # One step lower would answer a case too many and miss the target.
    lower = confidence[confidence < threshold].max()
    assert coverage_precision(correct, confidence, lower)[1] < 0.9


def test_trained_threshold_is_in_the_metadata(model):
    assert 0 < model.threshold <= 1.01
    assert model.threshold == float(model.metadata["threshold"])


def test_needs_human_is_confidence_below_threshold_or_off_topic(model, test_texts):
    predictions = model.predict_many(test_texts)
    assert {p.needs_human for p in predictions} == {True, False}, "expected both answered and flagged cases"
    expected = [p.confidence < model.threshold or p.similarity < model.off_topic_threshold for p in predictions]
    assert [p.needs_human for p in predictions] == expected
    assert [p.unsure_reason == OFF_TOPIC for p in predictions] == [
        p.similarity < model.off_topic_threshold for p in predictions
    ]


def test_needs_human_agrees_with_the_reported_confidence_near_the_threshold(model):
    text = CLEAR_EXAMPLES[0][2]
    raw = float(model.pipeline.predict_proba([text])[0].max())
    assert raw != round(raw, 4)
    # A threshold between the raw and the rounded confidence, as a retrained model may well have.
    edge = TriageModel(model.pipeline, {**model.metadata, "threshold": (raw + round(raw, 4)) / 2})
    prediction = edge.predict(text)
    assert prediction.needs_human == (prediction.confidence < edge.threshold), prediction


# --- evidence ------------------------------------------------------------------------------------

EVIDENCE_TEXTS = [
    "Seit dem Update druckt die Rechnung doppelt",
    "Rueckmeldung fuer die Pruefung: seit dem Update druckt die Rechnung doppelt",
    "Rückmeldung für die Prüfung: seit dem Update druckt die Rechnung doppelt",
    "Die Straße fehlt seit dem Update auf der Rechnung, die Größe der Schrift ist falsch. Viele Grüße",
    "Die Strasse fehlt seit dem Update auf der Rechnung, die Groesse der Schrift ist falsch. Viele Gruesse",
    "SEIT DEM UPDATE DRUCKT DIE RECHNUNG DOPPELT",
    "Der SMTP-Server lehnt seit dem Update alle Mails ab, die Firewall blockiert Port 25.",
    "Die Firewall blockiert den SQL Server, keine Verbindung zum Server im Netzwerk.",
    "Since the update to version 6.2.1 Lindwerk crashes with error LW-5502 when saving an invoice.",
    "Our SQL Server is not reachable, the firewall blocks port 1433 on our network.",
    "How do I create a report of all open items per customer? We would like a training.",
    "Lindwerk™ druckt seit dem Update die Rechnung doppelt",
]


@pytest.mark.parametrize("text", EVIDENCE_TEXTS)
def test_evidence_is_words_of_the_text_as_typed(model, text):
    evidence = model.predict(text).evidence
    assert evidence, "expected some evidence"
    assert len(evidence) <= EVIDENCE_ITEMS
    for item in evidence:
        assert item in text, f"{item!r} is not in the text as typed"
        assert item.strip() == item and item


@pytest.mark.parametrize("text", EVIDENCE_TEXTS)
def test_evidence_is_never_only_function_words(model, text):
    for item in model.predict(text).evidence:
        words = [m.group() for m in WORD_RE.finditer(normalize_text(item))]
        assert not set(words) <= FUNCTION_WORDS, item


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rueckmeldung fuer die Pruefung: seit dem Update druckt die Rechnung doppelt", "Rechnung"),
        ("SEIT DEM UPDATE DRUCKT DIE RECHNUNG DOPPELT", "RECHNUNG"),
    ],
)
def test_evidence_keeps_the_spelling_of_the_text(model, text, expected):
    evidence = model.predict(text).evidence
    assert any(expected in item.split(" ") for item in evidence), evidence


def test_evidence_is_distinct(model):
    for text in EVIDENCE_TEXTS:
        evidence = model.predict(text).evidence
        assert len(evidence) == len(set(evidence)), evidence


@pytest.mark.parametrize(
    "text",
    [
        "Rabatt ½ Preis: seit dem Update druckt die Rechnung doppelt",
        "№ 5: seit dem Update druckt die Rechnung doppelt",
    ],
)
def test_evidence_is_as_typed_even_with_compatibility_characters(model, text):
    evidence = model.predict(text).evidence
    assert evidence
    assert all(item in text for item in evidence), evidence


# --- surface_form --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens", "expected"),
    [
        ("Der SMTP-Server antwortet nicht", ["smtp-server"], "SMTP-Server"),
        ("Prüfung fehlgeschlagen", ["prufung"], "Prüfung"),
        ("Pruefung fehlgeschlagen", ["prufung"], "Pruefung"),
        ("PRÜFUNG fehlgeschlagen", ["prufung"], "PRÜFUNG"),
        ("Die Straße fehlt", ["strasse"], "Straße"),
        ("Die Strasse fehlt", ["strasse"], "Strasse"),
        ("Fehler LW-5502 beim Speichern", ["lw-5502"], "LW-5502"),
        ("Seit dem Update druckt sie", ["seit", "dem", "update"], "Seit dem Update"),
        ("seit  dem\nUpdate", ["seit", "dem"], "seit  dem"),
        ("Größe und Größe", ["grosse"], "Größe"),  # the first occurrence
        ("Die Rechnung", ["drucker"], None),
        ("Update der Rechnung", ["update", "rechnung"], None),  # a phrase must be contiguous
        ("Rechnungen", ["rechnung"], None),  # whole words only
    ],
)
def test_surface_form_is_the_tokens_as_typed_in_the_text(text, tokens, expected):
    assert surface_form(text, tokens) == expected


def test_fast_probabilities_equal_scikit_learns(model):
    """TriageModel computes the calibrated probabilities itself (speed); they must be sklearn's."""
    import numpy as np

    texts = EVIDENCE_TEXTS + ["", "x", "Wie richte ich den DATEV-Export ein?", "Port 1433 blocked by our firewall"]
    expected = model.pipeline.predict_proba(texts)
    got = np.array([[p.probabilities[label] for label in model.labels] for p in model.predict_many(texts)])
    assert np.abs(expected - got).max() < 1e-4  # the answer rounds to 4 places
    assert [p.category for p in model.predict_many(texts)] == [model.labels[i] for i in expected.argmax(axis=1)]


def test_ngram_rows_equal_the_vectorizers_transform(model):
    """The model computes TF-IDF rows itself (speed); they must be the fitted vectorizers' own."""
    import numpy as np

    from triage.classifier.ngram_rows import NgramRows

    texts = EVIDENCE_TEXTS + ["", "x", "Größe GRÖSSE groesse", "Port 1433 blocked by our firewall " * 30]
    prepared = model.pipeline.named_steps["prepare"].transform(texts)
    for vectorizer in (model._words, model._chars):
        rows = NgramRows(vectorizer)
        for text, expected in zip(prepared, vectorizer.transform(prepared), strict=True):
            columns, values = rows.row(text)
            assert columns.tolist() == sorted(expected.indices.tolist())
            np.testing.assert_allclose(values, expected[0, columns].toarray()[0], rtol=1e-12)
