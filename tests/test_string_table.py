"""Saved string tables give every string back and count it right, however often they are asked."""

from __future__ import annotations

import pytest

from retrieval import string_table
from retrieval.string_table import CountTable


def test_counts_stay_right_when_asked_again_and_after_the_table_forgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(string_table, "KEY_MEMORY", 3)
    counts = {"the ": 90, "what": 40, "rive": 3, "école"[:4]: 1}
    table = CountTable.build(counts)
    asked = [["what", "rive", "what"], ["the ", "none", "écol"], ["rive", "what", "the ", "none"], []]
    for keys in asked * 2:
        expected = [counts.get(key, 0) for key in keys]
        assert table.counts_of(keys) == expected
        assert table.counts_of(keys, remember=False) == expected
