"""The parser's fast paths equal the plain definitions they replace, on any input.

Each was written for speed (``kexie bench``); each must give exactly what the simple
form gives, or content hashes (article ids) and parse results would drift between versions.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kexie_scraper.parsing import blocks, pagestate, text

# Text made mostly of what the fast paths special-case: full-width punctuation, CJK,
# combining marks, Hangul jamo, control characters, the noncharacters, surrogates.
_TRICKY = st.text(alphabet=st.one_of(
    st.sampled_from("，。：；（）！？＿～＂＇　…、“”《》ＡＢａｂ１２①㈠ﬁ é\u0301\u0308\u1100\u1161\u11a8 \t\n\r\x00\x01\x0b\x1f"
                    "\ufffe\uffff\ud800\udfff科协遂宁市"),
    st.characters(),
), max_size=200)


def _plain_hash_form(value: str) -> str:
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", value or "")).lower()


@settings(max_examples=3000, deadline=None)
@given(_TRICKY)
def test_hash_form_equals_nfkc_then_drop(value):
    assert text.hash_form(value) == _plain_hash_form(value)


def test_hash_form_on_every_full_width_and_compatibility_punctuation_mark():
    for code in list(range(0xFF01, 0xFF5F)) + [0x3000, 0x2026, 0x3001, 0x3002]:
        for value in (chr(code), f"e{chr(code)}\u0301", f"\u1100{chr(code)}\u1161", f"科{chr(code)}协"):
            assert text.hash_form(value) == _plain_hash_form(value), hex(code)


@settings(max_examples=2000, deadline=None)
@given(_TRICKY)
def test_xml_safe_bytes_equal_the_regex(value):
    assert blocks._xml_safe_utf8(value) == blocks.xml_safe(value).encode("utf-8")


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from("picture_page_info_list item_show_type='8\"= 8xy"), max_size=80))
def test_image_share_prefilter_equals_the_regex(value):
    assert pagestate.is_image_share(value) == bool(pagestate._IMAGE_SHARE.search(value))


def test_a_page_with_a_nul_and_a_noncharacter_still_parses_to_its_text():
    tree = blocks.parse_html("<html><body><p>遂宁\x00市科协\uffff召开会议</p></body></html>")
    assert [b.text for b in blocks.element_blocks(tree.body)] == ["遂宁市科协召开会议"]


# --- parse_page's speed-ups (kexie bench, parse_ms_median) -----------------------------------

from kexie_scraper.bench.fixtures import _blocks, fixture_pages  # noqa: E402
from kexie_scraper.bench.mirror import Mirror  # noqa: E402
from kexie_scraper.parsing import decode, split  # noqa: E402
from kexie_scraper.parsing.memo import text_cache  # noqa: E402

_SPACEY = st.text(alphabet=st.sampled_from(" \u3000\xa0\t\n\r\x0b\x1c\x85\u2028\u200b\u00ad\x00\x7fab科协，e\u0301"), max_size=40)


def _plain_clean_line(value: str) -> str:
    """clean_line as it was before its already-clean shortcut."""
    if not value:
        return ""
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    value = text._ZERO_WIDTH.sub("", value)
    if "\n" in value:
        value = text._CJK_BREAK.sub("", value)
    return text._RUNS.sub(" ", value).strip()


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_TRICKY, _SPACEY))
def test_clean_line_equals_the_plain_substitutions(value):
    assert text.clean_line(value) == _plain_clean_line(value)


def test_the_unclean_class_holds_every_space_but_u0020():
    spaces = [c for c in map(chr, range(0x110000)) if c.isspace()]
    assert all(ord(c) < 0x10000 for c in spaces)  # the class is built from the BMP only
    assert all(bool(text._UNCLEAN.match(c)) == (c != " ") for c in spaces)
    # clean_line's whitespace-only shortcut: every space (NFC maps U+2000/U+2001 to spaces too).
    for c in spaces:
        assert text.clean_line(c * 3) == _plain_clean_line(c * 3) == "", hex(ord(c))
    assert _plain_clean_line("".join(spaces)) == ""


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_SPACEY, st.binary(max_size=12), st.builds(bytes.strip, st.binary(max_size=12))))
def test_is_blank_equals_strip(value):
    assert text.is_blank(value) == (not value.strip())


def test_the_bmp_word_class_keeps_exactly_what_hash_drop_keeps():
    runs = text._bmp_word_runs()
    for code in range(0x10000):
        char = chr(code)
        assert (runs.fullmatch(char) is not None) == (text._HASH_DROP.match(char) is None), hex(code)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(_TRICKY, _SPACEY))
def test_drop_non_word_equals_the_regex(value):
    assert text._drop_non_word(value) == text._HASH_DROP.sub("", value)


_PAGE_PARTS = st.sampled_from([
    b"<p>", b"</p>", "\u79d1\u534f".encode(), "\u79d1\u5354".encode("big5"), "\u79d1".encode("gb18030"), b"\xef\xbb\xbf",
    b"<?xml version='1.0'?>", b"  ", b"\xff", b"\xe4\xb8", b"\x00", b"abc", b'<meta charset="gbk">',
    b'<meta charset="utf-8">', "\ufffd".encode(),
])
_CONTENT_TYPES = st.sampled_from([None, "text/html", "text/html; charset=utf-8", "text/html; charset=gbk",
                                  "text/html; charset=ISO-8859-1", "text/html; charset=big5"])


def _plain_decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """decode_html as it was before it could hand back the page's own bytes."""
    encoding, value = decode.html_to_unicode(content_type, body)
    better = decode.better_encoding(body, content_type, value)
    if better and better != encoding:
        encoding, value = better, decode.to_unicode(body, better)
    return decode._XML_DECL.sub("", value, count=1), encoding


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PAGE_PARTS, max_size=8).map(b"".join), _CONTENT_TYPES)
def test_decode_hands_back_the_body_only_when_it_is_the_text_in_utf8(body, content_type):
    value, encoding, utf8 = decode.decode_html_utf8(body, content_type)
    assert (value, encoding) == _plain_decode_html(body, content_type)
    if utf8 is not None:
        assert utf8 == value.encode("utf-8")


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from("font-weight:bold;size12.5pxemrtext-align:center display:none 7008 FONT-WEIGHT"), max_size=60))
def test_style_hints_equal_the_regexes(style):
    hints = blocks._style_hints(style)
    assert hints.bold == bool(blocks._BOLD_STYLE.search(style))
    assert hints.font_px == blocks._font_px(style)
    assert hints.hidden == ("display:none" in style.replace(" ", "").lower())
    assert hints.center == bool(blocks._CENTER_STYLE.search(style))


