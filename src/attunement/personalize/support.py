"""Which kind of support to offer now: a Thompson-sampling bandit per pair, started from the support map.

A decision is made when the supported partner checks in. Every kind of support
is scored from features of (the check-in, the kind), two of them read from
:mod:`~attunement.personalize.support_beliefs`, which weighs the whole map and
the pair's ratings so far:

* ``bias``: 1;
* ``stance``: +1 when the supported partner's map says this kind helps with
  this kind of stress, -1 when it says it does not, 0 when the map is silent,
  times the probability that this line of the map is fair to them (a line
  that the other lines and the ratings contradict counts for little);
* ``usually_helps``: how likely the next-strategy model finds the strategies
  of this kind for the check-in's text (the prior of what usually helps in
  ESConv's support conversations); 1/8 when there is no text;
* ``leaning``: the probability that the person likes this kind of support,
  whatever the stress, minus the probability that they dislike it, from the
  map and their ratings of every kind of stress (preferences carry over:
  someone who wants listening about work and family likely wants it about
  health too, whatever that line says);
* one indicator per kind, per (kind, emotion family) and per (kind, stress
  context): what the pair learns beyond the map.

The map is read with the numbers of :attr:`SupportContext.belief_model`:
hand-set by default, or fitted to everyone's maps
(:func:`~attunement.personalize.support_beliefs.fit_belief_model`, as the
partner service does).

The weights start from a documented prior (the map counts, the model a
little) through the population posterior of :class:`ThompsonPolicy`, and
each pair moves away from it with the supported partner's own ratings. So a
new pair gets what their map says; a pair whose map is wrong about, say, work
stress learns within a few check-ins that something else helps.

Examples
--------
>>> from attunement.domain.support import EmotionFamily, StressContext, SupportMap
>>> chooser = SupportChooser(seed=1)
>>> pair, population = chooser.policy.new_stats(), chooser.policy.new_stats()
>>> context = SupportContext(StressContext.WORK, EmotionFamily.SAD, SupportMap(), {})
>>> choice = chooser.choose(context, pair, population)
>>> choice.kind in SUPPORT_KINDS and 0 < choice.propensity <= 1
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from attunement.domain.support import (
    EMOTION_FAMILIES,
    STRESS_CONTEXTS,
    SUPPORT_KINDS,
    EmotionFamily,
    StressContext,
    SupportKind,
    SupportMap,
)
from attunement.personalize.policy import SufficientStats, ThompsonPolicy
from attunement.personalize.support_beliefs import (
    HAND_SET,
    BeliefModel,
    KindEvidence,
    SupportBeliefs,
    read_beliefs,
)

SUPPORT_FEATURES_VERSION = "s3"
SUPPORT_POLICY_VERSION = f"pair-lints-re-{SUPPORT_FEATURES_VERSION}"
N_KINDS, N_FAMILIES, N_CONTEXTS = len(SUPPORT_KINDS), len(EMOTION_FAMILIES), len(STRESS_CONTEXTS)
_KIND0 = 4
_FAMILY0 = _KIND0 + N_KINDS
_CONTEXT0 = _FAMILY0 + N_KINDS * N_FAMILIES
N_SUPPORT_FEATURES = _CONTEXT0 + N_KINDS * N_CONTEXTS
PRIOR_WEIGHTS = {"bias": 0.5, "stance": 0.25, "usually_helps": 0.4, "leaning": 0.15}
# Indicator values: an indicator of value s has prior variance s^2 tau^2 (tau^2 of its block in
# PAIR_VARIANCES), so these also set how readily the weights move per kind, (kind, family), (kind, context).
KIND_SCALE, FAMILY_SCALE, CONTEXT_SCALE = 1.0, 0.5, 0.5
EXPLORATION = 0.15
"""Share of the posterior's spread in each draw (see :class:`SupportChooser`)."""
PAIR_VARIANCES = {"map": 0.003, "kind": 0.001, "family": 1e-5, "context": 0.005}
"""How far a pair's weights may move from everyone's, per block of features: the map's four
(bias, stance, usually helps, leaning), the kind, the (kind, emotion family) and the
(kind, stress context) indicators. A person's likes and dislikes vary most from pair to pair,
but the leaning already carries them, so the kind's own weight has little left to move;
what helps with an emotion is much the same for everyone, so it is learned for everyone.
They decide each pair's share of everyone's statistics, which deletion subtracts: change
SUPPORT_POLICY_VERSION with them (and with the noise variance)."""


def support_prior_mean() -> NDArray[np.float64]:
    """Starting weights: a kind the map says helps scores 0.25 above a neutral one, 0.25 below if not."""
    mean = np.zeros(N_SUPPORT_FEATURES)
    mean[0], mean[1], mean[2] = PRIOR_WEIGHTS["bias"], PRIOR_WEIGHTS["stance"], PRIOR_WEIGHTS["usually_helps"]
    mean[3] = PRIOR_WEIGHTS["leaning"]
    return mean


