"""The Python facade: everything a person can do in practice, in a few calls.

Examples
--------
>>> from attunement import Coach
>>> from attunement.services import TEST_MASTER_KEY
>>> coach = Coach(database_url="sqlite://", master_key=TEST_MASTER_KEY, seed=1)
>>> _ = coach.create_person("ana", minutes_per_day=10, liked_modalities=["reflection", "written_reply"])
>>> answers = {item.id: 3 for item in coach.questionnaire.items}
>>> _ = coach.assess("ana", answers, goals=["listen_better"])
>>> suggestion = coach.next_exercise("ana")
>>> suggestion.exercise.modality.value in {"reflection", "written_reply"}
True
>>> suggestion.explanation.startswith("Suggested")
True
>>> coach.record(suggestion.recommendation_id, completed=True, rating=5).reward
1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from attunement.config import Settings, get_settings
from attunement.domain.assessment import Questionnaire, SkillEstimate
from attunement.domain.consent import Purpose
from attunement.domain.exercises import Catalogue, Modality
from attunement.domain.feedback import Feedback
from attunement.domain.privacy import DataCategory
from attunement.domain.skills import Skill
from attunement.domain.support import MapEntry, StressContext, SupportKind, Visibility
from attunement.services import PracticeService, seed_demo
from attunement.services.audit import AuditEntry
from attunement.services.privacy import PrivacyService
from attunement.services.transparency import Beliefs, BeliefService, SkillBelief
from attunement.services.views import (
    AssessmentResult,
    AttemptResult,
    AttemptView,
    PersonView,
    Progress,
    SuggestionView,
)

if TYPE_CHECKING:  # written practice and partners load the text models: imported on first use
    from attunement.services.partners import (
        CheckinResult,
        Insight,
        InviteView,
        PartnerService,
        PartnerView,
        SupportSuggestion,
    )
    from attunement.services.written import ScenarioChoice, WrittenPracticeService, WrittenResult


class Coach:
    """One person's (or a household's) empathy coach over a local database.

    Parameters
    ----------
    settings
        Settings to use; defaults to those read from ``ATTUNE_`` variables.
    **overrides
        Individual settings to change, e.g. ``database_url="sqlite:///my.db"``.
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        base = settings or get_settings()
        self.settings = base.model_copy(update=overrides) if overrides else base
        self._service = PracticeService.open(self.settings)
        self._written: WrittenPracticeService | None = None
        self._partners: PartnerService | None = None

    @property
    def catalogue(self) -> Catalogue:
        """The exercises that can be suggested."""
        return self._service.catalogue

    @property
    def questionnaire(self) -> Questionnaire:
        """The onboarding questionnaire."""
        return self._service.questionnaire

    def create_person(
        self,
        handle: str,
        *,
        display_name: str | None = None,
        minutes_per_day: int = 10,
        liked_modalities: Iterable[Modality | str] = (),
        consents: Iterable[Purpose] = (Purpose.PERSONALIZATION, Purpose.STORE_REFLECTIONS),
    ) -> PersonView:
        """Add a person; raises :class:`~attunement.errors.InvalidInputError` for a bad or taken handle."""
        return self._service.create_person(
            handle,
            display_name=display_name,
            minutes_per_day=minutes_per_day,
            liked_modalities=liked_modalities,
            consents=consents,
        )

    def person(self, handle: str) -> PersonView:
        """A person by handle; raises :class:`~attunement.errors.NotFoundError`."""
        return self._service.person(handle)

    def people(self) -> list[PersonView]:
        """Everyone on this install."""
        return self._service.people()

    def set_preferences(
        self,
        handle: str,
        *,
        minutes_per_day: int | None = None,
        liked_modalities: Iterable[Modality | str] | None = None,
    ) -> PersonView:
        """Change how long and in which ways a person likes to practise."""
        return self._service.set_preferences(
            handle, minutes_per_day=minutes_per_day, liked_modalities=liked_modalities
        )

    def set_consent(self, handle: str, purpose: Purpose | str, granted: bool) -> str:
        """Grant or withdraw consent for a purpose; returns what that means for what was kept."""
        return self.privacy.set_consent(handle, purpose, granted)

    def assess(self, handle: str, answers: Mapping[str, int], goals: Iterable[str] = ()) -> AssessmentResult:
        """Score and keep a questionnaire; the result shows the change on a retake."""
        return self._service.record_assessment(handle, answers, goals)

    def estimates(self, handle: str) -> dict[Skill, SkillEstimate]:
        """The current belief about each of a person's skills."""
        return self._service.current_estimates(handle)

    def next_exercise(self, handle: str, *, minutes: int | None = None) -> SuggestionView:
        """Today's exercise for a person, with the reasons for it."""
        return self._service.next_exercise(handle, minutes=minutes)

    def record(
        self,
        recommendation_id: str,
        *,
        completed: bool,
        rating: int | None = None,
        reflection: str | None = None,
        at: datetime | None = None,
    ) -> AttemptResult:
        """Record the outcome of a suggestion (done or not, a 1-5 rating, a reflection)."""
        return self._service.record_attempt(
            recommendation_id, completed=completed, rating=rating, reflection=reflection, at=at
        )

    def progress(self, handle: str) -> Progress:
        """Per-skill estimates, their change, and practice totals."""
        return self._service.progress(handle)

    def history(self, handle: str, *, limit: int = 20) -> list[AttemptView]:
        """Recent practice attempts, newest first."""
        return self._service.history(handle, limit=limit)

    def demo(self, handle: str = "demo") -> PersonView:
        """Create (once) a demo person with a month of plausible history."""
        return seed_demo(self._service, handle=handle)

    # written practice -----------------------------------------------------

    @property
    def written(self) -> WrittenPracticeService:
        """Written scenarios, feedback and skill measurement (the text models load on first use)."""
        if self._written is None:
            from attunement.services.text import TextService
            from attunement.services.written import WrittenPracticeService

            self._written = WrittenPracticeService(self._service, TextService(self.settings))
        return self._written

    def next_scenario(self, handle: str, *, skill: Skill | str | None = None) -> ScenarioChoice:
        """A written scenario for the person's growth area (or ``skill``), with the reason for it."""
        return self.written.next_scenario(handle, skill=skill)

    def write_reply(
        self,
        handle: str,
        scenario_id: str,
        reply: str,
        *,
        recommendation_id: str | None = None,
        previous_attempt_id: str | None = None,
        at: datetime | None = None,
    ) -> WrittenResult:
        """Score a reply to a scenario: feedback, skill updates, and the change from a first try.

        A reply with crisis language is not scored or kept; the result carries
        crisis resources (``result.paused``).
        """
        return self.written.submit(
            handle,
            scenario_id,
            reply,
            recommendation_id=recommendation_id,
            previous_attempt_id=previous_attempt_id,
            at=at,
        )

    def feedback(self, message: str, reply: str) -> Feedback | None:
        """Feedback on any reply to any message, stored nowhere (``None`` for a crisis hit)."""
        return self.written.read(message, reply)[0]

    # partners -----------------------------------------------------------

    @property
    def partners(self) -> PartnerService:
        """Linking, support maps, check-ins and support suggestions (the text models load on first use)."""
        if self._partners is None:
            from attunement.services.partners import PartnerService
            from attunement.services.text import TextService

            self._partners = PartnerService(self._service, TextService(self.settings))
        return self._partners

    def invite_partner(self, handle: str, *, hours: int = 72) -> InviteView:
        """A new invite code for the person's partner (expires after ``hours``)."""
        return self.partners.invite(handle, hours=hours)

    def accept_partner(self, handle: str, code: str) -> PartnerView:
        """Link with whoever made the invite ``code``."""
        return self.partners.accept(handle, code)

    def unlink_partner(self, handle: str) -> None:
        """Stop all sharing with the partner, at once."""
        self.partners.unlink(handle)

    def set_support_map(
        self,
        handle: str,
        context: StressContext | str,
        *,
        helps: Iterable[SupportKind | str] = (),
        not_helpful: Iterable[SupportKind | str] = (),
        words: str | None = None,
    ) -> MapEntry:
        """Say how the person likes to be supported with one kind of stress."""
        return self.partners.set_support_map(
            handle, context, helps=helps, not_helpful=not_helpful, words=words
        )

    def checkin(
        self,
        handle: str,
        mood: int,
        *,
        text: str | None = None,
        context: StressContext | str | None = None,
        share: Visibility | str = Visibility.MOOD,
    ) -> CheckinResult:
        """Record a check-in and share it with the partner at ``share``."""
        return self.partners.checkin(handle, mood, text=text, context=context, share=share)

    def support_suggestions(self, handle: str) -> list[SupportSuggestion]:
        """How to support the partner right now, newest first."""
        return self.partners.suggestions(handle)

    def rate_support(self, handle: str, suggestion_id: str, rating: int) -> float:
        """The supported partner says how supported they felt (1-5)."""
        return self.partners.rate(handle, suggestion_id, rating)

    def patterns(self, handle: str) -> list[Insight]:
        """Patterns in the person's own check-ins, with evidence."""
        return self.partners.patterns(handle)

    # privacy ------------------------------------------------------------

    @property
    def privacy(self) -> PrivacyService:
        """Export, deletion, consent and the audit log."""
        return PrivacyService(self._service)

    def export(self, handle: str) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about the person, table by table, their words decrypted."""
        return self.privacy.export(handle)

    def report(self, handle: str) -> str:
        """The same as :meth:`export`, as a readable Markdown report."""
        return self.privacy.report(handle)

    def beliefs(self, handle: str) -> Beliefs:
        """What attunement believes about the person: skills, leanings of their suggestions, support."""
        return BeliefService(self._service).beliefs(handle)

    def correct_skill(self, handle: str, skill: Skill | str, level: float) -> SkillBelief:
        """Set a skill estimate to where the person sees themselves (1-5)."""
        return BeliefService(self._service).correct_skill(handle, skill, level)

    def delete_data(self, handle: str, category: DataCategory | str) -> int:
        """Delete one kind of the person's data (``personalization`` resets what suggestions learned)."""
        return self.privacy.delete_category(handle, category)

    def delete_person(self, handle: str) -> None:
        """Delete the person and everything about them, their data key included. Cannot be undone."""
        self.privacy.delete(handle)

    def audit(self, handle: str) -> list[AuditEntry]:
        """Partner reads of what the person shared, and their exports, deletions and corrections."""
        return self.privacy.audit(handle)
