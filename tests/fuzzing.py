"""Hypothesis strategies for fuzzing extraction and splitting, and the invariants every
parse must keep. Used by tests/test_fuzz_parse.py (a few thousand inputs per run) and by
scripts/fuzz_parse.py (the long run: ``--examples 100000``).

Inputs are pages as a crawler meets them: bulletin-shaped lines and arbitrary Unicode,
wrapped in random markup (the known content containers, WeChat sections, tables, inline
formatting, scripts, comments, entities, broken tags), encoded in random charsets with
headers that may lie, sometimes with NUL bytes, control characters or cut-off bytes.
"""

from __future__ import annotations

import time

from hypothesis import strategies as st

from kexie_scraper.parsing.page import parse_page

ORGS = ["德阳市科协", "遂宁市科协", "青白江区科协", "鼓楼区科协", "临安市科协", "某县科协", "恩施州科协", "北京市朝阳区科协"]
PEOPLE = ["李华", "张三", "王芳 刘强", "通讯员 赵六", "记者 甲 通讯员 乙"]
SENTENCES = [
    "近日，{o}召开工作会议，部署全年重点工作。",
    "会议要求，一是加强组织建设；二是提升服务能力。",
    "活动吸引了600余名群众参与，发放资料2000余份。",
    "覆盖全市各县(区)，并审议《科普条例(草案)》。",
    "{o}党组书记、主席张三(副主席)主持会议。",
]
FURNITURE = ["来源：sichuankexie 四川科协", "原文链接：https://mp.weixin.qq.com/s?__biz=MzA==&mid=1&idx=1&sn=abc",
             "版权声明：本站内容仅供参考", "电话：(010)86409582", "邮箱：a@b.cn", "推荐资讯", "时间：2024-06-01 | 来源：某县科协",
             "该内容已被发布者删除", "当前环境异常，完成验证后即可继续访问", "链接已过期", "王五 摄", "——某县科协开展送科技下乡活动"]

line = st.one_of(
    st.sampled_from(ORGS).map(lambda o: f"{o}开展科普进社区活动"),
    st.builds(lambda s, o: s.format(o=o), st.sampled_from(SENTENCES), st.sampled_from(ORGS)),
    st.builds(lambda s, o, a: s.format(o=o) + f"（{a}）", st.sampled_from(SENTENCES), st.sampled_from(ORGS),
              st.sampled_from(ORGS + PEOPLE)),
    st.builds(lambda a: f"（{a}）", st.sampled_from(PEOPLE + ORGS)),
    st.builds(lambda b, o: f"{b} {o}开展活动。（{o}）", st.sampled_from("◆●▲△•"), st.sampled_from(ORGS)),
    st.builds(lambda e, o: f"{e}{o}", st.sampled_from(["（一）", "二、", "3. ", "一是"]), st.sampled_from(ORGS)),
    st.sampled_from(FURNITURE),
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["&nbsp;", "&amp;", "&lt;", "&#0;", "&#xD800;", "&#1114112;", "&bogus;", "&#12345678901;", "\x00",
                     "\ufffd", "\u200b", "\u3000", "\r\n", "\x0b\x0c", "<", ">", "]]>", "<!--", "-->"]),
)

_INLINE = ["span", "strong", "b", "em", "font", "a"]
_BLOCK = ["p", "div", "section", "li", "h1", "h2", "h3", "td", "blockquote", "center"]
_STYLES = ["", "font-weight:bold", "text-align:center", "font-size:18px", "font-size:1.2em", "display:none",
           "font-size:99999999999999999999px", "font-size:-3pt", "font-size:.", "font-weight: 900;text-align: center"]
_CONTAINERS = ["<div id='js_content'>", "<div id='zoom'>", "<div class='detail-content'>", "<div class='TRS_Editor'>",
               "<article>", "<td>", "<div>", ""]


def _element(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        lambda tag, style, kids, close: f"<{tag}" + (f" style='{style}'" if style else "") + ">" + "".join(kids)
        + (f"</{tag}>" if close else ""),
        st.sampled_from(_BLOCK + _INLINE), st.sampled_from(_STYLES), st.lists(children, max_size=4), st.booleans(),
    )


