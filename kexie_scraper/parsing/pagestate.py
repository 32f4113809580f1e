"""What kind of page this is, before anyone tries to split it.

Error pages are usually HTTP 200 (WeChat in particular, design/sources.md §2.3), so the
status code alone is never trusted: the text says whether the article was deleted,
removed, expired, asked for with bad parameters, rate-limited or hidden behind a captcha.

States reported by ``parse_page`` / ``kexie split``:

==============  ===========================================================  ==========
state           meaning                                                      retry?
==============  ===========================================================  ==========
ok              an article page with content
deleted         the publisher deleted it (该内容已被发布者删除)                   no
removed         the platform removed it or the account is gone: violation,   no
                complaint, ban, cancellation, migration (此内容因违规无法查看 …)
expired         a temporary link that has expired (链接已过期)                  no
invalid         the link's parameters are wrong (参数错误)                      no
rate_limited    访问过于频繁: too many requests from us                          yes, slower
captcha         环境异常 / verifycode wall, incl. the 302 to wappoc_appmsgcaptcha  yes, slower
no_content      a page without article text (an image-share page, an empty   no
                container)
empty, binary   not a page at all (an empty body, a PDF, an image)             no
too_large       more than 2,000 paragraphs: no bulletin (page.MAX_BLOCKS)      no
http_error      the fetch itself failed (set by spiders, never by the parser;  it depends:
                ``reason`` says how: resilience.classify_failure)            5xx, 429, timeouts …
==============  ===========================================================  ==========
"""

from __future__ import annotations

import re

OK = "ok"
EMPTY = "empty"
BINARY = "binary"
NO_CONTENT = "no_content"
DELETED = "deleted"
REMOVED = "removed"
EXPIRED = "expired"
INVALID = "invalid"
RATE_LIMITED = "rate_limited"
CAPTCHA = "captcha"
HTTP_ERROR = "http_error"
TOO_LARGE = "too_large"  # more paragraphs than any bulletin has (parsing/page.py MAX_BLOCKS): not split

# Order matters: the most specific message first.
_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (RATE_LIMITED, ("访问过于频繁", "操作过于频繁", "请求过于频繁")),
    (CAPTCHA, ("当前环境异常", "完成验证后即可继续访问", "wappoc_appmsgcaptcha", "/mp/verifycode")),
    (DELETED, ("该内容已被发布者删除", "此内容已被发布者删除", "该文章已被删除", "内容已删除")),
    (REMOVED, (
        "此内容因违规无法查看", "此内容发送失败无法查看", "该内容被投诉且经审核涉嫌侵权", "由用户投诉并经平台审核",
        "涉嫌过度营销", "此帐号已被屏蔽", "此账号已被屏蔽", "此帐号已自主注销", "此账号已自主注销",
        "此帐号处于帐号迁移流程中", "此账号处于帐号迁移流程中", "该公众号已迁移", "transferTargetLink",
        "冒名侵权", "page_rumor", "涉嫌违反相关法律法规",
    )),
    (EXPIRED, ("链接已过期",)),
    (INVALID, ("参数错误",)),
)

PERMANENT = frozenset((EMPTY, BINARY, NO_CONTENT, DELETED, REMOVED, EXPIRED, INVALID, TOO_LARGE))  # retrying will not help
RETRYABLE = frozenset((CAPTCHA, RATE_LIMITED, HTTP_ERROR))
BLOCKED = frozenset((CAPTCHA, RATE_LIMITED))  # the site is pushing back: slow down

# Error pages are short; an article that merely quotes one of the messages is not.
_SHORT_CONTENT = 300
_CAPTCHA_URL = re.compile(r"/mp/(?:wappoc_appmsgcaptcha|verifycode)\b")
# An image-share post (item_show_type 8): pictures in window.picture_page_info_list, no #js_content.
_IMAGE_SHARE = re.compile(r"picture_page_info_list|item_show_type\s*=\s*['\"]8['\"]")


def classify_url(url: str | None) -> str | None:
    """A state told by the URL alone: the captcha wall WeChat redirects to."""
    if url and _CAPTCHA_URL.search(url):
        return CAPTCHA
    return None


def is_image_share(text: str) -> bool:
    # Substring checks first: the regex alone scans a 40 KB page in ~0.6 ms, these in ~0.05.
    if "picture_page_info_list" not in text and "item_show_type" not in text:
        return False
    return bool(_IMAGE_SHARE.search(text))


def classify_text(text: str, content_chars: int) -> str:
    """State of a decoded page, given how much content text its container held."""
    if content_chars >= _SHORT_CONTENT:
        return OK
    head = text[:20000]
    for state, markers in _MARKERS:
        if any(m in head for m in markers):
            return state
    return OK if content_chars else NO_CONTENT


def is_blocked(state: str) -> bool:
    return state in BLOCKED
