"""Privacy that a test can prove, on SQLite and PostgreSQL: no plaintext at rest, nothing decryptable
after deletion, an export as complete as the schema, deletion by category, consent with its effects,
the audit log, unlearning, correcting beliefs, "what we collect" generated from the schema, and key
rotation."""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from attunement import Coach
from attunement.config import Settings
from attunement.domain.consent import Purpose
from attunement.domain.privacy import DataCategory
from attunement.domain.support import StressContext
from attunement.errors import CryptoError, InvalidInputError
from attunement.personalize.policy import SufficientStats
from attunement.services import PracticeService
from attunement.services.keys import rotate_master_key
from attunement.services.partners import PartnerService
from attunement.services.privacy import PrivacyService, person_columns, tables_in
from attunement.services.text import TextService
from attunement.services.transparency import BeliefService, collected, collected_markdown
from attunement.services.written import WrittenPracticeService
from attunement.store import repositories as repo
from attunement.store.crypto import EncryptedText, Sealed, open_sealed, parse_master_key, unwrap_key
from attunement.store.tables import PERSONAL_TABLES, Base
from tests.conftest import attune_text, neutral_answers, raw_sqlite_bytes
from tests.test_web_api import sign_up_and_in

DOCS = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"

# Words that appear nowhere in the app's own content, so finding one on disk means a leak.
SECRETS = {
    "display_name": "Marisol Quetzalcoatl-Brightwater",
    "reflection": "I admitted to Teodoro that the zeppelin argument was my fault",
    "reply": "That sounds so lonely, Wilhelmina; what happened with the saxophone audition?",
    "checkin": "My manager Gunnhildur shouted about the quarterly kumquat numbers and I feel humiliated",
    "map": "hold my hand and hum the lighthouse song",
}


@dataclass
class Session:
    """A realistic session: two linked partners who practised, wrote, checked in and rated."""

    practice: PracticeService
    partners: PartnerService
    privacy: PrivacyService
    sam: str
    alex: str


@pytest.fixture
def lived(service: PracticeService, text_service: TextService) -> Session:
    practice = service
    partners = PartnerService(practice, text_service)
    written = WrittenPracticeService(practice, text_service)
    sam = practice.create_person("sam", display_name=SECRETS["display_name"]).id
    alex = practice.create_person("alex", display_name="Alex").id
    practice.record_assessment("sam", neutral_answers(practice, 2))
    for n in range(4):
        suggestion = practice.next_exercise("sam")
        practice.record_attempt(
            suggestion.recommendation_id,
            completed=True,
            rating=4,
            reflection=SECRETS["reflection"] if n == 0 else None,
        )
    scenario = written.next_scenario("sam").scenario
    written.submit("sam", scenario.id, SECRETS["reply"])
    partners.accept("alex", partners.invite("sam").code)
    partners.set_support_map("sam", "work_study", helps=["listening"], words=SECRETS["map"])
    partners.checkin("sam", 2, text=SECRETS["checkin"], context="work_study", share="text")
    [suggestion] = partners.suggestions("alex")
    partners.rate("sam", suggestion.id, 5)
    PrivacyService(practice).set_consent("sam", Purpose.SHARE_PATTERNS, True)
    partners.partner_checkins("alex")
    partners.partner_patterns("alex")
    return Session(practice, partners, PrivacyService(practice), sam, alex)


def raw_database(practice: PracticeService) -> bytes:
    """Every byte the database holds: the SQLite files, or every value of every PostgreSQL table."""
    url = practice.db.engine.url
    if url.get_backend_name() == "sqlite":
        assert url.database
        return raw_sqlite_bytes(Path(url.database))
    chunks = []
    with practice.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(sa.text(f'SELECT * FROM "{table.name}"')):
                for value in row:
                    chunks.append(
                        bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    )
    return b"\0".join(chunks)


def test_no_free_text_is_stored_in_plaintext(lived: Session) -> None:
    raw = raw_database(lived.practice)
    for name, text in SECRETS.items():
        for fragment in (text, text[:12], text[-12:]):
            assert fragment.encode() not in raw, f"the {name} is on disk in plaintext"
    # ...yet every text comes back to its owner.
    export = lived.privacy.export("sam")
    exported = repr(export)
    assert all(text in exported for text in SECRETS.values())


