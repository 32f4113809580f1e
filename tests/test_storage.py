"""The store's new records: page states, sources, signatures, and what to fetch next."""

from __future__ import annotations

from kexie_scraper.storage import open_store

T1, T2, T3 = "2024-01-01T00:00:00+08:00", "2024-01-02T00:00:00+08:00", "2024-01-03T00:00:00+08:00"
URL = "https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=a"


def test_page_state_counts_attempts_and_is_cleared_by_a_good_fetch(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    record = {"canonical_url": URL, "url": URL, "source": "wechat", "state": "captcha", "retryable": True, "crawled_at": T1}
    store.record_page_state(record)
    store.record_page_state({**record, "state": "rate_limited", "crawled_at": T2})
    (row,) = store.page_states(retryable=True)
    assert (row["state"], row["attempts"], row["first_seen_at"], row["last_seen_at"]) == ("rate_limited", 2, T1, T2)
    assert store.page_states(retryable=False) == []
    store.add_bulletin_source("b1", URL + "&chksm=x#rd", URL, "wechat", T3)  # fetched fine at last
    assert store.page_states() == []
    store.close()


def test_original_urls_pending_only(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    originals = [f"https://mp.weixin.qq.com/s?__biz=QQ==&mid={i}&idx=1&sn=s" for i in range(4)]
    for i, original in enumerate(originals):
        store.upsert_bulletin({"id": f"b{i}", "url": f"https://www.scimall.org.cn/article/detail?id={i}", "page_state": "ok",
                               "article_count": 1, "original_url": original, "crawled_at": T1})
    store.upsert_bulletin({"id": "x", "url": "https://www.scimall.org.cn/article/detail?id=9", "page_state": "ok",
                           "article_count": 1, "original_url": None, "crawled_at": T1})
    store.add_bulletin_source("b1", originals[1], originals[1], "wechat", T2)  # fetched
    store.record_page_state({"canonical_url": originals[2], "url": originals[2], "state": "deleted", "retryable": False, "crawled_at": T2})
    store.record_page_state({"canonical_url": originals[3], "url": originals[3], "state": "captcha", "retryable": True, "crawled_at": T2})
    assert store.original_urls(pending_only=False) == originals
    assert store.original_urls() == [originals[0], originals[3]]  # a captcha is worth another try
    store.close()


def test_article_sources_keep_first_seen_and_signatures_round_trip(tmp_path):
    from kexie_scraper import neardup

    store = open_store(f"sqlite:///{tmp_path / 'k.sqlite'}")
    store.add_article_source("a1", "https://www.scimall.org.cn/article/detail?id=1", "scimall", "b1", "stored", None, T1)
    store.add_article_source("a1", URL, "wechat", "b1", "minhash", 0.71, T2)
    store.add_article_source("a1", URL, "wechat", "b1", "minhash", 0.71, T3)  # seen again
    rows = store.article_sources("a1")
    assert [(r["url"], r["match"], r["first_seen_at"], r["last_seen_at"]) for r in rows] == [
        ("https://www.scimall.org.cn/article/detail?id=1", "stored", T1, T1), (URL, "minhash", T2, T3)]
    text = neardup.text_of(None, "德阳市科协召开会议，部署全年科普工作，要求各县区科协抓好落实，确保各项任务按期完成。")
    mh = neardup.signature(text)
    store.save_article_signature("a1", "510600", "https://www.scimall.org.cn/article/detail?id=1", neardup.to_bytes(mh))
    ((aid, region, page, data),) = list(store.article_signatures())
    assert (aid, region) == ("a1", "510600") and neardup.from_bytes(data).jaccard(mh) == 1.0
    assert store.counts()["article_sources"] == 2
    store.close()
