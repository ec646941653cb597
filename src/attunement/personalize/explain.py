"""Turn the features that pushed a suggestion up into reasons a person understands.

A feature's push is its contribution to the chosen exercise's expected reward
minus its average contribution over the other candidates. Exercise-only
features are split into what this person's own ratings taught the policy and
what the population taught it ("people with answers like yours").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from attunement.domain.exercises import DIFFICULTY_LABELS, Exercise, Modality
from attunement.domain.practice import PracticeContext
from attunement.domain.skills import Skill
from attunement.personalize.features import FEATURE_NAMES, STALE_AFTER_DAYS

MIN_PUSH = 0.005
MAX_REASONS = 3


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a suggestion: which kind of evidence, in words, and how much it pushed."""

    kind: str
    text: str
    push: float


_LENGTH_FEATURES = {"length", "engagement_x_length", "evening_x_length"}


def _group(name: str) -> str:
    return "length" if name in _LENGTH_FEATURES else name.split(":", 1)[0]


def reasons_for(
    exercise: Exercise,
    row: int,
    phi: NDArray[np.float64],
    candidates: NDArray[np.bool_],
    person_mean: NDArray[np.float64],
    population_mean: NDArray[np.float64],
    context: PracticeContext,
    others_share: float = 1.0,
) -> list[Reason]:
    """The reasons that pushed ``exercise`` (row ``row`` of ``phi``) above the other candidates.

    ``others_share`` is the share of the population's outcomes that came from
    other people; below one half, what the population learned is credited to
    the person's own ratings rather than to "people like you".
    """
    baseline = phi[candidates].mean(axis=0)
    delta = phi[row] - baseline
    personal = delta * (person_mean - population_mean)
    shared = delta * population_mean
    pushes: dict[str, float] = {}
    for j, name in enumerate(FEATURE_NAMES):
        group = _group(name)
        if group in {"skill", "modality", "difficulty"}:
            pushes[f"you:{group}"] = pushes.get(f"you:{group}", 0.0) + personal[j]
            source = "people" if others_share >= 0.5 else "you"
            pushes[f"{source}:{group}"] = pushes.get(f"{source}:{group}", 0.0) + shared[j]
        else:
            pushes[group] = pushes.get(group, 0.0) + personal[j] + shared[j]
    ranked = sorted(((push, kind) for kind, push in pushes.items() if push > MIN_PUSH), reverse=True)
    reasons = []
    for push, kind in ranked[:MAX_REASONS]:
        text = _sentence(kind, exercise, context, phi[row])
        if text:
            reasons.append(Reason(kind, text, round(float(push), 4)))
    return reasons


def _sentence(kind: str, exercise: Exercise, context: PracticeContext, features: NDArray[np.float64]) -> str:
    skill = exercise.primary_skill
    if kind == "need":
        neediest = max(exercise.skills, key=lambda s: context.estimates[s].need)
        mean = context.estimates[neediest].mean
        return f"it trains {neediest.label.lower()}, where you have room to grow ({mean:.1f} of 5)"
    if kind == "goal":
        for s in exercise.skills:
            if s in context.goal_skills:
                goal = context.goal_texts.get(s)
                return (
                    f"it works towards your goal \u201c{goal}\u201d"
                    if goal
                    else "it works towards your goals"
                )
        return ""
    if kind == "liked_modality":
        return f"it is {exercise.modality.label} practice, which you said you like"
    if kind == "difficulty_fit":
        return f"its level ({DIFFICULTY_LABELS[exercise.difficulty]}) suits where you are"
    if kind == "staleness":
        days = context.days_since_skill.get(skill)
        if days is None:
            return f"you have not practised {skill.label.lower()} yet"
        if days >= STALE_AFTER_DAYS:
            return f"you have not practised {skill.label.lower()} for over two weeks"
        return f"you last practised {skill.label.lower()} {days:.0f} days ago"
    if kind == "track_record":
        return "it has gone well for others who tried it"
    if kind == "length":
        return f"at {exercise.minutes} minutes it fits your time well"
    if kind == "you:skill":
        return f"exercises on {skill.label.lower()} have gone well for you"
    if kind == "you:modality":
        return f"{exercise.modality.label} exercises have gone well for you"
    if kind == "you:difficulty":
        return f"{DIFFICULTY_LABELS[exercise.difficulty]} exercises have suited you"
    if kind == "people:skill":
        return f"people with answers like yours found {skill.label.lower()} exercises helpful"
    if kind == "people:modality":
        return f"people with answers like yours rate {exercise.modality.label} exercises well"
    if kind == "people:difficulty":
        return f"people like you do well with {DIFFICULTY_LABELS[exercise.difficulty]} exercises"
    return ""


def explanation(reasons: list[Reason], explored: bool, notes: tuple[str, ...]) -> str:
    """One plain paragraph: the top reasons, whether the pick explores, and relaxed constraints.

    Examples
    --------
    >>> explanation([Reason("goal", "it works towards your goals", 0.1)], False, ())
    'Suggested because it works towards your goals.'
    """
    if reasons:
        texts = [r.text for r in reasons]
        joined = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]
        sentence = f"Suggested because {joined}."
    else:
        sentence = "Suggested to try something new; your rating will show whether it suits you."
    if explored:
        sentence += " It is also a chance to learn what works for you, so your rating counts."
    return " ".join([sentence, *notes])


_FEATURE_LABELS = {
    "length": "longer exercises for the time you have",
    "need": "skills where you have most room to grow",
    "goal": "the growth areas you chose",
    "liked_modality": "kinds of exercise you said you like",
    "difficulty_fit": "a level that suits where you are",
    "staleness": "skills you have not practised lately",
    "engagement_x_length": "longer exercises after you have skipped some",
    "evening_x_length": "longer exercises in the evening",
    "track_record": "exercises that went well for others",
    "bias": "any exercise at all",
}


def feature_label(name: str) -> str:
    """What a feature of the practice policy means, in words.

    Examples
    --------
    >>> feature_label("difficulty:3")
    'stretch exercises'
    >>> feature_label("goal")
    'the growth areas you chose'
    """
    group, _, value = name.partition(":")
    if group == "skill":
        return f"exercises on {Skill(value).label.lower()}"
    if group == "modality":
        return f"{Modality(value).label} exercises"
    if group == "difficulty":
        return f"{DIFFICULTY_LABELS[int(value)]} exercises"
    return _FEATURE_LABELS[name]


__all__ = ["Reason", "explanation", "feature_label", "reasons_for"]
