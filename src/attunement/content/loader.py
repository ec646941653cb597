"""Load authored YAML and validate it, naming the file, line and field of any mistake."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from attunement.domain.assessment import Goal, LikertItem, Questionnaire
from attunement.domain.exercises import Catalogue, Exercise, Modality
from attunement.domain.skills import Skill
from attunement.errors import ContentError

PACKAGE_CONTENT = Path(__file__).parent


class _LineDict(dict[Any, Any]):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


# libyaml's parser where PyYAML has it (about ten times faster: the crisis lexicon alone took
# 90 ms to read in pure Python, a large part of a cold `attune analyze`); its nodes carry lines too.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError(f"Cannot read the content file {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise ContentError(f"The content file {path} is not UTF-8 text.") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark else "?"
        raise ContentError(f"{path}, line {line}: the YAML is malformed ({error.problem}).") from None
    except yaml.YAMLError as error:  # e.g. a control character the YAML reader refuses
        raise ContentError(f"{path}: the YAML cannot be read ({str(error).splitlines()[0]}).") from None
    except RecursionError:
        raise ContentError(f"{path}: the YAML nests too deeply to be content.") from None


def line_of(raw: Any, key: str | None = None) -> Any:
    """The line of ``key`` in a YAML mapping, else of the mapping itself, else '?'."""
    lines = getattr(raw, "key_lines", {})
    return lines.get(key, getattr(raw, "line", "?")) if key else getattr(raw, "line", "?")


def clean_text(text: str) -> str:
    """One line of text: YAML folding and stray spaces undone."""
    return " ".join(text.split())


def read_sections(path: Path, sections: Iterable[str]) -> dict[Any, Any]:
    """The YAML mapping in ``path``; :class:`ContentError` unless its keys are among ``sections``."""
    names = ", ".join(sections)
    document = _read_yaml(path)
    if not isinstance(document, dict):
        raise ContentError(f"{path}, line 1: the file must be a mapping with the sections {names}.")
    for key in document:
        if key not in sections:
            raise ContentError(
                f"{path}, line {line_of(document, str(key))}, field '{key}': this section is unknown "
                f"(expected: {names})."
            )
    return document


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ExerciseSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    title: str = Field(min_length=2, max_length=80)
    skills: list[Skill] = Field(min_length=1, max_length=3)
    modality: Modality
    minutes: int = Field(ge=1, le=60)
    difficulty: Literal[1, 2, 3]
    instructions: str = Field(min_length=20)
    follow_up: str = Field(min_length=5)

    @field_validator("skills", "modality", mode="before")
    @classmethod
    def _enum_from_text(cls, value: Any) -> Any:
        # strict mode refuses plain strings for enums; YAML only has strings.
        if isinstance(value, list):
            return [Skill(v) if v in Skill._value2member_map_ else v for v in value]
        if isinstance(value, str) and value in Modality._value2member_map_:
            return Modality(value)
        return value

    @field_validator("skills")
    @classmethod
    def _distinct(cls, value: list[Skill]) -> list[Skill]:
        if len(set(value)) != len(value):
            raise ValueError("a skill is listed twice")
        return value


class _ItemSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    skill: Skill
    text: str = Field(min_length=5)
    reverse: bool

    @field_validator("skill", mode="before")
    @classmethod
    def _skill_from_text(cls, value: Any) -> Any:
        return Skill(value) if value in Skill._value2member_map_ else value


class _GoalSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=3)
    skills: list[Skill] = Field(min_length=1)

    @field_validator("skills", mode="before")
    @classmethod
    def _skills_from_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [Skill(v) if v in Skill._value2member_map_ else v for v in value]
        return value


def _validated(schema: type[_Strict], raw: Any, path: Path, what: str) -> Any:
    if not isinstance(raw, dict):
        line = getattr(raw, "line", "?")
        raise ContentError(f"{path}, line {line}: each {what} must be a mapping of fields.")
    try:
        return schema.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        lines = getattr(raw, "key_lines", {})
        line = lines.get(field, getattr(raw, "line", "?"))
        name = raw.get("id", "?")
        problem = "is missing" if first["type"] == "missing" else f"is invalid: {first['msg']}"
        raise ContentError(f"{path}, line {line}: {what} '{name}', field '{field}' {problem}.") from None


def _section(document: Any, key: str, path: Path) -> list[Any]:
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise ContentError(f"{path}, line 1: the file must have a top-level list '{key}'.")
    return list(document[key])


def load_exercises(path: Path) -> list[Exercise]:
    """Exercises from one YAML file; raises :class:`ContentError` naming file, line and field."""
    exercises = []
    for raw in _section(_read_yaml(path), "exercises", path):
        spec = _validated(_ExerciseSchema, raw, path, "exercise")
        exercises.append(
            Exercise(
                id=spec.id,
                title=spec.title,
                skills=tuple(spec.skills),
                modality=spec.modality,
                minutes=spec.minutes,
                difficulty=spec.difficulty,
                instructions=" ".join(spec.instructions.split()),
                follow_up=" ".join(spec.follow_up.split()),
            )
        )
    return exercises


def load_catalogue(extra_dirs: Iterable[Path] = ()) -> Catalogue:
    """The shipped exercise catalogue plus every ``*.yaml`` in ``extra_dirs``.

    Raises :class:`ContentError` for malformed files or an id used twice.

    Examples
    --------
    >>> catalogue = load_catalogue()
    >>> len(catalogue) >= 120
    True
    """
    files = sorted((PACKAGE_CONTENT / "exercises").glob("*.yaml"))
    for directory in extra_dirs:
        if not Path(directory).is_dir():
            raise ContentError(f"The exercise folder {directory} does not exist.")
        files += sorted(Path(directory).glob("*.yaml"))
    seen: dict[str, Path] = {}
    exercises = []
    for path in files:
        for exercise in load_exercises(path):
            if exercise.id in seen:
                raise ContentError(
                    f"{path}: the exercise id '{exercise.id}' is already used in {seen[exercise.id]}."
                )
            seen[exercise.id] = path
            exercises.append(exercise)
    return Catalogue(exercises)


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """The onboarding questionnaire; raises :class:`ContentError` for a malformed file.

    Examples
    --------
    >>> q = load_questionnaire()
    >>> len(q.items) >= 24, any(item.reverse for item in q.items)
    (True, True)
    """
    path = path or PACKAGE_CONTENT / "assessment.yaml"
    document = _read_yaml(path)
    items = [_validated(_ItemSchema, raw, path, "item") for raw in _section(document, "items", path)]
    goals = [_validated(_GoalSchema, raw, path, "goal") for raw in _section(document, "goals", path)]
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ContentError(f"{path}: an item id is used twice.")
    scale = document.get("scale") or {}
    if sorted(scale) != [1, 2, 3, 4, 5]:
        raise ContentError(f"{path}, line 1: 'scale' must label the answers 1 to 5.")
    return Questionnaire(
        version=int(document.get("version", 1)),
        scale={int(k): str(v) for k, v in scale.items()},
        items=tuple(LikertItem(i.id, i.skill, i.text, i.reverse) for i in items),
        goals=tuple(Goal(g.id, g.text, tuple(g.skills)) for g in goals),
    )
