"""The model on the full training data: it knows its limits, reads past boilerplate, explains with content words."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.lang import stopwords_for_language

from kb_search.analysis import fold_german
from triage.classifier.data import fitting_examples
from triage.classifier.features import WORD_RE, normalize_text
from triage.classifier.model import LOW_CONFIDENCE, OFF_TOPIC, TriageModel
from triage.classifier.training import fit, validation_data

DATA_DIR = Path(__file__).resolve().parent.parent / "triage" / "data"

# Texts about other things, written for this test (not those of far_off_dev.jsonl).
FAR_OFF = [
    pytest.param(
        "Zwiebeln in Butter glasig dünsten, Reis dazugeben, mit Weißwein ablöschen und nach und nach "
        "Brühe angießen. Zum Schluss Parmesan unterrühren.",
        id="recipe-de",
    ),
    pytest.param(
        "Preheat the grill. Rub the chicken thighs with paprika, garlic and olive oil and grill them "
        "for eight minutes on each side.",
        id="recipe-en",
    ),
    pytest.param(
        "Ich wurde geblitzt, 25 km/h zu schnell außerorts. Bekomme ich einen Punkt in Flensburg und lohnt "
        "sich ein Einspruch gegen den Bußgeldbescheid?",
        id="legal-de",
    ),
    pytest.param(
        "If my neighbour's tree falls on my fence during a storm, who has to pay for the repair?",
        id="legal-en",
    ),
    pytest.param(
        "class Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n"
        "        self.items.append(x)\n    def pop(self):\n        return self.items.pop()",
        id="source-code",
    ),
    pytest.param("Who scored the winning goal in the 2014 World Cup final?", id="sports"),
]

IN_DOMAIN = [
    "Seit dem Update auf 6.2.1 berechnet das Programm die Mehrwertsteuer auf der Rechnung falsch.",
    "Our SQL Server is not reachable, the firewall blocks port 1433 on our network.",
    "Wie kann ich eine neue Rechnungsvorlage mit unserem Logo einrichten?",
]

HOW_TO_WITH_TRACE = """Hi,

I am writing a small Python script that imports our orders through your REST API. How do I
authenticate correctly? I tried this and got the error below. Is there an example of the right header?

Traceback (most recent call last):
  File "import_orders.py", line 14, in <module>
    response.raise_for_status()
  File "/usr/lib/python3/dist-packages/requests/models.py", line 1021, in raise_for_status
    raise HTTPError(http_error_msg, response=self)
requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://erp.example.com/api/v2/orders

Thanks!
"""

GERMAN_OUTAGE_LETTER = """Sehr geehrte Damen und Herren,

seit heute Morgen können sich an keinem unserer Arbeitsplätze die Mitarbeiter mehr anmelden, das
Programm meldet „Datenbankserver nicht erreichbar“. Unser IT-Dienstleister hat gestern Abend die
Firewall und den Router ausgetauscht; seitdem ist auch das Netzlaufwerk auf dem Server nicht mehr
zu sehen.

Für eine schnelle Rückmeldung wären wir Ihnen sehr dankbar.

