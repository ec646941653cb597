"""Bandit statistics kept in ``policy_states``: loaded and saved the same way for every policy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from attunement.personalize.policy import POLICY_VERSION, SufficientStats, ThompsonPolicy
from attunement.personalize.support import SUPPORT_POLICY_VERSION, SupportChooser
from attunement.store import repositories as repo
from attunement.store.tables import PolicyStateRow

SUPPORT_POPULATION_KEY = "support:population"
"""The statistics of what helped across every pair; a pair's own keys start with ``support:`` too."""


def pair_key(pair_id: str, supported_id: str) -> str:
    """The key of what one pair's ratings taught the support policy about the supported partner."""
    return f"support:{pair_id[:16]}:{supported_id[:16]}"


def load_stats(
    session: Session, key: str, policy: ThompsonPolicy, version: str, *, for_update: bool = False
) -> SufficientStats:
    """The statistics stored under ``key``; fresh ones when none are stored or they are of another version."""
    row = repo.policy_state(session, key, for_update=for_update)
    if row is None or row.policy_version != version or row.n_features != policy.n_features:
        return policy.new_stats()
    return SufficientStats.from_bytes(row.stats, policy.n_features)


def load_many(
    session: Session, keys: tuple[str, ...], policy: ThompsonPolicy, version: str
) -> tuple[SufficientStats, ...]:
    """The statistics under each of ``keys``, as :func:`load_stats` reads them, in one query."""
    stored = repo.policy_blobs(session, keys)
    loaded = []
    for key in keys:
        found = stored.get(key)
        if found is None or found[0] != version or found[1] != policy.n_features:
            loaded.append(policy.new_stats())
        else:
            loaded.append(SufficientStats.from_bytes(found[2], policy.n_features))
    return tuple(loaded)


def save_stats(
    session: Session,
    key: str,
    stats: SufficientStats,
    policy: ThompsonPolicy,
    version: str,
    person_id: str | None,
) -> None:
    """Store ``stats`` under ``key`` (tied to ``person_id``, so deleting the person deletes them)."""
    row = repo.policy_state(session, key)
    if row is None:
        row = PolicyStateRow(key=key, person_id=person_id)
        session.add(row)
    row.policy_version = version
    row.n_features = policy.n_features
    row.stats = stats.to_bytes()


def forget(session: Session, person_id: str) -> int:
    """Delete the person's statistics and subtract from everyone's what they added there.

    Each outcome was added to the person's (or their pair's) statistics and, at the same time, to
    the shared ones, as much of it as the person's own weights leave unexplained
    (:meth:`ThompsonPolicy.population_share`, which depends only on the person's own statistics).
    So the subtraction removes exactly what they taught everyone. Returns how many outcomes
    were forgotten.
    """
    forgotten = 0
    for row in session.scalars(select(PolicyStateRow).where(PolicyStateRow.person_id == person_id)).all():
        shared_key = SUPPORT_POPULATION_KEY if row.key.startswith("support:") else repo.POPULATION_KEY
        shared = repo.policy_state(session, shared_key, for_update=True)
        mine = SufficientStats.from_bytes(row.stats, row.n_features)
        if shared and (shared.policy_version, shared.n_features) == (row.policy_version, row.n_features):
            everyone = SufficientStats.from_bytes(shared.stats, shared.n_features)
            share = _share(row.policy_version, mine)
            left = SufficientStats(everyone.A - share.A, everyone.b - share.b, max(everyone.n - mine.n, 0))
            shared.stats = left.to_bytes()
        forgotten += mine.n
        session.delete(row)
    session.flush()
    return forgotten


def _share(version: str, mine: SufficientStats) -> SufficientStats:
    """What ``mine`` added to everyone's statistics under the policy of ``version``: practice's and
    support's default policies (the services use no other); all of it for earlier, pooled versions."""
    if version == POLICY_VERSION:
        return ThompsonPolicy().population_share(mine)
    if version == SUPPORT_POLICY_VERSION:
        return SupportChooser().policy.population_share(mine)
    return mine
