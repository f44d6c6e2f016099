"""Rank the documents of one query: the best candidates, the customer's language, the page's share.

Pure functions over the scores and the `lang`, `path` and `kind` columns of a generation, so the
order of hits can be reasoned about (and tested) without an index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# BM25 with less length normalisation than the textbook 0.75: sections are short and of very
# different lengths; 0.4/0.9 scored best on bench/queries.jsonl (MRR 0.823 -> 0.836).
BM25_B = 0.4
BM25_K1 = 0.9
# Sections scored per query before language, page and per-page ranking.
CANDIDATES = 50
# Sections in the language the customer writes in rank above equally good ones in another.
LANGUAGE_BOOST = 1.3
# Share of the whole page's score added to each of its sections.
PAGE_WEIGHT = 0.3


def top_documents(scores: np.ndarray, count: int) -> list[tuple[float, int]]:
    """Return the (score, docnum) of the best `count` documents with a score, best first."""
    matched = np.flatnonzero(scores > 0)
    if len(matched) > count:
        matched = matched[np.argpartition(-scores[matched], count)[:count]]
    order = matched[np.argsort(-scores[matched], kind="stable")]
    return [(float(scores[d]), int(d)) for d in order]


def with_page_scores(
    top: Sequence[tuple[float, int]],
    preferred: str | None,
    languages: Sequence[str],
    paths: Sequence[str],
    kinds: Sequence[str],
) -> list[tuple[float, int]]:
    """Return the sections with a share of their page's score added, in the preferred language boosted.

    A page whose words match only across sections (no section scored) is shown by its page document.
    """
    page_scores: dict[str, float] = {}
    page_docs: dict[str, int] = {}
    sections: list[tuple[float, int]] = []
    for score, docnum in top:
        score *= LANGUAGE_BOOST if languages[docnum] == preferred else 1.0
        if kinds[docnum] == "page":
            page_scores[paths[docnum]] = score
            page_docs[paths[docnum]] = docnum
        else:
            sections.append((score, docnum))
    ranked = [(score + PAGE_WEIGHT * page_scores.get(paths[d], 0.0), d) for score, d in sections]
    with_sections = {paths[d] for _, d in sections}
    ranked += [(PAGE_WEIGHT * page_scores[p], d) for p, d in page_docs.items() if p not in with_sections]
    return ranked


def capped_per_page(
    ranked: Sequence[tuple[float, int]], paths: Sequence[str], *, per_page: int, limit: int
) -> list[tuple[float, int]]:
    """Return the best `limit` documents, best first, with at most `per_page` of each page."""
    shown: dict[str, int] = {}
    kept: list[tuple[float, int]] = []
    for score, docnum in sorted(ranked, key=lambda item: item[0], reverse=True):
        path = paths[docnum]
        if shown.get(path, 0) >= per_page:
            continue
        shown[path] = shown.get(path, 0) + 1
        kept.append((score, docnum))
        if len(kept) == limit:
            break
    return kept
