"""Follow-up questions: whether a question leans on the conversation so far, and answering it that way.

The rules, each tested in tests/test_followup.py:

1. Pointing back: a pronoun or demonstrative that refers to something said before ("when did he say
   that?", "what happened there?", "the other one").
2. Ellipsis: a short question that opens like a continuation ("and in 2014?", "what about Macron?"), or
   one that is only a question word ("why?", "when exactly?").
3. More of the same: "what else?", "what did he add?", "what happened next?": the passages right after and
   before the last quote are favoured, and no passage already shown in the conversation is given again.
4. None of these, but the question finds nothing good alone and does with the earlier topic.

A follow-up is answered with the earlier topic's concepts added at a lower weight (retrieval/context.py);
for rules 1 and 2 the passage quoted last is favoured a little too. The words of rules 1-3 are function
words of English, French, German, Spanish, Russian and Ukrainian (data/followup_cues.toml), used only when
the question looks written in that language; a question in any other language gets rule 4 alone. A follow-up
naming a time of its own ("And in 2014?") asks the earlier question of that time instead of the earlier one's
(_retimed).

An ellipsis that opens like a continuation names only its subject: when a word of it is one the sources never
use ("And gas pipelines?"), they do not cover that subject, and it is answered as if asked alone.

A question that stands on its own is a new topic: when it is answered without the context, the context may
only move the answer to a passage holding the question's own words about as well (DRAG_MARGIN), so context
never drags a question off a good standalone match. A follow-up of rules 1 and 2 is answered alone too when
its words and its meaning agree on a passage of the article being discussed that holds its words clearly
better than the passage quoted last (_settled_alone).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from importlib import resources

from corpus.model import Passage
from retrieval.context import TOPIC_WEIGHT, Context
from retrieval.engine import Answer, AnswerEngine
from retrieval.language import guess_language, zipf_in
from retrieval.question_dates import time_words
from retrieval.tokens import STOPWORDS, normalize, words
from retrieval.word_frequency import rarity_factor, zipf

# Bonuses, as shares of the best BM25 score among the candidates (the second stage's unit): the passage
# quoted last, for a question pointing back at it; the passages after and before it, for "what else".
QUOTED_BONUS = 0.3
NEXT_BONUS = 0.3
PREVIOUS_BONUS = 0.15
# Context may move a standalone answer only to a passage holding at least the standalone answer's share of
# the question's own weight, less this much.
DRAG_MARGIN = 0.25
# The context's first answers looked at for dragging: those holding the question's words too badly are left out
# and the context is asked once more; if its answer still drags, the question's own specific words decide
# (_outweighs) between the standalone answer and the context's first one.
DRAG_DEPTH = 5
# The topic a conversation carries: at most this many words, the newest first.
MAX_TOPIC_WORDS = 8
# A follow-up adds its own words to the topic only when they are not everyday words (Zipf below this):
# "missiles" joins it, "say" does not.
SPECIFIC_ZIPF = 5.0
# Words at least this common in English frame a question ("say", "old") rather than name its subject.
FRAME_ZIPF = 5.5
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_PERSONAL = {"he": "", "she": "", "they": "", "him": "", "them": "", "his": "'s", "their": "'s", "its": "'s"}


class FollowUp(StrEnum):
    """How a question relates to the conversation before it."""

    NEW_TOPIC = "new_topic"
    POINTING = "pointing"
    ELLIPSIS = "ellipsis"
    MORE = "more"
    RESCUED = "rescued"


@dataclass(frozen=True, slots=True)
class Cues:
    """What rules 1-3 say about a question, and the words to search for (marker words like "else" left out).

    `subject_only`: an ellipsis opening like a continuation ("And gas pipelines?", "What about Macron?"), whose
    words name only what the earlier question is now asked about.
    """

    kind: FollowUp
    search: str
    language: str | None
    subject_only: bool = False


@dataclass(frozen=True, slots=True)
class Previous:
    """What a conversation remembers for the next question: its topic and the passages shown so far."""

    topic: str = ""
    quoted: str | None = None
    shown: frozenset[str] = frozenset()

    def after(self, reading: Reading) -> Previous:
        """The conversation once `reading` was answered (a refused question keeps its topic, shows nothing)."""
        answer = reading.answer
        quoted = answer.results[0].passage.passage_id if answer.answered and answer.results else None
        return Previous(reading.topic, quoted, self.shown | ({quoted} if quoted else set()))

    def showing(self, passage_id: str) -> Previous:
        """The conversation once a More press showed `passage_id`."""
        return replace(self, quoted=passage_id, shown=self.shown | {passage_id})


@dataclass(frozen=True, slots=True)
class Asked:
    """What the engine was asked, so a More press can ask it again: the words searched and the context added."""

    text: str
    topic: str = ""
    favour: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reading:
    """The answer to one turn, how the question was read, and the topic it leaves for the next one."""

    answer: Answer
    kind: FollowUp
    asked: Asked
    # The question as read with the context ("When did Putin say that — three demands?"); None when alone.
    reading: str | None
    topic: str

    @property
    def used_context(self) -> bool:
        return self.reading is not None


@dataclass(frozen=True, slots=True)
class _Words:
    pointing: frozenset[str]
    pointing_phrases: tuple[tuple[str, ...], ...]
    not_pointing: tuple[tuple[str, ...], ...]
    openers: tuple[tuple[str, ...], ...]
    question_words: frozenset[str]
    more: tuple[tuple[str, ...], ...]
    more_at_end: tuple[tuple[str, ...], ...]
    not_more: tuple[tuple[str, ...], ...]
    markers: frozenset[str]


def answer_in_context(engine: AnswerEngine, question: str, previous: Previous | None, top: int = 3) -> Reading:
    """Answer `question` as the next turn of a conversation (`previous` None: its first question)."""
    cues = follow_up_cues(question)
    own_topic = topic_words(question, cues.language)
    standalone_context = Context(exclude=previous.shown) if previous and cues.kind is FollowUp.MORE else None
    standalone = engine.answer(question, top, context=standalone_context)
    alone = Reading(standalone, FollowUp.NEW_TOPIC, Asked(question), None, " ".join(own_topic[:MAX_TOPIC_WORDS]))
    if previous is None or not previous.topic:
        return alone
    if cues.kind is FollowUp.NEW_TOPIC and standalone.answered:
        return alone
    if cues.subject_only and cues.language == "en" and _names_the_unknown(engine, cues.search):
        # "And gas pipelines?": the sources never say "gas", so they do not cover that subject; the topic would
        # find what they say of the rest ("ValleyWater … will spend 80 million euros on a pipeline").
        return alone
    if cues.kind in (FollowUp.POINTING, FollowUp.ELLIPSIS) and _settled_alone(engine, own_topic, standalone, previous):
        return replace(alone, kind=cues.kind, topic=_carried(own_topic, previous.topic))
    unknown_only = not standalone.answered and cues.language == "en" and _names_only_the_unknown(engine, cues.search)
    if unknown_only and engine.semantic is None:
        return alone
    specific = _specific(own_topic)
    search = _without_framing(cues.search, cues.language) if cues.kind is FollowUp.MORE else cues.search
    topic, answered_before = _retimed(engine, question, previous, cues.kind)
    asked = Asked(search, topic, _favour(engine, cues.kind, previous, specific))
    exclude = (previous.shown if cues.kind is FollowUp.MORE else frozenset()) | answered_before
    contextual = engine.answer(asked.text, top, context=Context(asked.topic, asked.favour, exclude))
    if unknown_only and not _agree(engine, question, contextual):
        return alone
    dragging = _dragging(engine, specific, standalone, contextual) if standalone.answered else frozenset()
    if dragging:
        retried = engine.answer(asked.text, top, context=Context(asked.topic, asked.favour, exclude | dragging))
        if not _dragging(engine, specific, standalone, retried):
            contextual = retried
        elif _outweighs(specific, asked.topic):
            return alone
    if cues.kind is FollowUp.MORE and contextual.results and not topic_words(asked.text, cues.language):
        # "What else?" names nothing of its own: like the More button, it gets the next best passage there is.
        contextual = replace(contextual, refusal=None)
    if not contextual.answered and (standalone.answered or cues.kind is FollowUp.NEW_TOPIC):
        return alone
    kind = FollowUp.RESCUED if cues.kind is FollowUp.NEW_TOPIC else cues.kind
    return Reading(contextual, kind, asked, read_as(question, topic, cues.language), _carried(own_topic, topic))


def answer_more(engine: AnswerEngine, asked: Asked, previous: Previous, top: int = 3) -> Answer:
    """The More button: the same question, as it was asked, without any passage this conversation has shown."""
    return engine.answer(asked.text, top, context=Context(asked.topic, asked.favour, previous.shown))


def follow_up_cues(question: str) -> Cues:
    """Rules 1-3: which kind of follow-up the question's own words make it, if any."""
    language = guess_language(question)
    cue_words = _cue_words().get(language or "")
    if cue_words is None:
        return Cues(FollowUp.NEW_TOPIC, question, language)
    typed = words(question)
    search = " ".join(word for word in typed if word not in cue_words.markers) if typed else question
    if _asks_for_more(typed, cue_words) or (typed and all(w in cue_words.markers for w in typed)):
        return Cues(FollowUp.MORE, search, language)
    if _points_back(typed, cue_words):
        return Cues(FollowUp.POINTING, question, language)
    opens = any(tuple(typed[: len(opener)]) == opener for opener in cue_words.openers)
    if opens and len(typed) <= 5:
        return Cues(FollowUp.ELLIPSIS, question, language, subject_only=True)
    if 0 < len(typed) <= 2 and typed[0] in cue_words.question_words:
        return Cues(FollowUp.ELLIPSIS, question, language)
    return Cues(FollowUp.NEW_TOPIC, question, language)


