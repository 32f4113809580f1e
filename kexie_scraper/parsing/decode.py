"""Page bytes → text, the way Scrapy would, with a rescue for mis-declared charsets.

w3lib follows BOM → HTTP header → <meta> → default, and maps gb2312/gbk onto gb18030.
A wrong header (``charset=utf-8`` on GBK bytes) still wins there and yields U+FFFD
soup; when that happens we let BeautifulSoup's ``UnicodeDammit`` (which tries the
<meta> declaration and then detection) have a go, and keep whichever lost less.
"""

from __future__ import annotations

import re

from w3lib.encoding import html_to_unicode

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding). Never raises on arbitrary bytes."""
    encoding, text = html_to_unicode(content_type, body)
    if text.count("\ufffd") > 3:
        from bs4 import UnicodeDammit  # only on the rare broken page: bs4 is slow to import

        dammit = UnicodeDammit(body, ["gb18030", "utf-8", "big5"], is_html=True)
        if dammit.unicode_markup is not None and dammit.unicode_markup.count("\ufffd") < text.count("\ufffd"):
            text, encoding = dammit.unicode_markup, dammit.original_encoding or encoding
    return _XML_DECL.sub("", text, count=1), encoding


_CONTROL_BYTES = bytes(b for b in range(256) if b < 9 or 13 < b < 32)


def looks_binary(body: bytes) -> bool:
    """NUL bytes or a large share of control bytes: an image, a PDF, a zip — not a page."""
    head = body[:4096]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # counted in C, not per byte
    return controls / len(head) > 0.05
