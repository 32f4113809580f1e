"""The wechat spider: where its URLs come from, article pages, every page state, and back-off.

Unit tests run the spider's callbacks on Scrapy responses built from fixture bytes; the
302-to-captcha test runs a real crawl against the replay server on 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.utils.test import get_crawler

from conftest import fixture_meta, fixture_response
from kexie_scraper.items import Article, Bulletin, PageState
from kexie_scraper.spiders.wechat import WechatSpider
from kexie_scraper.items import PageDone
from kexie_scraper.storage import PageBatch, open_store

SEED_ORIGINAL = "https://mp.weixin.qq.com/s?__biz=MzI5MTMyNTI3NQ==&mid=2247489626&idx=3&sn=485ac65dbf57bb57d028447c49fd1805"
CAPTCHA_TARGET = fixture_meta("wechat/captcha_redirect")["url"]
NO_FIXTURE = "https://mp.weixin.qq.com/s?__biz=Tk9ORQ==&mid=1&idx=1&sn=0"


def make_spider(tmp_path, settings=None, **kwargs):
    crawler = get_crawler(WechatSpider, settings_dict={"KEXIE_STORE_URL": f"sqlite:///{tmp_path / 'k.sqlite'}", **(settings or {})})
    return crawler._create_spider(**kwargs) if hasattr(crawler, "_create_spider") else WechatSpider.from_crawler(crawler, **kwargs)


# --- where URLs come from ----------------------------------------------------------------------
def test_urls_argument_and_file_are_canonicalised_and_deduplicated(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# a comment\n"
        + SEED_ORIGINAL.replace("&", "&amp;") + "&amp;chksm=ec130c6e#rd   # the same article, escaped\n"
        "https://www.scimall.org.cn/article/detail?id=1\n"
        "https://mp.weixin.qq.com/s/AbC-123_x?from=timeline\n",
        encoding="utf-8",
    )
    spider = make_spider(tmp_path, urls=SEED_ORIGINAL + "&scene=21#wechat_redirect", urls_file=str(listing))
    assert spider.from_store is False  # explicit URLs: the store is only read when asked
    assert spider.article_urls() == [SEED_ORIGINAL, "https://mp.weixin.qq.com/s/AbC-123_x"]


def test_from_store_reads_pending_originals_and_retries(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    other = "https://mp.weixin.qq.com/s?__biz=QQ==&mid=2&idx=1&sn=b"
    gone = "https://mp.weixin.qq.com/s?__biz=QQ==&mid=3&idx=1&sn=c"
    walled = "https://mp.weixin.qq.com/s?__biz=QQ==&mid=4&idx=1&sn=d"
    for i, original in enumerate((SEED_ORIGINAL, other, gone)):
        store.upsert_bulletin({"id": f"b{i}", "url": f"https://www.scimall.org.cn/article/detail?id={i}", "page_state": "ok",
                               "article_count": 1, "original_url": original, "crawled_at": "2024-01-01T00:00:00+08:00"})
    # already fetched: the bulletin b1, seen at its WeChat page
    store.write_page(PageBatch(url=other, bulletin={"id": "b1", "url": other, "source": "wechat", "page_state": "ok",
                                                    "original_url": other, "article_count": 1,
                                                    "crawled_at": "2024-01-02T00:00:00+08:00"}))
    store.record_page_state({"canonical_url": gone, "url": gone, "source": "wechat", "state": "deleted", "retryable": False})
    store.record_page_state({"canonical_url": walled, "url": walled, "source": "wechat", "state": "captcha", "retryable": True})
    store.close()
    spider = make_spider(tmp_path)
    assert spider.from_store is True  # no URLs given: the store is the source
    assert spider.article_urls() == [SEED_ORIGINAL, walled]


@pytest.mark.parametrize("bad", [{"urls_file": "/nonexistent/urls.txt"}, {"from_store": "maybe"}])
def test_bad_arguments_are_refused(tmp_path, bad):
    with pytest.raises(ValueError):
        make_spider(tmp_path, **bad)


# --- article pages -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, layout_count", [("wechat/article_2020_layout", 4), ("wechat/article_2018_layout", 3)])
def test_article_page_yields_bulletin_then_articles(tmp_path, name, layout_count):
    spider = make_spider(tmp_path, urls=fixture_meta(name)["url"])
    items = list(spider.parse_article(fixture_response(name)))
    assert isinstance(items[0], Bulletin) and all(isinstance(a, Article) for a in items[1:])
    assert len(items) == 1 + layout_count
    assert {a.source for a in items[1:]} == {"wechat"}
    assert items[0].original_url == items[0].canonical_url == fixture_meta(name)["url"]


def test_original_shares_the_bulletin_identity_of_the_scimall_repost(tmp_path):
    from kexie_scraper.spiders.scimall import ScimallSpider

    crawler = get_crawler(ScimallSpider)
    scimall = crawler._create_spider() if hasattr(crawler, "_create_spider") else ScimallSpider.from_crawler(crawler)
    repost = list(scimall.parse_article(fixture_response("scimall/article_seed_difang_kexie")))
    original = list(make_spider(tmp_path).parse_article(fixture_response("wechat/article_2020_layout")))
    assert repost[0].id == original[0].id  # bulletin key (__biz, mid, idx)
    assert [a.id for a in repost[1:]] == [a.id for a in original[1:]]  # same key, same text


# --- page states -------------------------------------------------------------------------------
STATES = [
    ("wechat/deleted", "deleted", False),
    ("wechat/violation", "removed", False),
    ("wechat/removed_complaint", "removed", False),
    ("wechat/removed_banned", "removed", False),
    ("wechat/removed_migrated", "removed", False),
    ("wechat/expired", "expired", False),
    ("wechat/invalid_params", "invalid", False),
    ("wechat/image_share_page", "no_content", False),
    ("wechat/rate_limited", "rate_limited", True),
    ("wechat/verify_env_abnormal", "captcha", True),
]


@pytest.mark.parametrize("name, state, retryable", STATES, ids=[s[0].split("/")[1] for s in STATES])
def test_each_state_page_gives_its_state_and_no_article(tmp_path, name, state, retryable):
    spider = make_spider(tmp_path, urls=fixture_meta(name)["url"])
    out = list(spider.parse_article(fixture_response(name)))
    states = [i for i in out if isinstance(i, PageState)]
    assert not [i for i in out if isinstance(i, (Bulletin, Article))]
    assert [(s.state, s.retryable, s.source) for s in states] == [(state, retryable, "wechat")]
    assert spider.crawler.stats.get_value(f"kexie/page_state/{state}") == 1
    retries = [r for r in out if isinstance(r, scrapy.Request)]
    assert len(retries) == (1 if retryable else 0)  # only a block is tried again


def test_captcha_after_redirect_is_recorded_against_the_url_asked_for(tmp_path):
    spider = make_spider(tmp_path)
    response = fixture_response("wechat/verify_env_abnormal", meta={spider.URL_META: CAPTCHA_TARGET})
    state, retry = list(spider.parse_article(response))
    assert (state.url, state.state, state.retryable) == (CAPTCHA_TARGET, "captcha", True)
    assert state.detail == fixture_meta("wechat/verify_env_abnormal")["url"]  # where the 302 led
    assert retry.url == CAPTCHA_TARGET and retry.dont_filter and retry.priority < 0
    assert retry.meta[spider.RETRY_META] == 1


def test_block_retries_are_bounded_and_many_blocks_stop_the_crawl(tmp_path):
    spider = make_spider(tmp_path, settings={"KEXIE_BLOCK_RETRIES": 2, "KEXIE_BLOCK_GIVE_UP": 3})
    last_try = fixture_response("wechat/verify_env_abnormal", meta={spider.URL_META: CAPTCHA_TARGET, spider.RETRY_META: 2})
    assert [type(i) for i in spider.parse_article(last_try)] == [PageState]  # recorded, left for a later run
    with pytest.raises(CloseSpider):
        for _ in range(3):
            list(spider.parse_article(fixture_response("wechat/rate_limited")))


def test_a_good_page_resets_the_block_count(tmp_path):
    spider = make_spider(tmp_path, settings={"KEXIE_BLOCK_GIVE_UP": 2})
    list(spider.parse_article(fixture_response("wechat/rate_limited")))
    list(spider.parse_article(fixture_response("wechat/article_2018_layout")))
    list(spider.parse_article(fixture_response("wechat/rate_limited")))  # 1 in a row again: no CloseSpider


# --- through the replay server -----------------------------------------------------------------
def test_302_to_captcha_through_the_replay_server_slows_down_and_records_it(tmp_path):
    """A real crawl: /s?__biz=… answers 302 → /mp/wappoc_appmsgcaptcha?…; the spider sees the
    captcha, raises the domain's delay, retries twice (each retry redirected again), then
    leaves the page pending in page_states. Nothing leaves 127.0.0.1."""
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "kexie_scraper.cli", "crawl", "wechat", "--replay", "--out", str(out), "--log-level", "WARNING",
         "-a", f"urls={CAPTCHA_TARGET},{NO_FIXTURE}", "-s", "KEXIE_BLOCK_MIN_DELAY=0.4", "-s", "KEXIE_BLOCK_PAUSE=0.2"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["blocked"] == 3 and summary["page_states"] == {"captcha": 3, "http_error": 1}
    assert summary["articles"] == 0 and summary["errors"] == 0 and summary["finish_reason"] == "finished"
    assert "Traceback" not in run.stderr
    store = open_store(f"sqlite:///{out / 'kexie.sqlite'}")
    rows = {r["url"]: r for r in store.page_states()}
    store.close()
    row = rows[CAPTCHA_TARGET]
    assert (row["state"], row["retryable"], row["attempts"]) == ("captcha", 1, 3)
    assert "wappoc_appmsgcaptcha" in row["detail"]
    # A page the site does not have (the replay server's 404) is recorded too, not retried.
    missing = rows[NO_FIXTURE]
    assert (missing["state"], missing["retryable"], missing["detail"]) == ("http_error", 0, "HTTP 404")
    # The slot delay was raised to at least KEXIE_BLOCK_MIN_DELAY before each retry.
    assert "download delay now" in run.stderr


def test_a_request_robots_txt_forbids_is_recorded_and_not_retried(tmp_path):
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    spider = make_spider(tmp_path)
    try:
        raise IgnoreRequest("Forbidden by robots.txt")
    except IgnoreRequest:
        failure = Failure()
    failure.request = spider.article_request(SEED_ORIGINAL)
    state, done = list(spider.request_failed(failure))
    assert isinstance(done, PageDone)  # the page is closed all the same
    assert (state.url, state.state, state.retryable) == (SEED_ORIGINAL, "http_error", False)
    assert "robots.txt" in state.detail
