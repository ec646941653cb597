"""Personalization benchmark: attunement's recommender against peers in a simulated population.

Run ``python bench/personalize.py [--people 1000] [--rounds 100] [--seed 0]
[--plot docs/img/personalize_regret.png]``. It prints a table of every policy
and, as its last line, one JSON object with the headline figures; every ratio
compares policies measured in the same run, on the same simulated people and
the same random outcomes (common random numbers).

Generative model
----------------
Each simulated person has a hidden truth, and tells attunement only what a
real person would: questionnaire answers, goals, liked kinds of practice and
minutes per day. Policies see only that, plus the rewards of their own
suggestions; the hidden part lives in :class:`Hidden` and is read only by the
simulator and the oracle.

* **Skill levels.** ``level[k] = clip(3 + 0.6 g + 0.6 z_k, 1, 5)`` with a general
  empathy factor ``g`` and per-skill ``z_k``, all standard normal.
* **Questionnaire.** Each of the 36 items (3 per skill) is answered from the
  keyed value ``level + desirability + N(0, 0.7)`` (``desirability ~ N(0.3, 0.3)``
  per person: people flatter themselves); reverse-keyed items are answered
  ``6 - keyed``; then an acquiescence bias ``N(0, 0.3)`` per person is added to
  every raw answer, which is rounded and clipped to 1-5. ``questionnaire.score``
  turns the answers into the estimates the recommender sees, so the
  assessment is linked to the truth but not equal to it.
* **Tastes.** Modality taste ``N(0, 0.6)`` per kind of practice; skill taste
  ``0.6 (need_k - 0.5) + N(0, 0.35)`` with the true need ``(5 - level_k) / 4``
  (people somewhat prefer practising what they lack); a preferred difficulty
  ``1 + (level - 1) / 2 + ambition`` for the exercise's primary skill, with
  ``ambition ~ N(0, 0.4)``; and a quality ``N(0, 0.2)`` per exercise shared by
  everyone. The utility of exercise ``a`` is
  ``u = taste_modality[m_a] + sum_k w_ak taste_skill[k] - 0.35 (d_a - preferred)^2 + quality_a``,
  where ``w_ak`` gives the primary skill 0.6 and splits 0.4 over the others.
* **Stated answers.** Minutes per day 5/10/15/20 (probabilities 0.25/0.4/0.2/0.15);
  the real time a person has is that times ``exp(N(0, 0.25))``, and 0.8 of it in
  the evening. Goals: 0-3 of the questionnaire's goals (probabilities
  0.1/0.3/0.35/0.25), those with the highest mean skill taste plus ``N(0, 0.25)``.
  Liked modalities: 20% skip the question; the others name each modality whose
  taste plus ``N(0, 0.3)`` exceeds 0.35 (none named means no constraint).
  A person practises at a habitual hour (8, 13 or 20 with probabilities
  0.35/0.25/0.4) plus or minus up to 2 hours.
* **Outcomes.** Completion with probability ``sigmoid(0.4 + 1.5 u - 2.5 over)``
  where ``over = max(0, minutes_a / real_minutes - 1)``; a completed exercise is
  rated with probability 0.8, the rating being ``N(3.3 + 1.5 u, 0.9)`` rounded
  to 1-5. The reward is :meth:`RewardWeights.reward` (0.4 completion + 0.6
  rating part). The expected reward of every (person, exercise, evening) is
  computed exactly from these probabilities, for the oracle and for regret.

One round is one day: every active person gets one suggestion under the same
hard constraints for every policy (:func:`attunement.personalize.constraints.eligible`:
minutes, liked modalities, no repeat within 3 days), and the policy learns from
the sampled reward at the end of the day. People arrive in cohorts (10 cohorts,
staggered by a tenth of the rounds), and each person practises for ``rounds``
days. Regret is the expected reward of the best eligible exercise minus that of
the chosen one. "Cold start" is the mean expected reward over a person's first
10 rounds, for people after the first cohort.

Policies: attunement (the real :meth:`Recommender.recommend`, so constraints and
explanations are part of what is timed; its context carries each exercise's
track record over everyone's outcomes so far, as ``PracticeService`` reads it
from the database); mabwiser's LinTS and LinUCB (one
disjoint linear model per exercise, shared by the whole population) fed the
same context information attunement's features use; mabwiser's epsilon-greedy;
popularity (greedy on the population's mean observed reward per exercise);
random; and the oracle.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from mabwiser.mab import MAB, LearningPolicy
from numpy.typing import NDArray
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from attunement.content import load_catalogue, load_questionnaire
from attunement.domain.assessment import Questionnaire, SkillEstimate
from attunement.domain.exercises import MODALITIES, Catalogue, Modality
from attunement.domain.practice import PracticeContext
from attunement.domain.rewards import RewardWeights, track_record
from attunement.domain.skills import SKILL_INDEX, SKILLS, Skill
from attunement.personalize import ActionFeatures, Recommender, SufficientStats
from attunement.personalize.constraints import eligible

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

REPEAT_WINDOW_DAYS = 3
ENGAGEMENT_WINDOW_DAYS = 14  # as in PracticeService
STALE_DAYS = 14.0
COHORTS = 10
COLD_START_ROUNDS = 10
N_SKILLS, N_MODALITIES = len(SKILLS), len(MODALITIES)

# Generative model (see the module docstring); none of these is read by a policy.
LEVEL_GENERAL_SD, LEVEL_SKILL_SD = 0.6, 0.6
DESIRABILITY_MEAN, DESIRABILITY_SD = 0.3, 0.3
ACQUIESCENCE_SD, ITEM_NOISE_SD = 0.3, 0.7
MODALITY_TASTE_SD = 0.6
SKILL_TASTE_FROM_NEED, SKILL_TASTE_SD = 0.6, 0.35
AMBITION_SD, DIFFICULTY_CURVATURE = 0.4, 0.35
QUALITY_SD = 0.2
PRIMARY_SKILL_SHARE = 0.6
MINUTES_CHOICES, MINUTES_PROBS = (5, 10, 15, 20), (0.25, 0.4, 0.2, 0.15)
REAL_MINUTES_LOG_SD, EVENING_TIME_FACTOR = 0.25, 0.8
GOAL_COUNT_PROBS, GOAL_NOISE_SD = (0.1, 0.3, 0.35, 0.25), 0.25
SKIP_MODALITY_QUESTION, MODALITY_STATE_NOISE_SD, MODALITY_STATE_THRESHOLD = 0.2, 0.3, 0.35
HABIT_HOURS, HABIT_PROBS, HOUR_JITTER = (8, 13, 20), (0.35, 0.25, 0.4), 2
COMPLETION_INTERCEPT, COMPLETION_SLOPE, OVERTIME_PENALTY = 0.4, 1.5, 2.5
RATING_INTERCEPT, RATING_SLOPE, RATING_NOISE_SD, RATE_PROBABILITY = 3.3, 1.5, 0.9, 0.8

# The mabwiser peers get a fair shot: a wider sweep on seed 0 (alpha 0.05-1, l2_lambda 1-100,
# see docs/benchmarks.md) found strong regularization helps them most; the run keeps the best
# settings of each family plus mabwiser's usual alpha 0.25 / l2 1. Pairs are (alpha, l2_lambda).
LINTS_CONFIGS = ((0.1, 10.0), (0.1, 1.0), (0.25, 1.0))
LINUCB_CONFIGS = ((0.1, 30.0), (0.1, 10.0), (0.25, 1.0))
EPSILON = 0.1


@dataclass(frozen=True)
class Stated:
    """What people tell attunement: the only person data a policy may read."""

    answers: list[dict[str, int]]
    estimates: list[dict[Skill, SkillEstimate]]
    goal_ids: list[tuple[str, ...]]
    goal_texts: list[dict[Skill, str]]
    liked: list[frozenset[Modality]]
    minutes: IntArray
    hours: IntArray  # (people, rounds): local hour of each day's practice


@dataclass(frozen=True)
class Hidden:
    """The truth behind each person, read only by the simulator and the oracle."""

    level: FloatArray
    taste_modality: FloatArray
    taste_skill: FloatArray
    preferred_difficulty: FloatArray
    real_minutes: FloatArray
    quality: FloatArray
    completion: FloatArray  # (people, exercises, evening): probability of completing
    rating_mean: FloatArray  # (people, exercises): mean of the latent rating
    expected: FloatArray  # (people, exercises, evening): expected reward


@dataclass(frozen=True)
class World:
    """A simulated population over the real catalogue, with pre-drawn outcome noise."""

    catalogue: Catalogue
    actions: ActionFeatures
    questionnaire: Questionnaire
    stated: Stated
    hidden: Hidden
    start: IntArray  # first day of each person
    rounds: int
    days: int
    draws: FloatArray  # (3, people, rounds): completion uniform, rating normal, rated uniform
    reward_table: FloatArray  # [skipped, completed unrated, rated 1..5]

    @property
    def people(self) -> int:
        return len(self.start)

    def evening(self, people: IntArray, rounds: IntArray) -> IntArray:
        hours = self.stated.hours[people, rounds]
        return ((hours >= 18) | (hours < 5)).astype(np.int64)

    def outcome(
        self, people: IntArray, rounds: IntArray, rows: IntArray
    ) -> tuple[FloatArray, BoolArray, IntArray]:
        """Sampled reward, completion and rating (0: none) of each chosen exercise.

        The noise is drawn once per (person, round), so every policy meets the same luck.
        """
        ev = self.evening(people, rounds)
        completed = self.draws[0, people, rounds] < self.hidden.completion[people, rows, ev]
        latent = self.hidden.rating_mean[people, rows] + RATING_NOISE_SD * self.draws[1, people, rounds]
        rated = completed & (self.draws[2, people, rounds] < RATE_PROBABILITY)
        rating = np.where(rated, np.clip(np.rint(latent), 1, 5), 0).astype(np.int64)
        index = np.where(completed, np.where(rated, rating + 1, 1), 0)
        return self.reward_table[index], completed, rating


def _normal_cdf(x: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.frompyfunc(math.erf, 1, 1)(x / math.sqrt(2.0)).astype(float))


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def build_world(people: int, rounds: int, seed: int) -> World:
    """Draw a population, its stated answers and the outcome noise, all from ``seed``."""
    rng = np.random.default_rng([seed, 1])
    catalogue, questionnaire = load_catalogue(), load_questionnaire()
    actions = ActionFeatures(catalogue)
    n_ex = len(catalogue)

    # Hidden truth.
    level = np.clip(
        3
        + LEVEL_GENERAL_SD * rng.standard_normal((people, 1))
        + LEVEL_SKILL_SD * rng.standard_normal((people, N_SKILLS)),
        1,
        5,
    )
    need = (5 - level) / 4
    taste_modality = MODALITY_TASTE_SD * rng.standard_normal((people, N_MODALITIES))
    taste_skill = SKILL_TASTE_FROM_NEED * (need - 0.5) + SKILL_TASTE_SD * rng.standard_normal(
        (people, N_SKILLS)
    )
    ambition = AMBITION_SD * rng.standard_normal((people, 1))
    preferred_difficulty = 1 + (level - 1) / 2 + ambition
    quality = QUALITY_SD * rng.standard_normal(n_ex)
    minutes = rng.choice(MINUTES_CHOICES, size=people, p=MINUTES_PROBS).astype(np.int64)
    real_minutes = minutes * np.exp(REAL_MINUTES_LOG_SD * rng.standard_normal(people))

    # Utility of every (person, exercise).
    share = np.zeros((n_ex, N_SKILLS))
    for row, exercise in enumerate(catalogue):
        others = exercise.skills[1:]
        share[row, SKILL_INDEX[exercise.primary_skill]] = PRIMARY_SKILL_SHARE if others else 1.0
        for skill in others:
            share[row, SKILL_INDEX[skill]] = (1 - PRIMARY_SKILL_SHARE) / len(others)
    modality_of = actions.modality.argmax(axis=1)
    difficulty_of = np.array([e.difficulty for e in catalogue], dtype=float)
    gap = difficulty_of[None, :] - preferred_difficulty[:, actions.primary]
    utility = taste_modality[:, modality_of] + taste_skill @ share.T - DIFFICULTY_CURVATURE * gap**2 + quality

    time_left = real_minutes[:, None, None] * np.array([1.0, EVENING_TIME_FACTOR])[None, None, :]
    over = np.maximum(0.0, actions.minutes[None, :, None] / time_left - 1)
    completion = _sigmoid(
        COMPLETION_INTERCEPT + COMPLETION_SLOPE * utility[:, :, None] - OVERTIME_PENALTY * over
    )
    rating_mean = RATING_INTERCEPT + RATING_SLOPE * utility

    weights = RewardWeights()
    reward_table = np.array(
        [weights.reward(completed=False, rating=None), weights.reward(completed=True, rating=None)]
        + [weights.reward(completed=True, rating=r) for r in range(1, 6)]
    )
    cuts = _normal_cdf(
        (np.array([1.5, 2.5, 3.5, 4.5])[None, None, :] - rating_mean[:, :, None]) / RATING_NOISE_SD
    )
    cdf = np.concatenate([np.zeros((people, n_ex, 1)), cuts, np.ones((people, n_ex, 1))], axis=2)
    rated_value = np.diff(cdf, axis=2) @ reward_table[2:]
    done_value = RATE_PROBABILITY * rated_value + (1 - RATE_PROBABILITY) * reward_table[1]
    expected = completion * done_value[:, :, None] + (1 - completion) * reward_table[0]

    # What people state.
    keyed_items = [(item, SKILL_INDEX[item.skill]) for item in questionnaire.items]
    desirability = DESIRABILITY_MEAN + DESIRABILITY_SD * rng.standard_normal(people)
    acquiescence = ACQUIESCENCE_SD * rng.standard_normal(people)
    item_noise = ITEM_NOISE_SD * rng.standard_normal((people, len(keyed_items)))
    goal_skill_idx = [[SKILL_INDEX[s] for s in g.skills] for g in questionnaire.goals]
    goal_counts = rng.choice(len(GOAL_COUNT_PROBS), size=people, p=GOAL_COUNT_PROBS)
    goal_noise = GOAL_NOISE_SD * rng.standard_normal((people, len(questionnaire.goals)))
    skips_modality = rng.random(people) < SKIP_MODALITY_QUESTION
    names_modality = taste_modality + MODALITY_STATE_NOISE_SD * rng.standard_normal((people, N_MODALITIES))
    habit = rng.choice(HABIT_HOURS, size=people, p=HABIT_PROBS)
    hours = (habit[:, None] + rng.integers(-HOUR_JITTER, HOUR_JITTER + 1, size=(people, rounds))) % 24

    answers, estimates, goal_ids, goal_texts, liked = [], [], [], [], []
    for p in range(people):
        person_answers = {}
        for j, (item, k) in enumerate(keyed_items):
            keyed = level[p, k] + desirability[p] + item_noise[p, j]
            raw = (6 - keyed if item.reverse else keyed) + acquiescence[p]
            person_answers[item.id] = int(np.clip(np.rint(raw), 1, 5))
        answers.append(person_answers)
        estimates.append(questionnaire.score(person_answers))
        scores = np.array([taste_skill[p, idx].mean() for idx in goal_skill_idx]) + goal_noise[p]
        chosen = [questionnaire.goals[i] for i in np.argsort(-scores)[: goal_counts[p]]]
        goal_ids.append(tuple(g.id for g in chosen))
        texts: dict[Skill, str] = {}
        for goal in chosen:
            for skill in goal.skills:
                texts.setdefault(skill, goal.text)
        goal_texts.append(texts)
        named = () if skips_modality[p] else np.flatnonzero(names_modality[p] > MODALITY_STATE_THRESHOLD)
        liked.append(frozenset(MODALITIES[j] for j in named))

    gap_days = max(1, math.ceil(rounds / COHORTS))
    start = (np.arange(people) * COHORTS // people) * gap_days
    draws = np.stack(
        [rng.random((people, rounds)), rng.standard_normal((people, rounds)), rng.random((people, rounds))]
    )
    return World(
        catalogue=catalogue,
        actions=actions,
        questionnaire=questionnaire,
        stated=Stated(answers, estimates, goal_ids, goal_texts, liked, minutes, hours),
        hidden=Hidden(
            level,
            taste_modality,
            taste_skill,
            preferred_difficulty,
            real_minutes,
            quality,
            completion,
            rating_mean,
            expected,
        ),
        start=start.astype(np.int64),
        rounds=rounds,
        days=int(start.max()) + rounds,
        draws=draws,
        reward_table=reward_table,
    )


class History:
    """One policy's record of what each person did, turned into contexts."""

    def __init__(self, world: World) -> None:
        self.world = world
        people, n_ex = world.people, len(world.catalogue)
        self.last_done = np.full((people, n_ex), -np.inf)
        self.last_skill = np.full((people, N_SKILLS), -np.inf)
        self.completed_cum = np.zeros((people, world.rounds + 1))
        self.exercise_skills = [np.array([SKILL_INDEX[s] for s in e.skills]) for e in world.catalogue]
        stated = world.stated
        self.need = np.array([[est[s].need for s in SKILLS] for est in stated.estimates])
        self.goals = np.array([[float(s in texts) for s in SKILLS] for texts in stated.goal_texts])
        self.liked = np.array([[float(m in likes) for m in MODALITIES] for likes in stated.liked])
        self.outcome_count = np.zeros(n_ex)  # everyone's outcomes per exercise, as the database has them
        self.outcome_sum = np.zeros(n_ex)
        self.track_record: dict[str, float] = {}

    def engagement(self, people: IntArray, rounds: IntArray) -> FloatArray:
        """Share of the last 14 days' suggestions completed, as PracticeService computes it."""
        first = np.maximum(rounds - ENGAGEMENT_WINDOW_DAYS, 0)
        done = self.completed_cum[people, rounds] - self.completed_cum[people, first]
        return (done + 1) / (rounds - first + 2)

    def context(self, p: int, day: int, rnd: int, engagement: float) -> PracticeContext:
        """The context PracticeService would build for this person today."""
        ids = self.world.actions.exercise_ids
        stated = self.world.stated
        recent = np.flatnonzero(self.last_done[p] > day - ENGAGEMENT_WINDOW_DAYS)
        practised = np.flatnonzero(self.last_skill[p] > -np.inf)
        return PracticeContext(
            estimates=stated.estimates[p],
            minutes_available=int(stated.minutes[p]),
            goal_skills=frozenset(stated.goal_texts[p]),
            goal_texts=stated.goal_texts[p],
            liked_modalities=stated.liked[p],
            days_since_skill={SKILLS[k]: float(day - self.last_skill[p, k]) for k in practised},
            days_since_exercise={ids[a]: float(day - self.last_done[p, a]) for a in recent},
            engagement=engagement,
            hour=int(stated.hours[p, rnd]),
            track_record=self.track_record,
        )

    def peer_context(
        self, people: IntArray, day: int, engagement: FloatArray, evening: IntArray
    ) -> FloatArray:
        """The same information as a flat vector for the mabwiser peers."""
        stale = np.minimum(day - self.last_skill[people], STALE_DAYS) / STALE_DAYS
        minutes = self.world.stated.minutes[people, None] / 15.0
        return np.hstack(
            [
                self.need[people],
                self.goals[people],
                self.liked[people],
                minutes,
                engagement[:, None],
                stale,
                evening[:, None].astype(float),
                np.ones((len(people), 1)),
            ]
        )

    def record(
        self,
        people: IntArray,
        day: int,
        rounds: IntArray,
        rows: IntArray,
        completed: BoolArray,
        rewards: FloatArray,
    ) -> None:
        self.last_done[people, rows] = day
        np.add.at(self.outcome_count, rows, 1.0)
        np.add.at(self.outcome_sum, rows, rewards)
        ids = self.world.actions.exercise_ids
        self.track_record = track_record(
            {ids[a]: (int(self.outcome_count[a]), float(self.outcome_sum[a])) for a in range(len(ids))}
        )
        self.completed_cum[people, rounds + 1] = self.completed_cum[people, rounds] + completed
        for p, row, done in zip(people, rows, completed, strict=True):
            if done:
                self.last_skill[p, self.exercise_skills[row]] = day


