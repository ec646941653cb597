"""Service benchmark: the running web app on loopback, with thousands of people, on SQLite and PostgreSQL.

Run ``python bench/service.py [--people 10000] [--seconds 10] [--concurrency 16] [--workers 2]``.
For each database it seeds ``--people`` people through the real service (each
with a data key; the first 200 also get an API token; with ``--history N``, N
past outcomes each, so that reads which grow with the install show), starts ``attune``'s app
under uvicorn with ``--workers`` processes on a free loopback port, and drives
it with ``--concurrency`` concurrent keep-alive clients for ``--seconds`` per
endpoint (after a short warm-up), each request as one of the 200 people:

* ``GET /api/v1/health``: the bare round trip through the stack, the peer;
* ``GET /api/v1/practice/next``: choose, log and explain an exercise;
* ``POST /api/v1/analyze``: every text model on a short message.

The load comes from ``wrk`` (one thread, a Lua script for the token and the
body) when it is installed (``apt-get install wrk``), else from an asyncio
httpx client in this process (``--generator`` chooses); the JSON says which.
wrk costs the machine far less, which matters because the generator shares its
cores with the server; with either, absolute figures are a floor. Every run is
bounded: ``--seconds`` of load per endpoint plus a 2-second warm-up, and wrk is
stopped if it overruns by 30 seconds. The int8 text encoder is built once,
before the server starts, so no worker pays for it under load.

With ``--compare NAME=A,B[,...]`` it instead compares values of one server
setting on suggestions on PostgreSQL: the database is seeded once, then
``--rounds`` rounds each restart the server with every value in turn (the
order reversed every other round) and load it for ``--seconds`` after a
warm-up of up to 2 seconds. Short runs in turn see the same machine, which on shared
cores drifts by up to 2x between full runs; it prints each run, then per value
the medians and in how many rounds it beat the first value.

It prints requests per second, p50 and p99 latency and errors per endpoint,
the server's CPU time per request (all its processes, from ``/proc``; Linux
only), and the ratio of each endpoint's throughput to the bare round trip
measured in the same run. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import sqlalchemy as sa

from attunement.config import Settings
from attunement.services import TEST_MASTER_KEY, PracticeService
from attunement.services.accounts import AccountService
from attunement.store.tables import PracticeAttemptRow

POSTGRES_URL = os.environ.get("ATTUNE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGETS = {"next_exercise_rps_pg": 300, "next_exercise_p99_ms_pg": 100, "analyze_rps": 150}
TEXTS = [
    "I finally told my sister how I feel and she listened.",
    "Work has been brutal this week, I'm exhausted.",
    "We got the apartment!!",
    "I miss my dad so much today.",
    "Not sure why he hasn't texted back.",
    "Thank you for being there last night.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, people: int, tokens: int, history: int = 0) -> list[str]:
    """Create ``people`` people through the service; API tokens for the first ``tokens``.

    With ``history``, each person also gets that many past outcomes (random exercises, days and
    rewards over the last 60 days), written straight to the table: what the suggestions read.
    """
    settings = Settings(database_url=url, master_key=TEST_MASTER_KEY, seed=1)
    practice = PracticeService.open(settings)
    accounts = AccountService(practice)
    secrets = []
    ids = []
    for i in range(people):
        handle = f"p{i:05d}"
        ids.append(practice.create_person(handle, minutes_per_day=random.choice((5, 10, 15, 20))).id)
        if i < tokens:
            secret = accounts.create_token(handle, "bench", ["read", "practice", "analyze"]).secret
            assert secret is not None
            secrets.append(secret)
    if history:
        exercises = [e.id for e in practice.catalogue]
        now = datetime.now(UTC)
        rng = random.Random(1)
        with practice.db.engine.begin() as connection:
            for person_id in ids:
                rows = [
                    {
                        "person_id": person_id,
                        "exercise_id": rng.choice(exercises),
                        "completed": rng.random() < 0.7,
                        "reward": rng.random(),
                        "recorded_at": now - timedelta(days=rng.uniform(0, 60)),
                    }
                    for _ in range(history)
                ]
                connection.execute(sa.insert(PracticeAttemptRow.__table__), rows)
    settle(practice.db.engine)
    practice.db.engine.dispose()
    return secrets


def settle(engine: sa.Engine) -> None:
    """Finish the bulk load's maintenance before measuring: statistics, and the write-ahead log
    written out, so neither a checkpoint nor autovacuum after seeding lands in a measured window."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.url.get_backend_name() == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def prepare_encoder(data_dir: Path) -> float:
    """Build and cache the int8 encoder where the server will look for it; seconds taken."""
    began = time.perf_counter()
    code = "import sys, pathlib, attunement.nlp.encoder as e; e.Encoder(cache_dir=pathlib.Path(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", code, str(data_dir / "models")], check=True, timeout=600)
    return time.perf_counter() - began


