"""The text benchmark runs end to end on a tiny data file and reports sane figures."""

from __future__ import annotations

import contextlib
import io
import json
from types import ModuleType
from typing import Any

import pytest

from attunement.nlp.labels import EMOTIONS
from tests.conftest import load_bench

pytest.importorskip("vaderSentiment")
pytest.importorskip("sentence_transformers")

ROWS = [
    ("Thank you so much, this made my whole week!", ["gratitude", "joy"]),
    ("I can't believe they cancelled on me again. So annoying.", ["annoyance"]),
    ("My grandmother passed away last night.", ["sadness", "grief"]),
    ("What time does the meeting start?", ["curiosity"]),
    ("The bus was late.", ["neutral"]),
    ("I'm terrified of the surgery tomorrow.", ["fear", "nervousness"]),
    ("You did an amazing job on that presentation.", ["admiration"]),
    ("I'm so sorry I forgot your birthday.", ["remorse"]),
    ("Ugh, this is disgusting.", ["disgust"]),
    ("We won the match!!", ["excitement", "joy"]),
    ("It is what it is.", ["neutral"]),
    ("I miss him every day.", ["sadness"]),
]


def _load_bench() -> ModuleType:
    return load_bench("text")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    data = tmp_path_factory.mktemp("data")
    (data / "goemotions").mkdir()
    lines = [
        f"{text}\t{','.join(str(EMOTIONS.index(e)) for e in labels)}\tid{i}"
        for i, (text, labels) in enumerate(ROWS)
    ]
    (data / "goemotions" / "dev.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    argv = [
        "--data",
        str(data),
        "--texts",
        "12",
        "--latency-calls",
        "4",
        "--threads",
        "1",
        "--cold-runs",
        "1",
    ]
    with contextlib.redirect_stdout(out):
        result = _load_bench().main(argv)
    return result, out.getvalue()


def test_last_line_is_the_json_result(run: tuple[dict[str, Any], str]) -> None:
    result, printed = run
    assert json.loads(printed.strip().splitlines()[-1]) == result
    assert result["texts"] == 12
    assert set(result["targets_met"]) == {"overhead", "speedup_vs_pytorch", "cold_analyze"}


def test_the_result_names_the_cpu(run: tuple[dict[str, Any], str]) -> None:
    cpu = run[0]["cpu"]
    assert cpu["model"] and cpu["cores"] >= 1
    assert cpu["int8_flags"] is None or set(cpu["int8_flags"]) <= set(_load_bench().INT8_FLAGS)


def test_cpu_flags_are_read_from_cpuinfo() -> None:
    info = "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512f avx512_vnni\n" * 2
    found = _load_bench().cpu_description(info)
    assert found == {"model": "Some CPU", "cores": 2, "int8_flags": ["avx2", "avx512f", "avx512_vnni"]}


def test_speed_figures_are_positive_and_consistent(run: tuple[dict[str, Any], str]) -> None:
    row = run[0]["threads_1"]
    ours, peer = row["attunement"], row["pytorch_fp32"]
    assert ours["full_texts_per_s"] > 0 and ours["encoder_texts_per_s"] > 0 and peer["texts_per_s"] > 0
    assert 0 < ours["full_p50_ms"] <= ours["full_p99_ms"]
    assert row["speedup_vs_pytorch_throughput"] > 0
    assert run[0]["cold_analyze_s"] > 0


def test_quality_figures_compare_with_vader(run: tuple[dict[str, Any], str]) -> None:
    result = run[0]
    assert 0 <= result["emotion_dev_macro_f1"] <= 1
    sentiment = result["sentiment_dev"]
    assert sentiment["examples"] == 11  # every row but the question, whose curiosity is "ambiguous"
    for system in ("attunement", "vader"):
        assert 0 <= sentiment[system]["macro_f1"] <= 1
