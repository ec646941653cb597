"""Partners benchmark: does the pair bandit learn how a partner really likes to be supported?

Run ``python bench/partners.py [--couples 400] [--checkins 30] [--wrong 0.35] [--seed 0]``
(``--exploration 1`` for plain Thompson sampling; ``--plot PATH`` saves each
policy's mean felt support per check-in as a PNG).
It prints each policy's mean felt-support reward (over check-ins 11-30 also
split by whether the map's line for the check-in's kind of stress is right or
wrong) and, as its last line, one JSON object with the figures and the ratios
to the static map, measured in this run on the same simulated couples and the
same random outcomes.

Generative model
----------------
For each couple, the supported partner has a hidden truth: two kinds of
support they really like (+0.3 in every kind of stress) and one or two they
really dislike (-0.3), one more kind that helps with each kind of stress
(+0.15, six contexts), what helps most people in each emotion family (+0.15:
closeness and listening when sad, reassurance and information when anxious,
listening and space when angry, doing something together and reassurance
when glad) and a taste N(0, 0.08) per (context, kind). Their **stated**
support map names, per context, the two kinds that truly help most and the
one that helps least, except that for a share ``--wrong`` of (partner,
context) lines they are mistaken about themselves, the way people often are
("I want solutions" when listening is what helps; unwanted support has real
costs, Bolger and Amarel 2007): that line names as helping two kinds drawn
from those that in truth are not among their top three, and names nothing as
unhelpful. A check-in has a context (uniform) and an emotion family
(context-dependent: loss is mostly sad, work mostly anxious or angry, ...);
after the suggested support the partner rates how supported they felt,
``round(N(3 + 2.5 u, 0.8))`` clipped to 1-5, and the reward is
``(rating - 1) / 4``. The policies never see the truth.

Policies
--------
* **pair bandit**: attunement's :class:`SupportChooser` (tempered Thompson
  sampling per pair, prior from the map read as a whole with the pair's
  ratings by :mod:`attunement.personalize.support_beliefs`, whose numbers
  are fitted by EM to all the couples' stated maps, as the app fits them to
  everyone's; population learning across couples);
* **static map**: the kind the map rates best for the context (+1 helps, -1
  not), ties broken by the overall order listening, reassurance, reflection,
  ...; it never learns;
* **LinTS**: mabwiser's LinTS, one per couple, context = the map's stance for
  every kind, the emotion family and the context (one-hot);
* **random**; the **oracle**, which knows the truth; and the **informed**
  reference, which knows what a partner's ratings could teach over many
  check-ins but not one kind of stress's own details: the partner's stable
  likes and dislikes and what helps each emotion family (the map's line
  breaks ties). The share of its gain that the pair bandit reaches is
  printed. It is not a ceiling: a learner that also reads each kind of
  stress's details from the map's right lines can pass it
  (``docs/benchmarks.md``).

Couples check in round-robin, so the population prior learns as couples do.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from attunement.domain.support import (
    EMOTION_FAMILIES,
    STRESS_CONTEXTS,
    SUPPORT_KINDS,
    EmotionFamily,
    MapEntry,
    StressContext,
    SupportKind,
    SupportMap,
)
from attunement.personalize.support import EXPLORATION, SupportChooser, SupportContext
from attunement.personalize.support_beliefs import fit_belief_model

K = SupportKind
FAMILY_BONUS = {
    EmotionFamily.SAD: (K.CLOSENESS, K.LISTENING),
    EmotionFamily.ANXIOUS: (K.REASSURANCE, K.INFORMATION),
    EmotionFamily.ANGRY: (K.LISTENING, K.SPACE),
    EmotionFamily.GLAD: (K.TOGETHER, K.REASSURANCE),
    EmotionFamily.UNSURE: (K.LISTENING,),
}
FAMILY_HELP = np.array(  # (family, kind): +0.15 where the kind helps most people with that emotion
    [[0.15 * (kind in FAMILY_BONUS[family]) for kind in SUPPORT_KINDS] for family in EMOTION_FAMILIES]
)
FAMILY_GIVEN_CONTEXT = {  # probabilities over EMOTION_FAMILIES (sad, anxious, angry, glad, unsure)
    StressContext.WORK: (0.2, 0.35, 0.25, 0.1, 0.1),
    StressContext.FAMILY: (0.3, 0.2, 0.3, 0.1, 0.1),
    StressContext.HEALTH: (0.25, 0.5, 0.05, 0.1, 0.1),
    StressContext.RELATIONSHIP: (0.3, 0.2, 0.3, 0.1, 0.1),
    StressContext.LOSS: (0.7, 0.1, 0.05, 0.05, 0.1),
    StressContext.EVERYDAY: (0.1, 0.15, 0.4, 0.15, 0.2),
}
TARGET = 1.15  # felt support against the static map over check-ins 11-30


@dataclass
class Couple:
    """One simulated couple: the truth about the supported partner, and what they stated."""

    utility: NDArray[np.float64]
    """(context, family, kind) expected utility."""
    person: NDArray[np.float64]
    """Per kind of support, what holds in every kind of stress: liked +0.3, disliked -0.3, else 0."""
    stated: SupportMap
    wrong: tuple[StressContext, ...]


def make_couple(rng: np.random.Generator, wrong_share: float) -> Couple:
    n_k = len(SUPPORT_KINDS)
    order = rng.permutation(n_k)
    liked, disliked = order[:2], order[2 : 2 + int(rng.integers(1, 3))]
    person = np.zeros(n_k)
    person[liked], person[disliked] = 0.3, -0.3
    utility = np.zeros((len(STRESS_CONTEXTS), len(EMOTION_FAMILIES), n_k))
    entries, wrong = {}, []
    for c, context in enumerate(STRESS_CONTEXTS):
        extra = rng.integers(n_k)
        base = person + rng.normal(0, 0.08, n_k)
        base[extra] += 0.15
        utility[c] = base + FAMILY_HELP
        ranked = [int(k) for k in np.argsort(-base)]
        stated_helps, stated_not = ranked[:2], ranked[-1:]
        if rng.random() < wrong_share:  # mistaken about this kind of stress
            stated_helps = [int(k) for k in rng.choice(ranked[3:], size=2, replace=False)]
            stated_not = []
            wrong.append(context)
        entries[context] = MapEntry(
            context,
            frozenset(SUPPORT_KINDS[k] for k in stated_helps),
            frozenset(SUPPORT_KINDS[k] for k in stated_not if k not in stated_helps),
        )
    return Couple(utility, person, SupportMap(entries), tuple(wrong))


def map_stances(couple: Couple, context: StressContext) -> NDArray[np.float64]:
    """The stated map's stance on every kind of support for ``context``, in :data:`SUPPORT_KINDS` order."""
    return np.array([couple.stated.stance(context, kind) for kind in SUPPORT_KINDS], dtype=float)


