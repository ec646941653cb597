"""Supporting each other: ``attune partner``, ``attune checkin``, ``attune support``, ``attune patterns``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from attunement.cli.common import PersonOption, friendly_errors, out, practice_service, resolve_person
from attunement.config import get_settings
from attunement.domain.consent import Purpose
from attunement.domain.support import SUPPORT_KINDS, StressContext, Visibility

if TYPE_CHECKING:
    from attunement.services.partners import PartnerService

partner_app = typer.Typer(
    help="Link with your partner, and say how you like to be supported.\n\n"
    "Example: attune partner invite, then on your partner's device: attune partner accept CODE",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
KINDS = ", ".join(k.value for k in SUPPORT_KINDS)
CONTEXTS = ", ".join(c.value for c in StressContext)


def _partners() -> PartnerService:
    from attunement.services.partners import PartnerService
    from attunement.services.text import TextService

    return PartnerService(practice_service(), TextService(get_settings()))


def _person(partners: PartnerService, handle: str | None) -> str:
    return resolve_person(partners.practice, handle)


@partner_app.command("invite")
@friendly_errors
def invite(
    person: PersonOption = None,
    hours: Annotated[int, typer.Option(help="How long the code stays valid (1-336 hours).")] = 72,
) -> None:
    """Make an invite code for your partner; it expires, and you can revoke it.

    Example: attune partner invite --hours 24
    """
    partners = _partners()
    code = partners.invite(_person(partners, person), hours=hours)
    out.print(f"Your invite code: [bold]{code.code}[/bold] (valid until {code.expires_at:%d %b %H:%M} UTC).")
    out.print("Your partner runs: attune partner accept " + code.code)


@partner_app.command("accept")
@friendly_errors
def accept(
    code: Annotated[str, typer.Argument(help="The code your partner gave you.")],
    person: PersonOption = None,
) -> None:
    """Link with the partner who gave you an invite code.

    Example: attune partner accept K7QPZ-M3XRT
    """
    partners = _partners()
    partner = partners.accept(_person(partners, person), code)
    out.print(
        f"You are linked with [bold]{partner.handle}[/bold]. Nothing is shared until one of you checks in "
        "and chooses to share; either of you can unlink at any time."
    )


@partner_app.command("revoke")
@friendly_errors
def revoke(person: PersonOption = None) -> None:
    """Revoke your open invite codes.

    Example: attune partner revoke
    """
    partners = _partners()
    count = partners.revoke_invites(_person(partners, person))
    out.print(f"Revoked {count} open invite(s).")


@partner_app.command("unlink")
@friendly_errors
def unlink(
    person: PersonOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Stop sharing with your partner, at once and for both of you.

    Example: attune partner unlink --yes
    """
    partners = _partners()
    handle = _person(partners, person)
    if not yes and not typer.confirm(
        "Unlink now? Neither of you will see anything of the other.", default=False
    ):
        raise typer.Exit()
    partners.unlink(handle)
    out.print("Unlinked. Nothing is shared between you any more.")


@partner_app.command("status")
@friendly_errors
def status(person: PersonOption = None) -> None:
    """Who you are linked with, and your support map.

    Example: attune partner status
    """
    partners = _partners()
    handle = _person(partners, person)
    partner = partners.partner(handle)
    out.print(
        f"Linked with [bold]{partner.handle}[/bold] since {partner.linked_at:%d %b %Y}."
        if partner
        else "Not linked."
    )
    support_map = partners.support_map(handle)
    if not support_map.entries:
        out.print(
            "Your support map is empty; fill it in with: "
            "attune partner map --context work_study --helps listening"
        )
        return
    table = Table(title="How you like to be supported")
    for column in ("When it's about", "Helps", "Doesn't help", "In your words"):
        table.add_column(column)
    for stress, entry in support_map.entries.items():
        table.add_row(
            stress.label,
            ", ".join(k.label for k in sorted(entry.helps)) or "–",
            ", ".join(k.label for k in sorted(entry.not_helpful)) or "–",
            entry.words or "–",
        )
    out.print(table)


@partner_app.command("map")
@friendly_errors
def support_map(
    context: Annotated[str, typer.Option(metavar="CONTEXT", help=f"The kind of stress: {CONTEXTS}.")],
    helps: Annotated[
        list[str] | None, typer.Option(metavar="KIND", help=f"Helps you (repeatable): {KINDS}.")
    ] = None,
    not_helpful: Annotated[
        list[str] | None, typer.Option("--not", metavar="KIND", help="Does not help you (repeatable).")
    ] = None,
    words: Annotated[str | None, typer.Option(help="In your own words (kept encrypted).")] = None,
    person: PersonOption = None,
) -> None:
    """Say how you like to be supported with one kind of stress.

    Example: attune partner map --context work_study --helps listening --helps space --not practical
    """
    partners = _partners()
    entry = partners.set_support_map(
        _person(partners, person), context, helps=helps or (), not_helpful=not_helpful or (), words=words
    )
    out.print(f"Saved how you like to be supported with {entry.context.label.lower()}.")


