"""Tell texts the model knows nothing about: far from every training text in sentence-vector space."""

from __future__ import annotations

import numpy as np

# At most this share of in-domain texts (dev) may be flagged as off topic: a customer who gets no
# answer loses less than one who gets a confident wrong one (on dev + far_off_dev, the best
# threshold then flags 2.8 % of dev and 96 % of the far-off texts; with 2 %: 1.7 % and 91 %).
MAX_IN_DOMAIN_FLAGGED = 0.05
GRID_STEP = 0.0025


def nearest_similarity(vectors: np.ndarray, reference: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Cosine similarity of each vector to its nearest reference vector (unit vectors).

    With `groups` (vectors and reference are the same texts), a text's own group does not count:
    each text is compared with the others as a new text would be.
    """
    similarity = np.asarray(vectors, dtype=np.float32) @ np.asarray(reference, dtype=np.float32).T
    if groups is not None:
        similarity[groups[:, None] == groups[None, :]] = -1.0
    return similarity.max(axis=1)


def choose_off_topic_threshold(in_domain: np.ndarray, far_off: np.ndarray | None = None) -> float:
    """Return the similarity below which a text is off topic.

    Of the thresholds that flag at most MAX_IN_DOMAIN_FLAGGED of the in-domain texts, those that
    flag the most far-off texts minus in-domain texts (shares); of these, the middle one, so both
    sides keep a margin. Without far-off texts: the highest threshold allowed.
    """
    in_domain = np.asarray(in_domain, dtype=float)
    grid = np.round(np.arange(0.0, 1.0, GRID_STEP), 4)
    own_flagged = (in_domain[None, :] < grid[:, None]).mean(axis=1)
    allowed = own_flagged <= MAX_IN_DOMAIN_FLAGGED
    if far_off is None or len(far_off) == 0:
        return float(grid[allowed].max())
    far_flagged = (np.asarray(far_off, dtype=float)[None, :] < grid[:, None]).mean(axis=1)
    gain = np.where(allowed, far_flagged - own_flagged, -np.inf)
    best = grid[np.isclose(gain, gain.max())]
    return float(best[len(best) // 2])