def static_choice(couple: Couple, context: StressContext) -> int:
    # argmax keeps the first of ties: SUPPORT_KINDS's order (listening, reassurance, reflection, ...)
    return int(np.argmax(map_stances(couple, context)))


def informed_choice(couple: Couple, context: StressContext, family: int) -> int:
    """The informed reference: stable likes plus what helps the emotion family; the map breaks ties.

    Both come in steps of 0.15, so the map's stance, at 0.01, only decides between equals.
    """
    return int(np.argmax(couple.person + FAMILY_HELP[family] + 0.01 * map_stances(couple, context)))


class LinTSPeer:
    """mabwiser's LinTS for one couple, on the map's stances, the family and the context."""

    def __init__(self, seed: int) -> None:
        from mabwiser.mab import MAB, LearningPolicy

        self.mab = MAB([k.value for k in SUPPORT_KINDS], LearningPolicy.LinTS(alpha=0.5), seed=seed, n_jobs=1)
        self.fitted = False

    @staticmethod
    def context(couple: Couple, stress: StressContext, family: EmotionFamily) -> NDArray[np.float64]:
        row = [float(family == f) for f in EMOTION_FAMILIES] + [float(stress == c) for c in STRESS_CONTEXTS]
        return np.concatenate([map_stances(couple, stress), row])[None, :]

    def choose(self, x: NDArray[np.float64], rng: np.random.Generator) -> int:
        if not self.fitted:
            return int(rng.integers(len(SUPPORT_KINDS)))
        return SUPPORT_KINDS.index(SupportKind(self.mab.predict(x)))

    def learn(self, x: NDArray[np.float64], kind: int, reward: float) -> None:
        if self.fitted:
            self.mab.partial_fit([SUPPORT_KINDS[kind].value], [reward], x)
        else:
            self.mab.fit([SUPPORT_KINDS[kind].value], [reward], x)
            self.fitted = True


def rating_reward(u: float, noise: float) -> float:
    rating = int(np.clip(np.rint(3 + 2.5 * u + 0.8 * noise), 1, 5))
    return (rating - 1) / 4


