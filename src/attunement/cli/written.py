"""Written practice in the terminal: a scenario, a reply, feedback, a second try, and batch scoring."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from attunement.domain.feedback import Change, Feedback
from attunement.domain.guidance import FeedbackGuide
from attunement.domain.safety import CrisisScreen
from attunement.domain.scenarios import Scenario
from attunement.errors import InvalidInputError

if TYPE_CHECKING:  # the written-practice service loads the database layer
    from attunement.services.written import FeedbackService, WrittenPracticeService, WrittenResult

LEVEL_STYLE = {"none": "yellow", "weak": "cyan", "strong": "green"}
ARROW = {"better": "[green]↑[/green]", "worse": "[yellow]↓[/yellow]", "same": "=", "changed": "→"}


def show_scenario(console: Console, scenario: Scenario, reason: str | None = None) -> None:
    """The message to answer, who sent it, and the situation."""
    body = (
        f"[bold]{scenario.sender}[/bold] writes:\n\n  “{scenario.message}”\n\n[dim]{scenario.context}[/dim]"
    )
    console.print(Panel(body, title=f"Written practice: {scenario.title}", expand=False))
    if reason:
        console.print(f"[cyan]Why this one:[/cyan] {reason}")


def show_feedback(console: Console, feedback: Feedback, guide: FeedbackGuide) -> None:
    """Levels per mechanism with the sentences that carry them, emotions, strategy, praise, tips."""
    table = Table(title=f"Your reply (empathy score {feedback.score:.2f} of 1)", show_lines=False)
    table.add_column("What it does")
    table.add_column("Level", no_wrap=True)
    table.add_column("Where", ratio=1)
    for reading in feedback.reading.mechanisms:
        style = LEVEL_STYLE[reading.level]
        evidence = " / ".join(f"“{e}”" for e in reading.evidence) or "–"
        table.add_row(guide.mechanism_names[reading.mechanism], f"[{style}]{reading.level}[/]", evidence)
    console.print(table)
    words = guide.emotion_words
    if feedback.acknowledged:
        named = ", ".join(words[e].display for e in feedback.acknowledged)
        console.print(f"[green]You named:[/green] {named}")
    if feedback.missed:
        console.print(
            f"[yellow]Not named yet:[/yellow] {', '.join(words[e].display for e in feedback.missed)}"
        )
    console.print(f"[bold]Your approach:[/bold] {feedback.reading.strategy}")
    for praise in feedback.praise:
        console.print(f"[green]✓[/green] {praise.text}")
    for i, tip in enumerate(feedback.suggestions, 1):
        console.print(f"[cyan]{i}.[/cyan] {tip.text}")


def show_ideas(console: Console, scenario: Scenario) -> None:
    """The scenario's own notes on what an empathic reply could do, and the missteps to avoid."""
    console.print("[bold]Ideas for this message[/bold] (from the coach who wrote it):")
    for note in scenario.notes:
        console.print(f"  • {note}")
    for misstep in scenario.avoid:
        console.print(f"  [dim]Easy to slip into: {misstep}[/dim]")
    if scenario.culture_note:
        console.print(f"  [dim]{scenario.culture_note}[/dim]")


def show_example(console: Console, scenario: Scenario) -> None:
    """One way a reply could go: an example, not the answer."""
    console.print(
        Panel(scenario.example_reply, title="One way it could go (yours can be different)", expand=False)
    )


def show_changes(console: Console, changes: tuple[Change, ...]) -> None:
    """What changed from the first try to the second, side by side."""
    table = Table(title="First try → second try")
    table.add_column("")
    table.add_column("Before")
    table.add_column("After")
    table.add_column("", no_wrap=True)
    for change in changes:
        table.add_row(change.aspect, change.before, change.after, ARROW.get(change.direction, ""))
    console.print(table)


def show_crisis(console: Console, screen: CrisisScreen) -> None:
    """Crisis resources first; practice pauses."""
    console.print(Panel(screen.message(), title="Support is available", border_style="yellow"))
    console.print("Practice is paused. Please reach out to someone now; the exercises will be here later.")


def written_session(
    console: Console,
    service: WrittenPracticeService,
    handle: str,
    scenario: Scenario,
    *,
    ask: Callable[[str], str],
    confirm: Callable[[str], bool],
    recommendation_id: str | None = None,
) -> WrittenResult | None:
    """Ask for a reply, show feedback, offer one second try with before and after.

    Returns the last result (``None`` if the person wrote nothing); a crisis hit
    shows resources and ends the session at once.
    """
    reply = ask("Your reply (one paragraph; Enter when done)").strip()
    if not reply:
        console.print("Nothing written; no problem, you can come back to it.")
        return None
    result = service.submit(handle, scenario.id, reply, recommendation_id=recommendation_id)
    if result.paused or result.feedback is None:
        show_crisis(console, result.crisis)
        return result
    show_feedback(console, result.feedback, service.guide)
    show_ideas(console, scenario)
    if not confirm("Try a second version with these suggestions in mind?"):
        show_example(console, scenario)
        return result
    second = ask("Your second try").strip()
    if not second:
        return result
    again = service.submit(
        handle,
        scenario.id,
        second,
        recommendation_id=recommendation_id,
        previous_attempt_id=result.attempt_id,
    )
    if again.paused or again.feedback is None:
        show_crisis(console, again.crisis)
        return again
    show_feedback(console, again.feedback, service.guide)
    show_changes(console, again.changes)
    show_example(console, scenario)
    for update in again.updates:
        before, after = update.before, update.after
        console.print(
            f"[dim]{after.skill.label}: {before.mean:.2f} → {after.mean:.2f} (± {after.sd:.2f})[/dim]"
        )
    return again


def read_replies(path: Path, service: FeedbackService) -> list[tuple[str, str, tuple[str, ...], str]]:
    """Items of a JSON-lines file of replies: each line ``{"scenario": ID, "reply": TEXT}`` or
    ``{"message": TEXT, "reply": TEXT}``. Raises :class:`InvalidInputError` naming the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InvalidInputError(f"Cannot read {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path} is not UTF-8 text.") from None
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError:
            raise InvalidInputError(f"{path}, line {number}: not a JSON object.") from None
        if not isinstance(record, dict) or not isinstance(record.get("reply"), str):
            raise InvalidInputError(f'{path}, line {number}: needs a "reply" text.')
        if isinstance(record.get("scenario"), str):
            scenario = service.scenario(record["scenario"])
            items.append((scenario.message, record["reply"], scenario.emotions, scenario.name))
        elif isinstance(record.get("message"), str):
            items.append((record["message"], record["reply"], (), "this person"))
        else:
            raise InvalidInputError(f'{path}, line {number}: needs a "scenario" id or a "message" text.')
    if not items:
        raise InvalidInputError(f"{path} holds no replies.")
    return items


def score_lines(
    results: list[tuple[Feedback | None, CrisisScreen]],
) -> Iterator[str]:
    """One JSON line per scored reply (a crisis hit gives the screen instead of feedback)."""
    for feedback, screen in results:
        if feedback is None:
            yield json.dumps({"crisis": {"level": screen.level.value, "message": screen.message()}})
        else:
            yield json.dumps(feedback.to_dict(), ensure_ascii=False)
