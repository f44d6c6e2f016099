"""Shared fixtures: a tiny knowledge base built for real, a small trained model, the app, a server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from local_servers import Recorder, free_port

if TYPE_CHECKING:
    from flask import Flask

    from triage.settings import Settings

os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
TRAIN_FILE = ROOT / "triage" / "data" / "train.jsonl"
PER_LABEL = 60
AGENT_TOKEN = "test-agent-token-8f2c"
CUSTOMER_SECRET = "test-customer-secret-5d1e9a"


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
        "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in small_training_set()),
        encoding="utf-8",
    )
    shutil.copy(ROOT / "triage" / "data" / "test.jsonl", data / "test.jsonl")
    return data


@pytest.fixture(scope="session")
def trained_state(built_kb, model_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Settings of the built fixture knowledge base with a small model trained into its state dir."""
    from triage.classifier.training import train_and_publish
    from triage.settings import Settings

    settings = Settings.load(built_kb.config_file, environ={}, data_dir=model_data_dir)
    train_and_publish(settings)
    return settings


@pytest.fixture
def settings(trained_state):
    return trained_state


@pytest.fixture
def make_app(request: pytest.FixtureRequest) -> Iterator[Callable[..., Flask]]:
    """Make apps with `create_app()`, each closed at teardown.

    `make_app(base=None, *, flask=None, **updates)`: the app of `base` (default: the trained
    fixture project's settings) with `updates` applied, and Flask options `flask` over TESTING=True.
    Request it after the fixtures the app uses (a database, a server), so it is torn down first.
    """
    from triage.web.app import create_app

    made: list[Flask] = []

    def make(base: Settings | None = None, *, flask: Mapping[str, Any] | None = None, **updates: Any) -> Flask:
        chosen = base if base is not None else request.getfixturevalue("settings")
        if updates:
            chosen = chosen.model_copy(update=updates)
        app = create_app({"TESTING": True, **(flask or {}), "SETTINGS": chosen})
        made.append(app)
        return app

    yield make
    for app in reversed(made):
        app.extensions["level0"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free local port, and the recorder of what it received."""
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


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


class Server:
    """A real `level0 serve` (gunicorn) in a subprocess on a free port; `env` and `args` add to its own."""

    def __init__(
        self, settings, log_path: Path, *, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LEVEL0_")},  # none of the caller's
            "LEVEL0_DATA_DIR": str(settings.data_dir),
            "LEVEL0_STATE_DIR": str(settings.state_dir),
            "LEVEL0_SITE_DIR": str(settings.site_dir),
            "LEVEL0_AGENT_TOKENS": AGENT_TOKEN,
            "LEVEL0_CUSTOMER_SECRET": CUSTOMER_SECRET,
            **(env or {}),
        }
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "triage",
                "serve",
                "-f",
                str(settings.config_file),
                "--port",
                str(self.port),
                *args,
            ],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.url + "/healthz")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="session")
def server(trained_state) -> Iterator[Server]:
    """The fixture knowledge base served for real."""
    running = Server(trained_state, trained_state.state_dir / "server.log")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def repo_state(model_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The repository's own docs (with the problem page), built into a temp dir, with a small model."""
    from kb_search.build import build_site
    from triage.classifier.training import train_and_publish
    from triage.settings import Settings

    tmp = tmp_path_factory.mktemp("repo")
    settings = Settings.load(
        ROOT / "mkdocs.yml",
        environ={},
        site_dir=tmp / "site",
        state_dir=tmp / "state",
        data_dir=model_data_dir,
    )
    build_site(settings.config_file, site_dir=settings.site_dir, state_dir=settings.state_dir)
    train_and_publish(settings)
    return settings


@pytest.fixture(scope="session")
def repo_server(repo_state) -> Iterator[Server]:
    running = Server(repo_state, repo_state.state_dir / "server.log")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        raise RuntimeError("Chromium is missing: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    yield page
    context.close()
