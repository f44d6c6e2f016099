"""Level0's one error type, and the errors of the knowledge-base core.

Every error a user can act on is a `Level0Error`: a machine-readable `code` and a one-line message.
Two edges translate it, and only they: the command line (the message on stderr, exit code
`exit_code`) and the HTTP API (the JSON error object with status `status`). It lives here, in the
lower of the two packages, because triage builds on kb_search and never the other way round.
"""

from __future__ import annotations


class Level0Error(Exception):
    """An error with a code and a one-line message, meant for the person who caused or can fix it.

    `status` is the HTTP status the API answers with; `exit_code` the command line's (2: bad input or
    configuration, fix and retry; 1: a service the command needs failed).
    """

    code: str = "error"
    status: int = 400
    exit_code: int = 2

    def __init__(
        self, message: object = "", *, code: str | None = None, status: int | None = None, exit_code: int | None = None
    ) -> None:
        if code is not None:
            self.code = code
        text = str(message).strip()
        super().__init__(text.splitlines()[0] if text else self.code.replace("_", " "))
        if status is not None:
            self.status = status
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)


class KbSearchError(Level0Error):
    """Base class of kb_search's errors."""

    code = "search_error"


class DocsError(KbSearchError):
    """The docs folder is missing or has no pages."""

    code = "docs_missing"


class IndexMissingError(KbSearchError):
    """No index has been built yet, or the index on disk cannot be read."""

    code = "index_unavailable"
    status = 503


class SynonymsError(KbSearchError):
    """A synonyms file cannot be read or parsed."""

    code = "synonyms_broken"


class QueryError(KbSearchError):
    """A query or its filters are not usable (too long, unknown filter)."""

    code = "bad_query"
