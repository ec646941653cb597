"""The personalization benchmark runs end to end at a tiny size and reports sane figures."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import load_bench

pytest.importorskip("mabwiser")
pytest.importorskip("matplotlib")


def _load_bench() -> ModuleType:
    return load_bench("personalize")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    bench = _load_bench()
    plot = tmp_path_factory.mktemp("bench") / "regret.png"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = bench.main(
            [
                "--people",
                "60",
                "--rounds",
                "15",
                "--seed",
                "3",
                "--plot",
                str(plot),
                "--quiet",
                "--latency-calls",
                "200",
                "--service-calls",
                "5",
            ]
        )
    return result, out.getvalue(), plot


def test_last_line_is_the_json_result(run: tuple[dict[str, Any], str, Path]) -> None:
    result, printed, _ = run
    assert json.loads(printed.strip().splitlines()[-1]) == result
    for key in (
        "regret_ratio_vs_best_peer",
        "best_peer",
        "regret_ratio_vs_best_mabwiser",
        "cold_start_reward_ratio_vs_random",
        "decision_median_ms",
        "decision_p99_ms",
        "service_decision_p99_ms",
        "policy_bytes_per_person",
        "people",
        "rounds",
        "policies",
        "targets_met",
    ):
        assert key in result
    assert (result["people"], result["rounds"]) == (60, 15)
    assert {"attunement", "random", "oracle", "popularity"} <= set(result["policies"])
    assert any(name.startswith("LinTS") for name in result["policies"])
    assert any(name.startswith("LinUCB") for name in result["policies"])


def test_oracle_has_no_regret_and_random_has_more(run: tuple[dict[str, Any], str, Path]) -> None:
    policies = run[0]["policies"]
    assert policies["oracle"]["cumulative_regret"] == 0
    assert policies["random"]["cumulative_regret"] > policies["oracle"]["cumulative_regret"]
    assert policies["oracle"]["cumulative_expected_reward"] > policies["random"]["cumulative_expected_reward"]


def test_latency_memory_and_plot(run: tuple[dict[str, Any], str, Path]) -> None:
    result, _, plot = run
    assert 0 < result["decision_median_ms"] <= result["decision_p99_ms"]
    assert result["policy_bytes_per_person"] > 0
    assert plot.stat().st_size > 0