def test_after_deletion_nothing_of_the_person_is_left_or_decryptable(lived: Session) -> None:
    with lived.practice.db.session() as session:
        wrapped = session.execute(
            sa.text("SELECT wrapped_key FROM person_keys WHERE person_id = :id"), {"id": lived.sam}
        ).scalar_one()
        sealed = [
            Sealed(bytes(v))
            for v in session.execute(
                sa.text("SELECT text FROM checkins WHERE person_id = :id"), {"id": lived.sam}
            )
            .scalars()
            .all()
        ]
    lived.privacy.delete("sam")
    with lived.practice.db.engine.connect() as connection:
        for model in PERSONAL_TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            for column in person_columns(table):
                count = connection.execute(
                    sa.text(f'SELECT count(*) FROM "{table.name}" WHERE "{column}" = :id'), {"id": lived.sam}
                ).scalar_one()
                assert count == 0, f"{table.name}.{column} still names the deleted person"
        remaining = [
            bytes(k) for k in connection.execute(sa.text("SELECT wrapped_key FROM person_keys")).scalars()
        ]
    raw = raw_database(lived.practice)
    assert bytes(wrapped) not in raw, "the deleted person's wrapped key is still on disk"
    # A backup of what is left, and the master key, open none of the person's sealed text.
    master = parse_master_key(lived.practice.settings.master_key or "", "test")
    for blob in remaining:
        with pytest.raises(CryptoError):
            unwrap_key(master, blob, person_id=lived.sam)
    keys = [unwrap_key(master, k, person_id=lived.alex) for k in remaining[:1]]
    for key in keys:
        for value in sealed:
            with pytest.raises(CryptoError):
                open_sealed(key, value, person_id=lived.sam)
    assert lived.privacy.export("alex")["people"][0]["handle"] == "alex"


def test_the_export_holds_every_row_of_every_table_about_the_person(lived: Session) -> None:
    personal = {m.__table__.name for m in PERSONAL_TABLES}  # type: ignore[attr-defined]
    for table in Base.metadata.sorted_tables:
        if person_columns(table):
            assert table.name in personal, f"{table.name} names a person but is not exported"
    stored: dict[str, int] = {}
    with lived.practice.db.engine.connect() as connection:
        for model in PERSONAL_TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            where = " OR ".join(f'"{c}" = :id' for c in person_columns(table))
            query = sa.text(f'SELECT count(*) FROM "{table.name}" WHERE {where}')
            stored[table.name] = connection.execute(query, {"id": lived.sam}).scalar_one()
    export = lived.privacy.export("sam")  # (the export logs itself after reading)
    assert set(export) == personal
    for model in PERSONAL_TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        assert len(export[table.name]) == stored[table.name], table.name
        for row in export[table.name]:
            assert set(row) == {c.name for c in table.columns}
    # The realistic session reaches nearly every table, so the comparison is not vacuous.
    empty = {name for name, rows in export.items() if not rows}
    assert empty <= {"accounts", "web_sessions", "api_tokens"}, empty


def test_the_readable_report_names_every_field_in_words(lived: Session) -> None:
    report = lived.privacy.report("sam")
    assert report.startswith("# What attunement keeps about sam")
    assert SECRETS["reflection"] in report and SECRETS["checkin"] in report
    for category in DataCategory:
        assert f"## {category.label}" in report
    assert "The name you want to be called (encrypted): " + SECRETS["display_name"] in report
    assert [e.sentence for e in lived.privacy.audit("sam")][0] == "You exported your data (report)."


@pytest.mark.parametrize("category", [c for c in DataCategory if c.deletable], ids=str)
def test_deleting_one_category_removes_it_and_only_it(lived: Session, category: DataCategory) -> None:
    before = {name: len(rows) for name, rows in lived.privacy.export("sam").items()}
    gone = lived.privacy.delete_category("sam", category)
    after = lived.privacy.export("sam")
    assert gone > 0
    if category is DataCategory.WORDS:
        exported = repr(after)
        assert not any(SECRETS[k] in exported for k in ("reflection", "reply", "checkin", "map"))
        assert SECRETS["display_name"] in exported  # the profile is not "what you wrote"
        assert {name: len(rows) for name, rows in after.items()}["checkins"] == before["checkins"]
        return
    emptied = {t.name for t in tables_in(category)}
    for name, rows in after.items():
        if name in emptied and name != "support_suggestions":
            assert rows == [], f"{name} kept rows after deleting {category}"
        elif name not in emptied and name not in {"audit_events", "support_suggestions"}:
            assert len(rows) == before[name] or name == "feedback_events", name
    deleted = f"You deleted {category.label.lower()} ({gone} records)."
    assert deleted in [e.sentence for e in lived.privacy.audit("sam")]