@friendly_errors
def checkin(
    mood: Annotated[int, typer.Option(min=1, max=5, help="How you feel, 1 (very low) to 5 (very good).")],
    text: Annotated[str | None, typer.Option(help="A few words about it (optional).")] = None,
    context: Annotated[
        str | None, typer.Option(metavar="CONTEXT", help=f"What it's about: {CONTEXTS}.")
    ] = None,
    share: Annotated[
        str,
        typer.Option(metavar="LEVEL", help="What your partner may see: nothing, mood, emotions or text."),
    ] = Visibility.MOOD.value,
    person: PersonOption = None,
) -> None:
    """Check in: your mood, a few words if you like, and what your partner may see.

    Example: attune checkin --mood 2 --text "rough day at work" --context work_study --share emotions
    """
    partners = _partners()
    result = partners.checkin(_person(partners, person), mood, text=text, context=context, share=share)
    if result.emotions:
        out.print(f"[bold]What your words carry:[/bold] {', '.join(result.emotions)}")
    if result.crisis.flagged:
        out.print(Panel(result.crisis.message(), title="Support is available", border_style="yellow"))
    if result.shared_with_partner:
        out.print(f"Shared with your partner: {share}. They will get a suggestion for how to support you.")
    else:
        out.print("Kept to yourself.")
    if result.professional_help:
        out.print(
            Panel(result.professional_help, title="You don't have to carry this alone", border_style="cyan")
        )


@friendly_errors
def support(
    rate: Annotated[
        tuple[str, int] | None,
        typer.Option(
            metavar="ID RATING", help="Say how supported you felt (1-5) after support you received."
        ),
    ] = None,
    person: PersonOption = None,
) -> None:
    """See how to support your partner right now, or rate support you received.

    Example: attune support   ·   attune support --rate 3f2a... 5
    """
    partners = _partners()
    handle = _person(partners, person)
    if rate is not None:
        reward = partners.rate(handle, rate[0], rate[1])
        out.print(f"Thank you; attunement will learn from it (felt support {reward:.2f} of 1).")
        return
    suggestions = partners.suggestions(handle, limit=1)
    if not suggestions:
        out.print("Nothing new from your partner. A message just to ask how they are never hurts.")
    for s in suggestions:
        shared = s.checkin
        seen = [f"mood {shared.mood}/5"] if shared.mood is not None else []
        if shared.emotions:
            seen.append("feeling " + ", ".join(shared.emotions))
        if shared.context:
            seen.append(f"about {shared.context.label.lower()}")
        body = f"Your partner checked in {shared.created_at:%a %H:%M}: {'; '.join(seen) or 'shared'}."
        if shared.text:
            body += f"\n“{shared.text}”"
        body += f"\n\n[bold]Try: {s.kind.label.lower()}.[/bold] {s.why}\n"
        body += "\n".join(f"  • {p}" for p in s.phrasings)
        body += f"\n\n[cyan]Why:[/cyan] {s.explanation}\n[dim]{s.talk_together}[/dim]"
        out.print(Panel(body, title="Supporting your partner", expand=False))
        if s.professional_help:
            out.print(Panel(s.professional_help, title="When it keeps being hard", border_style="cyan"))
    pending = partners.support_to_rate(handle)
    for suggestion_id, kind, when in pending[-3:]:
        out.print(
            f"[dim]Support you received ({kind.label.lower()}, {when:%a %d %b}): did it help? "
            f"attune support --rate {suggestion_id} N[/dim]"
        )


@friendly_errors
def patterns(
    partner: Annotated[
        bool, typer.Option("--partner", help="Your partner's patterns, if they share them.")
    ] = False,
    share: Annotated[
        bool | None,
        typer.Option("--share/--stop-sharing", help="Let your partner see your patterns, or stop."),
    ] = None,
    person: PersonOption = None,
) -> None:
    """Patterns in your own check-ins this week, with the evidence; only you see them unless you share.

    Example: attune patterns
    """
    partners = _partners()
    handle = _person(partners, person)
    if share is not None:
        from attunement.services.privacy import PrivacyService

        out.print(PrivacyService(partners.practice).set_consent(handle, Purpose.SHARE_PATTERNS, share))
        return
    insights = partners.partner_patterns(handle) if partner else partners.patterns(handle)
    if partner and not insights:
        out.print("Your partner does not share patterns (or has none yet).")
        return
    if not insights:
        out.print("No patterns yet: a few check-ins over a week or two will show some.")
    for insight in insights:
        out.print(f"[bold]{insight.title}.[/bold] {insight.detail}")
        for line in insight.evidence:
            out.print(f"  [dim]{line}[/dim]")
