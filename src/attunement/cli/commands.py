"""The ``attune`` command: a thin layer over :mod:`attunement.services`.

Every command's help text is its documentation (``attune COMMAND --help``),
each with an example; ``docs/cli.md`` is generated from them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.panel import Panel
from rich.progress import Progress
from rich.table import Table

from attunement import __version__
from attunement.cli.common import (
    SPARK,
    PersonOption,
    err,
    friendly_errors,
    out,
    practice_service,
    resolve_person,
)
from attunement.cli.partners import checkin, partner_app, patterns, support
from attunement.cli.privacy import keys_app, privacy_app
from attunement.cli.written import (
    read_replies,
    score_lines,
    show_crisis,
    show_scenario,
    written_session,
)
from attunement.config import get_settings
from attunement.domain.assessment import SkillEstimate
from attunement.domain.consent import ONBOARDING
from attunement.domain.exercises import DIFFICULTY_LABELS, Modality
from attunement.domain.safety import CrisisScreen
from attunement.errors import InvalidInputError
from attunement.services.text import Analysis, TextService
from attunement.services.views import AssessmentResult, SuggestionView

if TYPE_CHECKING:  # the practice service loads the database layer: imported where it is used
    from attunement.services import PracticeService
    from attunement.services.written import WrittenPracticeService

DEMO_PASSWORD = "try-attunement"
"""The password of the demo people on a demo server (never for real accounts)."""

app = typer.Typer(
    name="attune",
    help="Personalized empathy practice that learns what helps you. Everything stays on this device.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        out.print(f"attunement {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Personalized empathy practice that learns what helps you."""


@app.command()
@friendly_errors
def init(
    handle: Annotated[
        str | None, typer.Option(metavar="HANDLE", help="Your handle (lowercase letters, digits, . _ -).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(metavar="NAME", help="How attunement greets you (stored encrypted).")
    ] = None,
    minutes: Annotated[int, typer.Option(help="Minutes a day you want to practise.")] = 10,
    modality: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KIND",
            help="A kind of practice you like (repeatable): " + ", ".join(m.value for m in Modality),
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Agree to both consents without asking.")] = False,
) -> None:
    """Set up attunement: data folder, master key, database, and your profile.

    Creates the master key (a file only you can read) and the database,
    upgrades an older database, then adds you, asking what you agree to.

    Example: attune init --handle sam --minutes 10 --modality reflection --modality written_reply
    """
    settings = get_settings()
    service = practice_service()
    out.print(f"Data folder: {settings.data_dir}")
    out.print(
        f"Database: {settings.resolved_database_url.split('@')[-1]} (schema {service.db.schema_revision()})"
    )
    if handle is None:
        if service.people() and not sys.stdin.isatty():
            out.print("Already set up.")
            return
        handle = typer.prompt("Choose a handle (lowercase, e.g. sam)")
    consents = []
    for purpose in ONBOARDING:
        if yes or typer.confirm(purpose.description + " Agree?", default=True):
            consents.append(purpose)
    person = service.create_person(
        handle, display_name=name, minutes_per_day=minutes, liked_modalities=modality or (), consents=consents
    )
    out.print(
        f"[green]Welcome, {person.display_name or person.handle}.[/green] Next: [bold]attune assess[/bold]"
    )


@app.command()
@friendly_errors
def assess(
    person: PersonOption = None,
    answers: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="A JSON file of answers {item_id: 1-5} instead of asking."),
    ] = None,
    goal: Annotated[
        list[str] | None,
        typer.Option(metavar="GOAL_ID", help="A goal id (repeatable); asked for when omitted."),
    ] = None,
) -> None:
    """Take the short questionnaire (36 statements, about 4 minutes) and see your skill estimates.

    Taking it again later shows how each estimate changed.

    Example: attune assess --person sam
    """
    service = practice_service()
    handle = resolve_person(service, person)
    q = service.questionnaire
    if answers is not None:
        given = _read_answers(answers)
    else:
        out.print(
            Panel(
                "How much is each statement like you?  " + "   ".join(f"{k} {v}" for k, v in q.scale.items())
            )
        )
        given = {}
        for number, item in enumerate(q.items, 1):
            given[item.id] = _ask_int(f"{number:>2}/{len(q.items)}  {item.text}", 1, 5)
    if goal is None and answers is None:
        out.print("\nWhat would you like to get better at? Pick up to three numbers, separated by spaces.")
        for number, g in enumerate(q.goals, 1):
            out.print(f"  {number:>2}. {g.text}")
        picked = typer.prompt("Goals", default="").split()
        goal = [q.goals[int(p) - 1].id for p in picked if p.isdigit() and 1 <= int(p) <= len(q.goals)][:3]
    result = service.record_assessment(handle, given, goal or ())
    _print_assessment(result)


