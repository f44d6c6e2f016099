"""Helpers both speed benchmarks use: which code ran, a free port, stopping the server."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path


def code_version() -> str:
    """Which Level0 code ran: the folder kb_search was imported from and its git commit, if any."""
    import kb_search

    root = Path(kb_search.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "kb_search", "triage"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return f"{root} (not a git checkout)"
    return f"{root} at {commit}" + (
        f" with {len(changed)} changed file(s) in kb_search/ and triage/" if changed else ""
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate a server process; kill it when it does not exit within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
