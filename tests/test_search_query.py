"""Query building (kb_search.query): which Whoosh query a customer's text becomes, and its filters."""

from __future__ import annotations

import pytest
from search_queries import canonical, leaves, make_builder, term_in
from whoosh import query as wq

from kb_search.analysis import Analyzer
from kb_search.errors import QueryError
from kb_search.query import (
    COMPOUND_WEIGHT,
    JOINED_WEIGHT,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    PART_WEIGHT,
    TYPO_WEIGHT,
    SearchFilters,
    filter_query,
    split_filters,
)


def stem(word: str, lang: str = "de") -> str:
    return Analyzer().terms(lang, word)[0]


LAGER, RECHNUNG, DRUCK = stem("Lager"), stem("Rechnung"), stem("Druck")


def test_a_word_becomes_its_term_in_every_field_that_holds_it_with_the_field_weights():
    builder = make_builder({"title": {RECHNUNG}, "body": {RECHNUNG}, "tags": {LAGER}})
    built = builder.build("Rechnung")
    assert canonical(built.query) == canonical(term_in(("title", "body"), RECHNUNG))
    assert built.terms == {RECHNUNG}


def test_words_are_summed_so_more_matching_words_rank_higher():
    builder = make_builder({"body": {RECHNUNG, LAGER}})
    query = builder.build("Rechnung Lager").query
    assert canonical(query) == canonical(wq.Or([wq.Term("body", RECHNUNG), wq.Term("body", LAGER)]))


@pytest.mark.parametrize("text", ["die Rechnung", "Rechnung Rechnung", "RECHNUNG rechnung", "Rechnungen"])
def test_stop_words_repeats_case_and_inflection_do_not_change_the_query(text):
    builder = make_builder({"body": {RECHNUNG}})
    assert canonical(builder.build(text).query) == canonical(builder.build("Rechnung").query)


@pytest.mark.parametrize("text", ["", "   ", "Quastenflosser", "der die das", "!!! ???"])
def test_nothing_the_index_knows_gives_no_query(text):
    built = make_builder({"body": {RECHNUNG}}).build(text)
    assert built.query is None and built.terms == set()


def test_query_syntax_is_text():
    builder = make_builder({"body": {RECHNUNG}})
    # No field, wildcard or boolean syntax: "title:" is not a filter key, "*" and "^3" are no words.
    assert leaves(builder.build("title:Rechnung* ^3 (").query) == {("body", RECHNUNG, 1.0)}


def test_a_compound_the_index_lacks_searches_all_of_its_parts():
    einstell = stem("Einstellung")
    builder = make_builder({"title": {DRUCK}, "body": {DRUCK, einstell}}, dictionary=("druck", "einstellung"))
    query = builder.build("Druckeinstellungen").query
    expected = wq.And(
        [term_in(("title", "body"), DRUCK, COMPOUND_WEIGHT), wq.Term("body", einstell, boost=COMPOUND_WEIGHT)]
    )
    assert canonical(query) == canonical(expected)


def test_a_compound_with_a_part_the_index_lacks_is_not_searched_by_parts():
    builder = make_builder({"body": {DRUCK}}, dictionary=("druck", "einstellung"))
    assert builder.build("Druckeinstellungen").query is None


def test_a_typo_is_corrected_to_a_word_of_the_texts_at_a_lower_weight():
    builder = make_builder({"body": {stem("Drucker")}}, words={"de": {"drucker": 3}, "en": {}})
    assert leaves(builder.build("Drukcer").query) == {("body", stem("Drucker"), TYPO_WEIGHT)}


def test_known_and_short_words_are_not_corrected():
    drucker, drucke = stem("Drucker"), stem("Drucke")
    builder = make_builder({"body": {drucker, drucke, LAGER}}, words={"de": {"drucker": 3, "drucke": 1, "lager": 2}})
    assert all(boost == 1.0 for _, _, boost in leaves(builder.build("Drucker").query))
    # Four letters allow no typo: "Lagr" is not taken for "Lager".
    assert builder.build("Lagr").query is None


def test_two_words_the_texts_write_as_one_also_search_the_joined_word():
    viren, scanner, joined = stem("Viren"), stem("Scanner"), stem("Virenscanner")
    builder = make_builder({"body": {viren, scanner, joined}}, words={"de": {"virenscanner": 1}, "en": {}})
    assert leaves(builder.build("Viren Scanner").query) == {
        ("body", viren, 1.0),
        ("body", scanner, 1.0),
        ("body", joined, JOINED_WEIGHT),
    }


def test_a_joined_word_searches_itself_and_its_longer_parts_at_a_lower_weight():
    builder = make_builder({"body": {"lw1010", "lw", "1010"}})
    # "lw" is too short to say anything on its own.
    assert leaves(builder.build("LW-1010").query) == {("body", "lw1010", 1.0), ("body", "1010", PART_WEIGHT)}


def test_a_long_description_keeps_its_rarest_words_the_texts_use():
    fillers = [f"wort{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(MAX_QUERY_WORDS + 10)]
    words = {"de": {w: 100 for w in fillers} | {"lager": 1}, "en": {}}
    builder = make_builder({"body": {LAGER}}, words=words)
    assert leaves(builder.build(" ".join([*fillers, "Lager"])).query) == {("body", LAGER, 1.0)}


def test_a_text_too_long_for_a_query_is_refused():
    with pytest.raises(QueryError, match="too long"):
        make_builder({"body": {LAGER}}).build("Lager " * (MAX_QUERY_CHARS // 6 + 1))


def test_filters_are_taken_out_of_the_text_and_unknown_keys_stay_text():
    text, filters = split_filters(
        'Rechnung tag:Export status:"in Arbeit" LANG:DE Fehler: LW-1 http://example.com', frozenset({"status"})
    )
    assert text.split() == ["Rechnung", "Fehler:", "LW-1", "http://example.com"]
    assert filters == SearchFilters(tags=("Export",), facets=(("status", "in Arbeit"),), language="de")
    assert filters.restricts


def test_filters_become_a_whoosh_query_of_folded_values():
    filters = SearchFilters(tags=("Export",), facets=(("Status", "Offen"),), language="de")
    expected = wq.And(
        [
            wq.Or([wq.Term("audience", "public")]),
            wq.Term("tag", "export"),
            wq.Term("facet", "status=offen"),
            wq.Term("lang", "de"),
        ]
    )
    assert filter_query(filters) == expected


def test_without_filters_only_the_audience_is_restricted():
    assert filter_query(SearchFilters()) == wq.Or([wq.Term("audience", "public")])
    agents = SearchFilters(audiences=("public", "internal"))
    assert filter_query(agents) == wq.Or([wq.Term("audience", "public"), wq.Term("audience", "internal")])
    assert not agents.restricts


def test_inline_filters_add_to_given_ones_and_keep_the_audiences():
    given = SearchFilters(tags=("A",), language="en", audiences=("public", "internal"))
    merged = given.merged(SearchFilters(tags=("B",), language="de"))
    assert merged == SearchFilters(tags=("A", "B"), language="de", audiences=("public", "internal"))
