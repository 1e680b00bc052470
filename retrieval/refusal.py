"""The refusal rule: a logistic regression over what the engine knows about its best passage, fitted offline.

A shared-word share alone cannot tell "the article says this in other words" from "the article mentions
the same people but not this". The engine measures a few signals for every question (`Signals`); a
model fitted by bench/fit_refusal.py on labelled questions turns them into the probability that the
first passage is the right one, and the bot answers only above the shipped threshold. The weights,
threshold and where they were fitted live in data/refusal.json; see README "When the bot says no".
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Signals:
    """What the engine knows about its best passage for one question.

    coverage: share of the question's weight (corpus idf) the best passage holds; sentence_coverage: the
    same in its best single sentence; bm25: its BM25 score as a share of the best any passage could
    reach for these terms; gap: how far the second candidate's final score falls below the first's (0: a
    tie, 1: no second); unknown: share of the question's weight in words no passage uses; missing: the
    heaviest single concept the best passage lacks, as a share; terms: how many content concepts the
    question has; foreign: the question looks written in another language than the corpus's (and so does
    the conversation's earlier topic, when it is read with one). cosine: the best passage's cosine with
    the question; spread: how far that stands above the mean cosine of all passages; lead: above the
    nearest other passage (negative when one is nearer); agreement: 1 / the best passage's rank by
    cosine. These four are None when the semantic stage is off.
    """

    coverage: float
    sentence_coverage: float
    bm25: float
    gap: float
    unknown: float
    missing: float
    terms: int
    foreign: bool = False
    cosine: float | None = None
    spread: float | None = None
    lead: float | None = None
    agreement: float | None = None

    @property
    def semantic(self) -> bool:
        return self.cosine is not None


# Each feature a model may use, from the signals; the fitted file names the ones it was fitted on.
FEATURES: Mapping[str, Callable[[Signals], float]] = {
    "coverage": lambda s: s.coverage,
    "sentence_coverage": lambda s: s.sentence_coverage,
    "bm25": lambda s: s.bm25,
    "gap": lambda s: s.gap,
    # How clearly the first passage leads, on the part of the question the sources know: a passage that
    # leads only because it alone holds a name, while most of the question is in no passage ("What did
    # Biden say about climate change?"), leads on little.
    "known_gap": lambda s: s.gap * (1 - s.unknown),
    "unknown": lambda s: s.unknown,
    "missing": lambda s: s.missing,
    "log_terms": lambda s: math.log(max(s.terms, 1)),
    "cosine": lambda s: s.cosine or 0.0,
    "spread": lambda s: s.spread or 0.0,
    "lead": lambda s: s.lead or 0.0,
    "agreement": lambda s: s.agreement or 0.0,
}


class RefusalFileError(ValueError):
    """data/refusal.json is not a model this code can use."""


@dataclass(frozen=True, slots=True)
class Model:
    """One fitted logistic regression: standardised features, weights, bias and the threshold to answer at."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def vector(self, signals: Signals) -> list[float]:
        """The model's features for these signals, standardised as at fitting."""
        return [
            (FEATURES[name](signals) - mean) / scale
            for name, mean, scale in zip(self.features, self.mean, self.scale, strict=True)
        ]

    def probability(self, signals: Signals) -> float:
        """The fitted probability that the best passage is the right one."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, self.vector(signals), strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Model:
        features = tuple(record["features"])
        unknown = [name for name in features if name not in FEATURES]
        if unknown:
            raise RefusalFileError(f"unknown features {unknown}")
        model = cls(
            features,
            tuple(map(float, record["mean"])),
            tuple(map(float, record["scale"])),
            tuple(map(float, record["weights"])),
            float(record["bias"]),
            float(record["threshold"]),
        )
        if not len(model.mean) == len(model.scale) == len(model.weights) == len(features):
            raise RefusalFileError("features, mean, scale and weights differ in length")
        return model

    def record(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
        }


# A question in another language most of whose weight is in words no passage uses carries no lexical
# evidence either way: the meaning model, on cosine signals alone, judges it. ("putin 1997 nato" looks
# Italian to the language guess, but its words are the corpus's.)
MEANING_FROM_UNKNOWN = 0.5


@dataclass(frozen=True, slots=True)
class RefusalRule:
    """The lexical model without cosines; with them, the semantic one, or the meaning one when words tell nothing.

    `meaning` weighs only the cosine signals (the best passage's cosine, and how it stands among all
    passages: spread, lead, agreement), and is fitted on questions written in other languages than the
    sources, where a question's cosines all run lower than an English one's.
    """

    lexical: Model
    semantic: Model | None = None
    meaning: Model | None = None

    def model_for(self, signals: Signals) -> Model:
        if not signals.semantic or self.semantic is None:
            return self.lexical
        if self.meaning is not None and signals.foreign and signals.unknown >= MEANING_FROM_UNKNOWN:
            return self.meaning
        return self.semantic

    def confidence(self, signals: Signals) -> float:
        return self.model_for(signals).probability(signals)

    def confident(self, signals: Signals) -> bool:
        """Whether the best passage may be shown as the answer."""
        model = self.model_for(signals)
        return model.probability(signals) >= model.threshold

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RefusalRule:
        models = record["models"]
        semantic, meaning = models.get("semantic"), models.get("meaning")
        return cls(
            Model.from_record(models["lexical"]),
            Model.from_record(semantic) if semantic else None,
            Model.from_record(meaning) if meaning else None,
        )


def feature_matrix(model_features: Sequence[str], signals: Sequence[Signals]) -> list[list[float]]:
    """Raw (not standardised) features, one row per question, for fitting."""
    return [[FEATURES[name](s) for name in model_features] for s in signals]


@cache
def shipped_rule() -> RefusalRule:
    """The rule in data/refusal.json, read once."""
    text = resources.files("retrieval").joinpath("data/refusal.json").read_text(encoding="utf-8")
    return RefusalRule.from_record(json.loads(text))
