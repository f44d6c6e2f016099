"""Triage quality on a held-out file, against a keyword baseline, plus classification latency.

    .venv/bin/python bench/triage_quality.py [--data PATH.jsonl] [--model-dir DIR] [--no-cv]

Fits the model on triage/data/train.jsonl into a temporary directory unless --model-dir names an
existing artifact, evaluates it on the held-out test file (or --data, any file in the same line
format), runs 5-fold cross-validation on the training data, and times one-description
classification in-process (median and p99 over repeated calls on the held-out texts).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.artifact import ArtifactError, load_model  # noqa: E402
from triage.data import TEST_FILE, DataError, read_examples  # noqa: E402
from triage.evaluation import cross_validate, evaluate, format_report, write_report  # noqa: E402
from triage.training import load_training_examples, train_and_publish  # noqa: E402

DATA_DIR = ROOT / "triage" / "data"


class InputError(click.ClickException):
    exit_code = 2


def latency_ms(model, texts: list[str], rounds: int = 3) -> tuple[float, float]:
    """Median and p99 of classifying one description (with evidence), in milliseconds."""
    model.predict(texts[0])  # warm-up
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            model.predict(text)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


@click.command()
@click.option("--data", "data_file", type=click.Path(dir_okay=False, path_type=Path), help="Held-out JSONL file.")
@click.option("--model-dir", type=click.Path(file_okay=False, path_type=Path), help="Use this trained model.")
@click.option("--no-cv", is_flag=True, help="Skip the cross-validation on the training data.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), help="Also write report + plot here.")
def main(data_file: Path | None, model_dir: Path | None, no_cv: bool, report_dir: Path | None) -> None:
    """Evaluate the triage model on held-out data and print the figures."""
    try:
        examples = read_examples(data_file or DATA_DIR / TEST_FILE)
        with tempfile.TemporaryDirectory() as tmp:
            if model_dir is None:
                settings = SimpleNamespace(data_dir=DATA_DIR, model_dir=Path(tmp) / "model")
                started = time.perf_counter()
                report = train_and_publish(settings)
                click.echo(f"trained on {report['train_size']} examples in {time.perf_counter() - started:.1f} s")
                model_dir = settings.model_dir
            model = load_model(model_dir)
            result = evaluate(model, examples)
            cv = None if no_cv else cross_validate(load_training_examples(DATA_DIR))
            median, p99 = latency_ms(model, [e.text for e in examples])
    except (DataError, ArtifactError) as exc:
        raise InputError(str(exc)) from None
    click.echo(format_report(result, cv, title=f"Triage quality on {data_file or 'triage/data/test.jsonl'}"))
    click.echo(f"Classification of one description in-process: median {median:.2f} ms, p99 {p99:.2f} ms")
    if report_dir:
        md, png = write_report(result, report_dir, cv)
        click.echo(f"report: {md}\nplot: {png}")


if __name__ == "__main__":
    main()