def topic_words(question: str, language: str | None) -> list[str]:
    """The question's content words as the reader wrote them ("Putin's", "three", "demands")."""
    cue_words = _cue_words().get(language or "")
    kept = []
    for token in _TOKEN.findall(question):
        folded = words(token)
        if not folded or folded[0] in STOPWORDS or (cue_words and _is_cue_word(folded[0], cue_words)):
            continue
        if language not in (None, "en") and zipf_in(folded[0], language) >= SPECIFIC_ZIPF + 0.5:
            continue
        kept.append(token)
    return kept


def read_as(question: str, topic: str, language: str | None) -> str:
    """The question as the context makes it read, shown to the reader so they can correct it.

    In English a personal pronoun becomes the name the topic holds as a possessive ("he" → "Putin" after
    "Putin's three demands"); the topic's other words follow a dash: "When did Putin say that — three demands?".
    """
    text = question.strip()
    end = text[-1] if text and text[-1] in "?.!" else "?"
    text = text.rstrip("?.! ")
    topic_tokens = topic.split()
    if language == "en":
        text, topic_tokens = _name_for_pronoun(text, topic_tokens)
    present = {normalize(token) for token in _TOKEN.findall(text)}
    rest = [token for token in topic_tokens if normalize(token) not in present]
    return f"{text} — {' '.join(rest)}{end}" if rest else f"{text}{end}"


