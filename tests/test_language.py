"""Language detection on the short texts customers type."""

from __future__ import annotations

import pytest

from triage.answer.language import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drucker druckt nicht", "de"),
        ("login geht nicht", "de"),
        ("Passwort vergessen", "de"),
        ("Kasse geht nicht", "de"),
        ("Fehler LW-5502", "de"),
        ("Wie exportiere ich die Kundenliste?", "de"),
        ("SQL Server Verbindung fehlgeschlagen", "de"),
        ("Rueckmeldung fuer Pruefung", "de"),
        ("Strasse fehlt auf der Rechnung", "de"),
        ("Lindwerk stürzt ab", "de"),
        ("Grüße", "de"),
        ("printer not working", "en"),
        ("cannot log in", "en"),
        ("invoice printed twice", "en"),
        ("password forgotten", "en"),
        ("error LW-5502", "en"),
        ("SQL Server connection failed", "en"),
        ("How do I export the customer list?", "en"),
        ("print delivery note", "en"),
    ],
)
def test_short_texts_get_their_language(detector, text, expected):
    assert detector.detect(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "12345", "6.2.1 / 404", "!!!", "\n\t"])
@pytest.mark.parametrize("default", ["de", "en"])
def test_texts_without_letters_get_the_default(text, default):
    assert LanguageDetector(default=default).detect(text) == default


def test_only_the_start_of_a_long_text_is_read(detector):
    text = "printer not working. " * 200 + "Der Drucker druckt nicht. " * 2000
    assert detector.detect(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Invoice for Müller GmbH is printed twice",
        "Dear Lindgrün support, several customers tell us our invoice e-mails arrive as winmail.dat.",
        "The search for Strauß in the customer list gives no result.",
    ],
)
def test_english_text_with_a_german_name_is_english(detector, text):
    assert detector.detect(text) == "en"
