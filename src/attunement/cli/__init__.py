"""The ``attune`` command: a thin layer over :mod:`attunement.services`.

``commands`` holds the Typer app and its commands; ``written`` shows written
practice (scenarios, feedback, before-and-after) and scores files of replies.
"""

from __future__ import annotations

import os

# pydantic looks for plugins when it builds its first model, by reading the entry points of every
# installed package: 0.12-0.17 s of each command's start in a full environment. attunement's
# commands use none. Set PYDANTIC_DISABLE_PLUGINS yourself (even to nothing) to have them loaded.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from attunement.cli.commands import app, main  # noqa: E402 - after the line above, on purpose

__all__ = ["app", "main"]
