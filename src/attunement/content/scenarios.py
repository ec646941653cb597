"""Load the written practice scenarios from YAML, naming the file, line and field of any mistake."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from attunement.content.loader import PACKAGE_CONTENT, _read_yaml, _section, _Strict, _validated
from attunement.domain.labels import EMOTIONS
from attunement.domain.scenarios import Relationship, Scenario, ScenarioSet
from attunement.domain.skills import Skill
from attunement.errors import ContentError

SCENARIO_DIR = PACKAGE_CONTENT / "scenarios"
"""The shipped scenarios: one YAML file per theme, each with a top-level list ``scenarios``."""


class _ScenarioSchema(_Strict):
    id: str = Field(pattern=r"^[a-z]+(-[a-z]+)*-\d{2}(-[a-z0-9]+)+$", max_length=80)
    title: str = Field(min_length=2, max_length=80)
    sender: str = Field(min_length=2, max_length=80)
    relationship: Relationship
    message: str = Field(min_length=1, max_length=400)
    context: str = Field(min_length=10, max_length=300)
    skills: list[Skill] = Field(min_length=1, max_length=3)
    difficulty: Literal[1, 2, 3]
    emotions: list[str] = Field(min_length=1, max_length=4)
    notes: list[str] = Field(min_length=2, max_length=4)
    avoid: list[str] = Field(min_length=1, max_length=3)
    example_reply: str = Field(min_length=20, max_length=600)
    culture_note: str | None = Field(default=None, min_length=10)

    @field_validator("skills", "relationship", mode="before")
    @classmethod
    def _enum_from_text(cls, value: Any) -> Any:
        # strict mode refuses plain strings for enums; YAML only has strings.
        if isinstance(value, list):
            return [Skill(v) if v in Skill._value2member_map_ else v for v in value]
        if isinstance(value, str) and value in Relationship._value2member_map_:
            return Relationship(value)
        return value

    @field_validator("skills", "emotions")
    @classmethod
    def _distinct(cls, value: list[Any]) -> list[Any]:
        if len(set(value)) != len(value):
            raise ValueError("a value is listed twice")
        return value

    @field_validator("emotions")
    @classmethod
    def _known_emotions(cls, value: list[str]) -> list[str]:
        unknown = [emotion for emotion in value if emotion not in EMOTIONS]
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not a GoEmotions label (allowed: {', '.join(EMOTIONS)})")
        return value

    @field_validator("notes", "avoid")
    @classmethod
    def _no_blank_lines(cls, value: list[str]) -> list[str]:
        if any(len(line.strip()) < 5 for line in value):
            raise ValueError("each entry must be a sentence")
        return value


def _clean(text: str) -> str:
    """One line of text: YAML folding and stray spaces undone."""
    return " ".join(text.split())


def _scenario(spec: _ScenarioSchema) -> Scenario:
    return Scenario(
        id=spec.id,
        title=_clean(spec.title),
        sender=_clean(spec.sender),
        relationship=spec.relationship,
        message=_clean(spec.message),
        context=_clean(spec.context),
        skills=tuple(spec.skills),
        difficulty=spec.difficulty,
        emotions=tuple(spec.emotions),
        notes=tuple(_clean(note) for note in spec.notes),
        avoid=tuple(_clean(line) for line in spec.avoid),
        example_reply=_clean(spec.example_reply),
        culture_note=_clean(spec.culture_note) if spec.culture_note else None,
    )


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(path.glob("*.yaml"))
        if not files:
            raise ContentError(f"The scenario folder {path} holds no .yaml files.")
        return files
    if not path.exists():
        raise ContentError(f"The scenario file or folder {path} does not exist.")
    return [path]


def _load(path: Path) -> ScenarioSet:
    seen: dict[str, str] = {}  # id -> "file, line N" of its first use
    scenarios = []
    for file in _files(path):
        for raw in _section(_read_yaml(file), "scenarios", file):
            spec = _validated(_ScenarioSchema, raw, file, "scenario")
            line = raw.key_lines.get("id", raw.line)
            if spec.id in seen:
                raise ContentError(
                    f"{file}, line {line}: the scenario id '{spec.id}' is already used in {seen[spec.id]}."
                )
            seen[spec.id] = f"{file}, line {line}"
            scenarios.append(_scenario(spec))
    return ScenarioSet(scenarios)


@functools.lru_cache(maxsize=1)
def _packaged() -> ScenarioSet:
    return _load(SCENARIO_DIR)


def load_scenarios(path: Path | None = None) -> ScenarioSet:
    """The practice scenarios in ``path`` (a YAML file, or a folder of them), or the shipped set.

    The shipped set is read once per process and then served from a cache.
    Raises :class:`ContentError` naming the file, line and field of a
    malformed scenario, an id used twice, or a path that does not exist.

    Examples
    --------
    >>> from attunement.domain.skills import Skill
    >>> scenarios = load_scenarios()
    >>> len(scenarios) >= 90, len(scenarios.for_skill(Skill.CROSS_CULTURAL)) >= 4
    (True, True)
    >>> scenarios.get("few-words-01-fine-full-stop").message
    'fine.'
    """
    return _packaged() if path is None else _load(Path(path))
