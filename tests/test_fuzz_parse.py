"""Fuzzing of extraction and splitting (hypothesis): a few thousand generated pages per
run, through ``parse_page`` as the spiders call it. The invariants are in
``tests/fuzzing.py: check_parse``; ``scripts/fuzz_parse.py --examples 100000`` is the
long run of the same strategies."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing import CONTENT_TYPES, check_parse, html_text, line, page_bytes

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


@settings(FUZZ, max_examples=1200)
@given(page_bytes, st.sampled_from(CONTENT_TYPES))
def test_fuzz_page_bytes(data, content_type):
    check_parse(data, content_type=content_type)


@settings(FUZZ, max_examples=600)
@given(html_text)
def test_fuzz_page_text(text):
    check_parse(text)


@settings(FUZZ, max_examples=600)
@given(st.lists(line, max_size=40).map("\n".join))
def test_fuzz_plain_text(text):
    check_parse(text, is_text=True)


@settings(FUZZ, max_examples=400)
@given(st.binary(max_size=3000), st.sampled_from(CONTENT_TYPES))
def test_fuzz_raw_bytes(data, content_type):
    check_parse(data, content_type=content_type)
