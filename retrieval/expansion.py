"""What a question asks about, as concepts: the words the reader typed and the forms the sources may use.

Four kinds of alternative form, each only where it is safe: number words (3 and three), groups from
the curated synonym list (data/synonyms.txt), the irregular inflections the stemmer keeps apart (told and
tell, retrieval/inflections.py), and, for a word that is neither in the sources nor in everyday English,
the corpus word one typing slip away ("demnds" -> "demands").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from retrieval.inflections import other_forms
from retrieval.string_table import CountTable
from retrieval.tokens import STOPWORDS, stem, words
from retrieval.word_frequency import RARE_ZIPF, zipf

# Longest synonym phrase, in terms, looked for in a question.
_MAX_PHRASE = 3
# Words shorter than this are never corrected: too many real words lie one slip from them.
_MIN_TYPO_LENGTH = 4
# A short unknown word one slip from a stop word ("wer", "wat") is taken to be that stop word.
_MAX_STOPWORD_TYPO_LENGTH = 4

_CARDINALS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


@dataclass(frozen=True, slots=True)
class Form:
    """One way of saying a concept: its BM25 terms and the words they came from."""

    terms: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing the question asks about; `forms[0]` is what the reader typed."""

    forms: tuple[Form, ...]


def number_forms() -> dict[str, tuple[str, ...]]:
    """Each number word or numeral with the other ways to write it: 3/three, 3rd/third, 1990s/90s/nineties."""
    groups: list[tuple[str, ...]] = [(str(n), word) for n, word in enumerate(_CARDINALS)]
    groups += [(f"{n}{_suffix(n)}", word) for n, word in enumerate(_ORDINALS) if n]
    groups += [(str(10 * n), word) for n, word in enumerate(_TENS, start=2)][1:]
    groups += [(f"19{10 * n}s", f"{10 * n}s", word[:-1] + "ies") for n, word in enumerate(_TENS, start=2)]
    table: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for member in group:
            table[member] = tuple(other for other in group if other != member)
    return table


def load_synonyms() -> list[list[str]]:
    """Groups from data/synonyms.txt: comma-separated, one group a line, '#' starts a comment."""
    text = resources.files("retrieval").joinpath("data/synonyms.txt").read_text(encoding="utf-8")
    groups = []
    for line in text.splitlines():
        members = [member.strip() for member in line.split("#", 1)[0].split(",") if member.strip()]
        if len(members) > 1:
            groups.append(members)
    return groups


class QueryExpander:
    """Turns questions into concepts against one corpus's vocabulary; build once per index."""

    def __init__(
        self,
        word_counts: Mapping[str, int],
        synonyms: list[list[str]] | None = None,
        numbers: bool = True,
        typos: bool = True,
        inflections: bool = True,
        known_terms: Callable[[str], bool] | None = None,
    ) -> None:
        """`word_counts`: how often each content word occurs in the corpus (SearchIndex.word_counts).

        `known_terms` says whether the corpus holds a stemmed term — the BM25 index knows, so a saved
        index's vocabulary is reused as it is; without it the words are stemmed here, once.
        """
        self._typos = typos
        self._inflections = inflections
        self._word_counts = word_counts if isinstance(word_counts, CountTable) else CountTable.build(word_counts)
        self._known_terms = known_terms
        self._numbers = number_forms() if numbers else {}
        self._synonyms: dict[tuple[str, ...], list[Form]] = {}
        for group in synonyms if synonyms is not None else load_synonyms():
            forms = [_form(member) for member in group]
            for form in forms:
                if form.terms:
                    self._synonyms[form.terms] = [other for other in forms if other != form and other.terms]

    def expand(self, question: str) -> list[Concept]:
        """The question's distinct concepts in question order; typos of stop words are dropped.

        A repeated word counts once, so "1+1" or "nato nato" cannot inflate the no-answer rule's coverage.
        """
        typed = [word for word in words(question) if word not in STOPWORDS]
        concepts: list[Concept] = []
        i = 0
        while i < len(typed):
            length, alternatives = self._synonym_at(typed, i)
            original = Form(tuple(stem(w) for w in typed[i : i + length]), tuple(typed[i : i + length]))
            i += length
            if length == 1:
                word = original.words[0]
                alternatives = alternatives + self._number_alternatives(word) + self._inflected(word)
                if self._typos and not self._known(original, alternatives) and _maybe_typo(word):
                    if _mistyped_stop_word(word):
                        continue
                    alternatives = alternatives + [_form(c) for c in self._correction(word)]
            concept = Concept((original, *alternatives))
            if concept not in concepts:
                concepts.append(concept)
        return concepts

    def _synonym_at(self, typed: list[str], i: int) -> tuple[int, list[Form]]:
        for length in range(min(_MAX_PHRASE, len(typed) - i), 0, -1):
            key = tuple(stem(word) for word in typed[i : i + length])
            if key in self._synonyms:
                return length, self._synonyms[key]
        return 1, []

    def _number_alternatives(self, word: str) -> list[Form]:
        return [_form(other) for other in self._numbers.get(word, ())]

    def _inflected(self, word: str) -> list[Form]:
        return [_form(other) for other in other_forms(word)] if self._inflections else []

    def _known(self, original: Form, alternatives: list[Form]) -> bool:
        known = self._known_terms or self._stemmed_vocabulary.__contains__
        return any(all(map(known, form.terms)) for form in (original, *alternatives))

    @cached_property
    def _stemmed_vocabulary(self) -> frozenset[str]:
        return frozenset(stem(word) for word in self._word_counts if word not in STOPWORDS)

    def _correction(self, word: str) -> list[str]:
        """The corpus word one slip from `word` that the sources use most, if there is one.

        Every string one slip away is looked up, with only the letters that follow and precede their
        neighbours somewhere in the corpus's words put in (a few hundred strings for a word): nothing is
        built per word of the vocabulary, so neither start-up nor memory grows with it.
        """
        if len(word) < _MIN_TYPO_LENGTH:
            return []
        slips = sorted(
            slip
            for slip in _one_slip_away(word, self._neighbours)
            if len(slip) >= _MIN_TYPO_LENGTH - 1 and slip.isalpha() and slip not in STOPWORDS
        )
        counts = self._word_counts.counts_of(slips, remember=False)
        used = [(count, slip) for slip, count in zip(slips, counts, strict=True) if count]
        # The most used; on equal counts the first in alphabetical order.
        return [max(used, key=lambda pair: pair[0])[1]] if used else []

    @cached_property
    def _neighbours(self) -> _Neighbours:
        return _Neighbours(self._word_counts.neighbours())