@dataclass
class Day:
    """Everything a policy may look at when choosing for today's active people."""

    people: IntArray
    rounds: IntArray
    contexts: list[PracticeContext]
    masks: BoolArray  # (active, exercises): eligible under the hard constraints
    x: FloatArray  # (active, context features) for the mabwiser peers


class Policy:
    """A policy chooses one eligible row per active person and learns from rewards."""

    name = "policy"
    family = "peer"

    def choose(self, day: Day) -> IntArray:
        raise NotImplementedError

    def learn(self, day: Day, rows: IntArray, rewards: FloatArray) -> None:
        """Most peers learn nothing beyond what :meth:`choose` needs."""


class Attunement(Policy):
    """attunement's own :class:`Recommender`, per-person and population statistics."""

    name = "attunement"
    family = "attunement"

    def __init__(self, world: World, seed: int) -> None:
        self.recommender = Recommender(world.catalogue, repeat_window_days=REPEAT_WINDOW_DAYS, seed=seed)
        self.policy = self.recommender.policy
        self.person_stats = [self.policy.new_stats() for _ in range(world.people)]
        self.population = self.policy.new_stats()
        self.row_of = {exercise_id: i for i, exercise_id in enumerate(world.actions.exercise_ids)}
        self._features: list[FloatArray] = []

    def choose(self, day: Day) -> IntArray:
        rows, self._features = [], []
        for p, context in zip(day.people, day.contexts, strict=True):
            suggestion = self.recommender.recommend(context, self.person_stats[p], self.population)
            rows.append(self.row_of[suggestion.exercise.id])
            self._features.append(np.asarray(suggestion.features))
        return np.array(rows, dtype=np.int64)

    def learn(self, day: Day, rows: IntArray, rewards: FloatArray) -> None:
        for p, phi, reward in zip(day.people, self._features, rewards, strict=True):
            self.policy.learn_one(self.person_stats[p], self.population, phi, float(reward))


