"""Partners: linking, support maps, check-ins, suggestions for the supporting partner, patterns.

Sharing rules, enforced here and tested for every read of a partner's data:

* only two people linked by an accepted, unexpired, unrevoked invite share
  anything, and unlinking stops all sharing at once;
* a check-in is shared at the level its author chose: nothing, the mood, the
  emotions too, or the text too; the supporting partner's suggestion is
  phrased from what is shared (with the mood only, the phrasing follows the
  mood, not the hidden emotions);
* support maps, patterns and ratings are read only by their owner.

Examples
--------
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY, PracticeService
>>> from attunement.services.text import TextService
>>> settings = Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY)
>>> partners = PartnerService(PracticeService.open(settings), TextService(settings))
>>> _ = partners.practice.create_person("ana"), partners.practice.create_person("ben")
>>> invite = partners.invite("ana")
>>> partners.accept("ben", invite.code).handle
'ana'
>>> result = partners.checkin("ana", 2, share="mood")
>>> [s.kind.label for s in partners.suggestions("ben")][:1] != []
True
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from attunement.content.support import load_support_guide
from attunement.domain.consent import Purpose
from attunement.domain.privacy import AuditAction
from attunement.domain.rewards import validate_rating
from attunement.domain.safety import CrisisScreen
from attunement.domain.support import (
    SUPPORT_KINDS,
    EmotionFamily,
    MapEntry,
    StressContext,
    SupportGuide,
    SupportKind,
    SupportMap,
    Visibility,
    family_of,
)
from attunement.errors import InvalidInputError, NotFoundError
from attunement.nlp.labels import STRATEGIES
from attunement.personalize.policy import SufficientStats
from attunement.personalize.support import (
    SUPPORT_POLICY_VERSION,
    SupportChooser,
    SupportContext,
)
from attunement.personalize.support_beliefs import BeliefModel, fit_belief_model
from attunement.services import audit
from attunement.services.clock import aware as _aware
from attunement.services.clock import now as _now
from attunement.services.policy_state import SUPPORT_POPULATION_KEY, load_stats, pair_key, save_stats
from attunement.services.practice import PracticeService
from attunement.services.text import TextService
from attunement.store import partners as q
from attunement.store import repositories as repo
from attunement.store.crypto import Sealed
from attunement.store.tables import (
    CheckinRow,
    InviteRow,
    PairRow,
    PersonRow,
    SupportMapRow,
    SupportSuggestionRow,
)

INVITE_HOURS = 72
MAX_CHECKIN_CHARS = 2_000
MAX_MAP_WORDS = 500
DISTRESS_MOOD = 2
DISTRESS_RUN = 3
DISTRESS_WINDOW = timedelta(days=7)
POPULATION_KEY = SUPPORT_POPULATION_KEY
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True)
class InviteView:
    """A new invite: the code to give the partner (shown once) and when it expires."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PartnerView:
    """Who a person is linked with, and since when."""

    handle: str
    linked_at: datetime


@dataclass(frozen=True)
class CheckinResult:
    """What a check-in recorded and what follows from it."""

    checkin_id: str
    mood: int
    emotions: tuple[str, ...]
    crisis: CrisisScreen
    shared_with_partner: bool
    professional_help: str | None
    """Said after repeated distress (or a crisis hit): professional help, and why."""


@dataclass(frozen=True)
class SharedCheckin:
    """A partner's check-in as its author chose to share it (``None`` for what is not shared)."""

    checkin_id: str
    created_at: datetime
    visibility: Visibility
    mood: int | None
    emotions: tuple[str, ...] | None
    context: StressContext | None
    text: str | None


@dataclass(frozen=True)
class SupportSuggestion:
    """For the supporting partner: which support to offer now, how to say it, and why."""

    id: str
    checkin: SharedCheckin
    kind: SupportKind
    phrasings: tuple[str, ...]
    why: str
    reasons: tuple[str, ...]
    talk_together: str
    professional_help: str | None
    rated: bool

    @property
    def explanation(self) -> str:
        """The reasons in one sentence."""
        return f"Suggested because {_join(self.reasons)}."


