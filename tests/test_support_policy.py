"""The pair bandit starts from the support map and learns from the supported partner's ratings."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

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
    Visibility,
    family_of,
)
from attunement.personalize.support import (
    EXPLORATION,
    N_SUPPORT_FEATURES,
    SupportChooser,
    SupportContext,
    support_features,
)
from attunement.personalize.support_beliefs import read_beliefs
from tests.conftest import load_bench

WORK = StressContext.WORK
STATED = SupportMap(
    {WORK: MapEntry(WORK, frozenset({SupportKind.PRACTICAL}), frozenset({SupportKind.SPACE}))}
)


def context(family: EmotionFamily = EmotionFamily.ANXIOUS) -> SupportContext:
    return SupportContext(WORK, family, STATED, {})


def test_features_carry_the_map_and_the_indicators() -> None:
    phi = support_features(context())
    assert phi.shape == (8, N_SUPPORT_FEATURES)
    practical, space = (
        list(SupportKind).index(SupportKind.PRACTICAL),
        list(SupportKind).index(SupportKind.SPACE),
    )
    fair = read_beliefs(STATED).fair(WORK)  # the map's stance, as far as the line is believed
    assert 0.5 < fair < 1
    assert phi[practical, 1] == pytest.approx(fair) and phi[space, 1] == pytest.approx(-fair)
    assert np.allclose(phi[:, 0], 1) and np.allclose(phi[:, 2], 1 / 8)


def test_a_new_pair_gets_what_their_map_says() -> None:
    chooser = SupportChooser(seed=3)
    pair, population = chooser.policy.new_stats(), chooser.policy.new_stats()
    picks = [chooser.choose(context(), pair, population).kind for _ in range(50)]
    assert picks.count(SupportKind.PRACTICAL) > 25
    assert SupportKind.SPACE not in picks
    choice = chooser.choose(context(), pair, population)
    assert any("support map" in reason for reason in choice.reasons) or choice.kind != SupportKind.PRACTICAL


def test_ratings_move_a_pair_away_from_a_wrong_map() -> None:
    chooser = SupportChooser(seed=5)
    pair, population = chooser.policy.new_stats(), chooser.policy.new_stats()
    truth = {SupportKind.LISTENING: 1.0, SupportKind.PRACTICAL: 0.0}
    picks = []
    for _ in range(40):
        choice = chooser.choose(context(), pair, population)
        chooser.learn(pair, population, choice.features, truth.get(choice.kind, 0.4))
        picks.append(choice.kind)
    assert picks[-10:].count(SupportKind.LISTENING) >= 7
    assert pair.n == 40


def test_emotion_families_and_visibility_levels() -> None:
    assert family_of(["annoyance"]) is EmotionFamily.ANGRY
    assert family_of(["grief", "joy"]) is EmotionFamily.SAD
    assert Visibility.TEXT.rank > Visibility.EMOTIONS.rank > Visibility.MOOD.rank > Visibility.NOTHING.rank


def test_partners_benchmark_runs_small(tmp_path: Path) -> None:
    module = load_bench("partners")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = module.main(
            ["--couples", "12", "--checkins", "12", "--seed", "2", "--plot", str(tmp_path / "c.png")]
        )
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == result
    policies = result["policies"]
    assert {"pair bandit", "static map", "LinTS (mabwiser)", "random", "informed", "oracle"} == set(policies)
    assert policies["oracle"]["mean_reward_all"] >= max(p["mean_reward_all"] for p in policies.values())
    assert result["ratio_vs_static_map_11_30"] > 0 and result["decision_p99_ms"] > 0
    informed, static = policies["informed"]["mean_reward_11_30"], policies["static map"]["mean_reward_11_30"]
    assert result["ratio_informed_vs_static_map_11_30"] == pytest.approx(informed / static, abs=1e-3)
    assert result["share_of_informed_gain_11_30"] == pytest.approx(
        (policies["pair bandit"]["mean_reward_11_30"] - static) / (informed - static), abs=1e-3
    )
    # Every check-in gives the oracle the best outcome of the same noise, so it leads on every line.
    for figures in result["mean_reward_11_30_by_map_line"].values():
        assert figures["oracle"] >= max(figures.values()) and set(figures) == set(policies)
    curve = policies["pair bandit"]["mean_reward_by_checkin"]
    assert len(curve) == 12 and np.mean(curve) == pytest.approx(
        policies["pair bandit"]["mean_reward_all"], abs=1e-3
    )


def test_partners_benchmark_compares_plain_thompson_sampling() -> None:
    module = load_bench("partners")
    with contextlib.redirect_stdout(io.StringIO()):
        tempered = module.main(["--couples", "8", "--checkins", "12", "--no-lints"])
        plain = module.main(["--couples", "8", "--checkins", "12", "--no-lints", "--exploration", "1"])
    assert (tempered["exploration"], plain["exploration"]) == (EXPLORATION, 1.0)
    with contextlib.redirect_stdout(io.StringIO()):
        faithful = module.main(["--couples", "8", "--checkins", "12", "--no-lints", "--wrong", "0"])
    assert set(faithful["mean_reward_11_30_by_map_line"]) == {"right"}  # no line of any map is wrong
    assert tempered["policies"]["static map"] == plain["policies"]["static map"]


def test_partners_informed_reference_knows_likes_and_family_help_and_lets_the_map_break_ties() -> None:
    module = load_bench("partners")
    rng, ties = np.random.default_rng(5), 0
    for _ in range(20):
        couple = module.make_couple(rng, 0.35)
        for context in STRESS_CONTEXTS:
            for family in range(len(EmotionFamily)):
                score = couple.person + module.FAMILY_HELP[family]
                best = np.flatnonzero(np.isclose(score, score.max()))
                k = module.informed_choice(couple, context, family)
                assert k in best
                stances = [couple.stated.stance(context, SUPPORT_KINDS[b]) for b in best]
                assert couple.stated.stance(context, SUPPORT_KINDS[k]) == max(stances)
                ties += len(set(stances)) > 1
    assert ties > 0  # the map did break some ties