def _best_eligible(scores: FloatArray, masks: BoolArray) -> IntArray:
    return np.argmax(np.where(masks, scores, -np.inf), axis=1).astype(np.int64)


class Mabwiser(Policy):
    """A mabwiser bandit shared by the whole population; the best-scoring eligible arm wins."""

    def __init__(self, name: str, learning_policy: Any, world: World, seed: int, contextual: bool) -> None:
        self.name = name
        self.arms = list(world.actions.exercise_ids)
        self.contextual = contextual
        self.mab = MAB(self.arms, learning_policy, seed=seed, n_jobs=1)
        self._fitted = False

    def choose(self, day: Day) -> IntArray:
        if not self._fitted:  # mabwiser wants a fit before predicting: start from no data
            contexts = np.zeros((0, day.x.shape[1])) if self.contextual else None
            self.mab.fit(np.array([], dtype=object), np.array([]), contexts)
            self._fitted = True
        # A context-free policy uses only the number of rows: one (epsilon) draw per person.
        found = self.mab.predict_expectations(day.x)
        found = [found] if isinstance(found, dict) else found
        scores = np.array([[e[a] for a in self.arms] for e in found])
        return _best_eligible(scores, day.masks)

    def learn(self, day: Day, rows: IntArray, rewards: FloatArray) -> None:
        decisions = np.array([self.arms[r] for r in rows], dtype=object)
        self.mab.partial_fit(decisions, rewards, day.x if self.contextual else None)


