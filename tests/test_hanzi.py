"""Traditional → simplified for matching: what callers rely on besides the conversion."""

from __future__ import annotations

from kexie_scraper.parsing.hanzi import to_simplified


def test_text_without_traditional_characters_is_returned_itself():
    # _org_as_written tells "nothing was converted" by identity, not by comparing strings.
    text = "近日，遂宁市科协召开工作会议。"
    assert to_simplified(text) is text


def test_texts_too_long_to_cache_convert_like_short_ones():
    # Past the cached length the converter is called directly; the result must not differ.
    line = "臺山市科協舉辦科普講座，鶴山市科協開展活動。"
    assert to_simplified(line) == "台山市科协举办科普讲座，鹤山市科协开展活动。"
    assert to_simplified(line * 200) == to_simplified(line) * 200
