"""Snippets (kb_search.snippets): the best window of a section, HTML-escaped, matching words in <mark>."""

from __future__ import annotations

import re

import pytest

from kb_search.analysis import Analyzer
from kb_search.snippets import make_snippet

FILLER = " ".join(f"wort{i}" for i in range(100))


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_words_whose_terms_matched_are_marked(analyzer):
    # "Drucker" has the term "druck"; "druckt" has the term "druckt", which did not match.
    assert make_snippet("Der Drucker druckt nicht.", "de", analyzer, {"druck"}) == (
        "Der <mark>Drucker</mark> druckt nicht."
    )


def test_marking_follows_the_texts_language(analyzer):
    # In English "printing" has the term "print"; read as German it keeps its own form.
    assert make_snippet("The printing failed.", "en", analyzer, {"print"}) == "The <mark>printing</mark> failed."
    assert "<mark>" not in make_snippet("The printing failed.", "de", analyzer, {"print"})


def test_markup_in_the_text_is_escaped_and_only_mark_is_markup(analyzer):
    text = 'Fügen Sie <script>alert("x")</script> & <b>fett</b> ein.'
    snippet = make_snippet(text, "de", analyzer, {"script"})
    assert snippet == (
        "Fügen Sie &lt;<mark>script</mark>&gt;alert(&quot;x&quot;)&lt;/<mark>script</mark>&gt;"
        " &amp; &lt;b&gt;fett&lt;/b&gt; ein."
    )
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_a_text_without_words_is_escaped_too(analyzer):
    assert make_snippet("<<< >>> &&&", "de", analyzer, {"x"}) == "&lt;&lt;&lt; &gt;&gt;&gt; &amp;&amp;&amp;"


def test_the_window_moves_to_the_matches_and_says_what_it_cut(analyzer):
    snippet = make_snippet(f"{FILLER} Drucker am Ende.", "de", analyzer, {"druck"}, words=10)
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "<mark>Drucker</mark>" in snippet
    assert len(re.findall(r"[^\W_]+", re.sub(r"</?mark>", "", snippet))) == 10


def test_the_window_with_most_matches_wins(analyzer):
    text = f"Drucker {FILLER} Drucker Drucker Drucker {FILLER}"
    snippet = make_snippet(text, "de", analyzer, {"druck"}, words=5)
    assert snippet.count("<mark>Drucker</mark>") == 3


def test_without_a_match_the_section_starts_the_snippet(analyzer):
    snippet = make_snippet(FILLER, "de", analyzer, set(), words=3)
    assert snippet == "wort0 wort1 wort2 …"
