"""Follow-up questions made from SQuAD: two questions on one paragraph, the second as a reader would follow up.

    .venv/bin/python bench/squad_dialogues.py [--squad ../shared/eval/squad-v1.1-dev-even.json] [--show N] [--ellipses]

For each paragraph, the first pair of its questions whose second names an entity the first names too (a run
of capitalised words, "Super Bowl 50", "the Normans") and asks for a different answer becomes a dialogue.
The second question loses that entity: two in three get a pronoun instead ("What venue did it take place
in?"), one in three drop it with its preposition ("What venue did take place in?" reads badly, so dropping
only happens after "of/in/for/by/at/on/from" or a leading possessive: "What is the capital?").
Nothing is written to disk: SQuAD-derived data never goes into the repository.

With --ellipses the follow-ups are instead the short ones readers type ("And when?", "And how many
touchdowns?"): a pair of questions on one paragraph, in either order, whose second, after its question phrase
(the question word, with the lower-case word after "how", "what", "which" or "whose"), says only what the first
said (every content word's stem is in the first); the follow-up is "And" with that question phrase. Readers
leave out exactly what was just said; a bare "what" or "which", a phrase the first question opens with too
("And who?" after "Who ...?" asks it again), or one with nothing left out, is no ellipsis.

Prints, in one run, for the even-numbered articles and the odd-numbered ones (the follow-up rules were first
tuned on the even ones, then on the odd ones with the even held out): first-turn top-1, follow-up top-1
answered in the conversation, and the same follow-ups answered without context; each twice, with every
article its own corpus, and with the half's articles in one corpus, as a news bot holds many articles (a
follow-up whose entity is dropped must then find its article too, not only its paragraph); then the CPU time
of a follow-up answered alone and in its conversation.
"""

from __future__ import annotations

import argparse
import itertools
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from bot.cli.dialogue_report import dialogue_report
from corpus.loader import Corpus
from retrieval.engine import AnswerEngine
from retrieval.eval_sets import EvalDialogue, EvalGroup, EvalQuestion, read_squad
from retrieval.evaluation import RANK_DEPTH, evaluate
from retrieval.followup import Previous, answer_in_context
from retrieval.tokens import STOPWORDS, normalize

