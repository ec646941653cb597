"""`attune serve`: the web app under uvicorn, with worker processes that each get their share of connections.

With ``--workers``, uvicorn's workers share one listening socket, and the
first to wake accepts every connection waiting: 16 keep-alive connections
opened together often all land on one worker while the other idles (seen in
2 of 4 trials of ``bench/service.py``). Here, on Linux, each worker binds
its own socket to the port with ``SO_REUSEPORT`` and the kernel spreads new
connections across them, as nginx's and gunicorn's ``reuseport`` do.
Elsewhere, or with one worker, uvicorn runs as usual. A worker that dies is
replaced, as uvicorn's supervisor does; one that fails at start stops the
server, so a broken setup does not restart forever.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

from attunement.errors import InvalidInputError

APP = "attunement.web.app:create_app"
STARTUP_GRACE_S = 10.0
"""A worker that stops sooner than this after starting is not restarted: the server stops instead."""
log = logging.getLogger(__name__)


def run(
    host: str, port: int, workers: int = 1, *, startup_grace_s: float = STARTUP_GRACE_S, **options: Any
) -> None:
    """Serve the app on ``host:port`` with ``workers`` processes until interrupted (Ctrl+C).

    ``options`` go to uvicorn; a worker that stops within ``startup_grace_s`` of starting stops
    the server, a later one is replaced.
    """
    import uvicorn

    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, **options)
        return
    try:  # fail here, once, if the port is taken
        _listening(host, port).close()
    except OSError as error:
        raise InvalidInputError(f"Cannot listen on {host}:{port}: {error.strerror or error}.") from None
    context = multiprocessing.get_context("spawn")

    def start(i: int) -> tuple[BaseProcess, float]:
        process = context.Process(target=_worker, args=(host, port, options), name=f"attunement-worker-{i}")
        process.start()
        return process, time.monotonic()

    signal.signal(signal.SIGTERM, _stop)  # a plain `kill` of this process stops the workers too
    running = [start(i) for i in range(workers)]
    try:
        while True:
            wait([process.sentinel for process, _ in running])
            for i, (process, began) in enumerate(running):
                if process.is_alive():
                    continue
                if time.monotonic() - began < startup_grace_s:  # failing at start: restarting won't help
                    log.error("worker %s stopped at start (exit code %s)", i, process.exitcode)
                    return
                log.warning("worker %s stopped (exit code %s); starting another", i, process.exitcode)
                running[i] = start(i)
    except KeyboardInterrupt:  # the workers got the same Ctrl+C and shut down on their own
        for process, _ in running:
            process.join(timeout=30)
    finally:
        for process, _ in running:  # each shuts down gracefully on SIGTERM, as uvicorn's workers do
            if process.is_alive():
                process.terminate()
        for process, _ in running:
            process.join(timeout=30)


def _stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _listening(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that shares the port with the other workers' sockets."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    sock = _listening(host, port)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])
