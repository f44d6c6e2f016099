"""Exceptions raised by the knowledge-base core; the CLI, plugin and API translate them."""

from __future__ import annotations


class KbSearchError(Exception):
    """Base class of kb_search's errors; the message is one line meant for the user."""


class DocsError(KbSearchError):
    """The docs folder is missing or has no pages."""


class IndexMissingError(KbSearchError):
    """No index has been built yet, or the index on disk cannot be read."""


class SynonymsError(KbSearchError):
    """A synonyms file cannot be read or parsed."""


class QueryError(KbSearchError):
    """A query or its filters are not usable (too long, unknown filter)."""
