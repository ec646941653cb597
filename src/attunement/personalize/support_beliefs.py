"""What a support map and a partner's ratings say about the kinds of support they like.

People's likes in support carry over from one kind of stress to the next, and
a line of their support map can be mistaken ("I want solutions" when
listening is what helps). This small latent-class model reads the whole map
at once with both facts in mind:

* each kind of support is, for this person and whatever the stress, **liked**,
  **neutral** or **disliked** (prior :data:`CLASS_PRIOR`);
* each line of the map is **fair** or, with probability
  :data:`MISTAKEN_SHARE`, **mistaken**. A fair line names liked kinds as
  helping and disliked ones as not (:data:`FAIR_LINE`); what a mistaken line
  names has nothing to do with the person's classes (:data:`MISTAKEN_LINE`);
* each rating of a kind differs from what everyone's weights expect of a
  neutral kind by :data:`CLASS_EFFECT` of its class, plus noise of variance
  :data:`RATING_VARIANCE` (the evidence is :class:`KindEvidence`).

The posterior is exact: for each of the 2^lines (at most 64) ways the lines can
be fair or mistaken, the kinds are independent, so it sums over those. A line
that names kinds the other lines and the ratings do not support comes out as
likely mistaken, and a kind named as helping in most lines as likely liked,
which one line's stance and a mean over the other lines cannot say. The
numbers are a hand-set prior of a plausible person (about a quarter of the
kinds liked, a fifth disliked, a third of lines mistaken); the pair bandit
learns how much each belief is worth (``docs/partners.md``).

Examples
--------
>>> from attunement.domain.support import MapEntry, StressContext, SupportKind, SupportMap
>>> K, C = SupportKind, StressContext
>>> lines = {c: MapEntry(c, frozenset({K.LISTENING, K.CLOSENESS}), frozenset({K.PRACTICAL}))
...          for c in (C.WORK, C.FAMILY, C.HEALTH, C.LOSS)}
>>> lines[C.EVERYDAY] = MapEntry(C.EVERYDAY, frozenset({K.PRACTICAL, K.INFORMATION}))
>>> beliefs = read_beliefs(SupportMap(lines))
>>> round(beliefs.liked_share(K.LISTENING), 2), round(beliefs.liked_share(K.PRACTICAL), 2)
(1.0, 0.0)
>>> round(beliefs.fair(C.WORK), 2), round(beliefs.fair(C.EVERYDAY), 2), beliefs.doubted()
(1.0, 0.03, (<StressContext.EVERYDAY: 'everyday'>,))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from attunement.domain.support import STRESS_CONTEXTS, SUPPORT_KINDS, StressContext, SupportKind, SupportMap

CLASS_PRIOR = np.array([0.25, 0.55, 0.20])
"""Prior share of kinds of support a person likes, feels neutral about, and dislikes."""
FAIR_LINE = np.array(
    [  # P(named as helping, not named, named as not helping | class) in a fair line
        [0.80, 0.199, 0.001],  # liked
        [0.10, 0.80, 0.10],  # neutral
        [0.02, 0.40, 0.58],  # disliked
    ]
)
MISTAKEN_LINE = CLASS_PRIOR @ FAIR_LINE
"""What a mistaken line names, whatever the person's classes: helping, not named, not helping, as
often as a fair line does on average. So how many kinds a line names says nothing about whether it
is mistaken (a line naming one kind is as fair as any); only which kinds, against the rest."""
MISTAKEN_SHARE = 0.3
"""Prior probability that one line of a map is mistaken."""
CLASS_EFFECT = np.array([0.15, 0.0, -0.15])
"""How much higher a rating (on the 0-1 reward scale) runs for a liked, neutral and disliked kind."""
RATING_VARIANCE = 0.05
"""Variance of one rating around its expectation (a 1-5 rating with a spread of 0.9 stars)."""
DOUBTED_BELOW = 0.5
"""A line of the map is doubted when its probability of being fair is below this."""
PRIOR_LEANING = float(CLASS_PRIOR[0] - CLASS_PRIOR[2])
"""The leaning of every kind before any map or rating: P(liked) - P(disliked) of the prior."""
_STANCE_COLUMN = {1: 0, 0: 1, -1: 2}


@dataclass(frozen=True)
class KindEvidence:
    """The supported partner's ratings, per kind in :data:`SUPPORT_KINDS` order.

    ``count`` is how many ratings each kind has; ``surprise`` the sum of each rating minus what
    everyone's weights expect of a neutral kind in that check-in.
    """

    count: NDArray[np.float64]
    surprise: NDArray[np.float64]

    def log_likelihood(self) -> NDArray[np.float64]:
        """(class, kind): the log-likelihood of the ratings of each kind if it were of that class.

        >>> evidence = KindEvidence(np.array([3.0] + [0.0] * 7), np.array([0.45] + [0.0] * 7))
        >>> [round(float(v), 2) + 0.0 for v in evidence.log_likelihood()[:, 0]]  # three ratings 0.15 above
        [0.0, -0.67, -2.7]
        """
        count = self.count[None, :]
        gap = self.surprise[None, :] - count * CLASS_EFFECT[:, None]
        rated = count > 0
        return np.where(rated, -(gap**2) / (2 * RATING_VARIANCE * np.maximum(count, 1e-12)), 0.0)


@dataclass(frozen=True)
class SupportBeliefs:
    """Per kind, the probability that the person likes it and that they dislike it; per line of the
    map, the probability that it is fair to them."""

    liked: NDArray[np.float64]
    disliked: NDArray[np.float64]
    line_fair: Mapping[StressContext, float]

    @property
    def leaning(self) -> NDArray[np.float64]:
        """Per kind, P(liked) - P(disliked): from -1 (surely disliked) to +1 (surely liked)."""
        return self.liked - self.disliked

    def liked_share(self, kind: SupportKind) -> float:
        """The probability that the person likes ``kind``, whatever the stress."""
        return float(self.liked[SUPPORT_KINDS.index(kind)])

    def fair(self, context: StressContext) -> float:
        """The probability that the map's line for ``context`` is fair to the person (0 without one)."""
        return self.line_fair.get(context, 0.0)

    def doubted(self) -> tuple[StressContext, ...]:
        """The lines of the map that the rest of it and the ratings suggest may not fit the person."""
        return tuple(c for c, fair in self.line_fair.items() if fair < DOUBTED_BELOW)


