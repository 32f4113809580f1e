"""Bounded time and memory on pathological pages (regression guards with generous bounds;
the measured figures are in docs/reliability.md), and lxml's safety options."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from lxml import html as lxml_html
from parsel import Selector

from kexie_scraper.parsing.blocks import MAX_DEPTH, element_blocks
from kexie_scraper.parsing.page import MAX_BLOCKS, parse_page

BOUND = 30.0  # seconds: a guard against blow-ups, not a benchmark
SENTENCE = "近日，德阳市科协召开工作会议，部署全年重点工作，活动吸引了600余名群众参与（李华）。"
URL = "https://www.example.gov.cn/art/2024/6/1/art_1_1.html"


def timed(data, **kwargs):
    started = time.perf_counter()
    result = parse_page(data, url=URL, **kwargs)
    elapsed = time.perf_counter() - started
    print(f"\n{len(data) / 1e6:.1f} MB -> {result.page_state}, {len(result.articles)} articles, {elapsed:.2f} s")
    assert elapsed < BOUND
    return result


def test_a_1_mb_single_paragraph():
    one = SENTENCE * (1_000_000 // len(SENTENCE.encode()))
    result = timed(f"<html><body><div id='zoom'><p>{one}</p></div></body></html>".encode())
    assert result.page_state == "ok" and len(result.articles) == 1
    assert timed(one.encode(), is_text=True).page_state == "ok"


def test_a_10_mb_page():
    paragraphs = "".join(f"<div class='x'><div><p>{SENTENCE}</p></div></div>" for _ in range(10_500_000 // 160))
    result = timed(f"<html><body>{paragraphs}</body></html>".encode())
    assert result.page_state in ("ok", "too_large")


def test_a_10_mb_page_of_one_line_items_is_not_split():
    items = "".join(f"<p>德阳市科协开展科普进社区活动</p><p>{SENTENCE}</p>" for _ in range(10_500_000 // 170))
    result = timed(f"<html><body><div id='zoom'>{items}</div></body></html>".encode())
    assert result.page_state == "too_large" and result.articles == []


def test_just_under_the_block_cap_still_splits():
    items = "".join(f"<p><strong>德阳市科协开展科普进社区活动{i}</strong></p><p>{SENTENCE}</p>" for i in range(MAX_BLOCKS // 2))
    result = timed(f"<html><body><div id='zoom'>{items}</div></body></html>".encode())
    assert result.page_state == "ok" and len(result.articles) > 100


@pytest.mark.parametrize("unit", ["（", "来源：", "原文链接:", "一是", "2024年1月", "市科协", "　（", "【", "http://", "&nbsp;"])
def test_repetitive_input_has_no_regex_blow_up(unit):
    text = unit * 50_000
    timed(f"<html><body><div id='zoom'><p>{text}</p><p>近日，德阳市科协召开会议。（{text}）</p></div></body></html>".encode())
    timed(text, is_text=True)


def test_ten_thousand_nested_elements_in_every_parser():
    deep = "<html><body>" + "<div>" * 10_000 + "<p>德阳市科协召开会议。</p>" + "</div>" * 10_000 + "</body></html>"
    timed(deep.encode())
    # parsel (list pages) parses with huge_tree: 2,047 levels. The block walker stops at MAX_DEPTH
    # instead of exhausting Python's recursion limit.
    root = lxml_html.document_fromstring(deep, parser=lxml_html.HTMLParser(huge_tree=True))
    assert element_blocks(root) == []  # the text is deeper than MAX_DEPTH
    assert MAX_DEPTH < sys.getrecursionlimit() - 100
    assert len(Selector(text=deep).css("a")) == 0


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + '<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.1:9/x.dtd">]>'
    "<html><body><div id='zoom'><p>德阳市科协召开会议，部署科普工作。&lol9;&xxe;&net;（李华）</p></div></body></html>"
)


def test_no_entity_expansion_and_no_network_in_lxml():
    result = timed(BILLION_LAUGHS.encode())
    body = result.articles[0].body
    assert "lollol" not in body and "root:" not in body
    assert "&lol9;&xxe;&net;" in body  # unknown to HTML: kept as the text it is
    # parsel, which the spiders use on list pages, does not expand them either
    assert "lollol" not in Selector(text=BILLION_LAUGHS).xpath("string(//body)").get()


def test_kexie_split_on_a_billion_laughs_file(tmp_path):
    path = tmp_path / "laughs.html"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "split", str(path)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "lollol" not in out.stdout and "root:" not in out.stdout