class Popularity(Policy):
    """Greedy on the population's mean observed reward per exercise (a neutral 0.5 prior)."""

    name = "popularity"

    def __init__(self, world: World, seed: int) -> None:
        n_ex = len(world.catalogue)
        self.sums, self.counts = np.full(n_ex, 0.5), np.ones(n_ex)
        self.rng = np.random.default_rng([seed, 3])

    def choose(self, day: Day) -> IntArray:
        means = self.sums / self.counts
        ties = 1e-9 * self.rng.random((len(day.people), len(means)))
        return _best_eligible(means[None, :] + ties, day.masks)

    def learn(self, day: Day, rows: IntArray, rewards: FloatArray) -> None:
        np.add.at(self.sums, rows, rewards)
        np.add.at(self.counts, rows, 1.0)


class Random(Policy):
    """Uniform over the eligible exercises."""

    name = "random"

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng([seed, 4])

    def choose(self, day: Day) -> IntArray:
        return _best_eligible(self.rng.random(day.masks.shape), day.masks)


class Oracle(Policy):
    """Knows the hidden expected rewards: the eligible exercise with the highest one."""

    name = "oracle"
    family = "oracle"

    def __init__(self, world: World) -> None:
        self.world = world

    def choose(self, day: Day) -> IntArray:
        ev = self.world.evening(day.people, day.rounds)
        return _best_eligible(self.world.hidden.expected[day.people, :, ev], day.masks)


