"""Times as every service stores and compares them: timezone-aware, in UTC.

>>> from datetime import datetime
>>> aware(datetime(2026, 1, 1)).tzinfo is not None
True
"""

from __future__ import annotations

from datetime import UTC, datetime


def aware(moment: datetime) -> datetime:
    """``moment`` with UTC attached when it has no zone (SQLite hands back naive datetimes)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def now(at: datetime | None = None) -> datetime:
    """``at`` made aware, or the current time."""
    return aware(at) if at else datetime.now(UTC)
