"""Save and load the model artifact safely: skops format, a hash check and a list of trusted types.

The artifact is a directory (published atomically, see kb_search.publish) holding `pipeline.skops`,
`vocabulary.json`, `domain.npy` (the training texts' sentence vectors, read without pickle) and
`metadata.json`. Loading refuses a file whose hash differs from the one its metadata records
(tampered or swapped) and any file that needs types outside TRUSTED_TYPES (foreign): no arbitrary
object is ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.pipeline import Pipeline

from kb_search.errors import Level0Error
from kb_search.publish import GenerationCache, MissingGenerationError, current_generation, publish_directory
from triage.classifier.model import TriageModel

PIPELINE_FILE = "pipeline.skops"
VOCABULARY_FILE = "vocabulary.json"
METADATA_FILE = "metadata.json"
DOMAIN_FILE = "domain.npy"
ARTIFACT_FORMAT = 3  # 3: modules moved to triage.classifier (the trusted types changed)
# Types skops does not trust by default that our pipeline needs; nothing else is accepted.
TRUSTED_TYPES = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "triage.classifier.features.PreparedText",
    "triage.classifier.features.normalize_text",
    "triage.classifier.vectors.SentenceVectors",
]


class ArtifactError(Level0Error):
    """The model artifact is missing, unreadable, tampered with or foreign."""

    code = "model_unavailable"
    status = 503


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _vectorizers(pipeline: Pipeline) -> list[tuple[str, Any]]:
    """The n-gram vectorizers of the pipeline (the blocks with a vocabulary)."""
    return [(n, t) for n, t in pipeline.named_steps["features"].transformer_list if n in ("words", "chars")]


def save_model(model_dir: Path, pipeline: Pipeline, metadata: dict[str, Any], domain: np.ndarray | None = None) -> Path:
    """Publish a new artifact generation at `model_dir`; return the generation directory.

    The vectorizers' vocabularies go to a JSON list beside the skops file: skops writes a dict of
    50,000 n-grams as ~40 MB of schema that takes seconds to load; a list of strings is plain data.
    """

    def write(tmp: Path) -> None:
        vocabularies = {}
        saved = {}
        for name, vectorizer in _vectorizers(pipeline):
            vocabularies[name] = vectorizer.get_feature_names_out().tolist()
            saved[name] = vectorizer.vocabulary_
            del vectorizer.vocabulary_
            if hasattr(vectorizer, "stop_words_"):  # kept only for inspection, can be megabytes
                del vectorizer.stop_words_
        try:
            sio.dump(pipeline, tmp / PIPELINE_FILE, compression=zipfile.ZIP_DEFLATED)
        finally:
            for name, vectorizer in _vectorizers(pipeline):
                vectorizer.vocabulary_ = saved[name]
        (tmp / VOCABULARY_FILE).write_text(json.dumps(vocabularies, ensure_ascii=False), encoding="utf-8")
        meta = {
            **metadata,
            "format": ARTIFACT_FORMAT,
            "pipeline_sha256": sha256_file(tmp / PIPELINE_FILE),
            "vocabulary_sha256": sha256_file(tmp / VOCABULARY_FILE),
        }
        if domain is not None:
            np.save(tmp / DOMAIN_FILE, np.asarray(domain), allow_pickle=False)
            meta["domain_sha256"] = sha256_file(tmp / DOMAIN_FILE)
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")

    return publish_directory(Path(model_dir), write)


def read_metadata(generation: Path) -> dict[str, Any]:
    """Return an artifact generation's metadata; raise ArtifactError when it cannot be read."""
    try:
        meta = json.loads((generation / METADATA_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"model metadata missing in {generation}") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"model metadata unreadable in {generation}: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"model metadata in {generation} has an unknown format")
    return meta


def load_model(model_dir: Path) -> TriageModel:
    """Load the current artifact generation of `model_dir` after checking hash and types."""
    generation = current_generation(Path(model_dir))
    if generation is None:
        raise ArtifactError(f"no model at {model_dir}: run `level0 build` or `level0 train` first")
    return load_generation(generation)


def load_generation(generation: Path) -> TriageModel:
    """Load one artifact generation directory after checking hash and types."""
    meta = read_metadata(generation)
    path = generation / PIPELINE_FILE
    checked = [(PIPELINE_FILE, "pipeline_sha256"), (VOCABULARY_FILE, "vocabulary_sha256")]
    if meta.get("domain_sha256") is not None:
        checked.append((DOMAIN_FILE, "domain_sha256"))
    for name, key in checked:
        try:
            actual = sha256_file(generation / name)
        except OSError as exc:
            raise ArtifactError(f"model file unreadable: {exc}") from None
        if actual != meta.get(key):
            raise ArtifactError(
                f"model file {generation / name} does not match the hash in its metadata: refusing to load it"
            )
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises various errors on files that are not skops archives
        raise ArtifactError(f"model file {path} is not a skops archive: {exc}") from None
    foreign = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if foreign:
        raise ArtifactError(f"model file {path} contains untrusted types {foreign}: refusing to load it")
    try:
        pipeline = sio.load(path, trusted=TRUSTED_TYPES)
    except Exception as exc:  # same: a damaged archive can fail in many ways
        raise ArtifactError(f"model file {path} cannot be loaded: {exc}") from None
    if not isinstance(pipeline, Pipeline):
        raise ArtifactError(f"model file {path} does not hold a scikit-learn Pipeline")
    try:
        vocabularies = json.loads((generation / VOCABULARY_FILE).read_text(encoding="utf-8"))
        for name, vectorizer in _vectorizers(pipeline):
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(vocabularies[name])}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ArtifactError(f"model vocabulary in {generation} does not fit the pipeline: {exc}") from None
    domain = None
    if meta.get("domain_sha256") is not None:
        try:
            domain = np.load(generation / DOMAIN_FILE, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"model vectors in {generation} cannot be read: {exc}") from None
    try:
        return TriageModel(pipeline, meta, domain)
    except (ValueError, KeyError) as exc:
        raise ArtifactError(f"model in {generation} does not have the expected shape: {exc}") from None


class ModelHandle(GenerationCache[TriageModel]):
    """The current model generation, reloaded when training publishes a new one."""

    def __init__(self, model_dir: Path) -> None:
        super().__init__(Path(model_dir), load_generation)

    def get(self) -> TriageModel:
        try:
            return super().get()
        except MissingGenerationError:
            raise ArtifactError(f"no model at {self.target}: run `level0 build` or `level0 train` first") from None
