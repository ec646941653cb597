"""Your data, your say: ``attune privacy ...`` and ``attune keys rotate``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from attunement.cli.common import PersonOption, err, friendly_errors, out, practice_service, resolve_person
from attunement.config import get_settings
from attunement.domain.consent import Purpose
from attunement.domain.privacy import DataCategory
from attunement.errors import InvalidInputError

if TYPE_CHECKING:
    from attunement.services.privacy import PrivacyService

privacy_app = typer.Typer(
    help="See, correct, export and delete what attunement keeps and believes about you.\n\n"
    "Example: attune privacy beliefs",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
keys_app = typer.Typer(
    help="Manage the master key that protects everyone's data keys.\n\nExample: attune keys rotate",
    no_args_is_help=True,
)
CATEGORIES = ", ".join(c.value for c in DataCategory if c.deletable)


class ExportFormat(StrEnum):
    JSON = "json"
    REPORT = "report"


def _privacy(person: str | None) -> tuple[PrivacyService, str]:
    from attunement.services.privacy import PrivacyService

    practice = practice_service()
    return PrivacyService(practice), resolve_person(practice, person)


@privacy_app.command("collected")
@friendly_errors
def collected() -> None:
    """What attunement collects and why, table by table, generated from the database schema.

    Example: attune privacy collected
    """
    from rich.markdown import Markdown  # here, not at the top: a tenth of a second every command would pay

    from attunement.services.transparency import collected_markdown

    out.print(Markdown(collected_markdown()))


@privacy_app.command("beliefs")
@friendly_errors
def beliefs(person: PersonOption = None) -> None:
    """What attunement believes about you: skill estimates, what your suggestions lean towards, and why.

    Example: attune privacy beliefs
    """
    from attunement.services.transparency import BeliefService

    privacy, handle = _privacy(person)
    found = BeliefService(privacy.practice).beliefs(handle)
    table = Table(title="Skill estimates (1-5)")
    for column in ("Skill", "Estimate", "± (1 sd)", "From"):
        table.add_column(column)
    for s in found.skills:
        table.add_row(s.skill.label, f"{s.mean:.2f}", f"{s.sd:.2f}", s.source)
    out.print(table)
    out.print("Correct one with: attune privacy correct SKILL LEVEL, e.g. nonverbal_expression 3.5")
    if not found.personalization:
        out.print(
            "\nPersonalization is off: your suggestions use your answers only, and learn nothing from you."
        )
    out.print(
        f"\nYour suggestions learned from {found.outcomes} of your outcomes. What counts, for you and all:"
    )
    lean = Table()
    for column in ("Suggestions favour", "Weight for everyone", "Changed by your outcomes"):
        lean.add_column(column)
    for leaning in found.leanings:
        lean.add_row(leaning.label, f"{leaning.everyone:+.3f}", f"{leaning.learned:+.3f}")
    out.print(lean)
    if found.support:
        out.print(f"\nWhat your support map and ratings taught ({found.support_ratings} ratings):")
        for leaning in found.support:
            out.print(f"  {leaning.label}: {leaning.yours:+.3f} (everyone: {leaning.everyone:+.3f})")
        for line in found.doubted_lines:
            out.print(
                f"  Your map's line for {line.label.lower()} may not fit you: the rest of your map and "
                f"your ratings say otherwise. Change it with: attune partner map --context {line.value}"
            )
        out.print(f"  How support maps are read here: {found.map_reading}.")
    out.print("\nForget all of it with: attune privacy reset")


@privacy_app.command("correct")
@friendly_errors
def correct(
    skill: Annotated[str, typer.Argument(help="The skill, e.g. nonverbal_expression or cross_cultural.")],
    level: Annotated[float, typer.Argument(help="Where you see yourself, 1-5.")],
    person: PersonOption = None,
) -> None:
    """Correct a skill estimate: where you see yourself; practice keeps measuring from there.

    Example: attune privacy correct nonverbal_expression 3.5
    """
    from attunement.services.transparency import BeliefService

    privacy, handle = _privacy(person)
    belief = BeliefService(privacy.practice).correct_skill(handle, skill, level)
    out.print(f"{belief.skill.label} is now {belief.mean:.1f} (± {belief.sd:.1f}), as you see it.")


@privacy_app.command("reset")
@friendly_errors
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    person: PersonOption = None,
) -> None:
    """Forget what the suggestions learned from you (practice and partner support), your share of
    what they learned from everyone included. Your history and estimates stay.

    Example: attune privacy reset --yes
    """
    privacy, handle = _privacy(person)
    if not yes and not typer.confirm("Forget what your suggestions learned from you?"):
        raise typer.Exit(1)
    forgotten = privacy.delete_category(handle, DataCategory.PERSONALIZATION)
    out.print(
        f"Forgotten: what was learned from {forgotten} outcomes. Suggestions start again from your answers."
    )


@privacy_app.command("consent")
@friendly_errors
def consent(
    purpose: Annotated[
        str | None, typer.Argument(help=f"One of: {', '.join(p.value for p in Purpose)}.")
    ] = None,
    grant: Annotated[bool | None, typer.Option("--grant/--withdraw", help="Agree, or withdraw.")] = None,
    person: PersonOption = None,
) -> None:
    """Show your consents, or grant or withdraw one and hear what it means for what was kept.

    Example: attune privacy consent store_reflections --withdraw
    """
    privacy, handle = _privacy(person)
    if purpose is None or grant is None:
        if purpose is not None:
            raise InvalidInputError("Say --grant or --withdraw after the purpose.")
        consents = privacy.practice.person(handle).consents
        for p in Purpose:
            mark = "[green]yes[/green]" if consents.get(p.value) else "[dim]no[/dim]"
            out.print(f"{mark}  {p.value}: {p.description}")
        return
    out.print(privacy.set_consent(handle, purpose, grant))


@privacy_app.command("export")
@friendly_errors
def export(
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of the screen.")
    ] = None,
    format: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="json (complete, for programs) or report (to read)."),
    ] = ExportFormat.JSON,
    person: PersonOption = None,
) -> None:
    """Everything attunement keeps about you, your words decrypted: as JSON or as a readable report.

    Example: attune privacy export --format report --out my-data.md
    """
    privacy, handle = _privacy(person)
    if format is ExportFormat.JSON:
        text = json.dumps(privacy.export(handle), indent=2, ensure_ascii=False, default=str) + "\n"
    else:
        text = privacy.report(handle)
    if output is None:
        out.print(text, markup=False, highlight=False, soft_wrap=True, end="")
        return
    output.write_text(text, encoding="utf-8")
    output.chmod(0o600)
    err.print(f"Written to {output} (readable only by you).")


@privacy_app.command("delete")
@friendly_errors
def delete(
    category: Annotated[
        str | None, typer.Argument(help=f"One kind of data: {CATEGORIES}.", show_default=False)
    ] = None,
    account: Annotated[bool, typer.Option("--account", help="Delete the whole account instead.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    person: PersonOption = None,
) -> None:
    """Delete one kind of data, or your whole account with everything in it. Cannot be undone.

    Example: attune privacy delete checkins
    """
    from attunement.services.privacy import category_of

    if account == (category is not None):
        raise InvalidInputError(f"Name one kind of data ({CATEGORIES}) or give --account.")
    privacy, handle = _privacy(person)
    if account:
        if (
            not yes
            and typer.prompt(f"Type your handle ({handle}) to delete everything", default="") != handle
        ):
            raise InvalidInputError("Nothing was deleted: the handle did not match.")
        privacy.delete(handle)
        out.print(f"Deleted {handle} and everything about them, their encryption key included.")
        return
    chosen = category_of(category or "")
    if not yes and not typer.confirm(f"Delete {chosen.label.lower()}? {chosen.description}"):
        raise typer.Exit(1)
    count = privacy.delete_category(handle, chosen)
    out.print(f"Deleted {chosen.label.lower()}: {count} records.")


@privacy_app.command("audit")
@friendly_errors
def audit_log(person: PersonOption = None) -> None:
    """Who read what you shared with your partner, and what you exported, deleted or corrected.

    Example: attune privacy audit
    """
    privacy, handle = _privacy(person)
    entries = privacy.audit(handle)
    if not entries:
        out.print("Nothing yet: no partner has read your shared data, and you exported or deleted nothing.")
    for entry in entries:
        out.print(f"{entry.at:%Y-%m-%d %H:%M}  {entry.sentence}")


@keys_app.command("rotate")
@friendly_errors
def rotate(
    new_key_file: Annotated[
        Path | None,
        typer.Option(help="Where to write the new key (needed when ATTUNE_MASTER_KEY is set)."),
    ] = None,
) -> None:
    """Replace the master key: every data key is re-wrapped under a new one, in one transaction.
    Stop any running 'attune serve' first, and start it again afterwards.

    Example: attune keys rotate
    """
    from attunement.services.keys import rotate_master_key

    rotation = rotate_master_key(get_settings(), new_key_file=new_key_file)
    verb = "Finished an interrupted rotation" if rotation.resumed else "Rotated the master key"
    out.print(
        f"{verb}: {rotation.keys} data keys now wrapped by {rotation.fingerprint}, in {rotation.key_file}."
    )
    if get_settings().master_key:
        out.print("Set ATTUNE_MASTER_KEY to the key in that file before the next command.")
    out.print("Start 'attune serve' again if it runs; open forms need a reload.")
