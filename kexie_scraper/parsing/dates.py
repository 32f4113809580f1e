"""Dates as pages write them → ISO 8601 in China time (+08:00)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

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


# A date as pages write it, with an optional time: 2020-06-12 10:30, 2019/5/8, 2025年05月19日.
_DATE_VALUE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
# A date next to a link in a list: any form above, or the old CAST jcms day-first form
# `25 2021/03` (day in one tag, year/month in the next; RSSHub reads it as DDYYYY/MM).
_LIST_DATE = re.compile(_DATE_VALUE)
_DAY_FIRST = re.compile(r"(?<!\d)(\d{1,2})\s*(\d{4})\s*[/.-]\s*(\d{1,2})(?![\d/.-])")


def list_date(text: str | None) -> date | None:
    """The date of a list entry (day precision), or None."""
    if not text:
        return None
    match = _LIST_DATE.search(text)
    found = parse_date(match.group(0)) if match else None
    if not found and (match := _DAY_FIRST.search(text)):
        day, year, month = match.groups()
        found = _build((year, month, day, None, None, None))
    return date.fromisoformat(found[:10]) if found else None


# A date the page labels as its own (`时间:2025年05月19日`, `发布时间：2020-06-12 10:30`);
# greetings (`今天是…`, `当前时间：…`) are the site's clock, never the article's date.
_LABELLED = re.compile(r"(?<!当前)(?<!现在)(?<!北京)(?:发布|更新|发稿|成文)?(?:时间|日期)\s*[:：]\s*(" + _DATE_VALUE + ")")
GREETING = re.compile(r"(?:今天是|今日|当前时间\s*[:：]|现在时间\s*[:：]|北京时间\s*[:：]?)\s*" + _DATE_VALUE)


def labelled_date(text: str | None) -> str | None:
    """The first date introduced by a 时间/日期 label, as ISO 8601, or None."""
    if not text:
        return None
    for match in _LABELLED.finditer(text):
        found = parse_date(match.group(1))
        if found:
            return found
    return None


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
