from __future__ import annotations

import pytest

from kexie_scraper.parsing import dates, identity
from kexie_scraper.parsing.urls import canonical_url, canonical_wechat_url, unescape_url, wechat_key

LONG = "https://mp.weixin.qq.com/s?__biz=MzI5MTMyNTI3NQ==&mid=2247489626&idx=3&sn=485ac65dbf57bb57d028447c49fd1805"


@pytest.mark.parametrize(
    "raw",
    [
        LONG + "&chksm=ec130c6edb64857#rd",
        LONG.replace("&", "&amp;") + "&amp;chksm=ec13&amp;scene=21#wechat_redirect",
        LONG.replace("&", "\\x26amp;"),
        "http://mp.weixin.qq.com/s?idx=3&mid=2247489626&__biz=MzI5MTMyNTI3NQ==&sn=485ac65dbf57bb57d028447c49fd1805",
        "https://mp.weixin.qq.com/s?__biz=MzI5MTMyNTI3NQ==&appmsgid=2247489626&itemidx=3&sign=485ac65dbf57bb57d028447c49fd1805",
    ],
)
def test_wechat_long_links_canonicalise(raw):
    assert canonical_wechat_url(raw) == LONG
    assert wechat_key(raw) == ("MzI5MTMyNTI3NQ==", "2247489626", "3")


def test_wechat_short_link_and_non_wechat():
    assert canonical_wechat_url("https://mp.weixin.qq.com/s/AbC-123_x?from=timeline#rd") == "https://mp.weixin.qq.com/s/AbC-123_x"
    assert canonical_wechat_url("https://www.scimall.org.cn/article/detail?id=1") is None
    assert canonical_wechat_url("https://mp.weixin.qq.com/s?src=11&timestamp=1&signature=x") is None


def test_canonical_url_sorts_query_and_drops_fragment():
    assert canonical_url("https://www.scimall.org.cn/article/detail?id=7&b=2#top") == "https://www.scimall.org.cn/article/detail?b=2&id=7"


def test_unescape_twice_escaped():
    assert unescape_url("a?x=1&amp;amp;y=2") == "a?x=1&y=2"


@pytest.mark.parametrize(
    "text, iso",
    [
        ("科技工作者之家 2020-03-25", "2020-03-25T00:00:00+08:00"),
        ("2026-09-24 17:50:58", "2026-09-24T17:50:58+08:00"),
        ("2026-04-30 10:00", "2026-04-30T10:00:00+08:00"),
        ("[2021-05-06]", "2021-05-06T00:00:00+08:00"),
        ("时间:2025年05月19日 | 来源:管理组", "2025-05-19T00:00:00+08:00"),
        ("2019/3/7", "2019-03-07T00:00:00+08:00"),
        ("2020-02-30", None),
        ("no date", None),
        (None, None),
    ],
)
def test_parse_date(text, iso):
    assert dates.parse_date(text) == iso


def test_from_unix_is_china_time():
    assert dates.from_unix("1608818529") == "2020-12-24T22:02:09+08:00"
    assert dates.from_unix("x") is None


def test_identity_shared_by_repost_and_original():
    repost = identity.bulletin_key("https://www.scimall.org.cn/article/detail?id=7012345", LONG + "&chksm=1#rd")
    original = identity.bulletin_key(LONG.replace("&", "&amp;"))
    assert repost == original == "wechat:MzI5MTMyNTI3NQ==:2247489626:3"
    assert identity.content_hash("t", "甲，乙。 丙") == identity.content_hash(None, "甲,乙.丙")
