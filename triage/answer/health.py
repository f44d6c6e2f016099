"""Whether a triager can answer: the facts of its index and model generations, or why one is missing."""

from __future__ import annotations

from typing import Any

from kb_search.errors import KbSearchError
from triage.answer.service import Triager
from triage.classifier.artifact import ArtifactError


def health(triager: Triager) -> dict[str, Any]:
    """Return {"status": "ok"|"unavailable", "index": {...}, "model": {...}} (each with "ok" and facts or "error")."""
    index: dict[str, Any] = {"ok": False}
    model: dict[str, Any] = {"ok": False}
    try:
        info = triager.index.get().info
        index = {
            "ok": True,
            "sections": info.get("sections"),
            "pages": info.get("pages"),
            "built_at": info.get("built_at"),
            "languages": info.get("languages"),
            "embedder": (info.get("embedder") or {"spec": "none"}).get("spec"),
        }
    except KbSearchError as exc:
        index["error"] = str(exc)
    try:
        meta = triager.model.get().metadata
        model = {
            "ok": True,
            "created_at": meta.get("created_at"),
            "sklearn_version": meta.get("sklearn_version"),
            "train_size": meta.get("train_size"),
            "threshold": meta.get("threshold"),
            "metrics": meta.get("metrics"),
        }
    except ArtifactError as exc:
        model["error"] = str(exc)
    healthy = index["ok"] and model["ok"]
    return {"status": "ok" if healthy else "unavailable", "index": index, "model": model}