def _name_for_pronoun(text: str, topic_tokens: list[str]) -> tuple[str, list[str]]:
    """Only a possessive name ("Putin's") is taken for the pronoun's antecedent: "Lakeside tram" is no "she"."""
    name = next((token for token in topic_tokens if token[:1].isupper() and _POSSESSIVE.search(token)), None)
    if name is None:
        return text, topic_tokens
    bare = _POSSESSIVE.sub("", name)
    for match in _TOKEN.finditer(text):
        pronoun = match.group().casefold()
        if pronoun in _PERSONAL:
            text = text[: match.start()] + bare + _PERSONAL[pronoun] + text[match.end() :]
            return text, [token for token in topic_tokens if token != name]
    return text, topic_tokens


def _favour(engine: AnswerEngine, kind: FollowUp, previous: Previous, specific: list[str]) -> dict[str, float]:
    """The last quote for a question pointing back at it; its neighbours for more of the same.

    The last quote is favoured only when it holds the question's specific words (or it has none): "who did she
    replace?" asks about something the last quote may not hold.
    """
    if previous.quoted is None or kind in (FollowUp.NEW_TOPIC, FollowUp.RESCUED):
        return {}
    if kind is not FollowUp.MORE:
        holds = not specific or engine.coverage(" ".join(specific), [previous.quoted])[0] >= 1 - DRAG_MARGIN
        return {previous.quoted: QUOTED_BONUS} if holds else {}
    number = engine.passage_number(previous.quoted)
    if number is None:
        return {}
    passages = engine.corpus.passages
    doc_id = passages[number].doc_id
    favour = {}
    for neighbour, bonus in ((number + 1, NEXT_BONUS), (number - 1, PREVIOUS_BONUS)):
        if 0 <= neighbour < len(passages) and passages[neighbour].doc_id == doc_id:
            favour[passages[neighbour].passage_id] = bonus
    return favour


