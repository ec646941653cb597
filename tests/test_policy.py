"""The recommender: learning, seeding, propensities, constraints, explanations, new exercises."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from attunement.content import load_catalogue, load_questionnaire
from attunement.domain import Catalogue, Exercise, Modality, Skill
from attunement.domain.assessment import prior_estimates
from attunement.domain.practice import PracticeContext
from attunement.personalize import FEATURE_NAMES, Recommender, SufficientStats, ThompsonPolicy
from attunement.personalize.features import N_FEATURES, ActionFeatures, column

CATALOGUE = load_catalogue()
QUESTIONNAIRE = load_questionnaire()


def context(**changes: object) -> PracticeContext:
    values: dict[str, object] = {"estimates": prior_estimates(), "minutes_available": 10}
    values.update(changes)
    return PracticeContext(**values)  # type: ignore[arg-type]


def test_learning_changes_what_is_suggested() -> None:
    recommender = Recommender(CATALOGUE, seed=3)
    person, population = recommender.policy.new_stats(), recommender.policy.new_stats()
    ctx = context(minutes_available=30)
    for _ in range(60):
        suggestion = recommender.recommend(ctx, person, population)
        liked = suggestion.exercise.modality is Modality.ROLE_PLAY
        recommender.policy.learn_one(
            person, population, np.asarray(suggestion.features), 1.0 if liked else 0.1
        )
    later = [recommender.recommend(ctx, person, population).exercise.modality for _ in range(40)]
    assert later.count(Modality.ROLE_PLAY) >= 30


def test_same_seed_same_decisions() -> None:
    def run(seed: int) -> list[str]:
        recommender = Recommender(CATALOGUE, seed=seed)
        stats = recommender.policy.new_stats()
        return [recommender.recommend(context(), stats, stats).exercise.id for _ in range(20)]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_policy_pickles_and_keeps_hyperparameters() -> None:
    policy = ThompsonPolicy(person_variance=0.5, noise_variance=0.2, seed=9)
    clone = pickle.loads(pickle.dumps(policy))
    assert (clone.person_variance, clone.noise_variance, clone.seed) == (0.5, 0.2, 9)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("person_variance", 0.0, "person_variance"),
        ("n_propensity_samples", 0, "n_propensity_samples"),
        ("exploration", -0.1, "exploration"),
    ],
)
def test_bad_hyperparameters_are_named(name: str, value: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ThompsonPolicy(**{name: value})


def test_exploration_scales_the_spread_of_the_draws() -> None:
    phi = np.eye(3)
    scores = {}
    for exploration in (0.0, 0.3, 1.0):
        policy = ThompsonPolicy(n_features=3, prior_mean=np.array([0.5, 0.45, 0.0]), exploration=exploration)
        stats = policy.new_stats()
        decision = policy.decide(phi, stats, stats)
        scores[exploration] = decision
    # Without exploration every draw is the posterior mean: the best row, with certainty.
    assert (scores[0.0].index, scores[0.0].propensity) == (0, 1.0)
    np.testing.assert_allclose(scores[0.0].sampled_scores, scores[0.0].mean_scores)
    # The same random draws, scaled: a tempered policy strays from the mean less often.
    assert scores[0.3].propensity > scores[1.0].propensity > 0.0


@given(
    st.lists(
        st.tuples(st.lists(st.floats(-2, 2), min_size=N_FEATURES, max_size=N_FEATURES), st.floats(0, 1)),
        max_size=8,
    )
)
def test_policy_state_round_trips_through_bytes(outcomes: list[tuple[list[float], float]]) -> None:
    policy = ThompsonPolicy()
    person, population = policy.new_stats(), policy.new_stats()
    for phi, reward in outcomes:
        policy.learn_one(person, population, np.asarray(phi), reward)
    restored = SufficientStats.from_bytes(person.to_bytes(), N_FEATURES)
    assert restored.n == person.n
    np.testing.assert_allclose(restored.A, person.A)
    np.testing.assert_allclose(restored.b, person.b)


def test_propensity_is_a_probability_and_certainty_shows() -> None:
    recommender = Recommender(CATALOGUE, seed=1)
    fresh = recommender.policy.new_stats()
    uncertain = recommender.recommend(context(), fresh, fresh)
    assert 0 < uncertain.propensity <= 1
    assert len(uncertain.candidate_ids) > 1


def test_hard_constraints_time_modality_and_repeats() -> None:
    recommender = Recommender(CATALOGUE, repeat_window_days=3, seed=2)
    stats = recommender.policy.new_stats()
    recent = {e.id: 1.0 for e in CATALOGUE if e.modality is Modality.WRITTEN_REPLY and e.minutes <= 6}
    ctx = context(
        minutes_available=6,
        liked_modalities=frozenset({Modality.WRITTEN_REPLY, Modality.OBSERVATION}),
        days_since_exercise=recent,
    )
    for _ in range(30):
        suggestion = recommender.recommend(ctx, stats, stats)
        assert suggestion.exercise.minutes <= 6
        assert suggestion.exercise.modality in ctx.liked_modalities
        assert suggestion.exercise.id not in recent
        assert not set(suggestion.candidate_ids) & set(recent)


def test_relaxed_constraints_are_explained() -> None:
    recommender = Recommender(CATALOGUE, seed=2)
    stats = recommender.policy.new_stats()
    suggestion = recommender.recommend(context(minutes_available=1), stats, stats)
    assert suggestion.exercise.minutes == min(e.minutes for e in CATALOGUE)
    assert "Nothing fits in 1 minutes" in suggestion.explanation


def test_explanation_names_the_growth_area_and_goal() -> None:
    estimates = prior_estimates()
    low = estimates[Skill.REPAIR].__class__(Skill.REPAIR, 1.4, 0.2)
    goal = QUESTIONNAIRE.goals[0]
    ctx = context(
        estimates={**estimates, Skill.REPAIR: low},
        goal_skills=frozenset({Skill.REPAIR}),
        goal_texts={Skill.REPAIR: "Repair things after an argument"},
    )
    recommender = Recommender(CATALOGUE, seed=4)
    stats = recommender.policy.new_stats()
    picks = [recommender.recommend(ctx, stats, stats) for _ in range(20)]
    repair = [p for p in picks if Skill.REPAIR in p.exercise.skills]
    assert len(repair) >= 12, goal
    assert any(
        "repair after conflict, where you have room to grow (1.4 of 5)" in p.explanation for p in repair
    )
    assert any("Repair things after an argument" in p.explanation for p in repair)
    assert all(p.explanation.startswith("Suggested") for p in picks)


def test_a_new_exercise_is_scored_without_retraining() -> None:
    recommender = Recommender(CATALOGUE, seed=8)
    person, population = recommender.policy.new_stats(), recommender.policy.new_stats()
    ctx = context(minutes_available=15)
    phi = recommender.actions.matrix(ctx)
    rng = np.random.default_rng(8)
    for row in rng.integers(len(CATALOGUE), size=200):  # this person loves role play, whatever the skill
        reward = 1.0 if CATALOGUE.exercises[row].modality is Modality.ROLE_PLAY else 0.0
        recommender.policy.learn_one(person, population, phi[row], reward)
    new = Exercise(
        "new-role-play", "Brand new", (Skill.REPAIR,), Modality.ROLE_PLAY, 5, 2, "Act it out.", "How?"
    )
    grown = Recommender(Catalogue([*CATALOGUE, new]), policy=recommender.policy)
    scores = grown.actions.matrix(ctx) @ grown.policy.person_posterior(person, population)[0]
    others = [i for i, e in enumerate(grown.catalogue) if e.modality is not Modality.ROLE_PLAY]
    assert scores[grown.actions.exercise_ids.index("new-role-play")] > scores[others].max()


def test_feature_names_are_unique_and_match_the_vector() -> None:
    assert len(set(FEATURE_NAMES)) == N_FEATURES
    assert FEATURE_NAMES[column("bias")] == "bias"


def test_the_track_record_feature_carries_everyones_outcomes() -> None:
    first = CATALOGUE.exercises[0].id
    actions = ActionFeatures(CATALOGUE)
    phi = actions.matrix(context(track_record={first: 0.2}))
    assert phi[0, column("track_record")] == 0.2
    assert not phi[1:, column("track_record")].any()


def _random_effects_policy() -> ThompsonPolicy:
    return ThompsonPolicy(
        n_features=3,
        prior_mean=np.zeros(3),
        person_variance=np.array([0.02, 0.005, 0.0001]),
        noise_variance=0.04,
        random_effects=True,
    )


def test_random_effects_population_is_the_generalized_least_squares_estimate() -> None:
    policy, rng = _random_effects_policy(), np.random.default_rng(4)
    people, population = [policy.new_stats() for _ in range(3)], policy.new_stats()
    rows: list[list[tuple[np.ndarray, float]]] = [[], [], []]
    for step in range(40):  # interleaved, as people check in
        who = step % 3 if step < 30 else 0  # the first person rates the most
        phi, reward = rng.normal(size=3), float(rng.uniform())
        policy.learn_one(people[who], population, phi, reward)
        rows[who].append((phi, reward))
    # Directly: each person's outcomes weighed by the inverse of their covariance under the model.
    tau2, sigma2 = np.diag(policy.person_variance), policy.noise_variance
    expected_a, expected_b = np.zeros((3, 3)), np.zeros(3)
    for outcomes in rows:
        x, y = np.array([p for p, _ in outcomes]), np.array([r for _, r in outcomes])
        weight = sigma2 * np.linalg.inv(sigma2 * np.eye(len(y)) + x @ tau2 @ x.T)
        expected_a += x.T @ weight @ x
        expected_b += x.T @ weight @ y
    np.testing.assert_allclose(population.A, expected_a, atol=1e-9)
    np.testing.assert_allclose(population.b, expected_b, atol=1e-9)
    assert population.n == 40


def test_one_persons_many_ratings_move_everyone_less_than_many_peoples() -> None:
    policy = _random_effects_policy()
    phi = np.array([1.0, 0.0, 0.0])  # the feature whose weight varies most from person to person
    one, crowd = policy.new_stats(), policy.new_stats()
    person = policy.new_stats()
    for _ in range(50):
        policy.learn_one(person, one, phi, 1.0)
        policy.learn_one(policy.new_stats(), crowd, phi, 1.0)
    # As evidence about everyone, n ratings from one person count n / (1 + n tau2 / sigma2):
    # fifty from one person count 1.9, one from each of fifty people 50 x 0.67 = 33.
    assert one.A[0, 0] == pytest.approx(50 / (1 + 50 * 0.02 / 0.04))
    assert crowd.A[0, 0] == pytest.approx(50 / (1 + 0.02 / 0.04))
    assert policy.population_mean(one)[0] < policy.population_mean(crowd)[0] - 0.2
    pooled = ThompsonPolicy(n_features=3, prior_mean=np.zeros(3), noise_variance=0.04, random_effects=False)
    assert pooled.population_share(person) is person  # pooled: everything counts


def test_random_effects_need_separate_statistics_and_per_feature_variances_fit() -> None:
    policy = _random_effects_policy()
    stats = policy.new_stats()
    with pytest.raises(ValueError, match="must not be the population"):
        policy.learn_one(stats, stats, np.ones(3), 1.0)
    with pytest.raises(ValueError, match="one value or 3 values"):
        ThompsonPolicy(n_features=3, prior_mean=np.zeros(3), person_variance=np.ones(2))
    with pytest.raises(ValueError, match="person_variance must be above zero"):
        ThompsonPolicy(n_features=3, prior_mean=np.zeros(3), person_variance=np.array([1.0, 0.0, 1.0]))