def test_text_cache_is_bounded_and_never_keeps_a_long_string():
    calls = []

    @text_cache(maxsize=4, max_len=10)
    def upper(value):
        calls.append(value)
        return value.upper()

    for i in range(100):
        assert upper(str(i)) == str(i).upper()
    assert upper.cache_info().currsize == 4
    assert upper("99") == "99" and calls.count("99") == 1  # a recent one: answered from the cache
    long = "x" * 11
    upper(long), upper(long)
    assert calls.count(long) == 2


def _split_pages():
    """The blocks of every fixture page and of 120 mirror pages, as parse_page splits them."""
    pages = [_blocks(data, ctype, is_text) for _, data, ctype, is_text in fixture_pages()]
    mirror = Mirror(120, 6)
    for i in mirror.article_ids():
        pages.append(_blocks(mirror.article(i).body, "text/html; charset=utf-8", False))
    return pages


def test_stopping_at_a_certain_split_changes_no_split(monkeypatch):
    pages = _split_pages()
    stopped = [split.split_blocks(b) for b in pages]
    monkeypatch.setattr(split, "STOP_WHEN_CERTAIN", False)
    every_rule = [split.split_blocks(b) for b in pages]
    assert stopped == every_rule
    assert sum(s.confidence == 1.0 and len(s.segments) > 1 for s in stopped) > 50  # the shortcut was taken


# --- the split's prefilters: each may only skip a regex that could not have matched ---------

from kexie_scraper.parsing import attribution  # noqa: E402

_CREDITISH = st.text(alphabet=st.sampled_from("文图摄影视频通讯员供字片科协学技术会张三李四王 、·/：:()（）。\n\t"), max_size=24)


@settings(max_examples=4000, deadline=None)
@given(_CREDITISH)
def test_credit_prefilter_passes_every_line_a_credit_regex_matches(value):
    if attribution._CREDIT.match(value) or attribution._ORG_PERSON.match(value) or attribution._ROLE_CREDITS.match(value):
        assert attribution._may_be_credit_line(value)