fragment = st.recursive(
    st.one_of(line, st.just("<br>"), st.just("<br/>"), st.just("<hr>"), st.just("<script>var a='<p>x</p>';</script>"),
              st.just("<style>p{}</style>"), st.just("<!-- comment <p> -->"), st.just("<img src=x>"),
              st.just("<table><tr><td>"), st.just("</div></div>")),
    _element,
    max_leaves=25,
)

html_text = st.builds(
    lambda head, container, body, tail: (
        "<html><head>" + head + "</head><body>" + container + "".join(body) + tail + "</body></html>"),
    st.sampled_from(["", "<meta charset='utf-8'>", "<meta charset='gbk'>", "<title>【地方科协】</title>",
                     "<meta property='og:title' content='【地方科协】'><meta name='publishdate' content='2024-06-01'>",
                     "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"]),
    st.sampled_from(_CONTAINERS),
    st.lists(fragment, max_size=12),
    st.sampled_from(["", "</div>", "<p>来源：某县科协</p></div>"]),
)

ENCODINGS = ["utf-8", "gb18030", "gbk", "big5", "utf-16", "latin-1"]
CONTENT_TYPES = [None, "text/html", "text/html; charset=utf-8", "text/html; charset=gbk", "text/html; charset=ISO-8859-1",
                 "text/html; charset=bogus", "application/pdf", "text/plain", "application/xhtml+xml"]


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def _damage(data: bytes, kind: int, where: int) -> bytes:
    if not data or kind == 0:
        return data
    at = where % len(data)
    if kind == 1:
        return data[:at]  # cut off mid-character
    if kind == 2:
        return data[:at] + b"\x00" + data[at:]
    if kind == 3:
        return data[:at] + b"\xff\xfe\xc3" + data[at:]
    return data[:at] + bytes([0x01, 0x1b, 0x7f]) + data[at:]


page_bytes = st.builds(
    lambda text, encoding, kind, where: _damage(_encode(text, encoding), kind, where),
    html_text, st.sampled_from(ENCODINGS), st.integers(0, 4), st.integers(0, 10**6),
)

STATES = {"ok", "empty", "binary", "no_content", "deleted", "expired", "violation", "verify", "too_large",
          # issue4a's WeChat states
          "removed", "invalid", "rate_limited", "captcha"}
_BAD_CHARS = {chr(c) for c in range(32) if chr(c) not in "\n"} | {"\ufffd", "\x7f"}


def check_parse(data, *, content_type: str | None = None, is_text: bool = False,
                url: str = "https://www.example.gov.cn/art/2024/6/1/art_1_1.html", budget: float = 10.0) -> None:
    """Parse once and assert the invariants: no exception, a known state, nothing from a
    bad page, clean text, identities set, deterministic, within ``budget`` seconds."""
    # CPU time, not wall time: a loaded machine (CI, a suite running beside) stalls a parse
    # without the parser being slow.
    started = time.process_time()
    result = parse_page(data, url=url, content_type=content_type, is_text=is_text)
    elapsed = time.process_time() - started
    assert elapsed < budget, f"parse took {elapsed:.1f}s of CPU"
    assert result.page_state in STATES, result.page_state
    assert result.bulletin.page_state in (result.page_state, "ok")
    if result.page_state != "ok":
        assert result.articles == []
        return
    assert result.bulletin.article_count == len(result.articles)
    for position, article in enumerate(result.articles, start=1):
        assert article.position == position
        assert article.body is not None
        assert article.body or article.title
        for value in (article.body, article.title, article.attribution, article.org):
            if value:
                assert not (_BAD_CHARS & set(value)), repr(value)
                value.encode("utf-8")  # no lone surrogates: storable and exportable
        assert article.id and article.content_hash and article.bulletin_id == result.bulletin.id
    again = parse_page(data, url=url, content_type=content_type, is_text=is_text)
    assert [(a.id, a.body) for a in again.articles] == [(a.id, a.body) for a in result.articles]
