"""Text normalization shared by the parser and the normalize pipeline.

Pages mix NBSP, U+3000 ideographic spaces, zero-width characters and source-code line
breaks into paragraphs; analysts want one clean form so that hashes and dedupe agree.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and BOM characters carry no text; WeChat editors sprinkle them everywhere.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u3000\u2002\u2003\u2009\u202f\u205f\t\r\f\v"), " ")
# The same two maps as regexes: str.translate with a dict costs ~0.1 µs per character,
# most paragraphs hold none of these characters, and re finds that in C.
_ZERO_WIDTH_RE = re.compile("[" + "".join(map(chr, _ZERO_WIDTH)) + "]")
_SPACES_RE = re.compile("[" + "".join(map(chr, _SPACES)) + "]")
_ODD_RE = re.compile(_ZERO_WIDTH_RE.pattern[:-1] + _SPACES_RE.pattern[1:])
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
# A line break between two CJK characters is a source-code artefact, not a space.
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])")
_RUNS = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """One paragraph: NFC, odd spaces folded, zero-width dropped, trimmed, single-spaced."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if _ODD_RE.search(text):  # == .translate(_ZERO_WIDTH).translate(_SPACES), in C
        text = _SPACES_RE.sub(" ", _ZERO_WIDTH_RE.sub("", text))
    if "\n" in text:
        text = _CJK_BREAK.sub("", text)
    return _RUNS.sub(" ", text).strip()


def clean_paragraphs(text: str) -> str:
    """Multi-paragraph text: each line cleaned, empty lines dropped, joined by '\\n'."""
    if not text:
        return ""
    lines = (clean_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_HASH_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def hash_form(text: str) -> str:
    """The form used for content hashes: letters and digits only, so punctuation,
    full-width/half-width brackets and spacing differences between copies do not matter."""
    return _HASH_DROP.sub("", unicodedata.normalize("NFKC", text or "")).lower()