def _retimed(engine: AnswerEngine, question: str, previous: Previous, kind: FollowUp) -> tuple[str, frozenset[str]]:
    """The topic for a follow-up naming a time of its own, and the passage it is not asking about.

    "And in 2014?" after "What did Russia give Ukraine in 1994?" asks the earlier question of 2014: the topic
    loses its "1994" (a follow-up naming the earlier time too, "from 2001 to 2006" after 2001, keeps it). An
    ellipsis also passes over the passage quoted last when that names the earlier time and another passage
    of its article names the new one: it answered the earlier time ("fell to 31 percent this week, its lowest
    level since the drought of 2014" is this week's level, not 2014's). A question of its own ("Is that lower
    than in 2014?") may well be about the passage quoted last, and keeps it.
    """
    new, old = time_words(question), time_words(previous.topic)
    if not old or not new or new & old:
        return previous.topic, frozenset()
    topic = " ".join(word for word in previous.topic.split() if not time_words(word))
    number = engine.passage_number(previous.quoted) if previous.quoted else None
    if number is None or kind is not FollowUp.ELLIPSIS:
        return topic, frozenset()
    passages = engine.corpus.passages
    if not time_words(passages[number].text) & old:
        return topic, frozenset()
    named = any(time_words(passages[n].text) & new for n in _article_around(passages, number) if n != number)
    return topic, frozenset({passages[number].passage_id}) if named else frozenset()


def _article_around(passages: Sequence[Passage], number: int) -> range:
    """The numbers of the passages of passage `number`'s article, which are consecutive."""
    doc_id = passages[number].doc_id
    first, last = number, number
    while first > 0 and passages[first - 1].doc_id == doc_id:
        first -= 1
    while last + 1 < len(passages) and passages[last + 1].doc_id == doc_id:
        last += 1
    return range(first, last + 1)


def _dragging(engine: AnswerEngine, specific: list[str], standalone: Answer, contextual: Answer) -> frozenset[str]:
    """The passages the context put first that hold the question's specific words worse than the standalone answer.

    Empty when the context's first answer holds them about as well (within DRAG_MARGIN), and for a question
    whose own words are all everyday ones ("when did he say that?"): it has nothing to be dragged from.
    """
    if not contextual.results or not specific:
        return frozenset()
    ours = standalone.results[0].passage.passage_id
    theirs = [result.passage.passage_id for result in contextual.results[:DRAG_DEPTH]]
    text = " ".join(specific)
    best, *coverages = engine.coverage(text, [ours, *theirs])
    if coverages[0] >= best - DRAG_MARGIN:
        return frozenset()
    return frozenset(
        passage for passage, coverage in zip(theirs, coverages, strict=True) if coverage < best - DRAG_MARGIN
    )


def _without_framing(search: str, language: str | None) -> str:
    """A request for more without the everyday words that frame it: "what did he say" names no topic.

    Searched for, "say" would favour any passage where anyone says anything over the earlier topic's next one;
    "what else did Berg promise?" keeps "Berg promise".
    """
    if language is None:
        return search
    return " ".join(word for word in search.split() if zipf_in(word, language) < FRAME_ZIPF)


def _names_only_the_unknown(engine: AnswerEngine, question: str) -> bool:
    """Whether every word the question stands on is one the sources never use ("weather", "Merkel").

    An English question refused on its own that names only such things asks about something the sources do not
    cover; the earlier topic must not make it look answered. One that also names what they do use ("What group
    bought them after the Norman conquest?") is worded unlike its passage, and the topic may find it. Everyday
    words ("say", "happen") frame a question rather than name its subject, and a number ("=1+1 capital of
    Australia") names none: the sources' "one" is no sign they cover it. (A question in another language uses
    words the English sources never do; the engine's own refusal rule judges it.) Refusing every question with
    one such word ("Where did it become angry at the widespread destruction of church property?") kept 63 of the
    370 SQuAD follow-ups of the odd articles from their context, though it put the right paragraph first for 58.
    Even such a question is read with its topic when its meaning agrees (_agree).
    """
    if not _names_the_unknown(engine, question):
        return False
    named = [word for word in _specific(topic_words(question, "en")) if words(word)[0].isalpha()]
    return all(engine.unknown_words(word) for word in named)


def _names_the_unknown(engine: AnswerEngine, question: str) -> bool:
    """Whether the question names something no passage uses: an uncommon word ("weather", "gas") the sources lack.

    Everyday words (Zipf FRAME_ZIPF or more: "say", "happen") frame a question rather than name its subject.
    """
    return any(zipf(word) < FRAME_ZIPF for word in engine.unknown_words(question))


def _agree(engine: AnswerEngine, question: str, contextual: Answer) -> bool:
    """Whether the context's first passage is also the one nearest the question alone by meaning.

    Two readings that agree: the topic found the passage by its words, the question's own meaning points at it
    too ("Who was the husband?" after "Who did Emma marry?"). An off-topic follow-up's meaning points elsewhere.
    """
    return bool(contextual.results) and contextual.results[0].passage.passage_id == engine.nearest(question)