def test_the_account_goes_only_as_a_whole(lived: Session) -> None:
    with pytest.raises(InvalidInputError, match="only as a whole"):
        lived.privacy.delete_category("sam", "account")
    with pytest.raises(InvalidInputError, match="not a kind of data; the ones you can delete are"):
        lived.privacy.delete_category("sam", "everything")


def _population(practice: PracticeService) -> SufficientStats:
    with practice.db.session() as session:
        row = repo.policy_state(session, repo.POPULATION_KEY)
        assert row is not None
        return SufficientStats.from_bytes(row.stats, row.n_features)


def test_forgetting_a_person_removes_their_share_of_what_everyone_taught(service: PracticeService) -> None:
    privacy = PrivacyService(service)
    for handle in ("ana", "ben"):
        service.create_person(handle)
        service.record_assessment(handle, neutral_answers(service, 3))
    for _ in range(3):
        s = service.next_exercise("ana")
        service.record_attempt(s.recommendation_id, completed=True, rating=5)
    ana_only = _population(service)
    for _ in range(5):
        s = service.next_exercise("ben")
        service.record_attempt(s.recommendation_id, completed=False)
    assert _population(service).n == 8
    assert privacy.delete_category("ben", DataCategory.PERSONALIZATION) == 5
    left = _population(service)
    assert left.n == ana_only.n == 3
    np.testing.assert_allclose(left.A, ana_only.A, atol=1e-9)
    np.testing.assert_allclose(left.b, ana_only.b, atol=1e-9)
    assert BeliefService(service).beliefs("ben").outcomes == 0
    privacy.delete("ana")
    assert _population(service).n == 0


def test_withdrawing_consent_stops_collection_and_says_what_was_kept(lived: Session) -> None:
    privacy, practice = lived.privacy, lived.practice
    effect = privacy.set_consent("sam", Purpose.STORE_REFLECTIONS, False)
    assert "not kept" in effect and "The 3 texts already kept stay" in effect
    s = practice.next_exercise("sam")
    result = practice.record_attempt(s.recommendation_id, completed=True, reflection="zanzibar marmalade")
    assert not result.reflection_stored and "zanzibar" not in repr(privacy.export("sam"))

    found = BeliefService(practice).beliefs("sam")
    outcomes = found.outcomes
    effect = privacy.set_consent("sam", Purpose.PERSONALIZATION, False)
    assert f"learned from {outcomes + found.support_ratings} outcomes is kept, unused" in effect
    s = practice.next_exercise("sam")
    practice.record_attempt(s.recommendation_id, completed=True, rating=5)
    assert BeliefService(practice).beliefs("sam").outcomes == outcomes

    assert lived.partners.partner_patterns("alex")
    assert "no longer sees" in privacy.set_consent("sam", Purpose.SHARE_PATTERNS, False)
    assert lived.partners.partner_patterns("alex") == []
    assert privacy.set_consent("sam", Purpose.SHARE_PATTERNS, False).startswith("Your partner no longer")
    ledger = privacy.export("sam")["consent_records"]
    assert [r["granted"] for r in ledger if r["purpose"] == "share_patterns"][-2:] == [False, False]
    with pytest.raises(InvalidInputError, match="not a consent purpose"):
        privacy.set_consent("sam", "selling", True)


def test_a_map_line_the_rest_contradicts_is_shown_as_doubted(lived: Session) -> None:
    beliefs = BeliefService(lived.practice)
    assert beliefs.beliefs("sam").doubted_lines == ()  # one line, rated well: nothing to doubt
    for context in ("work_study", "family", "health", "loss"):
        lived.partners.set_support_map(
            "sam", context, helps=["listening", "closeness"], not_helpful=["practical"]
        )
    lived.partners.set_support_map("sam", "everyday", helps=["practical", "information"])
    found = beliefs.beliefs("sam")
    assert found.doubted_lines == (StressContext.EVERYDAY,)
    assert found.map_reading.startswith("fitted to 1 map (")  # Sam's is the only map with consent
    assert {lean.feature for lean in found.support[:2]} == {"listening", "closeness"}
    assert found.support[-1].feature == "practical"
    assert beliefs.beliefs("alex").doubted_lines == ()  # Alex's own map is empty; Sam's is not theirs


