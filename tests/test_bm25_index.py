"""BM25Index must rank exactly as rank-bm25's BM25Okapi does, and survive a round trip through its file."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

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
    path = tmp_path / "bm25.npz"
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


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    BM25Index([["vote"]]).save(path, "other")
    assert BM25Index.load(path).fingerprint == "other"
    assert [p.name for p in tmp_path.iterdir()] == ["bm25.npz"]


def test_truncated_file_raises_index_file_error(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    data = path.read_bytes()
    for length in (0, 1, 10, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:length])
        with pytest.raises(IndexFileError):
            BM25Index.load(path)


def test_garbage_file_raises_index_file_error(tmp_path: Path) -> None:
    path = tmp_path / "bm25.npz"
    path.write_bytes(random.Random(7).randbytes(5000))
    with pytest.raises(IndexFileError):
        BM25Index.load(path)


def test_missing_file_raises_index_file_error(tmp_path: Path) -> None:
    with pytest.raises(IndexFileError):
        BM25Index.load(tmp_path / "absent.npz")


def test_other_npz_files_raise_index_file_error(tmp_path: Path) -> None:
    path = tmp_path / "bm25.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(IndexFileError):
        BM25Index.load(path)
    np.savez(path, weights=np.array([{"pickled": True}], dtype=object))
    with pytest.raises(IndexFileError):
        BM25Index.load(path)


def test_other_format_version_raises_index_file_error(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    with np.load(path) as saved:
        arrays = dict(saved)
    arrays["format_version"] = np.array(arrays["format_version"] + 1)
    np.savez(path, **arrays)
    with pytest.raises(IndexFileError):
        BM25Index.load(path)


def test_inconsistent_arrays_raise_index_file_error(tmp_path: Path) -> None:
    _, path = _saved_index(tmp_path)
    with np.load(path) as saved:
        arrays = dict(saved)
    arrays["indices"] = arrays["indices"] + 100
    np.savez(path, **arrays)
    with pytest.raises(IndexFileError):
        BM25Index.load(path)


@settings(max_examples=100, deadline=None)
@given(position=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255))
def test_any_damaged_byte_is_refused_or_harmless(
    tmp_path_factory: pytest.TempPathFactory, position: float, flip: int
) -> None:
    index, path = _saved_index(tmp_path_factory.mktemp("damaged"))
    data = bytearray(path.read_bytes())
    data[int(position * len(data))] ^= flip
    path.write_bytes(bytes(data))
    query = ["river", "école", "bridge", "vote", "mayor"]
    try:
        loaded = BM25Index.load(path)
    except IndexFileError:
        return
    assert loaded.fingerprint == FINGERPRINT
    assert loaded.get_scores(query).tolist() == index.get_scores(query).tolist()
