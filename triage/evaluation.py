"""Measure the triage model on held-out data, against a keyword baseline; write a report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_score

from triage.data import LABELS, Example
from triage.features import normalize_text
from triage.model import TriageModel, build_pipeline
from triage.training import CV_FOLDS, SEED, coverage_precision

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
    """Evaluate a fitted model (and the keyword baseline) on examples it was not fitted on."""
    predictions = model.predict_many([e.text for e in examples])
    y_true = [e.label for e in examples]
    y_pred = [p.category for p in predictions]
    baseline = [keyword_baseline(e.text) for e in examples]
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([t == p for t, p in zip(y_true, y_pred, strict=True)])
    answered, precision = coverage_precision(correct, confidence, model.threshold)
    curve = []
    for threshold in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        share, prec = coverage_precision(correct, confidence, threshold)
        curve.append({"threshold": threshold, "answered": share, "precision": prec})
    by_language = {}
    for lang in ("de", "en"):
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        by_language[lang] = scores([y_true[i] for i in idx], [y_pred[i] for i in idx])
    hard = [i for i, e in enumerate(examples) if e.hard]
    return {
        "model": scores(y_true, y_pred),
        "baseline": scores(y_true, baseline),
        "by_language": by_language,
        "hard": scores([y_true[i] for i in hard], [y_pred[i] for i in hard]),
        "hard_baseline": scores([y_true[i] for i in hard], [baseline[i] for i in hard]),
        "confusion": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist(),
        "labels": list(LABELS),
        "threshold": model.threshold,
        "answered_share": answered,
        "answered_precision": precision,
        "coverage_curve": curve,
    }


def cross_validate(examples: Sequence[Example], folds: int = CV_FOLDS) -> list[float]:
    """Return the macro-F1 of each fold of a stratified k-fold cross-validation on examples."""
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    result = cross_val_score(
        build_pipeline(), [e.text for e in examples], [e.label for e in examples], cv=cv, scoring="f1_macro"
    )
    return [float(x) for x in result]


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
        f"Threshold {result['threshold']:.3f} (chosen on cross-validated training predictions): answers "
        f"{result['answered_share']:.1%} of held-out cases at precision {result['answered_precision']:.3f}.",
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
