"""The ``attune`` command: a thin layer over :mod:`attunement.services`.

``commands`` holds the Typer app and its commands; ``written`` shows written
practice (scenarios, feedback, before-and-after) and scores files of replies.
"""

from __future__ import annotations

from attunement.cli.commands import app, main

__all__ = ["app", "main"]
