"""`attune serve --workers N`: each worker listens on the port itself; stopping the server stops all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from attunement.cli import serving
from attunement.errors import InvalidInputError
from attunement.services import TEST_MASTER_KEY
from tests.conftest import free_port


def _children(pid: int) -> list[int]:
    """The worker processes of ``pid`` (not multiprocessing's resource tracker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(child) for child in path.read_text().split()] if path.exists() else []
    return [child for child in found if "spawn_main" in _command(child)]


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT") or sys.platform != "linux", reason="Linux only")
def test_two_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env.update(
        ATTUNE_DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}",
        ATTUNE_MASTER_KEY=TEST_MASTER_KEY,
        ATTUNE_DATA_DIR=str(tmp_path),
    )
    code = "import sys; from attunement.cli.serving import run; "
    code += "run('127.0.0.1', int(sys.argv[1]), 2, startup_grace_s=1)"
    process = subprocess.Popen([sys.executable, "-c", code, str(port)], env=env)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1) as answer:
                    assert answer.status == 200
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        workers = _children(process.pid)
        assert len(workers) >= 2
        time.sleep(1.2)  # past the start-up grace: a worker that dies now is replaced
        os.kill(workers[0], signal.SIGKILL)
        for _ in range(300):
            replaced = [pid for pid in _children(process.pid) if pid not in workers and _is_running(pid)]
            if replaced:
                break
            time.sleep(0.1)
        assert replaced, "the dead worker was not replaced"
        workers += replaced
    finally:
        process.terminate()  # SIGTERM to the parent alone, as a supervisor would send it
        process.wait(timeout=40)
    time.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and _is_running(pid)]


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_taken_port_is_one_clear_sentence() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidInputError, match=f"Cannot listen on 127.0.0.1:{port}"):
            serving.run("127.0.0.1", port, workers=2)
