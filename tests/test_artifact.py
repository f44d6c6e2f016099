"""The model artifact: loads only what training wrote; model_status tells missing, current and stale apart."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from kb_search.publish import current_generation
from triage.classifier.artifact import (
    DOMAIN_FILE,
    METADATA_FILE,
    PIPELINE_FILE,
    VOCABULARY_FILE,
    ArtifactError,
    ModelHandle,
    load_generation,
    load_model,
    save_model,
    sha256_file,
)
from triage.classifier.data import TRAIN_FILE
from triage.classifier.model import TriageModel
from triage.classifier.training import ModelStatus, model_status, train_and_publish
from triage.settings import Settings


@pytest.fixture
def generation(trained_state, tmp_path) -> Path:
    """A copy of the trained model's current generation directory, free to damage."""
    copy = tmp_path / "generation"
    shutil.copytree(current_generation(trained_state.model_dir), copy)
    return copy


def rewrite_hash(generation: Path) -> None:
    """Record the pipeline file's current hash in the metadata, as an attacker with write access could."""
    meta_file = generation / METADATA_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["pipeline_sha256"] = sha256_file(generation / PIPELINE_FILE)
    meta_file.write_text(json.dumps(meta), encoding="utf-8")


def shout(text: str) -> str:
    """A harmless function skops does not know."""
    return text.upper()