REPOSITORY = Path(__file__).resolve().parent.parent
_ENTITY = re.compile(
    r"(?:\b(?:[Tt]he|an?) )?(?:[A-Z0-9][\w.\-]*(?:'s)?)(?: (?:of |de |the |and )?[A-Z0-9][\w.\-]*(?:'s)?)*"
)
_AUXILIARY = re.compile(r"\b(?:did|does|do|was|is|were|are|has|have|had|will|would|can|could) $")
_DROP_AFTER = re.compile(r"\b(?:of|in|for|by|at|on|from) $")
_WORD = re.compile(r"[\w'-]+")
_QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
# Question words whose phrase takes the next word along ("how tall", "what year", "which army").
_HEADED = {"how", "what", "which", "whose"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"))
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the first N dialogues made")
    parser.add_argument("--ellipses", action="store_true", help='short follow-ups ("And when?") instead')
    args = parser.parse_args()
    make = ellipsis_dialogues if args.ellipses else dialogues
    groups = [EvalGroup(g.corpus, [], make(g.questions, g.corpus.documents[0].title)) for g in read_squad(args.squad)]
    made = [d for g in groups for d in g.dialogues]
    for dialogue in made[: args.show]:
        print(" → ".join(turn.text for turn in dialogue.turns))
    for name, half in (("even articles", groups[0::2]), ("odd articles", groups[1::2])):
        for layout, asked in (("each its own corpus", half), ("in one corpus", [one_corpus(half)])):
            report = dialogue_report(evaluate(asked))
            print(f"\n== {name}, {layout}\n" + report.split("\nFollow-up misses")[0])
    print("\n== time per question, in process (CPU ms, mean over every dialogue)")
    alone, followed = timings(groups)
    print(f"a question on its own: {alone:.2f} ms; a follow-up read with its conversation: {followed:.2f} ms")


def one_corpus(groups: Sequence[EvalGroup]) -> EvalGroup:
    """The groups' articles as one corpus, asked every group's questions and dialogues (passage ids stay unique)."""
    corpus = Corpus(
        root=groups[0].corpus.root,
        documents=[document for group in groups for document in group.corpus.documents],
        passages=[passage for group in groups for passage in group.corpus.passages],
    )
    return EvalGroup(
        corpus,
        [question for group in groups for question in group.questions],
        [dialogue for group in groups for dialogue in group.dialogues],
    )


def timings(groups: Sequence[EvalGroup]) -> tuple[float, float]:
    """Mean CPU time of answering each follow-up alone, and in its conversation, engine built beforehand."""
    alone = followed = 0.0
    count = 0
    for group in groups:
        engine = AnswerEngine(group.corpus)
        for dialogue in group.dialogues:
            first, second = dialogue.turns
            previous = Previous().after(answer_in_context(engine, first.text, None, RANK_DEPTH))
            started = time.process_time()
            engine.answer(second.text, RANK_DEPTH)
            middle = time.process_time()
            answer_in_context(engine, second.text, previous, RANK_DEPTH)
            alone, followed = alone + middle - started, followed + time.process_time() - middle
            count += 1
    return 1000 * alone / count, 1000 * followed / count


def dialogues(questions: Sequence[EvalQuestion], title: str) -> list[EvalDialogue]:
    """One dialogue per paragraph that has a pair of questions sharing an entity, in question order."""
    by_paragraph: dict[str | None, list[EvalQuestion]] = {}
    for question in questions:
        by_paragraph.setdefault(question.gold_passage, []).append(question)
    made = []
    for asked in by_paragraph.values():
        pair = _first_pair(asked, title)
        if pair is not None:
            first, second, follow_up = pair
            made.append(EvalDialogue((first, EvalQuestion(follow_up, second.gold, second.gold_passage)), "squad"))
    return made


def ellipsis_dialogues(questions: Sequence[EvalQuestion], title: str = "") -> list[EvalDialogue]:
    """One dialogue per paragraph with a pair of its questions the second of which shortens to an ellipsis."""
    by_paragraph: dict[str | None, list[EvalQuestion]] = {}
    for question in questions:
        by_paragraph.setdefault(question.gold_passage, []).append(question)
    made = []
    for asked in by_paragraph.values():
        for first, second in itertools.permutations(asked, 2):
            follow_up = ellipsis_of(first.text, second.text)
            if follow_up is not None and not set(second.gold or ()) & set(first.gold or ()):
                asked_next = EvalQuestion(follow_up, second.gold, second.gold_passage)
                made.append(EvalDialogue((first, asked_next), "ellipsis"))
                break
    return made


def ellipsis_of(first: str, second: str) -> str | None:
    """ "And <question phrase>?" when everything else `second` says is in `first`; else None.

    "When was the Edict of Worms presented?" after "Who presented the Edict of Worms?" is "And when?";
    "How many touchdowns did Newton have in 2015?" after "How many yards did Newton throw for in 2015?" is
    "And how many touchdowns?".
    """
    tokens = _WORD.findall(second)
    if not tokens or tokens[0].casefold() not in _QUESTION_WORDS:
        return None
    length = 1
    if tokens[0].casefold() == "how" and len(tokens) > 1 and tokens[1].casefold() in ("many", "much"):
        length = 2
    head = tokens[length] if len(tokens) > length else ""
    if tokens[0].casefold() in _HEADED and head.islower() and head not in STOPWORDS:
        length += 1
    phrase = [token.casefold() for token in tokens[:length]]
    if (phrase[0] in ("what", "which") and length == 1) or _WORD.findall(first.casefold())[:length] == phrase:
        return None
    rest = [token for token in tokens[length:] if token.casefold() not in STOPWORDS]
    said = {normalize(token) for token in _WORD.findall(first)}
    if not rest or any(normalize(token) not in said for token in rest):
        return None
    return "And " + " ".join(phrase) + "?"


def _first_pair(asked: Sequence[EvalQuestion], title: str) -> tuple[EvalQuestion, EvalQuestion, str] | None:
    for i, first in enumerate(asked):
        for second in asked[i + 1 :]:
            if set(second.gold or ()) & set(first.gold or ()):
                continue
            follow_up = follow_up_of(first.text, second.text, title)
            if follow_up is not None:
                return first, second, follow_up
    return None


def follow_up_of(first: str, second: str, title: str = "") -> str | None:
    """`second` without the longest entity it shares with `first` (one that is not the article's title first).

    None when they share none, or when the entity is a modifier a pronoun cannot replace ("which Panthers
    player"); "the Panthers defense" becomes "their defense".
    """
    shared = [span for span in _entities(second) if _in(second[span[0] : span[1]], first)]
    if not shared:
        return None
    start, end = max(shared, key=lambda span: (not _in(second[span[0] : span[1]], title), span[1] - span[0]))
    following = re.match(r" ([a-z]+)", second[end:])
    modifier = following is not None and following.group(1) not in STOPWORDS
    determiner = re.match(r"(?i)(?:the|an?) ", second[start:])
    if modifier and _AUXILIARY.search(second[:start]):
        modifier = False
    elif modifier and not determiner:
        return None
    entity = second[start:end]
    before, after = second[:start], second[end:]
    possessive = entity.endswith("'s") or modifier
    drop = zlib.crc32(second.encode()) % 3 == 0
    if drop and (_DROP_AFTER.search(before) or (possessive and before.strip())):
        text = _DROP_AFTER.sub("", before) + after.lstrip() if not possessive else before + "the " + after.lstrip()
    else:
        text = before + _pronoun(entity, before, possessive) + after
    text = re.sub(r"\s+([?.,])", r"\1", re.sub(r"\s+", " ", text)).strip()
    return text[:1].upper() + text[1:] if len(text.split()) >= 3 else None


def _entities(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words (and numbers), without a question word that happens to open the run."""
    spans = []
    for match in _ENTITY.finditer(text):
        start, span = match.start(), match.group()
        while (first := span.split(" ", 1)[0]).casefold() in STOPWORDS - {"the", "a", "an"} and " " in span:
            start += len(first) + 1
            span = span[len(first) + 1 :]
        if _entity_words(span) and span.split(" ", 1)[0].casefold() not in STOPWORDS - {"the", "a", "an"}:
            spans.append((start, start + len(span)))
    return spans


def _entity_words(span: str) -> list[str]:
    """The span's capitalised words; a span of numbers alone ("2012") is a date, not an entity."""
    tokens = [t for t in re.split(r"[ ']", span) if t and t not in ("s", "of", "de", "the", "and", "The", "a", "an")]
    named = [t for t in tokens if t.casefold() not in STOPWORDS]
    return named if any(t[:1].isupper() for t in named) else []


def _in(span: str, text: str) -> bool:
    core = " ".join(_entity_words(span))
    return bool(core) and core.casefold() in text.casefold()


def _pronoun(span: str, before: str, possessive: bool) -> str:
    bare = re.sub(r"'s$", "", span)
    plural = bare.endswith("s") and not bare.endswith("ss")
    if possessive:
        return "their" if plural else "its"
    object_position = bool(before.strip()) and not before.rstrip().endswith(("did", "does", "do", "was", "is", "were"))
    if plural:
        return "them" if object_position else "they"
    return "it"


if __name__ == "__main__":
    main()