@pytest.mark.parametrize("line", ["张三 摄", "王五 摄影\n", "文/张三 图/李四", "图 李四", "晋安区科协 林志强", "视频：王五 文：张三", "某某学会 张三"])
def test_credit_prefilter_passes_known_credits(line):
    assert attribution._may_be_credit_line(line)
    assert attribution.attribution_line(line)


@settings(max_examples=4000, deadline=None)
@given(_CREDITISH)
def test_parenthesis_prefilter_passes_every_trailing_match(value):
    if attribution._TRAILING.search(value):
        assert attribution._ends_with_parenthesis(value)


_LINES = st.lists(st.sampled_from(["本期要点", "一、南昌", "九江", "◆ 九江", "南昌", "", "x" * 49, "一、" + "y" * 47, "z" * 48]), max_size=9)


@settings(max_examples=3000, deadline=None)
@given(_LINES)
def test_toc_end_equals_the_plain_scan(texts):
    assert split._toc_end(texts) == split._toc_scan(texts)


# --- URLs -------------------------------------------------------------------------------------

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit  # noqa: E402

from w3lib.url import canonicalize_url  # noqa: E402

from kexie_scraper.parsing import urls  # noqa: E402

_URL_CHARS = st.sampled_from(list("aAzZ09_.~-=&#/?;:%+@ \t\n\r") + ["&amp;", "&amp", "&copy", "&not", "&#38;", "&#x26;",
                                                                        "\\x26", "\\u0026", "xn--", "mp.weixin.qq.com", "é", "科",
                                                                        "..", "//", "/./", "/../", ":80", "mid=", "__biz=", "idx=", "sn="])
_URLS = st.builds(
    lambda scheme, host, rest: scheme + host + "".join(rest),
    st.sampled_from(["https://", "http://", "HTTP://", "ftp://", "", "https:/"]),
    st.sampled_from(["www.scimall.org.cn", "mp.weixin.qq.com", "MP.weixin.qq.com", "a-b.c", "a..b", "a.-b", "xn--fiqs8s.cn",
                     "1.2.3.4", "[::1]", "x" * 70 + ".cn", "user@h.cn", "h.cn:8080", "", "科协.cn"]),
    st.lists(_URL_CHARS, max_size=30),
)


def _plain_unescape_url(url: str) -> str:
    url = url.strip().replace("\\x26", "&").replace("\\u0026", "&")
    prev = None
    while prev != url:
        prev, url = url, html.unescape(url)
    return url


def _plain_wechat_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=False):
        name = urls._WECHAT_KEYS.get(key)
        if name and name not in params:
            params[name] = value
    return params


def _plain_canonical_wechat_url(url: str) -> str | None:
    parts = urlsplit(_plain_unescape_url(url))
    if parts.hostname not in urls._WECHAT_HOSTS:
        return None
    if parts.path.startswith("/s/") and len(parts.path) > 3:
        return urlunsplit(("https", "mp.weixin.qq.com", parts.path, "", ""))
    params = _plain_wechat_params(parts.query)
    if not all(k in params for k in ("__biz", "mid", "idx")):
        return None
    query = urlencode([(k, params[k]) for k in urls._WECHAT_ORDER if k in params], safe="=")
    return urlunsplit(("https", "mp.weixin.qq.com", "/s", query, ""))


def _plain_canonical_url(url: str) -> str:
    return _plain_canonical_wechat_url(url) or canonicalize_url(_plain_unescape_url(url), keep_fragments=False)


