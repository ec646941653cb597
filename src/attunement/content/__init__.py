"""Authored content: the exercise catalogue and the onboarding questionnaire, validated on load."""

from __future__ import annotations

from attunement.content.loader import load_catalogue, load_exercises, load_questionnaire

__all__ = ["load_catalogue", "load_exercises", "load_questionnaire"]