@dataclass(frozen=True)
class Insight:
    """One pattern in a person's own check-ins, with the evidence behind it."""

    title: str
    detail: str
    evidence: tuple[str, ...]


class PartnerService:
    """Use cases of two partners supporting each other, over the practice store and the text models."""

    def __init__(
        self,
        practice: PracticeService,
        text: TextService,
        guide: SupportGuide | None = None,
        chooser: SupportChooser | None = None,
    ) -> None:
        self.practice = practice
        self.text = text
        self.guide = guide or load_support_guide()
        self.chooser = chooser or SupportChooser(seed=practice.settings.seed)

    # linking -------------------------------------------------------------

    def invite(self, handle: str, *, hours: int = INVITE_HOURS, at: datetime | None = None) -> InviteView:
        """A new invite code for the person's partner; it expires after ``hours`` (1 to 336).

        Raises :class:`InvalidInputError` when the person is already linked.
        """
        if not 1 <= hours <= 24 * 14:
            raise InvalidInputError("An invite can last from 1 hour to 14 days.")
        moment = _now(at)
        code = _new_code()
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            if q.active_pair(session, person.id) is not None:
                raise InvalidInputError(
                    "You are already linked with a partner; unlink first to invite someone else."
                )
            expires = moment + timedelta(hours=hours)
            session.add(
                InviteRow(
                    id=uuid.uuid4().hex,
                    inviter_id=person.id,
                    code_hash=_hash(code),
                    created_at=moment,
                    expires_at=expires,
                )
            )
        return InviteView(code, expires)

    def revoke_invites(self, handle: str, *, at: datetime | None = None) -> int:
        """Revoke every open invite of the person; returns how many were open."""
        moment = _now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            invites = q.open_invites(session, person.id, moment)
            for invite in invites:
                invite.revoked_at = moment
            return len(invites)

    def accept(self, handle: str, code: str, *, at: datetime | None = None) -> PartnerView:
        """Link the person with whoever made the invite ``code``; returns the new partner.

        Raises :class:`InvalidInputError` for an unknown, expired, revoked or
        used code, one's own code, or when either person is already linked.
        """
        moment = _now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            invite = q.invite_by_hash(session, _hash(_normalise_code(code)))
            if (
                invite is None
                or invite.revoked_at is not None
                or invite.accepted_at is not None
                or _aware(invite.expires_at) <= moment
            ):
                raise InvalidInputError("This invite code is not valid: it may have expired or been revoked.")
            if invite.inviter_id == person.id:
                raise InvalidInputError("This is your own invite; give the code to your partner.")
            for someone in (person.id, invite.inviter_id):
                if q.active_pair(session, someone) is not None:
                    raise InvalidInputError("One of you is already linked with a partner; unlink first.")
            invite.accepted_at = moment
            session.add(
                PairRow(id=uuid.uuid4().hex, person_a=invite.inviter_id, person_b=person.id, linked_at=moment)
            )
            inviter = session.get(PersonRow, invite.inviter_id)
            assert inviter is not None
            return PartnerView(inviter.handle, moment)

    def unlink(self, handle: str, *, at: datetime | None = None) -> None:
        """End the link: from now on neither sees anything of the other. Raises if not linked."""
        moment = _now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            pair = q.active_pair(session, person.id)
            if pair is None:
                raise InvalidInputError("You are not linked with anyone.")
            pair.unlinked_at = moment

    def partner(self, handle: str) -> PartnerView | None:
        """The person's current partner, if linked."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            pair = q.active_pair(session, person.id)
            if pair is None:
                return None
            other = session.get(PersonRow, _other(pair, person.id))
            assert other is not None
            return PartnerView(other.handle, _aware(pair.linked_at))

    # support map ------------------------------------------------------------

    def set_support_map(
        self,
        handle: str,
        context: StressContext | str,
        *,
        helps: Iterable[SupportKind | str] = (),
        not_helpful: Iterable[SupportKind | str] = (),
        words: str | None = None,
        at: datetime | None = None,
    ) -> MapEntry:
        """Say, for one kind of stress, which kinds of support help, which do not, and in your words.

        Raises :class:`InvalidInputError` for an unknown context or kind, a kind
        listed as both helping and not, or words over 500 characters.
        """
        stress = _context(context)
        helping, not_helping = _kinds(helps), _kinds(not_helpful)
        if helping & not_helping:
            both = ", ".join(sorted(k.label.lower() for k in helping & not_helping))
            raise InvalidInputError(f"A kind of support cannot both help and not help: {both}.")
        words = (words or "").strip() or None
        if words is not None and len(words) > MAX_MAP_WORDS:
            raise InvalidInputError(f"Your own words can be at most {MAX_MAP_WORDS} characters.")
        moment = _now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            row = next((r for r in q.support_map_rows(session, person.id) if r.context == stress.value), None)
            if row is None:
                row = SupportMapRow(person_id=person.id, context=stress.value)
                session.add(row)
            row.helps = sorted(k.value for k in helping)
            row.not_helpful = sorted(k.value for k in not_helping)
            row.words = self.practice.keyring.seal(session, person.id, words) if words else None
            row.updated_at = moment
        return MapEntry(stress, frozenset(helping), frozenset(not_helping), words)

    def support_map(self, handle: str) -> SupportMap:
        """The person's own support map, their words included (only they read it)."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            return self._map(session, person.id, with_words=True)

    def _map(self, session: Session, person_id: str, *, with_words: bool) -> SupportMap:
        def open_words(words: Sealed | None) -> str | None:
            return self.practice.keyring.open(session, person_id, words)

        return stated_map(session, person_id, open_words if with_words else None)

    # check-ins ------------------------------------------------------------

    def checkin(
        self,
        handle: str,
        mood: int,
        *,
        text: str | None = None,
        context: StressContext | str | None = None,
        share: Visibility | str = Visibility.MOOD,
        at: datetime | None = None,
    ) -> CheckinResult:
        """Record a mood (1-5) with optional text and context, shared with the partner at ``share``.

        The emotion model reads the text; crisis language shows resources. When
        the person is linked and shares anything, their partner gets a support
        suggestion. Raises :class:`InvalidInputError` for a mood outside 1-5,
        text over 2,000 characters, or an unknown context or sharing level.
        """
        if isinstance(mood, bool) or not isinstance(mood, int) or not 1 <= mood <= 5:
            raise InvalidInputError(f"A mood must be a whole number from 1 to 5, not {mood!r}.")
        visibility = _visibility(share)
        stress = _context(context) if context is not None else None
        text = (text or "").strip() or None
        if text is not None and len(text) > MAX_CHECKIN_CHARS:
            raise InvalidInputError(f"A check-in can be at most {MAX_CHECKIN_CHARS:,} characters.")
        emotions: tuple[str, ...] = ()
        usually: dict[SupportKind, float] = {}
        screen = CrisisScreen.none()
        if text is not None:
            analysis = self.text.analyze(text)
            emotions = tuple(e for e in analysis.emotions if e != "neutral")
            screen = analysis.crisis
            usually = self._usually_helps(analysis.next_strategy.probabilities)
        moment = _now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            keep_text = repo.latest_consents(session, person.id).get(Purpose.STORE_REFLECTIONS.value, False)
            row = CheckinRow(
                id=uuid.uuid4().hex,
                person_id=person.id,
                mood=mood,
                context=stress.value if stress else None,
                text=self.practice.keyring.seal(session, person.id, text) if text and keep_text else None,
                emotions=self.practice.keyring.seal(session, person.id, json.dumps(list(emotions))),
                visibility=visibility.value,
                created_at=moment,
            )
            session.add(row)
            session.flush()
            pair = q.active_pair(session, person.id)
            shared = pair is not None and visibility is not Visibility.NOTHING
            if pair is not None and shared:
                self._suggest(session, pair, person.id, row, emotions, usually)
            distressed = screen.flagged or self._distressed(session, person.id, moment)
            return CheckinResult(
                row.id, mood, emotions, screen, shared, self.guide.professional_help if distressed else None
            )

    def _usually_helps(self, strategy_probabilities: dict[str, float]) -> dict[SupportKind, float]:
        usually = dict.fromkeys(SUPPORT_KINDS, 0.0)
        for strategy in STRATEGIES:
            for kind in self.guide.kinds_for_strategy(strategy):
                usually[kind] += strategy_probabilities.get(strategy, 0.0)
        for kind in SUPPORT_KINDS:
            if not self.guide.kind(kind).esconv:  # kinds ESConv's text chats cannot show
                usually[kind] = 1.0 / len(SUPPORT_KINDS)
        return usually

    def _suggest(
        self,
        session: Session,
        pair: PairRow,
        supported_id: str,
        checkin: CheckinRow,
        emotions: Sequence[str],
        usually: dict[SupportKind, float],
    ) -> None:
        family = family_of(emotions) if emotions else _mood_family(checkin.mood)
        context = SupportContext(
            StressContext(checkin.context) if checkin.context else StressContext.EVERYDAY,
            family,
            self._map(session, supported_id, with_words=False),
            usually,
            belief_model(session),
        )
        pair_stats, population = self._stats(session, pair, supported_id)
        choice = self.chooser.choose(context, pair_stats, population)
        session.add(
            SupportSuggestionRow(
                id=uuid.uuid4().hex,
                pair_id=pair.id,
                checkin_id=checkin.id,
                supporter_id=_other(pair, supported_id),
                supported_id=supported_id,
                kind=choice.kind.value,
                propensity=choice.propensity,
                policy_version=SUPPORT_POLICY_VERSION,
                features=[round(float(v), 6) for v in choice.features],
                reasons=list(choice.reasons),
                created_at=checkin.created_at,
            )
        )

    def _distressed(self, session: Session, person_id: str, moment: datetime) -> bool:
        recent = list(q.checkins(session, person_id, moment - DISTRESS_WINDOW))[-DISTRESS_RUN:]
        return len(recent) == DISTRESS_RUN and all(c.mood <= DISTRESS_MOOD for c in recent)

    # the supporting partner -------------------------------------------------

    def partner_checkins(self, handle: str, *, limit: int = 20) -> list[SharedCheckin]:
        """The partner's check-ins, newest first, each as its author chose to share it.

        Check-ins shared with nothing are left out; an unlinked person gets none.
        """
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            pair = q.active_pair(session, person.id)
            if pair is None:
                return []
            other = _other(pair, person.id)
            rows = [
                c
                for c in q.checkins(session, other, _aware(pair.linked_at))
                if c.visibility != Visibility.NOTHING.value
            ][-limit:]
            if rows:
                detail = {"what": "check-ins", "count": len(rows)}
                audit.record(session, other, AuditAction.PARTNER_READ, detail, actor_id=person.id)
            return [self._shared(session, c) for c in reversed(rows)]

    def _shared(self, session: Session, row: CheckinRow) -> SharedCheckin:
        level = Visibility(row.visibility)
        emotions = None
        if level.rank >= Visibility.EMOTIONS.rank:
            emotions = tuple(
                json.loads(self.practice.keyring.open(session, row.person_id, row.emotions) or "[]")
            )
        text = (
            self.practice.keyring.open(session, row.person_id, row.text)
            if level.rank >= Visibility.TEXT.rank
            else None
        )
        return SharedCheckin(
            checkin_id=row.id,
            created_at=_aware(row.created_at),
            visibility=level,
            mood=row.mood if level.rank >= Visibility.MOOD.rank else None,
            emotions=emotions,
            context=StressContext(row.context)
            if row.context and level.rank >= Visibility.EMOTIONS.rank
            else None,
            text=text,
        )

    def suggestions(self, handle: str, *, limit: int = 5) -> list[SupportSuggestion]:
        """Support suggestions for the person as the supporting partner, newest first."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            pair = q.active_pair(session, person.id)
            if pair is None:
                return []
            out = []
            for row in q.suggestions_for(session, pair.id, person.id)[:limit]:
                checkin = session.get(CheckinRow, row.checkin_id)
                assert checkin is not None
                shared = self._shared(session, checkin)
                family = family_of(shared.emotions) if shared.emotions else _mood_family(checkin.mood)
                kind = SupportKind(row.kind)
                guide = self.guide.kind(kind)
                distressed = self._distressed(session, checkin.person_id, _aware(checkin.created_at))
                out.append(
                    SupportSuggestion(
                        id=row.id,
                        checkin=shared,
                        kind=kind,
                        phrasings=guide.phrasings[family],
                        why=guide.why,
                        reasons=tuple(row.reasons),
                        talk_together=self.guide.talk_together[
                            zlib.crc32(row.id.encode()) % len(self.guide.talk_together)
                        ],
                        professional_help=self.guide.professional_help if distressed else None,
                        rated=row.rating is not None,
                    )
                )
            if out:
                audit.record(
                    session,
                    _other(pair, person.id),
                    AuditAction.PARTNER_READ,
                    {"what": "check-ins, as support suggestions", "count": len(out)},
                    actor_id=person.id,
                )
            return out

    # the supported partner's rating ---------------------------------------------

    def support_to_rate(self, handle: str) -> list[tuple[str, SupportKind, datetime]]:
        """Support the person received and has not rated yet: (suggestion id, kind, when)."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            return [
                (r.id, SupportKind(r.kind), _aware(r.created_at))
                for r in q.suggestions_about(session, person.id)
                if r.rating is None
            ]

    def rate(self, handle: str, suggestion_id: str, rating: int, *, at: datetime | None = None) -> float:
        """The supported partner says how supported they felt (1-5); the pair's bandit learns from it.

        Only the person the suggestion was about can rate it, once. Returns the
        reward (0-1). Raises :class:`NotFoundError` for an unknown suggestion
        (or someone else's) and :class:`InvalidInputError` for a bad or repeated rating.
        """
        validate_rating(rating)
        if rating is None:
            raise InvalidInputError("A rating is needed: a whole number from 1 to 5.")
        moment = _now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            row = session.get(SupportSuggestionRow, suggestion_id)
            if row is None or row.supported_id != person.id:
                raise NotFoundError(f"No support suggestion about you has the id '{suggestion_id}'.")
            if row.rating is not None:
                raise InvalidInputError("This support is already rated.")
            row.rating, row.rated_at = rating, moment
            reward = (rating - 1) / 4
            pair = session.get(PairRow, row.pair_id)
            consents = repo.latest_consents(session, person.id)
            if pair is not None and consents.get(Purpose.PERSONALIZATION.value, False):
                if row.policy_version == SUPPORT_POLICY_VERSION:
                    pair_stats, population = self._stats(session, pair, person.id, for_update=True)
                    self.chooser.learn(pair_stats, population, np.asarray(row.features, dtype=float), reward)
                    self._save(session, pair_key(pair.id, person.id), pair_stats, person.id)
                    self._save(session, POPULATION_KEY, population, None)
            return reward

    def _stats(
        self, session: Session, pair: PairRow, supported_id: str, *, for_update: bool = False
    ) -> tuple[SufficientStats, SufficientStats]:
        return (
            self._load(session, pair_key(pair.id, supported_id), for_update),
            self._load(session, POPULATION_KEY, for_update),
        )

    def _load(self, session: Session, key: str, for_update: bool) -> SufficientStats:
        return load_stats(session, key, self.chooser.policy, SUPPORT_POLICY_VERSION, for_update=for_update)

    def _save(self, session: Session, key: str, stats: SufficientStats, person_id: str | None) -> None:
        save_stats(session, key, stats, self.chooser.policy, SUPPORT_POLICY_VERSION, person_id)

    # patterns -------------------------------------------------------------

    def patterns(self, handle: str, *, at: datetime | None = None) -> list[Insight]:
        """This week's patterns in the person's own check-ins, each with its evidence (only they see
        them, unless they consent to share them with their partner: :meth:`partner_patterns`)."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            return self._patterns(session, person.id, _now(at))

    def partner_patterns(self, handle: str, *, at: datetime | None = None) -> list[Insight]:
        """The partner's patterns, only while linked and while the partner consents to share them."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            pair = q.active_pair(session, person.id)
            if pair is None:
                return []
            other = _other(pair, person.id)
            if not repo.latest_consents(session, other).get(Purpose.SHARE_PATTERNS.value, False):
                return []
            insights = self._patterns(session, other, _now(at))
            if insights:
                detail = {"what": "weekly patterns", "count": len(insights)}
                audit.record(session, other, AuditAction.PARTNER_READ, detail, actor_id=person.id)
            return insights

    def _patterns(self, session: Session, person_id: str, moment: datetime) -> list[Insight]:
        rows = q.checkins(session, person_id, moment - timedelta(weeks=4))
        keyring = self.practice.keyring
        emotions = {c.id: json.loads(keyring.open(session, person_id, c.emotions) or "[]") for c in rows}
        rated = [r for r in q.suggestions_about(session, person_id) if r.rating is not None]
        return _insights(rows, emotions, rated, moment)