def read_beliefs(support_map: SupportMap, evidence: KindEvidence | None = None) -> SupportBeliefs:
    """The posterior of the latent-class model given the map and, if any, the ratings.

    >>> beliefs = read_beliefs(SupportMap())  # no map, no ratings: the prior
    >>> bool(np.allclose(beliefs.leaning, PRIOR_LEANING)), dict(beliefs.line_fair)
    (True, {})
    """
    contexts = [c for c in STRESS_CONTEXTS if c in support_map.entries]
    stances = np.array(
        [[_STANCE_COLUMN[support_map.stance(c, kind)] for kind in SUPPORT_KINDS] for c in contexts], dtype=int
    ).reshape(len(contexts), len(SUPPORT_KINDS))
    fair = _fair_patterns(len(contexts))  # (pattern, line)
    # (pattern, class, kind): log P(the lines' stances on the kind | class, which lines are fair)
    per_line = np.where(
        fair[:, None, :, None],
        np.log(FAIR_LINE[:, stances])[None],  # (class, line, kind)
        np.log(MISTAKEN_LINE[stances])[None, None],  # (line, kind)
    ).sum(axis=2)
    joint = per_line + np.log(CLASS_PRIOR)[None, :, None]
    if evidence is not None:
        joint = joint + evidence.log_likelihood()[None]
    per_kind = np.logaddexp.reduce(joint, axis=1)  # (pattern, kind)
    log_pattern = per_kind.sum(axis=1) + fair @ np.full(len(contexts), np.log(1 - MISTAKEN_SHARE))
    log_pattern += (~fair) @ np.full(len(contexts), np.log(MISTAKEN_SHARE))
    weight = np.exp(log_pattern - log_pattern.max())
    weight /= weight.sum()
    classes = np.einsum("p,pyk->yk", weight, np.exp(joint - per_kind[:, None, :]))
    line_fair = {c: float(weight[fair[:, i]].sum()) for i, c in enumerate(contexts)}
    return SupportBeliefs(liked=classes[0], disliked=classes[2], line_fair=line_fair)


@cache
def _fair_patterns(lines: int) -> NDArray[np.bool_]:
    """Every way ``lines`` lines can be fair (True) or mistaken, one per row."""
    codes = np.arange(2**lines)[:, None]
    return ((codes >> np.arange(lines)[None, :]) & 1).astype(bool)
