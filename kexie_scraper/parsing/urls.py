"""URL canonicalisation: the identity of bulletins and the WeChat 原文链接."""

from __future__ import annotations

import html
import html.entities
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from .memo import text_cache

_WECHAT_HOSTS = {"mp.weixin.qq.com"}
# The four parameters that identify a WeChat article; aliases seen in the wild map onto them.
_WECHAT_KEYS = {"__biz": "__biz", "mid": "mid", "appmsgid": "mid", "idx": "idx", "itemidx": "idx", "sn": "sn", "sign": "sn"}
_WECHAT_ORDER = ("__biz", "mid", "idx", "sn")


# Where html.unescape can change a text that has no ';': '&#' (a numeric reference) or '&'
# followed by an entity name that HTML5 accepts without its ';' ('&amp', '&copy', '&not'…):
# html.unescape replaces the longest such name that opens the characters after '&', and
# returns any other '&name' as it is. A text with no ';' and no match comes back unchanged.
_CHARREF_START = re.compile(
    "&(?:#|" + "|".join(sorted((re.escape(name) for name in html.entities.html5 if not name.endswith(";")), key=len, reverse=True)) + ")"
)


# Cached: a page's original URL is unescaped for its canonical form and again for its key.
@text_cache(maxsize=1024)
def unescape_url(url: str) -> str:
    """Undo the escaping that HTML and JS strings put on '&' (``&amp;``, ``\\x26amp;``, ``\\x26``)."""
    url = url.strip().replace("\\x26", "&").replace("\\u0026", "&")
    if ";" not in url and _CHARREF_START.search(url) is None:
        return url  # html.unescape(url) is url: see _CHARREF_START
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


# A query of only these characters holds no escape for parse_qsl to undo ('%', '+') and
# nothing for urlencode (safe '=') to quote: splitting it by hand gives the same pairs.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*")


def _wechat_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    if _PLAIN_QUERY.fullmatch(query):
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            # parse_qsl(keep_blank_values=False) drops pairs without '=' or a value
            name = _WECHAT_KEYS.get(key) if eq and value else None
            if name and name not in params:
                params[name] = value
        return params
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
    pairs = [(k, params[k]) for k in _WECHAT_ORDER if k in params]
    if _PLAIN_QUERY.fullmatch(parts.query):  # nothing to quote: urlencode's own output
        return "https://mp.weixin.qq.com/s?" + "&".join(k + "=" + v for k, v in pairs)
    query = urlencode(pairs, safe="=")
    return urlunsplit(("https", "mp.weixin.qq.com", "/s", query, ""))


# A URL that w3lib's canonicalize_url leaves as it is but for the order of its query pairs
# and the fragment it drops: lower-case http(s) scheme and host (ASCII labels, no IDNA 'xn--',
# no port or user), a path of unreserved characters (no '%' to re-encode; dot segments and
# '//' are checked apart), 'key=value' pairs of unreserved characters (nothing to unquote
# or quote), a fragment of unreserved characters. Everything else goes through w3lib.
_SIMPLE_URL = re.compile(
    r"(https?)://([a-z0-9]+(?:[.-]+[a-z0-9]+)*)(/[A-Za-z0-9_.~/-]*)?"
    r"(?:\?([A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*(?:&[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]*)*))?"
    r"(?:#[A-Za-z0-9_.~=&/-]*)?"
)


def _simple_canonical(url: str) -> str | None:
    """canonicalize_url(url, keep_fragments=False) for a _SIMPLE_URL, else None."""
    match = _SIMPLE_URL.fullmatch(url)
    if match is None:
        return None
    scheme, host, path, query = match.groups()
    if "xn--" in host or host in _WECHAT_HOSTS:
        return None
    if path is None:
        path = "/"
    elif "/." in path or "//" in path:  # dot segments, empty segments: w3lib's rules
        return None
    if not query:
        return scheme + "://" + host + path
    pairs = [tuple(pair.split("=")) for pair in query.split("&")]
    if len(pairs) > 1:
        pairs.sort()
    return scheme + "://" + host + path + "?" + "&".join(k + "=" + v for k, v in pairs)


@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The identity of a page: WeChat links by their article key, others by w3lib."""
    unescaped = unescape_url(url)
    simple = _simple_canonical(unescaped)  # no WeChat host: canonical_wechat_url gives None
    if simple is not None:
        return simple
    return _canonical_url_slow(url)


def _canonical_url_slow(url: str) -> str:
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
