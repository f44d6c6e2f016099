"""The `level0` command line: triage (one text, stdin, batch), search and build, and their errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from triage.answer.service import MAX_DESCRIPTION_CHARS
from triage.classifier.data import LABELS
from triage.cli import main

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
HIT_FIELDS = {"title", "section", "url", "path", "score", "snippet"}
POLICY_FIELDS = {"covered", "support_level", "next_step", "explanation", "checklist"}
TRIAGE_FIELDS = {
    "category", "confidence", "probabilities", "needs_human", "language", "policy", "evidence", "articles",
}  # fmt: skip
# Environment overrides for a project that was never built: its own (empty) state and site folders.
NOT_BUILT = {"LEVEL0_STATE_DIR": None, "LEVEL0_SITE_DIR": None}


@pytest.fixture
def cli_env(settings) -> dict[str, str | None]:
    """Environment for the CLI: the trained fixture project, nothing from the caller's LEVEL0_*."""
    return {k: None for k in os.environ if k.startswith("LEVEL0_")} | {
        "LEVEL0_DATA_DIR": str(settings.data_dir),
        "LEVEL0_STATE_DIR": str(settings.state_dir),
        "LEVEL0_SITE_DIR": str(settings.site_dir),
    }


@pytest.fixture
def level0(runner, settings, cli_env):
    """Run `level0 COMMAND ARGS -f <fixture mkdocs.yml>` in-process; return click's Result."""

    def run(command: str, *args: str, input=None, env: dict | None = None, config: Path | None = None):
        return runner.invoke(
            main,
            [command, *args, "-f", str(config or settings.config_file)],
            input=input,
            env={**cli_env, **(env or {})},
        )

    return run


@pytest.fixture
def fresh_project(tmp_path) -> Path:
    """A copy of the fixture knowledge base that was never built; returns its mkdocs.yml."""
    shutil.copytree(FIXTURE_KB, tmp_path / "project")
    return tmp_path / "project" / "mkdocs.yml"