def _read_answers(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInputError(f"Cannot read {path}: {error.strerror}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInputError(f"{path} is not a JSON object of answers.") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path} must hold a JSON object mapping item ids to 1-5.")
    return data


def _ask_int(prompt: str, low: int, high: int) -> int:
    while True:
        raw = typer.prompt(prompt).strip()
        if raw.isdigit() and low <= int(raw) <= high:
            return int(raw)
        err.print(f"Please type a whole number from {low} to {high}.")


def _estimate(e: SkillEstimate) -> str:
    return f"{e.mean:.1f} ± {e.sd:.1f}"


def _print_assessment(result: AssessmentResult) -> None:
    table = Table(title="Your skills (1-5, with uncertainty)")
    table.add_column("Skill")
    table.add_column("Estimate", justify="right")
    if result.previous:
        table.add_column("Change", justify="right")
    for skill, estimate in sorted(result.estimates.items(), key=lambda kv: kv[1].mean):
        row = [skill.label, _estimate(estimate)]
        change = result.change(skill)
        if change is not None:
            row.append(f"[{'green' if change > 0 else 'red' if change < 0 else 'white'}]{change:+.1f}[/]")
        table.add_row(*row)
    out.print(table)
    out.print("Your practice will start with the skills at the top. Next: [bold]attune practice[/bold]")


def _show_suggestion(suggestion: SuggestionView) -> None:
    ex = suggestion.exercise
    skills = ", ".join(s.label for s in ex.skills)
    body = (
        f"[bold]{ex.title}[/bold]  ·  {ex.minutes} min  ·  {ex.modality.label}  ·  "
        f"{DIFFICULTY_LABELS[ex.difficulty]}\n[dim]{skills}[/dim]\n\n{ex.instructions}\n\n"
        f"[italic]Afterwards: {ex.follow_up}[/italic]"
    )
    out.print(Panel(body, title="Today's practice", expand=False))
    out.print(f"[cyan]Why this one:[/cyan] {suggestion.explanation}")


@app.command()
@friendly_errors
def practice(
    person: PersonOption = None,
    minutes: Annotated[
        int | None, typer.Option(help="Minutes you have now (default: your daily minutes).")
    ] = None,
    written: Annotated[
        bool, typer.Option("--written", help="Answer a written scenario now and get feedback on your reply.")
    ] = False,
    skill: Annotated[
        str | None,
        typer.Option(metavar="SKILL", help="With --written: the skill to practise (e.g. validation)."),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option(metavar="ID", help="Answer this scenario (implies --written).")
    ] = None,
    score: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help='Score a file of replies instead: JSON lines {"scenario": ID, "reply": TEXT} or '
            '{"message": TEXT, "reply": TEXT}; prints one JSON line of feedback each. Nothing is stored.',
        ),
    ] = None,
) -> None:
    """Get today's exercise and why it was chosen, do it, then rate it.

    Your rating and whether you did it teach attunement what helps you. Written
    exercises come with a message to answer: you get feedback on the empathy in
    your reply, can try again, and the change in your skill is measured.

    Example: attune practice --minutes 5

    More: attune practice --written --skill validation · attune practice --score replies.jsonl
    """
    if score is not None:
        _score_file(score)
        return
    service = practice_service()
    handle = resolve_person(service, person)
    if written or skill or scenario:
        written_service = _written_service(service)
        if scenario:
            chosen, reason = written_service.scenario(scenario), None
        else:
            choice = written_service.next_scenario(handle, skill=skill)
            chosen, reason = choice.scenario, choice.reason
        show_scenario(out, chosen, reason)
        result = written_session(
            out, written_service, handle, chosen, ask=typer.prompt, confirm=typer.confirm
        )
        if result is None or not result.paused:
            out.print("See your measured progress with [bold]attune progress[/bold].")
        return
    while True:
        suggestion = service.next_exercise(handle, minutes=minutes)
        _show_suggestion(suggestion)
        if suggestion.exercise.modality is Modality.WRITTEN_REPLY:
            written_service = _written_service(service)
            choice = written_service.next_scenario(handle, skill=suggestion.exercise.skills[0])
            show_scenario(out, choice.scenario)
            result = written_session(
                out,
                written_service,
                handle,
                choice.scenario,
                ask=typer.prompt,
                confirm=typer.confirm,
                recommendation_id=suggestion.recommendation_id,
            )
            if result is not None and result.paused:
                return
        done = typer.confirm("\nDid you do it?", default=True)
        rating = reflection = None
        if done:
            rating = _ask_int("How helpful was it? 1 (not at all) to 5 (very)", 1, 5)
            reflection = typer.prompt(
                suggestion.exercise.follow_up + " (optional)", default="", show_default=False
            )
            screen = _screen(reflection) if reflection else None
            if screen is not None and screen.flagged:
                show_crisis(out, screen)
                service.record_attempt(suggestion.recommendation_id, completed=done, rating=rating)
                return
        attempt = service.record_attempt(
            suggestion.recommendation_id, completed=done, rating=rating, reflection=reflection or None
        )
        note = " Your reflection is saved, encrypted." if attempt.reflection_stored else ""
        if attempt.skill_change is not None:
            skill_name = suggestion.exercise.skills[0].label.lower()
            note += f" Measured change in {skill_name}: {attempt.skill_change:+.2f}."
        out.print(f"[green]Recorded.[/green]{note}")
        if not typer.confirm("Another one?", default=False):
            break
    out.print(
        "See how you are growing with [bold]attune progress[/bold]. Talking it over with someone helps too."
    )


