"""The current generation of an index directory, reopened when a build publishes a new one."""

from __future__ import annotations

from pathlib import Path

from kb_search.errors import IndexMissingError
from kb_search.publish import GenerationCache, MissingGenerationError
from kb_search.section_index import SectionIndex


class IndexHandle(GenerationCache[SectionIndex]):
    """The current generation of an index directory, reopened when a build publishes a new one."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__(Path(index_dir), SectionIndex)

    def get(self) -> SectionIndex:
        """Return the open current generation; raise IndexMissingError when there is none."""
        try:
            return super().get()
        except MissingGenerationError:
            raise IndexMissingError(f"no search index at {self.target}: run `level0 build` first") from None
