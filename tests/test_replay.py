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