def _insights(
    rows: Sequence[CheckinRow],
    emotions: dict[str, list[str]],
    rated: Sequence[SupportSuggestionRow],
    moment: datetime,
) -> list[Insight]:
    insights = []
    week = [c for c in rows if _aware(c.created_at) >= moment - timedelta(days=7)]
    before = [
        c for c in rows if moment - timedelta(days=14) <= _aware(c.created_at) < moment - timedelta(days=7)
    ]
    if week:
        mean = sum(c.mood for c in week) / len(week)
        detail = f"Your mood averaged {mean:.1f} of 5 over {len(week)} check-ins this week"
        if before:
            previous = sum(c.mood for c in before) / len(before)
            trend = (
                "up from" if mean > previous + 0.2 else "down from" if mean < previous - 0.2 else "about like"
            )
            detail += f", {trend} {previous:.1f} the week before"
        evidence = tuple(f"{_aware(c.created_at):%a %d %b}: mood {c.mood}" for c in week)
        insights.append(Insight("Mood this week", detail + ".", evidence))
        counted = Counter(e for c in week for e in emotions.get(c.id, []))
        if counted:
            top = ", ".join(f"{e} ({n})" for e, n in counted.most_common(3))
            insights.append(
                Insight(
                    "What you felt most",
                    f"Most often this week: {top}.",
                    tuple(f"{e}: {n}" for e, n in counted.items()),
                )
            )
    by_day: dict[int, list[int]] = defaultdict(list)
    by_context: dict[str, list[int]] = defaultdict(list)
    for c in rows:
        by_day[_aware(c.created_at).weekday()].append(c.mood)
        if c.context:
            by_context[c.context].append(c.mood)
    days = {d: m for d, m in by_day.items() if len(m) >= 2}
    if len(days) >= 2:
        hardest = min(days, key=lambda d: sum(days[d]) / len(days[d]))
        mean = sum(days[hardest]) / len(days[hardest])
        insights.append(
            Insight(
                "Harder days",
                f"{WEEKDAYS[hardest]} have been hardest lately (mood {mean:.1f} on average).",
                tuple(
                    f"{WEEKDAYS[d]}: {len(m)} check-ins, mean {sum(m) / len(m):.1f}"
                    for d, m in sorted(days.items())
                ),
            )
        )
    contexts = {k: m for k, m in by_context.items() if len(m) >= 2}
    if contexts:
        hardest_context = min(contexts, key=lambda k: sum(contexts[k]) / len(contexts[k]))
        label = StressContext(hardest_context).label.lower()
        insights.append(
            Insight(
                "Harder contexts",
                f"Check-ins about {label} came with the lowest mood.",
                tuple(
                    f"{StressContext(k).label}: {len(m)} check-ins, mean {sum(m) / len(m):.1f}"
                    for k, m in sorted(contexts.items())
                ),
            )
        )
    by_kind: dict[str, list[int]] = defaultdict(list)
    for r in rated:
        assert r.rating is not None
        by_kind[r.kind].append(r.rating)
    helpful = {k: v for k, v in by_kind.items() if len(v) >= 2}
    if helpful:
        best = max(helpful, key=lambda k: sum(helpful[k]) / len(helpful[k]))
        insights.append(
            Insight(
                "What helped most",
                f"{SupportKind(best).label} helped most, by your own ratings.",
                tuple(
                    f"{SupportKind(k).label}: rated {', '.join(map(str, v))}"
                    for k, v in sorted(by_kind.items())
                ),
            )
        )
    return insights