def _outcome(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # the fast path must fail where the plain one does
        return type(exc)


import html  # noqa: E402

_URL_SAMPLES = [
    "https://www.scimall.org.cn/article/detail?id=8000001",
    "https://www.scimall.org.cn/article/detail?id=1&b=2&a=3&a=1#top",
    "http://a.b/?b=&a=",
    "https://a.b",
    "https://a.b?x=1",
    "https://a.b/./c",
    "https://a.b/x/../c",
    "https://a.b//c",
    "https://xn--fiqs8s.cn/a",
    "https://" + "x" * 70 + ".cn/a",
    "https://a..b/c",
    "https://mp.weixin.qq.com/s?__biz=MzA==&mid=1&idx=2&sn=abc&chksm=1#rd",
    "https://mp.weixin.qq.com/s?__biz=MzA==&amp;mid=1&amp;idx=2&amp;sn=abc&amp;chksm=1#rd",
    "https://mp.weixin.qq.com/s?__biz=MzA%3D%3D&mid=1&idx=2&sn=a+b",
    "https://mp.weixin.qq.com/s?__biz=MzA==&mid=&mid=3&idx=2&appmsgid=9&itemidx=1&sign=x",
    "https://mp.weixin.qq.com/s?__biz=MzA==&mid=1&idx=2&copy=1&not=2",
    "https://mp.weixin.qq.com/s/AbC-12_x",
    "https://a.b/p?q=1&amp;r=2&copy=3&notit=4&#38;&#x26;",
    " https://a.b/p?x=1\\x26y=2 ",
    "https://a.b/%7euser?q=%41",
]


@pytest.mark.parametrize("url", _URL_SAMPLES)
def test_url_fast_paths_on_samples(url):
    assert urls.unescape_url.uncached(url) == _plain_unescape_url(url)
    assert _outcome(urls.canonical_wechat_url, url) == _outcome(_plain_canonical_wechat_url, url)
    assert _outcome(urls.canonical_url.__wrapped__, url) == _outcome(_plain_canonical_url, url)


@settings(max_examples=4000, deadline=None)
@given(_URLS)
def test_url_fast_paths_equal_the_plain_definitions(url):
    assert urls.unescape_url.uncached(url) == _plain_unescape_url(url)
    assert _outcome(urls.canonical_wechat_url, url) == _outcome(_plain_canonical_wechat_url, url)
    assert _outcome(urls.canonical_url.__wrapped__, url) == _outcome(_plain_canonical_url, url)
    query = urlsplit(url).query if "[" not in url else url
    assert urls._wechat_params(query) == _plain_wechat_params(query)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(list("&#;amp copy not ltx=1\n") + ["&amp", "&AMP", "&notin", "&#x26", "&#38", "&sup1", "&frac12"]), max_size=20).map("".join))
def test_unescape_prefilter_equals_html_unescape(value):
    assert urls.unescape_url.uncached(value) == _plain_unescape_url(value)


# URLs near the edge of _SIMPLE_URL: most take the fast path, the rest just miss it.
_NEAR_SIMPLE = st.builds(
    lambda scheme, host, path, query, frag: scheme + host + path + query + frag,
    st.sampled_from(["https://", "http://"]),
    st.lists(st.sampled_from(["a", "z9", "-", ".", "xn--p", "www", "cn", "A"]), min_size=1, max_size=6).map("".join),
    st.lists(st.sampled_from(["/", "a", ".", "..", "~", "_", "-", "Z", "%41"]), max_size=8).map("".join),
    st.lists(st.sampled_from(["?", "&", "=", "a", "b", "1", "", "~", ".", "+"]), max_size=10).map("".join),
    st.sampled_from(["", "#", "#rd", "#a=b&c", "#x y"]),
)


@settings(max_examples=4000, deadline=None)
@given(_NEAR_SIMPLE)
def test_simple_canonical_equals_w3lib(url):
    fast = urls._simple_canonical(url)
    if fast is not None:
        assert fast == canonicalize_url(url, keep_fragments=False)
    assert _outcome(urls.canonical_url.__wrapped__, url) == _outcome(_plain_canonical_url, url)


def test_simple_canonical_takes_the_mirror_urls():
    assert urls._simple_canonical("https://www.scimall.org.cn/article/detail?id=8000001") == (
        "https://www.scimall.org.cn/article/detail?id=8000001")


# --- The parser's element class lookup -----------------------------------------------------------

_FORM_PAGE = ("<html><head><title>表单</title></head><body><div class='detail-content'><form action='/x'>"
              "<label for='a'>姓名</label><input id='a' value='v'><select><option>一</option></select>"
              "<textarea>备注文字</textarea></form><p>某某市科协召开会议，部署全年工作。</p></div></body></html>")