def _settled_alone(engine: AnswerEngine, own: Sequence[str], standalone: Answer, previous: Previous) -> bool:
    """Whether the question alone, by its words and by its meaning, finds a passage of the article being discussed
    that holds its words clearly better (DRAG_MARGIN) than the passage quoted last.

    Two readings that agree need no topic: after "When did the Lakeside tram line open?", "Why was it built?"
    finds "The city built the line because ..." both ways, while the topic's words, which are the words of the
    passage quoted last, would pull it back to the opening. Another article's passage is no such agreement: "it"
    points into the article being discussed. When the passage quoted last holds the question's words about as
    well, it stays the likelier answer: a reader's next question is often about the same passage.
    """
    if not standalone.answered or not standalone.results or previous.quoted is None or not own:
        return False
    found = standalone.results[0].passage
    number = engine.passage_number(previous.quoted)
    if number is None or engine.corpus.passages[number].doc_id != found.doc_id:
        return False
    theirs, ours = engine.coverage(" ".join(own), [previous.quoted, found.passage_id])
    return ours - theirs > DRAG_MARGIN and found.passage_id == engine.nearest(standalone.question)


def _specific(own: Sequence[str]) -> list[str]:
    """The words that are not everyday words (numbers, names, "missiles"), which a question stands on."""
    return [token for token in own if not words(token)[0].isalpha() or zipf(words(token)[0]) < SPECIFIC_ZIPF]


def _outweighs(specific: Sequence[str], topic: str) -> bool:
    """Whether the question's specific words say more than the topic would at its lower weight.

    Each word counts by how rare it is in English (retrieval/word_frequency.py), in any language alike: "What
    did the Budapest Memorandum give Ukraine ...?" stands on its own, "What did it host?" leans on its topic.
    """
    return sum(map(rarity_factor, specific)) >= TOPIC_WEIGHT * sum(map(rarity_factor, topic.split()))


def _carried(own: Sequence[str], topic: str) -> str:
    """A follow-up's topic: its own uncommon words first, then the topic it leaned on, at most MAX_TOPIC_WORDS."""
    specific = _specific(own)
    folded = {normalize(token) for token in specific}
    merged = specific + [token for token in topic.split() if normalize(token) not in folded]
    return " ".join(merged[:MAX_TOPIC_WORDS])


def _points_back(typed: list[str], cue_words: _Words) -> bool:
    masked = _masked(typed, cue_words.not_pointing)
    return any(word in cue_words.pointing for word in masked) or _has_phrase(masked, cue_words.pointing_phrases)


def _asks_for_more(typed: list[str], cue_words: _Words) -> bool:
    masked = _masked(typed, cue_words.not_more)
    ends = any(len(typed) >= len(phrase) and tuple(typed[-len(phrase) :]) == phrase for phrase in cue_words.more_at_end)
    return ends or _has_phrase(masked, cue_words.more)


def _masked(typed: list[str], phrases: Sequence[tuple[str, ...]]) -> list[str]:
    """`typed` with every occurrence of `phrases` blanked out, so the words inside them count for nothing."""
    masked = list(typed)
    for phrase in phrases:
        for start in _phrase_starts(masked, phrase):
            masked[start : start + len(phrase)] = [""] * len(phrase)
    return masked


def _has_phrase(typed: Sequence[str], phrases: Sequence[tuple[str, ...]]) -> bool:
    return any(_phrase_starts(typed, phrase) for phrase in phrases)


def _phrase_starts(typed: Sequence[str], phrase: tuple[str, ...]) -> list[int]:
    return [i for i in range(len(typed) - len(phrase) + 1) if tuple(typed[i : i + len(phrase)]) == phrase]


def _is_cue_word(word: str, cue_words: _Words) -> bool:
    return word in cue_words.pointing or word in cue_words.markers or word in cue_words.question_words


@cache
def _cue_words() -> dict[str, _Words]:
    text = resources.files("retrieval").joinpath("data/followup_cues.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    return {language: _words_of(entry) for language, entry in table.items()}


def _words_of(entry: Mapping[str, list[str]]) -> _Words:
    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(item.split()) for item in entry.get(key, []))

    pointing = phrases("pointing")
    return _Words(
        pointing=frozenset(p[0] for p in pointing if len(p) == 1),
        pointing_phrases=tuple(p for p in pointing if len(p) > 1),
        not_pointing=phrases("not_pointing"),
        openers=phrases("openers"),
        question_words=frozenset(entry.get("question_words", [])),
        more=phrases("more"),
        more_at_end=phrases("more_at_end"),
        not_more=phrases("not_more"),
        markers=frozenset(entry.get("markers", [])),
    )