def _maybe_typo(word: str) -> bool:
    """Letters only, and not a word of everyday English: "demnds" may be a typo, "tall" is not."""
    return word.isalpha() and zipf(word) < RARE_ZIPF


def _mistyped_stop_word(word: str) -> bool:
    return len(word) <= _MAX_STOPWORD_TYPO_LENGTH and any(
        _one_edit_apart(word, stop_word) for stop_word in _STOPWORDS_BY_LENGTH.get(len(word), ())
    )


def _form(text: str) -> Form:
    typed = tuple(word for word in words(text) if word not in STOPWORDS) or tuple(words(text))
    return Form(tuple(stem(word) for word in typed), typed)


def _suffix(n: int) -> str:
    """The ordinal suffix of 1 to 20."""
    return {1: "st", 2: "nd", 3: "rd"}.get(n, "th")


class _Neighbours:
    """Which letters follow and precede which in the corpus's words: a slip putting a letter between two
    that never have it beside them cannot give a corpus word."""

    def __init__(self, pairs: frozenset[str]) -> None:
        self._after: dict[str, set[str]] = defaultdict(set)
        self._before: dict[str, set[str]] = defaultdict(set)
        for pair in pairs:
            self._after[pair[0]].add(pair[1])
            self._before[pair[1]].add(pair[0])
        self._letters = frozenset(self._after) | frozenset(self._before)

    def between(self, left: str, right: str) -> frozenset[str] | set[str]:
        """The letters found after `left` and before `right` (either may be "": the word's edge)."""
        after = self._after.get(left, set()) if left else self._letters
        before = self._before.get(right, set()) if right else self._letters
        return after & before


def _one_slip_away(word: str, neighbours: _Neighbours) -> set[str]:
    """Every string one insertion, deletion, substitution or swap of neighbours from `word` that puts in
    only letters its new neighbours have beside them somewhere in the corpus."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    slips = {head + tail[1:] for head, tail in splits if tail}
    slips |= {head + tail[1] + tail[0] + tail[2:] for head, tail in splits if len(tail) > 1}
    for head, tail in splits:
        left = head[-1:]
        slips |= {head + letter + tail for letter in neighbours.between(left, tail[:1])}
        if tail:
            slips |= {head + letter + tail[1:] for letter in neighbours.between(left, tail[1:2])}
    slips.discard(word)
    return slips


def _one_edit_apart(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and (a[diffs[0]], a[diffs[1]]) == (b[diffs[1]], b[diffs[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _by_length(vocabulary: Iterable[str]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for word in sorted(vocabulary):
        grouped[len(word)].append(word)
    return grouped


_STOPWORDS_BY_LENGTH = _by_length(STOPWORDS)
