"""Invariants of the splitter, as property tests (hypothesis).

* no text is lost or duplicated: the split's pieces hold exactly the input's letters and digits;
* it never raises, on any Unicode input, through the whole page parser too;
* document order is kept;
* it is deterministic.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kexie_scraper.parsing.blocks import Block
from kexie_scraper.parsing.page import parse_page
from kexie_scraper.parsing.split import _RULES, Split, split_blocks
from kexie_scraper.parsing.text import hash_form

# Lines in the shapes bulletins are made of, so the rules actually fire.
ORGS = ["德阳市科协", "遂宁市科协", "青白江区科协", "鼓楼区科协", "临安市科协", "某县科协", "恩施州科协"]
PEOPLE = ["李华", "张三", "王芳 刘强", "通讯员 赵六", "记者 甲 通讯员 乙"]
SENTENCES = [
    "近日，{o}召开工作会议，部署全年重点工作。",
    "会议要求，一是加强组织建设；二是提升服务能力。",
    "活动吸引了600余名群众参与，发放资料2000余份。",
    "覆盖全市各县(区)，并审议《科普条例(草案)》。",
    "{o}党组书记、主席张三(副主席)主持会议。",
]
line = st.one_of(
    st.sampled_from(ORGS).map(lambda o: f"{o}开展科普进社区活动"),
    st.builds(lambda s, o: s.format(o=o), st.sampled_from(SENTENCES), st.sampled_from(ORGS)),
    st.builds(lambda s, o, a: s.format(o=o) + f"（{a}）", st.sampled_from(SENTENCES), st.sampled_from(ORGS), st.sampled_from(ORGS + PEOPLE)),
    st.builds(lambda a: f"（{a}）", st.sampled_from(PEOPLE + ORGS)),
    st.builds(lambda b, o: f"{b} {o}开展活动。（{o}）", st.sampled_from("◆●▲△•"), st.sampled_from(ORGS)),
    st.builds(lambda e, o: f"{e}{o}", st.sampled_from(["（一）", "二、", "3. ", "一是"]), st.sampled_from(ORGS)),
    st.builds(lambda o: f"又讯：{o}举办培训班。", st.sampled_from(ORGS)),
    st.builds(lambda a, o: f"（{a}）3月1日，{o}开展活动。", st.sampled_from(PEOPLE), st.sampled_from(ORGS)),
    st.sampled_from(["旌阳区", "罗 江 区", "——某县科协开展送科技下乡活动", "现将有关情况摘编如下：", "王五 摄", "来源：某县科协 李四"]),
    st.text(min_size=1, max_size=60).map(str.strip).filter(bool),
)
blocks_strategy = st.lists(
    st.builds(lambda t, bold, center: Block(t, bold=bold, center=center), line, st.booleans(), st.booleans()),
    max_size=25,
)


def _chars(texts) -> Counter:
    return Counter("".join(hash_form(t) for t in texts if t))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks_strategy)
def test_no_text_lost_or_duplicated(blocks):
    split = split_blocks(blocks, page_title=None)
    assert _chars(split.pieces()) == _chars(b.text for b in blocks)


# Place labels (`南昌：…`) too, so that every rule opens items, not only the one that wins.
_rule_blocks = st.lists(
    st.builds(
        lambda t, bold: Block(t, bold=bold),
        st.one_of(line, st.builds(lambda p, o: f"{p}：近日，{o}开展活动。", st.sampled_from(["南昌", "九江市", "旌阳区", "某地"]), st.sampled_from(ORGS))),
        st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(_rule_blocks)
def test_every_rule_accounts_for_all_text(blocks):
    """The invariant above sees only the winning proposal: a rule that seldom wins could
    lose text unseen, so each rule is held to it on its own."""
    for name, rule in _RULES:
        if name == "bullets" and not any(b.bullet for b in blocks):
            continue  # the rule runs only on pages with bullets
        intro, segments, dropped = rule(blocks)
        split = Split(intro, segments, name, 1.0, dropped)
        assert _chars(split.pieces()) == _chars(b.text for b in blocks), name


@settings(max_examples=300, deadline=None)
@given(blocks_strategy)
def test_document_order_kept(blocks):
    split = split_blocks(blocks)
    texts = [b.text for b in blocks]
    positions = []
    for seg in split.segments:
        if seg.blocks:
            first = seg.blocks[0]
            where = [i for i, t in enumerate(texts) if first in t]
            assert where, first
            positions.append(where)
    # a greedy left-to-right assignment of each article's first paragraph must exist
    last = -1
    for where in positions:
        nxt = [i for i in where if i >= last]
        assert nxt, (positions, texts)
        last = nxt[0]


@settings(max_examples=200, deadline=None)
@given(blocks_strategy)
def test_deterministic(blocks):
    a = split_blocks([Block(b.text, b.bold, b.center) for b in blocks])
    b = split_blocks([Block(b.text, b.bold, b.center) for b in blocks])
    assert [(s.title, s.blocks, s.attribution, s.rule) for s in a.segments] == [
        (s.title, s.blocks, s.attribution, s.rule) for s in b.segments
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_page_parser_never_raises_on_text(text):
    for is_text in (True, False):
        result = parse_page(text, url="https://example.org/a", is_text=is_text)
        assert result.page_state in {"ok", "empty", "binary", "no_content", "deleted", "removed", "expired", "invalid", "rate_limited", "captcha"}
        if result.page_state != "ok":
            assert result.articles == []


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_page_parser_never_raises_on_bytes(data):
    result = parse_page(data, url="https://example.org/a", content_type="text/html; charset=gbk")
    assert isinstance(result.articles, list)


@settings(max_examples=150, deadline=None)
@given(st.lists(line, min_size=1, max_size=12))
def test_html_page_parses_through(lines):
    html = "<html><body><div id='zoom'>" + "".join(f"<p>{l.replace('<', '&lt;')}</p>" for l in lines) + "</div></body></html>"
    result = parse_page(html.encode("utf-8"), url="https://example.org/a")
    for article in result.articles:
        assert article.body is not None
