"""The latent-class reading of a support map and ratings: stable likes, and lines that may be mistaken."""

from __future__ import annotations

import numpy as np
import pytest

from attunement.domain.support import (
    STRESS_CONTEXTS,
    SUPPORT_KINDS,
    EmotionFamily,
    MapEntry,
    StressContext,
    SupportKind,
    SupportMap,
)
from attunement.personalize.support import (
    SupportChooser,
    SupportContext,
    kind_evidence,
    kind_leanings,
    pair_beliefs,
    support_features,
)
from attunement.personalize.support_beliefs import (
    CLASS_PRIOR,
    HAND_SET,
    MISTAKEN_SHARE,
    BeliefModel,
    KindEvidence,
    fit_belief_model,
    read_beliefs,
)

K, C = SupportKind, StressContext
LISTENING, PRACTICAL = SUPPORT_KINDS.index(K.LISTENING), SUPPORT_KINDS.index(K.PRACTICAL)


def steady_map(odd_one_out: StressContext | None = None) -> SupportMap:
    """Listening and closeness help, practical suggestions do not, in every line but ``odd_one_out``."""
    lines = {
        c: MapEntry(c, frozenset({K.LISTENING, K.CLOSENESS}), frozenset({K.PRACTICAL}))
        for c in STRESS_CONTEXTS
    }
    if odd_one_out is not None:
        lines[odd_one_out] = MapEntry(odd_one_out, frozenset({K.PRACTICAL, K.INFORMATION}))
    return SupportMap(lines)


def ratings(**by_kind: tuple[int, float]) -> KindEvidence:
    """Evidence of ``n`` ratings per kind, each ``gap`` above what a neutral kind earns."""
    count, surprise = np.zeros(len(SUPPORT_KINDS)), np.zeros(len(SUPPORT_KINDS))
    for name, (n, gap) in by_kind.items():
        k = SUPPORT_KINDS.index(SupportKind(name))
        count[k], surprise[k] = n, n * gap
    return KindEvidence(count, surprise)


def test_without_a_map_or_ratings_the_beliefs_are_the_prior() -> None:
    beliefs = read_beliefs(SupportMap())
    assert np.allclose(beliefs.liked, CLASS_PRIOR[0]) and np.allclose(beliefs.disliked, CLASS_PRIOR[2])
    assert dict(beliefs.line_fair) == {}
    assert beliefs.fair(C.WORK) == 0.0


def test_kinds_named_in_most_lines_are_liked_and_the_line_that_disagrees_is_likely_mistaken() -> None:
    beliefs = read_beliefs(steady_map(odd_one_out=C.WORK))
    assert beliefs.liked_share(K.LISTENING) > 0.95 and beliefs.liked_share(K.CLOSENESS) > 0.95
    assert beliefs.disliked[PRACTICAL] > 0.9
    assert beliefs.fair(C.WORK) < 0.1
    assert all(beliefs.fair(c) > 0.9 for c in STRESS_CONTEXTS if c != C.WORK)


def test_a_lone_line_is_as_fair_as_the_prior_however_few_kinds_it_names() -> None:
    for helps in ({K.PRACTICAL}, {K.PRACTICAL, K.LISTENING, K.SPACE}):
        lone = SupportMap({C.WORK: MapEntry(C.WORK, frozenset(helps), frozenset({K.INFORMATION}))})
        beliefs = read_beliefs(lone)
        assert beliefs.fair(C.WORK) == pytest.approx(1 - MISTAKEN_SHARE)
        assert beliefs.liked_share(K.PRACTICAL) > CLASS_PRIOR[0] > beliefs.liked_share(K.INFORMATION)


def test_ratings_move_the_beliefs_and_the_trust_in_the_lines() -> None:
    helps = frozenset({K.LISTENING, K.CLOSENESS})
    stated = SupportMap({c: MapEntry(c, helps) for c in (C.WORK, C.HEALTH)})
    before = read_beliefs(stated)
    after = read_beliefs(stated, ratings(listening=(6, -0.15), closeness=(6, -0.15), space=(4, 0.15)))
    assert after.liked_share(K.LISTENING) < 0.5 < before.liked_share(K.LISTENING)
    assert after.liked_share(K.SPACE) > 2 * before.liked_share(K.SPACE)
    assert max(after.line_fair.values()) < 0.5 < min(before.line_fair.values())


def test_six_agreeing_lines_outweigh_a_few_poor_ratings() -> None:
    """Lines are mistaken one at a time, so a whole map that agrees takes many ratings to overturn."""
    beliefs = read_beliefs(steady_map(), ratings(listening=(4, -0.15)))
    assert beliefs.liked_share(K.LISTENING) > 0.9


def test_beliefs_are_probabilities() -> None:
    for evidence in (None, ratings(practical=(10, 0.3)), ratings(listening=(2, -1.0), space=(1, 1.0))):
        beliefs = read_beliefs(steady_map(odd_one_out=C.LOSS), evidence)
        assert np.all(beliefs.liked >= 0) and np.all(beliefs.disliked >= 0)
        assert np.all(beliefs.liked + beliefs.disliked <= 1 + 1e-9)
        assert all(0 <= p <= 1 for p in beliefs.line_fair.values())
        assert np.all(np.abs(beliefs.leaning) <= 1 + 1e-9)


