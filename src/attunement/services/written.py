"""Written practice: a scenario, a reply, feedback that teaches, and measured skill.

A person answers a short message from someone (a :class:`Scenario`); the text
models read the reply (empathy mechanisms with the sentences that carry them,
the support strategy, the emotions it names) and the feedback rules turn that
into one to three suggestions (:mod:`attunement.domain.feedback`). A second
attempt is compared with the first. Each scored reply updates the estimates
of the scenario's skills (:mod:`attunement.domain.measurement`); when the reply
answers a written exercise the recommender suggested, the measured change
becomes part of that suggestion's reward.

Crisis language in a reply stops the exercise: nothing is scored or kept,
and the result carries crisis resources instead of feedback.

Examples
--------
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY, PracticeService
>>> from attunement.services.text import TextService
>>> settings = Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY)
>>> service = WrittenPracticeService(PracticeService.open(settings), TextService(settings))
>>> _ = service.practice.create_person("sam")
>>> result = service.submit("sam", "grief-01-the-voicemail",
...     "Oh Tomás, that sounds so painful. What does he say on the message?")
>>> result.feedback is not None and 1 <= len(result.feedback.suggestions) <= 3
True
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from attunement.content.guidance import load_feedback_guide
from attunement.content.scenarios import load_scenarios
from attunement.domain.assessment import SkillEstimate
from attunement.domain.consent import Purpose
from attunement.domain.feedback import (
    LEVELS,
    Change,
    Feedback,
    MechanismReading,
    ReplyReading,
    compare,
    compose_feedback,
)
from attunement.domain.guidance import MECHANISMS, FeedbackGuide
from attunement.domain.measurement import skill_weights, update_estimate
from attunement.domain.safety import CrisisScreen
from attunement.domain.scenarios import Scenario, ScenarioSet
from attunement.domain.skills import SKILLS, Skill
from attunement.errors import InvalidInputError, NotFoundError
from attunement.nlp.analyzer import Analysis, check_text
from attunement.services.clock import aware as _aware
from attunement.services.clock import now as _now
from attunement.services.practice import PracticeService
from attunement.services.text import TextService
from attunement.store import repositories as repo
from attunement.store.tables import FeedbackEventRow, SkillEstimateRow, WrittenAttemptRow

MAX_REPLY_CHARS = 5_000
RECENT_DAYS = 30
DIFFICULTY_NAMES = {1: "a gentle one", 2: "a middling one", 3: "a hard one"}


@dataclass(frozen=True)
class ScenarioChoice:
    """A scenario offered for written practice, and why."""

    scenario: Scenario
    reason: str


@dataclass(frozen=True)
class SkillUpdate:
    """How one skill's estimate moved with one reply."""

    before: SkillEstimate
    after: SkillEstimate

    @property
    def change(self) -> float:
        """Movement of the mean, in points on the 1-5 scale."""
        return self.after.mean - self.before.mean


@dataclass(frozen=True)
class WrittenResult:
    """What came of one written reply."""

    attempt_id: str | None
    """``None`` when nothing was kept (a crisis hit)."""
    scenario: Scenario
    feedback: Feedback | None
    """``None`` when the reply screened as a crisis."""
    crisis: CrisisScreen
    changes: tuple[Change, ...] = ()
    """Against the previous attempt, when this is a second try."""
    updates: tuple[SkillUpdate, ...] = ()
    reply_stored: bool = False

    @property
    def paused(self) -> bool:
        """Practice pauses: the reply read as a crisis, and resources come first."""
        return self.crisis.flagged