class CreatesMarker:
    """Unpickling this creates a file: proof that a pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_untouched_copy_loads(generation):
    model = load_generation(generation)
    assert isinstance(model, TriageModel)
    assert model.predict("Drucker druckt nicht").category in model.labels


def test_load_model_reads_the_current_generation(trained_state):
    assert isinstance(load_model(trained_state.model_dir), TriageModel)


def test_tampered_file_is_refused(generation):
    path = generation / PIPELINE_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="hash"):
        load_generation(generation)


def test_foreign_file_with_untrusted_types_is_refused(tmp_path):
    # A pipeline shaped like ours whose vectorizers would call os.system and a function of this
    # module; saved the regular way, so its hashes match.
    words, chars = TfidfVectorizer(), TfidfVectorizer(analyzer="char")
    foreign = Pipeline(
        [
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            ("classifier", LogisticRegression()),
        ]
    )
    foreign.fit(["drucker druckt nicht", "login geht nicht"], ["bug", "infrastructure"])
    words.preprocessor = os.system  # set after fitting: never called here
    chars.preprocessor = shout
    generation = save_model(tmp_path / "model", foreign, {"threshold": 0.5})
    assert sio.get_untrusted_types(file=generation / PIPELINE_FILE), "expected a file with untrusted types"
    with pytest.raises(ArtifactError, match=r"untrusted types \[.*system"):
        load_generation(generation)


def test_random_bytes_with_matching_hash_are_refused(generation):
    (generation / PIPELINE_FILE).write_bytes(os.urandom(4096))
    rewrite_hash(generation)
    with pytest.raises(ArtifactError, match="not a skops archive"):
        load_generation(generation)


def test_pickle_renamed_to_skops_is_never_unpickled(generation, tmp_path):
    marker = tmp_path / "unpickled.marker"
    (generation / PIPELINE_FILE).write_bytes(pickle.dumps(CreatesMarker(marker)))
    rewrite_hash(generation)
    with pytest.raises(ArtifactError):
        load_generation(generation)
    assert not marker.exists(), "the pickle was executed"


def test_the_marker_pickle_really_creates_the_marker(tmp_path):
    # Without this, the test above could pass with a pickle that does nothing.
    marker = tmp_path / "unpickled.marker"
    pickle.loads(pickle.dumps(CreatesMarker(marker))).close()  # our own payload: an open file
    assert marker.exists()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(lambda g: (g / METADATA_FILE).unlink(), "metadata missing", id="metadata-missing"),
        pytest.param(lambda g: (g / METADATA_FILE).write_text("{not json"), "unreadable", id="metadata-not-json"),
        pytest.param(
            lambda g: (g / METADATA_FILE).write_text('{"format": 99}'), "unknown format", id="metadata-format"
        ),
        pytest.param(lambda g: (g / METADATA_FILE).write_text("[1]"), "unknown format", id="metadata-not-object"),
        pytest.param(lambda g: (g / PIPELINE_FILE).unlink(), "unreadable", id="pipeline-missing"),
        pytest.param(lambda g: (g / VOCABULARY_FILE).unlink(), "unreadable", id="vocabulary-missing"),
        pytest.param(
            lambda g: (g / VOCABULARY_FILE).write_text('{"words": [], "chars": []}'),
            "hash",
            id="vocabulary-swapped",
        ),
        pytest.param(lambda g: (g / DOMAIN_FILE).unlink(), "unreadable", id="domain-vectors-missing"),
        pytest.param(
            lambda g: np.save(g / DOMAIN_FILE, np.zeros((3, 512), dtype=np.float16)),
            "hash",
            id="domain-vectors-swapped",
        ),
    ],
)
def test_damaged_generation_is_refused(generation, damage, message):
    damage(generation)
    with pytest.raises(ArtifactError, match=message):
        load_generation(generation)


def test_no_model_says_what_to_run(tmp_path):
    with pytest.raises(ArtifactError, match="level0 build"):
        load_model(tmp_path / "model")
    with pytest.raises(ArtifactError, match="level0 build"):
        ModelHandle(tmp_path / "model").get()


def test_model_status_missing_current_stale(built_kb, model_data_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(model_data_dir, data)
    settings = Settings.load(built_kb.config_file, environ={}, data_dir=data, state_dir=tmp_path / "state")
    assert model_status(settings) is ModelStatus.MISSING

    train_and_publish(settings)
    assert model_status(settings) is ModelStatus.CURRENT
    assert isinstance(load_model(settings.model_dir), TriageModel)

    train_file = data / TRAIN_FILE
    lines = train_file.read_text(encoding="utf-8").splitlines(keepends=True)
    train_file.write_text("".join(lines[:-1]), encoding="utf-8")
    assert model_status(settings) is ModelStatus.STALE

    train_file.write_text("".join(lines), encoding="utf-8")
    assert model_status(settings) is ModelStatus.CURRENT, "same data again: the model fits it"

    (data / "feedback.jsonl").write_text(lines[0], encoding="utf-8")
    assert model_status(settings) is ModelStatus.STALE, "feedback is training data too"

    (data / "test.jsonl").write_text("", encoding="utf-8")
    (data / "ood.jsonl").write_text(lines[0], encoding="utf-8")
    (data / "feedback.jsonl").unlink()
    assert model_status(settings) is ModelStatus.CURRENT, "the held-out test files are not training data"

    for name in ("train_extra.jsonl", "dev.jsonl", "far_off_dev.jsonl"):
        (data / name).write_text(lines[0], encoding="utf-8")
        assert model_status(settings) is ModelStatus.STALE, f"{name} decides the model too"
        (data / name).unlink()
        assert model_status(settings) is ModelStatus.CURRENT


@pytest.mark.parametrize("key", ["preparation_sha256", "embedder_fingerprint", "sklearn_version", "params"])
def test_model_is_stale_when_preparation_encoder_settings_or_sklearn_differ(trained_state, tmp_path, key):
    state = tmp_path / "state"
    shutil.copytree(trained_state.state_dir / "model", state / "model", symlinks=True)
    shutil.copytree(current_generation(trained_state.model_dir), state / os.readlink(trained_state.model_dir))
    settings = trained_state.model_copy(update={"state_dir": state})
    assert model_status(settings) is ModelStatus.CURRENT
    meta_file = current_generation(settings.model_dir) / METADATA_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta[key] = "something else"
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    assert model_status(settings) is ModelStatus.STALE


def test_saved_model_predicts_like_the_fitted_one_with_its_domain_vectors(trained_state, model_data_dir, tmp_path):
    from triage.classifier.data import fitting_examples
    from triage.classifier.training import fit

    pipeline, metadata, domain = fit(fitting_examples(model_data_dir))
    fitted = TriageModel(pipeline, metadata, domain)
    loaded = load_generation(save_model(tmp_path / "model", pipeline, metadata, domain))
    texts = ["Drucker druckt nicht", "Preheat the oven to 200 degrees and bake the bread.", "Wie lege ich Kunden an?"]
    assert loaded.predict_many(texts) == fitted.predict_many(texts)
    assert loaded.off_topic_threshold == metadata["off_topic_threshold"] is not None


def test_model_status_is_missing_when_metadata_is_broken(trained_state, tmp_path):
    state = tmp_path / "state"
    shutil.copytree(trained_state.state_dir / "model", state / "model", symlinks=True)
    # The symlink is relative: copy the generation it points to next to it.
    shutil.copytree(current_generation(trained_state.model_dir), state / os.readlink(trained_state.model_dir))
    settings = trained_state.model_copy(update={"state_dir": state})
    assert model_status(settings) is ModelStatus.CURRENT
    (current_generation(settings.model_dir) / METADATA_FILE).unlink()
    assert model_status(settings) is ModelStatus.MISSING


def test_a_change_in_the_text_folding_code_makes_the_model_stale(monkeypatch) -> None:
    """normalize_text (triage/classifier/features.py) shapes every feature: a change there needs a new model."""
    import inspect

    from triage.classifier import features, training

    before = training.preparation_hash()
    real = inspect.getsource

    def edited(obj):
        source = real(obj)
        return source + "\n# folding changed\n" if obj is features else source

    monkeypatch.setattr(training.inspect, "getsource", edited)
    assert training.preparation_hash() != before