def test_the_pairs_statistics_give_each_kinds_count_and_surprise() -> None:
    chooser = SupportChooser(seed=0)
    policy = chooser.policy
    pair, population = policy.new_stats(), policy.new_stats()
    phi = support_features(SupportContext(C.WORK, EmotionFamily.SAD, steady_map(), {}))
    for reward in (0.75, 1.0, 0.5):
        chooser.learn(pair, population, phi[LISTENING], reward)
    evidence = kind_evidence(policy, pair, population)
    assert evidence.count[LISTENING] == 3 and evidence.count.sum() == 3
    neutral = policy.population_mean(population).copy()
    neutral[[1, 3]] = 0.0
    assert np.isclose(evidence.surprise[LISTENING], 2.25 - 3 * float(neutral @ phi[LISTENING]))
    assert np.allclose(np.delete(evidence.surprise, LISTENING), 0.0)


def test_what_the_person_sees_follows_their_map_and_ratings() -> None:
    """The privacy page's "support that helps you": the map and ratings against someone new."""
    chooser = SupportChooser(seed=0)
    policy = chooser.policy
    pair, population = policy.new_stats(), policy.new_stats()
    seen = kind_leanings(policy, pair, population, pair_beliefs(policy, steady_map(), pair, population))
    assert seen[K.LISTENING][0] > seen[K.LISTENING][1] and seen[K.PRACTICAL][0] < seen[K.PRACTICAL][1]
    phi = support_features(SupportContext(C.WORK, EmotionFamily.SAD, SupportMap(), {}))
    space = SUPPORT_KINDS.index(K.SPACE)
    for _ in range(5):
        chooser.learn(pair, population, phi[space], 1.0)
    rated = kind_leanings(policy, pair, population, pair_beliefs(policy, SupportMap(), pair, population))
    gains = {kind: mine - anyone for kind, (mine, anyone) in rated.items()}
    assert max(gains, key=gains.__getitem__) is K.SPACE and gains[K.SPACE] > 0


def maps_drawn_from(model: BeliefModel, n: int, seed: int = 0) -> list[SupportMap]:
    """``n`` maps of six lines drawn from the latent-class model with ``model``'s numbers."""
    rng, stances = np.random.default_rng(seed), (1, 0, -1)
    maps = []
    for _ in range(n):
        classes = rng.choice(3, size=len(SUPPORT_KINDS), p=model.class_prior)
        lines = {}
        for context in STRESS_CONTEXTS:
            mistaken = rng.random() < model.mistaken_share
            said = [
                stances[rng.choice(3, p=model.mistaken_line if mistaken else model.fair_line[y])]
                for y in classes
            ]
            helps = frozenset(k for k, s in zip(SUPPORT_KINDS, said, strict=True) if s > 0)
            lines[context] = MapEntry(
                context, helps, frozenset(k for k, s in zip(SUPPORT_KINDS, said, strict=True) if s < 0)
            )
        maps.append(SupportMap(lines))
    return maps


# People here fill in their maps differently from the hand-set guess: fewer lines are mistaken, and
# a mistaken line never says a kind does not help.
THIS_INSTALL = BeliefModel(
    class_prior=np.array([0.3, 0.5, 0.2]),
    fair_line=np.array([[0.9, 0.1, 0.0], [0.05, 0.9, 0.05], [0.0, 0.3, 0.7]]),
    mistaken_line=np.array([0.3, 0.7, 0.0]),
    mistaken_share=0.15,
)


def test_the_fit_learns_how_people_here_fill_in_their_maps() -> None:
    fitted = fit_belief_model(maps_drawn_from(THIS_INSTALL, 600))
    assert fitted.maps == 600
    assert np.allclose(fitted.class_prior, THIS_INSTALL.class_prior, atol=0.03)
    assert np.allclose(fitted.fair_line, THIS_INSTALL.fair_line, atol=0.04)
    assert abs(fitted.mistaken_share - THIS_INSTALL.mistaken_share) < 0.04
    assert fitted.mistaken_line[2] < 0.02 < MISTAKEN_LINE_NOT_HELPING
    assert fitted.describe().startswith("fitted to 600 maps (28% of kinds liked")


MISTAKEN_LINE_NOT_HELPING = float(HAND_SET.mistaken_line[2])


def test_a_few_maps_barely_move_the_hand_set_numbers() -> None:
    assert fit_belief_model([]) is HAND_SET
    assert fit_belief_model([SupportMap()]) is HAND_SET  # a map without lines says nothing
    few = fit_belief_model(maps_drawn_from(THIS_INSTALL, 3))
    assert abs(few.mistaken_share - MISTAKEN_SHARE) < abs(few.mistaken_share - THIS_INSTALL.mistaken_share)
    assert np.allclose(few.class_prior, CLASS_PRIOR, atol=0.05)


def test_a_fit_started_from_an_earlier_one_lands_where_a_fresh_fit_does() -> None:
    maps = maps_drawn_from(THIS_INSTALL, 300, seed=1)
    fresh = fit_belief_model(maps)
    resumed = fit_belief_model(maps, start=fit_belief_model(maps[:-20]))
    assert np.allclose(resumed.fair_line, fresh.fair_line, atol=1e-3)
    assert abs(resumed.mistaken_share - fresh.mistaken_share) < 1e-3


def test_the_fitted_numbers_change_what_a_line_naming_an_unhelpful_kind_says() -> None:
    # Read with the hand-set numbers a lone line keeps the prior's 0.7 whatever it names; where
    # mistaken lines never name a kind as unhelpful, a line that does is almost surely fair.
    lone = SupportMap({C.WORK: MapEntry(C.WORK, frozenset({K.LISTENING}), frozenset({K.SPACE}))})
    fitted = fit_belief_model(maps_drawn_from(THIS_INSTALL, 400))
    assert read_beliefs(lone).fair(C.WORK) == pytest.approx(1 - MISTAKEN_SHARE)
    assert read_beliefs(lone, model=fitted).fair(C.WORK) > 0.9
    assert read_beliefs(lone, model=fitted).prior_leaning == pytest.approx(
        fitted.class_prior[0] - fitted.class_prior[2]
    )