def serve(
    url: str, data_dir: Path, workers: int, settings: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env.update(ATTUNE_DATABASE_URL=url, ATTUNE_MASTER_KEY=TEST_MASTER_KEY, ATTUNE_DATA_DIR=str(data_dir))
    for setting in settings:
        name, _, value = setting.partition("=")
        env[f"ATTUNE_{name.upper()}"] = value
    # As `attune serve` runs it (attunement.cli.serving), without the access log.
    code = "import sys; from attunement.cli.serving import run; a = sys.argv; "
    code += "run(a[1], int(a[2]), int(a[3]), log_level='warning')"
    command = [sys.executable, "-c", code, "127.0.0.1", str(port), str(workers)]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/api/v1/health", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the server did not start")


def server_cpu_s(process: subprocess.Popen[bytes]) -> float | None:
    """CPU seconds used so far by the server and its worker processes (``None`` off Linux)."""
    stat = Path(f"/proc/{process.pid}/stat")
    if not stat.exists():
        return None
    pids = [process.pid]
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


WRK_SCRIPT = """
tokens = {%(tokens)s}
bodies = {%(bodies)s}
local i = 0
request = function()
  i = i + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]}
  local body = nil
  if #bodies > 0 then
    headers["Content-Type"] = "application/json"
    body = bodies[math.random(#bodies)]
  end
  return wrk.format("%(method)s", nil, headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "seconds": %%.6f, "p50_ms": %%.3f, "p99_ms": %%.3f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string literal


def load_wrk(
    base: str, method: str, path: str, tokens: Sequence[str], seconds: float, concurrency: int
) -> dict[str, Any]:
    """Drive ``path`` with wrk (one thread, ``concurrency`` connections) for ``seconds``."""
    bodies = [json.dumps({"text": text}) for text in TEXTS] if method == "POST" else []
    script = WRK_SCRIPT % {
        "tokens": ", ".join(lua_string(t) for t in tokens),
        "bodies": ", ".join(lua_string(b) for b in bodies),
        "method": method,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        whole = max(1, round(seconds))  # wrk takes whole seconds
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{whole}s", "--timeout", "30s", "-s", file.name]
        done = subprocess.run(
            [*command, base + path], capture_output=True, text=True, timeout=whole + 30, check=True
        )
    finally:
        os.unlink(file.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK "))
    found = json.loads(line.removeprefix("WRK "))
    return {
        "requests": found["requests"],
        "rps": round(found["requests"] / found["seconds"], 1),
        "p50_ms": round(found["p50_ms"], 2),
        "p99_ms": round(found["p99_ms"], 2),
        "errors": found["errors"],
    }


async def load(
    base: str, method: str, path: str, tokens: Sequence[str], seconds: float, concurrency: int
) -> dict[str, Any]:
    """Drive ``path`` from this process with ``concurrency`` asyncio httpx clients for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    rng = random.Random(0)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            headers = {"Authorization": f"Bearer {rng.choice(tokens)}"}
            body = {"text": rng.choice(TEXTS)} if method == "POST" else None
            began = time.perf_counter()
            response = await client.request(method, base + path, headers=headers, json=body)
            latencies.append(time.perf_counter() - began)
            errors += response.status_code >= 400

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "errors": errors,
    }


def drive(generator: str, *args: Any) -> dict[str, Any]:
    return load_wrk(*args) if generator == "wrk" else asyncio.run(load(*args))


