"""BM25Index's compiled scan of every posting of a query's sparse terms (retrieval/_scan.c)."""

from typing import Any

import numpy.typing as npt

def scan_top_k(
    starts: npt.NDArray[Any],
    ends: npt.NDArray[Any],
    slots: npt.NDArray[Any],
    idf: npt.NDArray[Any],
    ids: npt.NDArray[Any],
    counts: npt.NDArray[Any],
    dense_counts: npt.NDArray[Any],
    count_bytes: int,
    norm: npt.NDArray[Any],
    k1: float,
    scores: npt.NDArray[Any],
    touched: npt.NDArray[Any],
    k: int,
) -> list[tuple[int, float]]: ...