def _written_service(service: PracticeService) -> WrittenPracticeService:
    from attunement.services.written import WrittenPracticeService

    return WrittenPracticeService(service, _text_service())


def _screen(text: str) -> CrisisScreen:
    return _text_service().screen(text)


def _score_file(path: Path) -> None:
    from attunement.services.written import FeedbackService

    service = FeedbackService(_text_service())
    items = read_replies(path, service)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("Scoring replies", total=len(items))
        results = service.read_many(items, advance=lambda n: bar.advance(task, n))
    for line in score_lines(results):
        print(line)


@app.command()
@friendly_errors
def progress(person: PersonOption = None) -> None:
    """Show each skill's estimate, its change, and your practice over the last 8 weeks.

    Example: attune progress --person demo
    """
    service = practice_service()
    handle = resolve_person(service, person)
    report = service.progress(handle)
    table = Table(title=f"Progress for {handle}")
    table.add_column("Skill", min_width=14, ratio=1)
    table.add_column("Estimate", justify="right", no_wrap=True)
    table.add_column("Change", justify="right", no_wrap=True)
    table.add_column("8 weeks", no_wrap=True)
    table.add_column("30 d", justify="right", no_wrap=True)
    table.add_column("Written", justify="right", no_wrap=True)
    table.add_column("Rating", justify="right", no_wrap=True)
    table.add_column("Last", no_wrap=True)
    peak = max((max(r.weekly_counts) for r in report.skills), default=0) or 1
    for row in sorted(report.skills, key=lambda r: r.estimate.mean):
        spark = "".join(SPARK[round(c / peak * (len(SPARK) - 1))] for c in row.weekly_counts)
        colour = "green" if row.change > 0.05 else "red" if row.change < -0.05 else "white"
        table.add_row(
            row.skill.label,
            _estimate(row.estimate),
            f"[{colour}]{row.shown_change:+.1f}[/]",
            spark,
            str(row.practised_30d),
            f"{row.written_30d} · {row.mean_score:.2f}" if row.mean_score is not None else "–",
            f"{row.mean_rating:.1f}" if row.mean_rating else "–",
            row.last_practised.strftime("%d %b") if row.last_practised else "–",
        )
    out.print(table)
    out.print(
        "[dim]Estimate: 1-5 with its uncertainty, from the questionnaire and your scored written replies. "
        "Change: since first measured. 30 d: exercises done. Written: replies in 30 days · "
        "mean empathy score (0-1) of the last five.[/dim]"
    )
    rating = f", average rating {report.mean_rating:.1f}" if report.mean_rating else ""
    out.print(
        f"{report.completed} {'exercise' if report.completed == 1 else 'exercises'} done of "
        f"{report.suggested} suggested{rating}; questionnaire taken {report.assessments} "
        f"{'time' if report.assessments == 1 else 'times'}; {report.written} written "
        f"{'reply' if report.written == 1 else 'replies'} scored."
    )


