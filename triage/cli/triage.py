"""`level0 triage`: classify one description (or a JSON Lines batch) and say what the policy means."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import click

from kb_search.errors import Level0Error
from triage.cli.common import config_option, echo_json, load_settings, open_triager, read_text_argument


@click.command()
@click.argument("text", required=False)
@click.option("--subject", default="", help="The message's subject line.")
@click.option("--language", type=click.Choice(["de", "en"]), help="Answer language (default: detected).")
@click.option("--jsonl", "jsonl", type=click.File("rb"), help='Batch: lines {"id", "subject", "body"}; "-" for stdin.')
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the triage object as JSON.")
def triage(
    text: str | None,
    subject: str,
    language: str | None,
    jsonl: IO[bytes] | None,
    config_file: Path | None,
    as_json: bool,
) -> None:
    """Classify a problem description (TEXT, or standard input) as bug, infrastructure or consulting."""
    from triage.answer.batch import triage_lines

    if jsonl is not None and text is not None:
        raise Level0Error("give either TEXT or --jsonl, not both", code="bad_input")
    settings = load_settings(config_file)
    triager = open_triager(settings)
    try:
        if jsonl is not None:
            failed = 0
            for answer in triage_lines(triager, jsonl, language):
                failed += "error" in answer
                click.echo(json.dumps(answer, ensure_ascii=False))
            if failed:
                raise Level0Error(f"{failed} line(s) could not be triaged; see their error objects", code="bad_input")
            return
        answer = triager.triage(read_text_argument(text), subject=subject, language=language)
    finally:
        triager.close()
    if as_json:
        echo_json(answer)
    else:
        print_triage(answer)


def print_triage(answer: dict[str, Any]) -> None:
    policy = answer["policy"]
    # Never "100 %": a calibrated model is not certain, and says so.
    sure = "needs a human look" if answer["needs_human"] else f"{min(99, int(answer['confidence'] * 100))}% sure"
    click.echo(click.style(f"{policy['label']} ({answer['category']}, {sure})", bold=True))
    click.echo(f"Covered: {policy['covered']}   Support level: {policy['support_level']}")
    click.echo(f"Why: {', '.join(answer['evidence']) or '-'}")
    click.echo(f"Next step: {policy['next_step']}")
    for hit in answer["articles"]:
        click.echo(f"  - {hit['title']}" + (f" › {hit['section']}" if hit["section"] else "") + f"  {hit['url']}")
