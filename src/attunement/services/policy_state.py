"""Bandit statistics kept in ``policy_states``: loaded and saved the same way for every policy."""

from __future__ import annotations

from sqlalchemy.orm import Session

from attunement.personalize.policy import SufficientStats, ThompsonPolicy
from attunement.store import repositories as repo
from attunement.store.tables import PolicyStateRow


def load_stats(
    session: Session, key: str, policy: ThompsonPolicy, version: str, *, for_update: bool = False
) -> SufficientStats:
    """The statistics stored under ``key``; fresh ones when none are stored or they are of another version."""
    row = repo.policy_state(session, key, for_update=for_update)
    if row is None or row.policy_version != version or row.n_features != policy.n_features:
        return policy.new_stats()
    return SufficientStats.from_bytes(row.stats, policy.n_features)


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
