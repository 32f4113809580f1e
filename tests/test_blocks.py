from __future__ import annotations

from kexie_scraper.parsing.blocks import element_blocks, parse_html, text_blocks


def blocks_of(html: str):
    tree = parse_html(html)
    return element_blocks(tree.find("body"))


def test_hints_bold_center_heading_size():
    blocks = blocks_of(
        '<body><h2>栏目</h2>'
        '<p style="text-align: center;"><strong><span style="font-size: 18px;">德阳市科协开展活动</span></strong></p>'
        '<p style="text-indent:2em"><span style="font-size:15px">近日，<b>德阳</b>市科协召开会议。</span></p>'
        '<p><span style="font-weight: bold">◆ 要点一</span></p></body>'
    )
    assert [b.text for b in blocks] == ["栏目", "德阳市科协开展活动", "近日，德阳市科协召开会议。", "◆ 要点一"]
    heading, title, para, bullet = blocks
    assert heading.heading == 2 and heading.bold
    assert title.bold and title.center and title.font_size == 18
    assert not para.bold and not para.center and para.font_size == 15
    assert bullet.bullet == "◆" and bullet.bold


def test_br_splits_paragraphs_and_scripts_are_skipped():
    blocks = blocks_of("<body><div>第一段。<br>第二段。<br/><br/><script>var x=1;</script>第三段。</div></body>")
    assert [b.text for b in blocks] == ["第一段。", "第二段。", "第三段。"]


def test_nested_sections_and_inline_tails():
    blocks = blocks_of(
        "<body><section><section><p>甲<span>乙</span>丙</p>丁</section><p>戊</p></section></body>"
    )
    assert [b.text for b in blocks] == ["甲乙丙", "丁", "戊"]


def test_whitespace_nbsp_ideographic_space_zero_width():
    blocks = blocks_of("<body><p>\u3000\u3000近日，\n  遂宁市\u200b科协&nbsp;召开会议。</p><p>&nbsp;</p></body>")
    assert [b.text for b in blocks] == ["近日，遂宁市科协 召开会议。"]


def test_hidden_elements_are_not_text():
    blocks = blocks_of('<body><p>可见。</p><p style="display: none">隐藏。</p></body>')
    assert [b.text for b in blocks] == ["可见。"]


def test_text_blocks_one_per_line():
    assert [b.text for b in text_blocks("甲\n\n  乙 \r\n\u3000丙")] == ["甲", "乙", "丙"]


def test_parse_html_rejects_nothing_quietly():
    assert parse_html("") is None
    assert parse_html("   ") is None
