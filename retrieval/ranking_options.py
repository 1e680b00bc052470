"""The switches and weights of every ranking feature beyond plain BM25, each one measured by `quotebot eval`.

The defaults are what the engine uses. Turning one feature off at a time is how the ablation benchmark
(bench/ablation.py) shows what each adds; see README "How passages are ranked".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RankingOptions:
    """Second-stage bonuses, as shares of the best BM25 score among the candidates, and query-side switches."""

    # Share of the question's term weight found in the passage's best single sentence.
    sentence: float = 1.4
    # Within a sentence, a question term whose word family is there (colonise, colonial) counts this much.
    family: float = 0.75
    # Share of the question's character 4-gram weight found in the passage's best sentence for them.
    grams: float = 1.8
    # Each 4-gram weighs by how few passages use it (idf), rather than all alike.
    gram_rarity: bool = True
    # Share of the question's weight in adjacent term pairs that are adjacent in the passage too.
    phrase: float = 0.5
    # The best sentence holds what the question type asks for (a date for "when", a number for "how many").
    cue: float = 0.4
    # Temper corpus idf with English word frequency, so "example" weighs less than "Crimea".
    rarity: bool = True
    # 3 finds three, 1990s finds nineties.
    numbers: bool = True
    # The curated groups in data/synonyms.txt.
    synonyms: bool = True
    # Irregular inflections the stemmer keeps apart are alternative forms: tell finds told, men finds man.
    inflections: bool = True
    # A rare word absent from the sources is read as the corpus word one typing slip away.
    typos: bool = True
    # A question about a period lifts candidates dated in it, or with a sentence about a day in it.
    dates: float = 1.0
    # "latest", "recent": newer documents are lifted, the newest candidate by this share.
    recency: float = 0.5
    # The semantic stage (retrieval/semantic_stage.py): the passages nearest the question by the cosine
    # of their sentence embeddings join BM25's candidates, and each candidate's cosine, as its distance
    # below the best candidate's in units of COSINE_UNIT, weighs this much in the second stage.
    semantic: float = 1.0
    # With the semantic stage, a candidate's cosine is raised by this share of how far its sentence nearest the
    # question is above the whole passage's: one vector of a long paragraph blurs the sentence that answers.
    sentence_meaning: float = 0.7
    # With the semantic stage, the first result of a long passage none of whose sentences holds a word of
    # the question (one asked in another language) is quoted from its sentences nearest the question.
    meaning_quotes: bool = True
    # With the semantic stage, a long passage's quote favours its sentence nearest the question by meaning: that
    # one gains this much in the quote's sentence score, the others less as their cosine falls below its.
    quote_meaning: float = 0.3
    # With the semantic stage, BM25's own score counts this share of itself in the final score (the bonuses,
    # the cosine's included, keep their weights): BM25's term counts and the cosine both say "this passage is
    # about the question's topic", and once the cosine says it, BM25 counted in full says it twice. Without
    # the stage BM25 counts in full, as the other weights were tuned for.
    semantic_bm25: float = 0.5

    @property
    def reranks(self) -> bool:
        return bool(self.sentence or self.grams or self.phrase or self.cue or self.semantic)


# Every feature off: BM25 alone on the question's own terms, to measure what the rest adds.
BM25_ONLY = RankingOptions(
    sentence=0,
    family=0,
    grams=0,
    gram_rarity=False,
    phrase=0,
    cue=0,
    rarity=False,
    numbers=False,
    synonyms=False,
    typos=False,
    inflections=False,
    dates=0,
    recency=0,
    semantic=0,
    sentence_meaning=0,
    meaning_quotes=False,
    quote_meaning=0,
)
