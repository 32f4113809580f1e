from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from kexie_scraper.replay import ReplayServer, load_fixtures, replay_url_for


def test_every_fixture_is_routable_and_unique():
    routes = load_fixtures()
    assert len(routes) >= 16  # (synthetic or captured: `kexie capture` adds synthetic=false pages)


def test_server_serves_exact_bytes_and_404s():
    with ReplayServer() as server:
        url = "https://www.scimall.org.cn/channel/list?page=2&cid=5"  # query order does not matter
        with urllib.request.urlopen(replay_url_for(server.url, url)) as resp:
            body = resp.read()
            assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"card-list" in body
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(replay_url_for(server.url, "https://www.scimall.org.cn/nothing"))
        assert err.value.code == 404
    assert server.url.startswith("http://127.0.0.1:")


def test_a_followed_redirect_is_rewritten_to_the_replay_server_too():
    """Scrapy copies a request's meta onto the redirect it follows; the middleware must still
    send the new URL to 127.0.0.1, never to the real host."""
    from scrapy.http import HtmlResponse, Request

    from kexie_scraper.replay import ReplayMiddleware

    base = "http://127.0.0.1:9"
    mw = ReplayMiddleware(base)
    first = mw.process_request(Request("https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=a"))
    assert first.url.startswith(base + "/mp.weixin.qq.com/s?")
    assert mw.process_request(first) is None  # already local
    redirected = first.replace(url="https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=t")  # meta copied
    again = mw.process_request(redirected)
    assert again.url == base + "/mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=t"
    # A relative Location is made absolute against the real URL, not the replay server's.
    response = HtmlResponse(first.url, status=302, headers={"Location": "/mp/wappoc_appmsgcaptcha?poc_token=t"}, request=first)
    restored = mw.process_response(first, response)
    assert restored.url == "https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=a"
    assert restored.headers["Location"] == b"https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=t"
