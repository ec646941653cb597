"""Bayesian linear Thompson sampling with a population prior.

The expected reward of exercise ``a`` for person ``p`` is ``phi(p, a) @ theta_p``.
Each person's weights start from the population's:
``theta_p ~ N(mu_pop, tau2 * I)``, and ``mu_pop`` is itself a ridge estimate over
everyone's outcomes shrunk towards a documented expert prior. A new person is
therefore scored by what worked for people with similar context features, and
moves towards what works for them as their own outcomes arrive (observation
noise variance ``sigma2``).

State is a pair of sufficient statistics (``A = sum phi phi^T``, ``b = sum phi r``)
per person and for the population, so it persists as a few kilobytes and new
exercises need no retraining: they are scored by their features.

Examples
--------
>>> import numpy as np
>>> policy = ThompsonPolicy(n_features=3, prior_mean=np.zeros(3), seed=7)
>>> person, population = policy.new_stats(), policy.new_stats()
>>> phi = np.eye(3)
>>> for _ in range(30):
...     policy.learn_one(person, population, phi[2], reward=1.0)
>>> decision = policy.decide(phi, person, population)
>>> int(decision.index), decision.propensity > 0.9
(2, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from attunement.personalize.features import FEATURES_VERSION, N_FEATURES, column

POLICY_VERSION = f"lints-re-{FEATURES_VERSION}"
"""The practice policy's features and how everyone's statistics are kept (random effects, with the
default variances). Deletion subtracts each person's share as this version computes it, so change
it with either."""


def expert_prior_mean() -> NDArray[np.float64]:
    """Prior weights before anyone's outcomes: practise what you need and chose, in the way you like.

    These are the starting beliefs of a fresh install, documented in
    ``docs/personalization.md``; data from every person moves them.
    """
    mean = np.zeros(N_FEATURES)
    mean[column("bias")] = 0.45
    mean[column("need")] = 0.25
    mean[column("goal")] = 0.15
    mean[column("liked_modality")] = 0.15
    mean[column("difficulty_fit")] = 0.05
    mean[column("staleness")] = 0.05
    mean[column("length")] = -0.05
    mean[column("engagement_x_length")] = -0.1
    mean[column("track_record")] = 0.5
    return mean


@dataclass
class SufficientStats:
    """Running ``A = sum phi phi^T``, ``b = sum phi * reward`` and the count of outcomes."""

    A: NDArray[np.float64]
    b: NDArray[np.float64]
    n: int = 0

    def to_bytes(self) -> bytes:
        """Compact serialization: the upper triangle of ``A``, then ``b``, as float64."""
        upper = self.A[np.triu_indices(len(self.b))]
        return np.concatenate([[float(self.n)], upper, self.b]).astype("<f8").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, n_features: int) -> SufficientStats:
        """Inverse of :meth:`to_bytes`; raises ``ValueError`` if the size does not match."""
        values = np.frombuffer(blob, dtype="<f8")
        n_upper = n_features * (n_features + 1) // 2
        if len(values) != 1 + n_upper + n_features:
            raise ValueError("stored policy state has a different number of features")
        A = np.zeros((n_features, n_features))
        A[np.triu_indices(n_features)] = values[1 : 1 + n_upper]
        A = A + np.triu(A, 1).T
        return cls(A=A, b=values[1 + n_upper :].copy(), n=int(values[0]))


@dataclass(frozen=True)
class Decision:
    """The chosen row, its propensity, and the posterior used to choose it."""

    index: int
    propensity: float
    sampled_scores: NDArray[np.float64]
    mean_scores: NDArray[np.float64]
    person_mean: NDArray[np.float64] = field(repr=False)
    population_mean: NDArray[np.float64] = field(repr=False)


class ThompsonPolicy:
    """Linear Thompson sampling whose per-person prior is the population posterior mean.

    Parameters
    ----------
    n_features
        Length of each feature vector.
    prior_mean
        Expert prior for the population weights (defaults to :func:`expert_prior_mean`).
    population_strength
        Precision of the expert prior for the population weights; larger keeps it longer.
    person_variance
        ``tau2``: how far one person's weights may sit from the population's;
        one value for every weight, or one per feature.
    noise_variance
        ``sigma2``: variance of a reward around its expectation.
    n_propensity_samples
        Posterior draws used to estimate the probability of the chosen exercise.
    exploration
        Scale of the posterior spread in the draws: 1 is plain Thompson
        sampling, below 1 explores less (0 always takes the posterior mean).
        Scaling the spread down often earns more when the prior is good and
        the horizon short (Chapelle and Li, 2011).
    random_effects
        How a person's outcomes count in the population's statistics. True
        (default): each person adds what their own weights do not already
        explain, so the population mean is the generalized least-squares
        estimate of the model above (``theta_p ~ N(mu_pop, tau2)``) and one
        person's many ratings weigh less than as many people's; see
        :meth:`population_share`. False (pooled): each outcome counts as if
        from a new person, so the people who practise most pull everyone's
        weights towards their own tastes.
    seed
        Seed of the random generator; ``None`` for fresh randomness.
    """

    def __init__(
        self,
        n_features: int = N_FEATURES,
        prior_mean: NDArray[np.float64] | None = None,
        population_strength: float = 20.0,
        person_variance: float | NDArray[np.float64] = 0.001,
        noise_variance: float = 0.01,
        n_propensity_samples: int = 100,
        exploration: float = 1.0,
        random_effects: bool = True,
        seed: int | None = 42,
    ) -> None:
        self.n_features = n_features
        self.prior_mean = expert_prior_mean() if prior_mean is None else np.asarray(prior_mean, float)
        self.population_strength = population_strength
        self.person_variance = person_variance
        self.noise_variance = noise_variance
        self.n_propensity_samples = n_propensity_samples
        self.exploration = exploration
        self.random_effects = random_effects
        self.seed = seed
        self._validate()
        self._rng = np.random.default_rng(seed)
        self._population_cache: tuple[tuple[int, int], NDArray[np.float64]] | None = None

    def _validate(self) -> None:
        if self.prior_mean.shape != (self.n_features,):
            raise ValueError(f"The prior mean must have {self.n_features} values.")
        for name in ("population_strength", "person_variance", "noise_variance"):
            if np.any(np.asarray(getattr(self, name)) <= 0):
                raise ValueError(f"The value of {name} must be above zero.")
        if np.shape(self.person_variance) not in ((), (self.n_features,)):
            raise ValueError(f"The person_variance must be one value or {self.n_features} values.")
        if not 0 <= self.exploration <= 10:
            raise ValueError("The value of exploration must be between 0 and 10.")
        if self.n_propensity_samples < 1:
            raise ValueError("The value of n_propensity_samples must be at least 1.")

    def new_stats(self) -> SufficientStats:
        """Empty statistics, for a new person or a fresh population."""
        return SufficientStats(np.zeros((self.n_features, self.n_features)), np.zeros(self.n_features))

    def population_mean(self, population: SufficientStats) -> NDArray[np.float64]:
        """Posterior mean of the population weights (ridge towards the expert prior)."""
        key = (id(population), population.n)
        if self._population_cache and self._population_cache[0] == key:
            return self._population_cache[1]
        precision = self.population_strength * np.eye(self.n_features) + population.A / self.noise_variance
        rhs = self.population_strength * self.prior_mean + population.b / self.noise_variance
        mean = np.linalg.solve(precision, rhs).astype(np.float64)
        self._population_cache = (key, mean)
        return mean

    def person_posterior(
        self, person: SufficientStats, population: SufficientStats
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Posterior mean and precision of one person's weights."""
        mu_pop = self.population_mean(population)
        tau2 = self._person_variances()
        precision = np.diag(1.0 / tau2) + person.A / self.noise_variance
        rhs = mu_pop / tau2 + person.b / self.noise_variance
        mean = np.linalg.solve(precision, rhs).astype(np.float64)
        return mean, precision

    def decide(
        self, phi: NDArray[np.float64], person: SufficientStats, population: SufficientStats
    ) -> Decision:
        """Choose a row of ``phi`` by Thompson sampling and estimate its propensity.

        The first posterior draw chooses; all draws together estimate how often
        that row would be chosen, which is logged for off-policy evaluation.
        """
        if phi.ndim != 2 or phi.shape[0] == 0 or phi.shape[1] != self.n_features:
            raise ValueError("There must be at least one candidate with the policy's features.")
        mean, precision = self.person_posterior(person, population)
        chol = np.linalg.cholesky(precision)
        noise = self._rng.standard_normal((self.n_features, self.n_propensity_samples))
        draws = mean[:, None] + self.exploration * np.linalg.solve(chol.T, noise)
        scores = phi @ draws
        winners = np.argmax(scores, axis=0)
        index = int(winners[0])
        propensity = float(np.count_nonzero(winners == index)) / self.n_propensity_samples
        return Decision(
            index=index,
            propensity=propensity,
            sampled_scores=scores[:, 0],
            mean_scores=phi @ mean,
            person_mean=mean,
            population_mean=self.population_mean(population),
        )

    def learn_one(
        self,
        person: SufficientStats,
        population: SufficientStats,
        phi_row: NDArray[np.float64],
        reward: float,
    ) -> None:
        """Add one observed outcome to the person's and the population's statistics."""
        if not self.random_effects:
            for stats in (person, population):
                _add(stats, phi_row, reward)
            return
        if person is population:
            raise ValueError("With random effects, a person's statistics must not be the population's.")
        before = self.population_share(person)
        _add(person, phi_row, reward)
        after = self.population_share(person)
        population.A += after.A - before.A
        population.b += after.b - before.b
        population.n += 1

    def population_share(self, person: SufficientStats) -> SufficientStats:
        """What a person's statistics add to the population's: all of them when pooled; with random
        effects, ``(I + A tau2 / sigma2)^-1 (A, b)``, what the person's own weights leave unexplained.

        With ``tau2 = diag(t)`` this is ``sigma2 X' (sigma2 I + X tau2 X')^-1 (X, y)``, the person's
        outcomes weighed by the inverse of their covariance under the model. Forgetting a person
        subtracts exactly this (see ``services.policy_state.forget``).

        >>> policy = ThompsonPolicy(n_features=1, prior_mean=np.zeros(1), person_variance=0.01,
        ...                         noise_variance=0.01, random_effects=True)
        >>> person, everyone = policy.new_stats(), policy.new_stats()
        >>> for _ in range(9):
        ...     policy.learn_one(person, everyone, np.ones(1), 1.0)
        >>> round(float(everyone.A[0, 0]), 6)  # pooled, the nine ratings would count 9
        0.9
        """
        if not self.random_effects:
            return person
        scaled = np.eye(self.n_features) + person.A * (self._person_variances() / self.noise_variance)
        solved = np.linalg.solve(scaled, np.column_stack([person.A, person.b])).astype(np.float64)
        shared_a = solved[:, :-1]
        return SufficientStats((shared_a + shared_a.T) / 2, solved[:, -1].copy(), person.n)

    def _person_variances(self) -> NDArray[np.float64]:
        return np.broadcast_to(np.asarray(self.person_variance, dtype=np.float64), (self.n_features,))


def _add(stats: SufficientStats, phi_row: NDArray[np.float64], reward: float) -> None:
    stats.A += np.outer(phi_row, phi_row)
    stats.b += phi_row * reward
    stats.n += 1
