"""Measure the triage model on held-out data, against a keyword baseline; write a report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from kb_search.embedding import DEFAULT_SPEC, load_embedder
from triage.classifier.data import LABELS, Example
from triage.classifier.features import normalize_text
from triage.classifier.fitting import (
    CV_FOLDS,
    ModelParams,
    coverage_precision,
    fit_ngrams,
    folds,
    linear_model,
    make_corpus,
    subset,
    with_vectors,
)
from triage.classifier.model import OFF_TOPIC, TriageModel

# A plain keyword baseline, the kind of rules a support team writes by hand first.
_BASELINE_RULES = [
    (
        "infrastructure",
        r"firewall|proxy|zertifikat|certificat|virenscanner|antivir|defender|sophos|smtp|imap|exchange"
        r"|dns|vpn|netzwerk|network|server|sql|festplatte|disk|speicherplatz|drucker|printer|citrix|terminal|windows",
    ),
    (
        "consulting",
        r"wie (kann|stelle|richte|mache|lege)|how (do|can|to)|einrichten|set up|schulung|training"
        r"|vorlage|template|auswertung|report|moglich|possible|wunsch|feature|beratung|consult",
    ),
    (
        "bug",
        r"fehler|error|absturz|crash|sturzt|falsch|wrong|bug|geht nicht|funktioniert nicht"
        r"|does not work|not working",
    ),
]
_COMPILED = [(label, re.compile(pattern)) for label, pattern in _BASELINE_RULES]


def keyword_baseline(text: str) -> str:
    """Label a text by the first rule whose keywords occur; "bug" when none does."""
    folded = normalize_text(text)
    for label, pattern in _COMPILED:
        if pattern.search(folded):
            return label
    return "bug"


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class precision/recall/F1."""
    if not y_true:
        return {"n": 0}
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(LABELS), zero_division=0
    )
    return {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=list(LABELS), average="macro", zero_division=0)),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(LABELS, precision, recall, f1, support, strict=True)
        },
    }


def evaluate(model: TriageModel, examples: Sequence[Example]) -> dict[str, Any]:
    """Evaluate a fitted model (and the keyword baseline) on examples it was not fitted on.

    "Answered" cases are those with `needs_human` false (confident and not off topic); the
    coverage curve moves the confidence threshold, off-topic texts staying unanswered.
    """
    predictions = model.predict_many([e.text for e in examples])
    y_true = [e.label for e in examples]
    y_pred = [p.category for p in predictions]
    baseline = [keyword_baseline(e.text) for e in examples]
    confidence = np.array([p.confidence for p in predictions])
    off_topic = np.array([p.unsure_reason == OFF_TOPIC for p in predictions])
    correct = np.array([t == p for t, p in zip(y_true, y_pred, strict=True)])
    answered = ~np.array([p.needs_human for p in predictions])
    curve = []
    for threshold in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        share, prec = coverage_precision(correct, np.where(off_topic, -1.0, confidence), threshold)
        curve.append({"threshold": threshold, "answered": share, "precision": prec})

    def subset(idx: list[int]) -> dict[str, Any]:
        return scores([y_true[i] for i in idx], [y_pred[i] for i in idx])

    by_language = {lang: subset([i for i, e in enumerate(examples) if e.lang == lang]) for lang in ("de", "en")}
    styles = sorted({e.style for e in examples if e.style})
    hard = [i for i, e in enumerate(examples) if e.hard]
    return {
        "model": scores(y_true, y_pred),
        "baseline": scores(y_true, baseline),
        "by_language": by_language,
        "by_style": {style: subset([i for i, e in enumerate(examples) if e.style == style]) for style in styles},
        "hard": subset(hard),
        "hard_baseline": scores([y_true[i] for i in hard], [baseline[i] for i in hard]),
        "confusion": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist(),
        "labels": list(LABELS),
        "threshold": model.threshold,
        "answered_share": float(answered.mean()) if len(answered) else 0.0,
        "answered_precision": float(correct[answered].mean()) if answered.any() else 0.0,
        "off_topic_share": float(off_topic.mean()) if len(off_topic) else 0.0,
        "coverage_curve": curve,
    }


