"""Text preparation: what describes the problem stays, boilerplate, logs and code go."""

from __future__ import annotations

import pytest

from triage.classifier.preparation import KEPT_ERROR_LINES, prepare_text

CASES = [
    pytest.param(
        "Danke, leider geht es immer noch nicht.\n\nAm 12.03.2024 um 10:00 schrieb Support <s@example.com>:\n"
        "> Bitte starten Sie den Dienst neu.\n> Gruß",
        ["geht es immer noch nicht"],
        ["starten Sie den Dienst", "schrieb"],
        id="quoted-mail",
    ),
    pytest.param(
        "Sehr geehrte Damen und Herren,\n\nder Server ist nicht erreichbar.\n\nMit freundlichen Grüßen\n"
        "Sabine Krüger\nKrüger GmbH",
        ["der Server ist nicht erreichbar."],
        ["Sehr geehrte", "freundlichen", "Krüger GmbH"],
        id="letter",
    ),
    pytest.param(
        "Hallo, wie lege ich einen Kunden an?",
        ["wie lege ich einen Kunden an?"],
        ["Hallo"],
        id="greeting-on-the-first-line",
    ),
    pytest.param(
        "Thanks to the update, printing is broken.",
        ["Thanks to the update, printing is broken."],
        [],
        id="thanks-in-a-sentence-stays",
    ),
    pytest.param(
        "The total is wrong.\n\n### System information\nOS: Windows 11\nVersion: 6.2.1\nBrowser: Edge\n"
        "| Field | Value |\n|---|---|\n| RAM | 16 GB |\n\n**Describe the bug**\nIt adds the tax twice.",
        ["The total is wrong.", "It adds the tax twice."],
        ["Windows 11", "Browser", "RAM", "Describe the bug", "System information"],
        id="issue-template",
    ),
    pytest.param(
        "Fehlerbeschreibung: Rechnung doppelt\nVersion: 6.2\nBetriebssystem: Windows 10\nBenutzer: 12",
        ["Fehlerbeschreibung: Rechnung doppelt"],
        ["Betriebssystem"],
        id="form-keeps-the-description-row",
    ),
    pytest.param(
        'How do I call the API?\n\nTraceback (most recent call last):\n  File "x.py", line 3, in <module>\n'
        '    main()\n  File "x.py", line 2, in main\nrequests.exceptions.HTTPError: 401 Client Error\n',
        ["How do I call the API?", "requests.exceptions.HTTPError: 401 Client Error"],
        ["Traceback", 'File "x.py"'],
        id="python-trace",
    ),
    pytest.param(
        "java.lang.NullPointerException: customer is null\n\tat com.x.Y.z(Y.java:12)\n\tat com.x.Y.q(Y.java:14)\n"
        "... 3 more\nWhy?",
        ["java.lang.NullPointerException: customer is null", "Why?"],
        ["Y.java", "more"],
        id="java-trace",
    ),
    pytest.param(
        "2024-01-01 10:00:01 INFO start\n2024-01-01 10:00:02 ERROR Connection refused: db01:1433\n"
        "2024-01-01 10:00:03 INFO retry\nDer Server antwortet nicht",
        ["ERROR Connection refused: db01:1433", "Der Server antwortet nicht"],
        ["INFO start", "INFO retry"],
        id="log-lines",
    ),
    pytest.param(
        "Why does my script fail?\n$client = new Client(\n  'https://example.com/',\n  [\n    'wp_api' => true,\n"
        "  ]\n);\nimport os\nImport holidays from a file",
        ["Why does my script fail?", "Import holidays from a file"],
        ["new Client", "wp_api", "import os"],
        id="own-script",
    ),
    pytest.param(
        "<p>Hello,</p><p>the report&nbsp;is <b>empty</b>.</p><br>Regards",
        ["the report", "empty"],
        ["<p>", "<b>", "Regards", "&nbsp;"],
        id="html",
    ),
]


@pytest.mark.parametrize(("text", "kept", "dropped"), CASES)
def test_preparation_keeps_the_description_and_drops_the_rest(text, kept, dropped):
    prepared = prepare_text(text)
    for part in kept:
        assert part in prepared, prepared
    for part in dropped:
        assert part not in prepared, prepared


def test_only_the_first_error_lines_of_a_long_log_are_kept():
    log = "\n".join(f"2024-01-01 10:00:{i:02d} ERROR timeout number {i}" for i in range(10))
    prepared = prepare_text("Import hangs.\n" + log)
    assert prepared.count("ERROR") == KEPT_ERROR_LINES
    assert "Import hangs." in prepared


@pytest.mark.parametrize("text", ["Hallo,", "Vielen Dank!", "  at com.x.Y.z(Y.java:12)"])
def test_a_text_of_nothing_but_boilerplate_is_kept_as_it_is(text):
    assert prepare_text(text) == text.strip()


def test_preparation_only_removes_lines_or_their_start():
    text = "Sehr geehrte Damen und Herren,\nder Export nach DATEV bricht ab.\nViele Grüße\nTom"
    assert all(line in text for line in prepare_text(text).splitlines())
