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
which one line's stance and a mean over the other lines cannot say.

The model's numbers (:class:`BeliefModel`) start from a hand-set prior of a
plausible person (:data:`HAND_SET`: about a quarter of the kinds liked, a
fifth disliked, a third of lines mistaken), and :func:`fit_belief_model`
fits them by EM to everyone's maps, with the hand-set numbers counting as
:data:`PRIOR_MAPS` maps. So a few maps read much as the hand-set model reads
them, and many maps teach how people on this install actually fill theirs
in: how often a line names a kind it should not, whether mistaken lines name
kinds as unhelpful. The pair bandit learns how much each belief is worth
(``docs/partners.md``).

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
"""The leaning of every kind before any map or rating: P(liked) - P(disliked) of the hand-set prior."""
PRIOR_MAPS = 20.0
"""How many maps of six lines the hand-set numbers count as when the model is fitted to everyone's."""
_STANCE_COLUMN = {1: 0, 0: 1, -1: 2}
_MAPS_PER_STEP = 256


@dataclass(frozen=True)
class BeliefModel:
    """The numbers of the latent-class model: hand-set (:data:`HAND_SET`) or fitted to everyone's maps.

    ``class_prior`` is the share of kinds liked, neutral and disliked; ``fair_line`` (class, stance)
    and ``mistaken_line`` (stance) what a fair and a mistaken line name, with stances in the order
    helping, not named, not helping; ``mistaken_share`` the prior probability that a line is
    mistaken; ``maps`` how many maps it was fitted to (0 for the hand-set numbers).
    """

    class_prior: NDArray[np.float64]
    fair_line: NDArray[np.float64]
    mistaken_line: NDArray[np.float64]
    mistaken_share: float
    maps: int = 0

    @property
    def prior_leaning(self) -> float:
        """The leaning of every kind before any map or rating: P(liked) - P(disliked)."""
        return float(self.class_prior[0] - self.class_prior[2])

    def describe(self) -> str:
        """One sentence on where the numbers come from.

        >>> HAND_SET.describe()
        'hand-set (25% of kinds liked, 20% disliked, 30% of lines mistaken)'
        """
        source = f"fitted to {self.maps:,} map{'s' * (self.maps != 1)}" if self.maps else "hand-set"
        liked, disliked = self.class_prior[0], self.class_prior[2]
        return (
            f"{source} ({liked:.0%} of kinds liked, {disliked:.0%} disliked, "
            f"{self.mistaken_share:.0%} of lines mistaken)"
        )


HAND_SET = BeliefModel(CLASS_PRIOR, FAIR_LINE, MISTAKEN_LINE, MISTAKEN_SHARE)
"""The hand-set model: how a map is read before anyone's maps are known."""


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
    prior_leaning: float = field(default=PRIOR_LEANING)
    """The leaning of every kind for someone without a map or ratings, under the same model."""

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


def read_beliefs(
    support_map: SupportMap, evidence: KindEvidence | None = None, model: BeliefModel = HAND_SET
) -> SupportBeliefs:
    """The posterior of the latent-class model given the map and, if any, the ratings.

    >>> beliefs = read_beliefs(SupportMap())  # no map, no ratings: the prior
    >>> bool(np.allclose(beliefs.leaning, PRIOR_LEANING)), dict(beliefs.line_fair)
    (True, {})
    """
    contexts, stances = _lines(support_map)
    ratings = evidence.log_likelihood() if evidence is not None else None
    weight, classes, fair = _posterior(stances[None], model, ratings)  # a batch of one map
    per_class = classes[:, 0].sum(axis=0)  # (class, kind)
    line_fair = {c: float(weight[fair[:, i], 0].sum()) for i, c in enumerate(contexts)}
    return SupportBeliefs(per_class[0], per_class[2], line_fair, model.prior_leaning)


