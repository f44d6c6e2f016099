"""Answer queries from a section index, and follow new index generations without a restart.

The parts live in modules of their own; this module names them for callers:
`SectionIndex` (kb_search.section_index) is one open generation, `IndexHandle`
(kb_search.generation) follows the current one, `Hit` and `SearchResult` (kb_search.hits) are
what a search returns, and the scoring constants come from kb_search.ranking.
"""

from __future__ import annotations

from kb_search.generation import IndexHandle
from kb_search.hits import Hit, SearchResult
from kb_search.ranking import BM25_B, BM25_K1
from kb_search.section_index import MAX_LIMIT, MAX_PER_PAGE, SectionIndex

__all__ = ["BM25_B", "BM25_K1", "MAX_LIMIT", "MAX_PER_PAGE", "Hit", "IndexHandle", "SearchResult", "SectionIndex"]