@dataclass
class Trace:
    """Per-(person, round) outcomes of one policy's run."""

    name: str
    family: str
    expected: FloatArray
    regret: FloatArray
    reward: FloatArray
    completed: BoolArray
    regret_by_day: FloatArray
    seconds: float
    policy: Policy = field(repr=False)
    history: History = field(repr=False)


def simulate(world: World, policy: Policy, advance: Callable[[], None]) -> Trace:
    """Run one policy over every day; ``advance`` is called once per day (progress bar)."""
    shape = (world.people, world.rounds)
    expected, regret, reward = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    completed = np.zeros(shape, dtype=bool)
    regret_by_day = np.zeros(world.days)
    history = History(world)
    began = time.perf_counter()
    for today in range(world.days):
        people = np.flatnonzero((world.start <= today) & (today < world.start + world.rounds))
        rounds = today - world.start[people]
        engagement = history.engagement(people, rounds)
        contexts = [
            history.context(int(p), today, int(r), float(e))
            for p, r, e in zip(people, rounds, engagement, strict=True)
        ]
        masks = np.stack([eligible(world.actions, c, REPEAT_WINDOW_DAYS)[0] for c in contexts])
        ev = world.evening(people, rounds)
        day = Day(people, rounds, contexts, masks, history.peer_context(people, today, engagement, ev))
        rows = policy.choose(day)
        if not masks[np.arange(len(rows)), rows].all():
            raise AssertionError(f"{policy.name} chose an exercise outside the hard constraints")
        values = world.hidden.expected[people, :, ev]
        chosen = values[np.arange(len(rows)), rows]
        lost = np.where(masks, values, -np.inf).max(axis=1) - chosen
        rewards, done, _ = world.outcome(people, rounds, rows)
        policy.learn(day, rows, rewards)
        history.record(people, today, rounds, rows, done, rewards)
        expected[people, rounds], regret[people, rounds] = chosen, lost
        reward[people, rounds], completed[people, rounds] = rewards, done
        regret_by_day[today] = lost.sum()
        advance()
    return Trace(
        policy.name,
        policy.family,
        expected,
        regret,
        reward,
        completed,
        np.cumsum(regret_by_day),
        time.perf_counter() - began,
        policy,
        history,
    )