def test_the_audit_log_shows_partner_reads_once_an_hour_and_only_to_the_owner(lived: Session) -> None:
    sentences = [e.sentence for e in lived.privacy.audit("sam")]
    assert "alex saw 1 of your shared check-ins." in sentences
    assert "alex saw 1 of your shared check-ins, as support suggestions." in sentences
    assert any(s.startswith("alex saw") and "weekly patterns" in s for s in sentences)
    count = len(sentences)
    lived.partners.partner_checkins("alex")  # a refresh within the hour
    assert len(lived.privacy.audit("sam")) == count
    assert all(e.by_partner for e in lived.privacy.audit("sam") if e.sentence.startswith("alex"))
    assert [e.sentence for e in lived.privacy.audit("alex")] == []  # Alex read; nothing of Alex's was read
    lived.privacy.export("alex")
    assert [e.sentence for e in lived.privacy.audit("alex")] == ["You exported your data (json)."]


def test_beliefs_can_be_seen_and_corrected(lived: Session) -> None:
    beliefs = BeliefService(lived.practice)
    found = beliefs.beliefs("sam")
    assert found.personalization and found.outcomes == 4
    assert {lean.feature for lean in found.leanings} >= {"need", "goal", "skill:validation"}
    assert [s.source for s in found.skills if s.skill.value == "validation"] != ["starting point"]
    assert found.support and found.support_ratings == 1
    corrected = beliefs.correct_skill("sam", "validation", 4.5)
    assert corrected.mean == 4.5 and corrected.source == "your correction"
    assert lived.practice.current_estimates("sam")[corrected.skill].mean == 4.5
    assert lived.privacy.audit("sam")[0].sentence.startswith("You corrected a belief: Validation from")
    with pytest.raises(InvalidInputError, match="between 1 and 5"):
        beliefs.correct_skill("sam", "validation", 7)
    with pytest.raises(InvalidInputError, match="not a skill"):
        beliefs.correct_skill("sam", "telepathy", 3)


def test_what_we_collect_describes_every_table_and_column() -> None:
    described = {t.name: t for t in collected()}
    assert set(described) == set(Base.metadata.tables)
    for table in Base.metadata.sorted_tables:
        about = described[table.name]
        assert [f.name for f in about.fields] == [c.name for c in table.columns]
        assert about.why and about.what and about.kept
        for column in table.columns:
            meaning = table.info["fields"][column.name]
            assert isinstance(column.type, EncryptedText) == ("encrypted" in meaning.lower()), column
        for name in table.info["words"]:
            assert isinstance(table.c[name].type, EncryptedText)


def test_docs_privacy_holds_the_generated_list() -> None:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- collected:start -->\n(.*)<!-- collected:end -->", text, re.S)
    assert match, "docs/privacy.md lacks the generated section"
    assert match.group(1) == collected_markdown(), "run: python scripts/privacy_reference.py"


def test_rotating_the_master_key_rewraps_every_data_key(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "home", database_url=database_url)
    practice = PracticeService.open(settings)
    practice.create_person("sam", display_name="Sam")
    practice.db.engine.dispose()
    old = settings.master_key_path.read_text()
    rotation = rotate_master_key(settings)
    assert rotation.keys == 1 and not rotation.resumed
    new = settings.master_key_path.read_text()
    assert new != old and oct(settings.master_key_path.stat().st_mode & 0o777) == "0o600"
    assert PracticeService.open(settings).person("sam").display_name == "Sam"
    with pytest.raises(CryptoError, match="master key does not match"):
        PracticeService.open(settings.model_copy(update={"master_key": old.strip()})).person("sam")

    # A rotation that committed but stopped before replacing the file is finished by the next one.
    pending = settings.master_key_path.with_name("master.key.new")
    pending.write_text(new)
    settings.master_key_path.write_text(old)
    assert rotate_master_key(settings).resumed and settings.master_key_path.read_text() == new
    # One that never committed is started again.
    pending.write_text(base64.b64encode(os.urandom(32)).decode())
    assert not rotate_master_key(settings).resumed and not pending.exists()
    assert PracticeService.open(settings).person("sam").display_name == "Sam"


