"""Publish build outputs atomically: build into a new directory, then swap a symlink to it.

`target` (e.g. `.level0/index`) is a symlink to a generation directory next to it. A reader that
resolved the link keeps its generation, even while a newer one is published; a build that fails or
is killed leaves the link, and so the previous generation, untouched.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

GENERATIONS_KEPT = 3


def _generation_prefix(target: Path) -> str:
    return f".{target.name}-"


def current_generation(target: Path) -> Path | None:
    """Return the generation directory the target points to, or None when there is none.

    One readlink: servers call this on every request to notice a new generation.
    """
    target = Path(target)
    try:
        link = os.readlink(target)
    except FileNotFoundError:
        return None
    except OSError:  # not a symlink: a plain directory (older layout) or something else
        return target if target.is_dir() else None
    return target.parent / link


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


class MissingGenerationError(LookupError):
    """No generation has been published at the target yet."""


class GenerationCache(Generic[T]):
    """The object opened from the current generation of a target, reopened when a new one is published.

    `get()` costs one symlink lookup when nothing changed. Requests in flight keep the object they
    got; a replaced object is closed (if it has `close`) a while later, when no request can still
    be using it.
    """

    RETIRE_AFTER_SECONDS = 60.0

    def __init__(self, target: Path, opener: Callable[[Path], T]) -> None:
        self.target = Path(target)
        self._opener = opener
        self._current: tuple[Path, T] | None = None
        self._retired: list[tuple[float, T]] = []
        self._lock = threading.Lock()

    def get(self) -> T:
        """Return the object of the current generation; raise MissingGenerationError when there is none."""
        generation = current_generation(self.target)
        if generation is None:
            raise MissingGenerationError(str(self.target))
        current = self._current
        if current is not None and current[0] == generation:
            return current[1]
        with self._lock:
            current = self._current
            if current is not None and current[0] == generation:
                return current[1]
            fresh = self._opener(generation)
            if current is not None:
                self._retired.append((time.monotonic(), current[1]))
            self._current = (generation, fresh)
            self._close_retired(older_than=self.RETIRE_AFTER_SECONDS)
            return fresh

    @property
    def generation(self) -> Path | None:
        """The generation of the object last opened, if any."""
        return self._current[0] if self._current else None

    def _close_retired(self, older_than: float) -> None:
        now = time.monotonic()
        keep = []
        for since, old in self._retired:
            if now - since >= older_than:
                _close(old)
            else:
                keep.append((since, old))
        self._retired = keep

    def close(self) -> None:
        with self._lock:
            self._close_retired(older_than=0.0)
            if self._current is not None:
                _close(self._current[1])
                self._current = None


def _close(obj: object) -> None:
    close = getattr(obj, "close", None)
    if callable(close):
        close()
