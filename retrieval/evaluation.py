"""Measuring answer quality on questions with known answers, for our engine and the plain BM25 baseline alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from corpus.loader import Corpus
from corpus.model import Passage
from retrieval.baseline import BaselineRanker
from retrieval.engine import Answer, AnswerEngine
from retrieval.eval_sets import EvalDialogue, EvalGroup, EvalQuestion
from retrieval.followup import Previous, answer_in_context
from retrieval.passage_vectors import shared_store_directory
from retrieval.refusal import Signals

# Ranks are looked at this deep: MRR is MRR@10, and a right passage below it counts as not found.
RANK_DEPTH = 10


class Miss(StrEnum):
    """What went wrong with one question, as listed for review."""

    REFUSED = "refused"
    WRONG_PASSAGE = "wrong passage first"
    QUOTE_LACKS_GOLD = "right passage, but the quote leaves the answer out"
    ANSWERED_OFF_TOPIC = "answered a question the sources don't cover"
    ANSWERED_OTHER_CORPUS = "answered another corpus's question"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one question fared. `answered` and `quote_hit` are None for a ranker that never refuses or quotes.

    `signals` and `confidence` are what the refusal rule saw and said (None for the baseline, or no candidate).
    """

    question: EvalQuestion
    rank: int | None
    answered: bool | None
    quote_hit: bool | None
    top_passage: str | None
    top_quote: str | None
    signals: Signals | None = None
    confidence: float | None = None

    @property
    def miss(self) -> Miss | None:
        if not self.question.answerable:
            if not self.answered:
                return None
            return Miss.ANSWERED_OTHER_CORPUS if self.question.other_corpus else Miss.ANSWERED_OFF_TOPIC
        if self.answered is False:
            return Miss.REFUSED
        if self.rank != 1:
            return Miss.WRONG_PASSAGE
        if self.quote_hit is False:
            return Miss.QUOTE_LACKS_GOLD
        return None


@dataclass(frozen=True, slots=True)
class Scores:
    """Counts over a question set; the shares are over answerable questions, refusals over unanswerable ones.

    `unanswerable` and `refused` count off-topic questions; `other_corpus` and `other_refused` the
    questions borrowed from another corpus of the set.
    """

    answerable: int
    unanswerable: int
    top1: int
    top3: int
    reciprocal_ranks: float
    answered: int | None
    quote_hits: int | None
    correct: int | None
    refused: int | None
    other_corpus: int = 0
    other_refused: int | None = None

    def share(self, count: int | None) -> float | None:
        return None if count is None else count / self.answerable if self.answerable else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.answerable if self.answerable else 0.0