def support_pair_variance() -> NDArray[np.float64]:
    """The prior variance of each of a pair's weights around everyone's, from :data:`PAIR_VARIANCES`.

    >>> tau2 = support_pair_variance()
    >>> float(tau2[0]), float(tau2[_KIND0]), float(tau2[_FAMILY0]), float(tau2[-1])
    (0.003, 0.001, 1e-05, 0.005)
    """
    tau2 = np.empty(N_SUPPORT_FEATURES)
    tau2[:_KIND0], tau2[_KIND0:_FAMILY0] = PAIR_VARIANCES["map"], PAIR_VARIANCES["kind"]
    tau2[_FAMILY0:_CONTEXT0], tau2[_CONTEXT0:] = PAIR_VARIANCES["family"], PAIR_VARIANCES["context"]
    return tau2


def kind_leanings(
    policy: ThompsonPolicy, pair: SufficientStats, population: SufficientStats, beliefs: SupportBeliefs
) -> dict[SupportKind, tuple[float, float]]:
    """Per kind, how much the policy favours it for this person and for someone it knows nothing about.

    For the person: their weight on the kind plus their weight on the leaning times the leaning of
    ``beliefs`` (what their map and ratings say, :func:`pair_beliefs`); for someone new, everyone's
    weights and the model's prior leaning. The difference is what the person's map and ratings taught the
    policy about that kind.
    """
    pair_mean, _ = policy.person_posterior(pair, population)
    everyone = policy.population_mean(population)
    return {
        kind: (
            float(pair_mean[_KIND0 + k] * KIND_SCALE + pair_mean[3] * beliefs.leaning[k]),
            float(everyone[_KIND0 + k] * KIND_SCALE + everyone[3] * beliefs.prior_leaning),
        )
        for k, kind in enumerate(SUPPORT_KINDS)
    }


def pair_beliefs(
    policy: ThompsonPolicy,
    support_map: SupportMap,
    pair: SufficientStats,
    population: SufficientStats,
    model: BeliefModel = HAND_SET,
) -> SupportBeliefs:
    """What the supported partner's map and their ratings so far say (:func:`read_beliefs`), read
    with ``model``: by default the hand-set one; ``fit_belief_model`` fits one to everyone's maps."""
    return read_beliefs(support_map, kind_evidence(policy, pair, population), model)


@dataclass(frozen=True)
class SupportContext:
    """What is known when a suggestion is made."""

    stress: StressContext
    family: EmotionFamily
    support_map: SupportMap
    """The supported partner's map."""
    usually_helps: Mapping[SupportKind, float]
    """Per kind, the next-strategy model's probability of its strategies (empty without text)."""
    belief_model: BeliefModel = HAND_SET
    """How maps are read: hand-set, or fitted to everyone's maps."""


def kind_evidence(policy: ThompsonPolicy, pair: SufficientStats, population: SufficientStats) -> KindEvidence:
    """The pair's ratings per kind, as :mod:`~attunement.personalize.support_beliefs` reads them.

    A kind's indicator is 1 exactly in the rows of its own ratings, so the pair's statistics hold,
    per kind, the count (``A[i, i]``), the sum of the rewards (``b[i]``) and the sum of the
    feature rows (``A[:, i]``), whose score under everyone's weights without the map's two
    features is what a neutral kind would be expected to earn.
    """
    neutral = policy.population_mean(population).copy()
    neutral[[1, 3]] = 0.0
    columns = slice(_KIND0, _FAMILY0)
    count = np.diag(pair.A)[columns] / KIND_SCALE**2
    expected = neutral @ pair.A[:, columns] / KIND_SCALE
    return KindEvidence(count=count, surprise=pair.b[columns] / KIND_SCALE - expected)


def support_features(context: SupportContext, beliefs: SupportBeliefs | None = None) -> NDArray[np.float64]:
    """One feature row per support kind, in :data:`SUPPORT_KINDS` order.

    ``beliefs`` are what the map and the pair's ratings say (:func:`read_beliefs`); by default the
    map's alone.
    """
    beliefs = beliefs or read_beliefs(context.support_map, model=context.belief_model)
    phi = np.zeros((N_KINDS, N_SUPPORT_FEATURES))
    family, stress = EMOTION_FAMILIES.index(context.family), STRESS_CONTEXTS.index(context.stress)
    fair = beliefs.fair(context.stress)
    for k, kind in enumerate(SUPPORT_KINDS):
        phi[k, 0] = 1.0
        phi[k, 1] = context.support_map.stance(context.stress, kind) * fair
        phi[k, 2] = context.usually_helps.get(kind, 1.0 / N_KINDS) if context.usually_helps else 1.0 / N_KINDS
        phi[k, 3] = beliefs.leaning[k]
        phi[k, _KIND0 + k] = KIND_SCALE
        phi[k, _FAMILY0 + k * N_FAMILIES + family] = FAMILY_SCALE
        phi[k, _CONTEXT0 + k * N_CONTEXTS + stress] = CONTEXT_SCALE
    return phi