def test_rotation_with_the_key_in_the_environment_needs_a_file(settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match="--new-key-file"):
        rotate_master_key(settings)


def test_cli_privacy_commands(home: Path) -> None:
    assert attune_text("init", "--handle", "kim", "--yes")[0] == 0
    code, text = attune_text("privacy", "collected")
    assert code == 0 and "Check-ins" in text and "encrypted" in text
    code, text = attune_text("privacy", "beliefs")
    assert code == 0 and "Skill estimates" in text and "learned from 0 of your outcomes" in text
    assert "Validation is now 4.0" in attune_text("privacy", "correct", "validation", "4")[1]
    code, text = attune_text("privacy", "consent", "store_reflections", "--withdraw")
    assert code == 0 and "not kept" in text
    code, text = attune_text("privacy", "export", "--format", "report")
    assert code == 0 and "What attunement keeps about kim" in text
    assert attune_text("privacy", "delete", "assessment", "--yes")[1].startswith("Deleted assessment")
    code, text = attune_text("privacy", "audit")
    assert code == 0 and "You deleted assessment and skill estimates" in text
    code, text = attune_text("privacy", "delete", "everything", "--yes")
    assert code == 1 and "not a kind of data" in text
    code, text = attune_text("keys", "rotate")
    assert code == 0 and "1 data keys now wrapped" in text
    assert attune_text("privacy", "delete", "--account", "--yes")[1].startswith("Deleted kim")


# --- the web app ------------------------------------------------------------------------------


def test_privacy_through_the_api(client: TestClient) -> None:
    csrf = sign_up_and_in(client, "ana")
    collected_api = client.get("/api/v1/privacy/collected").json()
    assert {t["table"] for t in collected_api} == set(Base.metadata.tables)
    beliefs = client.get("/api/v1/privacy/beliefs").json()
    assert len(beliefs["skills"]) == 12 and beliefs["leanings"] and beliefs["outcomes"] == 0
    assert beliefs["support"] == [] and beliefs["doubted_map_lines"] == [] and beliefs["map_reading"] == ""
    fixed = client.put("/api/v1/privacy/beliefs/skills/validation", json={"level": 4.5}, headers=csrf)
    assert fixed.json()["mean"] == 4.5
    off_scale = client.put("/api/v1/privacy/beliefs/skills/validation", json={"level": 9}, headers=csrf)
    assert off_scale.status_code == 422
    consent = client.put("/api/v1/privacy/consents/personalization", json={"granted": False}, headers=csrf)
    assert consent.json()["effect"].startswith("Suggestions no longer learn from you")
    assert client.get("/api/v1/me").json()["consents"]["personalization"] is False
    summary = {row["category"]: row for row in client.get("/api/v1/privacy/summary").json()}
    assert summary["assessment"]["records"] == 1 and not summary["account"]["deletable"]
    deleted = client.delete("/api/v1/privacy/data/assessment", headers=csrf)
    assert deleted.json() == {"category": "assessment", "deleted": 1}
    whole = client.delete("/api/v1/privacy/data/account", headers=csrf)
    assert whole.status_code == 400 and "only as a whole" in whole.json()["detail"]
    assert client.delete("/api/v1/privacy/data/everything", headers=csrf).status_code == 422
    report = client.get("/api/v1/privacy/report")
    assert (
        report.headers["content-type"].startswith("text/markdown")
        and "# What attunement keeps" in report.text
    )
    audit = [e["text"] for e in client.get("/api/v1/privacy/audit").json()]
    assert audit[0] == "You exported your data (report)." and len(audit) == 4

    # A reflection in crisis is answered with resources and not kept.
    s = client.get("/api/v1/practice/next", headers=csrf).json()
    answer = client.post(
        f"/api/v1/practice/{s['recommendation_id']}/outcome",
        json={"completed": True, "reflection": "I want to kill myself tonight"},
        headers=csrf,
    ).json()
    assert answer["crisis"]["message"] and answer["reflection_stored"] is False


