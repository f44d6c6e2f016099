"""German compound splitting (kb_search.compounds): parts from a dictionary, linking elements, endings."""

from __future__ import annotations

import pytest

from kb_search.analysis import fold_german
from kb_search.compounds import MIN_PART, MIN_WORD, CompoundSplitter, bundled_words

WORDS = ["druck", "einstellung", "rechnung", "vorlage", "schule", "buch", "lager", "bestand", "mahnung", "stufe"]


@pytest.fixture(scope="module")
def splitter() -> CompoundSplitter:
    return CompoundSplitter(WORDS)


@pytest.mark.parametrize(
    ("compound", "parts"),
    [
        ("lagerbestand", ("lager", "bestand")),  # plain
        ("rechnungsvorlage", ("rechnung", "vorlage")),  # linking -s-
        ("druckeinstellungen", ("druck", "einstellung")),  # inflected head
        ("mahnungsstufen", ("mahnung", "stufe")),  # linking -s- and inflected head
        ("schulbuch", ("schule", "buch")),  # "schul" stands for "schule"
    ],
)
def test_compounds_split_into_dictionary_words(splitter, compound, parts):
    assert splitter.parts(compound) == parts


@pytest.mark.parametrize(
    "word",
    [
        "drucker",  # a dictionary word plus an ending, not a compound
        "rechnung",  # a dictionary word itself
        "druckwerk",  # "werk" is not in the dictionary
        "buchlager"[: MIN_WORD - 1],  # shorter than a compound can be
        "druck2lager",  # not letters only
    ],
)
def test_words_that_are_not_compounds_of_known_parts_stay_whole(splitter, word):
    assert splitter.parts(word) == ()
    assert splitter.split(word) == ()


def test_split_adds_the_parts_of_parts():
    splitter = CompoundSplitter(["rechnungsvorlage", "rechnung", "vorlage", "druck"])
    # The longest parts win ("rechnungsvorlage" + "druck"), then the long part is split too.
    assert splitter.parts("rechnungsvorlagendruck") == ("rechnungsvorlage", "druck")
    assert splitter.split("rechnungsvorlagendruck") == ("rechnungsvorlage", "druck", "rechnung", "vorlage")


def test_parts_shorter_than_the_minimum_are_never_used():
    short = "ab"
    assert len(short) < MIN_PART
    splitter = CompoundSplitter([short, "lager"])
    assert short not in splitter.words
    assert splitter.parts("ablager") == ()


def test_the_bundled_dictionary_is_folded_german_words():
    words = bundled_words()
    assert {"rechnung", "druck", "drucker"} <= set(words)
    # Folded as query and text words are, or a part would never match: "prüfung" must be "prufung".
    assert [w for w in words if fold_german(w) != w or not w.isalpha()] == []
