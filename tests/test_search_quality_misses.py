"""bench/search_quality.py --show-misses: which queries Level0 does not answer first, and why."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from rich.console import Console

BENCH = Path(__file__).resolve().parent.parent / "bench" / "search_quality.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("search_quality_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_misses_list_hybrid_and_words_only_ranks():
    sq = load_bench()
    queries = [
        sq.Query(id="a1", text="found first", relevant=["a.md"], kind="keyword"),
        sq.Query(id="b1", text="found second", relevant=["b.md"], kind="symptom"),
        sq.Query(id="c1", text="not found", relevant=["c.md"], kind="paraphrase"),
    ]
    level0 = {"results": [{"pages": ["a.md"]}, {"pages": ["x.md", "b.md"]}, {"pages": []}]}
    words = {"results": [{"pages": ["a.md"]}, {"pages": ["b.md"]}, {"pages": ["y.md", "z.md", "c.md"]}]}
    console = Console(record=True, width=200)
    sq.print_misses(console, queries, level0, words)
    out = console.export_text()
    assert "2 of 3 queries" in out
    assert "a1" not in out
    assert "b1 symptom: hybrid 2, words 1: found second" in out
    assert "top x.md, b.md" in out
    assert "c1 paraphrase: hybrid —, words 3: not found" in out
    assert "(no hits)" in out
