"""Level0's knowledge-base search: MkDocs pages → sections → a Whoosh index → ranked hits."""

from kb_search.errors import DocsError, IndexMissingError, KbSearchError, QueryError, SynonymsError
from kb_search.query import SearchFilters
from kb_search.searcher import Hit, IndexHandle, SearchResult, SectionIndex

__all__ = [
    "DocsError",
    "Hit",
    "IndexHandle",
    "IndexMissingError",
    "KbSearchError",
    "QueryError",
    "SearchFilters",
    "SearchResult",
    "SectionIndex",
    "SynonymsError",
]
