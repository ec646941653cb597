"""attunement: local-first personalization for empathy practice and support between partners.

Examples
--------
>>> import attunement
>>> attunement.__version__
'0.1.0'
"""

from __future__ import annotations

from attunement.coach import Coach
from attunement.errors import AttunementError

__version__ = "0.1.0"
__all__ = ["AttunementError", "Coach", "__version__"]
