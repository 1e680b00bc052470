"""The answer engine: BM25 finds candidates, a second stage re-ranks them, a fitted rule decides whether to answer."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property, partial

import numpy as np

from corpus.loader import Corpus
from corpus.model import Passage
from retrieval.char_grams import GramRarity, grams_of_words
from retrieval.context import TOPIC_REPEAT, TOPIC_WEIGHT, Context
from retrieval.cues import answer_cue
from retrieval.date_rank import by_date
from retrieval.dates import DateMention, resolve_dates
from retrieval.expansion import Concept, Form, QueryExpander, load_synonyms
from retrieval.language import guess_language
from retrieval.parallel import parallel_imap
from retrieval.passage_terms import PassageTermsCache
from retrieval.passage_vectors import shared_store_directory
from retrieval.question_dates import TimeFocus, question_focus
from retrieval.quote import QUOTE_MAX_CHARS, select_quote
from retrieval.ranking_options import RankingOptions
from retrieval.refusal import RefusalRule, Signals, shipped_rule
from retrieval.rerank import COSINE_UNIT, Ranked, WeightedQuery, rerank, sentence_scores
from retrieval.saved_corpus import dated, passage_numbers, passage_texts, saved_sentences
from retrieval.search_index import SearchIndex
from retrieval.semantic_stage import SemanticStage, stage_for
from retrieval.taught import Lesson, Signature, TaughtAnswers, signature
from retrieval.tokens import words
from retrieval.word_frequency import FRAME_ZIPF, rarity_factor, zipf

# BM25's best this many passages go on to the second stage (15, 30 and 50 gave the same SQuAD top-1).
DEFAULT_OPTIONS = RankingOptions()
RERANK_DEPTH = 20
# The semantic stage's nearest this many passages join BM25's candidates.
SEMANTIC_DEPTH = 20
# The language the sources are written in (stemming, stop words and word frequencies are English).
CORPUS_LANGUAGE = "en"


class Refusal(StrEnum):
    """Why a question got no quote, so each front end can say it in its own words."""

    NO_TERMS = "no_terms"
    NOT_COVERED = "not_covered"


@dataclass(frozen=True, slots=True)
class Result:
    """One ranked passage, the verbatim words quoted from it, and the relative dates those words mention.

    `cosine` is the semantic stage's cosine of the question with the passage and `cosine_rank` the
    passage's place among all by cosine (1: the nearest); both None when the stage did not run.
    """

    passage: Passage
    quote: str
    score: float
    coverage: float
    dates: tuple[DateMention, ...] = field(default=())
    cosine: float | None = None
    cosine_rank: int | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's reply: the ranked results, and whether the first one may be shown as the answer.

    `confidence` is the refusal rule's probability that the first result is right; `signals` what it was
    computed from (both None when there was nothing to rank).
    """

    question: str
    results: list[Result]
    refusal: Refusal | None
    confidence: float | None = None
    signals: Signals | None = None

    @property
    def answered(self) -> bool:
        return self.refusal is None