Vielen Dank und mit freundlichen Grüßen
Sabine Krüger
Buchhaltung, Krüger & Söhne GmbH
"""

# Filler for the check below: Whoosh's lists and words the issue names; independent of the
# stopwords-iso list the model uses.
FILLER = {fold_german(w) for lang in ("de", "en") for w in stopwords_for_language(lang)} | {
    "seit", "geht", "heute", "bitte", "the", "please", "danke", "hallo", "leider", "immer", "schon", "mal",
    "thanks", "hello", "regards", "gruss", "grusse", "vielen", "dank", "sehr", "freundlichen",
    "gestern", "yesterday",
}  # fmt: skip

EVIDENCE_TEXTS = [
    "Seit heute geht die Anmeldung nicht, bitte helfen Sie uns. Die Firewall blockiert Port 1433.",
    "Hallo, seit dem Update druckt die Rechnung doppelt, bitte dringend prüfen. Danke!",
    "Please help, the invoice total is wrong since the update, the tax is added twice.",
    "Hello, how can I set up a new invoice template with our logo? Thanks a lot.",
    GERMAN_OUTAGE_LETTER,
    HOW_TO_WITH_TRACE,
    "Outlook meldet beim Versand aus dem Programm: Verbindung zum SMTP-Server abgelehnt, unsere Firewall wurde"
    " gestern umgestellt.",
    "Since yesterday the sync fails: our proxy was replaced yesterday and now blocks the connection.",
]


@pytest.fixture(scope="module")
def model() -> TriageModel:
    """A model fitted on the real training data, calibrated and thresholded on the dev data."""
    return TriageModel(*fit(fitting_examples(DATA_DIR), **validation_data(DATA_DIR)))


@pytest.mark.parametrize("text", FAR_OFF)
def test_far_off_text_needs_a_human(model, text):
    prediction = model.predict(text)
    assert prediction.needs_human, prediction
    assert prediction.unsure_reason == OFF_TOPIC, prediction


@pytest.mark.parametrize("text", IN_DOMAIN)
def test_support_texts_are_not_off_topic(model, text):
    prediction = model.predict(text)
    assert prediction.unsure_reason != OFF_TOPIC, prediction
    assert prediction.similarity >= model.off_topic_threshold


def test_how_to_question_with_a_stack_trace_is_not_a_bug(model):
    prediction = model.predict(HOW_TO_WITH_TRACE)
    assert prediction.category == "consulting", prediction


def test_german_outage_letter_with_thanks_is_infrastructure(model):
    prediction = model.predict(GERMAN_OUTAGE_LETTER)
    assert prediction.category == "infrastructure", prediction


def test_reasons_are_off_topic_or_low_confidence_only_when_a_human_is_needed(model):
    for text in IN_DOMAIN + EVIDENCE_TEXTS:
        prediction = model.predict(text)
        assert (prediction.unsure_reason is not None) == prediction.needs_human
        assert prediction.unsure_reason in (None, OFF_TOPIC, LOW_CONFIDENCE)


@pytest.mark.parametrize("text", EVIDENCE_TEXTS)
def test_evidence_contains_no_stop_words(model, text):
    evidence = model.predict(text).evidence
    assert evidence, "expected evidence"
    for item in evidence:
        assert item in text
        words = WORD_RE.findall(normalize_text(item))
        assert words and not set(words) & FILLER, item


def test_evidence_shows_words_in_their_context(model):
    evidence = model.predict("Die Firewall blockiert Port 1433, keine Verbindung zum SQL Server.").evidence
    assert any(len(item.split()) > 1 for item in evidence), evidence


def test_metadata_records_what_the_thresholds_were_chosen_on(model):
    meta = model.metadata
    assert meta["metrics"]["validation"] == "dev"
    assert meta["dev_size"] > 0 and meta["far_off_size"] > 0
    assert 0 < meta["off_topic_threshold"] < 1
    assert meta["embedder_fingerprint"]


def test_one_triage_encodes_the_description_once(settings):
    """The model's off-topic check and the hybrid search share the sentence encoder's cache."""
    from kb_search.embedding import DEFAULT_SPEC, load_embedder
    from triage.answer.service import Triager

    embedder = load_embedder(DEFAULT_SPEC)
    triager = Triager.from_settings(settings)
    try:
        before = embedder.encode_one.cache_info().misses
        answer = triager.triage("Hallo,\nunser Etikettendrucker im Lager druckt seit Montag leere Etiketten.\nGruß Tom")
        assert answer["unsure_reason"] in (None, OFF_TOPIC, LOW_CONFIDENCE)
        assert embedder.encode_one.cache_info().misses == before + 1, embedder.encode_one.cache_info()
    finally:
        triager.close()


def test_level0_evaluate_reports_answered_share_and_off_topic(trained_state, runner):
    from triage.cli import main

    result = runner.invoke(main, ["evaluate", "--config-file", str(trained_state.config_file), "--no-cv"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "off topic" in result.output, result.output


def test_without_an_encoder_the_model_classifies_but_checks_no_topic(model_data_dir):
    """LEVEL0_EMBEDDER=none: a words-only index, and a model without the off-topic check."""
    pipeline, metadata, domain = fit(fitting_examples(model_data_dir), spec="none")
    assert domain is None and metadata["off_topic_threshold"] is None and metadata["embedder"] is None
    prediction = TriageModel(pipeline, metadata, domain).predict("Preheat the oven to 200 degrees.")
    assert prediction.similarity is None and prediction.unsure_reason != OFF_TOPIC
    assert prediction.needs_human == (prediction.confidence < metadata["threshold"])