def test_the_default_lookup_parses_every_page_as_lxml_html_does(monkeypatch):
    from lxml import html as lxml_html

    from kexie_scraper.parsing.page import parse_page

    mirror = Mirror(60, 6)
    pages = [(data, ctype, is_text) for _, data, ctype, is_text in fixture_pages()]
    pages += [(mirror.article(i).body, "text/html; charset=utf-8", False) for i in mirror.article_ids()]
    pages.append((_FORM_PAGE.encode(), "text/html; charset=utf-8", False))

    def results():
        out = []
        for data, ctype, is_text in pages:
            r = parse_page(data, url="https://www.scimall.org.cn/article/detail?id=1", content_type=ctype, is_text=is_text)
            out.append((r.to_dict(), r.layout, r.dropped))
        return out

    fast = results()
    plain = lxml_html.HTMLParser(no_network=True, huge_tree=False, recover=True, encoding="utf-8")
    monkeypatch.setattr(blocks._PARSERS, "parser", plain, raising=False)
    assert blocks._parser() is plain
    assert fast == results()


# --- Layout fields: one XPath for a layout's div.class selectors --------------------------------

from kexie_scraper.parsing import layouts  # noqa: E402

_CLASSES = ["detail-content", "detail-info", "detail-source", "article-detail", "detail-time", "detail-title",
            "detail", "xdetail-content", "detail-contentx", "TRS_Editor", "trs_editor_view", "TRS_UEDITOR", "center-content"]
_SPACES = [" ", "  ", "\t", "\n", "\r", "\u00a0", "\u3000"]


@st.composite
def _class_pages(draw):
    def node(depth):
        tag = draw(st.sampled_from(["div", "div", "span", "h1", "p", "section"]))
        attrs = ""
        if draw(st.booleans()):
            names = draw(st.lists(st.sampled_from(_CLASSES), max_size=3))
            sep = draw(st.sampled_from(_SPACES))
            attrs = f' class="{draw(st.sampled_from(["", " ", chr(9)]))}{sep.join(names)}{draw(st.sampled_from(["", " "]))}"'
        kids = "".join(node(depth + 1) for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))))
        return f"<{tag}{attrs}>{draw(st.sampled_from(['', '时间：2024-05-01', '来源：某某科协', '标题']))}{kids}</{tag}>"
    return "<html><body>" + "".join(node(0) for _ in range(draw(st.integers(1, 4)))) + "</body></html>"


def _fields_tuple(fields):
    return (fields.layout, fields.content, fields.title, fields.published_at, fields.publisher,
            fields.publisher_alias, fields.original_url)


@settings(max_examples=1500, deadline=None)
@given(_class_pages())
def test_div_plans_answer_every_selector_as_the_selector_does(page):
    tree = blocks.parse_html(page)
    for layout in layouts.LAYOUTS:
        plan = layouts._plan_of(layout)
        divs = plan.divs(tree) if plan.divs is not None else []
        for sel in layout.fingerprint + layout.content + layout.title + layout.date + layout.publisher:
            assert plan.select(sel, tree, divs) == sel(tree), (layout.name, sel.css)
    assert _fields_tuple(layouts.extract_fields(tree, page)) == _fields_tuple(layouts._extract_fields_plain(tree, page))


def test_div_plans_equal_the_selectors_on_fixture_and_mirror_pages():
    mirror = Mirror(80, 6)
    pages = [(data, ctype, is_text) for _, data, ctype, is_text in fixture_pages()]
    pages += [(mirror.article(i).body, "text/html; charset=utf-8", False) for i in mirror.article_ids()]
    planned = 0
    for data, ctype, is_text in pages:
        if is_text:
            continue
        text, _, utf8 = decode.decode_html_utf8(data, ctype)
        tree = blocks.parse_html(text, utf8)
        if tree is None:
            continue
        for layout in layouts.LAYOUTS:
            plan = layouts._plan_of(layout)
            divs = plan.divs(tree) if plan.divs is not None else []
            for sel in layout.fingerprint + layout.content + layout.title + layout.date + layout.publisher:
                assert plan.select(sel, tree, divs) == sel(tree), (layout.name, sel.css)
        fast, plain = layouts.extract_fields(tree, text), layouts._extract_fields_plain(tree, text)
        assert _fields_tuple(fast) == _fields_tuple(plain)
        planned += fast.layout == "scimall_v1"
    assert planned >= 80
    assert layouts._plan_of(layouts.SCIMALL_V1).usable