class FeedbackService:
    """Feedback on replies to messages or scenarios, with nothing stored (live feedback, batch scoring)."""

    def __init__(
        self, text: TextService, scenarios: ScenarioSet | None = None, guide: FeedbackGuide | None = None
    ) -> None:
        self.text = text
        self.scenarios = scenarios or load_scenarios()
        self.guide = guide or load_feedback_guide()

    def scenario(self, scenario_id: str) -> Scenario:
        """A scenario by id; raises :class:`NotFoundError` naming it."""
        return self.scenarios.get(scenario_id)

    def read(
        self, message: str, reply: str, *, emotions: Sequence[str] = (), name: str = "this person"
    ) -> tuple[Feedback | None, CrisisScreen]:
        """Feedback on ``reply`` to ``message`` without storing anything (live feedback, batch scoring).

        ``emotions`` are emotions known to be in the message (a scenario's);
        the emotion model adds those it reads. Returns ``(None, screen)`` when
        the reply screens as a crisis. Raises :class:`InvalidInputError` for an
        empty, binary or over-long reply.
        """
        return self._read_many([(message, reply, tuple(emotions), name)])[0]

    def read_many(
        self,
        items: Sequence[tuple[str, str, Sequence[str], str]],
        advance: Callable[[int], None] | None = None,
        batch: int = 32,
    ) -> list[tuple[Feedback | None, CrisisScreen]]:
        """:meth:`read` for many (message, reply, emotions, name) items, in batches, with progress."""
        out: list[tuple[Feedback | None, CrisisScreen]] = []
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            out.extend(self._read_many(chunk))
            if advance:
                advance(len(chunk))
        return out

    def _read_many(
        self, items: Sequence[tuple[str, str, Sequence[str], str]]
    ) -> list[tuple[Feedback | None, CrisisScreen]]:
        replies = [_check_reply(reply) for _, reply, _, _ in items]
        messages = [check_text(message, "message") for message, _, _, _ in items]
        analyzer = self.text.analyzer
        analyses = analyzer.analyze_batch([*replies, *messages], [*messages, *([None] * len(items))])
        results: list[tuple[Feedback | None, CrisisScreen]] = []
        for i, (_, _, emotions, name) in enumerate(items):
            of_reply, of_message = analyses[i], analyses[len(items) + i]
            screen = analyzer.screener.screen(replies[i], signals=of_reply.emotion_probabilities)
            if screen.flagged:
                results.append((None, screen))
                continue
            known = [*emotions, *(e for e in of_message.emotions if e != "neutral")]
            results.append(
                (compose_feedback(_reading(of_reply, replies[i]), known, self.guide, name=name), screen)
            )
        return results