def make_policies(world: World, seed: int) -> list[Policy]:
    policies: list[Policy] = [Attunement(world, seed)]
    for i, (alpha, l2) in enumerate(LINTS_CONFIGS):
        policies.append(
            Mabwiser(
                f"LinTS(a={alpha:g},l2={l2:g})",
                LearningPolicy.LinTS(alpha=alpha, l2_lambda=l2),
                world,
                seed + 10 + i,
                contextual=True,
            )
        )
    for i, (alpha, l2) in enumerate(LINUCB_CONFIGS):
        policies.append(
            Mabwiser(
                f"LinUCB(a={alpha:g},l2={l2:g})",
                LearningPolicy.LinUCB(alpha=alpha, l2_lambda=l2),
                world,
                seed + 20 + i,
                contextual=True,
            )
        )
    policies.append(
        Mabwiser(
            f"EpsGreedy(e={EPSILON:g})",
            LearningPolicy.EpsilonGreedy(epsilon=EPSILON),
            world,
            seed + 30,
            contextual=False,
        )
    )
    policies += [Popularity(world, seed), Random(seed), Oracle(world)]
    return policies


def decision_latency(world: World, trace: Trace, calls: int, seed: int) -> tuple[float, float]:
    """Median and p99 (ms) of single ``Recommender.recommend`` calls, with the learned statistics."""
    attunement = trace.policy
    assert isinstance(attunement, Attunement)
    rng = np.random.default_rng([seed, 5])
    history, last_day = trace.history, world.days
    people = rng.integers(0, world.people, size=calls + 50)
    samples = []
    for i, p in enumerate(people):
        rnd = int(rng.integers(0, world.rounds))
        engagement = float(history.engagement(np.array([p]), np.array([world.rounds]))[0])
        context = history.context(int(p), last_day, rnd, engagement)
        began = time.perf_counter()
        attunement.recommender.recommend(context, attunement.person_stats[p], attunement.population)
        if i >= 50:  # the first calls warm caches up
            samples.append(time.perf_counter() - began)
    return _ms(np.median(samples)), _ms(np.percentile(samples, 99))


