"""The service benchmark runs end to end at a tiny size against a real server and reports sane figures."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import pytest

from tests.conftest import load_bench


@pytest.mark.parametrize("generator", ["python", "wrk"])
def test_service_benchmark_runs_small(generator: str) -> None:
    if generator == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed")
    module = load_bench("service")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        args = ["--people", "12", "--history", "3", "--seconds", "1", "--concurrency", "4", "--workers", "1"]
        result = module.main([*args, "--backends", "sqlite", "--no-analyze", "--generator", generator])
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == result
    assert result["generator"] == generator
    sqlite = result["sqlite"]
    assert sqlite["people"] == 12 and sqlite["health"]["rps"] > 0
    assert sqlite["next_exercise"]["errors"] == 0 and sqlite["next_exercise"]["requests"] > 0
    assert 0 < sqlite["next_exercise_ratio_vs_health"]


def test_service_benchmark_compares_a_setting_in_alternating_runs() -> None:
    module = load_bench("service")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        args = ["--people", "8", "--seconds", "1", "--concurrency", "2", "--workers", "1", "--rounds", "2"]
        result = module.main([*args, "--compare", "server_threads=1,3", "--generator", "python"])
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == result
    compared = result["compare"]
    assert compared["setting"] == "server_threads" and compared["rounds"] == 2
    for value in ("1", "3"):
        runs = compared["runs"][value]
        assert len(runs) == 2 and all(run["requests"] > 0 and run["errors"] == 0 for run in runs)
        assert compared["summary"][value]["median_rps"] > 0
    assert compared["summary"]["1"]["rounds_more_rps_than_first"] == 0  # the first value against itself


def test_service_benchmark_refuses_a_malformed_comparison() -> None:
    module = load_bench("service")
    with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
        module.main(["--compare", "server_threads"])