class AnswerEngine:
    """Holds the index over one corpus; build once, answer many questions."""

    def __init__(
        self,
        corpus: Corpus,
        options: RankingOptions = DEFAULT_OPTIONS,
        index: SearchIndex | None = None,
        semantic: SemanticStage | None = None,
        refusal: RefusalRule | None = None,
    ) -> None:
        """`index` is the saved SearchIndex of these passages when there is one; otherwise it is built here.

        `semantic` is the stage over these passages when the caller has one (a saved index's); otherwise,
        when `options.semantic` is on, the one QUOTEBOT_SEMANTIC asks for, with vectors in the shared store.
        `refusal` is the rule deciding whether to answer (default: the shipped one, data/refusal.json).
        """
        self.corpus = corpus
        self.options = options
        self.refusal = refusal or shipped_rule()
        # Quotes are always cut at the best sentences, whether or not that also decides the ranking.
        self._quote_options = replace(options, sentence=1.0)
        self._texts = passage_texts(corpus.passages)
        self._index = index or SearchIndex.build(self._texts)
        self._bm25 = self._index.bm25
        self._gram_rarity = GramRarity(self._index.gram_counts, len(self._texts))
        self._passages = PassageTermsCache(self._texts, saved_sentences(corpus.passages))
        self._expander = QueryExpander(
            self._index.word_counts,
            synonyms=load_synonyms() if options.synonyms else [],
            numbers=options.numbers,
            typos=options.typos,
            inflections=options.inflections,
            known_terms=self._bm25.__contains__,
        )
        self.taught = TaughtAnswers()
        self._dated: bool | None = None
        if semantic is None and options.semantic:
            semantic = stage_for(self._texts, shared_store_directory(), sentences=saved_sentences(corpus.passages))
        self.semantic = semantic if options.semantic else None

    @property
    def semantic_status(self) -> str:
        """`off`, `embedding n/N` or `ready`: what /healthz says of the semantic stage."""
        return self.semantic.status if self.semantic is not None else "off"

    def teach(self, lessons: Iterable[Lesson]) -> None:
        """Replace the moderators' lessons; the next question already uses them (retrieval/taught.py)."""
        self.taught = TaughtAnswers.build(lessons, self._signature, self._locate)

    def answer(
        self, question: str, top: int = 3, today: dt.date | None = None, context: Context | None = None
    ) -> Answer:
        """Rank the passages sharing a term with `question`; keep the best `top` even when none is good enough.

        `today` is the day relative dates in the question ("last week") count from. `context` (a
        conversation's earlier topic, passages to favour or to leave out) is optional.
        """
        focus = self._time_focus(question, today or dt.date.today())
        searched = focus.without_time_words(question) if focus else question
        concepts = self._expander.expand(searched)
        topic = self._topic_concepts(context, concepts)
        if not concepts and not topic:
            return Answer(question, [], Refusal.NO_TERMS)
        pending_cosines = self._cosines(question, context)
        query = WeightedQuery(
            concepts + topic,
            self._weights(concepts, topic, self.options.rarity),
            answer_cue(searched),
            self._gram_weights(grams_of_words(words(searched)), context),
        )
        on_topic = WeightedQuery(concepts + topic, self._rule_weights(concepts, topic), None)
        excluded = self._numbers_of(context.exclude) if context else set()
        scores = self._scores(concepts, topic, max(top, RERANK_DEPTH) + len(excluded))
        cosines = pending_cosines()
        if cosines is not None:
            scores |= self._nearest(cosines, concepts, topic, set(scores) | excluded)
        favour = {n: bonus for n, bonus in self._favoured(context) if n not in excluded}
        scores = {i: s for i, s in scores.items() if i not in excluded} | {n: 0.0 for n in favour if n not in scores}
        candidates = list(scores)
        if self.options.reranks:
            candidate_cosines = (
                None if cosines is None else self._candidate_cosines(cosines, candidates, question, context)
            )
            ranked = rerank(candidates, scores, query, self._passages, self._texts, self.options, candidate_cosines)
        else:
            ranked = [Ranked(i, scores[i]) for i in candidates]
        if favour:
            scale = max(max(scores.values()), 0.0) or 1.0
            ranked = sorted(
                (Ranked(r.index, r.score + scale * favour.get(r.index, 0.0)) for r in ranked),
                key=lambda r: (-r.score, r.index),
            )
        if focus is not None:
            ranked = by_date(ranked, focus, self.corpus.passages, self.options)
        meaning = self._cosine_text(question, context) if cosines is not None else None
        results = [self._result(r, query, on_topic, cosines, meaning, n == 0) for n, r in enumerate(ranked[:top])]
        if not results:
            return self._apply_lesson(
                Answer(question, results, Refusal.NOT_COVERED), concepts, query, on_topic, top, excluded, cosines
            )
        best_possible = self._bm25.best_possible(self._bm25_terms(concepts + topic))
        # A follow-up's cosines are of the earlier topic's words and the question's together (`_cosines`):
        # a question in another language only when the topic is in one too.
        foreign = _foreign(question) and (not context or not context.topic or _foreign(context.topic))
        signals = self._signals(ranked, scores, best_possible, on_topic, results[0], len(concepts), cosines, foreign)
        confidence = self.refusal.confidence(signals)
        confident = self.refusal.confident(signals)
        answer = Answer(question, results, None if confident else Refusal.NOT_COVERED, confidence, signals)
        return self._apply_lesson(answer, concepts, query, on_topic, top, excluded, cosines)

    def _cosines(self, question: str, context: Context | None) -> Callable[[], np.ndarray | None]:
        """The question's cosine with every passage (a follow-up's read with its topic), computed while the
        caller goes on until it calls the result; None without the stage."""
        if self.semantic is None:
            return lambda: None
        return self.semantic.cosines(self._cosine_text(question, context))

    def _candidate_cosines(
        self, cosines: np.ndarray, candidates: list[int], question: str, context: Context | None
    ) -> dict[int, float]:
        """Each candidate's cosine as the second stage weighs it: the passage's, raised by `sentence_meaning` of
        how far its nearest sentence is above it (never lowered: a passage nearer than each of its sentences
        answers with two of them together)."""
        share = self.options.sentence_meaning
        passage = [float(cosines[i]) for i in candidates]
        if not share or self.semantic is None:
            return dict(zip(candidates, passage, strict=True))
        sentence = self.semantic.nearest_sentences(self._cosine_text(question, context), candidates)
        return {
            i: whole if nearest is None else whole + share * max(nearest - whole, 0.0)
            for i, whole, nearest in zip(candidates, passage, sentence, strict=True)
        }

    def _cosine_text(self, question: str, context: Context | None) -> str:
        return f"{context.topic}: {question}" if context and context.topic else question

    def _nearest(
        self, cosines: np.ndarray, concepts: list[Concept], topic: list[Concept], known: set[int]
    ) -> dict[int, float]:
        """The SEMANTIC_DEPTH passages nearest the question that are not among `known`, with their BM25 scores."""
        depth = min(SEMANTIC_DEPTH + len(known), len(cosines))
        nearest = np.argpartition(-cosines, depth - 1)[:depth] if depth else np.zeros(0, dtype=np.int64)
        fresh = [int(i) for i in nearest if int(i) not in known][:SEMANTIC_DEPTH]
        if not fresh:
            return {}
        if not topic:
            bm25 = self._bm25.scores_at(self._bm25_terms(concepts), fresh)
        else:
            terms = self._bm25_terms(concepts) * TOPIC_REPEAT + self._bm25_terms(topic)
            bm25 = self._bm25.scores_at(terms, fresh) / TOPIC_REPEAT
        return {i: float(score) for i, score in zip(fresh, bm25, strict=True)}

    def _signals(
        self,
        ranked: Sequence[Ranked],
        bm25: dict[int, float],
        best_possible: float,
        on_topic: WeightedQuery,
        best: Result,
        terms: int,
        cosines: np.ndarray | None,
        foreign: bool,
    ) -> Signals:
        """What the refusal rule weighs: how much of the question the best passage holds, and how clearly it leads."""
        total = on_topic.total or 1.0
        passage = self._passages[ranked[0].index]
        first = ranked[0].score
        gap = (first - ranked[1].score) / first if len(ranked) > 1 and first > 0 else 1.0
        weighed = list(zip(on_topic.concepts, on_topic.weights, strict=True))
        held = on_topic.found_in(passage.terms)
        return Signals(
            coverage=best.coverage,
            sentence_coverage=max((on_topic.sentence_weight(s, 0.0) / total for s in passage.sentences), default=0.0),
            bm25=bm25.get(ranked[0].index, 0.0) / best_possible if best_possible > 0 else 0.0,
            gap=min(max(gap, 0.0), 1.0),
            unknown=sum(w for c, w in weighed if not any(map(self._used, c.forms))) / total,
            missing=max((w for k, (_, w) in enumerate(weighed) if k not in held), default=0.0) / total,
            terms=terms,
            foreign=foreign,
            **self._semantic_signals(best, cosines),
        )

    def _semantic_signals(self, best: Result, cosines: np.ndarray | None) -> dict[str, float]:
        """How near the best passage is to the question by meaning, and how it stands among all passages."""
        if cosines is None or best.cosine is None or best.cosine_rank is None or len(cosines) < 2:
            return {}  # a lone passage has nothing to stand out from: the lexical model decides
        number = self._passage_numbers[best.passage.passage_id]
        # The nearest of the others, read from the two slices around it rather than from a copy of all but it.
        nearest_other = max(cosines[:number].max(initial=-np.inf), cosines[number + 1 :].max(initial=-np.inf))
        return {
            "cosine": best.cosine,
            "spread": best.cosine - float(cosines.mean()),
            "lead": best.cosine - float(nearest_other),
            "agreement": 1 / best.cosine_rank,
        }

    def _time_focus(self, question: str, today: dt.date) -> TimeFocus | None:
        """When the question is about, if it says and the corpus has dates to compare it with."""
        if not (self.options.dates or self.options.recency):
            return None
        focus = question_focus(question, today)
        if focus is None:
            return None
        if self._dated is None:
            self._dated = dated(self.corpus.documents)
        return focus if self._dated else None

    def answer_batch(self, questions: Sequence[str], top: int = 3) -> Iterator[Answer]:
        """`answer` for each question, in order, on every core (forked workers share the mapped index)."""
        return parallel_imap(partial(self.answer, top=top), questions)

    def term_weight(self, term: str) -> float:
        """A never-negative idf: rare terms say more about whether a passage is on topic."""
        n = len(self._texts)
        df = self._bm25.document_frequency(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def concept_weight(self, concept: Concept, rarity: bool) -> float:
        """The weight of the form the sources use: as typed when they use it, else its weightiest alternative.

        With `rarity`, each term's idf is multiplied by how rare its word is in English at large.
        """
        typed, *alternatives = concept.forms
        known = [form for form in alternatives if self._used(form)]
        if self._used(typed) or not known:
            return self._form_weight(typed, rarity)
        return max(self._form_weight(form, rarity) for form in known)

    def _gram_weights(self, grams: frozenset[str], context: Context | None = None) -> dict[str, float]:
        """Each of the question's character grams with its weight: its idf with gram rarity on, else 1.

        The context topic's own grams join at TOPIC_WEIGHT.
        """
        topic = grams_of_words(words(context.topic)) - grams if context and context.topic else frozenset()
        every = grams | topic
        weights = self._gram_rarity.weigh(every) if self.options.gram_rarity else dict.fromkeys(every, 1.0)
        return {gram: weight * (TOPIC_WEIGHT if gram in topic else 1.0) for gram, weight in weights.items()}

    def _used(self, form: Form) -> bool:
        return bool(form.terms) and all(self._bm25.document_frequency(term) for term in form.terms)

    def _form_weight(self, form: Form, rarity: bool) -> float:
        factor = rarity_factor if rarity else _neutral
        return sum(self.term_weight(term) * factor(word) for term, word in zip(form.terms, form.words, strict=True))

    def _bm25_terms(self, concepts: list[Concept]) -> list[str]:
        """The question's terms as typed, then every alternative term that the sources use."""
        typed = [term for concept in concepts for term in concept.forms[0].terms]
        alternatives = [
            term
            for concept in concepts
            for form in concept.forms[1:]
            for term in form.terms
            if self._bm25.document_frequency(term) and term not in typed
        ]
        return typed + list(dict.fromkeys(alternatives))

    def _topic_concepts(self, context: Context | None, concepts: list[Concept]) -> list[Concept]:
        """The context topic's concepts that the question does not already have."""
        if context is None or not context.topic:
            return []
        return [concept for concept in self._expander.expand(context.topic) if concept not in concepts]

    def _weights(self, concepts: list[Concept], topic: list[Concept], rarity: bool) -> list[float]:
        own = [self.concept_weight(c, rarity) for c in concepts]
        return own + [TOPIC_WEIGHT * self.concept_weight(c, rarity) for c in topic]

    def _rule_weights(self, concepts: list[Concept], topic: list[Concept]) -> list[float]:
        """The weights of the refusal rule's signals: corpus idf, and nothing for an everyday word the sources use.

        An everyday word ("say", "year") that the sources use, as typed or in another form ("said"), is
        in nearly every passage of a large corpus and weighs next to nothing there; in a small one its idf
        is noise that makes a passage sharing only a name and "said" look like an answer ("What did Biden
        say about climate change?"). One that no passage uses keeps its weight: its absence is the evidence.
        A question of everyday words alone ("Where did she play before?") keeps them all: they are all it says.
        """
        weights = self._weights(concepts, topic, rarity=False)
        specific = [
            0.0 if _everyday(concept) and any(map(self._used, concept.forms)) else weight
            for concept, weight in zip(concepts + topic, weights, strict=True)
        ]
        return specific if any(specific) else weights

    def _scores(self, concepts: list[Concept], topic: list[Concept], depth: int) -> dict[int, float]:
        """BM25 of the question plus TOPIC_WEIGHT x BM25 of the topic, for the best `depth` passages."""
        if not topic:
            return self._bm25.matching_top_k(self._bm25_terms(concepts), depth)
        terms = self._bm25_terms(concepts) * TOPIC_REPEAT + self._bm25_terms(topic)
        return {i: s / TOPIC_REPEAT for i, s in self._bm25.matching_top_k(terms, depth).items()}

    def _favoured(self, context: Context | None) -> list[tuple[int, float]]:
        if context is None:
            return []
        numbered = ((self._passage_numbers.get(passage_id), bonus) for passage_id, bonus in context.favour.items())
        return [(number, bonus) for number, bonus in numbered if number is not None]

    def _numbers_of(self, passage_ids: Iterable[str]) -> set[int]:
        return {n for n in map(self._passage_numbers.get, passage_ids) if n is not None}

    def coverage(self, question: str, passage_ids: Sequence[str]) -> list[float]:
        """The share of the question's own weight (idf alone) each passage holds."""
        concepts = self._expander.expand(question)
        on_topic = WeightedQuery(concepts, self._weights(concepts, [], rarity=False), None)
        numbers = [self._passage_numbers.get(passage_id) for passage_id in passage_ids]
        if not on_topic.total:
            return [0.0 for _ in numbers]
        return [0.0 if n is None else on_topic.weight_in(self._passages[n].terms) / on_topic.total for n in numbers]

    def unknown_words(self, text: str) -> list[str]:
        """The content words of `text` that no passage uses in any of their forms: the sources are not about them."""
        return [" ".join(c.forms[0].words) for c in self._expander.expand(text) if not any(map(self._used, c.forms))]

    def nearest(self, question: str) -> str | None:
        """The passage nearest `question` by meaning; None without the semantic stage (or while it embeds)."""
        cosines = self._cosines(question, None)()
        if cosines is None or not len(cosines):
            return None
        return self.corpus.passages[int(np.argmax(cosines))].passage_id

    def passage_number(self, passage_id: str) -> int | None:
        """The passage's position in `corpus.passages`, so callers can find its neighbours."""
        return self._passage_numbers.get(passage_id)

    def _apply_lesson(
        self,
        answer: Answer,
        concepts: list[Concept],
        query: WeightedQuery,
        on_topic: WeightedQuery,
        top: int,
        excluded: set[int],
        cosines: np.ndarray | None,
    ) -> Answer:
        """A lesson for this question or a close rewording puts its passage first, or refuses (unless left out)."""
        if not len(self.taught):
            return answer
        taught = self.taught.match(self._signature(answer.question, concepts))
        if taught is None or taught.passage in excluded:
            return answer
        if taught.passage is None:
            return replace(answer, refusal=Refusal.NOT_COVERED)
        best = max((result.score for result in answer.results), default=0.0)
        first = self._result(Ranked(taught.passage, best), query, on_topic, cosines)
        others = [result for result in answer.results if result.passage.passage_id != first.passage.passage_id]
        return replace(answer, results=[first, *others][:top], refusal=None)

    def _signature(self, question: str, concepts: Sequence[Concept] | None = None) -> Signature:
        """Concepts weighed by corpus idf alone: English rarity made rare names outweigh what was asked."""
        concepts = self._expander.expand(question) if concepts is None else concepts
        return signature(concepts, lambda c: self.concept_weight(c, rarity=False), question)

    def _locate(self, lesson: Lesson) -> int | None:
        """The lesson's passage by id, or by its text when the id now names other words (the corpus changed)."""
        number = self._passage_numbers.get(lesson.passage_id or "")
        if number is not None and lesson.passage_text in (None, self._texts[number]):
            return number
        return next((i for i, text in enumerate(self._texts) if text == lesson.passage_text), None)

    @cached_property
    def _passage_numbers(self) -> Mapping[str, int]:
        return passage_numbers(self.corpus.passages)

    def _result(
        self,
        ranked: Ranked,
        query: WeightedQuery,
        on_topic: WeightedQuery,
        cosines: np.ndarray | None,
        meaning: str | None = None,
        first: bool = False,
    ) -> Result:
        """The result for one ranked passage, its quote cut at the sentences holding the question's words,
        and, with `meaning` (the text the question's cosines are of), nearest it by meaning (`_quote_scores`)."""
        passage = self.corpus.passages[ranked.index]
        terms = self._passages[ranked.index]
        spans = [(sentence.start, sentence.end) for sentence in terms.sentences]
        scores = sentence_scores(query, terms, passage.text, self._quote_options)
        if meaning and self.semantic and len(passage.text) > QUOTE_MAX_CHARS and len(spans) > 1:
            sentences = [passage.text[a:b] for a, b in spans]
            scores = self._quote_scores(self.semantic, scores, meaning, ranked.index, sentences, first)
        quote = select_quote(passage.text, spans, scores)
        coverage = on_topic.weight_in(terms.terms) / on_topic.total if on_topic.total else 0.0
        dates = tuple(resolve_dates(quote, passage.date))
        if cosines is None:
            return Result(passage, quote, ranked.score, coverage, dates)
        cosine = float(cosines[ranked.index])
        return Result(passage, quote, ranked.score, coverage, dates, cosine, 1 + int((cosines > cosine).sum()))

    def _quote_scores(
        self,
        semantic: SemanticStage,
        scores: list[float],
        meaning: str,
        number: int,
        sentences: list[str],
        first: bool,
    ) -> list[float]:
        """A long passage's sentence scores for its quote, with the sentences' cosines with `meaning`.

        The first result, none of whose sentences holds a word of the question (one asked in another
        language), is quoted from its sentences nearest the question (`meaning_quotes`; embedded now when
        not stored): the first sentence alone would be quoted. Otherwise the sentence nearest the question
        gains `quote_meaning`, and each other one less as its cosine falls below that one's, to nothing at
        COSINE_UNIT below (stored vectors only: a quote is never worth embedding for).
        """
        if first and self.options.meaning_quotes and max(scores, default=0.0) <= 0:
            return list(semantic.sentence_cosines(meaning, sentences, number))
        share = self.options.quote_meaning
        cosines = semantic.stored_sentence_cosines(meaning, number, len(sentences)) if share else None
        if cosines is None:
            return scores
        nearest = float(cosines.max())
        return [
            score + share * max(0.0, 1 + (float(cosine) - nearest) / COSINE_UNIT)
            for score, cosine in zip(scores, cosines, strict=True)
        ]


def _foreign(text: str) -> bool:
    """The text looks written in another language than the sources."""
    return guess_language(text) not in (None, CORPUS_LANGUAGE)


def _everyday(concept: Concept) -> bool:
    """The words the reader typed are all common English words (FRAME_ZIPF or more)."""
    typed = concept.forms[0].words
    return bool(typed) and all(word.isalpha() and zipf(word) >= FRAME_ZIPF for word in typed)


def _neutral(word: str) -> float:
    return 1.0
