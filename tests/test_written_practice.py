"""Written practice end to end: feedback that changes as replies get warmer, measured skill, guardrails."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from attunement import Coach
from attunement.config import Settings
from attunement.content.guidance import load_feedback_guide
from attunement.domain.exercises import Modality
from attunement.domain.skills import Skill
from attunement.errors import InvalidInputError, NotFoundError
from attunement.services import PracticeService
from attunement.services.text import TextService
from attunement.services.written import WrittenPracticeService
from tests.conftest import attune_text

SCENARIO = "grief-01-the-voicemail"  # Tomás called his late father's phone to hear the voicemail
SCRIPT = [  # from dismissive to warm and curious
    "ok",
    "You should record it before Friday so you have it.",
    "That's sad. You should record it before Friday.",
    "Oh Tomás, I'm so sorry, that sounds so painful.",
    "Oh Tomás, I'm so sorry. Hearing his voice and knowing it goes quiet on Friday sounds like losing "
    "a bit of him all over again. What does he say on it? I'd love to hear about him if you want to tell me.",
]


@pytest.fixture
def written(service: PracticeService, text_service: TextService) -> Iterator[WrittenPracticeService]:
    service.create_person("sam")
    yield WrittenPracticeService(service, text_service)


def test_scripted_attempts_raise_the_skill_and_change_the_feedback(written: WrittenPracticeService) -> None:
    scenario = written.scenario(SCENARIO)
    results = [written.submit("sam", SCENARIO, reply) for reply in SCRIPT]
    feedback = [r.feedback for r in results]
    assert all(f is not None for f in feedback)
    scores = [f.score for f in feedback if f is not None]
    assert scores[-1] > scores[0] + 0.2
    assert sum(scores[-2:]) > sum(scores[:2])

    first, last = feedback[0], feedback[-1]
    assert first is not None and last is not None
    # The dismissive reply is told to respond to the feelings and to ask; the warm one is not.
    assert first.names("emotional_reactions") and first.names("explorations")
    assert not last.names("emotional_reactions") and not last.names("explorations")
    assert last.praise and not first.praise
    assert first.missed and last.acknowledged and not first.acknowledged
    # The advice-first reply is told so.
    assert feedback[1] is not None and any(s.kind == "advice_first" for s in feedback[1].suggestions)
    # Every reply gets one to three suggestions, and the warm reply's evidence quotes its question.
    assert all(1 <= len(f.suggestions) <= 3 for f in feedback if f is not None)
    assert any("?" in e for e in last.reading.reading("explorations").evidence)

    # The estimate of the scenario's first skill fell with the cold replies and rose with the warm ones.
    primary = [next(u for u in r.updates if u.after.skill == scenario.primary_skill) for r in results]
    assert primary[0].change < 0 and primary[-1].change > 0
    assert primary[-1].after.mean > primary[2].after.mean
    assert primary[-1].after.variance < primary[0].before.variance  # more evidence, less uncertainty
    progress = written.practice.progress("sam")
    row = next(r for r in progress.skills if r.skill == scenario.primary_skill)
    assert row.written_30d == len(SCRIPT) and row.mean_score is not None and progress.written == len(SCRIPT)


def test_a_second_try_shows_what_changed(written: WrittenPracticeService) -> None:
    first = written.submit("sam", SCENARIO, SCRIPT[1])
    second = written.submit("sam", SCENARIO, SCRIPT[-1], previous_attempt_id=first.attempt_id)
    changes = {c.aspect: c for c in second.changes}
    assert changes["asking about their experience"].direction == "better"
    assert changes["empathy score"].direction == "better"
    assert changes["emotions named"].after != "none"
    assert written.attempts("sam")[0]["second_try"] is True


def test_crisis_language_pauses_practice_and_keeps_nothing(written: WrittenPracticeService) -> None:
    result = written.submit("sam", SCENARIO, "honestly I want to kill myself, I can't do this anymore")
    assert result.paused and result.feedback is None and result.attempt_id is None
    assert "988" in result.crisis.message() and "talk" in result.crisis.message().lower()
    assert written.attempts("sam") == []
    assert written.practice.current_estimates("sam")[Skill.EMPATHIC_CONCERN].mean == 3.0
    with written.practice.db.session() as session:
        kinds = session.execute(sa.text("select kind from feedback_events")).scalars().all()
    assert kinds == ["crisis_pause"]


def test_replies_are_kept_encrypted_and_only_with_consent(written: WrittenPracticeService) -> None:
    kept = written.submit("sam", SCENARIO, "Oh Tomás, that voicemail sounds so precious. What does he say?")
    assert kept.reply_stored
    assert written.attempts("sam")[0]["reply"].startswith("Oh Tomás")
    with written.practice.db.session() as session:
        raw = session.execute(sa.text("select reply from written_attempts")).scalar_one()
    assert b"voicemail" not in bytes(raw)
    written.practice.set_consent("sam", "store_reflections", False)
    unkept = written.submit("sam", SCENARIO, "That sounds so hard, Tomás.")
    assert not unkept.reply_stored and written.attempts("sam")[0]["reply"] is None


def test_measured_change_joins_the_reward_of_a_written_exercise(written: WrittenPracticeService) -> None:
    practice = written.practice
    practice.set_preferences("sam", liked_modalities=[Modality.WRITTEN_REPLY])
    suggestion = practice.next_exercise("sam", minutes=30)
    assert suggestion.exercise.modality is Modality.WRITTEN_REPLY
    choice = written.next_scenario("sam", skill=suggestion.exercise.skills[0])
    written.submit("sam", choice.scenario.id, "ok", recommendation_id=suggestion.recommendation_id)
    outcome = practice.record_attempt(suggestion.recommendation_id, completed=True, rating=3)
    assert outcome.skill_change is not None and outcome.skill_change < 0
    without = practice.reward_weights.reward(completed=True, rating=3)
    assert outcome.reward < without  # a measured drop pulls the reward down


def test_ids_of_other_people_are_not_found(written: WrittenPracticeService) -> None:
    written.practice.create_person("alex")
    theirs = written.submit("alex", SCENARIO, "That sounds so hard.")
    suggestion = written.practice.next_exercise("alex")
    with pytest.raises(NotFoundError):
        written.submit("sam", SCENARIO, "Me too.", previous_attempt_id=theirs.attempt_id)
    with pytest.raises(NotFoundError):
        written.submit("sam", SCENARIO, "Me too.", recommendation_id=suggestion.recommendation_id)


@pytest.mark.parametrize(
    ("reply", "message"),
    [("", "There is no reply"), ("\x00\x01\x02\x03\x04\x05", "binary"), ("a" * 5001, "at most 5,000")],
)
def test_bad_replies_are_one_sentence(written: WrittenPracticeService, reply: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        written.submit("sam", SCENARIO, reply)
    assert written.attempts("sam") == []


def test_next_scenario_targets_the_growth_area(written: WrittenPracticeService) -> None:
    choice = written.next_scenario("sam", skill="validation")
    assert Skill.VALIDATION in choice.scenario.skills and "validation" in choice.reason.lower()
    written.submit("sam", choice.scenario.id, "That sounds so hard.")
    assert written.next_scenario("sam", skill="validation").scenario.id != choice.scenario.id
    with pytest.raises(InvalidInputError, match="Unknown skill"):
        written.next_scenario("sam", skill="juggling")


def test_feedback_never_shames(text_service: TextService, service: PracticeService) -> None:
    written = WrittenPracticeService(service, text_service)
    guide = load_feedback_guide()
    replies = [
        "whatever",
        "Stop complaining, other people have it worse.",
        "lol",
        "You should have seen this coming.",
        "At least you still have your job.",
        "I know exactly how you feel, the same happened to me and I got over it in a day.",
        "That is wonderful news, congratulations! How did you find out?",
        "I'm so sorry. That sounds lonely. What's been the hardest part?",
    ]
    messages = [s.message for s in list(written.scenarios)[:: max(1, len(written.scenarios) // 6)]]
    items = [(m, r, (), "them") for m in messages for r in replies]
    for feedback, _ in written.feedback.read_many(items):
        assert feedback is not None
        for tip in (*feedback.suggestions, *feedback.praise):
            assert guide.unkind_phrases(tip.text) == (), tip.text


def test_coach_runs_written_practice(settings: Settings) -> None:
    coach = Coach(settings)
    coach.create_person("kim")
    choice = coach.next_scenario("kim")
    result = coach.write_reply("kim", choice.scenario.id, "That sounds like a lot. How are you doing?")
    assert result.feedback is not None and result.updates
    assert coach.feedback("I got the job!", "Congratulations! How do you feel?") is not None


# CLI ----------------------------------------------------------------------


def test_cli_written_practice_with_a_second_try(home: Path) -> None:
    assert attune_text("init", "--handle", "sam", "--yes")[0] == 0
    code, out = attune_text("practice", "--scenario", SCENARIO, input=f"{SCRIPT[1]}\ny\n{SCRIPT[-1]}\n")
    assert code == 0, out
    assert "Tomás writes" in out and "Your reply" in out and "First try → second try" in out
    with sqlite3.connect(home / "attunement.db") as db:
        assert db.execute("select count(*) from written_attempts").fetchone() == (2,)
    code, out = attune_text("progress")
    assert code == 0 and "2 written replies scored" in out


def test_cli_crisis_reply_shows_resources(home: Path) -> None:
    assert attune_text("init", "--handle", "sam", "--yes")[0] == 0
    code, out = attune_text("practice", "--scenario", SCENARIO, input="i want to end my life\n")
    assert code == 0 and "Support is available" in out and "Practice is paused" in out


def test_cli_scores_a_file_of_replies(home: Path, tmp_path: Path) -> None:
    replies = tmp_path / "replies.jsonl"
    replies.write_text(
        json.dumps({"scenario": SCENARIO, "reply": "ok"})
        + "\n"
        + json.dumps({"message": "I got the job!", "reply": "Amazing! How are you feeling?"})
        + "\n",
        encoding="utf-8",
    )
    from typer.testing import CliRunner

    from attunement.cli import app

    result = CliRunner().invoke(app, ["practice", "--score", str(replies)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 2 and lines[0]["score"] < lines[1]["score"]
    assert {"mechanisms", "suggestions", "acknowledged", "missed", "strategy"} <= set(lines[0])
    replies.write_text('{"reply": "hi"}\n', encoding="utf-8")
    code, out = attune_text("practice", "--score", str(replies))
    assert code == 1 and "line 1" in out and "Traceback" not in out
