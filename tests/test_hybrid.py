"""Hybrid search: section vectors in the index generation, fused with the lexical ranking."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import FIXTURE_KB, copy_kb

from kb_search import IndexHandle, IndexMissingError, SearchFilters, SectionIndex
from kb_search.build import build_site
from kb_search.dense import VECTORS_FILE
from kb_search.embedding import DEFAULT_SPEC, load_embedder
from kb_search.errors import KbSearchError
from kb_search.schema import INFO_FILE
from kb_search.synonyms import load_synonyms_text

# Words in no synonyms file and on no page: only their meaning can find the page.
SYNONYM = "Kassenzettel"  # the form page speaks of "Kassenbons"
ENGLISH_PARAPHRASE = "my boss must approve my absence"  # the German page "Urlaub beantragen"


def paths(result) -> list[str]:
    return [hit.path for hit in result.hits]


def test_a_word_in_no_synonyms_file_finds_its_page_by_meaning(kb_index):
    synonyms = (load_synonyms_text(None) + (FIXTURE_KB / "synonyms.txt").read_text(encoding="utf-8")).lower()
    assert SYNONYM.lower() not in synonyms
    assert kb_index.search(SYNONYM, hybrid=False).hits == []
    hits = kb_index.search(SYNONYM).hits
    assert hits[0].path == "howto/formulare.md"
    assert hits[0].snippet  # the section's start, as no word matched


def test_an_english_paraphrase_finds_the_german_page(kb_index):
    assert "howto/abwesenheit.md" not in paths(kb_index.search(ENGLISH_PARAPHRASE, hybrid=False))
    hit = kb_index.search(ENGLISH_PARAPHRASE).hits[0]
    assert (hit.path, hit.language) == ("howto/abwesenheit.md", "de")


@pytest.mark.parametrize("query", ["Pxpxr", "asdf qwer", "lorem ipsum dolor sit amet", "Quastenflosser"])
def test_nonsense_and_internal_words_find_nothing(kb_index, query):
    assert kb_index.search(query).hits == []


def test_filters_hold_for_hits_found_by_meaning(kb_index):
    assert paths(kb_index.search(SYNONYM, filters=SearchFilters(tags=("Vorlagen",)))) == ["howto/formulare.md"]
    other_tag = kb_index.search(SYNONYM, filters=SearchFilters(tags=("Rechnung",)))
    assert all("Rechnung" in hit.tags for hit in other_tag.hits)
    assert kb_index.search(ENGLISH_PARAPHRASE, filters=SearchFilters(language="en")).hits == []


def test_internal_pages_are_found_by_meaning_only_with_the_internal_audience(kb_index):
    query = "reset a licence with the console"
    public = kb_index.search(query, limit=10)
    assert "known-issues/intern-reset.md" not in paths(public)
    agents = kb_index.search(query, limit=10, filters=SearchFilters(audiences=("public", "internal")))
    assert paths(agents)[0] == "known-issues/intern-reset.md"


def test_the_generation_holds_its_vectors_and_names_their_embedder(built_kb, kb_index):
    generation = built_kb.stats.path
    info = json.loads((generation / INFO_FILE).read_text(encoding="utf-8"))
    embedder = load_embedder(DEFAULT_SPEC)
    assert info["embedder"]["spec"] == DEFAULT_SPEC
    assert info["embedder"]["fingerprint"] == embedder.fingerprint
    assert VECTORS_FILE in info["files"]  # checksummed with the Whoosh files
    with np.load(generation / VECTORS_FILE) as data:
        assert data["full"].shape == (kb_index.doc_count(), embedder.dimension)


@pytest.fixture(scope="module")
def lexical_kb(tmp_path_factory):
    """The fixture knowledge base built with `embedder: none` in its mkdocs.yml."""
    config = copy_kb(tmp_path_factory.mktemp("lexical") / "project", plugin={"embedder": "none"})
    return build_site(config)


def test_a_generation_without_embedder_searches_by_words(lexical_kb):
    assert not (lexical_kb.stats.path / VECTORS_FILE).exists()
    handle = IndexHandle(lexical_kb.state_dir / "index")
    try:
        index = handle.get()
        assert index.dense is None
        assert paths(index.search("Drucker druckt nicht"))[0] == "faq/drucker.md"
        assert index.search(SYNONYM).hits == []
    finally:
        handle.close()


def test_the_embedder_given_to_build_site_overrides_mkdocs_yml(tmp_path):
    config = copy_kb(tmp_path / "project", plugin={"embedder": DEFAULT_SPEC})
    built = build_site(config, embedder="none")
    assert json.loads((built.stats.path / INFO_FILE).read_text(encoding="utf-8"))["embedder"] == {"spec": "none"}


def test_an_unknown_embedder_is_one_clear_error(tmp_path):
    config = copy_kb(tmp_path / "project", plugin={"embedder": "word2vec"})
    with pytest.raises(KbSearchError, match="unknown embedder 'word2vec'") as raised:
        build_site(config)
    assert "\n" not in str(raised.value)


def test_a_generation_from_another_encoder_is_refused_with_a_message(built_kb, tmp_path):
    copy = tmp_path / "generation"
    shutil.copytree(built_kb.stats.path, copy)
    info = json.loads((copy / INFO_FILE).read_text(encoding="utf-8"))
    info["embedder"]["fingerprint"] = "use-multilingual-v3@0.0.1/600"
    (copy / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(IndexMissingError, match="rebuild the index"):
        SectionIndex(copy)


def test_a_generation_whose_embedder_is_not_installed_is_refused(built_kb, tmp_path):
    copy = tmp_path / "generation"
    shutil.copytree(built_kb.stats.path, copy)
    info = json.loads((copy / INFO_FILE).read_text(encoding="utf-8"))
    info["embedder"] = {**info["embedder"], "spec": f"sentence-transformers:{tmp_path / 'no-model'}"}
    (copy / INFO_FILE).write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(IndexMissingError, match="needs its embedder"):
        SectionIndex(copy)


def test_vectors_that_do_not_match_the_checksums_are_refused(built_kb, tmp_path):
    copy = tmp_path / "generation"
    shutil.copytree(built_kb.stats.path, copy)
    data = bytearray((copy / VECTORS_FILE).read_bytes())
    data[-100:-50] = b"\x00" * 50
    (copy / VECTORS_FILE).write_bytes(bytes(data))
    with pytest.raises(IndexMissingError, match=f"damaged \\({VECTORS_FILE}\\)"):
        SectionIndex(copy)


def test_healthz_names_the_embedder_of_the_index(client):
    assert client.get("/healthz").get_json()["index"]["embedder"] == DEFAULT_SPEC
