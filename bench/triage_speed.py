"""Time one triage in-process (model, policy and article search) on a built project, in a fresh process.

    .venv/bin/python bench/triage_speed.py [--config mkdocs.yml] [--runs 5] [--texts triage/data/test.jsonl]

Each run starts a new Python process that opens the project's index and model (`level0 build`
first), triages every text once (warm-up: three other texts), with one BLAS thread as the server
has, and prints the median and p99 of the wall time per triage. The texts get a number of their
own in each run, so the encoder's cache never answers. Prints each run and the median of the runs'
medians: on a noisy machine compare two checkouts with alternating runs, e.g.

    git worktree add /tmp/before HEAD~5
    for i in 1 2 3; do
        PYTHONPATH=/tmp/before .venv/bin/python /tmp/before/bench/triage_speed.py --runs 1
        .venv/bin/python bench/triage_speed.py --runs 1
    done

(with PYTHONPATH, the other checkout's packages are imported instead of this one's).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.classifier.data import DataError, read_texts  # noqa: E402

ONE_RUN = r"""
import json, statistics, sys, time
from threadpoolctl import threadpool_limits
from triage.answer.service import Triager
from triage.settings import Settings
texts = json.loads(sys.stdin.read())
triager = Triager.from_settings(Settings.load(sys.argv[1] or None))
samples = []
with threadpool_limits(limits=1, user_api="blas"):
    for text in texts[-3:]:
        triager.triage(text + " (warm-up)")
    for number, text in enumerate(texts):
        start = time.perf_counter()
        triager.triage(f"{text} (Kundennummer {sys.argv[2]}{number})")
        samples.append((time.perf_counter() - start) * 1000)
samples.sort()
print(json.dumps({"median": statistics.median(samples), "p99": samples[int(0.99 * (len(samples) - 1))],
                  "n": len(samples), "module": __import__("triage").__file__}))
"""


@click.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="A built project.")
@click.option("--runs", type=click.IntRange(1), default=5, show_default=True)
@click.option(
    "--texts",
    "texts_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=ROOT / "triage" / "data" / "test.jsonl",
    show_default=True,
    help="JSON Lines with subject and body.",
)
def main(config_file: str | None, runs: int, texts_file: Path) -> None:
    """Print the median and p99 of one in-process triage, per run in a fresh process."""
    try:
        texts = read_texts(texts_file)
    except DataError as exc:
        raise click.UsageError(str(exc)) from None
    medians = []
    for run in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", ONE_RUN, config_file or "", str(run)],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise click.ClickException(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "run failed")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        medians.append(figures["median"])
        click.echo(
            f"run {run + 1}: {figures['n']} triages, median {figures['median']:.2f} ms, p99 {figures['p99']:.2f} ms"
            f" ({figures['module']})"
        )
    click.echo(f"median of the runs' medians: {statistics.median(medians):.2f} ms (goal <= 10 ms)")


if __name__ == "__main__":
    main()
