"""Load the crisis lexicon (patterns, idioms to ignore, resources) from YAML, naming any mistake.

Examples
--------
>>> lexicon = load_crisis_lexicon()
>>> len(lexicon.patterns) >= 40, any(r.contact == "call or text 988" for r in lexicon.resources)
(True, True)
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from attunement.content.loader import PACKAGE_CONTENT, _read_yaml, _section, _Strict
from attunement.domain.safety import CrisisLevel, CrisisLexicon, CrisisPattern, CrisisResource
from attunement.errors import ContentError

CRISIS_FILE = PACKAGE_CONTENT / "crisis.yaml"
_FRAGMENT = re.compile(r"\{([a-z_]+)\}")  # {name}; regex quantifiers like {0,30} never match this
_LEVELS = ("concern", "urgent")
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]+[):]")


class _PatternSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    level: str
    about: str = Field(min_length=3)
    regex: str = Field(min_length=1)
    needs_distress: bool = False

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value not in _LEVELS:
            raise ValueError(f"'{value}' is not a level; use one of {', '.join(_LEVELS)}")
        return value


class _NegativeSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    about: str = Field(min_length=3)
    regex: str = Field(min_length=1)


class _ResourceSchema(_Strict):
    name: str = Field(min_length=2)
    contact: str = Field(min_length=3)
    region: str = Field(pattern=r"^(?:[A-Z]{2}|international)$")
    url: str | None = Field(default=None, pattern=r"^https://\S+$")
    note: str | None = None


def _line(raw: Any, field: str | None = None) -> Any:
    lines = getattr(raw, "key_lines", {})
    return lines.get(field, getattr(raw, "line", "?")) if field else getattr(raw, "line", "?")


def _validated(schema: type[_Strict], raw: Any, path: Path, what: str) -> Any:
    if not isinstance(raw, dict):
        raise ContentError(f"{path}, line {_line(raw)}: each {what} must be a mapping of fields.")
    try:
        return schema.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        name = raw.get("id", raw.get("name", "?"))
        cause = (first.get("ctx") or {}).get("error")
        if first["type"] == "missing":
            problem = f"the {what} '{name}' has no '{field}'"
        elif isinstance(cause, ValueError):
            problem = f"the {what} '{name}' is invalid: {cause}"
        else:
            problem = f"the {what} '{name}' is invalid: {first['msg']}"
        raise ContentError(f"{path}, line {_line(raw, field)}, field '{field}': {problem}.") from None


def _expand(regex: str, fragments: dict[str, str], where: str) -> str:
    def fragment(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fragments:
            known = ", ".join(sorted(fragments)) or "none defined"
            raise ContentError(f"{where}: the fragment '{{{name}}}' is not defined (known: {known}).")
        return fragments[name]

    return _FRAGMENT.sub(fragment, regex)


def _compiled(regex: str, what: str, name: str, where: str) -> str:
    try:
        compiled = re.compile(regex)  # as the screen compiles it, so its compile is a cache hit
    except re.error as error:
        raise ContentError(f"{where}: the {what} '{name}' does not compile ({error.msg}).") from None
    # The screen lower-cases the text and matches case-sensitively (several times faster),
    # and joins the negatives into one expression, which inline flags would break.
    if any(ch.isupper() for ch in re.sub(r"\\.", "", regex)):
        raise ContentError(f"{where}: write the {what} '{name}' in lower case; texts are lower-cased first.")
    if _INLINE_FLAGS.search(regex):
        raise ContentError(f"{where}: the {what} '{name}' sets inline flags such as (?i); leave them out.")
    if what != "fragment" and compiled.search("") is not None:
        raise ContentError(
            f"{where}: the {what} '{name}' matches empty text, so it would match every message."
        )
    return regex


def _fragments(document: dict[str, Any], path: Path) -> dict[str, str]:
    raw = document.get("fragments") or {}
    if not isinstance(raw, dict):
        raise ContentError(
            f"{path}, line {_line(document, 'fragments')}: 'fragments' must map names to regexes."
        )
    fragments: dict[str, str] = {}
    for name, value in raw.items():
        where = f"{path}, line {_line(raw, str(name))}, field 'fragments'"
        if not isinstance(name, str) or not re.fullmatch(r"[a-z_]+", name) or not isinstance(value, str):
            raise ContentError(f"{where}: '{name}' must be a lower-case name mapped to a regex.")
        fragments[name] = _compiled(_expand(value, fragments, where), "fragment", name, where)
    return fragments


def _read_lexicon(path: Path) -> CrisisLexicon:
    document = _read_yaml(path)
    if not isinstance(document, dict):
        raise ContentError(
            f"{path}, line 1: the file must be a mapping with 'patterns', 'negatives' and 'resources'."
        )
    fragments = _fragments(document, path)
    seen: dict[str, Any] = {}
    patterns: list[CrisisPattern] = []
    negatives: list[CrisisPattern] = []
    for section, schema, what in (
        ("patterns", _PatternSchema, "pattern"),
        ("negatives", _NegativeSchema, "negative"),
    ):
        for raw in _section(document, section, path):
            spec = _validated(schema, raw, path, what)
            if spec.id in seen:
                raise ContentError(
                    f"{path}, line {_line(raw, 'id')}, field 'id': the id '{spec.id}' is already used "
                    f"on line {_line(seen[spec.id], 'id')}."
                )
            seen[spec.id] = raw
            where = f"{path}, line {_line(raw, 'regex')}, field 'regex'"
            regex = _compiled(_expand(spec.regex, fragments, where), what, spec.id, where)
            if isinstance(spec, _PatternSchema):
                level = CrisisLevel(spec.level)
                patterns.append(CrisisPattern(spec.id, regex, level, spec.about, spec.needs_distress))
            else:
                negatives.append(CrisisPattern(spec.id, regex, CrisisLevel.NONE, spec.about))
    resources = [
        _validated(_ResourceSchema, raw, path, "resource") for raw in _section(document, "resources", path)
    ]
    if not resources:
        raise ContentError(f"{path}, line 1: 'resources' must list at least one place to get help.")
    try:
        return CrisisLexicon(
            patterns=tuple(patterns),
            negatives=tuple(negatives),
            resources=tuple(CrisisResource(r.name, r.contact, r.region, r.url, r.note) for r in resources),
        )
    except ValueError as error:
        raise ContentError(f"{path}: {error}.") from None


@functools.lru_cache(maxsize=1)
def _default_lexicon() -> CrisisLexicon:
    return _read_lexicon(CRISIS_FILE)


def load_crisis_lexicon(path: Path | None = None) -> CrisisLexicon:
    """The crisis lexicon from ``path``, or the shipped ``crisis.yaml`` (read once, then cached).

    Raises :class:`ContentError` naming file, line and field for malformed YAML,
    an unknown level, a regex that does not compile, an unknown ``{fragment}``
    or an id used twice.
    """
    return _default_lexicon() if path is None else _read_lexicon(Path(path))
