"""Fuse the lexical ranking of sections with their similarity to the query's vector.

A section's fused score adds three signals, each on a 0..1 scale:

* its lexical score, saturated (`score / (score + LEXICAL_HALF)`): a strong match counts fully,
  and a weak one, even if it is the query's best, counts little (dividing by the best score made
  the best lexical hit count fully however poor it was: MRR 0.887 instead of 0.896);
* its cosine similarity above a floor below which a text is unrelated to the query;
* its whole page's similarity, above the same floor.

A section that the lexical ranking did not find must be at least `dense_only_similarity` similar
to the query, so a query of nonsense words finds nothing rather than the least unlike sections.

The form and its constants were chosen on bench/queries.jsonl with bench/search_quality.py (the
in-house query set; figures measured on it are an upper bound for other knowledge bases), by a
grid over the weights; "rrf" (reciprocal-rank fusion) was compared and is kept as an option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Fusion:
    """How the lexical and the dense ranking are combined."""

    method: str = "score"  # "score" (weighted sum of saturated scores) or "rrf" (reciprocal ranks)
    # The share of a perfect lexical match that counts half.
    lexical_half: float = 0.25
    section_weight: float = 4.0
    page_weight: float = 2.0
    # Cosine similarity at which a text starts to count as related to the query.
    min_similarity: float = 0.2
    # A section found by its vector only needs at least this similarity.
    dense_only_similarity: float = 0.25
    # Added to the similarity of sections in the customer's language.
    language_bonus: float = 0.0
    rrf_k: float = 60.0


DEFAULT_FUSION = Fusion()


def fuse(
    lexical: Mapping[int, float],
    sections: Mapping[int, float],
    pages: Mapping[int, float],
    preferred: Mapping[int, bool],
    fusion: Fusion = DEFAULT_FUSION,
) -> dict[int, float]:
    """Return the fused score of every document worth showing (docnum -> score, higher is better).

    `lexical` holds lexical scores, `sections` the cosine similarities of sections, `pages` the
    similarity of each document's whole page, `preferred` whether a document is in the
    customer's language.
    """
    related = {}
    for d, sim in sections.items():
        sim += fusion.language_bonus if preferred.get(d) else 0.0
        if sim >= (fusion.min_similarity if d in lexical else fusion.dense_only_similarity):
            related[d] = sim
    if fusion.method == "rrf":
        fused: dict[int, float] = {}
        for ranking in (lexical, related):
            ordered = sorted(ranking, key=ranking.__getitem__, reverse=True)
            for rank, d in enumerate(ordered, 1):
                fused[d] = fused.get(d, 0.0) + 1.0 / (fusion.rrf_k + rank)
        return fused
    floor = fusion.min_similarity
    # Divided by the highest possible sum, so a fused score is at most 1.
    scale = 1.0 + (fusion.section_weight + fusion.page_weight) * (1.0 - floor)
    fused = {}
    for d in set(lexical) | set(related):
        share = lexical.get(d, 0.0)
        total = share / (share + fusion.lexical_half)
        total += fusion.section_weight * max(0.0, related.get(d, 0.0) - floor)
        total += fusion.page_weight * max(0.0, pages.get(d, 0.0) - floor)
        fused[d] = total / scale
    return fused
