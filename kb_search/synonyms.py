"""Read synonym files in the Solr format a vendor may already know.

    # a comment
    drucker, printer, druckausgabe          equivalent: each one finds the others
    pw, kennwort => passwort                one-way: "pw" and "kennwort" also search "passwort"

An entry may have several words ("log in"); then all its words must occur.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kb_search.analysis import surface_words
from kb_search.errors import SynonymsError

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class SynonymRule:
    """Queries containing any phrase of `match` also search every phrase of `expand`."""

    match: tuple[Phrase, ...]
    expand: tuple[Phrase, ...]


def _phrases(side: str, source: str, lineno: int) -> tuple[Phrase, ...]:
    phrases = []
    for entry in side.split(","):
        words = tuple(m.group() for m in surface_words(entry))
        if words:
            phrases.append(words)
    if not phrases:
        raise SynonymsError(f"{source}:{lineno}: empty side in synonym rule")
    return tuple(phrases)


def parse_synonyms(text: str, source: str = "<synonyms>") -> list[SynonymRule]:
    """Parse synonym rules; raise SynonymsError naming the line of a malformed rule."""
    rules = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            if "=>" in right:
                raise SynonymsError(f"{source}:{lineno}: more than one '=>' in synonym rule")
            rules.append(SynonymRule(_phrases(left, source, lineno), _phrases(right, source, lineno)))
        else:
            phrases = _phrases(line, source, lineno)
            if len(phrases) < 2:
                raise SynonymsError(f"{source}:{lineno}: a synonym group needs at least two entries")
            rules.append(SynonymRule(phrases, phrases))
    return rules


def bundled_synonyms_text() -> str:
    """Return the generic German/English support synonyms shipped with Level0."""
    return resources.files("kb_search").joinpath("data/synonyms.txt").read_text(encoding="utf-8")


def load_synonyms_text(path: Path | None) -> str:
    """Return the bundled synonyms followed by the vendor's file, if one is configured."""
    text = bundled_synonyms_text()
    if path is None:
        return text
    try:
        vendor = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SynonymsError(f"synonyms file not found: {path}") from None
    except UnicodeDecodeError:
        raise SynonymsError(f"synonyms file is not UTF-8: {path}") from None
    parse_synonyms(vendor, str(path))  # report errors against the vendor's own line numbers
    return f"{text}\n# --- {path.name}\n{vendor}"
