"""Building site and index: any MkDocs project, the plugin's hooks, atomic and interrupted builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb_search import IndexHandle, IndexMissingError
from kb_search.indexer import build_index
from kb_search.plugin import Level0Plugin
from kb_search.publish import current_generation
from kb_search.sections import Section, sections_from_html
from kb_search.synonyms import bundled_synonyms_text


def write_project(root: Path, theme: str = "mkdocs") -> Path:
    """A second, plain MkDocs project: default theme, no Level0 plugin listed, English."""
    (root / "docs" / "guide").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(f"site_name: Other\ntheme:\n  name: {theme}\n", encoding="utf-8")
    (root / "docs" / "index.md").write_text("# Other\n\nHello.\n", encoding="utf-8")
    (root / "docs" / "guide" / "backup.md").write_text(
        "# Backups\n\n## Restore a backup\n\nCopy the nightly backup file back and restart the service.\n",
        encoding="utf-8",
    )
    return root / "mkdocs.yml"


def level0(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVEL0_")}
    return subprocess.run(
        [sys.executable, "-m", "triage", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_any_mkdocs_project_without_the_plugin_builds_and_searches(tmp_path):
    config = write_project(tmp_path / "other")
    built = level0("build", "--no-model", "-f", str(config), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "other" / "site" / "guide" / "backup" / "index.html").is_file()
    found = level0("search", "restore backup", "--json", "-f", str(config), cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert hits[0]["path"] == "guide/backup.md"
    assert hits[0]["url"] == "guide/backup/#restore-a-backup"
    assert set(hits[0]) >= {"title", "section", "url", "path", "score", "snippet"}
    assert hits[0]["language"] == "en"


def test_plugin_hooks_without_a_build():
    plugin = Level0Plugin()
    errors, warnings = plugin.load_config({})
    assert errors == [] and warnings == []
    assert plugin.config.enabled and plugin.config.state_dir == ".level0" and plugin.config.section_levels == 3
    errors, _ = plugin.load_config({"section_levels": "many"})
    assert errors and errors[0][0] == "section_levels"


def test_plugin_refuses_a_missing_synonyms_file(tmp_path):
    plugin = Level0Plugin()
    errors, _ = plugin.load_config({"synonyms": "nope.txt"}, config_file_path=str(tmp_path / "mkdocs.yml"))
    assert errors and errors[0][0] == "synonyms"


def sections(n: int, word: str) -> list[Section]:
    html = "".join(f"<h2 id='s{i}'>Abschnitt {i}</h2><p>{word} Nummer {i}</p>" for i in range(n))
    return sections_from_html(html, path="a.md", url="a/", title="Seite", language="de")


class Exploding(list):
    """Sections that fail after some have been indexed (as a killed or broken build would)."""

    def __iter__(self):
        for number, item in enumerate(list.__iter__(self)):
            if number == 3:
                raise KeyboardInterrupt
            yield item


def test_interrupted_index_build_leaves_the_previous_index_serving(tmp_path):
    index_dir = tmp_path / "state" / "index"
    build_index(sections(5, "Apfel"), index_dir, synonyms_text=bundled_synonyms_text())
    before = current_generation(index_dir)
    handle = IndexHandle(index_dir)
    assert handle.get().search("Apfel").hits

    broken = Exploding(sections(5, "Birne"))
    with pytest.raises(KeyboardInterrupt):
        build_index(broken, index_dir, synonyms_text=bundled_synonyms_text())

    assert current_generation(index_dir) == before
    assert handle.get().search("Apfel").hits and not handle.get().search("Birne").hits
    leftovers = [p.name for p in index_dir.parent.iterdir() if p.name.endswith(".partial")]
    assert leftovers == []
    handle.close()


def test_new_generation_replaces_the_old_and_old_ones_are_cleaned(tmp_path):
    index_dir = tmp_path / "index"
    handle = IndexHandle(index_dir)
    for word in ("Apfel", "Birne", "Kirsche", "Pflaume", "Quitte"):
        build_index(sections(2, word), index_dir, synonyms_text=bundled_synonyms_text())
        assert handle.get().search(word).hits  # the open handle follows the new generation
    generations = [p for p in tmp_path.iterdir() if p.name.startswith(".index-")]
    assert len(generations) <= 3
    assert index_dir.is_symlink()
    handle.close()


def test_empty_section_list_and_missing_index_are_clear_errors(tmp_path):
    from kb_search import DocsError

    with pytest.raises(DocsError, match="no pages"):
        build_index([], tmp_path / "index", synonyms_text="")
    with pytest.raises(IndexMissingError, match="level0 build"):
        IndexHandle(tmp_path / "nothing").get()


@pytest.mark.parametrize("broken", ["a, b => ", "nur-ein-wort", "a => b => c"])
def test_broken_synonyms_fail_before_anything_is_written(tmp_path, broken):
    from kb_search import SynonymsError

    with pytest.raises(SynonymsError, match=":1:"):
        build_index(sections(1, "x"), tmp_path / "index", synonyms_text=broken)
    assert not (tmp_path / "index").exists()