def _new_code() -> str:
    raw = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalise_code(code: str) -> str:
    cleaned = "".join(ch for ch in str(code).upper() if ch.isalnum())
    return f"{cleaned[:5]}-{cleaned[5:]}"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _other(pair: PairRow, person_id: str) -> str:
    return pair.person_b if pair.person_a == person_id else pair.person_a


def _mood_family(mood: int) -> EmotionFamily:
    return EmotionFamily.SAD if mood <= 2 else EmotionFamily.GLAD if mood >= 4 else EmotionFamily.UNSURE


def _context(value: StressContext | str) -> StressContext:
    try:
        return StressContext(value)
    except ValueError:
        names = ", ".join(c.value for c in StressContext)
        raise InvalidInputError(f"Unknown kind of stress {value!r}; choose one of {names}.") from None


def _visibility(value: Visibility | str) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        names = ", ".join(v.value for v in Visibility)
        raise InvalidInputError(f"Unknown sharing level {value!r}; choose one of {names}.") from None


def _kinds(values: Iterable[SupportKind | str]) -> set[SupportKind]:
    kinds = set()
    for value in values:
        try:
            kinds.add(SupportKind(value))
        except ValueError:
            names = ", ".join(k.value for k in SupportKind)
            raise InvalidInputError(f"Unknown kind of support {value!r}; choose from {names}.") from None
    return kinds


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_last_fit: tuple[str, BeliefModel] | None = None


