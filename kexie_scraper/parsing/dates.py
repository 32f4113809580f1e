"""Dates as pages write them → ISO 8601 in China time (+08:00)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8))

_PATTERNS = [
    # 2020-03-25 14:05[:09], 2020/3/25, 2020.03.25, [2020-03-25]
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?(?!\d)"),
    # 2020年3月25日 [14:05]
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:\s*(\d{1,2})[:：](\d{2})(?::(\d{2}))?)?"),
]


def parse_date(text: str | None) -> str | None:
    """The first valid date in ``text`` as ISO 8601 with +08:00, or None."""
    if not text:
        return None
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found = _build(match.groups())
            if found:
                return found
    return None


def _build(groups: tuple[str | None, ...]) -> str | None:
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in groups)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=CHINA_TZ)
    except ValueError:
        return None
    if not 1990 <= year <= 2100:
        return None
    return moment.isoformat()


def from_unix(seconds: str | int | None) -> str | None:
    try:
        value = int(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if value <= 0:
        return None
    return datetime.fromtimestamp(value, CHINA_TZ).isoformat()


def now_iso() -> str:
    return datetime.now(CHINA_TZ).replace(microsecond=0).isoformat()
