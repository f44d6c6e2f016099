"""How the triage model's settings were chosen: a grid scored by cross-validation and on the dev split.

    .venv/bin/python bench/triage_model_choice.py [--quick] [--leave-out PREFIX ...] [--add FILE ...]

For each text preparation (on/off), C of the linear SVM and weight of the sentence-vector block,
prints the grouped 5-fold cross-validated macro-F1 on the fitting data (train.jsonl +
train_extra.jsonl), and, for a model fitted on all of it, dev.jsonl's macro-F1 (all, German,
English, and its real public texts, style real-…) and the share of dev answered at precision
>= 0.92 with each calibration (sigmoid per class or temperature), calibrated and thresholded by
5-fold cross-fitting on dev. Never reads test.jsonl or ood.jsonl. The chosen settings go to
triage.classifier.fitting.ModelParams.

A batch of training data is judged the same way: `--leave-out r3-` fits without the rows whose id
starts with r3- (a batch already merged), `--add FILE` with the rows of a file not yet merged; the
dev figures of the two runs, side by side, say whether to keep it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb_search.embedding import load_embedder  # noqa: E402
from triage.classifier.data import (  # noqa: E402
    DEV_FILE,
    fitting_examples,  # noqa: E402
    read_examples,
)
from triage.classifier.fitting import (  # noqa: E402
    Corpus,
    coverage_precision,  # noqa: E402
    fit_ngrams,
    folds,
    linear_model,
    make_corpus,
    subset,
    with_vectors,
)
from triage.classifier.training import DEV_TARGET_PRECISION, choose_threshold  # noqa: E402

DATA_DIR = ROOT / "triage" / "data"


def raw_corpus(corpus: Corpus, examples) -> Corpus:
    """The same corpus with texts as typed (no preparation), for the comparison."""
    return Corpus([e.text for e in examples], corpus.vectors, corpus.labels, corpus.groups, corpus.languages)


def cross_fitted_coverage(svc, features, labels: np.ndarray, method: str) -> tuple[float, float]:
    """Dev coverage and precision at the threshold for DEV_TARGET_PRECISION, calibrated by 5-fold cross-fitting."""
    proba = np.zeros((len(labels), len(svc.classes_)))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=3).split(np.zeros(len(labels)), labels):
        calibrated = CalibratedClassifierCV(FrozenEstimator(svc), method=method).fit(features[train], labels[train])
        proba[test] = calibrated.predict_proba(features[test])
    correct = svc.classes_[proba.argmax(axis=1)] == labels
    confidence = proba.max(axis=1)
    return coverage_precision(correct, confidence, choose_threshold(correct, confidence, DEV_TARGET_PRECISION))


def is_real(example) -> bool:
    """A real public text (an issue or forum thread), as the data files tag them (style real-…)."""
    return example.style.startswith("real")


@click.command()
@click.option("--quick", is_flag=True, help="A smaller grid.")
@click.option(
    "--leave-out",
    "leave_out",
    multiple=True,
    metavar="PREFIX",
    help="Fit without the examples whose id starts with PREFIX (to judge a batch of data already merged).",
)
@click.option(
    "--add",
    "add_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Fit also on this JSON Lines file (to judge a batch of data before merging it).",
)
def main(quick: bool, leave_out: tuple[str, ...], add_files: tuple[Path, ...]) -> None:
    """Print the grid of settings with their CV and dev figures."""
    started = time.perf_counter()
    embedder = load_embedder()
    examples = [e for e in fitting_examples(DATA_DIR) if not (leave_out and e.id.startswith(leave_out))]
    for path in add_files:
        examples += read_examples(path)
    dev_examples = read_examples(DATA_DIR / DEV_FILE)
    dev_real = np.array([is_real(e) for e in dev_examples])
    prepared = make_corpus(examples, embedder)
    dev_prepared = make_corpus(dev_examples, embedder)
    click.echo(
        f"fitting data {len(examples)} (real texts {sum(map(is_real, examples))}), dev {len(dev_examples)} "
        f"(real texts {int(dev_real.sum())}); prepared and encoded in "
        f"{time.perf_counter() - started:.1f} s"
    )
    cs = (0.1, 0.3, 1.0) if not quick else (0.3,)
    weights = (0.0, 0.25, 0.5, 1.0, 2.0) if not quick else (0.0, 0.25, 0.5)
    click.echo(
        "| preparation | C | vector weight | CV macro-F1 | dev macro-F1 | dev de | dev en | dev real "
        "| dev answered @0.92 sigmoid | temperature |"
    )
    click.echo("|---|---|---|---|---|---|---|---|---|---|")
    for name, corpus, dev in (
        ("on", prepared, dev_prepared),
        ("off", raw_corpus(prepared, examples), raw_corpus(dev_prepared, dev_examples)),
    ):
        fold_blocks = [(train, test, fit_ngrams(subset(corpus, train).texts)) for train, test in folds(corpus)]
        fold_test = [blocks.transform(subset(corpus, test).texts) for _, test, blocks in fold_blocks]
        full = fit_ngrams(corpus.texts)
        dev_ngrams = full.transform(dev.texts)
        for c in cs:
            # Without preparation, only the n-gram model (the vector block is judged with preparation).
            for weight in weights if name == "on" else (0.0,):
                predicted = np.empty(len(corpus), dtype=object)
                for (train, test, blocks), test_ngrams in zip(fold_blocks, fold_test, strict=True):
                    part = subset(corpus, train)
                    svc = linear_model(c).fit(with_vectors(blocks.fitted, part.vectors, weight), part.labels)
                    held = subset(corpus, test)
                    predicted[test] = svc.predict(with_vectors(test_ngrams, held.vectors, weight))
                cv_f1 = f1_score(corpus.labels, predicted.astype(str), average="macro")
                svc = linear_model(c).fit(with_vectors(full.fitted, corpus.vectors, weight), corpus.labels)
                dev_features = with_vectors(dev_ngrams, dev.vectors, weight)
                dev_pred = svc.predict(dev_features)
                lang_f1 = {
                    lang: f1_score(dev.labels[dev.languages == lang], dev_pred[dev.languages == lang], average="macro")
                    for lang in ("de", "en")
                }
                coverage = {
                    method: cross_fitted_coverage(svc, dev_features, dev.labels, method)
                    for method in ("sigmoid", "temperature")
                }
                click.echo(
                    f"| {name} | {c} | {weight} | {cv_f1:.3f} | {f1_score(dev.labels, dev_pred, average='macro'):.3f} "
                    f"| {lang_f1['de']:.3f} | {lang_f1['en']:.3f} "
                    f"| {f1_score(dev.labels[dev_real], dev_pred[dev_real], average='macro'):.3f} "
                    f"| {coverage['sigmoid'][0]:.1%} (P {coverage['sigmoid'][1]:.3f}) "
                    f"| {coverage['temperature'][0]:.1%} (P {coverage['temperature'][1]:.3f}) |"
                )
    for c in (0.3, 1.0, 3.0):
        alone = LogisticRegression(C=c, max_iter=3000).fit(prepared.vectors, prepared.labels)
        dev_pred = alone.predict(dev_prepared.vectors)
        click.echo(
            f"sentence vectors alone (logistic regression, C={c}): dev macro-F1 "
            f"{f1_score(dev_prepared.labels, dev_pred, average='macro'):.3f}"
        )
    click.echo(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
