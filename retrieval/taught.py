"""Taught answers: moderators' corrections, matched against new questions and their close rewordings.

A lesson says "questions like this one are answered by that passage" or "... are not answered by the
sources". Each question is compared as a set of concepts (retrieval/expansion.py: stems, number words,
synonyms, typo corrections), each weighted by the engine. Two questions are close when the concepts they
share carry most of both questions' weight: "What did Putin want from NATO?" and "What did Putin demand of
NATO?" share their heavy concepts, while "What did Putin say about the weather?" brings a heavy concept
of its own and stays apart. A question type that disagrees ("when" against "who") keeps them apart too,
and so does a name or number swapped for another ("the MVP of Super Bowl II" is not "... of Super Bowl
50", nor the Broncos the Panthers), while a name only one of them says ("Vladimir Putin") does not.

This module knows nothing of where lessons are stored: the bot hands the engine the current set.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.expansion import Concept
from retrieval.passage_terms import families
from retrieval.tokens import words

# Share of the two questions' combined weight that their shared concepts must carry. Tuned with
# bench/teaching.py: the rewordings in tests/data/taught_rewordings.jsonl against the untaught SQuAD
# questions whose answers teaching every SQuAD miss changes.
MIN_SIMILARITY = 0.7
# A concept present in the other question only as its word family (criticised, criticized) counts this much,
# as in the second ranking stage.
FAMILY_SHARE = 0.75

FormKey = tuple[str, ...]
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# The kind of answer a question asks for, by its question words; None when they do not say.
_KINDS = (
    (
        "amount",
        re.compile(
            r"\bhow (?:many|much|long|old|far|large|big|tall|high|fast)\b"
            r"|\bwhat (?:percentage|percent|number|amount)\b",
            re.I,
        ),
    ),
    ("time", re.compile(r"\bwhen\b|\b(?:what|which) (?:year|decade|century|date|month|day)\b", re.I)),
    ("place", re.compile(r"\bwhere\b|\b(?:what|which) (?:city|country|region|place|town|venue|state)\b", re.I)),
    ("person", re.compile(r"\bwho(?:m|se)?\b", re.I)),
    ("reason", re.compile(r"\bwhy\b", re.I)),
)


@dataclass(frozen=True, slots=True)
class Lesson:
    """A moderator's correction; `passage_id` None means the sources do not answer the question."""

    question: str
    passage_id: str | None
    passage_text: str | None = None


@dataclass(frozen=True, slots=True)
class WeightedConcept:
    """A concept as the matcher compares it: every form's terms, their word families, and the engine's weight."""

    forms: frozenset[FormKey]
    families: frozenset[str]
    weight: float
    # A name or a number: one swapped for another makes a different question.
    entity: bool = False


@dataclass(frozen=True, slots=True)
class Signature:
    """What is compared of a question: its weighted concepts and the kind of answer it asks for."""

    concepts: tuple[WeightedConcept, ...]
    kind: str | None

    @property
    def total(self) -> float:
        return sum(concept.weight for concept in self.concepts)


def signature(concepts: Sequence[Concept], weight: Callable[[Concept], float], question: str) -> Signature:
    """The signature of `question` (as typed) from its concepts; concepts without terms are left out.

    The text also tells the kind of answer asked for, and which concepts are names (capitalised after
    the first word) or numbers.
    """
    entities = entity_words(question)
    weighted = (
        WeightedConcept(
            frozenset(form.terms for form in concept.forms if form.terms),
            families(term for form in concept.forms if len(form.terms) == 1 for term in form.terms),
            weight(concept),
            any(word in entities for word in concept.forms[0].words),
        )
        for concept in concepts
    )
    return Signature(tuple(concept for concept in weighted if concept.forms), question_kind(question))


def question_kind(question: str) -> str | None:
    """amount, time, place, person or reason, by the question's words; None when they do not say."""
    return next((kind for kind, pattern in _KINDS if pattern.search(question)), None)


def entity_words(question: str) -> frozenset[str]:
    """The question's words that name something: capitalised after its first word, or holding a digit."""
    tokens = _TOKEN.findall(question)
    named = [t for n, t in enumerate(tokens) if any(c.isdigit() for c in t) or (n > 0 and t[:1].isupper())]
    return frozenset(word for token in named for word in words(token))


def similarity(a: Signature, b: Signature) -> float:
    """The share of both questions' weight carried by concepts the other question has too (0 to 1)."""
    total = a.total + b.total
    if total <= 0 or (a.kind and b.kind and a.kind != b.kind):
        return 0.0
    if _unmatched_entity(a, b) and _unmatched_entity(b, a):
        return 0.0
    shared = _shared_weight(a, b) + _shared_weight(b, a)
    return shared / total


def _shared_weight(a: Signature, b: Signature) -> float:
    return sum(concept.weight * _presence(concept, b) for concept in a.concepts)


def _unmatched_entity(a: Signature, b: Signature) -> bool:
    return any(concept.entity and not _presence(concept, b) for concept in a.concepts)


def _presence(concept: WeightedConcept, other: Signature) -> float:
    """1 when the other question has one of the concept's forms, FAMILY_SHARE for only a word family, else 0."""
    if any(concept.forms & theirs.forms for theirs in other.concepts):
        return 1.0
    if any(concept.families & theirs.families for theirs in other.concepts):
        return FAMILY_SHARE
    return 0.0


def _index_keys(question: Signature) -> set[FormKey]:
    """The keys a lesson is found by: its forms and word families (these only pick lessons to compare)."""
    keys = {form for concept in question.concepts for form in concept.forms}
    return keys | {(family,) for concept in question.concepts for family in concept.families}


@dataclass(frozen=True, slots=True)
class Taught:
    """The lesson a question matched: the passage to put first, or `passage` None to refuse."""

    lesson: Lesson
    passage: int | None
    similarity: float


@dataclass(frozen=True, slots=True)
class _Prepared:
    lesson: Lesson
    signature: Signature
    passage: int | None


class TaughtAnswers:
    """An engine's current lessons, analysed once, with an index from concept forms to the lessons using them."""

    def __init__(self, prepared: Iterable[_Prepared] = (), min_similarity: float = MIN_SIMILARITY) -> None:
        self._lessons = list(prepared)
        self._min_similarity = min_similarity
        self._by_form: dict[FormKey, list[int]] = defaultdict(list)
        for number, item in enumerate(self._lessons):
            for key in _index_keys(item.signature):
                self._by_form[key].append(number)

    @classmethod
    def build(
        cls,
        lessons: Iterable[Lesson],
        analyse: Callable[[str], Signature],
        locate: Callable[[Lesson], int | None],
        min_similarity: float = MIN_SIMILARITY,
    ) -> TaughtAnswers:
        """Analyse each lesson's question; a lesson whose passage `locate` cannot find is left out."""
        prepared = []
        for lesson in lessons:
            passage = None if lesson.passage_id is None else locate(lesson)
            if lesson.passage_id is not None and passage is None:
                continue
            prepared.append(_Prepared(lesson, analyse(lesson.question), passage))
        return cls(prepared, min_similarity)

    def __len__(self) -> int:
        return len(self._lessons)

    def match(self, question: Signature) -> Taught | None:
        """The closest lesson at or above the similarity threshold (the later one on a tie), or None."""
        if not self._lessons:
            return None
        numbers = {n for key in _index_keys(question) for n in self._by_form.get(key, ())}
        best: Taught | None = None
        for number in sorted(numbers):
            item = self._lessons[number]
            score = similarity(question, item.signature)
            if score >= self._min_similarity and (best is None or score >= best.similarity):
                best = Taught(item.lesson, item.passage, score)
        return best
