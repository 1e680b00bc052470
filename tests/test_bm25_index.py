"""BM25Index must rank exactly as rank-bm25's BM25Okapi does, and survive a round trip through its file."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from retrieval import bm25_index
from retrieval.array_store import write_arrays
from retrieval.bm25_index import BM25Index, IndexFileError

TERMS = ["river", "bridge", "mayor", "vote", "école", "a"]
terms = st.sampled_from(TERMS)
unknown_terms = st.sampled_from(["never", "seen", ""])
# At least one token somewhere: rank-bm25 itself divides by zero on a corpus without any.
corpora = st.lists(st.lists(terms, max_size=8), min_size=1, max_size=12).filter(lambda corpus: any(corpus))
queries = st.lists(st.one_of(terms, terms, unknown_terms), max_size=7)
# b stays below 1: at b == 1 rank-bm25 scores empty passages 0/0 = NaN, where this index scores 0.
parameters = st.fixed_dictionaries(
    {
        "k1": st.floats(0.1, 3.0),
        "b": st.floats(0.0, 0.99),
        "epsilon": st.floats(-1.0, 1.0),
    }
)

FINGERPRINT = "corpus:3f2a tokenizer:1"


def expected_top_k(scores: np.ndarray, k: int) -> list[int]:
    """Best first, equal scores by lower passage index."""
    return np.argsort(-scores, kind="stable")[:k].tolist()


@settings(max_examples=200, deadline=None)
@given(corpus=corpora, query=queries, params=parameters)
@example(corpus=[["river"]], query=["river", "mayor"], params={"k1": 1.5, "b": 0.75, "epsilon": 0.25})
@example(corpus=[["river"], ["bridge"]], query=["river"], params={"k1": 1.5, "b": 0.75, "epsilon": 0.25})
@example(
    corpus=[["river", "bridge"], ["river"], []],
    query=["river", "river", "bridge", "never"],
    params={"k1": 1.5, "b": 0.75, "epsilon": 0.25},
)
def test_scores_match_rank_bm25(corpus: list[list[str]], query: list[str], params: dict[str, float]) -> None:
    expected = BM25Okapi(corpus, **params).get_scores(query)
    scores = BM25Index(corpus, **params).get_scores(query)
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(corpus=corpora, query=queries, k=st.integers(0, 15))
def test_top_k_matches_rank_bm25_order(corpus: list[list[str]], query: list[str], k: int) -> None:
    expected_scores = BM25Okapi(corpus).get_scores(query)
    top = BM25Index(corpus).top_k(query, k)
    assert [passage for passage, _ in top] == expected_top_k(expected_scores, k)
    np.testing.assert_allclose([score for _, score in top], expected_scores[[p for p, _ in top]], rtol=0, atol=1e-9)


def _large_corpus() -> list[list[str]]:
    """Enough passages that ranking narrows candidates before sorting, with many exact ties."""
    rng = random.Random(20240611)
    vocabulary = [f"w{i}" for i in range(400)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    templates = [rng.choices(vocabulary, weights, k=rng.randint(3, 30)) for _ in range(1500)]
    # Every template appears twice or more, so equal scores at different indices are common.
    return [list(rng.choice(templates)) for _ in range(6000)] + [[] for _ in range(50)]


LARGE_CORPUS = _large_corpus()
LARGE_OKAPI = BM25Okapi(LARGE_CORPUS)
LARGE_INDEX = BM25Index(LARGE_CORPUS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=st.lists(st.sampled_from([f"w{i}" for i in range(420)]), min_size=0, max_size=6),
    k=st.sampled_from([1, 3, 10, 100, 3000]),
)
@example(query=["w399"], k=100)
@example(query=["w0", "w0", "w1"], k=10)
@example(query=[], k=10)
def test_large_corpus_top_k_matches_rank_bm25(query: list[str], k: int) -> None:
    expected_scores = LARGE_OKAPI.get_scores(query)
    np.testing.assert_allclose(LARGE_INDEX.get_scores(query), expected_scores, rtol=0, atol=1e-9)
    top = LARGE_INDEX.top_k(query, k)
    assert [passage for passage, _ in top] == expected_top_k(expected_scores, k)


# Settings that make BM25Index rank by one way only: as it chooses (a query of sparse terms only by the compiled
# scan, where it was built), every posting scanned in numpy, MaxScore, every passage scored.
RANKING_WAYS = {
    "default": {},
    "scanned": {"SCAN_ALL": 10**9, "_scan": None},
    "pruned": {"SCAN_ALL": 0, "POSTING_COST": 0, "LOOKUP_COST": 0, "DENSE_LOOKUP_COST": 0, "_scan": None},
    "exhaustive": {"SCAN_ALL": 0, "POSTING_COST": 10**9, "SCAN_POSTING_COST": 10**9, "_scan": None},
}


@pytest.mark.parametrize("way", RANKING_WAYS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=st.lists(st.sampled_from([f"w{i}" for i in range(420)]), min_size=1, max_size=8),
    k=st.sampled_from([1, 10, 100, 3000]),
)
@example(query=["w0", "w0", "w1"], k=10)
@example(query=["w399", "w1", "w2"], k=10)
def test_every_way_of_ranking_matches_rank_bm25(way: str, query: list[str], k: int) -> None:
    expected_scores = LARGE_OKAPI.get_scores(query)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in RANKING_WAYS[way].items():
            patch.setattr(bm25_index, name, value)
        top = LARGE_INDEX.top_k(query, k)
    assert [passage for passage, _ in top] == expected_top_k(expected_scores, k)
    assert [score for _, score in top] == expected_scores[[passage for passage, _ in top]].tolist()


def test_top_k_returns_every_passage_when_k_exceeds_corpus() -> None:
    index = BM25Index([["river"], ["bridge"], ["river", "river"], ["vote"], ["mayor"]])
    assert [passage for passage, _ in index.top_k(["river"], 10)] == [2, 0, 1, 3, 4]
    assert index.top_k(["river"], 0) == []


def test_len_counts_passages_including_empty_ones() -> None:
    assert len(BM25Index([["river"], [], ["bridge"]])) == 3


def test_empty_corpus_is_refused() -> None:
    with pytest.raises(ValueError):
        BM25Index([])


def test_corpus_without_tokens_scores_zero() -> None:
    index = BM25Index([[], []])
    assert index.get_scores(["river"]).tolist() == [0.0, 0.0]
    assert index.top_k(["river"], 5) == [(0, 0.0), (1, 0.0)]


def _saved_index(tmp_path: Path) -> tuple[BM25Index, Path]:
    index = BM25Index(
        [["river", "bridge", "école"], ["bridge", "vote"], [], ["river", "river", "mayor"]], k1=1.2, b=0.6
    )
    path = tmp_path / "bm25"
    index.save(path, FINGERPRINT)
    return index, path


def test_save_load_round_trip_keeps_scores_and_fingerprint(tmp_path: Path) -> None:
    index, path = _saved_index(tmp_path)
    loaded = BM25Index.load(path)
    assert loaded.fingerprint == FINGERPRINT
    assert (loaded.k1, loaded.b, loaded.epsilon) == (1.2, 0.6, 0.25)
    assert len(loaded) == len(index)
    query = ["river", "école", "bridge", "vote", "mayor", "never"]
    assert loaded.get_scores(query).tolist() == index.get_scores(query).tolist()
    assert loaded.top_k(query, 3) == index.top_k(query, 3)
    assert loaded.document_frequency("river") == 2 and "école" in loaded and "never" not in loaded


def test_a_loaded_index_is_mapped_not_read(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    arrays = BM25Index.load(path).arrays()
    assert arrays and all(isinstance(array.base, np.memmap) for array in arrays.values())
    assert all(not array.flags.writeable for array in arrays.values())


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler here: numpy scans instead")
def test_the_compiled_scan_is_built_where_a_compiler_is() -> None:
    # setup.py builds it as optional, so a broken build would otherwise go unseen, only slower.
    assert bm25_index._scan is not None


def test_top_k_batch_answers_every_query_in_order_on_every_core() -> None:
    queries = [[f"w{(7 * n) % 420}", f"w{n % 37}"] for n in range(150)]
    expected = [LARGE_INDEX.top_k(query, 10) for query in queries]
    assert LARGE_INDEX.top_k_batch(queries, 10, processes=2) == expected
    assert LARGE_INDEX.top_k_batch(queries[:3], 10) == expected[:3]


def test_truncated_file_raises_index_file_error(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    for array_file in sorted(path.glob("*.npy")):
        data = array_file.read_bytes()
        for length in (0, 10, len(data) // 2, len(data) - 1):
            array_file.write_bytes(data[:length])
            with pytest.raises(IndexFileError):
                BM25Index.load(path)
        array_file.write_bytes(data)
    BM25Index.load(path)


def test_garbage_manifest_raises_index_file_error(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    for garbage in (random.Random(7).randbytes(500), b"{}", b'{"meta": {}, "arrays": []}', b"[1, 2]"):
        (path / "arrays.json").write_bytes(garbage)
        with pytest.raises(IndexFileError):
            BM25Index.load(path)


def test_missing_folder_or_file_raises_index_file_error(tmp_path: Path) -> None:
    with pytest.raises(IndexFileError):
        BM25Index.load(tmp_path / "absent")
    _, path = _saved_index(tmp_path)
    (path / "bm25.ids.npy").unlink()
    with pytest.raises(IndexFileError):
        BM25Index.load(path)


def test_other_format_version_raises_index_file_error(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    index = BM25Index.load(path)
    meta = index.meta(FINGERPRINT)
    meta["bm25_format"] += 1
    write_arrays(tmp_path / "newer", index.arrays(), meta)
    with pytest.raises(IndexFileError):
        BM25Index.load(tmp_path / "newer")


def test_arrays_that_do_not_fit_together_raise_index_file_error(tmp_path: Path) -> None:
    index, _ = _saved_index(tmp_path)
    arrays = index.arrays()
    arrays["bm25.indptr"] = arrays["bm25.indptr"][:-1]
    write_arrays(tmp_path / "inconsistent", arrays, index.meta(FINGERPRINT))
    with pytest.raises(IndexFileError):
        BM25Index.load(tmp_path / "inconsistent")


@settings(max_examples=100, deadline=None)
@given(position=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255), which=st.integers(0, 20))
def test_any_damaged_byte_is_refused_or_harmless(
    tmp_path_factory: pytest.TempPathFactory, position: float, flip: int, which: int
) -> None:
    index, path = _saved_index(tmp_path_factory.mktemp("damaged"))
    files = sorted(path.iterdir())
    damaged = files[which % len(files)]
    data = bytearray(damaged.read_bytes())
    data[int(position * len(data))] ^= flip
    damaged.write_bytes(bytes(data))
    query = ["river", "école", "bridge", "vote", "mayor"]
    try:
        loaded = BM25Index.load(path)
    except IndexFileError:
        return
    assert loaded.fingerprint == FINGERPRINT
    assert loaded.get_scores(query).tolist() == index.get_scores(query).tolist()


def test_an_index_that_has_forgotten_the_terms_it_looked_up_scores_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bm25_index, "TERM_MEMORY", 2)
    corpus = [["river", "bridge"], ["mayor", "vote", "river"], ["école"], ["bridge", "bridge", "a"]]
    index, expected = BM25Index(corpus), BM25Okapi(corpus)
    for query in (["river", "bridge", "mayor"], ["vote"], ["river", "never", "river"], ["river", "bridge", "mayor"]):
        np.testing.assert_allclose(index.get_scores(query), expected.get_scores(query), rtol=0, atol=1e-9)
        assert index.best_possible(query) == BM25Index(corpus).best_possible(query)
