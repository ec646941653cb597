"""Use cases that tie content, models and storage together; the only layer interfaces call."""

from __future__ import annotations

from attunement.services.demo import DEMO_HANDLE, seed_demo
from attunement.services.practice import TEST_MASTER_KEY, PracticeService

__all__ = ["DEMO_HANDLE", "TEST_MASTER_KEY", "PracticeService", "seed_demo"]
