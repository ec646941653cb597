"""What attunement collects and why (generated from the schema), and what it believes about a person:
per-skill estimates with their uncertainty, the practice policy's leanings and the features it uses,
and, for a supported partner, which kinds of support their map and ratings favour. A person can correct a
skill estimate; :class:`~attunement.services.privacy.PrivacyService` resets what the suggestions
learned from them (the category ``personalization``).

Examples
--------
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY, PracticeService
>>> practice = PracticeService.open(Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY))
>>> _ = practice.create_person("sam")
>>> beliefs = BeliefService(practice).beliefs("sam")
>>> beliefs.skills[0].source, beliefs.outcomes
('starting point', 0)
>>> [t.name for t in collected()][:2]
['people', 'person_keys']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from attunement.domain.assessment import SCALE_MAX, SCALE_MIN
from attunement.domain.consent import Purpose
from attunement.domain.privacy import AuditAction, DataCategory
from attunement.domain.skills import SKILLS, Skill
from attunement.domain.support import StressContext
from attunement.errors import InvalidInputError
from attunement.personalize.explain import feature_label
from attunement.personalize.features import FEATURE_NAMES
from attunement.personalize.policy import POLICY_VERSION
from attunement.personalize.support import SUPPORT_POLICY_VERSION, SupportChooser, kind_leanings, pair_beliefs
from attunement.services import audit
from attunement.services.clock import aware, now
from attunement.services.partners import belief_model, stated_map
from attunement.services.policy_state import SUPPORT_POPULATION_KEY, load_stats, pair_key
from attunement.services.practice import PracticeService
from attunement.store import partners as pairs
from attunement.store import repositories as repo
from attunement.store.crypto import EncryptedText
from attunement.store.tables import PERSONAL_TABLES, Base, SkillEstimateRow

CORRECTION_SD = 0.5
"""How sure a self-correction is taken to be: later measurements move it, but not at once."""
MIN_LEANING = 0.01
SOURCES = {"assessment": "your assessment", "written": "your written practice", "you": "your correction"}


@dataclass(frozen=True, slots=True)
class Field:
    """One column, in words, and whether it is stored encrypted."""

    name: str
    meaning: str
    encrypted: bool


@dataclass(frozen=True, slots=True)
class Collected:
    """One table described for people: what it holds, why, under which consent, and for how long."""

    name: str
    what: str
    why: str
    category: DataCategory
    purpose: Purpose | None
    kept: str
    about_you: bool
    fields: tuple[Field, ...]


def collected() -> list[Collected]:
    """Every table of the schema, described from its own declaration (so this cannot drift)."""
    personal = {model.__table__.name for model in PERSONAL_TABLES}  # type: ignore[attr-defined]
    models = {str(getattr(m.local_table, "name", "")): m.class_ for m in Base.registry.mappers}
    out = []
    for category in DataCategory:
        for table in Base.metadata.tables.values():  # in the order they are declared
            info = table.info
            if info["category"] is not category:
                continue
            doc = (models[table.name].__doc__ or "").strip().splitlines()[0]
            out.append(
                Collected(
                    name=table.name,
                    what=doc,
                    why=info["why"],
                    category=category,
                    purpose=Purpose(info["purpose"]) if info["purpose"] else None,
                    kept=info["kept"],
                    about_you=table.name in personal,
                    fields=tuple(
                        Field(c.name, info["fields"][c.name], isinstance(c.type, EncryptedText))
                        for c in table.columns
                    ),
                )
            )
    return out


def collected_markdown() -> str:
    """:func:`collected` as Markdown, for ``attune privacy collected`` and ``docs/privacy.md``."""
    lines: list[str] = []
    for category in DataCategory:
        tables = [t for t in collected() if t.category is category]
        lines += [f"### {category.label}", "", category.description, ""]
        for t in tables:
            consent = (
                f" Only with your consent to *{t.purpose.value.replace('_', ' ')}*." if t.purpose else ""
            )
            lines += [f"**{t.what}** (`{t.name}`) {t.why}{consent} Kept {t.kept}.", ""]
            lines += [f"- `{f.name}`: {f.meaning}" for f in t.fields]
            lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class SkillBelief:
    """The current estimate of one skill, with where it came from."""

    skill: Skill
    mean: float
    sd: float
    source: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class Leaning:
    """How much one feature counts for this person's suggestions, and for everyone's."""

    feature: str
    label: str
    yours: float
    everyone: float

    @property
    def learned(self) -> float:
        """What this person's own outcomes changed (positive: counts more for them)."""
        return self.yours - self.everyone


