"""The shared sentence encoder: one space for German and English, loaded once per process."""

from __future__ import annotations

import numpy as np
import pytest

from kb_search.embedding import (
    DEFAULT_SPEC,
    Embedder,
    EmbedderError,
    check_spec,
    clip_text,
    load_embedder,
)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    loaded = load_embedder(DEFAULT_SPEC)
    assert loaded is not None
    return loaded


def test_vectors_are_normalised_float32(embedder: Embedder) -> None:
    vectors = embedder.encode(["Drucker druckt nicht", "printer does not print", ""])
    assert vectors.shape == (3, embedder.dimension)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)


def test_german_and_english_meet_in_one_space(embedder: Embedder) -> None:
    german, english, other = embedder.encode(
        [
            "Wie setze ich mein vergessenes Passwort zurück?",
            "How do I reset a forgotten password?",
            "Die Firewall blockiert den Port des Datenbankservers.",
        ]
    )
    assert float(german @ english) > float(german @ other) + 0.2


def test_paraphrase_is_closer_than_a_different_topic(embedder: Embedder) -> None:
    query, paraphrase, unrelated = embedder.encode(
        [
            "Ausdruck kommt nicht aus dem Drucker",
            "Der Drucker druckt nicht",
            "Rechnungsvorlage mit eigenem Logo anpassen",
        ]
    )
    assert float(query @ paraphrase) > float(query @ unrelated)


def test_one_instance_per_process_and_cached_queries(embedder: Embedder) -> None:
    assert load_embedder(DEFAULT_SPEC) is embedder
    first = embedder.encode_one("Lizenz aktivieren")
    assert embedder.encode_one("Lizenz aktivieren") is first
    assert not first.flags.writeable
    np.testing.assert_allclose(first, embedder.encode(["Lizenz aktivieren"])[0], atol=1e-6)


def test_fingerprint_names_model_and_version(embedder: Embedder) -> None:
    assert embedder.fingerprint.startswith(f"{DEFAULT_SPEC}@")


def test_none_means_no_vectors() -> None:
    assert load_embedder("none") is None


@pytest.mark.parametrize("spec", ["", "word2vec", "sentence-transformers:", "sentence-transformers:  "])
def test_unknown_specs_are_refused(spec: str) -> None:
    with pytest.raises(EmbedderError, match="unknown embedder"):
        check_spec(spec)


def test_a_missing_sentence_transformers_model_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(EmbedderError, match="sentence-transformers"):
        load_embedder(f"sentence-transformers:{tmp_path / 'no-such-model'}")


def test_clip_text_cuts_at_a_word() -> None:
    text = "wort " * 300
    clipped = clip_text(text, 100)
    assert len(clipped) <= 100
    assert clipped.endswith("wort")
    assert clip_text("  a \n b  ") == "a b"


def test_lone_surrogates_are_encoded(embedder: Embedder) -> None:
    vectors = embedder.encode(["Drucker \udcff druckt nicht", "\ud800"])
    assert np.isfinite(vectors).all()
    assert clip_text("a\udcffb") == "a?b"
