"""Traditional → simplified, for *matching* only: output text stays as the page wrote it.

Patterns (科协, 供稿 …) and the region table are simplified; a page in 繁體 (科協, 臺山市)
is matched through OpenCC's t2s conversion, the field's standard converter. Texts with
no traditional-only character skip the converter entirely.

Characters of current place names are simplified Chinese as written (乾 of 乾安县 and 乾县),
so they come out of the conversion as they went in, even where t2s would change them
(乾 → 干): a mixed text such as 乾安县科協 must still name 乾安县.
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


@lru_cache(maxsize=1)
def _place_name_chars() -> frozenset[str]:
    from importlib import resources

    text = resources.files("kexie_scraper").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    return frozenset(c for line in text.splitlines()[1:] for c in line.split("\t")[1])


@lru_cache(maxsize=1)
def _place_name_char_split() -> re.Pattern[str]:
    """Splits a text around its place-name characters, each kept as a part of its own."""
    return re.compile("([" + "".join(re.escape(c) for c in sorted(_place_name_chars())) + "])")


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
        return _convert_around_place_chars(text)
    # Excluding place-name characters from _traditional_chars only decides *whether* a text is
    # converted; once another character (協) sends it through OpenCC, the whole text is
    # converted and 乾安县科協 would read 干安县科协. Put each place-name character back where
    # the conversion changed it; the conversion is length-preserving here, so positions match.
    # (A plain loop: ~8 µs a 100-character paragraph, against OpenCC's ~10 µs; the rebuild
    # runs only for the rare text where a place-name character was changed.)
    keep = _place_name_chars()
    for a, b in zip(text, converted):
        if a != b and a in keep:
            return "".join(a if a in keep else b for a, b in zip(text, converted))
    return converted


def _convert_around_place_chars(text: str) -> str:
    """The conversion when a phrase rule changed the text's length, so positions can't be
    matched up: convert the runs between place-name characters one by one (each still whole,
    so phrase rules inside a run apply), keep the place-name characters as they are, and
    convert character by character only a run whose own length changed. Phrase rules that
    span a place-name character are lost, which the per-character fallback lost anyway."""
    keep = _place_name_chars()
    convert = _converter().convert
    parts = []
    for part in _place_name_char_split().split(text):
        if not part or part in keep:  # split() alternates runs and single place-name characters
            parts.append(part)
            continue
        converted = convert(part)
        if len(converted) != len(part):
            converted = "".join(convert(c) for c in part)
        parts.append(converted)
    return "".join(parts)
