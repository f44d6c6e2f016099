"""The one Whoosh schema of Level0's section index, and the names of the files beside it."""

from __future__ import annotations

from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

INFO_FILE = "level0.json"
VOCABULARY_FILE = "vocabulary.json"
SYNONYMS_FILE = "synonyms.txt"

# Fields searched by text, with their weights (title > heading > tags > body); `summary` is the
# page's front-matter description, which every section of the page carries.
FIELD_WEIGHTS = {"title": 4.0, "heading": 3.0, "tags": 2.0, "summary": 1.5, "body": 1.0}


def _terms() -> TEXT:
    # Terms arrive analysed (see kb_search.analysis); Whoosh only splits them at spaces.
    return TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False)


SCHEMA = Schema(
    id=ID(unique=True, stored=True),
    kind=ID(stored=True, sortable=True),  # "section", or "page" for the whole page's text
    path=ID(stored=True, sortable=True),
    url=STORED,
    page_title=STORED,
    section=STORED,
    text=STORED,
    facts=STORED,
    tag_names=STORED,
    lang=ID(stored=True, sortable=True),
    audience=ID(stored=True),
    title=_terms(),
    heading=_terms(),
    tags=_terms(),
    summary=_terms(),
    body=_terms(),
    tag=KEYWORD(commas=True, lowercase=False),
    facet=KEYWORD(commas=True, lowercase=False),
)
