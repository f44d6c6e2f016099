"""Checksums of an index generation's files: written when it is built, checked when it is opened."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kb_search.schema import INFO_FILE


def file_checksums(directory: Path) -> dict[str, str]:
    """Return the SHA-256 of every file of an index generation (checked when it is opened)."""
    checksums = {}
    for path in sorted(directory.iterdir()):
        if path.is_file():
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            checksums[path.name] = digest.hexdigest()
    return checksums


def damaged_files(directory: Path, checksums: dict[str, str]) -> list[str]:
    """Return the files of a generation whose content differs from the checksums written at build."""
    if not checksums:
        return ["checksums missing"]
    actual = file_checksums(directory)
    actual.pop(INFO_FILE, None)  # holds the checksums itself
    return [name for name, digest in actual.items() if checksums.get(name) != digest] + [
        name for name in checksums if name not in actual
    ]
