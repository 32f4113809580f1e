"""URL canonicalisation: the identity of bulletins and the WeChat 原文链接."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from .memo import text_cache

_WECHAT_HOSTS = {"mp.weixin.qq.com"}
# The four parameters that identify a WeChat article; aliases seen in the wild map onto them.
_WECHAT_KEYS = {"__biz": "__biz", "mid": "mid", "appmsgid": "mid", "idx": "idx", "itemidx": "idx", "sn": "sn", "sign": "sn"}
_WECHAT_ORDER = ("__biz", "mid", "idx", "sn")


# Cached: a page's original URL is unescaped for its canonical form and again for its key.
@text_cache(maxsize=1024)
def unescape_url(url: str) -> str:
    """Undo the escaping that HTML and JS strings put on '&' (``&amp;``, ``\\x26amp;``, ``\\x26``)."""
    url = url.strip().replace("\\x26", "&").replace("\\u0026", "&")
    prev = None
    while prev != url:  # '&amp;amp;' happens when a page escapes twice
        prev, url = url, html.unescape(url)
    return url


def wechat_key(url: str | None) -> tuple[str, str, str] | None:
    """(__biz, mid, idx) for a WeChat long link, else None."""
    if not url:
        return None
    parts = urlsplit(unescape_url(url))
    if parts.hostname not in _WECHAT_HOSTS or parts.path.rstrip("/") != "/s":
        return None
    params = _wechat_params(parts.query)
    if not all(k in params for k in ("__biz", "mid", "idx")):
        return None
    return params["__biz"], params["mid"], params["idx"]


def _wechat_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=False):
        name = _WECHAT_KEYS.get(key)
        if name and name not in params:
            params[name] = value
    return params


def canonical_wechat_url(url: str) -> str | None:
    """Keep only __biz, mid, idx, sn (in that order); drop chksm, scene and the #rd fragment.

    Short links (/s/<token>) keep their token and lose query and fragment. Anything that
    is not a WeChat article link gives None.
    """
    parts = urlsplit(unescape_url(url))
    if parts.hostname not in _WECHAT_HOSTS:
        return None
    if parts.path.startswith("/s/") and len(parts.path) > 3:
        return urlunsplit(("https", "mp.weixin.qq.com", parts.path, "", ""))
    params = _wechat_params(parts.query)
    if not all(k in params for k in ("__biz", "mid", "idx")):
        return None
    query = urlencode([(k, params[k]) for k in _WECHAT_ORDER if k in params], safe="=")
    return urlunsplit(("https", "mp.weixin.qq.com", "/s", query, ""))


@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The identity of a page: WeChat links by their article key, others by w3lib."""
    wechat = canonical_wechat_url(url)
    if wechat:
        return wechat
    return canonicalize_url(unescape_url(url), keep_fragments=False)


def bulletin_page_key(url: str | None, original_url: str | None = None) -> str:
    """The form under which a bulletin's page is recorded (``bulletin_sources``): a WeChat
    page by the long link it names (its ``original_url``), whatever form (short link, extra
    parameters) it was fetched by; any other page by its canonical URL."""
    if url and original_url and urlsplit(url).hostname == "mp.weixin.qq.com":
        return canonical_wechat_url(original_url) or canonical_url(url)
    return canonical_url(url) if url else ""


_SAFE_SCHEMES = ("http", "https")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'，。；）)】]+")


def first_url(text: str) -> str | None:
    """The first http(s) URL in a line of text (for lines such as 原文链接:https://…)."""
    match = _URL_IN_TEXT.search(text)
    return match.group(0) if match else None


def is_safe_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in _SAFE_SCHEMES and bool(parts.hostname)
