"""Traditional → simplified, for *matching* only: output text stays as the page wrote it.

Patterns (科协, 供稿 …) and the region table are simplified; a page in 繁體 (科協, 臺山市)
is matched through OpenCC's t2s conversion, the field's standard converter. Texts with
no traditional-only character skip the converter entirely.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> re.Pattern[str]:
    """The CJK characters that t2s changes, as one character class."""
    chars = "".join(chr(i) for i in range(0x3400, 0xA000))
    converted = _converter().convert(chars)
    if len(converted) != len(chars):  # a phrase rule changed the length: fall back to per-char
        changed = [c for c in chars if _converter().convert(c) != c]
    else:
        changed = [a for a, b in zip(chars, converted) if a != b]
    # Characters that simplified Chinese uses as they are (乾 of 乾安县, 乾县) must not be
    # "simplified" to 干: every character of a current place name is such a character.
    keep = _place_name_chars()
    return re.compile("[" + "".join(re.escape(c) for c in changed if c not in keep) + "]")


def _place_name_chars() -> set[str]:
    from importlib import resources

    text = resources.files("kexie_scraper").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    return {c for line in text.splitlines()[1:] for c in line.split("\t")[1]}


def has_traditional(text: str | None) -> bool:
    return bool(text) and _traditional_chars().search(text) is not None


# Longer texts are converted each time rather than kept: the cache must not hold on to a
# whole oversized page.
_CACHED_LENGTH = 2000


def to_simplified(text: str) -> str:
    """Simplified form of ``text``; the same string object when nothing needs converting."""
    # The search is has_traditional's, inlined: this runs for nearly every line matched.
    if not text or _traditional_chars().search(text) is None:
        return text
    return _convert(text) if len(text) <= _CACHED_LENGTH else _convert.__wrapped__(text)


@lru_cache(maxsize=1024)
def _convert(text: str) -> str:
    """OpenCC costs ~25 µs a paragraph, and a 繁體 page's paragraphs are matched again and
    again (metadata, each split rule, attributions, regions): convert each text once."""
    converted = _converter().convert(text)
    # Keep positions aligned with the original so matches can slice the original text.
    if len(converted) != len(text):
        converted = "".join(_converter().convert(c) for c in text)
    return converted
