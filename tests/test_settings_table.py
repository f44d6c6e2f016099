"""The one settings table: it drives loading, `level0 --help` and README.md's table."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from kb_search.errors import Level0Error
from triage.cli import main
from triage.settings import README_END, README_START, SETTINGS_TABLE, Settings, settings_markdown

PROJECT = """site_name: T
docs_dir: docs
extra:
  level0:
    ticket_url: https://tickets.example/new
    retention_days: 30
    policy: my-policy.yml
plugins:
  - level0:
      state_dir: var/state
"""


def test_readme_table_is_the_settings_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert README_START in text and README_END in text
    table = text.split(README_START, 1)[1].split(README_END, 1)[0].strip("\n") + "\n"
    assert table == settings_markdown(), "README.md's settings table is stale: run `python -m triage.settings`"


def test_help_lists_every_environment_variable():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    variables = [f"LEVEL0_{env_name}" for env_name, _ in SETTINGS_TABLE.values() if env_name]
    assert {"LEVEL0_STATE_DIR", "LEVEL0_DATABASE_URL", "LEVEL0_RATE_LIMIT"} <= set(variables)
    for variable in variables:
        assert variable in result.output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Start\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(PROJECT, encoding="utf-8")
    return config


def test_mkdocs_keys_then_environment_then_overrides(project: Path):
    base = Settings.load(project, environ={})
    assert base.ticket_url == "https://tickets.example/new"
    assert base.retention_days == 30
    assert base.policy_file == project.parent / "my-policy.yml"  # relative to mkdocs.yml
    assert base.state_dir == project.parent / "var" / "state"
    assert base.smtp_port == 587  # the declared default
    env = {"LEVEL0_RETENTION_DAYS": "7", "LEVEL0_AGENT_TOKENS": "a, b", "LEVEL0_MAX_BODY_BYTES": "1000"}
    loaded = Settings.load(project, environ=env)
    assert (loaded.retention_days, loaded.agent_tokens, loaded.max_body_bytes) == (7, ("a", "b"), 1000)
    assert Settings.load(project, environ=env, retention_days=1).retention_days == 1


def test_an_invalid_value_names_its_variable(project: Path):
    with pytest.raises(Level0Error, match=r"retention_days \(LEVEL0_RETENTION_DAYS\)") as caught:
        Settings.load(project, environ={"LEVEL0_RETENTION_DAYS": "soon"})
    assert caught.value.code == "bad_settings"


def test_a_missing_config_file_is_one_line(tmp_path: Path):
    result = CliRunner().invoke(main, ["search", "x", "-f", str(tmp_path / "nope.yml")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"Error: config file not found: {tmp_path / 'nope.yml'}"]


def test_only_the_settings_module_reads_the_environment():
    readers = []
    for path in [*(ROOT / "triage").rglob("*.py"), *(ROOT / "kb_search").rglob("*.py")]:
        if path == ROOT / "triage" / "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in (
            "os.environ[",
            "os.environ.get",
            "os.getenv",
            "environ.get(",
            "current_app.config",
            "app.config[",
        ):
            if needle in text:
                readers.append(f"{path.relative_to(ROOT)}: {needle}")
    assert readers == []
