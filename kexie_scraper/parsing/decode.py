"""Page bytes → text, the way Scrapy would, with a rescue for mis-declared charsets.

w3lib follows BOM → HTTP header → <meta> → default, and maps gb2312/gbk onto gb18030.
A wrong header still wins there. Two repairs, in order:

1. The header and the page's own declaration (BOM or <meta>) disagree: let the bytes
   decide. Bytes that are valid UTF-8 and not plain ASCII are UTF-8 (GBK text almost
   never is); otherwise the first declaration the bytes decode under without error.
   This catches GBK pages sent as ``charset=utf-8`` or ``ISO-8859-1``, and UTF-8 pages
   sent as ``charset=gbk`` — those garble silently, as GB18030 accepts most UTF-8 bytes.
2. The text still has U+FFFD soup (no usable declaration at all): BeautifulSoup's
   ``UnicodeDammit`` tries GB18030, UTF-8 and Big5, and we keep whichever lost less.
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_SINGLE_BYTE = ("cp125", "windows125", "iso8859", "latin", "ascii", "mac", "koi8")


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding). Never raises on arbitrary bytes."""
    text, encoding, _ = decode_html_utf8(body, content_type)
    return text, encoding


def decode_html_utf8(body: bytes, content_type: str | None = None) -> tuple[str, str, bytes | None]:
    """decode_html's (text, encoding), and ``body`` itself when it is exactly ``text`` in
    UTF-8 (else None): lxml is handed those bytes, and a 40 KB page need not be encoded
    again. That holds when the text is ``body.decode("utf-8", "replace")`` with nothing
    replaced (no U+FFFD: every byte sequence was valid) and nothing cut off (no BOM, no
    XML declaration)."""
    encoding, text = html_to_unicode(content_type, body)
    better = better_encoding(body, content_type, text)
    if better and better != encoding:
        encoding, text = better, to_unicode(body, better)
    declaration = _XML_DECL.match(text)  # what sub(count=1) of an ^-anchored pattern removes
    if declaration:
        return text[declaration.end():], encoding, None
    same = encoding == "utf-8" and not body.startswith(codecs.BOM_UTF8) and "\ufffd" not in text
    return text, encoding, body if same else None


def better_encoding(body: bytes, content_type: str | None, text: str) -> str | None:
    """An encoding that reads ``body`` better than the one that gave ``text`` (Scrapy's), or None."""
    chosen = _settle_conflict(body, content_type)
    if chosen:
        text = to_unicode(body, chosen)
    if text.count("\ufffd") > 3:
        from bs4 import UnicodeDammit  # only on the rare broken page: bs4 is slow to import

        dammit = UnicodeDammit(body, ["gb18030", "utf-8", "big5"], is_html=True)
        markup = dammit.unicode_markup
        if markup is not None and dammit.original_encoding and markup.count("\ufffd") < text.count("\ufffd"):
            return dammit.original_encoding
    return chosen


def _settle_conflict(body: bytes, content_type: str | None) -> str | None:
    """The encoding the bytes support when header and page disagree; None when they agree."""
    header = http_content_type_encoding(content_type) if content_type else None
    page = read_bom(body)[0] or html_body_declared_encoding(body)
    if not header or not page:
        return None
    candidates = [resolve_encoding(header) or header, resolve_encoding(page) or page]
    if candidates[0] == candidates[1]:
        return None
    if "utf-8" in candidates and not body.isascii() and _decodes(body, "utf-8"):
        return "utf-8"
    # Single-byte codecs (a Tomcat `charset=ISO-8859-1` default) accept almost any bytes: last.
    ranked = sorted((c for c in candidates if c != "utf-8"), key=lambda c: c.replace("-", "").startswith(_SINGLE_BYTE))
    return next((c for c in ranked if _decodes(body, c)), None)


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


# Signatures of what is served at article URLs instead of a page: PDF, images, archives,
# Office files, media.
_MAGIC = (b"%PDF-", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
          b"Rar!", b"7z\xbc\xaf", b"\xd0\xcf\x11\xe0", b"II*\x00", b"MM\x00*", b"RIFF", b"\x00\x00\x01\x00",
          b"ID3", b"OggS", b"fLaC", b"\x1aE\xdf\xa3")
_MEDIA = ("image/", "audio/", "video/", "font/", "application/pdf", "application/octet-stream", "application/zip",
          "application/x-", "application/msword", "application/vnd.", "application/gzip")
_CONTROL_BYTES = bytes(b for b in range(256) if b < 9 or 13 < b < 32)


def looks_binary(body: bytes) -> bool:
    """A file signature, or more than a stray NUL or control byte: an image, a PDF, a zip —
    not a page. (A text page with a few NUL bytes is a page: the NULs are dropped.)"""
    head = body[:4096]
    if not head:
        return False
    if head.startswith(_MAGIC):
        return True
    if head.count(b"\x00") > max(2, len(head) // 100):
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def non_text_type(content_type: str | None) -> bool:
    """A Content-Type that is not a page: a PDF, an image, a download."""
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith(_MEDIA)


# Bytes that do not occur in text: C0 controls other than tab, newlines, form feed, CR.
_CONTROL_BYTES = bytes(b for b in range(32) if not 9 <= b <= 13)
