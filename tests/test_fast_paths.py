"""The parser's fast paths equal the plain definitions they replace, on any input.

Each was written for speed (``kexie bench``); each must give exactly what the simple
form gives, or content hashes (article ids) and parse results would drift between versions.
"""

from __future__ import annotations

import re
import unicodedata

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
