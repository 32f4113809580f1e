"""Politeness: robots.txt, AutoThrottle, ≤ 2 requests per domain, an identifying User-Agent,
a development HTTP cache that never keeps a block page."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from conftest import fixture_response
from kexie_scraper import cli
from kexie_scraper.politeness import KexieCachePolicy, KexieUserAgentMiddleware


def project_settings(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule("kexie_scraper.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def test_polite_defaults():
    s = project_settings()
    assert s.getbool("ROBOTSTXT_OBEY") is True
    assert s.getbool("AUTOTHROTTLE_ENABLED") is True
    assert s.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") <= 2
    assert 1 <= s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert s.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert s.getbool("COOKIES_ENABLED") is False
    assert s.get("KEXIE_CONTACT_URL", "").startswith("https://")
    # Back-off on captcha / rate limit: a real slow-down, a pause, bounded retries.
    assert s.getfloat("KEXIE_BLOCK_MIN_DELAY") >= 10 and s.getfloat("KEXIE_BLOCK_PAUSE") > 0
    assert 0 < s.getint("KEXIE_BLOCK_RETRIES") <= 3 and s.getint("KEXIE_BLOCK_GIVE_UP") >= 1
    # Development cache: available, off by default, with the policy that skips block pages.
    assert s.getbool("HTTPCACHE_ENABLED") is False
    assert s.get("HTTPCACHE_POLICY") == "kexie_scraper.politeness.KexieCachePolicy"
    middlewares = s.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.useragent.UserAgentMiddleware"] is None
    assert "kexie_scraper.politeness.KexieUserAgentMiddleware" in middlewares


def user_agent_of(**settings) -> str:
    crawler = get_crawler(settings_dict={"KEXIE_CONTACT_URL": project_settings().get("KEXIE_CONTACT_URL"), **settings})
    middleware = KexieUserAgentMiddleware.from_crawler(crawler)
    request = Request("https://mp.weixin.qq.com/s/x")
    middleware.process_request(request)
    return request.headers[b"User-Agent"].decode()


def test_user_agent_names_the_project_and_the_contact_url():
    agent = user_agent_of(KEXIE_CONTACT_URL="https://kexie.example.net/about-this-crawler")
    assert agent.startswith("kexie_scraper/")
    assert "(+https://kexie.example.net/about-this-crawler;" in agent
    assert "Scrapy" not in agent


def test_an_explicit_user_agent_still_wins():
    assert user_agent_of(USER_AGENT="my-lab-crawler/2 (+mailto:lab@example.net)") == "my-lab-crawler/2 (+mailto:lab@example.net)"


def test_contact_url_from_the_environment():
    env = {**os.environ, "KEXIE_CONTACT_URL": "https://env.example.net/contact"}
    out = subprocess.run([sys.executable, "-c", "import kexie_scraper.settings as s; print(s.KEXIE_CONTACT_URL)"],
                         capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "https://env.example.net/contact"


@pytest.mark.parametrize(
    "name, cached",
    [
        ("wechat/article_2020_layout", True),
        ("wechat/deleted", True),  # a permanent state is worth keeping
        ("wechat/verify_env_abnormal", False),
        ("wechat/rate_limited", False),
        ("wechat/captcha_redirect", False),  # the 302 that leads to the wall
    ],
)
def test_cache_policy_never_keeps_a_block_page(name, cached):
    policy = KexieCachePolicy(project_settings(HTTPCACHE_ENABLED=True))
    response = fixture_response(name)
    assert policy.should_cache_response(response, response.request) is cached


def test_crawl_flags_map_to_settings(monkeypatch, tmp_path):
    seen = {}

    def fake_run(jobs, settings):
        ((spider, spider_args),) = jobs
        seen.update(spider=spider, settings=settings, args=spider_args)
        return {spider: {}}

    # Never a real crawl: the test only looks at what would be run.
    monkeypatch.setattr("kexie_scraper.crawl.run_spiders", fake_run)
    code = cli.main(["crawl", "wechat", "--out", str(tmp_path), "--httpcache", "--contact", "https://c.example.net/",
                     "-a", "urls=https://mp.weixin.qq.com/s/abc", "-s", "DOWNLOAD_DELAY=5"])
    assert code == 0
    assert seen["settings"]["HTTPCACHE_ENABLED"] is True
    assert seen["settings"]["KEXIE_CONTACT_URL"] == "https://c.example.net/"
    assert seen["settings"]["DOWNLOAD_DELAY"] == "5"
    assert seen["args"] == {"urls": "https://mp.weixin.qq.com/s/abc"}
    assert "KEXIE_REPLAY_URL" not in seen["settings"]  # a real crawl unless --replay
