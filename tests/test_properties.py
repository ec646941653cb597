"""Properties, checked with hypothesis: encryption round-trips, stored text comes back whole and is never
in the database file in plaintext, the dataset and content parsers answer any file with data or one
sentence, the web API never answers a malformed body with a server error, and typed invite codes match.
"""

from __future__ import annotations

import base64
import json
import string
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from attunement.config import Settings
from attunement.content.loader import load_exercises
from attunement.errors import ContentError, CryptoError, InvalidInputError
from attunement.nlp.datasets import load_epitome, load_esconv, load_goemotions
from attunement.services import TEST_MASTER_KEY, PracticeService
from attunement.services.partners import MAX_CHECKIN_CHARS, MAX_MAP_WORDS, PartnerService
from attunement.services.practice import MAX_REFLECTION_CHARS
from attunement.services.privacy import PrivacyService
from attunement.services.text import TextService
from attunement.services.written import MAX_REPLY_CHARS, WrittenPracticeService
from attunement.store.crypto import Sealed, new_data_key, open_sealed, parse_master_key, seal
from attunement.web.app import create_app
from attunement.web.deps import CSRF_HEADER
from tests.conftest import raw_sqlite_bytes

PASSWORD = "correct horse battery"
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any text Python can encode as UTF-8: every code point but the lone surrogates.
any_text = st.text(st.characters(exclude_categories=["Cs"]))


# crypto ---------------------------------------------------------------------------------------


@SOME
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=3000), person_id=st.text(max_size=40))
@example(text="", person_id="")
@example(text="\x00\u2028\U0001f600 e\u0301", person_id="p1")
def test_sealed_text_opens_to_itself_for_its_owner_only(text: str, person_id: str) -> None:
    key = new_data_key()
    sealed = seal(key, text, person_id=person_id)
    assert open_sealed(key, sealed, person_id=person_id) == text
    if len(text.encode()) >= 8:  # a byte or two may turn up in random ciphertext by chance
        assert text.encode() not in sealed.blob
    with pytest.raises(CryptoError):
        open_sealed(key, sealed, person_id=person_id + "x")
    with pytest.raises(CryptoError):
        open_sealed(new_data_key(), sealed, person_id=person_id)


@SOME
@given(blob=st.binary(max_size=200).filter(lambda b: b[:1] != b"\x01" or len(b) >= 9))  # shorter: below
@example(blob=b"")
@example(blob=b"\x02" + bytes(40))
def test_any_stored_blob_opens_or_is_one_crypto_error(blob: bytes) -> None:
    try:
        open_sealed(new_data_key(), Sealed(blob), person_id="p1")
    except CryptoError as error:
        assert str(error).endswith(".")
    else:  # pragma: no cover - a random blob that authenticates would be a forgery
        raise AssertionError("a random blob opened")


@pytest.mark.parametrize("blob", [b"\x01", b"\x01" + bytes(7)], ids=["format-byte-only", "short-nonce"])
def test_a_truncated_stored_blob_is_one_crypto_error(blob: bytes) -> None:
    with pytest.raises(CryptoError):
        open_sealed(new_data_key(), Sealed(blob), person_id="p1")


@SOME
@given(text=any_text)
@example(text=base64.b64encode(b"k" * 32).decode())
@example(text="  " + base64.b64encode(b"k" * 32).decode() + "\n")
@example(text="é" * 44)
@example(text="YWJj")
def test_parse_master_key_raises_only_crypto_error(text: str) -> None:
    try:
        key = parse_master_key(text, "the test")
    except CryptoError as error:
        assert "the test" in str(error) and str(error).endswith(".")
    else:
        assert len(key) == 32 and base64.b64encode(key).decode() == text.strip()


# stores: text comes back whole, and never in the file in plaintext ------------------------------


@dataclass
class Store:
    """One install on a SQLite file, with the text models."""

    path: Path
    practice: PracticeService
    partners: PartnerService
    written: WrittenPracticeService

    def person(self) -> str:
        handle = f"p{uuid.uuid4().hex[:12]}"
        self.practice.create_person(handle)
        return handle

    def raw(self) -> bytes:
        return raw_sqlite_bytes(self.path)

    def export(self, handle: str) -> dict[str, list[dict[str, Any]]]:
        exported: dict[str, list[dict[str, Any]]] = PrivacyService(self.practice).export(handle)
        return exported


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, text_service: TextService) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("properties")
    path = folder / "attunement.db"
    practice = PracticeService.open(
        Settings(data_dir=folder, database_url=f"sqlite:///{path}", master_key=TEST_MASTER_KEY, seed=3)
    )
    yield Store(
        path, practice, PartnerService(practice, text_service), WrittenPracticeService(practice, text_service)
    )
    practice.db.engine.dispose()