@app.command()
@friendly_errors
def demo(
    practice_now: Annotated[
        bool, typer.Option("--practice/--no-practice", help="Start a practice session afterwards.")
    ] = True,
) -> None:
    """Create a demo person with a month of plausible history, then practise as them.

    Safe to run again: the demo person is created once.

    Example: attune demo --no-practice && attune progress --person demo
    """
    from attunement.services import DEMO_HANDLE, seed_demo

    service = practice_service()
    person = seed_demo(service)
    out.print(
        f"The demo person '{person.handle}' is ready, with four weeks of practice and a partner, 'alex' "
        "(try: attune support --person demo)."
    )
    if practice_now:
        practice(person=DEMO_HANDLE, minutes=None)


def _text_service() -> TextService:
    return TextService(get_settings())


def _print_analysis(result: Analysis) -> None:
    data = result.to_dict()
    probabilities = data["emotion_probabilities"]
    emotions = ", ".join(f"{e} {probabilities[e]:.2f}" for e in result.emotions if e in probabilities)
    out.print(f"[bold]Emotions:[/bold] {emotions or 'neutral'}")
    top_sentiment = max(result.sentiment, key=lambda k: result.sentiment[k])
    out.print(f"[bold]Sentiment:[/bold] {top_sentiment}")
    if result.empathy is not None:
        levels = ", ".join(f"{m.replace('_', ' ')} {label.label}" for m, label in result.empathy.items())
        out.print(f"[bold]Empathy in the reply:[/bold] {levels}")
    if result.reply_strategy is not None:
        out.print(f"[bold]The reply's strategy:[/bold] {result.reply_strategy.label}")
    out.print(f"[bold]A good next step for a supporter:[/bold] {result.next_strategy.label}")
    if result.crisis.flagged:
        out.print(Panel(result.crisis.message(), title="Support is available", border_style="yellow"))
    for note in result.notes:
        out.print(f"[dim]{note}[/dim]")


