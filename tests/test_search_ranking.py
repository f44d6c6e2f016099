"""Ranking (kb_search.ranking): candidates, the customer's language, the page's share, the per-page cap."""

from __future__ import annotations

import numpy as np
import pytest

from kb_search.ranking import LANGUAGE_BOOST, PAGE_WEIGHT, capped_per_page, top_documents, with_page_scores

# Documents 0-1: sections of a.md (German), 2: its page document; 3: section of b.md (English), 4: its page.
LANGUAGES = ["de", "de", "de", "en", "en"]
PATHS = ["a.md", "a.md", "a.md", "b.md", "b.md"]
KINDS = ["section", "section", "page", "section", "page"]


def test_top_documents_are_the_best_scored_best_first_without_the_unmatched():
    scores = np.array([0.0, 3.0, 1.0, 0.0, 2.0, 5.0], dtype=np.float32)
    assert top_documents(scores, 3) == [(5.0, 5), (3.0, 1), (2.0, 4)]
    assert top_documents(scores, 10) == [(5.0, 5), (3.0, 1), (2.0, 4), (1.0, 2)]
    assert top_documents(np.zeros(4, dtype=np.float32), 3) == []


def test_sections_gain_a_share_of_their_pages_score_in_the_preferred_language():
    ranked = {d: s for s, d in with_page_scores([(2.0, 0), (10.0, 2), (3.0, 3)], "de", LANGUAGES, PATHS, KINDS)}
    assert ranked == {
        0: pytest.approx(2.0 * LANGUAGE_BOOST + PAGE_WEIGHT * 10.0 * LANGUAGE_BOOST),
        3: pytest.approx(3.0),
    }


def test_a_page_matched_only_across_its_sections_is_shown_by_its_page_document():
    assert with_page_scores([(4.0, 4)], None, LANGUAGES, PATHS, KINDS) == [(pytest.approx(PAGE_WEIGHT * 4.0), 4)]


def test_the_per_page_cap_keeps_the_best_sections_of_each_page_up_to_the_limit():
    ranked = [(1.0, 0), (5.0, 1), (3.0, 3), (4.0, 2)]
    assert capped_per_page(ranked, PATHS, per_page=1, limit=10) == [(5.0, 1), (3.0, 3)]
    assert capped_per_page(ranked, PATHS, per_page=2, limit=10) == [(5.0, 1), (4.0, 2), (3.0, 3)]
    assert capped_per_page(ranked, PATHS, per_page=2, limit=1) == [(5.0, 1)]
