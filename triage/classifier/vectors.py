"""The sentence encoder's vector of a text as a feature block of the triage pipeline.

The encoder is not part of the saved pipeline: the transformer holds only the embedder's spec and
the block's weight, and looks the process's embedder up by spec (kb_search.embedding) when it runs.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from kb_search.dense import encoder_text
from kb_search.embedding import DEFAULT_SPEC, Embedder, EmbedderError, load_embedder


def embedder_for(spec: str) -> Embedder:
    """Return the process's embedder for a spec; raise EmbedderError for the spec ``none``."""
    embedder = load_embedder(spec)
    if embedder is None:
        raise EmbedderError(f"the triage model needs a sentence encoder, but the embedder is {spec!r}")
    return embedder


# The service searches the knowledge base with the prepared text's first ENCODED_CHARS characters,
# and the search encodes its query through kb_search's encoder_text: encoding the very same string
# here, the embedder's cache makes it one encoding per triage. (The encoder reads only the first
# ~600 characters anyway.)
ENCODED_CHARS = 2_000


def encoder_input(text: str) -> str:
    """Return the string the encoder gets for a prepared text: the one the article search encodes."""
    return encoder_text(text[:ENCODED_CHARS])


def encode_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Return the vectors of prepared texts; one text goes through the embedder's cache (shared with search)."""
    if len(texts) == 1:
        return np.asarray(embedder.encode_one(encoder_input(texts[0])))[None, :]
    return embedder.encode([encoder_input(t) for t in texts])


class SentenceVectors(TransformerMixin, BaseEstimator):
    """Map prepared texts to their sentence vectors times `weight` (a sparse block for FeatureUnion)."""

    def __init__(self, spec: str = DEFAULT_SPEC, weight: float = 1.0) -> None:
        self.spec = spec
        self.weight = weight

    def fit(self, texts: Iterable[str], y: object = None) -> SentenceVectors:
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        vectors = encode_texts(embedder_for(self.spec), list(texts))
        return sparse.csr_matrix(vectors * np.float32(self.weight))

    def __sklearn_is_fitted__(self) -> bool:
        return True  # nothing to learn: the encoder is fixed
