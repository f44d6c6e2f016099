"""`level0 train` and `level0 evaluate`: fit the triage model, measure it on held-out data."""

from __future__ import annotations

from pathlib import Path

import click

from triage.cli.common import config_option, ensure_model, load_settings


@click.command()
@config_option
@click.option(
    "--with-feedback",
    is_flag=True,
    help="Add the agents' corrections (feedback.jsonl); print the metrics before and after.",
)
def train(config_file: Path | None, with_feedback: bool) -> None:
    """Fit the triage model on triage/data/train.jsonl and publish it; print its metrics."""
    settings = load_settings(config_file)
    if not with_feedback:
        ensure_model(settings, force=True)
        return
    from triage.classifier.retraining import format_feedback_report, train_with_feedback

    click.echo(format_feedback_report(train_with_feedback(settings)))


@click.command()
@config_option
@click.option(
    "--data",
    "data_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Held-out file (default: the test file).",
)
@click.option("--no-cv", is_flag=True, help="Skip the cross-validation on the training data.")
def evaluate(config_file: Path | None, data_file: Path | None, no_cv: bool) -> None:
    """Evaluate the model on the held-out test file; write a report and a confusion-matrix plot."""
    from triage.classifier.artifact import load_model
    from triage.classifier.data import TEST_FILE, read_examples
    from triage.classifier.evaluation import cross_validate, format_report, write_report
    from triage.classifier.evaluation import evaluate as run_evaluation
    from triage.classifier.training import load_training_examples

    settings = load_settings(config_file)
    model = load_model(settings.model_dir)
    examples = read_examples(data_file or settings.data_dir / TEST_FILE)
    cv = None if no_cv else cross_validate(load_training_examples(settings.data_dir))
    result = run_evaluation(model, examples)
    md, png = write_report(result, settings.reports_dir, cv)
    click.echo(format_report(result, cv))
    click.echo(f"report: {md}\nplot: {png}")
