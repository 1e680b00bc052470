"""Follow-up questions on the seed: the rules that spot them, how they are answered, and what context never does."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import Corpus, load_corpus
from retrieval.context import Context
from retrieval.engine import AnswerEngine
from retrieval.followup import FollowUp, Previous, Reading, answer_in_context, answer_more, follow_up_cues
from tests.conftest import CARD_ANSWER, CARD_QUESTION

DEMANDS = "000_f1d616dfc469d761#p9"
ARTICLES = Path(__file__).parent / "data" / "dialogue_corpus"


@pytest.fixture(scope="module")
def articles() -> AnswerEngine:
    """The seed and four short news articles: a follow-up must stay in its article, not only find a passage."""
    corpus: Corpus = load_corpus(ARTICLES)
    return AnswerEngine(corpus)


def conversation(engine: AnswerEngine, *questions: str) -> list[Reading]:
    """Ask the questions one after the other in one conversation, as every front end does."""
    previous: Previous | None = None
    readings = []
    for question in questions:
        reading = answer_in_context(engine, question, previous)
        readings.append(reading)
        previous = (previous or Previous()).after(reading)
    return readings


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did he say that?", FollowUp.POINTING),
        ("Which one is about missiles?", FollowUp.POINTING),
        ("What happened there?", FollowUp.POINTING),
        ("And in 2014?", FollowUp.ELLIPSIS),
        ("why?", FollowUp.ELLIPSIS),
        ("What about Macron?", FollowUp.ELLIPSIS),
        ("What else?", FollowUp.MORE),
        ("What did Macron add?", FollowUp.MORE),
        ("What happened next?", FollowUp.MORE),
        ("Please go on.", FollowUp.MORE),
        ("Where did he go on 8 February?", FollowUp.POINTING),
        ("What was added to the tram line in 2023?", FollowUp.NEW_TOPIC),
        ("Is there a security guarantee for Ukraine?", FollowUp.NEW_TOPIC),
        ("Which region did Russia annex?", FollowUp.NEW_TOPIC),
        ("Когда он это сказал?", FollowUp.POINTING),
        ("Et quand l'a-t-il dit ?", FollowUp.POINTING),
        ("Y a-t-il des garanties pour l'Ukraine ?", FollowUp.NEW_TOPIC),
        ("¿Y en 2014?", FollowUp.ELLIPSIS),
        ("Was hat Macron über die NATO gesagt?", FollowUp.NEW_TOPIC),
        ("Какие три требования выдвинул Путин?", FollowUp.NEW_TOPIC),
        ("Quali erano le tre richieste di Putin?", FollowUp.NEW_TOPIC),
    ],
)
def test_the_rules_tell_follow_ups_from_new_questions(question: str, kind: FollowUp) -> None:
    assert follow_up_cues(question).kind is kind


def test_more_of_the_same_searches_without_its_marker_words() -> None:
    assert follow_up_cues("What else did Macron add?").search == "what did macron"


def test_a_pronoun_follow_up_is_answered_with_the_earlier_topic_and_says_how_it_was_read(
    engine: AnswerEngine,
) -> None:
    first, second = conversation(engine, CARD_QUESTION, "When did he say that?")
    assert first.answer == engine.answer(CARD_QUESTION) and not first.used_context
    assert second.kind is FollowUp.POINTING and second.answer.answered
    assert "February 8" in second.answer.results[0].quote
    assert second.reading == "When did Putin say that — three demands?"


def test_a_question_with_no_words_of_its_own_leans_on_the_topic(engine: AnswerEngine) -> None:
    assert engine.answer("and when was that?").results == []
    *_, second = conversation(engine, "Which region did Russia annex?", "and when was that?")
    assert "Crimea by Russia in 2014" in second.answer.results[0].quote


def test_and_in_a_year_finds_the_passage_naming_that_year(engine: AnswerEngine) -> None:
    *_, second = conversation(engine, "What did Russia give Ukraine in 1994?", "And in 2014?")
    assert second.kind is FollowUp.ELLIPSIS
    assert "annexation of Crimea by Russia in 2014" in second.answer.results[0].quote


def test_which_one_picks_from_the_last_answer(engine: AnswerEngine) -> None:
    *_, second = conversation(engine, CARD_QUESTION, "Which one is about missiles?")
    assert second.answer.results[0].passage.passage_id == DEMANDS


def test_a_question_standing_on_its_own_is_not_dragged_to_the_earlier_topic(engine: AnswerEngine) -> None:
    for question in (
        "Which region did Russia annex?",
        "What did the Budapest Memorandum give Ukraine in exchange for its nuclear arms?",
    ):
        *_, second = conversation(engine, CARD_QUESTION, question)
        alone = engine.answer(question)
        assert second.answer.results[0].passage == alone.results[0].passage
        assert second.answer.results[0].passage.passage_id != DEMANDS


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "What did he say about the weather?",
        "What about gas pipelines?",
        "=1+1 capital of Australia",
        # An ellipsis names only its subject: the sources say "missile" and "NATO", but never "hypersonic" or
        # "submarines", and the topic would quote the demands for them.
        "And hypersonic missiles?",
        "What about NATO submarines?",
    ],
)
def test_the_earlier_topic_never_makes_an_off_topic_follow_up_look_answered(
    engine: AnswerEngine, question: str
) -> None:
    *_, second = conversation(engine, CARD_QUESTION, question)
    assert not second.answer.answered


# "surrender" and "restored" are in no passage, but "Ukraine" and "NATO" are: a paraphrase, not another subject.
NAMES_WHAT_THEY_COVER = "also names what the sources cover"
# No passage says "objected" or "pact"; the passage the topic finds is also the nearest to the question alone.
MEANING_AGREES = "names only unknown words, its meaning agrees"


@pytest.mark.parametrize(
    ("first", "question", "quoted"),
    [
        pytest.param(
            "What did Russia give Ukraine in 1994?",
            "What weapons did Ukraine surrender for it?",
            "nuclear arms",
            id=NAMES_WHAT_THEY_COVER,
        ),
        pytest.param(CARD_QUESTION, "Which NATO limit did he want restored?", "1997 levels", id=NAMES_WHAT_THEY_COVER),
        pytest.param(
            "Which region did Russia annex?",
            "Who objected?",
            "various countries declared the Russian involvement",
            id=MEANING_AGREES,
        ),
        pytest.param(
            "What did Russia give Ukraine in 1994?",
            "What was the pact called?",
            "known as the Budapest Memorandum",
            id=MEANING_AGREES,
        ),
    ],
)
def test_a_follow_up_refused_alone_is_answered_with_its_topic(
    engine: AnswerEngine, first: str, question: str, quoted: str
) -> None:
    assert not engine.answer(question).answered
    *_, second = conversation(engine, first, question)
    assert second.used_context and second.answer.answered
    assert quoted in second.answer.results[0].quote


@pytest.mark.parametrize(
    "first",
    ["What did the French president eat in Washington?", CARD_QUESTION],
)
def test_an_english_topic_never_makes_an_off_topic_question_in_another_language_look_answered(
    engine: AnswerEngine, first: str
) -> None:
    # Its cosines are of the English topic's words and the question's together: the meaning model, fitted
    # on questions in other languages asked alone, answered "Qui a gagné…" after an English question.
    *_, second = conversation(engine, first, "Qui a gagné le Tour de France en 2020 ?")
    assert not second.answer.answered


def test_a_conversation_in_russian_reads_a_follow_up_with_its_russian_topic(engine: AnswerEngine) -> None:
    *_, second = conversation(engine, "Какие три требования выдвинул Путин?", "Когда он это сказал?")
    assert second.used_context and second.answer.answered and "February 8" in second.answer.results[0].quote


def test_what_else_gives_the_next_passage_and_never_one_already_shown(engine: AnswerEngine) -> None:
    readings = conversation(engine, "What did Macron tell TF1 and LCI?", "What else?", "What else?", "anything else?")
    shown = [r.answer.results[0].passage.passage_id for r in readings]
    assert len(set(shown)) == len(shown) == 4
    assert readings[1].kind is FollowUp.MORE and readings[1].used_context


def test_more_asks_the_same_question_without_the_passages_shown(engine: AnswerEngine) -> None:
    reading = answer_in_context(engine, CARD_QUESTION, None)
    previous = Previous().after(reading)
    more = answer_more(engine, reading.asked, previous)
    assert more.results and all(r.passage.passage_id != DEMANDS for r in more.results)
    assert CARD_ANSWER not in more.results[0].quote


def test_the_engine_never_returns_an_excluded_passage_and_raises_a_favoured_one(engine: AnswerEngine) -> None:
    alone = engine.answer(CARD_QUESTION, top=5)
    excluded = engine.answer(CARD_QUESTION, top=5, context=Context(exclude=frozenset({DEMANDS})))
    assert alone.results[0].passage.passage_id == DEMANDS
    assert DEMANDS not in {r.passage.passage_id for r in excluded.results}
    second = alone.results[1].passage.passage_id
    favoured = engine.answer(CARD_QUESTION, top=5, context=Context(favour={second: 10.0}))
    assert favoured.results[0].passage.passage_id == second


@pytest.mark.parametrize(
    ("first", "question", "quoted"),
    [
        ("When did the Lakeside tram line open?", "Why was it built?", "car traffic on the ring road"),
        ("Who is the new head coach of Harbour City FC?", "Where did she play before?", "87 matches"),
    ],
)
def test_a_follow_up_whose_words_and_meaning_agree_on_a_passage_of_the_article_is_not_pulled_back(
    articles: AnswerEngine, first: str, question: str, quoted: str
) -> None:
    # The topic's words are the words of the article's opening, which answered the first question.
    opening, second = conversation(articles, first, question)
    assert second.answer.results[0].passage != opening.answer.results[0].passage
    assert quoted in second.answer.results[0].quote


def test_a_pointing_follow_up_stays_in_the_article_even_when_its_words_agree_on_another(
    articles: AnswerEngine,
) -> None:
    # Alone, "When will it be ready?" finds a passage of the seed by words and by meaning alike.
    first, second = conversation(
        articles, "How low did the Brennmoor reservoir fall this week?", "When will it be ready?"
    )
    article = first.answer.results[0].passage.doc_id
    assert articles.answer("When will it be ready?").results[0].passage.doc_id != article
    assert second.answer.results[0].passage.doc_id == article


def test_a_follow_up_stays_with_the_quoted_passage_when_it_holds_the_words_as_well(tmp_path: Path) -> None:
    # Alone, "And incarnations?" finds the fans' passage by words and meaning; the quoted one holds the word too.
    (tmp_path / "doctor.txt").write_text(
        "title: The Doctor returns for a new series\ndate: 2023-05-01\n\n"
        "The Doctor is a Time Lord, an alien who travels through time and space in a ship called the TARDIS.\n\n"
        "A Time Lord can regenerate twelve times when badly hurt, so the Doctor may have thirteen incarnations in "
        "all.\n\n"
        "Each incarnation of the Doctor has been played by a different actor, and every new incarnation brings a new "
        "costume and a new character.\n\n"
        "Fans still argue about the incarnations, and about which incarnation was the best.\n\n"
        "The new series starts in November and will have eight episodes.\n",
        encoding="utf-8",
    )
    doctor = AnswerEngine(load_corpus(tmp_path))
    assert "argue" in doctor.answer("And incarnations?").results[0].quote
    *_, second = conversation(doctor, "How many times can a Time Lord regenerate?", "And incarnations?")
    assert "thirteen incarnations" in second.answer.results[0].quote
