"""Section search on a real MkDocs build of the fixture knowledge base."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kb_search import QueryError, SearchFilters


def paths(result) -> list[str]:
    return [hit.path for hit in result.hits]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.heading_ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[2-3]", tag):
            self.heading_ids.append(dict(attrs).get("id"))


def rendered_heading_ids(site_dir, url: str) -> list[str]:
    parser = _Ids()
    parser.feed((site_dir / url / "index.html").read_text(encoding="utf-8"))
    return parser.heading_ids


def test_sections_link_to_the_anchors_mkdocs_rendered(built_kb, kb_index):
    result = kb_index.search("Drucker", limit=10, per_page=10)
    drucker = [h for h in result.hits if h.path == "faq/drucker.md"]
    anchors = {h.url.split("#", 1)[1] for h in drucker if "#" in h.url}
    rendered = set(rendered_heading_ids(built_kb.site_dir, "faq/drucker"))
    assert anchors, "expected sections with anchors"
    assert anchors <= rendered
    # The umlaut heading gets the slug MkDocs' toc extension made, not one of our own.
    assert "ausnahme-im-virenscanner" in rendered


def test_page_without_headings_is_one_section(kb_index):
    hits = kb_index.search("Willkommen Testhilfe").hits
    assert hits[0].path == "index.md"
    assert hits[0].section is None
    assert hits[0].url == ""


def test_h3_sections_are_split_and_the_permalink_sign_is_not_text(kb_index):
    hit = kb_index.search("Gebühr entfällt").hits[0]
    assert hit.section == "Beispiel für Ihre IT"
    assert hit.url.endswith("#beispiel-fur-ihre-it")
    assert "¶" not in hit.snippet


@pytest.mark.parametrize(
    "query",
    ["Prüfung", "pruefung", "prufung", "PRÜFUNG", "Strasse", "Straße", "Gebuehr", "Gebuhr"],
)
def test_umlauts_and_sharp_s_match_however_typed(kb_index, query):
    assert paths(kb_index.search(query))[0] == "faq/drucker.md"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Einstellungen für den Druck", {"faq/drucker.md", "howto/formulare.md"}),  # parts find the compound
        ("Druckeinstellungen", {"faq/drucker.md", "howto/formulare.md"}),  # compound finds the parts
        ("Virenscanner", {"faq/drucker.md", "howto/formulare.md"}),
        ("Viren scanner", {"faq/drucker.md", "howto/formulare.md"}),
    ],
)
def test_compounds_and_their_parts_find_each_other(kb_index, query, expected):
    assert expected <= set(paths(kb_index.search(query, limit=5)))


@pytest.mark.parametrize("query", ["Virenscaner", "Virensacnner", "Druckeinstelungen", "Warteschlnage"])
def test_typos_on_longer_words_are_forgiven(kb_index, query):
    assert paths(kb_index.search(query))[0] in {"faq/drucker.md", "howto/formulare.md"}


def test_short_words_are_not_fuzzy(kb_index):
    # "Papir" is one edit from "Papier", but five letters allow one edit only from the word itself;
    # "Pxpxr" is two away and must find nothing.
    assert kb_index.search("Pxpxr").hits == []


def test_vendor_synonyms_file_is_used(kb_index):
    assert paths(kb_index.search("Quittung"))[0] == "howto/formulare.md"


def test_bundled_synonyms_cross_languages(kb_index):
    # Only the German page says "doppelt"/"Rechnung"; the English query reaches it by synonyms.
    assert paths(kb_index.search("invoice twice"))[0] == "known-issues/lw-100.md"


def test_english_query_prefers_english_page_german_query_german_page(kb_index):
    assert paths(kb_index.search("printer not printing"))[0] == "en/printing.md"
    assert paths(kb_index.search("Drucker druckt nicht"))[0] == "faq/drucker.md"


def test_title_weighs_more_than_body(kb_index):
    # "Export" is in the title of lw-200 only; other pages do not use it at all in the title.
    assert paths(kb_index.search("Export"))[0] == "known-issues/lw-200.md"


def test_filter_by_tag(kb_index):
    result = kb_index.search("Drucker", filters=SearchFilters(tags=("Vorlagen",)))
    assert paths(result) == ["howto/formulare.md"]


def test_filter_by_front_matter_field_inline_and_explicit(kb_index):
    inline = kb_index.search("Rechnung Export status:open")
    assert paths(inline) == ["known-issues/lw-100.md"]
    explicit = kb_index.search("Rechnung Export", filters=SearchFilters(facets=(("status", "fixed"),)))
    assert paths(explicit) == ["known-issues/lw-200.md"]
    assert explicit.hits[0].facts["fixed_in"] == "5.10.1"


def test_filter_by_language(kb_index):
    result = kb_index.search("Drucker printer", filters=SearchFilters(language="en"))
    assert paths(result) == ["en/printing.md"]
    assert all(h.language == "en" for h in result.hits)


def test_unknown_filter_words_stay_text(kb_index):
    # "Fehlerbild:" is not a filter key; the query still searches the word.
    assert kb_index.search("Fehlerbild: doppelt").hits


def test_snippets_mark_matches_and_escape_html(kb_index):
    hit = kb_index.search("Markup script alert").hits[0]
    assert "<mark>" in hit.snippet
    without_marks = hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet


def test_internal_pages_are_not_in_the_public_search_or_site(built_kb, kb_index):
    assert kb_index.search("Quastenflosser").hits == []
    assert not (built_kb.site_dir / "known-issues" / "intern-reset").exists()
    assert "Quastenflosser" not in (built_kb.site_dir / "search" / "search_index.json").read_text(encoding="utf-8")


def test_limits_are_checked(kb_index):
    with pytest.raises(QueryError):
        kb_index.search("Drucker", limit=0)
    with pytest.raises(QueryError):
        kb_index.search("x" * 5000)


def test_query_syntax_is_plain_text(kb_index):
    for query in ["Drucker AND OR NOT", '"Drucker', "Druck*", "title:Drucker", "Drucker~2 ^3 (", "*", "?"]:
        kb_index.search(query)  # never raises


def test_only_stopwords_and_empty_queries_give_no_error(kb_index):
    assert kb_index.search("").hits == []
    assert kb_index.search("   ").hits == []
    kb_index.search("der die das")