@dataclass(frozen=True)
class SupportChoice:
    """The kind of support chosen, its propensity, its features, and why."""

    kind: SupportKind
    propensity: float
    features: NDArray[np.float64]
    expected: float
    reasons: tuple[str, ...]


class SupportChooser:
    """The pair bandit: :class:`ThompsonPolicy` over :func:`support_features`.

    ``pair_variance`` is how far a pair's weights may move from everyone's
    (larger: the pair's own ratings count sooner; one value, or one per
    feature, by default :data:`PAIR_VARIANCES` per block); ``noise_variance``
    is the spread of one rating (a 1-5 rating with a standard deviation of
    about 0.8 is 0.04 on the 0-1 reward scale); ``exploration`` scales the
    posterior spread of each draw. The support map already points somewhere
    sensible and a pair checks in a few times a week, so exploring at full
    posterior spread costs more felt support than it teaches. Everyone's
    weights are a random-effects estimate (``random_effects`` of
    :class:`ThompsonPolicy`): a pair that rates often does not pull them
    towards its own tastes. Defaults were chosen with ``bench/partners.py``
    (150 couples, seeds 1-4) from pair variances 0.00001-0.05, noise
    variance 0.01-0.2, exploration 0-1 and indicator scales 0-3; the kind
    block's variance was lowered to 0.001 when the leaning began to carry
    the ratings (400 couples, seeds 0-4; see ``docs/benchmarks.md``).
    """

    def __init__(
        self,
        *,
        pair_variance: float | NDArray[np.float64] | None = None,
        noise_variance: float = 0.05,
        exploration: float = EXPLORATION,
        population_strength: float = 50.0,
        seed: int | None = 42,
    ) -> None:
        self.policy = ThompsonPolicy(
            n_features=N_SUPPORT_FEATURES,
            prior_mean=support_prior_mean(),
            population_strength=population_strength,
            person_variance=support_pair_variance() if pair_variance is None else pair_variance,
            noise_variance=noise_variance,
            exploration=exploration,
            seed=seed,
        )

    def choose(
        self,
        context: SupportContext,
        pair: SufficientStats,
        population: SufficientStats,
        allowed: Sequence[SupportKind] = SUPPORT_KINDS,
    ) -> SupportChoice:
        """Sample the kind of support to offer now, among ``allowed``."""
        beliefs = pair_beliefs(self.policy, context.support_map, pair, population, context.belief_model)
        phi = support_features(context, beliefs)
        rows = [SUPPORT_KINDS.index(kind) for kind in allowed]
        decision = self.policy.decide(phi[rows], pair, population)
        k = rows[decision.index]
        kind = SUPPORT_KINDS[k]
        return SupportChoice(
            kind=kind,
            propensity=decision.propensity,
            features=phi[k],
            expected=float(decision.mean_scores[decision.index]),
            reasons=_reasons(
                context, beliefs, kind, pair, decision.person_mean, decision.population_mean, phi[k]
            ),
        )

    def learn(
        self, pair: SufficientStats, population: SufficientStats, features: NDArray[np.float64], reward: float
    ) -> None:
        """Update the pair's and everyone's statistics with one rating (reward in 0..1)."""
        self.policy.learn_one(pair, population, features, reward)


def _reasons(
    context: SupportContext,
    beliefs: SupportBeliefs,
    kind: SupportKind,
    pair: SufficientStats,
    pair_mean: NDArray[np.float64],
    population_mean: NDArray[np.float64],
    phi: NDArray[np.float64],
) -> tuple[str, ...]:
    reasons = []
    stance = context.support_map.stance(context.stress, kind)
    stress = context.stress.label.lower()
    if stance > 0:
        reasons.append(f"their support map says {kind.label.lower()} helps with {stress}")
    elif stance < 0:
        reasons.append(
            f"their map says {kind.label.lower()} does not help with {stress}, but it has helped lately"
        )
    elif context.stress in beliefs.doubted():
        reasons.append(f"the rest of their map and their ratings suggest its {stress} line may not fit them")
    if stance <= 0 and beliefs.liked_share(kind) > 0.5:
        reasons.append(f"their map and ratings suggest they like {kind.label.lower()} whatever the stress")
    learned = float((pair_mean - population_mean)[3:] @ phi[3:])
    if pair.n >= 3 and learned > 0.03:
        reasons.append("their ratings after earlier check-ins say it helped")
    if context.usually_helps and phi[2] >= 0.25:
        reasons.append("in support conversations like this one it usually helps")
    if not reasons:
        reasons.append("it is worth finding out whether it helps them")
    return tuple(reasons)
