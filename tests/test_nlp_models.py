"""The encoder and the shipped heads: faithful to the base model, sensible outputs, clear failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from attunement.errors import InvalidInputError, ModelError
from attunement.nlp.encoder import (
    ADAPTER_PATH,
    MAX_TOKENS,
    Encoder,
    locate_model_dir,
    read_adapter,
    read_safetensors,
)
from attunement.nlp.heads import Head
from attunement.nlp.labels import EMOTIONS
from attunement.nlp.lexical import LexicalModel, ngram_buckets
from attunement.services.text import TextService


@pytest.fixture(scope="module")
def text_service(tmp_path_factory: pytest.TempPathFactory) -> TextService:
    from attunement.config import Settings

    return TextService(Settings(data_dir=tmp_path_factory.mktemp("data")))


def test_float32_encoder_equals_sentence_transformers() -> None:
    st = pytest.importorskip("sentence_transformers")
    texts = ["I'm so proud of you.", "That sounds exhausting; how are you holding up?"]
    reference = st.SentenceTransformer(str(locate_model_dir()), device="cpu").encode(texts)
    ours = Encoder(quantized=False, adapter=None).encode(texts).embeddings
    assert np.abs(ours - reference).max() < 1e-4


def test_the_adapter_adds_its_low_rank_update_to_the_published_weights(tmp_path: Path) -> None:
    """An adapter that updates one matrix gives what PyTorch gives with that matrix updated."""
    st = pytest.importorskip("sentence_transformers")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    name = "encoder.layer.5.intermediate.dense.weight"
    a = rng.normal(0, 0.3, (4, 384)).astype(np.float16)
    b = rng.normal(0, 0.3, (1536, 4)).astype(np.float16)
    np.savez(tmp_path / "adapter.npz", **{f"{name}.A": a, f"{name}.B": b})
    texts = ["I'm so proud of you.", "That sounds exhausting; how are you holding up?"]
    model = st.SentenceTransformer(str(locate_model_dir()), device="cpu")
    published = model.encode(texts)
    weight = model[0].auto_model.get_parameter(name)
    with torch.no_grad():
        weight += torch.from_numpy(b.astype(np.float32) @ a.astype(np.float32))
    adapted = Encoder(quantized=False, adapter=tmp_path / "adapter.npz").encode(texts).embeddings
    assert np.abs(adapted - model.encode(texts)).max() < 1e-4
    assert np.abs(adapted - published).max() > 1e-2


def test_the_shipped_adapter_updates_every_layer() -> None:
    updates = read_adapter(ADAPTER_PATH)
    assert len(updates) == 6 * 6
    assert all(np.abs(u).max() > 0 for u in updates.values())


def test_a_missing_or_corrupt_adapter_names_the_file_and_the_command(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="absent.npz.*finetune_encoder.py"):
        Encoder(quantized=False, adapter=tmp_path / "absent.npz")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ModelError, match="broken.npz.*finetune_encoder.py"):
        Encoder(quantized=False, adapter=tmp_path / "broken.npz")
    np.savez(
        tmp_path / "alien.npz", **{"pooler.weight.A": np.ones((2, 3)), "pooler.weight.B": np.ones((3, 2))}
    )
    with pytest.raises(ModelError, match="does not fit the weight pooler.weight"):
        Encoder(quantized=False, adapter=tmp_path / "alien.npz")


def test_int8_encoder_stays_close_to_float32(text_service: TextService) -> None:
    texts = ["My partner forgot our anniversary.", "Thank you for listening to me tonight."]
    exact = Encoder(quantized=False).encode(texts).embeddings
    quick = text_service.analyzer.encoder.encode(texts).embeddings
    assert ((exact * quick).sum(axis=1) > 0.95).all()


def test_a_cached_start_does_without_onnx(tmp_path: Path) -> None:
    """Once the int8 model is cached, a new process loads it without importing ``onnx`` (a second
    of a cold ``attune analyze``); the first start, which builds the cache, needs it. Two first
    starts at once (two web workers) both work and leave one cache and no half-written file."""
    import subprocess
    import sys

    code = (
        "import sys, pathlib; from attunement.nlp.encoder import Encoder; "
        "Encoder(cache_dir=pathlib.Path(sys.argv[1])).encode(['hello']); "
        "print('onnx' in sys.modules)"
    )
    command = [sys.executable, "-c", code, str(tmp_path)]
    first = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    built = [start.communicate()[0].strip() for start in first]
    assert [start.returncode for start in first] == [0, 0] and "True" in built
    assert len(list(tmp_path.glob("encoder-int8-*.onnx"))) == 1
    assert list(tmp_path.glob("*.partial")) == []
    cached = subprocess.run(command, capture_output=True, text=True, check=True)
    assert cached.stdout.strip() == "False"


def test_the_cache_holds_the_optimized_graph(tmp_path: Path) -> None:
    """The cached int8 model is ONNX Runtime's optimized graph (fused operators), loaded without
    another optimization pass, and it computes what optimizing at every load computed; building
    it removes the caches of older versions."""
    import onnx
    import onnxruntime as ort

    texts = ["I lost my job today.", "We finally booked the trip we talked about for years!"]
    (tmp_path / "encoder-int8-6c1c905e8899-90868376.onnx").write_bytes(b"an older cache")
    cached = Encoder(cache_dir=tmp_path)
    (path,) = tmp_path.glob("encoder-int8-*.onnx")  # the older cache is gone
    assert path.name.startswith("encoder-int8-optimized-")
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert {"SkipLayerNormalization", "Gelu"} <= ops
    assert cached.session.get_session_options().graph_optimization_level == (
        ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    again = Encoder(cache_dir=tmp_path)
    again.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])  # optimizes again
    assert np.array_equal(cached.encode(texts).features, again.encode(texts).features)


def test_length_groups_side_by_side_give_what_they_give_in_turn(tmp_path: Path) -> None:
    """With two threads a batch's length groups run at once; every output is what running them
    one after the other gives, and a forked child makes its own worker threads."""
    import os

    texts = [f"{'I keep going over what happened. ' * (i % 7)}Day {i}." for i in range(80)]
    encoder = Encoder(cache_dir=tmp_path, threads=2)
    together = encoder.encode(texts)
    assert encoder._pool is not None and encoder._pool[0] == os.getpid()
    encoder.threads = 1
    in_turn = encoder.encode(texts)
    assert np.array_equal(together.features, in_turn.features)
    assert np.array_equal(together.embeddings, in_turn.embeddings)
    encoder.threads = 2
    encoder._pool = (-1, encoder._pool[1])  # as a forked child sees its parent's pool
    assert np.array_equal(encoder.encode(texts).features, together.features)
    assert encoder._pool[0] == os.getpid()


def test_long_text_is_truncated_and_says_so(text_service: TextService) -> None:
    result = text_service.analyze("I feel lost. " * 400)
    assert any(str(MAX_TOKENS) in note for note in result.notes)
    assert text_service.analyzer.encoder.encode(["short"]).truncated.tolist() == [False]


def test_emotions_of_clear_messages(text_service: TextService) -> None:
    assert "gratitude" in text_service.analyze("Thank you so much, that really helped me!").emotions
    sad = text_service.analyze("My dog died this morning and I can't stop crying.")
    assert {"sadness", "grief"} & set(sad.emotions)
    assert sad.sentiment["negative"] > sad.sentiment["positive"]


def test_an_empathic_reply_scores_higher_than_a_dismissive_one(text_service: TextService) -> None:
    post = "I failed my exam again and I feel like such an idiot. I studied for weeks."
    warm = text_service.analyze(
        "I'm really sorry, that sounds so discouraging after weeks of work. "
        "It makes sense you feel this way. What do you think got in the way?",
        reply_to=post,
    )
    cold = text_service.analyze("Just study harder next time.", reply_to=post)
    assert warm.empathy is not None and cold.empathy is not None

    def total(empathy: dict[str, object]) -> float:
        return sum(
            label.probabilities["weak"] + 2 * label.probabilities["strong"]  # type: ignore[attr-defined]
            for label in empathy.values()
        )

    assert total(warm.empathy) > total(cold.empathy)  # type: ignore[arg-type]
    assert warm.reply_strategy is not None
    assert set(warm.to_dict()) >= {"emotions", "empathy", "reply_strategy", "next_strategy", "crisis"}


def test_a_question_reads_as_a_question(text_service: TextService) -> None:
    result = text_service.analyze("What happened after that?", reply_to="We had a huge fight last night.")
    assert result.reply_strategy is not None and result.reply_strategy.label == "Question"


def test_crisis_language_is_flagged_with_resources(text_service: TextService) -> None:
    result = text_service.analyze("I don't want to be alive anymore, I have the pills ready.")
    assert result.crisis.flagged
    assert "talk" in result.crisis.message().lower()


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "There is no text"), ("   \n ", "There is no text"), ("\x00\x01\x02\x03\x04", "binary")],
)
def test_bad_text_is_one_sentence(text_service: TextService, text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        text_service.analyze(text)


def test_other_languages_carry_a_note(text_service: TextService) -> None:
    result = text_service.analyze("Мне очень грустно сегодня, я не знаю что делать.")
    assert any("English" in note for note in result.notes)


def test_missing_head_names_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(
        ModelError, match=r"emotion\.npz is missing; rebuild it with: python training/train_heads.py"
    ):
        Head.load("emotion", tmp_path)


def test_damaged_head_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "emotion.npz").write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="emotion.npz is damaged"):
        Head.load("emotion", tmp_path)


def test_head_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    head = Head("t", [rng.normal(size=(4, 3)).astype(np.float32)], [np.zeros(3, np.float32)], {"x": 1})
    head.save(tmp_path / "t.npz")
    again = Head.load("t", tmp_path)
    x = rng.normal(size=(2, 4)).astype(np.float32)
    assert np.allclose(again.logits(x), head.logits(x), atol=1e-2)
    assert again.meta == {"x": 1}


def test_corrupt_encoder_weights_name_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    shutil.copy(locate_model_dir() / "tokenizer.json", folder / "tokenizer.json")
    (folder / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{broken")
    with pytest.raises(ModelError, match="model.safetensors"):
        Encoder(folder, quantized=False)
    with pytest.raises(ModelError, match="absent.safetensors"):
        read_safetensors(tmp_path / "absent.safetensors")


def test_missing_tokenizer_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="tokenizer.json"):
        Encoder(tmp_path, quantized=False)


def test_batch_analysis_matches_one_by_one(text_service: TextService) -> None:
    texts = ["I got the job!!", "I feel so alone lately.", "Can you help me move on Saturday?"]
    batch = text_service.analyze_many(texts)
    single = [text_service.analyze(t) for t in texts]
    # int8 dynamic quantization picks one activation scale per batch, so scores move slightly,
    # and only an emotion whose probability sits at its threshold may be named by one and not the other.
    threshold = dict(zip(EMOTIONS, text_service.analyzer.thresholds.tolist(), strict=True))
    for a, b in zip(batch, single, strict=True):
        for name in set(a.emotions) ^ set(b.emotions):
            assert abs(a.emotion_probabilities[name] - threshold[name]) < 0.05
        assert a.next_strategy.label == b.next_strategy.label
        for name, p in a.emotion_probabilities.items():
            assert abs(p - b.emotion_probabilities[name]) < 0.1
        assert set(a.to_dict()) == set(b.to_dict())


def test_lexical_model_round_trip_and_blend(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(64, 6)).astype(np.float32)
    meta = {"dim": 64, "groups": 3, "mix": [0.5, 0.25], "bias": [0.0] * 6}
    LexicalModel(weights, np.zeros(6, np.float32), meta).save(tmp_path / "t-lexical.npz")
    again = LexicalModel.load("t", tmp_path)
    texts = ["so sorry to hear that", "what happened next?"]
    mlp = rng.normal(size=(2, 6)).astype(np.float32)
    mixed = again.blend(mlp, texts)
    assert mixed.shape == (2, 6)
    # Each group's blend is a weighted mean of two log-distributions: its exponentials sum to at most 1.
    assert (np.exp(mixed).reshape(2, 2, 3).sum(axis=2) <= 1 + 1e-5).all()
    assert not np.allclose(again.logits(texts[:1]), again.logits(texts[1:]))


def test_remembered_ngram_buckets_are_shared_read_only() -> None:
    """Two heads hash one text once; the remembered arrays cannot be changed by a caller."""
    columns, values = ngram_buckets("I'm so sorry to hear that")
    again = ngram_buckets("I'm so sorry to hear that")
    assert again[0] is columns and again[1] is values
    with pytest.raises(ValueError, match="read-only"):
        values[0] = 0.0
    other_dim = ngram_buckets("I'm so sorry to hear that", dim=64)
    assert other_dim[0].max() < 64 and len(other_dim[1]) <= len(values)


def test_missing_or_damaged_lexical_model_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"empathy-lexical\.npz is missing; rebuild it with"):
        LexicalModel.load("empathy", tmp_path)
    np.savez(tmp_path / "empathy-lexical.npz", w=np.zeros((4, 3)), b=np.zeros(2), meta=np.zeros(1, np.uint8))
    with pytest.raises(ModelError, match=r"empathy-lexical\.npz is damaged"):
        LexicalModel.load("empathy", tmp_path)


def test_the_lexical_half_sees_the_words_that_carry_empathy(text_service: TextService) -> None:
    lexical = text_service.analyzer.lexical["empathy"]
    scores = lexical.logits(["What happened? How are you feeling about it?", "ok"]).reshape(2, 3, 3)
    explorations = 2  # MECHANISMS order: emotional reactions, interpretations, explorations
    assert scores[0, explorations, 2] > scores[1, explorations, 2]