def _marked(words: str) -> str:
    """The words behind a marker no database could hold by chance, so finding them in the file means
    finding this text, not bytes that happen to match a short text."""
    return f"zq{uuid.uuid4().hex}q {words}"


def _exported(store: Store, handle: str, table: str, column: str) -> list[Any]:
    return [row[column] for row in store.export(handle)[table]]


def _kept_whole(store: Store, handle: str, text: str, own_view: Any, table: str, column: str) -> None:
    assert own_view == text
    assert _exported(store, handle, table, column) == [text]
    assert text.encode() not in store.raw()


@FEW
@given(words=any_text.filter(lambda t: len(t) <= MAX_REFLECTION_CHARS - 40))
@example(words="x" * (MAX_REFLECTION_CHARS - 40))
@example(words="\x00\x01\x1b[31m \u202e\ufeff \U0001f49c")
def test_a_reflection_comes_back_whole(store: Store, words: str) -> None:
    handle, text = store.person(), _marked(words).strip()
    suggestion = store.practice.next_exercise(handle)
    assert store.practice.record_attempt(
        suggestion.recommendation_id, completed=True, reflection=text
    ).reflection_stored
    [attempt] = store.practice.history(handle)
    _kept_whole(store, handle, text, attempt.reflection, "practice_attempts", "reflection")


@FEW
@given(words=any_text.filter(lambda t: len(t) <= MAX_REPLY_CHARS - 40))
@example(words="x" * (MAX_REPLY_CHARS - 40))
@example(words="\U0001f49c That sounds so hard.\r\n\tHow are you?")
def test_a_written_reply_comes_back_whole_or_is_refused_in_one_sentence(store: Store, words: str) -> None:
    handle, text = store.person(), _marked(words).strip()
    try:
        result = store.written.submit(handle, "grief-01-the-voicemail", text)
    except InvalidInputError as error:  # binary-looking text is refused, and nothing is kept
        assert "binary" in str(error) and str(error).endswith(".")
        assert store.export(handle)["written_attempts"] == []
        return
    if result.paused:  # crisis language: not scored, not kept
        assert store.export(handle)["written_attempts"] == []
        return
    [attempt] = store.written.attempts(handle)
    _kept_whole(store, handle, text, attempt["reply"], "written_attempts", "reply")


@FEW
@given(words=any_text.filter(lambda t: len(t) <= MAX_CHECKIN_CHARS - 40))
@example(words="x" * (MAX_CHECKIN_CHARS - 40))
@example(words="so tired \U0001f62d\u200d and sad")
def test_check_in_text_comes_back_whole_or_is_refused_in_one_sentence(store: Store, words: str) -> None:
    handle, text = store.person(), _marked(words).strip()
    try:
        store.partners.checkin(handle, 2, text=text, share="nothing")
    except InvalidInputError as error:
        assert str(error).endswith(".")
        assert store.export(handle)["checkins"] == []
        return
    [kept] = _exported(store, handle, "checkins", "text")
    _kept_whole(store, handle, text, kept, "checkins", "text")


@SOME
@given(words=any_text.filter(lambda t: len(t) <= MAX_MAP_WORDS - 40))
@example(words="x" * (MAX_MAP_WORDS - 40))
@example(words="hold my hand \x07 quietly \U0001f91d")
def test_support_map_words_come_back_whole(store: Store, words: str) -> None:
    handle, text = store.person(), _marked(words).strip()
    store.partners.set_support_map(handle, "loss", helps=["closeness"], words=text)
    own = store.partners.support_map(handle).entries
    [entry] = own.values()
    _kept_whole(store, handle, text, entry.words, "support_maps", "words")


@SOME
@given(words=any_text.filter(lambda t: len(t) <= 60))
def test_a_display_name_comes_back_whole(store: Store, words: str) -> None:
    handle, text = f"p{uuid.uuid4().hex[:12]}", _marked(words).strip()
    store.practice.create_person(handle, display_name=text)
    _kept_whole(store, handle, text, store.practice.person(handle).display_name, "people", "display_name")


# parsers: any file is data or one sentence ----------------------------------------------------

# Text that looks a little like each format, so hypothesis reaches past the first check.
format_text = st.lists(
    st.one_of(
        st.sampled_from(
            ["\t", ",", '"', "\n", "\r\n", "|", "{", "}", "[", "]", ":", "0", "1", "2", "27", "28"]
        ),
        st.sampled_from(['"dialog"', '"speaker"', '"usr"', '"sys"', '"text"', '"strategy"', '"Question"']),
        st.sampled_from(["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"]),
        any_text.filter(lambda t: len(t) < 12),
    ),
    max_size=40,
).map("".join)
file_bytes = st.one_of(format_text.map(lambda t: t.encode()), st.binary(max_size=300))


