"""Publish build outputs atomically: build into a new directory, then swap a symlink to it.

`target` (e.g. `.level0/index`) is a symlink to a generation directory next to it. A reader that
resolved the link keeps its generation, even while a newer one is published; a build that fails or
is killed leaves the link, and so the previous generation, untouched.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

GENERATIONS_KEPT = 3


def _generation_prefix(target: Path) -> str:
    return f".{target.name}-"


def current_generation(target: Path) -> Path | None:
    """Return the generation directory the target points to, or None when there is none."""
    try:
        resolved = target.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return None
    return resolved if resolved.is_dir() else None


def publish_directory(target: Path, build: Callable[[Path], None], keep: int = GENERATIONS_KEPT) -> Path:
    """Run `build(tmpdir)`, then make `target` point to that directory; return the new generation.

    Older generations beyond `keep` are removed, and so are directories of builds that never
    finished. If `build` raises, the new directory is removed and the target is unchanged.
    """
    target = Path(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    generation = parent / f"{_generation_prefix(target)}{uuid.uuid4().hex[:12]}"
    partial = generation.with_name(generation.name + ".partial")
    partial.mkdir()
    try:
        build(partial)
        _fsync_tree(partial)
        partial.rename(generation)
        link = parent / f".{target.name}.link-{uuid.uuid4().hex[:8]}"
        os.symlink(generation.name, link)
        if target.exists() and not target.is_symlink():
            # A plain directory from an older layout: move it aside so the symlink can take its name.
            target.rename(parent / f"{_generation_prefix(target)}legacy-{uuid.uuid4().hex[:8]}")
        os.replace(link, target)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _remove_old_generations(target, keep)
    return generation


def _remove_old_generations(target: Path, keep: int) -> None:
    prefix = _generation_prefix(target)
    current = current_generation(target)
    finished = []
    for entry in target.parent.iterdir():
        if not entry.name.startswith(prefix) or entry == current:
            continue
        if entry.name.endswith(".partial"):
            # A build that was interrupted; leave ones that may still be running (young ones).
            if _age_seconds(entry) > 3600:
                shutil.rmtree(entry, ignore_errors=True)
            continue
        finished.append(entry)
    finished.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in finished[max(keep - 1, 0) :]:
        shutil.rmtree(old, ignore_errors=True)


def _age_seconds(path: Path) -> float:
    return time.time() - path.stat().st_mtime


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
