"""A broken mkdocs.yml or a failing MkDocs plugin: one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# A real MkDocs plugin, installed for the subprocess by an entry point (a .dist-info on PYTHONPATH),
# that raises in the hook its `fail_in` option names.
BROKEN_PLUGIN = """
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin


class Broken(BasePlugin):
    config_scheme = (("fail_in", c.Type(str, default="page")),)

    def on_config(self, config):
        if self.config["fail_in"] == "config":
            raise ValueError("broken plugin: no API key configured")
        return config

    def on_page_markdown(self, markdown, **kwargs):
        if self.config["fail_in"] == "page":
            raise RuntimeError("broken plugin: cannot read the page")
        return markdown

    def on_post_build(self, config):
        if self.config["fail_in"] == "post_build":
            raise PluginError("broken plugin: upload failed\\nsecond line of the reason")
"""


def install_broken_plugin(root: Path) -> Path:
    """Write the plugin and its entry point into `root`; return the folder to put on PYTHONPATH."""
    packages = root / "packages"
    info = packages / "broken_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (packages / "broken_plugin.py").write_text(BROKEN_PLUGIN, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[mkdocs.plugins]\nbroken = broken_plugin:Broken\n", encoding="utf-8")
    return packages


def write_project(root: Path, config: str) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Start\n\n## Backup\n\nCopy the backup back.\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text("site_name: Broken\n" + config, encoding="utf-8")
    return root / "mkdocs.yml"


def level0(*args: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVEL0_")}
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "triage", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for text in expected:
        assert text in lines[0], lines[0]


BROKEN_CONFIGS = {
    "yaml": ("plugins:\n  - search\n  - [oops\n", ("mkdocs.yml", "line 4, column 5")),
    "unknown plugin": ("plugins:\n  - search\n  - no-such-plugin\n", ('"no-such-plugin" plugin is not installed',)),
    "hook fails to import": ("hooks:\n  - hooks/bad.py\n", ("ModuleNotFoundError", "no_such_module_xyz", "bad.py:1")),
    "unknown option": ("plugins:\n  - level0:\n      section_levels: many\n", ("section_levels",)),
}


@pytest.mark.parametrize("command", [["build", "--no-model"], ["search", "backup"], ["serve", "--port", "9"]])
@pytest.mark.parametrize("case", sorted(BROKEN_CONFIGS))
def test_broken_mkdocs_yml_is_one_line_and_exit_2(tmp_path, case, command):
    text, expected = BROKEN_CONFIGS[case]
    config = write_project(tmp_path / "project", text)
    (tmp_path / "project" / "hooks").mkdir()
    (tmp_path / "project" / "hooks" / "bad.py").write_text("import no_such_module_xyz\n", encoding="utf-8")
    result = level0(*command, "-f", str(config), cwd=tmp_path)
    assert_one_line_error(result, *expected)


@pytest.mark.parametrize(
    ("fail_in", "expected"),
    [
        ("page", ("mkdocs build failed", "index.md", "RuntimeError: broken plugin: cannot read the page")),
        ("config", ("mkdocs build failed", "ValueError: broken plugin: no API key configured", "on_config")),
        ("post_build", ("mkdocs build failed", "broken plugin: upload failed second line of the reason")),
    ],
)
def test_a_plugin_raising_in_a_hook_is_one_line_and_exit_2(tmp_path, fail_in, expected):
    packages = install_broken_plugin(tmp_path)
    config = write_project(tmp_path / "project", f"plugins:\n  - search\n  - broken:\n      fail_in: {fail_in}\n")
    result = level0("build", "--no-model", "-f", str(config), cwd=tmp_path, pythonpath=packages)
    assert_one_line_error(result, *expected)
    assert not (tmp_path / "project" / ".level0" / "index").exists()


def test_serve_that_must_build_reports_the_plugin_failure_in_one_line(tmp_path):
    packages = install_broken_plugin(tmp_path)
    config = write_project(tmp_path / "project", "plugins:\n  - search\n  - broken\n")
    result = level0("serve", "--port", "9", "-f", str(config), cwd=tmp_path, pythonpath=packages)
    # "site or index missing, building …" comes first; the failure is the one line after it.
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: mkdocs build failed") and "cannot read the page" in lines[-1], lines
    assert len(lines) == 2, lines


def test_a_hook_file_raising_during_the_build_names_its_line(tmp_path):
    config = write_project(tmp_path / "project", "hooks:\n  - hooks/explode.py\n")
    (tmp_path / "project" / "hooks").mkdir()
    (tmp_path / "project" / "hooks" / "explode.py").write_text(
        "def on_page_content(html, **kwargs):\n    return html + 1\n", encoding="utf-8"
    )
    result = level0("build", "--no-model", "-f", str(config), cwd=tmp_path)
    assert_one_line_error(result, "TypeError", "explode.py:2 in on_page_content")
