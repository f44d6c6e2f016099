"""Turn MkDocs' failures (broken mkdocs.yml, a plugin or hook that raises) into one-line messages."""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
from collections.abc import Iterator
from pathlib import Path

_SPACES_RE = re.compile(r"\s+")
# Longest message kept: a YAML error quoting a whole line, or a plugin's essay, is cut here.
MAX_MESSAGE = 400


def one_line(text: str) -> str:
    """Collapse a message's lines and spaces into one line of at most MAX_MESSAGE characters."""
    line = _SPACES_RE.sub(" ", text).strip()
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


def where_raised(exc: BaseException) -> str:
    """Return "file.py:12 in func" of the innermost frame that raised `exc` (empty if unknown)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def describe_failure(exc: BaseException, logged: list[str]) -> str:
    """Describe an unexpected exception from a plugin's or hook's code, with what MkDocs logged."""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    context = " ".join(logged)
    if str(exc) and context.endswith(str(exc)):
        context = context[: -len(str(exc))]  # MkDocs' "Error reading page 'x.md': <message>"
    where = where_raised(exc)
    return one_line(f"{context} {reason}" + (f" (raised at {where})" if where else ""))


@contextlib.contextmanager
def collect_mkdocs_errors(*, quiet: bool = False) -> Iterator[list[str]]:
    """Collect MkDocs' ERROR log lines instead of printing them; pass other lines on unless `quiet`.

    The caller reports the errors as one line; during a build, warnings and info lines still reach
    the root logger's handlers (the CLI's), so `--strict` users see what failed their build.
    """
    messages: list[str] = []

    class Route(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                messages.append(record.getMessage())
            elif not quiet:
                logging.getLogger().handle(record)

    logger = logging.getLogger("mkdocs")
    handler = Route()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