def fit_belief_model(
    maps: Iterable[SupportMap],
    *,
    prior_maps: float = PRIOR_MAPS,
    start: BeliefModel | None = None,
    tolerance: float = 1e-4,
    max_rounds: int = 200,
) -> BeliefModel:
    """Fit the model's numbers to everyone's maps by EM, starting from and shrunk towards :data:`HAND_SET`.

    The hand-set numbers count as ``prior_maps`` maps of six lines (Dirichlet pseudo-counts), so
    the fit is a posterior mode and a handful of maps barely moves it. Only which kinds each
    line names is read, never a person's own words or ratings. Rounds start from ``start`` (a
    fit to nearly the same maps takes a few rounds; by default the hand-set numbers) and stop
    when no number moves by more than ``tolerance``.

    >>> from attunement.domain.support import MapEntry, StressContext as C, SupportKind as K
    >>> steady = SupportMap({c: MapEntry(c, frozenset({K.LISTENING, K.CLOSENESS}), frozenset({K.SPACE}))
    ...                      for c in (C.WORK, C.FAMILY, C.HEALTH, C.LOSS)})
    >>> fit_belief_model([]).describe()
    'hand-set (25% of kinds liked, 20% disliked, 30% of lines mistaken)'
    >>> fit_belief_model([steady] * 200).describe()  # everyone says the same, every time
    'fitted to 200 maps (25% of kinds liked, 13% disliked, 4% of lines mistaken)'
    """
    groups: dict[int, list[NDArray[np.int_]]] = {}
    for support_map in maps:
        _, stances = _lines(support_map)
        if len(stances):
            groups.setdefault(len(stances), []).append(stances)
    batches = [  # (map, line, kind), maps with the same number of lines, a few hundred at a time
        np.stack(group[start : start + _MAPS_PER_STEP])
        for group in groups.values()
        for start in range(0, len(group), _MAPS_PER_STEP)
    ]
    n_maps = sum(len(batch) for batch in batches)
    if not n_maps:
        return HAND_SET
    model = start or HAND_SET
    cells = prior_maps * len(STRESS_CONTEXTS) * len(SUPPORT_KINDS)  # kind x line pairs the prior is worth
    pseudo = (
        prior_maps * len(SUPPORT_KINDS) * CLASS_PRIOR,
        cells * (1 - MISTAKEN_SHARE) * CLASS_PRIOR[:, None] * FAIR_LINE,
        cells * MISTAKEN_SHARE * MISTAKEN_LINE,
        prior_maps * len(STRESS_CONTEXTS) * np.array([MISTAKEN_SHARE, 1 - MISTAKEN_SHARE]),
    )
    for _ in range(max_rounds):
        counts = [p.copy() for p in pseudo]
        for batch in batches:
            for part, more in zip(counts, _expected_counts(batch, model), strict=True):
                part += more
        classes, fair, mistaken, share = counts
        fitted = BeliefModel(
            classes / classes.sum(),
            fair / fair.sum(axis=1, keepdims=True),
            mistaken / mistaken.sum(),
            float(share[0] / share.sum()),
            n_maps,
        )
        moved = max(
            float(np.abs(fitted.class_prior - model.class_prior).max()),
            float(np.abs(fitted.fair_line - model.fair_line).max()),
            float(np.abs(fitted.mistaken_line - model.mistaken_line).max()),
            abs(fitted.mistaken_share - model.mistaken_share),
        )
        model = fitted
        if moved < tolerance:
            break
    return model


def _lines(support_map: SupportMap) -> tuple[list[StressContext], NDArray[np.int_]]:
    """The map's kinds of stress, and (line, kind): the column of each line's stance on each kind
    (helping, not named, not helping)."""
    contexts = [c for c in STRESS_CONTEXTS if c in support_map.entries]
    stances = np.array(
        [[_STANCE_COLUMN[support_map.stance(c, kind)] for kind in SUPPORT_KINDS] for c in contexts], dtype=int
    )
    return contexts, stances.reshape(len(contexts), len(SUPPORT_KINDS))


def _posterior(
    batch: NDArray[np.int_], model: BeliefModel, ratings: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """The posterior for maps with the same number of lines, ``batch`` (map, line, kind) of stance
    columns, and ``ratings`` (class, kind) log-likelihoods of one map's ratings.

    Returns, per pattern of fair lines (rows of the third result, (pattern, line)), its posterior
    weight (pattern, map) and the joint posterior of the pattern and each kind's class
    (pattern, map, class, kind).
    """
    n_lines = batch.shape[1]
    fair = _fair_patterns(n_lines)  # (pattern, line)
    onehot = np.eye(3)[batch]  # (map, line, kind, stance)
    log_fair = np.einsum("ys,mlks->ymlk", np.log(model.fair_line), onehot)
    log_mistaken = onehot @ np.log(model.mistaken_line)  # (map, line, kind)
    # (pattern, map, class, kind): log P(the lines' stances on the kind, its class | which lines are fair)
    joint = np.einsum("pl,ymlk->pmyk", fair.astype(float), log_fair - log_mistaken[None])
    joint += log_mistaken.sum(axis=1)[None, :, None, :] + np.log(model.class_prior)[None, None, :, None]
    if ratings is not None:
        joint += ratings[None, None]
    per_kind = np.logaddexp.reduce(joint, axis=2)  # (pattern, map, kind)
    mistaken = (~fair).sum(axis=1)
    log_prior = mistaken * np.log(model.mistaken_share) + (n_lines - mistaken) * np.log(
        1 - model.mistaken_share
    )
    log_pattern = per_kind.sum(axis=2) + log_prior[:, None]
    weight = np.exp(log_pattern - log_pattern.max(axis=0))
    weight /= weight.sum(axis=0)
    classes = weight[:, :, None, None] * np.exp(joint - per_kind[:, :, None, :])
    return weight, classes, fair


def _expected_counts(
    batch: NDArray[np.int_], model: BeliefModel
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """EM's E-step for maps with the same number of lines: expected counts of the classes, of the
    stances of fair lines per class, of the stances of mistaken lines, and of mistaken and fair lines."""
    weight, classes, fair_patterns = _posterior(batch, model)
    fair = fair_patterns.astype(float)
    onehot = np.eye(3)[batch]  # (map, line, kind, stance)
    fair_classes = np.einsum("pl,pmyk->mlyk", fair, classes)
    fair_counts = np.einsum("mlyk,mlks->ys", fair_classes, onehot)
    mistaken_lines = np.einsum("pl,pm->ml", 1 - fair, weight)
    mistaken_counts = np.einsum("ml,mlks->s", mistaken_lines, onehot)
    mistaken = mistaken_lines.sum()
    lines = np.array([mistaken, batch.shape[0] * batch.shape[1] - mistaken])
    return classes.sum(axis=(0, 1, 3)), fair_counts, mistaken_counts, lines


@cache
def _fair_patterns(lines: int) -> NDArray[np.bool_]:
    """Every way ``lines`` lines can be fair (True) or mistaken, one per row."""
    codes = np.arange(2**lines)[:, None]
    return ((codes >> np.arange(lines)[None, :]) & 1).astype(bool)
