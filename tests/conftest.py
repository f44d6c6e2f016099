"""Shared fixtures: a tiny knowledge base built for real, a small trained model, the app, a server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
TRAIN_FILE = ROOT / "triage" / "data" / "train.jsonl"
PER_LABEL = 60


def copy_kb(dest: Path, *, plugin: dict | None = None) -> Path:
    """Copy the fixture knowledge base to dest; list the level0 plugin with options if given."""
    shutil.copytree(FIXTURE_KB, dest)
    config = dest / "mkdocs.yml"
    if plugin is not None:
        options = "".join(f"\n      {k}: {json.dumps(v)}" for k, v in plugin.items())
        text = config.read_text(encoding="utf-8").replace(
            "plugins:\n  - search\n", f"plugins:\n  - search\n  - level0:{options or ' {}'}\n"
        )
        config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture(scope="session")
def built_kb(tmp_path_factory: pytest.TempPathFactory):
    """The fixture knowledge base, built once by a real `mkdocs build` with the Level0 plugin."""
    from kb_search.build import build_site

    config = copy_kb(tmp_path_factory.mktemp("kb") / "project", plugin={"synonyms": "synonyms.txt"})
    return build_site(config)


@pytest.fixture(scope="session")
def kb_index(built_kb):
    from kb_search import IndexHandle

    handle = IndexHandle(built_kb.state_dir / "index")
    yield handle.get()
    handle.close()


def small_training_set() -> list[dict]:
    """The first PER_LABEL examples of each label and language mix from the real training file."""
    taken: dict[str, int] = {}
    lines = []
    for line in TRAIN_FILE.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        key = item["label"]
        if taken.get(key, 0) < PER_LABEL:
            taken[key] = taken.get(key, 0) + 1
            lines.append(item)
    return lines


@pytest.fixture(scope="session")
def model_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a small training file (and a copy of the real test file)."""
    data = tmp_path_factory.mktemp("data")
    (data / "train.jsonl").write_text(
        "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in small_training_set()), encoding="utf-8"
    )
    shutil.copy(ROOT / "triage" / "data" / "test.jsonl", data / "test.jsonl")
    return data


@pytest.fixture(scope="session")
def trained_state(built_kb, model_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Settings of the built fixture knowledge base with a small model trained into its state dir."""
    from triage.settings import Settings
    from triage.training import train_and_publish

    settings = Settings.load(built_kb.config_file, environ={}, data_dir=model_data_dir)
    train_and_publish(settings)
    return settings


@pytest.fixture
def settings(trained_state):
    return trained_state


@pytest.fixture
def app(settings):
    from triage.app import create_app

    app = create_app({"SETTINGS": settings, "TESTING": True})
    yield app
    app.extensions["level0"].triager.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # the server answers, even if with an error status
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url} within {timeout} s")


@pytest.fixture(scope="session")
def server(trained_state) -> Iterator[str]:
    """A real `level0 serve` (gunicorn) in a subprocess on a free port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "LEVEL0_DATA_DIR": str(trained_state.data_dir)}
    log = open(trained_state.state_dir / "server.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "triage", "serve", "-f", str(trained_state.config_file), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
