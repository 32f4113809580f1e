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


# --- place-name characters keep their form (乾安县科協 must not read 干安县科协) -------------

from importlib import resources

import pytest

from kexie_scraper.parsing import hanzi, regions


def _divisions() -> list[tuple[str, str]]:
    text = resources.files("kexie_scraper").joinpath("data/divisions.tsv").read_text(encoding="utf-8")
    return [(row[0], row[1]) for row in (line.split("\t") for line in text.splitlines()[1:])]


def test_every_division_name_survives_a_traditional_neighbour():
    # The property that matters: a current name followed by any 繁體 character (科協) is still
    # that name after conversion. Before the fix 乾安县 and 乾县 came out as 干安县, 干县.
    broken = [(code, name) for code, name in _divisions() if to_simplified(name + "科協") != name + "科协"]
    assert broken == []


def test_every_place_name_character_survives_a_traditional_neighbour():
    # Any place-name character, wherever it stands, not only in the names as listed.
    broken = [c for c in sorted(hanzi._place_name_chars()) if to_simplified(c + "安县科協") != c + "安县科协"]
    assert broken == []


@pytest.mark.parametrize(
    "text, simplified, code",
    [
        ("乾安县科協", "乾安县科协", "220723"),  # mixed: 協 alone sends the text through OpenCC
        ("乾安縣科協", "乾安县科协", "220723"),  # fully 繁體: OpenCC's own phrase keeps 乾安
        ("近日，乾县科協舉辦講座", "近日，乾县科协举办讲座", "610424"),
    ],
)
def test_qian_counties_are_recognized_through_the_conversion(text, simplified, code):
    assert to_simplified(text) == simplified
    assert regions.recognize([to_simplified(text)]).code == code


def test_the_rest_of_a_mixed_text_is_still_converted():
    assert to_simplified("乾安县科協舉辦科普講座") == "乾安县科协举办科普讲座"
    assert to_simplified("乾隆年間，乾县科協") == "乾隆年间，乾县科协"


class _LengthChangingConverter:
    """The real t2s plus one made-up phrase rule that lengthens the text (举办 → 举行办),
    to reach the path for conversions whose positions no longer line up."""

    def __init__(self):
        self._real = hanzi._converter()

    def convert(self, text: str) -> str:
        return self._real.convert(text).replace("举办", "举行办")


@pytest.fixture
def length_changing_converter(monkeypatch):
    hanzi._traditional_chars()  # built from the real converter before the swap
    fake = _LengthChangingConverter()
    hanzi._convert.cache_clear()
    monkeypatch.setattr(hanzi, "_converter", lambda: fake)
    yield fake
    hanzi._convert.cache_clear()


def test_a_conversion_that_changes_length_stays_aligned_and_keeps_place_characters(length_changing_converter):
    text = "乾安县科協舉辦講座，乾县科協開展活動"
    assert length_changing_converter.convert(text) != text  # the fake rule does fire on it
    assert len(length_changing_converter.convert(text)) != len(text)
    simple = to_simplified(text)
    assert len(simple) == len(text)
    assert simple == "乾安县科协举办讲座，乾县科协开展活动"
    assert regions.recognize([simple]).code == "220723"


def test_runs_between_place_characters_are_converted_whole(monkeypatch):
    # Off the aligned path, a run without place-name characters still goes to OpenCC in one
    # piece, so its phrase rules apply; only a run whose length changes goes per character.
    calls = []
    real = hanzi._converter()

    class Recording:
        def convert(self, text):
            calls.append(text)
            return real.convert(text)

    monkeypatch.setattr(hanzi, "_converter", lambda: Recording())
    keep = hanzi._place_name_chars()
    text = "乾安县科協舉辦講座"
    out = hanzi._convert_around_place_chars(text)
    assert out == "乾安县科协举办讲座"
    runs = [p for p in hanzi._place_name_char_split().split(text) if p and p not in keep]
    assert calls == runs and all(c not in keep for run in runs for c in run)