@app.command()
@friendly_errors
def analyze(
    text: Annotated[str | None, typer.Argument(help="The text to read (omit with --file).")] = None,
    reply_to: Annotated[
        str | None,
        typer.Option(metavar="TEXT", help="The message TEXT replies to: adds empathy and strategy."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Analyse every line of FILE (or JSON lines with text/reply_to)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a summary.")] = False,
) -> None:
    """Read the emotions in a text, the empathy of a reply, the support strategy that fits next.

    Runs on this computer; nothing is sent anywhere or stored.

    Example: attune analyze "I finally told my sister how I feel" --reply-to "I'm scared to tell her"
    """
    service = _text_service()
    if file is not None:
        texts, replies = _read_batch(file)
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("Analysing", total=len(texts))
            results = service.analyze_many(texts, replies, advance=lambda n: progress.advance(task, n))
        for result in results:
            print(json.dumps(result.to_dict()))
        return
    if text is None:
        raise InvalidInputError("Give a text to analyse, or --file with one text per line.")
    result = service.analyze(text, reply_to)
    if as_json:
        print(json.dumps(result.to_dict()))
    else:
        _print_analysis(result)


def _read_batch(path: Path) -> tuple[list[str], list[str | None]]:
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as error:
        raise InvalidInputError(f"Cannot read {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path} is not UTF-8 text.") from None
    texts: list[str] = []
    replies: list[str | None] = []
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("{"):
            try:
                record = json.loads(line)
                texts.append(str(record["text"]))
                replies.append(str(record["reply_to"]) if record.get("reply_to") else None)
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InvalidInputError(
                    f"{path}, line {number}: expected a JSON object with a 'text'."
                ) from None
        else:
            texts.append(line)
            replies.append(None)
    if not texts:
        raise InvalidInputError(f"{path} has no text to analyse.")
    return texts, replies


@app.command(name="eval")
@friendly_errors
def evaluate(
    task: Annotated[
        str, typer.Option(metavar="TASK", help="emotion, empathy, next-strategy or reply-strategy.")
    ],
    data: Annotated[
        Path,
        typer.Option(
            metavar="PATH",
            help="GoEmotions TSV, EPITOME folder or CSV, or ESConv JSON lines, in the original format.",
        ),
    ],
    dev_split: Annotated[
        bool,
        typer.Option(
            "--dev-split",
            help="EPITOME only: score the seeded fifth of the pairs (the shipped head saw all of them).",
        ),
    ] = False,
) -> None:
    """Score a shipped text model on a data set and print one JSON object with its metrics.

    Example: attune eval --task emotion --data ../shared/data/goemotions/dev.tsv
    """
    service = _text_service()
    with Progress(console=err, transient=True) as progress:
        bar = progress.add_task(f"Evaluating {task}", total=None)
        report = service.evaluate(
            task,
            data,
            dev_split=dev_split,
            advance=lambda done, total: progress.update(bar, completed=done, total=total),
        )
    print(json.dumps(report))


@app.command()
@friendly_errors
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes.")] = 1,
    demo: Annotated[
        bool,
        typer.Option("--demo", help=f"Add the demo people, signing in with the password {DEMO_PASSWORD!r}."),
    ] = False,
) -> None:
    """Run the web app: pages at /, the JSON API under /api/v1 (docs at /api/v1/docs).

    Example: attune serve --demo
    """
    from attunement.cli import serving

    service = practice_service()  # open (and migrate) the database once, before the workers start
    if demo:
        from attunement.services import seed_demo
        from attunement.services.accounts import AccountService

        person = seed_demo(service)
        AccountService(service).ensure_password([person.handle, "alex"], DEMO_PASSWORD)
        out.print(
            f"Demo people: [bold]{person.handle}[/bold] and [bold]alex[/bold], password {DEMO_PASSWORD!r}."
        )
    out.print(f"attunement is at http://{host}:{port}/ (Ctrl+C stops it).")
    serving.run(host, port, workers)


app.add_typer(partner_app, name="partner")
app.add_typer(privacy_app, name="privacy")
app.add_typer(keys_app, name="keys")
app.command()(checkin)
app.command()(support)
app.command()(patterns)


def main() -> None:
    """Entry point of the ``attune`` console script."""
    app()


if __name__ == "__main__":
    main()