def service_latency(world: World, calls: int) -> tuple[float, float] | None:
    """Median and p99 (ms) of ``PracticeService.next_exercise`` on a temporary SQLite file.

    One simulated person uses the service daily for ``calls`` days, reporting
    each outcome (untimed), so the history it reads grows as in real use.
    """
    try:
        from attunement.config import Settings
        from attunement.services.practice import TEST_MASTER_KEY, PracticeService
    except ImportError:
        return None
    samples = []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/b.db", master_key=TEST_MASTER_KEY, seed=1)
        service = PracticeService.open(settings)
        stated, p = world.stated, 0
        moment = datetime(2026, 1, 1, 12, tzinfo=UTC)
        service.create_person(
            "bench", minutes_per_day=int(stated.minutes[p]), liked_modalities=stated.liked[p], at=moment
        )
        service.record_assessment("bench", stated.answers[p], stated.goal_ids[p], at=moment)
        row_of = {exercise_id: i for i, exercise_id in enumerate(world.actions.exercise_ids)}
        for i in range(calls):
            moment += timedelta(days=1)
            began = time.perf_counter()
            suggestion = service.next_exercise("bench", at=moment)
            samples.append(time.perf_counter() - began)
            row = np.array([row_of[suggestion.exercise.id]])
            rnd = np.array([i % world.rounds])
            _, done, rating = world.outcome(np.array([p]), rnd, row)
            service.record_attempt(
                suggestion.recommendation_id,
                completed=bool(done[0]),
                rating=int(rating[0]) or None,
                at=moment,
            )
        service.db.engine.dispose()
    return _ms(np.median(samples)), _ms(np.percentile(samples, 99))


def _ms(seconds: float) -> float:
    return round(float(seconds) * 1000, 3)


def summarize(world: World, traces: Sequence[Trace]) -> dict[str, Any]:
    """Per-policy totals, and the best peer (lowest regret among non-oracle peers)."""
    later = world.start > 0  # people after the first cohort
    cold = slice(0, min(COLD_START_ROUNDS, world.rounds))
    rows: dict[str, dict[str, Any]] = {}
    for t in traces:
        rows[t.name] = {
            "family": t.family,
            "cumulative_reward": round(float(t.reward.sum()), 2),
            "cumulative_expected_reward": round(float(t.expected.sum()), 2),
            "cumulative_regret": round(float(t.regret.sum()), 2),
            "cold_start_reward": round(float(t.expected[later, cold].mean()), 4) if later.any() else None,
            "completion_rate": round(float(t.completed.mean()), 4),
            "seconds": round(t.seconds, 1),
        }
    peers = [t for t in traces if t.family == "peer"]
    best = min(peers, key=lambda t: t.regret.sum())
    mab = [t for t in peers if isinstance(t.policy, Mabwiser)]
    best_mab = min(mab, key=lambda t: t.regret.sum())
    for row in rows.values():
        row["reward_ratio_vs_best_peer"] = round(
            row["cumulative_expected_reward"] / rows[best.name]["cumulative_expected_reward"], 4
        )
        row["regret_ratio_vs_best_peer"] = round(
            row["cumulative_regret"] / max(rows[best.name]["cumulative_regret"], 1e-9), 4
        )
    return {"policies": rows, "best_peer": best.name, "best_mabwiser_peer": best_mab.name}


def print_table(console: Console, summary: dict[str, Any], cold_random: float | None) -> None:
    """All policies: realized and expected reward, regret, ratios to the best peer, cold start."""
    table = Table(
        title="Personalization benchmark",
        caption="* best peer (lowest regret, oracle excluded); cold start: expected reward over a new "
        "person's first 10 rounds, people after the first cohort",
    )
    headers = (
        "policy",
        "reward",
        "expected",
        "regret",
        "reward/best",
        "regret/best",
        "cold start",
        "cold/random",
        "completed",
        "sim. s",
    )
    for header in headers:
        table.add_column(header, justify="left" if header == "policy" else "right", no_wrap=True)
    for name, row in summary["policies"].items():
        cold = row["cold_start_reward"]
        table.add_row(
            f"{name} *" if name == summary["best_peer"] else name,
            f"{row['cumulative_reward']:,.0f}",
            f"{row['cumulative_expected_reward']:,.0f}",
            f"{row['cumulative_regret']:,.0f}",
            f"{row['reward_ratio_vs_best_peer']:.3f}",
            f"{row['regret_ratio_vs_best_peer']:.3f}",
            "-" if cold is None else f"{cold:.3f}",
            "-" if cold is None or not cold_random else f"{cold / cold_random:.2f}",
            f"{row['completion_rate']:.1%}",
            f"{row['seconds']:.0f}",
        )
    console.print(table)


