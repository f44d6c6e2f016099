"""Text analysis (kb_search.analysis): folding, word forms, stemming and stop words, in German and English."""

from __future__ import annotations

import pytest

from kb_search.analysis import MAX_TOKEN_LENGTH, Analyzer, count_words, facet_value, fold, fold_german, split_word
from kb_search.compounds import CompoundSplitter


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Prüfung", "prufung"),
        ("PRÜFUNG", "prufung"),
        ("Pruefung", "prufung"),
        ("prufung", "prufung"),
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("Größe", "grosse"),
        ("groesse", "grosse"),
        ("Aepfel", "apfel"),
        ("Äpfel", "apfel"),
        ("Café", "cafe"),
    ],
)
def test_german_folding_reads_umlauts_and_sharp_s_however_typed(typed, folded):
    assert fold_german(typed) == folded


@pytest.mark.parametrize("word", ["Quelle", "neue", "Steuer", "Feuer", "Dauer"])
def test_ae_oe_ue_stay_letters_after_q_or_a_vowel(word):
    assert fold_german(word) == word.lower()


def test_plain_folding_keeps_ae_oe_ue_for_other_languages():
    # English text is folded without the digraph rule: "blue" and "Joe" are not umlauts.
    assert fold("Pruefung") == "pruefung"
    assert fold("Blue") == "blue"
    assert fold("Ñandú") == "nandu"


def test_facet_values_are_folded_and_commas_dropped():
    assert facet_value(" Offen, Geprüft ") == "offen  gepruft"
    assert facet_value(5) == "5"


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("Drucker", ["Drucker"]),
        ("E-Mail", ["EMail", "E", "Mail"]),
        ("LW-2041", ["LW2041", "LW", "2041"]),
        ("update.example.com", ["updateexamplecom", "update", "example", "com"]),
        ("6.1.2", ["6.1.2"]),  # a version number stays whole
        ("x" * (MAX_TOKEN_LENGTH + 1), []),  # not a word: a hash, a pasted blob
    ],
)
def test_joined_words_are_indexed_whole_and_in_parts(word, forms):
    assert split_word(word) == forms


@pytest.mark.parametrize(
    ("lang", "one", "other"),
    [
        ("de", "Rechnung", "Rechnungen"),
        ("de", "Prüfungen", "PRUEFUNGEN"),
        ("de", "Drucker", "Druckers"),
        ("en", "invoice", "invoices"),
        ("en", "printing", "prints"),
    ],
)
def test_inflected_forms_share_one_stem(lang, one, other):
    analyzer = Analyzer()
    assert analyzer.terms(lang, one) == analyzer.terms(lang, other)
    assert len(analyzer.terms(lang, one)) == 1


def test_stems_are_the_languages_snowball_stems():
    analyzer = Analyzer()
    assert analyzer.terms("de", "Rechnungen") == ["rechnung"]
    assert analyzer.terms("en", "printers printing invoices") == ["printer", "print", "invoic"]


def test_stop_words_are_dropped_per_language():
    analyzer = Analyzer()
    assert analyzer.terms("de", "der die das und nicht") == []
    assert analyzer.terms("en", "the and not") == []
    # "die" is a German stop word, not an English one.
    assert analyzer.terms("en", "die") == ["die"]


def test_terms_keep_the_order_of_the_text_with_parts_after_their_word():
    analyzer = Analyzer()
    assert analyzer.terms("de", "E-Mail an LW-2041 senden") == ["email", "mail", "lw2041", "lw", "2041", "send"]


def test_single_letters_are_dropped_single_digits_kept():
    assert Analyzer().terms("de", "a 5 b") == ["5"]


def test_german_compounds_add_their_parts_english_words_are_not_split():
    analyzer = Analyzer(CompoundSplitter(["druck", "einstellung"]))
    assert analyzer.terms("de", "Druckeinstellungen") == ["druckeinstell", "druck", "einstell"]
    assert analyzer.terms("en", "Druckeinstellungen") == ["druckeinstellungen"]


def test_query_variants_cover_both_languages_stems():
    analyzer = Analyzer()
    assert analyzer.query_variants("Rechnungen") == {"rechnung", "rechnungen"}
    assert analyzer.query_variants("printing") == {"printing", "print"}


def test_count_words_counts_folded_alphabetic_words_of_three_letters_or_more():
    counts: dict[str, int] = {}
    count_words("de", ["Die Prüfung, die Pruefung! E-Mail 2041 ab"], counts)
    assert counts == {"die": 2, "prufung": 2, "email": 1, "mail": 1}
