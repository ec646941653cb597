"""Write the "every field we keep" section of ``docs/privacy.md`` from the database schema.

Run ``python scripts/privacy_reference.py`` after changing a table; the test suite fails while the
section is out of date (``--check`` reports without writing).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from attunement.services.transparency import collected_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"
SECTION = re.compile(r"(<!-- collected:start -->\n).*(<!-- collected:end -->)", re.S)


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    if not SECTION.search(text):
        print(f"{DOC} lacks the <!-- collected:start --> and <!-- collected:end --> markers", file=sys.stderr)
        return 1
    updated = SECTION.sub(lambda m: m.group(1) + collected_markdown() + m.group(2), text)
    if "--check" in sys.argv:
        if updated != text:
            print(f"{DOC} is out of date; run python scripts/privacy_reference.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
