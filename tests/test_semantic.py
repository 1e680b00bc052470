"""The semantic stage: vectors stored by text hash and model, embedding in the background, questions in any language."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from corpus import Corpus, load_corpus
from retrieval import semantic_stage
from retrieval.engine import AnswerEngine
from retrieval.passage_vectors import VectorStore
from retrieval.ranking_options import RankingOptions
from retrieval.semantic import Embedder, installed_embedder
from retrieval.semantic_stage import SemanticStage
from tests.cli_runner import run_quotebot
from tests.conftest import CARD_ANSWER

DATA = Path(__file__).parent / "data"


class Counting:
    """The installed model, counting the passages it is asked to embed (and, with `name`, posing as another)."""

    def __init__(self, name: str | None = None) -> None:
        model = installed_embedder()
        assert model is not None
        self.model: Embedder = model
        self.name = name or model.name
        self.version = model.version
        self.passages: list[str] = []

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.embed_questions(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages.extend(texts)
        return self.model.embed_passages(texts)


def test_a_store_embeds_only_new_and_changed_texts_and_never_reads_another_models(tmp_path: Path) -> None:
    first = Counting()
    before = VectorStore(tmp_path, first).vectors_for(["Kyiv is the capital.", "Crimea was annexed."])
    assert first.passages == ["Kyiv is the capital.", "Crimea was annexed."]
    again = Counting()
    after = VectorStore(tmp_path, again).vectors_for(["Crimea was annexed.", "Crimea was annexed in 2014."])
    assert again.passages == ["Crimea was annexed in 2014."]
    assert np.allclose(after[0], before[1], atol=1e-3) and after.shape == (2, before.shape[1])
    other = Counting(name="another-model")
    VectorStore(tmp_path, other).vectors_for(["Crimea was annexed."])
    assert other.passages == ["Crimea was annexed."]


def test_a_large_corpus_answers_with_bm25_while_its_vectors_are_made_in_the_background(
    tmp_path: Path, seed_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semantic_stage, "EMBED_BEFORE_START", 2)
    texts = [passage.text for passage in seed_corpus.passages]
    embedder = installed_embedder()
    assert embedder is not None
    stage = SemanticStage.prepare(texts, embedder, tmp_path)
    engine = AnswerEngine(seed_corpus, semantic=stage)
    early = engine.answer("What were Putin's three demands?")
    assert stage.wait(timeout=120) and engine.semantic_status == "ready"
    assert early.answered and CARD_ANSWER in early.results[0].quote
    late = engine.answer("Какие три требования выдвинул Путин?")
    assert late.results[0].cosine_rank == 1 and CARD_ANSWER in late.results[0].quote


def test_foreign_language_questions_find_their_passage_by_meaning(engine: AnswerEngine) -> None:
    lines = [json.loads(line) for line in (DATA / "seed_foreign_questions.jsonl").open(encoding="utf-8")]
    asked = [line for line in lines if line["gold"]]
    found = sum(engine.answer(line["q"]).results[0].passage.passage_id == line["passage"] for line in asked)
    without = AnswerEngine(engine.corpus, RankingOptions(semantic=0))
    alone = sum(
        bool(answer.results) and answer.results[0].passage.passage_id == line["passage"]
        for line in asked
        for answer in [without.answer(line["q"])]
    )
    assert found >= 2 * len(asked) // 3 > alone


# A paragraph too long to quote whole (over 450 characters); the bridge is its fifth sentence.
TOWN = (
    "The town of Marlow grew up around a market on the north bank in the twelfth century. "
    "Its abbey was dissolved in 1536 and most of its stones were carried off for new houses. "
    "Wool and later paper made the merchants rich, and the guild hall still stands on the square. "
    "A great fire in 1704 destroyed much of the old centre, which was rebuilt in brick. "
    "The iron bridge over the river was built in 1889 by the engineer Gustave Lenoir. "
    "Today the town is known for its rowing regatta, held every summer since 1855."
)


@pytest.mark.parametrize("question", ["Когда построили мост через реку?", "Коли збудували міст через річку?"])
def test_a_long_passage_is_quoted_from_its_sentences_nearest_a_question_in_another_language(
    tmp_path: Path, question: str
) -> None:
    # No word of the question is the passage's, so the quote used to be its first sentence alone.
    (tmp_path / "town.txt").write_text(f"title: Marlow\n\n{TOWN}\n\nThe village has a school.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    answer = AnswerEngine(corpus).answer(question)
    assert answer.answered and "built in 1889" in answer.results[0].quote
    assert answer.results[0].quote.removeprefix("… ") in TOWN
    without = AnswerEngine(corpus, RankingOptions(meaning_quotes=False, quote_meaning=0)).answer(question)
    assert "1889" not in without.results[0].quote


def test_quotebot_semantic_off_is_bm25_and_the_second_stage_alone(
    seed_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOTEBOT_SEMANTIC", "off")
    engine = AnswerEngine(seed_corpus)
    assert engine.semantic_status == "off" and engine.answer("Какие три требования выдвинул Путин?").results == []


def test_an_unknown_quotebot_semantic_is_a_one_line_error() -> None:
    run = run_quotebot("ask", "asdf", env={"QUOTEBOT_SEMANTIC": "maybe"})
    assert run.returncode == 1
    assert run.stderr.strip() == "quotebot: error: QUOTEBOT_SEMANTIC must be one of auto, on, off, not 'maybe'"


def test_with_the_cosine_in_bm25_counts_half_and_a_reworded_question_finds_its_passage(engine: AnswerEngine) -> None:
    question = "What did the Elysee chief say must be readied in Europe's relations with Moscow?"
    answer = "prepare its security architecture with Moscow"
    in_full = AnswerEngine(engine.corpus, RankingOptions(semantic_bm25=1.0))
    assert answer in engine.answer(question).results[0].quote
    assert answer not in in_full.answer(question).results[0].passage.text


def test_a_long_paragraph_whose_one_sentence_answers_ranks_above_a_passage_only_near_as_a_whole() -> None:
    # The harbour's history says in one of six sentences who brought the fishermen back from the rocks; the
    # storms passage is nearer the question as a whole, and the history's single vector blurs that sentence.
    corpus = DATA / "nearest_sentence"
    question = "Who saved the fishermen stranded on the rocks?"
    run = run_quotebot("ask", "--json", "--corpus", str(corpus), question)
    assert run.returncode == 0, run.stderr
    first = json.loads(run.stdout)["results"][0]
    assert first["passage_id"] == "harbour#p1" and "Ada Pryce" in first["quote"]
    whole_passages = AnswerEngine(load_corpus(corpus), RankingOptions(sentence_meaning=0)).answer(question)
    assert whole_passages.results[0].passage.passage_id == "coast#p1"


def test_a_long_passage_is_quoted_around_its_sentence_nearest_the_question_by_meaning() -> None:
    # "villager" is the only word of the question in the harbour's history, in the sentences about the village;
    # the one about Ada Pryce is nearest the question by meaning, and the quote now reaches it.
    corpus = DATA / "nearest_sentence"
    question = "Which villager saved the crews from drowning?"
    run = run_quotebot("ask", "--json", "--corpus", str(corpus), question)
    assert run.returncode == 0, run.stderr
    first = json.loads(run.stdout)["results"][0]
    assert first["passage_id"] == "harbour#p1" and "Ada Pryce" in first["quote"]
    by_words = AnswerEngine(load_corpus(corpus), RankingOptions(quote_meaning=0)).answer(question)
    assert by_words.results[0].passage.passage_id == "harbour#p1" and "Ada Pryce" not in by_words.results[0].quote