def timed_load(
    process: subprocess.Popen[bytes],
    base: str,
    method: str,
    path: str,
    tokens: Sequence[str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Load ``path`` for ``args.seconds`` after a warm-up of up to 2 seconds; with the server's CPU
    time per request (``server_cpu_ms``) where ``/proc`` has it."""
    drive(args.generator, base, method, path, tokens, min(2.0, args.seconds), args.concurrency)
    cpu_before = server_cpu_s(process)
    run = drive(args.generator, base, method, path, tokens, args.seconds, args.concurrency)
    cpu_after = server_cpu_s(process)
    if cpu_before is not None and cpu_after is not None and run["requests"]:
        run["server_cpu_ms"] = round((cpu_after - cpu_before) * 1000 / run["requests"], 2)
    return run


def measure(url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    began = time.perf_counter()
    tokens = seed(url, args.people, min(200, args.people), args.history)
    seeded_s = time.perf_counter() - began
    process, base = serve(url, folder, args.workers, args.setting)
    try:
        endpoints = {"health": ("GET", "/api/v1/health"), "next_exercise": ("GET", "/api/v1/practice/next")}
        if not args.no_analyze:
            endpoints["analyze"] = ("POST", "/api/v1/analyze")
        out: dict[str, Any] = {"people": args.people, "history": args.history, "seed_s": round(seeded_s, 1)}
        for name, (method, path) in endpoints.items():
            out[name] = timed_load(process, base, method, path, tokens, args)
            print(f"  {name}: {json.dumps(out[name])}", flush=True)
        for name in endpoints:
            if name != "health":
                out[f"{name}_ratio_vs_health"] = round(out[name]["rps"] / out["health"]["rps"], 3)
        return out
    finally:
        process.terminate()
        process.wait(timeout=20)


def compare(url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Suggestions under each value of one setting, in alternating short runs on one seeded database."""
    name, _, values = args.compare.partition("=")
    choices = [v for v in values.split(",") if v]
    tokens = seed(url, args.people, min(200, args.people), args.history)
    runs: dict[str, list[dict[str, Any]]] = {value: [] for value in choices}
    for round_ in range(args.rounds):
        for value in choices if round_ % 2 == 0 else choices[::-1]:
            process, base = serve(url, folder, args.workers, [*args.setting, f"{name}={value}"])
            try:
                run = timed_load(process, base, "GET", "/api/v1/practice/next", tokens, args)
            finally:
                process.terminate()
                process.wait(timeout=20)
            runs[value].append(run)
            print(f"  round {round_ + 1}, {name}={value}: {json.dumps(run)}", flush=True)
    first = runs[choices[0]]
    summary = {}
    for value, found in runs.items():
        summary[value] = {
            "median_rps": round(float(np.median([r["rps"] for r in found])), 1),
            "median_p99_ms": round(float(np.median([r["p99_ms"] for r in found])), 1),
            "rounds_more_rps_than_first": sum(r["rps"] > f["rps"] for r, f in zip(found, first, strict=True)),
            "rounds_lower_p99_than_first": sum(
                r["p99_ms"] < f["p99_ms"] for r, f in zip(found, first, strict=True)
            ),
        }
        print(f"  {name}={value}: {json.dumps(summary[value])}", flush=True)
    return {"setting": name, "rounds": args.rounds, "runs": runs, "summary": summary}


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a new, empty schema on the PostgreSQL server, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=10_000, help="people seeded per database")
    parser.add_argument("--history", type=int, default=0, help="past outcomes seeded per person")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint (seconds)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--no-analyze", action="store_true", help="skip the analyze endpoint")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server setting, as ATTUNE_NAME (repeatable), e.g. track_record_ttl_s=0",
    )
    parser.add_argument(
        "--compare",
        metavar="NAME=A,B",
        help="compare values of one server setting on suggestions on PostgreSQL, e.g. server_threads=4,16",
    )
    parser.add_argument("--rounds", type=int, default=6, help="rounds of --compare")
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk, the in-process httpx client, or wrk when installed (auto)",
    )
    args = parser.parse_args(argv)
    if args.generator == "auto":
        args.generator = "wrk" if shutil.which("wrk") else "python"
    elif args.generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk); use --generator python")
    result: dict[str, Any] = {
        "concurrency": args.concurrency,
        "workers": args.workers,
        "seconds": args.seconds,
        "generator": args.generator,
        "settings": args.setting,
    }
    if args.compare:
        if "=" not in args.compare or not args.compare.partition("=")[2].strip(","):
            parser.error("--compare takes NAME=A,B, e.g. server_threads=4,16")
        if args.rounds < 1:
            parser.error("--rounds must be at least 1")
        with tempfile.TemporaryDirectory() as folder, postgres_schema() as url:
            result["compare"] = compare(url, args, Path(folder))
        print(json.dumps(result))
        return result
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_analyze:
            result["encoder_prep_s"] = round(prepare_encoder(Path(folder)), 1)
        for backend in args.backends.split(","):
            print(f"{backend}:", flush=True)
            if backend == "sqlite":
                result["sqlite"] = measure(f"sqlite:///{Path(folder) / 'bench.db'}", args, Path(folder))
            else:
                with postgres_schema() as url:
                    result["postgresql"] = measure(url, args, Path(folder))
    pg = result.get("postgresql", {})
    met: dict[str, bool] = {}
    if "next_exercise" in pg:
        met["next_exercise_rps_pg"] = pg["next_exercise"]["rps"] >= TARGETS["next_exercise_rps_pg"]
        met["next_exercise_p99_ms_pg"] = pg["next_exercise"]["p99_ms"] <= TARGETS["next_exercise_p99_ms_pg"]
    analyses = [r["analyze"]["rps"] for r in (result.get("sqlite", {}), pg) if "analyze" in r]
    if analyses:
        met["analyze_rps"] = max(analyses) >= TARGETS["analyze_rps"]
    result["targets"], result["targets_met"] = TARGETS, met
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