def assert_one_error_line(result, *fragments: str) -> None:
    """Exit code 2, exactly one `Error: ...` line on stderr naming the fragments, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not an unhandled exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_hit(hit: dict) -> None:
    assert HIT_FIELDS <= set(hit), hit
    assert isinstance(hit["title"], str) and hit["title"]
    assert hit["section"] is None or isinstance(hit["section"], str)
    assert isinstance(hit["url"], str)
    assert hit["path"].endswith(".md") and not hit["path"].startswith("/")
    assert isinstance(hit["score"], float)
    assert isinstance(hit["snippet"], str)
    assert "<script" not in hit["snippet"]


def assert_triage_object(answer: dict, language: str) -> None:
    assert TRIAGE_FIELDS <= set(answer), answer
    assert answer["category"] in LABELS
    assert 0.0 <= answer["confidence"] <= 1.0
    assert set(answer["probabilities"]) == set(LABELS)
    assert sum(answer["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert answer["confidence"] == max(answer["probabilities"].values())
    assert isinstance(answer["needs_human"], bool)
    assert answer["language"] == language
    assert POLICY_FIELDS <= set(answer["policy"]), answer["policy"]
    assert answer["policy"]["covered"] in {"covered", "billable", "depends"}
    assert answer["policy"]["checklist"] and all(isinstance(i, str) for i in answer["policy"]["checklist"])
    assert isinstance(answer["evidence"], list) and all(isinstance(e, str) for e in answer["evidence"])
    assert isinstance(answer["articles"], list)
    for hit in answer["articles"]:
        assert_hit(hit)


# --- triage: one text ----------------------------------------------------------------------------


def test_triage_json_prints_the_full_triage_object(level0):
    text = "Seit dem Update druckt die Rechnung doppelt"
    result = level0("triage", text, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert_triage_object(answer, "de")
    assert answer["articles"], "expected knowledge-base articles for a printing problem"
    assert all(item in text for item in answer["evidence"])


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Seit dem Update druckt die Rechnung doppelt", "de"),
        ("Since the update the invoice is printed twice", "en"),
    ],
)
def test_triage_policy_is_in_the_language_of_the_text(level0, settings, text, language):
    from triage.answer.policy import load_policy

    result = level0("triage", text, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert_triage_object(answer, language)
    expected = load_policy(settings.policy_file).for_category(answer["category"], language)
    assert {k: answer["policy"][k] for k in POLICY_FIELDS} == {k: expected[k] for k in POLICY_FIELDS}


def test_triage_language_option_overrides_detection(level0):
    result = level0("triage", "Seit dem Update druckt die Rechnung doppelt", "--language", "en", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["language"] == "en"


def test_triage_reads_stdin_with_dash(level0):
    text = "Seit dem Update druckt die Rechnung doppelt"
    from_stdin = level0("triage", "-", "--json", input=text.encode("utf-8"))
    from_argument = level0("triage", text, "--json")
    assert from_stdin.exit_code == 0, from_stdin.output
    assert json.loads(from_stdin.stdout) == json.loads(from_argument.stdout)


def test_triage_reads_the_subject_with_the_text(level0):
    result = level0("triage", "geht nicht", "--subject", "Drucker druckt nicht", "--json")
    assert result.exit_code == 0, result.output
    assert_triage_object(json.loads(result.stdout), "de")


def test_triage_without_json_prints_a_summary(level0):
    result = level0("triage", "Seit dem Update druckt die Rechnung doppelt")
    assert result.exit_code == 0, result.output
    assert "Next step:" in result.stdout
    assert not result.stdout.lstrip().startswith("{")


# --- triage: batch -------------------------------------------------------------------------------

BATCH = [
    '{"id": "a1", "subject": "Drucker", "body": "Seit dem Update druckt die Rechnung doppelt"}',
    '{"id": "a2", "body": "Our SQL Server is not reachable, the firewall blocks port 1433."}',
    '{"id": "a3", "body": "kaputt',  # not JSON
    '{"id": "a4", "subject": "", "body": "   "}',  # empty after trimming
    '{"id": 5, "body": "How can I set up a second invoice template in English?"}',
]


def check_batch(result) -> None:
    assert result.exit_code == 2, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a.get("id") for a in answers] == ["a1", "a2", None, "a4", 5]
    assert [a.get("line") for a in answers] == [None, None, 3, 4, None]
    for index in (0, 1, 4):
        assert "error" not in answers[index]
        assert_triage_object(answers[index], "en" if index else "de")
    for index in (2, 3):
        assert set(answers[index]) == {"id", "line", "error"}
        assert answers[index]["error"]["code"] and answers[index]["error"]["message"]
    assert_one_error_line(result, "2 line(s)")


def test_triage_jsonl_keeps_ids_and_order_and_reports_bad_lines(level0, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(BATCH) + "\n", encoding="utf-8")
    check_batch(level0("triage", "--jsonl", str(batch)))


def test_triage_jsonl_from_stdin(level0):
    check_batch(level0("triage", "--jsonl", "-", input=("\n".join(BATCH) + "\n").encode("utf-8")))


def test_triage_jsonl_all_good_exits_zero(level0, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(BATCH[i] for i in (0, 1, 4)) + "\n", encoding="utf-8")
    result = level0("triage", "--jsonl", str(batch))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a1", "a2", 5]
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("line", "message"),
    [
        pytest.param(b'["a", "list"]', "not a JSON object", id="not-an-object"),
        pytest.param(b'{"id": "x", "body": 42}', "must be strings", id="body-not-a-string"),
        pytest.param(b'{"id": "x", "body": "\xff\xfe"}', "", id="not-utf8"),
        pytest.param(b'{"id": "x", "body": "\\u0000\\u001b[0m"}', "empty", id="only-control-characters"),
    ],
)
def test_triage_jsonl_bad_lines_become_error_objects(level0, tmp_path, line, message):
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(line + b"\n")
    result = level0("triage", "--jsonl", str(batch))
    assert result.exit_code == 2, result.output
    (answer,) = [json.loads(out) for out in result.stdout.splitlines()]
    assert answer["line"] == 1
    assert message in answer["error"]["message"]


PASTED_LOGS = [
    ("nul", "Der Drucker druckt nicht\u0000\u0000 seit dem Update auf 6.1"),
    ("terminal colours", "\x1b[31mERROR\x1b[0m smtp: Verbindung zum SMTP-Server abgelehnt (Port 587)"),
    ("bell, backspace, form feed", "Fehler\x07 beim\x08 Drucken\x0c der Rechnungen aus Lindwerk"),
    ("DEL and C1 controls", "Login am Terminalserver schl\u00e4gt fehl\x7f\x85\x9b seit Montag"),
    ("lone surrogate", "Export nach Excel bricht mit einer Fehlermeldung ab \ud800"),
]


def test_triage_jsonl_cleans_pasted_logs_and_answers_every_line(level0, tmp_path):
    lines = [json.dumps({"id": name, "subject": "Log\u0000", "body": body}).encode() for name, body in PASTED_LOGS]
    # Control characters written raw inside a JSON string, as a careless export writes them.
    lines.append(b'{"id": "raw", "body": "Drucker\x01\x02 druckt nicht\tseit heute, Warteschlange h\xc3\xa4ngt"}')
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    result = level0("triage", "--jsonl", str(batch))
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["id"] for a in answers] == [name for name, _ in PASTED_LOGS] + ["raw"]
    for answer in answers:
        assert "error" not in answer, answer
        assert_triage_object(answer, "de")
        for word in answer["evidence"]:
            assert word.isprintable(), answer["evidence"]
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Fehler\x00Drucker", "Fehler Drucker"),
        ("\x1b[1;31mERROR\x1b[0m: abgelehnt", "ERROR: abgelehnt"),
        ("Zeile 1\r\nZeile 2\tSpalte", "Zeile 1\r\nZeile 2\tSpalte"),
        ("Stra\u00dfe \x85\x7f", "Stra\u00dfe  "),
        ("kaputt \udcff", "kaputt \ufffd"),
    ],
)
def test_pasted_text_loses_control_characters_but_keeps_line_breaks_and_tabs(text, cleaned):
    from triage.answer.pasted_text import clean_pasted_text

    assert clean_pasted_text(text) == cleaned


def test_triage_text_and_jsonl_together_is_refused(level0, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(BATCH[0] + "\n", encoding="utf-8")
    assert_one_error_line(level0("triage", "some text", "--jsonl", str(batch)), "either TEXT or --jsonl")


# --- triage: bad input ---------------------------------------------------------------------------

LONG_TEXT = "Der Drucker druckt die Rechnung doppelt. " * 26_000  # about 1 MB


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        pytest.param(("",), None, "empty", id="empty-text"),
        pytest.param((" \n\t ",), None, "empty", id="whitespace-only"),
        pytest.param(("-",), b"", "empty", id="empty-stdin"),
        pytest.param(("-",), b"Drucker\x00\x01\x02 druckt nicht", "NUL", id="binary-stdin-nul"),
        pytest.param(("-",), b"Drucker druckt \xff\xfe nicht", "UTF-8", id="stdin-not-utf8"),
        pytest.param(("-",), "Drucker druckt nicht".encode("utf-16"), "", id="stdin-utf16"),
        pytest.param(("-",), LONG_TEXT.encode("utf-8"), "too long", id="1mb-stdin"),
        pytest.param((LONG_TEXT,), None, "too long", id="1mb-argument"),
        pytest.param(("Drucker\x00kaputt",), None, "NUL", id="nul-in-argument"),
    ],
)
def test_triage_bad_input_is_one_error_line(level0, args, stdin, fragment):
    assert_one_error_line(level0("triage", *args, "--json", input=stdin), fragment)


def test_triage_accepts_the_longest_allowed_text(level0):
    text = ("Seit dem Update druckt die Rechnung doppelt. " * 1000)[:MAX_DESCRIPTION_CHARS]
    result = level0("triage", text, "--json")
    assert result.exit_code == 0, result.output


def run_level0(args: list[str], env: dict, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """Run the console script as users do (logging configured, real stderr)."""
    full_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-m", "triage", *args], input=stdin, capture_output=True, env=full_env, timeout=120
    )


def test_binary_stdin_in_a_real_process_is_one_stderr_line(settings, cli_env):
    process = run_level0(
        ["triage", "-", "-f", str(settings.config_file)],
        cli_env,
        stdin=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    )
    assert process.returncode == 2, process.stderr
    assert process.stdout == b""
    assert process.stderr.decode().splitlines() == ["Error: input contains NUL bytes: send text, not binary data"]


def test_missing_docs_folder_in_a_real_process_is_one_stderr_line(fresh_project):
    shutil.rmtree(fresh_project.parent / "docs")
    process = run_level0(["build", "--no-model", "-f", str(fresh_project)], NOT_BUILT)
    assert process.returncode == 2, process.stderr
    assert len(process.stderr.decode().splitlines()) == 1, process.stderr.decode()


def test_triage_with_a_broken_policy_names_the_field(level0, tmp_path):
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nvendor: X\ncategories: {}\n", encoding="utf-8")
    result = level0("triage", "Drucker druckt nicht", env={"LEVEL0_POLICY": str(policy)})
    assert_one_error_line(result, "categories.bug")


def test_triage_without_a_model_says_to_build(level0, tmp_path):
    result = level0("triage", "Drucker druckt nicht", env={"LEVEL0_STATE_DIR": str(tmp_path / "state")})
    assert_one_error_line(result, "level0 build")


# --- search --------------------------------------------------------------------------------------


def test_search_json_returns_hits_with_all_fields(level0):
    result = level0("search", "drucker", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "drucker"
    assert data["hits"], "expected hits for drucker"
    for hit in data["hits"]:
        assert_hit(hit)
    assert "faq/drucker.md" in {hit["path"] for hit in data["hits"]}
    assert any("<mark>" in hit["snippet"] for hit in data["hits"])


def test_search_limit_caps_the_hits(level0):
    result = level0("search", "drucker", "--json", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["hits"]) == 1


def test_search_without_index_says_to_build(level0, fresh_project):
    result = level0("search", "drucker", config=fresh_project, env=NOT_BUILT)
    assert_one_error_line(result, "run `level0 build` first")


# --- build and configuration ---------------------------------------------------------------------


def test_build_without_docs_folder_is_one_error_line_and_builds_nothing(level0, fresh_project):
    shutil.rmtree(fresh_project.parent / "docs")
    result = level0("build", "--no-model", config=fresh_project, env=NOT_BUILT)
    assert_one_error_line(result, str(fresh_project), "isn't an existing directory")
    assert not (fresh_project.parent / "site").exists()


def test_build_of_an_empty_docs_folder_is_refused_and_writes_no_index(level0, fresh_project):
    docs = fresh_project.parent / "docs"
    shutil.rmtree(docs)
    docs.mkdir()
    result = level0("build", "--no-model", config=fresh_project, env=NOT_BUILT)
    assert_one_error_line(result, "docs folder has no Markdown pages")
    assert not (fresh_project.parent / ".level0" / "index").exists()


@pytest.mark.parametrize("command", ["build", "search", "triage"])
def test_a_missing_config_file_is_one_error_line(level0, tmp_path, command):
    args = {"build": (), "search": ("drucker",), "triage": ("Drucker druckt nicht",)}[command]
    result = level0(command, *args, config=tmp_path / "nowhere" / "mkdocs.yml")
    assert_one_error_line(result, "config file not found")
