"""Service benchmark: the running web app on loopback, with thousands of people, on SQLite and PostgreSQL.

Run ``python bench/service.py [--people 10000] [--seconds 10] [--concurrency 16] [--workers 2]``.
For each database it seeds ``--people`` people through the real service (each
with a data key; the first 200 also get an API token), starts ``attune``'s app
under uvicorn with ``--workers`` processes on a free loopback port, and drives
it from this process with ``--concurrency`` concurrent keep-alive clients for
``--seconds`` per endpoint (after a short warm-up), cycling through the people:

* ``GET /api/v1/health``: the bare round trip through the stack, the peer;
* ``GET /api/v1/practice/next``: choose, log and explain an exercise;
* ``POST /api/v1/analyze``: every text model on a short message.

It prints requests per second, p50 and p99 latency and errors per endpoint,
and the ratio of each endpoint's throughput to the bare round trip measured in
the same run. The load generator shares the machine's cores with the server,
so absolute figures are a floor. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import sqlalchemy as sa

from attunement.config import Settings
from attunement.services import TEST_MASTER_KEY, PracticeService
from attunement.services.accounts import AccountService

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


def seed(url: str, people: int, tokens: int) -> list[str]:
    """Create ``people`` people through the service; API tokens for the first ``tokens``."""
    settings = Settings(database_url=url, master_key=TEST_MASTER_KEY, seed=1)
    practice = PracticeService.open(settings)
    accounts = AccountService(practice)
    secrets = []
    for i in range(people):
        handle = f"p{i:05d}"
        practice.create_person(handle, minutes_per_day=random.choice((5, 10, 15, 20)))
        if i < tokens:
            secret = accounts.create_token(handle, "bench", ["read", "practice", "analyze"]).secret
            assert secret is not None
            secrets.append(secret)
    practice.db.engine.dispose()
    return secrets


def serve(url: str, data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env.update(ATTUNE_DATABASE_URL=url, ATTUNE_MASTER_KEY=TEST_MASTER_KEY, ATTUNE_DATA_DIR=str(data_dir))
    command = [sys.executable, "-m", "uvicorn", "attunement.web.app:create_app", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
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


async def load(
    base: str, method: str, path: str, tokens: Sequence[str], seconds: float, concurrency: int
) -> dict[str, Any]:
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


def measure(url: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    began = time.perf_counter()
    tokens = seed(url, args.people, min(200, args.people))
    seeded_s = time.perf_counter() - began
    process, base = serve(url, folder, args.workers)
    try:
        endpoints = {"health": ("GET", "/api/v1/health"), "next_exercise": ("GET", "/api/v1/practice/next")}
        if not args.no_analyze:
            endpoints["analyze"] = ("POST", "/api/v1/analyze")
        out: dict[str, Any] = {"people": args.people, "seed_s": round(seeded_s, 1)}
        for name, (method, path) in endpoints.items():
            asyncio.run(load(base, method, path, tokens, min(2.0, args.seconds), args.concurrency))  # warm-up
            out[name] = asyncio.run(load(base, method, path, tokens, args.seconds, args.concurrency))
            print(f"  {name}: {json.dumps(out[name])}", flush=True)
        for name in endpoints:
            if name != "health":
                out[f"{name}_ratio_vs_health"] = round(out[name]["rps"] / out["health"]["rps"], 3)
        return out
    finally:
        process.terminate()
        process.wait(timeout=20)


def postgres_schema() -> tuple[str, sa.Engine, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", admin, schema


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=10_000, help="people seeded per database")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint (seconds)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--no-analyze", action="store_true", help="skip the analyze endpoint")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "concurrency": args.concurrency,
        "workers": args.workers,
        "seconds": args.seconds,
    }
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            print(f"{backend}:", flush=True)
            if backend == "sqlite":
                result["sqlite"] = measure(f"sqlite:///{Path(folder) / 'bench.db'}", args, Path(folder))
            else:
                url, admin, schema = postgres_schema()
                try:
                    result["postgresql"] = measure(url, args, Path(folder))
                finally:
                    with admin.begin() as connection:
                        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                    admin.dispose()
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
