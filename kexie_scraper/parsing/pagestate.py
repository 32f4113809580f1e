"""What kind of page this is, before anyone tries to split it.

Error pages are usually HTTP 200 (WeChat in particular), so the status code alone is
never trusted: the text says whether the article was deleted, expired, blocked or
hidden behind a captcha.
"""

from __future__ import annotations

OK = "ok"
EMPTY = "empty"
BINARY = "binary"
NO_CONTENT = "no_content"
DELETED = "deleted"
EXPIRED = "expired"
VIOLATION = "violation"
VERIFY = "verify"  # 环境异常 captcha wall
HTTP_ERROR = "http_error"
TOO_LARGE = "too_large"  # more paragraphs than any bulletin has (parsing/page.py MAX_BLOCKS): not split

# Order matters: the most specific message first.
_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (VERIFY, ("当前环境异常", "完成验证后即可继续访问", "wappoc_appmsgcaptcha")),
    (DELETED, ("该内容已被发布者删除", "此内容已被发布者删除", "该文章已被删除", "内容已删除")),
    (VIOLATION, ("此内容因违规无法查看", "此帐号已被屏蔽", "此账号已被屏蔽", "涉嫌违反相关法律法规")),
    (EXPIRED, ("链接已过期",)),
)

TERMINAL = frozenset((DELETED, EXPIRED, VIOLATION))  # retrying will not help
RETRYABLE = frozenset((VERIFY, HTTP_ERROR))


# Error pages are short; an article that merely quotes one of the messages is not.
_SHORT_CONTENT = 300


def classify_text(text: str, content_chars: int) -> str:
    """State of a decoded page, given how much content text its container held."""
    if content_chars >= _SHORT_CONTENT:
        return OK
    head = text[:20000]
    for state, markers in _MARKERS:
        if any(m in head for m in markers):
            return state
    return OK if content_chars else NO_CONTENT
