"""Text normalization shared by the parser and the normalize pipeline.

Pages mix NBSP, U+3000 ideographic spaces, zero-width characters and source-code line
breaks into paragraphs; analysts want one clean form so that hashes and dedupe agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Zero-width and BOM characters carry no text; WeChat editors sprinkle them everywhere.
# (A regex, not str.translate: translate with a table is ~10x slower on CJK strings.)
# Control characters (NUL breaks PostgreSQL text; none is text), lone surrogates (not
# encodable) and U+FFFD (the mark of bytes that did not decode: a loss, not text) go too.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1b\x7f\ud800-\udfff\ufffd]")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
# A line break between two CJK characters is a source-code artefact, not a space.
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])")
_RUNS = re.compile(r"\s+")


# What clean_line would change in an NFC text, besides two spaces in a row and a space at
# either end (checked apart): a zero-width or control character, or whitespace other than
# U+0020. One character class, so that the search scans at C speed: most paragraphs have
# none, and proving it costs less than the two substitutions below. (``\s`` and
# ``str.isspace`` are the same test; no whitespace character lies outside the BMP.)
_OTHER_SPACES = "".join(c for c in map(chr, range(0x10000)) if c.isspace() and c != " ")
_UNCLEAN = re.compile(_ZERO_WIDTH.pattern[:-1] + re.escape(_OTHER_SPACES) + "]")


def clean_line(text: str) -> str:
    """One paragraph: NFC, odd spaces folded, zero-width dropped, trimmed, single-spaced."""
    if not text or text.isspace():  # the indentation between a page's tags: all folds away
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if text[0] != " " and text[-1] != " " and "  " not in text and _UNCLEAN.search(text) is None:
        return text  # already clean: what the substitutions below would return
    text = _ZERO_WIDTH.sub("", text)
    if "\n" in text:
        text = _CJK_BREAK.sub("", text)
    # \s covers NBSP, U+3000 and the other odd spaces: all fold to one ASCII space.
    return _RUNS.sub(" ", text).strip()


def is_blank(value: str | bytes) -> bool:
    """``not value.strip()``, without copying a whole page to learn it: a value that opens
    with a character ``strip`` keeps is not blank (str and bytes each test the same
    whitespace in ``isspace`` as in ``strip``)."""
    return not value or (value[:1].isspace() and not value.strip())


def clean_paragraphs(text: str) -> str:
    """Multi-paragraph text: each line cleaned, empty lines dropped, joined by '\\n'."""
    if not text:
        return ""
    lines = (clean_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_HASH_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


# Full-width ASCII punctuation (，：；（）！？ …) and U+3000: NFKC maps each to ASCII
# punctuation or a space, which hash_form drops anyway. They are starters that compose
# with nothing, so putting a space in their place first gives the same hash form — and
# leaves most Chinese text already NFKC-normal, which skips CPython's slow full
# normalization (~55 µs for a 160-character paragraph with one '，'; ~0.1 µs to check).
_FULLWIDTH_PUNCT = re.compile("[\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff5e\u3000]")


def hash_form(text: str) -> str:
    """The form used for content hashes: letters and digits only, so punctuation,
    full-width/half-width brackets and spacing differences between copies do not matter.
    Equal to ``_HASH_DROP.sub("", NFKC(text)).lower()`` (a property test holds them equal)."""
    if not text:
        return ""
    text = _FULLWIDTH_PUNCT.sub(" ", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _drop_non_word(text).lower()


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _drop_non_word(text: str) -> str:
    """``_HASH_DROP.sub("", text)``: what is left is the characters it keeps, which the
    explicit class of _bmp_word_runs finds ~3x faster in a text without astral characters."""
    if _ASTRAL.search(text) is None:
        return "".join(_bmp_word_runs().findall(text))
    return _HASH_DROP.sub("", text)


@lru_cache(maxsize=1)
def _bmp_word_runs() -> re.Pattern[str]:
    """Runs of the BMP characters that _HASH_DROP keeps, as ranges of code points. sre
    tests such a class with a bitmap, where ``[\\s\\W_]`` costs up to four Unicode
    property look-ups a character. Built from _HASH_DROP itself, character by character,
    so the two agree on this Python's Unicode data (~30 ms, once)."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if _HASH_DROP.match(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges) + "]+")
