"""Guards against hanging: a test fails with a clear message instead of hanging, and never times anything.

The guard is generous (a minute): it tells "returns" from "never returns", not fast from slow;
speed is measured by the scripts in bench/.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

HANG_GUARD_SECONDS = 60

T = TypeVar("T")


def returns(call: Callable[[], T], guard: float = HANG_GUARD_SECONDS) -> T:
    """Run `call` in a thread and return its result; fail if it has not returned after `guard` seconds."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(guard)
    assert not thread.is_alive(), f"{getattr(call, '__name__', call)!r} never returned: it hangs"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


@contextmanager
def no_hang(guard: int = HANG_GUARD_SECONDS) -> Iterator[None]:
    """Fail the block if it runs `guard` seconds (SIGALRM): for C code such as `re` that holds the GIL."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"still running after {guard} s: it hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(guard)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
