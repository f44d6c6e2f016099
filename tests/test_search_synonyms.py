"""Synonym files (kb_search.synonyms): the Solr format parsed, bad lines refused, rules expanding queries."""

from __future__ import annotations

import pytest
from search_queries import leaves, make_builder

from kb_search.analysis import Analyzer
from kb_search.errors import SynonymsError
from kb_search.query import CROSS_LANGUAGE_WEIGHT, SYNONYM_WEIGHT
from kb_search.synonyms import SynonymRule, bundled_synonyms_text, load_synonyms_text, parse_synonyms


def stem(word: str, lang: str = "de") -> str:
    return Analyzer().terms(lang, word)[0]


def test_a_group_of_equivalent_entries_finds_each_other():
    rules = parse_synonyms("drucker, printer, druckausgabe")
    phrases = (("drucker",), ("printer",), ("druckausgabe",))
    assert rules == [SynonymRule(match=phrases, expand=phrases)]


def test_an_arrow_rule_expands_one_way():
    assert parse_synonyms("pw, kennwort => passwort") == [
        SynonymRule(match=(("pw",), ("kennwort",)), expand=(("passwort",),))
    ]


def test_entries_of_several_words_comments_and_blank_lines():
    text = "# Anmelden\n\nlog in, sign in ,anmelden   # inline comment\n"
    assert parse_synonyms(text) == [
        SynonymRule(
            match=(("log", "in"), ("sign", "in"), ("anmelden",)), expand=(("log", "in"), ("sign", "in"), ("anmelden",))
        )
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a, b => ", "vendor.txt:1: empty side"),
        ("=> b", "vendor.txt:1: empty side"),
        ("# comment\n\nnur-ein-wort", "vendor.txt:3: a synonym group needs at least two entries"),
        ("a, b\na => b => c", "vendor.txt:2: more than one '=>'"),
        ("a, , ,", "vendor.txt:1: a synonym group needs at least two entries"),
    ],
)
def test_a_malformed_rule_is_refused_naming_its_file_and_line(text, message):
    with pytest.raises(SynonymsError) as caught:
        parse_synonyms(text, "vendor.txt")
    assert str(caught.value).startswith(message)


def test_the_bundled_rules_parse():
    rules = parse_synonyms(bundled_synonyms_text())
    assert SynonymRule(match=(("drucker",), ("printer",)), expand=(("drucker",), ("printer",))) in rules


def test_a_vendor_file_comes_after_the_bundled_rules(tmp_path):
    vendor = tmp_path / "synonyms.txt"
    vendor.write_text("quittung, kassenbon\n", encoding="utf-8")
    text = load_synonyms_text(vendor)
    assert text.startswith(bundled_synonyms_text())
    assert parse_synonyms(text)[-1].match == (("quittung",), ("kassenbon",))
    assert load_synonyms_text(None) == bundled_synonyms_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "synonyms file not found"),
        (b"drucker, \xff\xfe", "not UTF-8"),
        (b"\n\nx =>", "synonyms.txt:3: empty side"),
    ],
)
def test_a_bad_vendor_file_is_a_clear_error(tmp_path, content, message):
    vendor = tmp_path / "synonyms.txt"
    if content is not None:
        vendor.write_bytes(content)
    with pytest.raises(SynonymsError, match=message):
        load_synonyms_text(vendor)


RECHNUNG, INVOICE = stem("Rechnung"), stem("invoice", "en")
WORDS = {"de": {"rechnung": 3, "passwort": 1, "drucker": 2, "defekt": 1}, "en": {"invoice": 2}}


def test_an_equivalent_synonym_is_searched_at_a_lower_weight():
    builder = make_builder({"body": {RECHNUNG, INVOICE}}, words=WORDS, synonyms="rechnung, invoice")
    found = leaves(builder.build("Rechnung", "de").query)
    assert ("body", RECHNUNG, 1.0) in found
    assert ("body", INVOICE, round(SYNONYM_WEIGHT * CROSS_LANGUAGE_WEIGHT, 6)) in found


def test_a_synonym_in_the_customers_language_counts_more_than_one_in_another():
    builder = make_builder({"body": {RECHNUNG, INVOICE}}, words=WORDS, synonyms="rechnung, invoice")
    assert ("body", RECHNUNG, SYNONYM_WEIGHT) in leaves(builder.build("invoice", "de").query)
    assert ("body", RECHNUNG, round(SYNONYM_WEIGHT * CROSS_LANGUAGE_WEIGHT, 6)) in leaves(
        builder.build("invoice", "en").query
    )


def test_an_arrow_rule_does_not_expand_backwards():
    passwort = stem("Passwort")
    builder = make_builder({"body": {passwort, "pw"}}, words=WORDS, synonyms="pw => passwort")
    assert {term for _, term, _ in leaves(builder.build("pw", "de").query)} == {"pw", passwort}
    assert {term for _, term, _ in leaves(builder.build("Passwort", "de").query)} == {passwort}


def test_a_phrase_matches_only_its_words_in_a_row():
    drucker, kaputt, defekt = stem("Drucker"), stem("kaputt"), stem("defekt")
    builder = make_builder({"body": {drucker, kaputt, defekt}}, words=WORDS, synonyms="drucker kaputt => defekt")
    assert defekt in {term for _, term, _ in leaves(builder.build("Drucker kaputt", "de").query)}
    assert defekt not in {term for _, term, _ in leaves(builder.build("kaputt Drucker", "de").query)}


def test_an_expansion_the_index_cannot_match_is_left_out():
    builder = make_builder({"body": {RECHNUNG}}, words=WORDS, synonyms="rechnung => faktura storno")
    assert leaves(builder.build("Rechnung", "de").query) == {("body", RECHNUNG, 1.0)}
