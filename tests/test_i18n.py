"""Bilingual MkDocs projects (mkdocs-static-i18n, suffix and folder layouts): every language indexed as itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb_search import IndexHandle, SearchFilters

PRINTER_DE = "# Drucker druckt nicht\n\n## Warteschlange leeren\n\nDie Druckwarteschlange im Spooler leeren.\n"
PRINTER_EN = "# Printer does not print\n\n## Clear the queue\n\nEmpty the print spooler queue and restart it.\n"
ONLY_GERMAN = "# Zeiterfassung\n\n## Stempeluhr einrichten\n\nDie Stempeluhr am Terminal anmelden.\n"
INTERNAL_DE = "---\naudience: internal\n---\n# Intern\n\n## Lizenzserver\n\nGeheimwort Quittenbaum zuruecksetzen.\n"
INTERNAL_EN = "---\naudience: internal\n---\n# Internal\n\n## License server\n\nReset the codeword quincetree.\n"

LAYOUTS = {
    # English default, German by suffix, Material theme.
    "suffix": {
        "theme": "material",
        "default": "en",
        "files": {
            "index.md": "# Home\n\nWelcome.\n",
            "index.de.md": "# Start\n\nWillkommen.\n",
            "faq/printer.md": PRINTER_EN,
            "faq/printer.de.md": PRINTER_DE,
            "time.de.md": ONLY_GERMAN,
            "internal/reset.md": INTERNAL_EN,
            "internal/reset.de.md": INTERNAL_DE,
        },
        "expected": {
            ("en", "spooler queue"): ("faq/printer.md", "faq/printer/#clear-the-queue"),
            ("de", "Warteschlange"): ("faq/printer.de.md", "de/faq/printer/#warteschlange-leeren"),
            ("de", "Stempeluhr"): ("time.de.md", "de/time/#stempeluhr-einrichten"),
        },
        "internal": {"en": "internal/reset/#license-server", "de": "de/internal/reset/#lizenzserver"},
    },
    # German default, one folder per language, MkDocs' own theme.
    "folder": {
        "theme": "mkdocs",
        "default": "de",
        "files": {
            "de/index.md": "# Start\n\nWillkommen.\n",
            "en/index.md": "# Home\n\nWelcome.\n",
            "de/faq/drucker.md": PRINTER_DE,
            "en/faq/drucker.md": PRINTER_EN,
            "de/zeit.md": ONLY_GERMAN,
            "de/intern/reset.md": INTERNAL_DE,
            "en/intern/reset.md": INTERNAL_EN,
        },
        "expected": {
            ("en", "spooler queue"): ("en/faq/drucker.md", "en/faq/drucker/#clear-the-queue"),
            ("de", "Warteschlange"): ("de/faq/drucker.md", "faq/drucker/#warteschlange-leeren"),
            ("de", "Stempeluhr"): ("de/zeit.md", "zeit/#stempeluhr-einrichten"),
        },
        "internal": {"en": "en/intern/reset/#license-server", "de": "intern/reset/#lizenzserver"},
    },
}


def write_i18n_project(root: Path, layout: str) -> Path:
    spec = LAYOUTS[layout]
    other = "de" if spec["default"] == "en" else "en"
    for name, text in spec["files"].items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        f"site_name: Help\ntheme:\n  name: {spec['theme']}\n"
        "plugins:\n  - search\n  - i18n:\n"
        f"      docs_structure: {layout}\n"
        "      languages:\n"
        f"        - locale: {spec['default']}\n          default: true\n          name: Default\n"
        f"        - locale: {other}\n          name: Other\n",
        encoding="utf-8",
    )
    return root / "mkdocs.yml"


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def i18n_project(request, tmp_path_factory):
    """An i18n project of each layout, built for real by `level0 build`."""
    layout = request.param
    root = tmp_path_factory.mktemp(f"i18n-{layout}")
    config = write_i18n_project(root, layout)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVEL0_")}
    built = subprocess.run(
        [sys.executable, "-m", "triage", "build", "--no-model", "-f", str(config)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    handle = IndexHandle(root / ".level0" / "index")
    yield layout, config, handle.get()
    handle.close()


def test_every_language_is_indexed_with_its_language_and_url(i18n_project):
    layout, _config, index = i18n_project
    assert index.info["languages"] == ["de", "en"]
    for (lang, query), (path, url) in LAYOUTS[layout]["expected"].items():
        hits = index.search(query, filters=SearchFilters(language=lang)).hits
        assert hits, (lang, query)
        assert (hits[0].path, hits[0].url, hits[0].language) == (path, url, lang)
        assert all(hit.language == lang for hit in hits)


def test_a_page_in_one_language_is_not_found_in_the_other(i18n_project):
    """The German-only page stands in for its translation on the English site; it is indexed once, as German."""
    _layout, _config, index = i18n_project
    assert index.search("Stempeluhr", filters=SearchFilters(language="en")).hits == []
    hits = index.search("Stempeluhr").hits
    assert [hit.language for hit in hits] == ["de"]


def test_internal_pages_keep_their_language_and_stay_out_of_every_site(i18n_project):
    layout, config, index = i18n_project
    for lang, url in LAYOUTS[layout]["internal"].items():
        query = "quincetree" if lang == "en" else "Quittenbaum"
        assert index.search(query, filters=SearchFilters(language=lang)).hits == []  # public search
        agents = SearchFilters(language=lang, audiences=("public", "internal"))
        hits = index.search(query, filters=agents).hits
        assert [(hit.url, hit.language, hit.audience) for hit in hits] == [(url, lang, "internal")]
    for file in (config.parent / "site").rglob("*"):
        if file.is_file() and file.suffix in {".html", ".json", ".xml"}:
            text = file.read_text(encoding="utf-8", errors="replace")
            assert "Quittenbaum" not in text and "quincetree" not in text, file


def test_cli_and_api_search_by_language(i18n_project, tmp_path, make_app):
    layout, config, _index = i18n_project
    (path, url) = LAYOUTS[layout]["expected"][("en", "spooler queue")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEVEL0_")}
    found = subprocess.run(
        [sys.executable, "-m", "triage", "search", "spooler queue", "--lang", "en", "--json", "-f", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert (hits[0]["path"], hits[0]["url"], hits[0]["language"]) == (path, url, "en")

    from triage.settings import Settings

    settings = Settings.load(config, environ={}, state_dir=config.parent / ".level0", data_dir=tmp_path)
    client = make_app(settings).test_client()
    for lang, query in (("de", "Warteschlange"), ("en", "spooler queue")):
        answer = client.get("/api/search", query_string={"q": query, "lang": lang}).get_json()
        expected_path, expected_url = LAYOUTS[layout]["expected"][(lang, query)]
        assert [(h["path"], h["url"], h["language"]) for h in answer["hits"]][:1] == [
            (expected_path, expected_url, lang)
        ]
    assert client.get("/api/search", query_string={"q": "Warteschlange", "lang": "en"}).get_json()["hits"] == []