class WrittenPracticeService:
    """Written scenarios, feedback and skill measurement over the practice store and the text models."""

    def __init__(
        self,
        practice: PracticeService,
        text: TextService,
        scenarios: ScenarioSet | None = None,
        guide: FeedbackGuide | None = None,
    ) -> None:
        self.practice = practice
        self.feedback = FeedbackService(text, scenarios, guide)
        self.scenarios = self.feedback.scenarios
        self.guide = self.feedback.guide
        self.scenario = self.feedback.scenario
        self.read = self.feedback.read

    # choosing ------------------------------------------------------------

    def next_scenario(
        self, handle: str, *, skill: Skill | str | None = None, at: datetime | None = None
    ) -> ScenarioChoice:
        """A scenario for the person's growth area (or ``skill``), at a difficulty near their level.

        Scenarios answered in the last 30 days come last. Raises
        :class:`NotFoundError` for an unknown handle and
        :class:`InvalidInputError` for an unknown skill.
        """
        if skill is not None and not isinstance(skill, Skill):
            try:
                skill = Skill(skill)
            except ValueError:
                names = ", ".join(s.value for s in SKILLS)
                raise InvalidInputError(f"Unknown skill {skill!r}; choose one of {names}.") from None
        moment = _now(at)
        estimates = self.practice.current_estimates(handle)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            seen = {
                row.scenario_id: _aware(row.recorded_at) for row in repo.written_attempts(session, person.id)
            }
        available = [s for s in SKILLS if self.scenarios.for_skill(s)]
        target = skill or max(available, key=lambda s: (estimates[s].need, estimates[s].variance))
        options = list(self.scenarios.for_skill(target))
        if not options:
            raise NotFoundError(f"There is no written scenario for {target.label.lower()} yet.")
        level = estimates[target].mean
        wanted = 1 if level < 2.75 else 2 if level < 3.75 else 3
        recent = moment - timedelta(days=RECENT_DAYS)

        def rank(s: Scenario) -> tuple[bool, int, datetime, int]:
            last = seen.get(s.id)
            return (
                last is not None and last >= recent,
                abs(s.difficulty - wanted),
                last or datetime.min.replace(tzinfo=moment.tzinfo),
                zlib.crc32(f"{handle}|{s.id}|{moment.date()}".encode()),
            )

        chosen = min(options, key=rank)
        estimate = estimates[target]
        reason = (
            f"You're building {target.label.lower()} (estimated {estimate.mean:.1f} of 5, "
            f"give or take {estimate.sd:.1f}), so here is {DIFFICULTY_NAMES[chosen.difficulty]}."
        )
        return ScenarioChoice(chosen, reason)

    # attempts ------------------------------------------------------------

    def submit(
        self,
        handle: str,
        scenario_id: str,
        reply: str,
        *,
        recommendation_id: str | None = None,
        previous_attempt_id: str | None = None,
        at: datetime | None = None,
    ) -> WrittenResult:
        """Score a reply to a scenario, keep it, update the skill estimates, and compare with a first try.

        ``recommendation_id`` links the reply to a written exercise the
        recommender suggested (its measured change then joins that
        suggestion's reward); ``previous_attempt_id`` marks a second try.
        The reply text is kept, encrypted, only with the person's consent to
        keep what they write. Raises :class:`NotFoundError` for an unknown
        person, scenario, suggestion or earlier attempt, and
        :class:`InvalidInputError` for an empty, binary or over-long reply.
        """
        scenario = self.scenario(scenario_id)
        moment = _now(at)
        feedback, screen = self.read(scenario.message, reply, emotions=scenario.emotions, name=scenario.name)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            if recommendation_id is not None:
                rec = repo.recommendation(session, recommendation_id)
                if rec.person_id != person.id:
                    raise NotFoundError(f"No suggestion has the id '{recommendation_id}'.")
            previous = (
                repo.written_attempt(session, previous_attempt_id, person.id) if previous_attempt_id else None
            )
            if feedback is None:
                session.add(
                    FeedbackEventRow(
                        person_id=person.id,
                        recommendation_id=recommendation_id,
                        kind="crisis_pause",
                        value=None,
                        recorded_at=moment,
                    )
                )
                return WrittenResult(None, scenario, None, screen)
            updates = self._measure(session, person.id, scenario, feedback.score, moment)
            primary = next(u for u in updates if u.before.skill == scenario.primary_skill)
            keep = repo.latest_consents(session, person.id).get(Purpose.STORE_REFLECTIONS.value, False)
            row = WrittenAttemptRow(
                id=uuid.uuid4().hex,
                person_id=person.id,
                scenario_id=scenario.id,
                recommendation_id=recommendation_id,
                previous_attempt_id=previous.id if previous else None,
                reply=self.practice.keyring.seal(session, person.id, reply.strip()) if keep else None,
                levels={
                    r.mechanism: {"level": r.level, "probabilities": dict(r.probabilities)}
                    for r in feedback.reading.mechanisms
                },
                strategy=feedback.reading.strategy,
                acknowledged=list(feedback.acknowledged),
                missed=list(feedback.missed),
                suggestions=[s.id for s in feedback.suggestions],
                score=round(feedback.score, 6),
                skill=scenario.primary_skill.value,
                skill_before=primary.before.mean,
                skill_after=primary.after.mean,
                recorded_at=moment,
            )
            session.add(row)
            changes = compare(_stored_feedback(previous), feedback, self.guide) if previous else ()
            return WrittenResult(row.id, scenario, feedback, screen, changes, updates, keep)

    def _measure(
        self, session: Session, person_id: str, scenario: Scenario, score: float, moment: datetime
    ) -> tuple[SkillUpdate, ...]:
        current = self.practice.estimates_in(session, person_id)
        last_seen: dict[str, datetime] = {}
        for row in repo.estimate_history(session, person_id):
            last_seen[row.skill] = _aware(row.recorded_at)
        updates = []
        for skill, weight in skill_weights(scenario.skills).items():
            days = (
                (moment - last_seen[skill.value]).total_seconds() / 86400 if skill.value in last_seen else 0.0
            )
            after = update_estimate(current[skill], score=score, weight=weight, days=days)
            session.add(
                SkillEstimateRow(
                    person_id=person_id,
                    skill=skill.value,
                    mean=after.mean,
                    variance=after.variance,
                    source="written",
                    recorded_at=moment,
                )
            )
            updates.append(SkillUpdate(current[skill], after))
        return tuple(updates)

    def attempts(self, handle: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The person's latest written replies, newest first: scenario, score, levels, reply if kept."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            rows = list(repo.written_attempts(session, person.id))[-limit:]
            return [
                {
                    "id": row.id,
                    "scenario": row.scenario_id,
                    "score": row.score,
                    "levels": {m: v["level"] for m, v in row.levels.items()},
                    "strategy": row.strategy,
                    "second_try": row.previous_attempt_id is not None,
                    "reply": self.practice.keyring.open(session, person.id, row.reply),
                    "recorded_at": _aware(row.recorded_at).isoformat(),
                }
                for row in reversed(rows)
            ]


def _check_reply(reply: object) -> str:
    text = check_text(reply, "reply")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidInputError(f"A reply can be at most {MAX_REPLY_CHARS:,} characters.")
    return text


def _reading(analysis: Analysis, reply: str) -> ReplyReading:
    assert analysis.empathy is not None and analysis.reply_strategy is not None  # a reply was given
    mechanisms = tuple(
        MechanismReading(
            m, analysis.empathy[m].label, analysis.empathy[m].probabilities, analysis.empathy[m].evidence
        )
        for m in MECHANISMS
    )
    return ReplyReading(mechanisms, analysis.reply_strategy.label, reply)


def _stored_feedback(row: WrittenAttemptRow) -> Feedback:
    mechanisms = tuple(
        MechanismReading(
            m,
            row.levels[m]["level"],
            {lv: float(row.levels[m]["probabilities"].get(lv, 0.0)) for lv in LEVELS},
        )
        for m in MECHANISMS
    )
    return Feedback(
        ReplyReading(mechanisms, row.strategy, ""), tuple(row.acknowledged), tuple(row.missed), ()
    )