def cross_validate(examples: Sequence[Example], folds_n: int = CV_FOLDS, spec: str = DEFAULT_SPEC) -> list[float]:
    """Return the macro-F1 of each fold of a grouped, stratified k-fold cross-validation on examples."""
    params = ModelParams()
    corpus = make_corpus(examples, load_embedder(spec))
    result = []
    for train, test in folds(corpus, folds_n):
        part, held = subset(corpus, train), subset(corpus, test)
        ngrams = fit_ngrams(part.texts)
        svc = linear_model(params.c).fit(with_vectors(ngrams.fitted, part.vectors, params.vector_weight), part.labels)
        predicted = svc.predict(with_vectors(ngrams.transform(held.texts), held.vectors, params.vector_weight))
        result.append(float(f1_score(held.labels, predicted, average="macro")))
    return result


def format_report(result: dict[str, Any], cv: list[float] | None = None, title: str = "Triage evaluation") -> str:
    """Return the evaluation as Markdown (also fine as plain text in a terminal)."""
    m, b = result["model"], result["baseline"]
    lines = [f"# {title}", ""]
    lines += [
        f"Held-out examples: {m['n']}",
        "",
        "| | accuracy | macro-F1 |",
        "|---|---|---|",
        f"| model | {m['accuracy']:.3f} | {m['macro_f1']:.3f} |",
        f"| keyword baseline | {b['accuracy']:.3f} | {b['macro_f1']:.3f} |",
        f"| model, hard cases ({result['hard']['n']}) | {result['hard'].get('accuracy', 0):.3f} "
        f"| {result['hard'].get('macro_f1', 0):.3f} |",
        f"| baseline, hard cases | {result['hard_baseline'].get('accuracy', 0):.3f} "
        f"| {result['hard_baseline'].get('macro_f1', 0):.3f} |",
    ]
    for lang, s in result["by_language"].items():
        if s["n"]:
            lines.append(f"| model, {lang} ({s['n']}) | {s['accuracy']:.3f} | {s['macro_f1']:.3f} |")
    lines += [
        "",
        "## Per class",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label, s in m["per_class"].items():
        lines.append(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    for lang, s in result["by_language"].items():
        if not s["n"]:
            continue
        lines += [
            "",
            f"## Per class, {lang}",
            "",
            "| class | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        for label, c in s["per_class"].items():
            lines.append(f"| {label} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    lines += ["", "## Confusion matrix (rows: true, columns: predicted)", ""]
    lines += ["| | " + " | ".join(result["labels"]) + " |", "|---" * (len(result["labels"]) + 1) + "|"]
    for label, row in zip(result["labels"], result["confusion"], strict=True):
        lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    lines += [
        "",
        "## needs_human threshold",
        "",
        f"Threshold {result['threshold']:.3f} (chosen on the dev data) and the off-topic check answer "
        f"{result['answered_share']:.1%} of held-out cases at precision {result['answered_precision']:.3f}; "
        f"{result['off_topic_share']:.1%} are off topic.",
        "",
        "| threshold | answered | precision |",
        "|---|---|---|",
    ]
    for point in result["coverage_curve"]:
        lines.append(f"| {point['threshold']:.2f} | {point['answered']:.1%} | {point['precision']:.3f} |")
    if cv:
        lines += [
            "",
            f"## {len(cv)}-fold cross-validation on the training data",
            "",
            "macro-F1 per fold: " + ", ".join(f"{x:.3f}" for x in cv) + f" (mean {np.mean(cv):.3f})",
        ]
    return "\n".join(lines) + "\n"


def plot_confusion(result: dict[str, Any], path: Path) -> Path:
    """Draw the confusion matrix as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(5, 4.2), dpi=110)
    ConfusionMatrixDisplay(np.array(result["confusion"]), display_labels=result["labels"]).plot(
        ax=ax, cmap="Greens", colorbar=False
    )
    ax.set_title("Triage, held-out test set")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(result: dict[str, Any], reports_dir: Path, cv: list[float] | None = None) -> tuple[Path, Path]:
    """Write report.md and confusion-matrix.png into reports_dir; return both paths."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    png = plot_confusion(result, reports_dir / "confusion-matrix.png")
    md = reports_dir / "triage-report.md"
    md.write_text(format_report(result, cv) + "\n![Confusion matrix](confusion-matrix.png)\n", encoding="utf-8")
    return md, png