def plot(path: Path, world: World, traces: Sequence[Trace]) -> None:
    """Cumulative regret over days, and mean regret per decision by a person's round."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for t in traces:
        style = {"linewidth": 2.4, "color": "black"} if t.family == "attunement" else {"linewidth": 1.2}
        left.plot(np.arange(1, world.days + 1), t.regret_by_day, label=t.name, **style)
        per_round = t.regret.mean(axis=0)
        window = min(5, world.rounds)
        smooth = np.convolve(per_round, np.ones(window) / window, mode="valid")
        right.plot(np.arange(window, world.rounds + 1), smooth, **style)
    left.set(
        xlabel=f"day (cohorts join every {max(1, math.ceil(world.rounds / COHORTS))} days)",
        ylabel="cumulative regret (all people)",
        title="Cumulative regret",
    )
    right.set(
        xlabel="a person's round (moving mean of 5)",
        ylabel="mean regret per suggestion",
        title="Learning curve",
    )
    left.legend(fontsize=7, loc="upper left")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"{world.people:,} simulated people, {world.rounds} rounds each, {len(world.catalogue)} exercises",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=1000, help="simulated people (default 1000)")
    parser.add_argument("--rounds", type=int, default=100, help="rounds (days) per person (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the population and every policy")
    parser.add_argument("--plot", type=Path, default=None, help="save the regret plot here (PNG)")
    parser.add_argument("--latency-calls", type=int, default=2000, help="timed recommend calls")
    parser.add_argument("--service-calls", type=int, default=365, help="timed next_exercise calls (0: skip)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.people < COHORTS or args.rounds < 1:
        parser.error(f"need at least {COHORTS} people and 1 round")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the table and the JSON line, and return the figures."""
    args = parse_args(argv)
    began = time.perf_counter()
    world = build_world(args.people, args.rounds, args.seed)
    policies = make_policies(world, args.seed)
    console = Console(width=140)
    traces = []
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=args.quiet,
    ) as progress:
        task = progress.add_task("simulating", total=world.days * len(policies))
        for policy in policies:
            progress.update(task, description=policy.name)
            traces.append(simulate(world, policy, lambda: progress.advance(task)))

    summary = summarize(world, traces)
    policies_summary = summary["policies"]
    ours, best = policies_summary["attunement"], policies_summary[summary["best_peer"]]
    best_mab = policies_summary[summary["best_mabwiser_peer"]]
    cold_random = policies_summary["random"]["cold_start_reward"]
    cold_ratio = ours["cold_start_reward"] / cold_random if cold_random else None
    simulated = time.perf_counter()
    median_ms, p99_ms = decision_latency(world, traces[0], args.latency_calls, args.seed)
    service = service_latency(world, args.service_calls) if args.service_calls > 0 else None
    attunement = traces[0].policy
    assert isinstance(attunement, Attunement)
    stats: SufficientStats = attunement.person_stats[0]
    if args.plot:
        plot(args.plot, world, traces)

    print_table(console, summary, cold_random)
    console.print(
        f"decision latency (Recommender.recommend, {len(world.catalogue)} exercises): "
        f"median {median_ms:.2f} ms, p99 {p99_ms:.2f} ms"
        + (
            f"; PracticeService.next_exercise on SQLite: median {service[0]:.2f} ms, p99 {service[1]:.2f} ms"
            if service
            else "; PracticeService latency skipped"
        )
    )
    console.print(
        f"run time: simulation {simulated - began:.0f} s, latency, service and plot "
        f"{time.perf_counter() - simulated:.0f} s"
    )
    regret_ratio = ours["cumulative_regret"] / max(best["cumulative_regret"], 1e-9)
    result: dict[str, Any] = {
        "regret_ratio_vs_best_peer": round(regret_ratio, 4),
        "reward_ratio_vs_best_peer": ours["reward_ratio_vs_best_peer"],
        "best_peer": summary["best_peer"],
        "regret_ratio_vs_best_mabwiser": round(
            ours["cumulative_regret"] / max(best_mab["cumulative_regret"], 1e-9), 4
        ),
        "best_mabwiser_peer": summary["best_mabwiser_peer"],
        "cold_start_reward_ratio_vs_random": None if cold_ratio is None else round(cold_ratio, 4),
        "decision_median_ms": median_ms,
        "decision_p99_ms": p99_ms,
        "service_decision_median_ms": service[0] if service else None,
        "service_decision_p99_ms": service[1] if service else None,
        "policy_bytes_per_person": len(stats.to_bytes()),
        "people": world.people,
        "rounds": world.rounds,
        "exercises": len(world.catalogue),
        "seed": args.seed,
        "runtime_s": round(time.perf_counter() - began, 1),
        "policies": {
            name: {
                k: row[k]
                for k in (
                    "cumulative_reward",
                    "cumulative_expected_reward",
                    "cumulative_regret",
                    "cold_start_reward",
                )
            }
            for name, row in policies_summary.items()
        },
    }
    result["targets_met"] = {
        "regret_ratio_vs_best_mabwiser<=0.7": result["regret_ratio_vs_best_mabwiser"] <= 0.7,
        "cold_start_reward_ratio_vs_random>=1.3": cold_ratio is not None and cold_ratio >= 1.3,
        "decision_p99_ms<=5": p99_ms <= 5.0,
    }
    sys.stdout.flush()
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