@dataclass(frozen=True, slots=True)
class DialogueOutcome:
    """One dialogue: its first turn, and every later turn asked in the conversation and asked on its own."""

    dialogue: EvalDialogue
    first: Outcome
    in_context: tuple[Outcome, ...]
    alone: tuple[Outcome, ...]
    # How each later turn was read with the context ("When did Putin say that — three demands?"), None: as asked.
    readings: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Both rankers' outcomes on the same questions, in the same order; our engine's on the dialogues."""

    baseline: list[Outcome]
    ours: list[Outcome]
    passages: int
    corpora: int
    dialogues: list[DialogueOutcome] = field(default_factory=list)

    def follow_ups(self, in_context: bool) -> list[Outcome]:
        """Every later turn of every dialogue, asked in its conversation or on its own."""
        return [o for d in self.dialogues for o in (d.in_context if in_context else d.alone)]


def evaluate(
    groups: Iterable[EvalGroup], engine_factory: Callable[[Corpus], AnswerEngine] = AnswerEngine
) -> Evaluation:
    """Answer every question with our engine and rank it with the baseline, corpus by corpus."""
    baseline: list[Outcome] = []
    ours: list[Outcome] = []
    dialogues: list[DialogueOutcome] = []
    passages = corpora = 0
    for group in groups:
        engine = engine_factory(group.corpus)
        if engine.semantic is not None:
            engine.semantic.wait()
            engine.semantic.know_questions([question.text for question in group.questions], shared_store_directory())
        ranker = BaselineRanker([passage.text for passage in group.corpus.passages])
        answers = engine.answer_batch([question.text for question in group.questions], top=RANK_DEPTH)
        for question, answer in zip(group.questions, answers, strict=True):
            ours.append(_engine_outcome(answer, question))
            baseline.append(_baseline_outcome(ranker, group.corpus.passages, question))
        dialogues.extend(_dialogue_outcome(engine, dialogue) for dialogue in group.dialogues)
        passages += len(group.corpus.passages)
        corpora += 1
    return Evaluation(baseline, ours, passages, corpora, dialogues)


def score(outcomes: Sequence[Outcome]) -> Scores:
    """Top-1, top-3, MRR@10 and, where the ranker has them, answered share, quote hits and refusals."""
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable and not o.question.other_corpus]
    borrowed = [o for o in outcomes if o.question.other_corpus]
    judged = all(o.answered is not None for o in outcomes)
    return Scores(
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        top1=sum(o.rank == 1 for o in answerable),
        top3=sum(o.rank is not None and o.rank <= 3 for o in answerable),
        reciprocal_ranks=sum(1 / o.rank for o in answerable if o.rank),
        answered=sum(bool(o.answered) for o in answerable) if judged else None,
        quote_hits=sum(bool(o.quote_hit) for o in answerable) if judged else None,
        correct=sum(o.miss is None for o in answerable) if judged else None,
        refused=sum(not o.answered for o in unanswerable) if judged else None,
        other_corpus=len(borrowed),
        other_refused=sum(not o.answered for o in borrowed) if judged else None,
    )


def is_right(passage: Passage, question: EvalQuestion) -> bool:
    """The right passage: SQuAD's own paragraph when the question names one, else any holding a gold string."""
    if question.gold is None:
        return False
    if question.gold_passage is not None:
        return passage.passage_id == question.gold_passage
    return any(gold in passage.text for gold in question.gold)


def _dialogue_outcome(engine: AnswerEngine, dialogue: EvalDialogue) -> DialogueOutcome:
    """Ask the turns in one conversation, as the bot does; then each later turn again, on its own."""
    previous: Previous | None = None
    outcomes: list[Outcome] = []
    readings: list[str | None] = []
    for turn in dialogue.turns:
        reading = answer_in_context(engine, turn.text, previous, top=RANK_DEPTH)
        outcomes.append(_engine_outcome(reading.answer, turn))
        readings.append(reading.reading)
        previous = (previous or Previous()).after(reading)
    alone = tuple(_engine_outcome(engine.answer(turn.text, top=RANK_DEPTH), turn) for turn in dialogue.turns[1:])
    return DialogueOutcome(dialogue, outcomes[0], tuple(outcomes[1:]), alone, tuple(readings[1:]))


def _engine_outcome(answer: Answer, question: EvalQuestion) -> Outcome:
    best = answer.results[0] if answer.results else None
    quote_hit = bool(
        best and question.gold and is_right(best.passage, question) and any(g in best.quote for g in question.gold)
    )
    return Outcome(
        question=question,
        rank=_first_right([r.passage for r in answer.results], question),
        answered=answer.answered,
        quote_hit=quote_hit,
        top_passage=best.passage.passage_id if best else None,
        top_quote=best.quote if best else None,
        signals=answer.signals,
        confidence=answer.confidence,
    )


def _baseline_outcome(ranker: BaselineRanker, passages: Sequence[Passage], question: EvalQuestion) -> Outcome:
    ranked = [passages[i] for i in ranker.rank(question.text)[:RANK_DEPTH]]
    return Outcome(question, _first_right(ranked, question), None, None, ranked[0].passage_id, None)


def _first_right(passages: Sequence[Passage], question: EvalQuestion) -> int | None:
    return next((rank for rank, passage in enumerate(passages, start=1) if is_right(passage, question)), None)
