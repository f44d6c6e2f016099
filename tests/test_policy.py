"""The support policy file: the shipped one loads; broken ones fail naming the field, also at app start."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from triage.answer.policy import CATEGORIES, PolicyError, load_policy
from triage.settings import bundled_path

POLICY_FILE = Path(__file__).resolve().parent.parent / "triage" / "policy.yml"
FIELDS = ("covered", "support_level", "next_step", "explanation", "checklist")


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY_FILE)


@pytest.fixture(scope="module")
def policy_data() -> dict:
    return yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


def write_policy(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_bundled_policy_is_the_repo_policy():
    assert bundled_path("policy.yml").read_text(encoding="utf-8") == POLICY_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("category", CATEGORIES)
def test_for_category_gives_the_policy_fields(policy, category, language):
    entry = policy.for_category(category, language)
    assert entry["covered"] in {"covered", "billable", "depends"}
    for name in ("support_level", "next_step", "explanation"):
        assert isinstance(entry[name], str) and entry[name].strip(), name
    assert entry["checklist"] and all(isinstance(item, str) and item.strip() for item in entry["checklist"])
    if entry["covered"] == "depends":
        assert entry["depends_on"]


@pytest.mark.parametrize("category", CATEGORIES)
def test_for_category_answers_in_the_language_asked(policy, policy_data, category):
    raw = policy_data["categories"][category]
    for language in ("de", "en"):
        entry = policy.for_category(category, language)
        assert entry["next_step"] == raw["next_step"][language]
        assert entry["checklist"] == raw["checklist"][language]
    assert policy.for_category(category, "de")["explanation"] != policy.for_category(category, "en")["explanation"]


def test_shipped_coverage_matches_the_support_model(policy):
    # Bugs are covered by maintenance, consulting is billable, your own IT depends on the cause.
    assert {c: policy.for_category(c, "de")["covered"] for c in CATEGORIES} == {
        "bug": "covered",
        "infrastructure": "depends",
        "consulting": "billable",
    }


def test_for_category_returns_a_copy_of_the_checklist(policy):
    policy.for_category("bug", "de")["checklist"].append("changed")
    assert "changed" not in policy.for_category("bug", "de")["checklist"]


def _delete(path: str):
    def edit(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]

    return edit


def _set(path: str, value):
    def edit(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        pytest.param(_delete("categories.bug.next_step"), "categories.bug.next_step", id="missing-next-step"),
        pytest.param(_delete("categories.consulting.explanation.en"), "categories.consulting.explanation.en",
                     id="missing-english-text"),
        pytest.param(_set("categories.bug.covered", "maybe"), "categories.bug.covered", id="covered-maybe"),
        pytest.param(_set("categories.bug.covered", True), "categories.bug.covered", id="covered-yes"),
        pytest.param(_set("categories.consulting.covered", "depends"), "categories.consulting",
                     id="depends-without-depends-on"),
        pytest.param(_set("categories.bug.colour", "red"), "categories.bug.colour", id="unknown-key"),
        pytest.param(_set("categories.support", {}), "categories.support", id="unknown-category"),
        pytest.param(_set("categories.bug.checklist.de", []), "categories.bug.checklist.de",
                     id="empty-checklist"),
        pytest.param(_set("categories.bug.next_step.de", ""), "categories.bug.next_step.de", id="empty-text"),
        pytest.param(_set("categories.bug.next_step", "only one language"), "categories.bug.next_step",
                     id="text-not-per-language"),
        pytest.param(_delete("categories.infrastructure"), "categories.infrastructure",
                     id="missing-category"),
        pytest.param(_set("version", 2), "version", id="unknown-version"),
        pytest.param(_delete("unsure"), "unsure", id="missing-unsure"),
    ],
)  # fmt: skip
def test_broken_policy_names_the_field(tmp_path, policy_data, edit, field):
    data = copy.deepcopy(policy_data)
    edit(data)
    path = write_policy(tmp_path / "policy.yml", data)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert f": {field}: " in message, message
    assert str(path) in message
    assert "\n" not in message


def test_depends_without_depends_on_says_what_is_missing(tmp_path, policy_data):
    data = copy.deepcopy(policy_data)
    data["categories"]["consulting"]["covered"] = "depends"
    with pytest.raises(PolicyError, match="depends_on"):
        load_policy(write_policy(tmp_path / "policy.yml", data))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("version: 1\ncategories: [bug\n  next_step: x\n", "not valid YAML", id="not-yaml"),
        pytest.param("\tversion: 1\n", "not valid YAML", id="tab-indent"),
        pytest.param("", "(top level)", id="empty-file"),
        pytest.param("- bug\n- consulting\n", "(top level)", id="a-list"),
        pytest.param("just some words\n", "(top level)", id="a-string"),
    ],
)
def test_policy_that_is_no_mapping_fails_with_one_line(tmp_path, text, expected):
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_a_missing_policy_file_is_named(tmp_path):
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(tmp_path / "nowhere.yml")


def test_a_policy_file_not_in_utf8_is_unreadable(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_bytes("vendor: Lindgrün".encode("latin-1"))
    with pytest.raises(PolicyError, match="unreadable"):
        load_policy(path)


def test_app_refuses_to_start_with_a_broken_policy(tmp_path, policy_data, make_app):
    data = copy.deepcopy(policy_data)
    del data["categories"]["bug"]["next_step"]
    with pytest.raises(PolicyError, match=r"categories\.bug\.next_step"):
        make_app(policy_file=write_policy(tmp_path / "policy.yml", data))


def test_app_refuses_to_start_without_its_policy_file(tmp_path, make_app):
    with pytest.raises(PolicyError, match="not found"):
        make_app(policy_file=tmp_path / "missing.yml")
