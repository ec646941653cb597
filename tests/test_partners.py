"""Partners end to end: linking, maps, check-ins, suggestions, ratings, patterns, and what never leaks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from attunement import Coach
from attunement.config import Settings
from attunement.domain.consent import Purpose
from attunement.domain.privacy import DataCategory
from attunement.domain.support import (
    EmotionFamily,
    MapEntry,
    StressContext,
    SupportKind,
    SupportMap,
    Visibility,
)
from attunement.errors import InvalidInputError, NotFoundError
from attunement.personalize import SufficientStats
from attunement.personalize.support_beliefs import HAND_SET, BeliefModel, fit_belief_model
from attunement.services import PracticeService
from attunement.services.partners import PartnerService, belief_model
from attunement.services.policy_state import SUPPORT_POPULATION_KEY
from attunement.services.privacy import PrivacyService
from attunement.services.text import TextService
from attunement.store import repositories as repo
from tests.conftest import attune_text

ANGRY = "I am furious, my brother lied to me again and I'm so angry I can't think."


@pytest.fixture
def partners(service: PracticeService, text_service: TextService) -> PartnerService:
    for handle in ("ana", "ben", "cy"):
        service.create_person(handle)
    return PartnerService(service, text_service)


def link(partners: PartnerService) -> None:
    partners.accept("ben", partners.invite("ana").code)


def test_the_whole_flow_for_two_people(partners: PartnerService) -> None:
    link(partners)
    assert partners.partner("ana").handle == "ben" and partners.partner("ben").handle == "ana"  # type: ignore[union-attr]
    partners.set_support_map(
        "ana", "work_study", helps=["listening", "closeness"], not_helpful=["practical"], words="hear me out"
    )
    result = partners.checkin(
        "ana",
        2,
        text="My manager shouted at me in front of everyone, I feel so humiliated and sad.",
        context="work_study",
        share="emotions",
    )
    assert result.shared_with_partner and result.emotions
    [suggestion] = partners.suggestions("ben")
    assert suggestion.kind in {SupportKind.LISTENING, SupportKind.CLOSENESS}
    assert 2 <= len(suggestion.phrasings) <= 4 and suggestion.why and suggestion.talk_together
    assert "support map" in suggestion.explanation
    assert suggestion.checkin.mood == 2 and suggestion.checkin.emotions and suggestion.checkin.text is None

    # Ana says how supported she felt; the pair's statistics learn from it.
    [(suggestion_id, kind, _)] = partners.support_to_rate("ana")
    assert suggestion_id == suggestion.id and kind == suggestion.kind
    assert partners.rate("ana", suggestion_id, 5) == 1.0
    with partners.practice.db.session() as session:
        keys = session.execute(sa.text("select key from policy_states")).scalars().all()
    assert any(k.startswith("support:") and k != "support:population" for k in keys)
    assert partners.support_to_rate("ana") == []
    with pytest.raises(InvalidInputError, match="already rated"):
        partners.rate("ana", suggestion_id, 4)


def test_invites_expire_are_revocable_and_single_use(partners: PartnerService) -> None:
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    old = partners.invite("ana", hours=1, at=now)
    with pytest.raises(InvalidInputError, match="expired or been revoked"):
        partners.accept("ben", old.code, at=now + timedelta(hours=2))
    revoked = partners.invite("ana", at=now)
    assert partners.revoke_invites("ana", at=now) >= 1
    with pytest.raises(InvalidInputError, match="expired or been revoked"):
        partners.accept("ben", revoked.code, at=now)
    own = partners.invite("ana", at=now)
    with pytest.raises(InvalidInputError, match="your own invite"):
        partners.accept("ana", own.code, at=now)
    assert partners.accept("ben", own.code.lower().replace("-", " "), at=now).handle == "ana"
    with pytest.raises(InvalidInputError, match="expired or been revoked"):
        partners.accept("cy", own.code, at=now)
    with pytest.raises(InvalidInputError, match="already linked"):
        partners.invite("ben")
    with pytest.raises(InvalidInputError, match="not valid"):
        partners.accept("cy", "NOPE-NOPE")


@pytest.mark.parametrize(
    ("share", "mood", "emotions", "text"),
    [("mood", True, False, False), ("emotions", True, True, False), ("text", True, True, True)],
)
def test_the_partner_sees_exactly_what_was_shared(
    partners: PartnerService, share: str, mood: bool, emotions: bool, text: bool
) -> None:
    link(partners)
    partners.checkin("ana", 3, text=ANGRY, context="family", share=share)
    [seen] = partners.partner_checkins("ben")
    assert (seen.mood is not None) == mood
    assert (seen.emotions is not None) == emotions and (seen.context is not None) == emotions
    assert (seen.text == ANGRY) == text and (seen.text is None) == (not text)
    [suggestion] = partners.suggestions("ben")
    assert suggestion.checkin == seen
    if not emotions:  # phrasings follow the mood, so they give away no hidden emotion
        assert suggestion.phrasings == partners.guide.kind(suggestion.kind).phrasings[EmotionFamily.UNSURE]


def test_nothing_shared_means_nothing_seen(partners: PartnerService) -> None:
    link(partners)
    result = partners.checkin("ana", 1, text=ANGRY, share="nothing")
    assert not result.shared_with_partner
    assert partners.partner_checkins("ben") == [] and partners.suggestions("ben") == []


def test_unlinking_stops_all_sharing_at_once(partners: PartnerService) -> None:
    link(partners)
    partners.checkin("ana", 2, text=ANGRY, share="text")
    assert partners.partner_checkins("ben") and partners.suggestions("ben")
    partners.unlink("ben")
    assert partners.partner("ana") is None
    assert partners.partner_checkins("ben") == [] and partners.suggestions("ben") == []
    assert partners.partner_checkins("ana") == []
    with pytest.raises(InvalidInputError, match="not linked"):
        partners.unlink("ana")


def test_people_outside_the_pair_see_nothing_and_cannot_rate(partners: PartnerService) -> None:
    link(partners)
    partners.checkin("ana", 2, text=ANGRY, share="text")
    [suggestion] = partners.suggestions("ben")
    assert partners.partner_checkins("cy") == [] and partners.suggestions("cy") == []
    assert partners.suggestions("ana") == []  # the supported person is not the supporter
    for handle in ("cy", "ben"):
        with pytest.raises(NotFoundError):
            partners.rate(handle, suggestion.id, 5)
    assert partners.patterns("cy") == [] and partners.support_map("cy").entries == {}


def test_earlier_check_ins_stay_private_after_linking(partners: PartnerService) -> None:
    partners.checkin(
        "ana", 1, text="before we linked", share="text", at=datetime.now(UTC) - timedelta(days=1)
    )
    link(partners)
    assert partners.partner_checkins("ben") == []


def test_repeated_distress_points_to_professional_help(partners: PartnerService) -> None:
    link(partners)
    start = datetime.now(UTC) - timedelta(days=3)
    results = [partners.checkin("ana", 1, share="mood", at=start + timedelta(days=i)) for i in range(3)]
    assert results[0].professional_help is None and results[-1].professional_help
    assert partners.suggestions("ben")[0].professional_help
    crisis = partners.checkin("cy", 3, text="I want to kill myself tonight.")
    assert crisis.crisis.flagged and crisis.professional_help and "988" in crisis.crisis.message()


def test_patterns_come_with_evidence_and_only_for_their_owner(partners: PartnerService) -> None:
    link(partners)
    now = datetime.now(UTC)
    for days, mood, context in [
        (1, 2, "work_study"),
        (2, 2, "work_study"),
        (3, 4, "family"),
        (4, 5, "family"),
    ]:
        partners.checkin(
            "ana", mood, context=context, text="long day", share="mood", at=now - timedelta(days=days)
        )
    for suggestion in partners.suggestions("ben", limit=10):
        partners.rate("ana", suggestion.id, 4)
    titles = {i.title: i for i in partners.patterns("ana", at=now)}
    assert {"Mood this week", "Harder contexts"} <= set(titles)
    assert "work or study" in titles["Harder contexts"].detail
    assert all(i.evidence for i in titles.values())
    assert partners.patterns("ben", at=now) == []


def test_free_text_is_encrypted_at_rest(partners: PartnerService, database_url: str) -> None:
    link(partners)
    partners.set_support_map("ana", "loss", helps=["closeness"], words="hold my hand quietly")
    partners.checkin("ana", 2, text="I keep thinking about grandpa's garden", share="text")
    with partners.practice.db.engine.connect() as connection:
        for table, column in [("checkins", "text"), ("checkins", "emotions"), ("support_maps", "words")]:
            raw = connection.execute(sa.text(f"select {column} from {table}")).scalar_one()
            assert raw is not None and b"grandpa" not in bytes(raw) and b"hold my hand" not in bytes(raw)
    assert partners.support_map("ana").entries[StressContext.LOSS].words == "hold my hand quietly"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.checkin("ana", 0), "mood must be a whole number"),
        (lambda p: p.checkin("ana", 3, context="moon"), "Unknown kind of stress"),
        (lambda p: p.checkin("ana", 3, share="everyone"), "Unknown sharing level"),
        (lambda p: p.checkin("ana", 3, text="x" * 2001), "at most 2,000"),
        (lambda p: p.set_support_map("ana", "loss", helps=["space"], not_helpful=["space"]), "both help"),
        (lambda p: p.set_support_map("ana", "loss", helps=["hugs"]), "Unknown kind of support"),
        (lambda p: p.invite("ana", hours=0), "from 1 hour"),
        (lambda p: p.rate("ana", "nope", 3), "No support suggestion"),
    ],
)
def test_bad_input_is_one_sentence(partners: PartnerService, call: object, message: str) -> None:
    with pytest.raises((InvalidInputError, NotFoundError), match=message):
        call(partners)  # type: ignore[operator]


def test_the_facade_runs_the_flow(settings: Settings) -> None:
    coach = Coach(settings)
    coach.create_person("ana"), coach.create_person("ben")
    coach.accept_partner("ben", coach.invite_partner("ana").code)
    coach.set_support_map("ana", "everyday", helps=[Visibility.MOOD and "together"])
    coach.checkin("ana", 4, text="We finally finished the kitchen!", share="emotions")
    [suggestion] = coach.support_suggestions("ben")
    assert coach.rate_support("ana", suggestion.id, 4) == 0.75
    assert coach.patterns("ana")
    coach.unlink_partner("ana")
    assert coach.support_suggestions("ben") == []


# CLI ----------------------------------------------------------------------


def test_cli_two_partners(home: Path) -> None:
    assert attune_text("init", "--handle", "ana", "--yes")[0] == 0
    assert attune_text("init", "--handle", "ben", "--yes")[0] == 0
    code, out = attune_text("partner", "invite", "-p", "ana")
    assert code == 0, out
    invite = out.split("Your invite code: ")[1].split()[0]
    code, out = attune_text("partner", "accept", invite, "-p", "ben")
    assert code == 0 and "linked with ana" in out
    code, out = attune_text("partner", "map", "-p", "ana", "--context", "work_study", "--helps", "listening")
    assert code == 0, out
    code, out = attune_text(
        "checkin", "-p", "ana", "--mood", "2", "--text", "awful meeting today", "--context", "work_study",
        "--share", "emotions",
    )  # fmt: skip
    assert code == 0 and "Shared with your partner" in out
    code, out = attune_text("support", "-p", "ben")
    assert code == 0 and "Supporting your partner" in out and "Why:" in out
    code, out = attune_text("support", "-p", "ana")
    suggestion_id = out.split("--rate ")[1].split()[0]
    code, out = attune_text("support", "-p", "ana", "--rate", suggestion_id, "5")
    assert code == 0 and "Thank you" in out
    code, out = attune_text("privacy", "beliefs", "-p", "ana")
    assert code == 0 and "What your support map and ratings taught (1 ratings)" in out, out
    assert "How support maps are read here: fitted to 1 map (" in out
    code, out = attune_text("partner", "unlink", "-p", "ben", "--yes")
    assert code == 0 and "Unlinked" in out
    code, out = attune_text("support", "-p", "ben")
    assert "Nothing new" in out
    code, out = attune_text("checkin", "-p", "ana", "--mood", "9")
    assert code != 0 and "Traceback" not in out
    with sqlite3.connect(home / "attunement.db") as db:
        assert db.execute("select count(*) from checkins").fetchone() == (1,)


def test_patterns_reach_the_partner_only_while_shared(partners: PartnerService) -> None:
    link(partners)
    now = datetime.now(UTC)
    for days in (1, 2):
        partners.checkin("ana", 2, text="so tired and sad", share="nothing", at=now - timedelta(days=days))
    assert partners.patterns("ana", at=now) and partners.partner_patterns("ben", at=now) == []
    partners.practice.set_consent("ana", "share_patterns", True)
    assert [i.title for i in partners.partner_patterns("ben", at=now)] == [
        i.title for i in partners.patterns("ana", at=now)
    ]
    assert partners.partner_patterns("cy", at=now) == []
    partners.practice.set_consent("ana", "share_patterns", False)
    assert partners.partner_patterns("ben", at=now) == []
    partners.practice.set_consent("ana", "share_patterns", True)
    partners.unlink("ana")
    assert partners.partner_patterns("ben", at=now) == []


def _support_population(partners: PartnerService) -> SufficientStats:
    with partners.practice.db.session() as session:
        row = repo.policy_state(session, SUPPORT_POPULATION_KEY)
        assert row is not None
        return SufficientStats.from_bytes(row.stats, row.n_features)


def test_deleting_a_partners_ratings_removes_exactly_their_share_of_everyones(
    partners: PartnerService,
) -> None:
    partners.practice.create_person("dee")
    link(partners)
    partners.accept("dee", partners.invite("cy").code)

    def checkin_and_rate(supported: str, rating: int) -> None:
        partners.checkin(supported, 2, context="work_study")
        [(suggestion_id, _, _)] = partners.support_to_rate(supported)
        partners.rate(supported, suggestion_id, rating)

    for rating in (5, 2, 4):
        checkin_and_rate("cy", rating)
    cy_only = _support_population(partners)
    for rating in (1, 5, 3, 4):  # Ana's ratings count as her pair's share (random effects), not all
        checkin_and_rate("ana", rating)
    assert _support_population(partners).n == 7
    assert PrivacyService(partners.practice).delete_category("ana", DataCategory.PERSONALIZATION) == 4
    left = _support_population(partners)
    assert left.n == cy_only.n == 3
    np.testing.assert_allclose(left.A, cy_only.A, atol=1e-9)
    np.testing.assert_allclose(left.b, cy_only.b, atol=1e-9)


def test_maps_are_read_as_consenting_peoples_maps_teach_and_a_deleted_map_no_longer_counts(
    partners: PartnerService,
) -> None:
    def fitted() -> BeliefModel:
        with partners.practice.db.session() as session:
            return belief_model(session)

    assert fitted() is HAND_SET  # no maps yet: the hand-set numbers
    line = MapEntry(StressContext.WORK, frozenset({SupportKind.LISTENING}), frozenset({SupportKind.SPACE}))
    for handle in ("ana", "ben", "cy"):
        partners.set_support_map(
            handle, "work_study", helps=["listening"], not_helpful=["space"], words="mine"
        )
    three = fitted()
    direct = fit_belief_model([SupportMap({StressContext.WORK: line})] * 3)
    assert three.maps == 3 and np.allclose(three.fair_line, direct.fair_line, atol=1e-3)
    privacy = PrivacyService(partners.practice)
    privacy.set_consent("cy", Purpose.PERSONALIZATION, False)  # Cy's map no longer teaches anyone's
    assert fitted().maps == 2
    assert privacy.delete_category("ben", DataCategory.SUPPORT_MAP) == 1
    assert fitted().maps == 1
    privacy.delete("ana")
    assert fitted() is HAND_SET