def run(
    couples: int, checkins: int, wrong: float, seed: int, lints: bool = True, exploration: float = EXPLORATION
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    pairs = [make_couple(rng, wrong) for _ in range(couples)]
    contexts = rng.integers(len(STRESS_CONTEXTS), size=(couples, checkins))
    families = np.array(
        [
            [rng.choice(len(EMOTION_FAMILIES), p=FAMILY_GIVEN_CONTEXT[STRESS_CONTEXTS[c]]) for c in row]
            for row in contexts
        ]
    )
    noise = rng.standard_normal((couples, checkins))  # common random numbers for every policy
    wrong_line = np.array(  # is the map mistaken about this check-in's kind of stress?
        [[STRESS_CONTEXTS[c] in pair.wrong for c in row] for pair, row in zip(pairs, contexts, strict=True)]
    )
    names = (
        ["pair bandit", "static map", "LinTS (mabwiser)", "random", "informed", "oracle"]
        if lints
        else ["pair bandit", "static map", "random", "informed", "oracle"]
    )
    rewards = {name: np.zeros((couples, checkins)) for name in names}
    model = fit_belief_model(pair.stated for pair in pairs)  # as the app fits it to everyone's maps
    chooser = SupportChooser(seed=seed, exploration=exploration)
    population = chooser.policy.new_stats()
    pair_stats = [chooser.policy.new_stats() for _ in range(couples)]
    peers = [LinTSPeer(seed + i) for i in range(couples)] if lints else []
    random_rng = np.random.default_rng(seed + 1)
    decision_ms = []
    for t in range(checkins):
        for i, couple in enumerate(pairs):
            stress, family = STRESS_CONTEXTS[contexts[i, t]], EMOTION_FAMILIES[families[i, t]]
            u = couple.utility[contexts[i, t], families[i, t]]

            def outcome(kind: int, i: int = i, t: int = t, u: NDArray[np.float64] = u) -> float:
                return rating_reward(float(u[kind]), float(noise[i, t]))

            context = SupportContext(stress, family, couple.stated, {}, model)
            began = time.perf_counter()
            choice = chooser.choose(context, pair_stats[i], population)
            decision_ms.append((time.perf_counter() - began) * 1000)
            k = SUPPORT_KINDS.index(choice.kind)
            reward = outcome(k)
            chooser.learn(pair_stats[i], population, choice.features, reward)
            rewards["pair bandit"][i, t] = reward
            rewards["static map"][i, t] = outcome(static_choice(couple, stress))
            rewards["random"][i, t] = outcome(int(random_rng.integers(len(SUPPORT_KINDS))))
            rewards["informed"][i, t] = outcome(informed_choice(couple, stress, int(families[i, t])))
            rewards["oracle"][i, t] = outcome(int(np.argmax(u)))
            if lints:
                x = LinTSPeer.context(couple, stress, family)
                k_peer = peers[i].choose(x, random_rng)
                r_peer = outcome(k_peer)
                peers[i].learn(x, k_peer, r_peer)
                rewards["LinTS (mabwiser)"][i, t] = r_peer
    late = slice(min(10, checkins), checkins)
    policies = {
        name: {
            "mean_reward_all": round(float(r.mean()), 4),
            "mean_reward_11_30": round(float(r[:, late].mean()), 4),
            "mean_reward_1_10": round(float(r[:, : min(10, checkins)].mean()), 4),
        }
        for name, r in rewards.items()
    }
    for name, r in rewards.items():
        policies[name]["mean_reward_by_checkin"] = [round(float(v), 4) for v in r.mean(axis=0)]
    in_window = np.zeros_like(wrong_line)
    in_window[:, late] = True
    by_map_line = {  # where felt support is lost: where the map is right about the stress, or wrong
        line: {name: round(float(r[in_window & mask].mean()), 4) for name, r in rewards.items()}
        for line, mask in (("right", ~wrong_line), ("wrong", wrong_line))
        if (in_window & mask).any()
    }
    static = policies["static map"]["mean_reward_11_30"]
    informed_gain = policies["informed"]["mean_reward_11_30"] - static
    result: dict[str, Any] = {
        "couples": couples,
        "checkins": checkins,
        "wrong_share": wrong,
        "exploration": chooser.policy.exploration,
        "belief_model": model.describe(),
        "policies": policies,
        "ratio_vs_static_map_11_30": round(policies["pair bandit"]["mean_reward_11_30"] / static, 3),
        "ratio_vs_static_map_1_10": round(
            policies["pair bandit"]["mean_reward_1_10"] / policies["static map"]["mean_reward_1_10"], 3
        ),
        "ratio_vs_random_11_30": round(
            policies["pair bandit"]["mean_reward_11_30"] / policies["random"]["mean_reward_11_30"], 3
        ),
        "ratio_informed_vs_static_map_11_30": round(policies["informed"]["mean_reward_11_30"] / static, 3),
        "share_of_informed_gain_11_30": (
            round((policies["pair bandit"]["mean_reward_11_30"] - static) / informed_gain, 3)
            if informed_gain > 0
            else None
        ),
        "mean_reward_11_30_by_map_line": by_map_line,
        "decision_p50_ms": round(float(np.percentile(decision_ms, 50)), 3),
        "decision_p99_ms": round(float(np.percentile(decision_ms, 99)), 3),
    }
    if lints:
        result["ratio_vs_lints_11_30"] = round(
            policies["pair bandit"]["mean_reward_11_30"] / policies["LinTS (mabwiser)"]["mean_reward_11_30"],
            3,
        )
    result["targets_met"] = {"ratio_vs_static_map_11_30": result["ratio_vs_static_map_11_30"] >= TARGET}
    return result


def plot(path: Path, result: dict[str, Any]) -> None:
    """Per check-in: each policy's mean felt support, and its ratio to the static map (moving means of 3)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    checkins, window = result["checkins"], min(3, result["checkins"])
    x = np.arange(window, checkins + 1)
    static = np.asarray(result["policies"]["static map"]["mean_reward_by_checkin"])
    smooth = np.ones(window) / window
    for name, figures in result["policies"].items():
        style = {"linewidth": 2.4, "color": "black"} if name == "pair bandit" else {"linewidth": 1.2}
        curve = np.asarray(figures["mean_reward_by_checkin"])
        left.plot(x, np.convolve(curve, smooth, mode="valid"), label=name, **style)
        right.plot(x, np.convolve(curve / static, smooth, mode="valid"), **style)
    right.axhline(
        TARGET, color="0.4", linestyle="--", linewidth=1, label=f"target {TARGET} over check-ins 11-30"
    )
    for ax in (left, right):
        if checkins > 10:
            ax.axvspan(10.5, checkins + 0.5, color="0.93")
        ax.grid(alpha=0.3)
        ax.set_xlabel("check-in of the couple (moving mean of 3)")
    left.set(ylabel="mean felt support (rating mapped to 0-1)", title="Felt support")
    right.set(ylabel="ratio to the static map", title="Against the static map (shaded: the target's window)")
    left.legend(fontsize=7, loc="lower right")
    right.legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"{result['couples']:,} simulated couples, {result['wrong_share']:.0%} of their map lines wrong",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--couples", type=int, default=400, help="simulated couples (default 400)")
    parser.add_argument("--checkins", type=int, default=30, help="check-ins per couple (default 30)")
    parser.add_argument("--wrong", type=float, default=0.35, help="share of contexts the map gets wrong")
    parser.add_argument("--seed", type=int, default=0, help="seed of the couples and every policy")
    parser.add_argument(
        "--exploration",
        type=float,
        default=EXPLORATION,
        help=f"the pair bandit's share of the posterior spread (default {EXPLORATION}; 1: plain sampling)",
    )
    parser.add_argument("--plot", type=Path, default=None, help="save the per-check-in curves here (PNG)")
    parser.add_argument("--no-lints", action="store_true", help="skip the mabwiser peer")
    args = parser.parse_args(argv)
    result = run(
        args.couples,
        args.checkins,
        args.wrong,
        args.seed,
        lints=not args.no_lints,
        exploration=args.exploration,
    )
    if args.plot:
        plot(args.plot, result)
    lines = result["mean_reward_11_30_by_map_line"]
    for name, figures in result["policies"].items():
        early, late = figures["mean_reward_1_10"], figures["mean_reward_11_30"]
        split = ", ".join(f"{line} {lines[line][name]:.3f}" for line in lines)
        print(f"{name:>18}: check-ins 1-10 {early:.3f}, 11-30 {late:.3f} (where the map is {split})")
    print(f"support maps read as {result['belief_model']}")
    print(
        f"ratio to the static map over 11-30: {result['ratio_vs_static_map_11_30']} (target {TARGET}; "
        f"informed reference {result['ratio_informed_vs_static_map_11_30']}, of whose gain the bandit "
        f"reaches {result['share_of_informed_gain_11_30']})"
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
