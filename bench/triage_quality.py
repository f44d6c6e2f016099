"""Triage quality on dev, the held-out test file and the out-of-distribution set, side by side.

    .venv/bin/python bench/triage_quality.py [--model-dir DIR] [--no-cv] [--report-dir DIR]

Fits the model as `level0 train` does (train.jsonl + train_extra.jsonl; calibration, needs_human
and off-topic thresholds on dev.jsonl and far_off_dev.jsonl) into a temporary directory unless
--model-dir names an artifact, then evaluates it on

- dev.jsonl: the thresholds were chosen here, so its answered share and precision are optimistic;
- test.jsonl: held out, written by the training data's writers;
- ood.jsonl: held out, written by other people in other styles (never used for any choice).

Prints per set: macro-F1, per class, per language, hard cases, per style, confusion, the share
answered (needs_human false) with its precision and the coverage/precision curve, next to a keyword
baseline; then the issue's goals, the timing of one classification and, unless --no-cv, grouped
5-fold cross-validation on the fitting data.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb_search.embedding import DEFAULT_SPEC, load_embedder  # noqa: E402
from triage.classifier.artifact import ArtifactError, load_model  # noqa: E402
from triage.classifier.data import (  # noqa: E402  # noqa: E402
    DEV_FILE,
    FAR_OFF_FILE,
    LABELS,
    OOD_FILE,
    TEST_FILE,
    DataError,
    fitting_examples,  # noqa: E402
    read_examples,
    read_texts,
)
from triage.classifier.evaluation import cross_validate, evaluate, write_report  # noqa: E402
from triage.classifier.model import OFF_TOPIC  # noqa: E402
from triage.classifier.training import train_and_publish  # noqa: E402

DATA_DIR = ROOT / "triage" / "data"
SETS = {"dev": DEV_FILE, "test": TEST_FILE, "ood": OOD_FILE}


class InputError(click.ClickException):
    exit_code = 2


def latency_ms(model: Any, texts: list[str]) -> dict[str, tuple[float, float]]:
    """Median and p99 of classifying one description, in milliseconds, each text once.

    "cold": the encoder's cache emptied first (preparation, encoding, n-grams, evidence);
    "shared": the text's vector already cached, as when the hybrid article search of the same
    triage encoded it (the encoder's cache serves both, one encoding per triage).
    """
    embedder = load_embedder(DEFAULT_SPEC)
    model.predict(texts[0])  # warm-up
    figures = {}
    for name in ("cold", "shared"):
        if embedder is not None and name == "cold":
            embedder.encode_one.cache_clear()
        samples = []
        for text in texts:
            start = time.perf_counter()
            model.predict(text)
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        figures[name] = statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return figures


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def side_by_side(results: dict[str, dict[str, Any]]) -> list[str]:
    """Return the Markdown tables that compare the sets."""
    names = list(results)
    out = ["## Summary", ""]
    rows = [
        ["examples"] + [str(r["model"]["n"]) for r in results.values()],
        ["macro-F1"] + [f(r["model"]["macro_f1"]) for r in results.values()],
        ["accuracy"] + [f(r["model"]["accuracy"]) for r in results.values()],
        ["keyword baseline macro-F1"] + [f(r["baseline"]["macro_f1"]) for r in results.values()],
        ["hard cases macro-F1 (n)"] + [f"{f(r['hard'].get('macro_f1'))} ({r['hard']['n']})" for r in results.values()],
    ]
    for lang in ("de", "en"):
        rows.append(
            [f"{lang} macro-F1 (n)"]
            + [f"{f(r['by_language'][lang].get('macro_f1'))} ({r['by_language'][lang]['n']})" for r in results.values()]
        )
    rows += [
        ["answered (needs_human false)"] + [f"{r['answered_share']:.1%}" for r in results.values()],
        ["precision where answered"] + [f(r["answered_precision"]) for r in results.values()],
        ["off topic"] + [f"{r['off_topic_share']:.1%}" for r in results.values()],
    ]
    out += table(["", *names], rows)
    out += ["", "## Per class (precision / recall / F1)", ""]
    out += table(
        ["class", *names],
        [
            [label]
            + [
                "{precision:.3f} / {recall:.3f} / {f1:.3f}".format(**r["model"]["per_class"][label])
                for r in results.values()
            ]
            for label in LABELS
        ],
    )
    out += ["", "## Per class and language (F1)", ""]
    out += table(
        ["class", *[f"{n} {lang}" for n in names for lang in ("de", "en")]],
        [
            [label]
            + [
                f(r["by_language"][lang]["per_class"][label]["f1"]) if r["by_language"][lang]["n"] else "–"
                for r in results.values()
                for lang in ("de", "en")
            ]
            for label in LABELS
        ],
    )
    for name, r in results.items():
        if r["by_style"]:
            out += ["", f"## {name}: per style", ""]
            out += table(
                ["style", "n", "macro-F1", "accuracy"],
                [[s, str(v["n"]), f(v["macro_f1"]), f(v["accuracy"])] for s, v in r["by_style"].items()],
            )
    for name, r in results.items():
        out += ["", f"## {name}: confusion (rows true, columns predicted)", ""]
        out += table(
            ["", *r["labels"]], [[lab, *map(str, row)] for lab, row in zip(r["labels"], r["confusion"], strict=True)]
        )
    out += ["", "## Coverage vs precision (answered at confidence >= t, off-topic never answered)", ""]
    thresholds = [p["threshold"] for p in next(iter(results.values()))["coverage_curve"]]
    out += table(
        ["t", *names],
        [
            [f"{t:.2f}"]
            + [
                f"{r['coverage_curve'][i]['answered']:.1%} @ {r['coverage_curve'][i]['precision']:.3f}"
                for r in results.values()
            ]
            for i, t in enumerate(thresholds)
        ],
    )
    return out


def goals(results: dict[str, dict[str, Any]]) -> list[str]:
    """Return the issue's goals with the figures reached."""
    lines = ["", "## Goals (issue 10)", ""]
    ood, test = results.get("ood"), results.get("test")
    if ood:
        worst = min(ood["model"]["per_class"].values(), key=lambda c: c["f1"])
        lines += [
            f"- OOD macro-F1 {ood['model']['macro_f1']:.3f} (goal >= 0.85)",
            f"- OOD German macro-F1 {ood['by_language']['de']['macro_f1']:.3f} (goal >= 0.82)",
            f"- OOD lowest class F1 {worst['f1']:.3f} (goal >= 0.80 each)",
            f"- OOD where needs_human is false: precision {ood['answered_precision']:.3f} at coverage "
            f"{ood['answered_share']:.1%} (goal >= 0.92 at >= 60 %)",
        ]
    if test:
        lines += [
            f"- test macro-F1 {test['model']['macro_f1']:.3f} (goal >= 0.90), "
            f"hard cases {test['hard']['macro_f1']:.3f} (goal >= 0.85)",
        ]
    return lines


@click.command()
@click.option("--model-dir", type=click.Path(file_okay=False, path_type=Path), help="Use this trained model.")
@click.option("--no-cv", is_flag=True, help="Skip the cross-validation on the fitting data.")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), help="Also write test report + plot.")
def main(model_dir: Path | None, no_cv: bool, report_dir: Path | None) -> None:
    """Evaluate the triage model on dev, test and OOD data and print the figures side by side."""
    try:
        sets = {name: read_examples(DATA_DIR / file) for name, file in SETS.items() if (DATA_DIR / file).is_file()}
        with tempfile.TemporaryDirectory() as tmp:
            if model_dir is None:
                settings = SimpleNamespace(data_dir=DATA_DIR, model_dir=Path(tmp) / "model")
                started = time.perf_counter()
                report = train_and_publish(settings)
                click.echo(f"trained on {report['train_size']} examples in {time.perf_counter() - started:.1f} s")
                model_dir = settings.model_dir
            model = load_model(model_dir)
            results = {name: evaluate(model, examples) for name, examples in sets.items()}
            far_off = read_texts(DATA_DIR / FAR_OFF_FILE) if (DATA_DIR / FAR_OFF_FILE).is_file() else []
            far_flagged = [p.unsure_reason == OFF_TOPIC for p in model.predict_many(far_off)]
            texts = [e.text for name in ("test", "ood") if name in sets for e in sets[name]]
            latency = latency_ms(model, texts)
            cv = None if no_cv else cross_validate(fitting_examples(DATA_DIR))
    except (DataError, ArtifactError) as exc:
        raise InputError(str(exc)) from None
    meta = model.metadata
    click.echo(f"# Triage quality: {', '.join(f'{n} ({len(e)})' for n, e in sets.items())}\n")
    click.echo(
        f"Model: C={meta['params']['c']}, vector weight {meta['params']['vector_weight']}, "
        f"{meta['params']['calibration']} calibration; needs_human below confidence {model.threshold:.3f} "
        f"(chosen on dev for precision >= {meta['target_precision']}) or below similarity "
        f"{model.off_topic_threshold} to the nearest training text (off topic, chosen on dev and far_off_dev)."
    )
    if far_off:
        click.echo(
            f"far_off_dev.jsonl (used for the off-topic threshold): {sum(far_flagged)}/{len(far_off)} "
            "flagged off topic."
        )
    click.echo("")
    click.echo("\n".join(side_by_side(results) + goals(results)))
    click.echo(
        f"\nClassification of one description in-process ({len(texts)} test and ood texts, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs): encoder cache cold median {latency['cold'][0]:.2f} ms, "
        f"p99 {latency['cold'][1]:.2f} ms; vector shared with the article search median "
        f"{latency['shared'][0]:.2f} ms, p99 {latency['shared'][1]:.2f} ms"
    )
    if cv:
        click.echo(f"Grouped {len(cv)}-fold CV macro-F1 on the fitting data: " + ", ".join(f"{x:.3f}" for x in cv))
    if report_dir and "test" in results:
        md, png = write_report(results["test"], report_dir, cv)
        click.echo(f"report: {md}\nplot: {png}")


if __name__ == "__main__":
    main()