def test_consent_and_deletion_need_a_session_not_a_token(client: TestClient) -> None:
    csrf = sign_up_and_in(client, "ana")
    made = client.post("/api/v1/tokens", json={"name": "all", "scopes": ["read", "practice"]}, headers=csrf)
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    client.cookies.clear()
    assert client.get("/api/v1/privacy/export", headers=bearer).status_code == 200
    for method, path, body in [
        ("PUT", "/api/v1/privacy/consents/personalization", {"granted": False}),
        ("DELETE", "/api/v1/privacy/data/checkins", None),
        ("DELETE", "/api/v1/account", {"confirm": "ana"}),
    ]:
        refused = client.request(method, path, json=body, headers=bearer)
        assert refused.status_code == 403 and "not an API token" in refused.json()["detail"]
    assert client.get("/api/v1/me", headers=bearer).json()["consents"]["personalization"] is True


def test_the_privacy_pages(client: TestClient) -> None:
    public = client.get("/privacy/collected")
    assert (
        public.status_code == 200 and "What attunement collects" in public.text and "encrypted" in public.text
    )
    sign_up_and_in(client, "ana")
    page = client.get("/privacy")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf and "What attunement believes about you" in page.text and "Who saw or changed" in page.text
    token = csrf.group(1)
    moved = client.post("/privacy/correct", data={"csrf_token": token, "skill": "repair", "level": "2.5"})
    assert moved.status_code == 200 and "Saved." in moved.text
    withdrawn = client.post("/privacy/consent", data={"csrf_token": token, "consent": ["personalization"]})
    assert "From now on, what you write is read for feedback and then not kept." in withdrawn.text
    gone = client.post(
        "/privacy/delete-category", data={"csrf_token": token, "category": "assessment", "confirm": "yes"}
    )
    assert "Deleted assessment and skill estimates" in gone.text
    unsure = client.post("/privacy/delete-category", data={"csrf_token": token, "category": "assessment"})
    assert unsure.status_code == 400 and "Tick the box" in unsure.text
    report = client.get("/privacy/export?format=report")
    assert report.headers["content-disposition"].endswith('.md"') and "Repair" in report.text


def test_the_facade_sees_corrects_exports_and_deletes(settings: Settings) -> None:
    coach = Coach(settings)
    coach.create_person("kim", display_name="Kim")
    assert coach.set_consent("kim", "store_reflections", False).startswith("From now on")
    assert coach.correct_skill("kim", "repair", 2).mean == 2
    assert [s.mean for s in coach.beliefs("kim").skills if s.skill.value == "repair"] == [2]
    assert coach.export("kim")["people"][0]["display_name"] == "Kim"
    assert "Kim" in coach.report("kim")
    assert coach.delete_data("kim", "assessment") == 1
    assert [e.action.value for e in coach.audit("kim")] == [
        "delete",
        "export",
        "export",
        "correct",
        "consent",
    ]
    coach.delete_person("kim")
    assert coach.people() == []


def test_nothing_is_collected_for_a_purpose_without_its_consent(
    service: PracticeService, text_service: TextService
) -> None:
    partners = PartnerService(service, text_service)
    written = WrittenPracticeService(service, text_service)
    person = service.create_person("nia", consents=()).id
    service.record_assessment("nia", neutral_answers(service))
    for _ in range(3):
        s = service.next_exercise("nia")
        service.record_attempt(s.recommendation_id, completed=True, rating=5, reflection="quiet harbour")
    written.submit("nia", written.next_scenario("nia").scenario.id, "That sounds hard; what happened?")
    partners.checkin("nia", 3, text="an ordinary tuesday", share="nothing")
    with service.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            purpose = table.info["purpose"]
            if purpose is not None and not service.person("nia").consents.get(purpose):
                owner = table.info["owner"]
                count = connection.execute(
                    sa.text(f'SELECT count(*) FROM "{table.name}" WHERE "{owner}" = :id'), {"id": person}
                ).scalar_one()
                assert count == 0, f"{table.name} was collected without consent to {purpose}"
    words = repr(PrivacyService(service).export("nia"))
    assert "quiet harbour" not in words and "ordinary tuesday" not in words and "what happened" not in words
    assert any(t.info["purpose"] for t in Base.metadata.sorted_tables)
