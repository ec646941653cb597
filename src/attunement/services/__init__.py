"""Use cases that tie content, models and storage together; the only layer interfaces call.

Names load on first use, so an interface that needs only text analysis does not
pay for the database layer.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attunement.services.demo import DEMO_HANDLE, seed_demo
    from attunement.services.practice import TEST_MASTER_KEY, PracticeService

_HOMES = {
    "DEMO_HANDLE": "attunement.services.demo",
    "seed_demo": "attunement.services.demo",
    "TEST_MASTER_KEY": "attunement.services.practice",
    "PracticeService": "attunement.services.practice",
}

__all__ = ["DEMO_HANDLE", "TEST_MASTER_KEY", "PracticeService", "seed_demo"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'attunement.services' has no attribute {name!r}")