def _one_sentence_or_data(load: Callable[[Path], object], path: Path) -> None:
    try:
        load(path)
    except InvalidInputError as error:
        assert str(error).endswith(".") and "Traceback" not in str(error)


@SOME
@given(data=file_bytes)
@example(data=b"Thanks!\t15\tc1\n")
@example(data=b"\xef\xbb\xbfa\t1,2\tid\n\n")
@example(data=b"a\t99999999999999999999\tid\n")
def test_goemotions_reader_never_raises_anything_else(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "train.tsv"
    path.write_bytes(data)
    _one_sentence_or_data(load_goemotions, path)


@SOME
@given(data=file_bytes)
@example(data=b"sp_id,rp_id,seeker_post,response_post,level,rationales\ns1,r1,hi,yo,2,yo|\n")
@example(data=b"sp_id,rp_id,seeker_post,response_post,level,rationales\n")
@example(data=b'"unclosed\n')
def test_epitome_reader_never_raises_anything_else(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "emotional-reactions-reddit.csv"
    path.write_bytes(data)
    _one_sentence_or_data(load_epitome, path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=12,
)
esconv_turns = st.fixed_dictionaries(
    {"speaker": st.sampled_from(["usr", "sys", "seeker", "listener", "bot"])},
    optional={
        "text": json_values,
        "content": json_values,
        "strategy": json_values,
        "annotation": json_values,
    },
)
esconv_records = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"dialog": st.lists(esconv_turns, max_size=4)}, optional={"situation": json_values}
    ),
)