@dataclass(frozen=True, slots=True)
class Beliefs:
    """Everything attunement currently believes about a person."""

    skills: tuple[SkillBelief, ...]
    personalization: bool
    outcomes: int
    """Outcomes the practice suggestions learned from, for this person."""
    leanings: tuple[Leaning, ...]
    """Features the practice policy uses, those this person's outcomes moved most first."""
    support: tuple[Leaning, ...]
    """Kinds of support, as this person's support map and ratings of their partner's support weigh them."""
    support_ratings: int
    doubted_lines: tuple[StressContext, ...] = ()
    """Lines of their support map that the rest of it and their ratings suggest may not fit them."""
    map_reading: str = ""
    """How support maps are read here, when a partner supports them: hand-set, or fitted to how many
    maps, with the shares it found (``BeliefModel.describe``)."""


class BeliefService:
    """Shows, corrects and resets what attunement believes about a person."""

    def __init__(self, practice: PracticeService) -> None:
        self.practice = practice
        self.support_policy = SupportChooser().policy

    def beliefs(self, handle: str) -> Beliefs:
        """The person's skill estimates, practice leanings and support leanings (nothing is logged:
        it is their own data)."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            consents = repo.latest_consents(session, person.id)
            policy = self.practice.recommender.policy
            mine = load_stats(session, repo.person_policy_key(person.id), policy, POLICY_VERSION)
            everyone = load_stats(session, repo.POPULATION_KEY, policy, POLICY_VERSION)
            yours, _ = policy.person_posterior(mine, everyone)
            population = policy.population_mean(everyone)
            leanings = sorted(
                (
                    Leaning(name, feature_label(name), float(yours[i]), float(population[i]))
                    for i, name in enumerate(FEATURE_NAMES)
                    if name != "bias"
                ),
                key=lambda lean: -abs(lean.learned),
            )
            support, ratings, doubted, reading = self._support(session, person.id)
            return Beliefs(
                skills=self._skills(session, person.id),
                personalization=consents.get(Purpose.PERSONALIZATION.value, False),
                outcomes=mine.n,
                leanings=tuple(leanings),
                support=support,
                support_ratings=ratings,
                doubted_lines=doubted,
                map_reading=reading,
            )

    def _skills(self, session: Session, person_id: str) -> tuple[SkillBelief, ...]:
        latest: dict[str, SkillEstimateRow] = {
            row.skill: row for row in repo.estimate_history(session, person_id)
        }
        estimates = self.practice.estimates_in(session, person_id)
        out = []
        for skill in SKILLS:
            row = latest.get(skill.value)
            source = SOURCES.get(row.source, row.source) if row else "starting point"
            since = aware(row.recorded_at) if row else None
            out.append(SkillBelief(skill, estimates[skill].mean, estimates[skill].sd, source, since))
        return tuple(out)

    def _support(
        self, session: Session, person_id: str
    ) -> tuple[tuple[Leaning, ...], int, tuple[StressContext, ...], str]:
        pair = pairs.active_pair(session, person_id)
        if pair is None:
            return (), 0, (), ""
        mine = load_stats(session, pair_key(pair.id, person_id), self.support_policy, SUPPORT_POLICY_VERSION)
        everyone = load_stats(session, SUPPORT_POPULATION_KEY, self.support_policy, SUPPORT_POLICY_VERSION)
        supported = stated_map(session, person_id)
        model = belief_model(session)
        beliefs = pair_beliefs(self.support_policy, supported, mine, everyone, model)
        weights = kind_leanings(self.support_policy, mine, everyone, beliefs)
        leanings = [Leaning(kind.value, kind.label, yours, all_) for kind, (yours, all_) in weights.items()]
        ranked = tuple(sorted(leanings, key=lambda lean: -lean.yours))
        return ranked, mine.n, beliefs.doubted(), model.describe()

    def correct_skill(
        self, handle: str, skill: Skill | str, level: float, *, at: datetime | None = None
    ) -> SkillBelief:
        """Set the estimate of ``skill`` to ``level`` (1-5), as the person sees themselves; later
        practice moves it as it would any estimate. Raises :class:`InvalidInputError` for an unknown
        skill or a level off the scale."""
        try:
            chosen = Skill(skill)
        except ValueError:
            known = ", ".join(s.value for s in SKILLS)
            raise InvalidInputError(f"'{skill}' is not a skill; known ones are {known}.") from None
        if not SCALE_MIN <= level <= SCALE_MAX:
            raise InvalidInputError(f"A skill level is between {SCALE_MIN:g} and {SCALE_MAX:g}.")
        moment = now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            before = self.practice.estimates_in(session, person.id)[chosen].mean
            session.add(
                SkillEstimateRow(
                    person_id=person.id,
                    skill=chosen.value,
                    mean=float(level),
                    variance=CORRECTION_SD**2,
                    source="you",
                    recorded_at=moment,
                )
            )
            what = f"{chosen.label} from {before:.1f} to {level:.1f}"
            audit.record(session, person.id, AuditAction.CORRECT, {"what": what}, actor_id=person.id, at=at)
        return SkillBelief(chosen, float(level), CORRECTION_SD, SOURCES["you"], moment)


__all__ = [
    "Beliefs",
    "BeliefService",
    "Collected",
    "Field",
    "Leaning",
    "SkillBelief",
    "collected",
    "collected_markdown",
]
