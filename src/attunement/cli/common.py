"""What every ``attune`` command shares: the consoles, error handling, the person option."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from attunement.config import get_settings
from attunement.errors import AttunementError, InvalidInputError

if TYPE_CHECKING:  # the practice service loads the database layer: imported where it is used
    from attunement.services import PracticeService

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

PersonOption = Annotated[
    str | None,
    typer.Option(
        "--person", "-p", metavar="HANDLE", help="Whose practice (a handle); default: the only person."
    ),
]
SPARK = " ▁▂▃▄▅▆▇█"


def friendly_errors(command: F) -> F:
    """Show an :class:`AttunementError` as one red sentence and exit with status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AttunementError as error:
            err.print(f"[red]{error}[/red]", soft_wrap=True)
            raise typer.Exit(1) from None
        except (KeyboardInterrupt, EOFError):
            err.print("\nStopped; nothing unfinished was saved.")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def practice_service() -> PracticeService:
    from attunement.services import PracticeService

    return PracticeService.open(get_settings())


def resolve_person(service: PracticeService, handle: str | None) -> str:
    handle = handle or get_settings().person
    if handle:
        return service.person(handle).handle
    people = service.people()
    if not people:
        raise InvalidInputError("Nobody uses attunement here yet; run 'attune init' or 'attune demo' first.")
    if len(people) > 1:
        names = ", ".join(p.handle for p in people)
        raise InvalidInputError(f"Several people use attunement here ({names}); choose one with --person.")
    return people[0].handle