@SOME
@given(
    data=st.one_of(
        file_bytes,
        st.lists(esconv_records, max_size=4).map(lambda rs: "\n".join(json.dumps(r) for r in rs).encode()),
        st.lists(esconv_records, max_size=4).map(lambda rs: json.dumps(rs).encode()),
    )
)
@example(data=b'{"dialog": [{"speaker": "sys", "text": "Hi", "strategy": "Question"}]}\n')
@example(data=b'{"dialog": [\n')
def test_esconv_reader_never_raises_anything_else(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "train.json"
    path.write_bytes(data)
    _one_sentence_or_data(load_esconv, path)


def test_esconv_reader_answers_deeply_nested_json_in_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "train.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    _one_sentence_or_data(load_esconv, path)


def test_esconv_reader_answers_a_huge_number_in_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "train.json"
    path.write_text('{"dialog": [], "situation": ' + "1" * 5000 + "}\n")
    _one_sentence_or_data(load_esconv, path)


# The YAML reader refuses \x0b and \x0c with an error of its own; that bug has its own test below.
YAML_PRINTABLE = string.printable.replace("\x0b", "").replace("\x0c", "")
yaml_text = st.lists(
    st.one_of(
        st.sampled_from(
            ["exercises:\n", "  - ", "id: ", "title: ", "skills: [", "]", "\n", "  ", ": ", "- "]
        ),
        st.sampled_from(
            ["active_listening", "reflection", "minutes: 5", "difficulty: 1", "&a", "*a", "!!str"]
        ),
        st.text(YAML_PRINTABLE, max_size=10),
    ),
    max_size=30,
).map("".join)


@SOME
@given(text=yaml_text)
@example(text="exercises:\n  - id: x\n")
@example(text="exercises: {}\n")
@example(text="? [a]\n: 1\n")
def test_a_users_exercise_file_loads_or_is_one_content_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_exercises(path)
    except ContentError as error:
        assert str(path) in str(error) and str(error).endswith(".")


def test_a_control_character_in_an_exercise_file_is_one_content_error(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("exercises:\n  - id: a\x01b\n", encoding="utf-8")
    with pytest.raises(ContentError):
        load_exercises(path)


def test_deeply_nested_yaml_in_an_exercise_file_is_one_content_error(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    with pytest.raises(ContentError):
        load_exercises(path)


# the web API: a malformed body is never a server error ------------------------------------------


@dataclass
class Api:
    client: TestClient
    csrf: dict[str, str]
    recommendation_id: str


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, text_service: TextService) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("api")
    app = create_app(
        Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'a.db'}", master_key=TEST_MASTER_KEY)
    )
    app.state.services._text = text_service  # the models, loaded once for the whole run
    client = TestClient(app, raise_server_exceptions=False)
    client.post("/api/v1/accounts", json={"handle": "sam", "password": PASSWORD})
    signed = client.post("/api/v1/session", json={"handle": "sam", "password": PASSWORD}).json()
    csrf = {CSRF_HEADER: signed["csrf_token"]}
    recommendation = client.get("/api/v1/practice/next").json()["recommendation_id"]
    yield Api(client, csrf, recommendation)
    app.state.services.practice.db.engine.dispose()


def _bodies(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Bodies with the endpoint's own fields holding anything, or anything at all."""
    anything = st.one_of(json_values, st.text(max_size=30), st.integers(), st.booleans(), st.none())
    near = st.fixed_dictionaries(
        {}, optional={name: st.one_of(good, anything) for name, good in fields.items()}
    )
    return st.one_of(near, json_values)


ENDPOINTS: dict[str, tuple[str, dict[str, st.SearchStrategy[Any]]]] = {
    "outcome": (
        "POST /api/v1/practice/{recommendation_id}/outcome",
        {"completed": st.booleans(), "rating": st.integers(0, 6), "reflection": any_text},
    ),
    "checkin": (
        "POST /api/v1/checkins",
        {
            "mood": st.integers(0, 6),
            "text": any_text,
            "context": st.sampled_from(["family", "loss", "moon"]),
            "share": st.sampled_from(["mood", "text", "everyone"]),
        },
    ),
    "support map": (
        "PUT /api/v1/support-map/family",
        {"helps": st.lists(st.sampled_from(["listening", "space", "hugs"])), "words": any_text},
    ),
    "feedback": (
        "POST /api/v1/written/feedback",
        {"reply": any_text, "scenario_id": any_text, "message": any_text},
    ),
    "analyze": ("POST /api/v1/analyze", {"text": any_text, "reply_to": any_text}),
    "assessment": (
        "POST /api/v1/assessment",
        {"answers": st.dictionaries(any_text, st.integers()), "goals": st.lists(any_text, max_size=3)},
    ),
    "sign-up": (
        "POST /api/v1/accounts",
        {"handle": any_text, "password": any_text, "consents": st.lists(any_text, max_size=3)},
    ),
    "tokens": (
        "POST /api/v1/tokens",
        {"name": any_text, "scopes": st.lists(st.sampled_from(["read", "practice", "root"]))},
    ),
}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_no_request_body_is_a_server_error(api: Api, endpoint: str) -> None:
    route, fields = ENDPOINTS[endpoint]
    method, path = route.split(" ")

    @FEW
    @given(body=_bodies(fields))
    def check(body: Any) -> None:
        answer = api.client.request(
            method, path.format(recommendation_id=api.recommendation_id), json=body, headers=api.csrf
        )
        assert answer.status_code < 500, (body, answer.status_code, answer.text)
        if answer.status_code >= 400:
            detail = answer.json()["detail"]
            assert isinstance(detail, str) and detail.endswith("."), detail

    check()


@FEW
@given(raw=st.binary(max_size=200))
@example(raw=b'{"completed": true, "reflection": "\\ud800"}')
@example(raw=b"\xff\xfe")
def test_no_raw_body_is_a_server_error(api: Api, raw: bytes) -> None:
    answer = api.client.post(
        "/api/v1/checkins", content=raw, headers={**api.csrf, "Content-Type": "application/json"}
    )
    assert answer.status_code < 500, (raw, answer.text)


# invite codes: however a code is typed, it is the same code -------------------------------------

separators = st.lists(st.sampled_from([" ", "-", "  ", "\t", "_", ".", "--"]), max_size=2).map("".join)


@st.composite
def typed(draw: st.DrawFn, code: str) -> str:
    """The code as a person might type it: any case, separators anywhere, spaces around."""
    letters = [c for c in code if c.isalnum()]
    out = draw(separators)
    for letter in letters:
        out += draw(st.sampled_from([letter.lower(), letter.upper()])) + draw(separators)
    return out


@SOME
@given(data=st.data())
def test_a_typed_invite_code_is_the_same_code(store: Store, data: st.DataObject) -> None:
    inviter, invited = store.person(), store.person()
    code = store.partners.invite(inviter).code
    as_typed = data.draw(typed(code))
    assert store.partners.accept(invited, as_typed).handle == inviter
    store.partners.unlink(inviter)


@SOME
@given(data=st.data())
def test_a_mistyped_invite_code_links_nobody(store: Store, data: st.DataObject) -> None:
    inviter, invited = store.person(), store.person()
    code = store.partners.invite(inviter).code
    position = data.draw(st.sampled_from([i for i, c in enumerate(code) if c.isalnum()]))
    other = data.draw(st.sampled_from([c for c in "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" if c != code[position]]))
    wrong = data.draw(typed(code[:position] + other + code[position + 1 :]))
    with pytest.raises(InvalidInputError, match="not valid"):
        store.partners.accept(invited, wrong)
    assert store.partners.partner(invited) is None
