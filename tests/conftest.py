"""Fixtures shared by the whole suite: the seed corpus and an engine built over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus import Corpus, load_corpus
from retrieval.engine import AnswerEngine
from tests.telegram_emulator import TelegramEmulator

REPOSITORY = Path(__file__).resolve().parent.parent
SEEDS = REPOSITORY / "seeds"
SEED_FILE = SEEDS / "000_f1d616dfc469d761.txt"
CARD_QUESTION = "What were Putin's three demands?"
CARD_ANSWER = (
    "no more NATO enlargement, no more missile deployments near its borders, and a reduction in "
    "NATO’s military infrastructure to 1997 levels"
)


@pytest.fixture(scope="session")
def seed_corpus() -> Corpus:
    return load_corpus(SEEDS)


@pytest.fixture(scope="session")
def engine(seed_corpus: Corpus) -> AnswerEngine:
    return AnswerEngine(seed_corpus)


@pytest.fixture
def emulator() -> Iterator[TelegramEmulator]:
    """A fresh Bot API emulator on 127.0.0.1 per test."""
    with TelegramEmulator() as running:
        yield running
