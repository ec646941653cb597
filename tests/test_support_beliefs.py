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
from attunement.personalize.support_beliefs import CLASS_PRIOR, MISTAKEN_SHARE, KindEvidence, read_beliefs

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
