"""The benchmark mirror and `kexie bench`: determinism, parseability, the JSON it writes.

No timing is asserted here: speed is measured by `kexie bench` itself, as ratios within one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from kexie_scraper.bench.mirror import FIRST_ID, MAX_BYTES, MIN_BYTES, Mirror, MirrorServer, synthetic_items
from kexie_scraper.bench.runner import PAGE_KEYS
from kexie_scraper.items import Article, Bulletin
from kexie_scraper.parsing.page import parse_page
from kexie_scraper.replay import replay_url_for


def test_mirror_is_deterministic():
    first = [(p.url, p.body) for p in Mirror(45, seed=3)]
    again = [(p.url, p.body) for p in Mirror(45, seed=3)]
    other = [(p.url, p.body) for p in Mirror(45, seed=4)]
    assert first == again
    assert [u for u, _ in first] == [u for u, _ in other] and first != other
    assert len(first) == 45 + 3  # bulletin pages + ceil(45 / 20) list pages
    assert all(MIN_BYTES <= len(body) <= MAX_BYTES for _, body in first)


def test_mirror_list_pages_link_every_bulletin_once():
    mirror = Mirror(45, seed=3)
    linked = []
    for page_no in range(1, mirror.list_pages + 1):
        html = mirror.list_page(page_no).body.decode("utf-8")
        linked += [i for i in mirror.list_ids(page_no) if f'href="/article/detail?id={i}"' in html]
        assert ("下一页" in html) == (page_no < mirror.list_pages)
    assert sorted(linked) == list(mirror.article_ids())


def test_mirror_pages_parse_into_the_expected_articles():
    mirror = Mirror(60, seed=11)
    formats = set()
    codes = []
    for article_id in mirror.article_ids():
        page = mirror.article(article_id)
        formats.add(page.format)
        result = parse_page(page.body, url=page.url, content_type="text/html; charset=utf-8", source="scimall")
        assert result.page_state == "ok"
        assert len(result.articles) == page.expected_articles, (page.url, page.format)
        assert [a.title for a in result.articles] == [title for title, _, _ in page.reports]
        codes += [(a.region["code"], code) for a, (_, _, code) in zip(result.articles, page.reports)]
    # The places are real and named as bulletins name them: the parser finds every one
    # (乾安县 was read through t2s as 干安县 until hanzi kept place-name characters).
    assert [(got, want) for got, want in codes if got != want] == []
    assert formats == {"titled", "briefs", "bullets", "bullet_titles"}


def test_synthetic_items_stream():
    items = list(synthetic_items(12, seed=1))
    assert sum(isinstance(i, Article) for i in items) == 12
    assert sum(isinstance(i, Bulletin) for i in items) == 3  # five articles per bulletin
    assert all(i.id for i in items if isinstance(i, Bulletin))
    assert [(i.title, i.body) for i in items if isinstance(i, Article)] == [
        (i.title, i.body) for i in synthetic_items(12, seed=1) if isinstance(i, Article)
    ]


def test_distinct_synthetic_reports_are_as_unlike_as_real_ones():
    """The default generator recombines a finite set of sentences: among a few thousand
    reports, many pairs reach the near-duplicate threshold (which real reports of different
    events do not: README, Deduplication). ``distinct`` keeps the same reports, each with
    a random tail, and then no pair does."""
    from kexie_scraper import neardup

    def best_similarities(distinct):
        reports = [i for i in synthetic_items(1500, seed=2, distinct=distinct) if isinstance(i, Article)]
        index, best = neardup.NearDuplicateIndex(), []
        for n, report in enumerate(reports):
            mh = neardup.signature(neardup.text_of(report.title, report.body))
            found = index.best(mh)
            best.append(found.similarity if found else 0.0)
            index.add(str(n), mh)
        return reports, best

    plain, plain_best = best_similarities(False)
    distinct, distinct_best = best_similarities(True)
    assert [r.title for r in plain] == [r.title for r in distinct]
    assert all(d.body.startswith(p.body + "\n") for p, d in zip(plain, distinct))
    assert sum(b >= neardup.THRESHOLD for b in plain_best) > 20  # 50 of 1,500 (172 of 3,000)
    assert sum(b >= neardup.THRESHOLD for b in distinct_best) == 0


def test_mirror_server_serves_the_generated_bytes():
    mirror = Mirror(25, seed=6)
    with MirrorServer(25, seed=6) as server:
        assert server.url.startswith("http://127.0.0.1:")
        page = mirror.article(FIRST_ID + 7)
        for url in (replay_url_for(server.url, page.url), server.url + "/article/detail?id=" + str(FIRST_ID + 7)):
            with urllib.request.urlopen(url) as resp:
                assert resp.read() == page.body
                assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
        second = mirror.list_page(2)
        with urllib.request.urlopen(replay_url_for(server.url, "https://www.scimall.org.cn/channel/list?page=2&cid=5")) as resp:
            assert resp.read() == second.body
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server.url + "/article/detail?id=1")
        assert err.value.code == 404
    assert server.proc.poll() is not None  # the server process is gone


def _bench(tmp_path, *args):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "kexie_scraper.cli", "bench", *args, "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_bench_pages_smoke(tmp_path):
    report = _bench(tmp_path, "--pages", "30", "--parse-pages", "30", "--repeat", "1")
    for key in PAGE_KEYS:
        assert key in report
    for key in ("raw_pages_per_s", "full_pages_per_s", "ratio", "parse_ms_median", "parse_ms_p99", "peak_rss_mb"):
        assert isinstance(report[key], (int, float)) and report[key] > 0, key
    assert report["trafilatura_ms_median"] is None or report["trafilatura_ms_median"] > 0
    assert report["scale"] == []
    # The full crawl did all the work: every bulletin page, every expected article, no errors.
    assert report["articles_stored"] == report["articles_expected"] > 30
    assert report["parse_wrong_article_count"] == 0 and report["crawl_errors"] == 0
    # Each phase crawled every page; the parse phase parsed (items scraped) and stored nothing,
    # the pipelines phase stored what the full crawl stored.
    phases = report["phases"]
    assert set(phases) == {"raw", "parse", "pipelines", "full"}
    assert len({p["pages"] for p in phases.values()}) == 1 and phases["raw"]["pages"] > 30
    assert phases["raw"]["items_scraped"] == 0 and phases["parse"]["articles"] == 0
    assert phases["parse"]["items_scraped"] > report["articles_expected"]
    assert phases["pipelines"]["articles"] == phases["full"]["articles"] == report["articles_expected"]
    assert set(report["ms_per_page"]) >= {"scrapy_raw", "parse_page", "items_through_scrapy", "pipelines", "feeds", "full"}


def test_bench_scale_smoke(tmp_path):
    report = _bench(tmp_path, "--scale", "200,400")
    assert [point["n"] for point in report["scale"]] == [200, 400]
    for point in report["scale"]:
        assert {"n", "seconds", "peak_rss_mb"} <= point.keys()
        assert point["items_dropped"] == 0 and point["items_kept"] == point["n"] + point["n"] // 5
    assert report["ratio"] is None  # no crawl ran


def test_fixture_parse_timings_cover_every_bulletin_fixture():
    from kexie_scraper.bench.fixtures import fixture_pages, fixture_timings

    pages = fixture_pages()
    urls = [url for url, *_ in pages]
    assert len(pages) > 150 and len(set(urls)) == len(urls)
    assert not any("list_" in url for url in urls)
    assert any(is_text for *_, is_text in pages) and any(not is_text for *_, is_text in pages)
    report = fixture_timings(repeat=1)
    assert report["fixture_pages"] == len(pages)
    assert 0 < report["fixture_split_ms_median"] < report["fixture_parse_ms_median"] <= report["fixture_parse_ms_p90"]


def test_plot_draws_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    from kexie_scraper.bench.runner import plot

    path = tmp_path / "scale.png"
    plot([{"n": 100, "seconds": 0.1, "peak_rss_mb": 80.0}, {"n": 1000, "seconds": 1.0, "peak_rss_mb": 81.0}], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parse_latency_without_a_crawl():
    from kexie_scraper.bench.parse import parse_latency

    report = parse_latency(pages=45, seed=3, sample=30, repeat=2)
    # 30 pages timed, each after the 15 others warmed the caches; every page split right
    assert report["parse_pages"] == 30 and report["parse_warm_up_pages"] == 15
    assert report["parse_wrong_article_count"] == 0
    assert 0 < report["parse_ms_median"] <= report["parse_ms_p99"]
    assert report["back_to_back_ms_median"] > 0


def test_the_timed_parse_never_finds_its_own_page_in_the_caches(monkeypatch):
    """parse_timings times each page's first parse: the warm-up pages are other pages, and
    a sample page is parsed for the first time when it is timed (a second parse would find
    its own lines in the caches)."""
    from kexie_scraper.bench import runner
    from kexie_scraper.bench.mirror import Mirror
    from kexie_scraper.parsing import page as page_module

    mirror = Mirror(60, 4)
    sample = runner.sample_pages(mirror, 20)
    warm = runner.warm_up_pages(mirror, sample)
    assert len(warm) == 40 and not {p.url for p in warm} & {p.url for p in sample}
    calls: list[str] = []
    timed: list[str] = []
    real_parse, real_timer = page_module.parse_page, runner._per_page_ms
    monkeypatch.setattr(page_module, "parse_page", lambda data, url=None, **kw: (calls.append(url), real_parse(data, url=url, **kw))[1])
    monkeypatch.setattr(runner, "_per_page_ms", lambda fn, pages, repeat: (timed.extend(p.url for p in pages), real_timer(fn, pages, repeat))[1])
    report = runner.parse_timings(sample, warm)
    urls = [p.url for p in sample]
    assert timed == urls
    assert calls == [p.url for p in warm] + urls + urls  # warm-up, the timed first parses, then the check
    assert report["parse_pages"] == 20 and report["parse_wrong_article_count"] == 0