def belief_model(session: Session) -> BeliefModel:
    """How support maps are read here: the model fitted to the maps of everyone who consents to
    personalization, as they are stored now (``fit_belief_model`` of ``personalize.support_beliefs``).

    Only which kinds each line names is read, never anyone's words. The last fit is kept with a
    digest of the maps it was fitted to, and fitted again (from where it was) as soon as any of
    them changes, is deleted or loses its owner's consent, so what is gone no longer counts.
    """
    global _last_fit
    maps: defaultdict[str, list[tuple[str, list[str], list[str]]]] = defaultdict(list)
    for person, context, helps, not_helpful in q.consenting_support_map_kinds(
        session, Purpose.PERSONALIZATION.value
    ):
        maps[person].append((context, sorted(helps), sorted(not_helpful)))
    digest = hashlib.sha256(json.dumps(sorted(maps.values())).encode()).hexdigest()
    last = _last_fit
    if last is not None and last[0] == digest:
        return last[1]
    model = fit_belief_model(
        (
            SupportMap({entry.context: entry for entry in (_entry(*line) for line in lines)})
            for lines in maps.values()
        ),
        start=last[1] if last is not None else None,
    )
    _last_fit = (digest, model)
    return model


def _entry(context: str, helps: list[str], not_helpful: list[str], words: str | None = None) -> MapEntry:
    """A line of a support map from its stored columns."""
    return MapEntry(StressContext(context), frozenset(_kinds(helps)), frozenset(_kinds(not_helpful)), words)


def stated_map(
    session: Session, person_id: str, open_words: Callable[[Sealed | None], str | None] | None = None
) -> SupportMap:
    """The person's support map as stored; their own words only when ``open_words`` decrypts them."""
    lines = (
        _entry(row.context, row.helps, row.not_helpful, open_words(row.words) if open_words else None)
        for row in q.support_map_rows(session, person_id)
    )
    return SupportMap({line.context: line for line in lines})
