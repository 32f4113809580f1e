"""Attributions: who reported an item — `(遂宁市科协)`, `(李华)`, `供稿:某市科协`.

The hard part is what is *not* an attribution: `县(区)`, `《条例(草案)》`, `张三(副主席)`,
`(以下简称“市科协”)`, `(2021—2025年)`. An attribution closes a paragraph (it follows
sentence-final punctuation) or stands on its own line, and its inside looks like a
person or an organisation.
"""

from __future__ import annotations

import re

from . import regions
from .hanzi import to_simplified
from .memo import text_cache

SENTENCE_END = "。！？!?”’」』…）)】．."
_TRAILING = re.compile(r"[(（]\s*([^()（）\n]{1,40}?)\s*[)）]\s*$")
_WHOLE = re.compile(r"^[(（【\[]\s*([^()（）\n]{1,40}?)\s*[)）】\]]$")
_LABELLED = re.compile(r"^(?:供稿单位|来稿单位|稿件来源|供稿|稿源|来源|作者|撰稿|通讯员|信息来源|文字|文|文/图|图/文|文图)\s*[:：]\s*(.{2,40})$")
_SUFFIXED = re.compile(r"^(.{2,30}?)\s*(?:供稿|报送|供图)$")
# Photo and text credits on their own line: `王五 摄`, `赵六 文/图`, `图/文 李四`.
_CREDIT = re.compile(r"^(?:[\u4e00-\u9fff·]{2,5}[\s、]*){1,3}\s*(?:摄|摄影|文/图|图/文|文图|供图)$|^(?:文/图|图/文|摄影|文|图)\s*[:：/]?\s*[\u4e00-\u9fff·]{2,5}(?:[\s、]+[\u4e00-\u9fff·]{2,5}){0,2}$")
# Several labelled credits on one line: `文/张三 图/李四`, `文：张三 摄影：王五`.
_ROLE_CREDITS = re.compile(
    r"^(?:(?:文字|文|图片|图|摄影|视频|通讯员)\s*[/:：]\s*[\u4e00-\u9fff·]{2,5}(?:[\s、]+[\u4e00-\u9fff·]{2,5})*\s*){2,4}$"
)
# `晋安区科协 林志强`: an organisation and its reporter, unlabelled, on their own line.
_ORG_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,16}(?:科协|科学技术协会|学会|协会)\s+[\u4e00-\u9fff·]{2,4}(?:[\s、]+[\u4e00-\u9fff·]{2,4}){0,2}$")
# A credit that opens a paragraph: `（通讯员 王芳）3月1日，…`, `本报讯（记者 甲 通讯员 乙）近日，…`.
_LEAD = re.compile(r"^(?:本报讯|本刊讯|讯)?\s*[(（]\s*([^()（）\n]{2,40}?)\s*[)）]\s*")
# An organisation's own dateline: `某市科协讯 11月2日，…`, `某县科协讯：…`.
_ORG_DATELINE = re.compile(r"^([\u4e00-\u9fff]{2,24}?(?:科学技术协会|科协|学会|协会))讯\s*[:：]?\s*")

# Suffixes that make the inside an organisation.
ORG_SUFFIX = re.compile(
    r"(科学技术协会|科协|协会|学会|研究会|联合会|促进会|委员会|办公室|宣传部|融媒体中心|中心|局|馆|站|院|所|社|部|办|组)$"
)
# 文/图 only as labels (`文：张三`, `图 李四`): 文登区科协 and 图木舒克市科协 keep their first character.
_ROLE_PREFIX = re.compile(r"^(?:(?:通讯员|记者|作者|撰稿|供稿|摄影|编辑|本报记者|本报通讯员)\s*[:：]?|(?:图|文)(?:\s*[:：/]|\s+))\s*")
_NOT_ATTRIBUTION = re.compile(
    r"草案|试行|暂行|修订|征求意见|简称|以下|详见|附件|待续|^完$|^图$|^续$|视频|点击|"
    r"^(?:副?主席|副?书记|副?主任|副?部长|副?局长|副?会长|秘书长|院士|教授|代表|委员|理事长|常委)$|"
    r"\d+\s*[年月日项个人次场家条万元]|^[一二三四五六七八九十\d]+$|^[区县市州镇乡街道省]+$"
)
_NAME = r"[\u4e00-\u9fff·]{2,5}"
_PERSONS = re.compile(rf"^{_NAME}(?:[\s、,，]+{_NAME}){{0,4}}$")
_BAD_INSIDE = re.compile(r"[。；;？?！!：:“”\"]")


def looks_like_attribution(inner: str) -> bool:
    return _looks_like_attribution(to_simplified(inner.strip()))


def _looks_like_attribution(inner: str) -> bool:
    """looks_like_attribution of a stripped, simplified ``inner``."""
    if not 2 <= len(inner) <= 40 or _BAD_INSIDE.search(inner) or _NOT_ATTRIBUTION.search(inner):
        return False
    bare = _ROLE_PREFIX.sub("", inner)
    if bare != inner and bare:  # 通讯员 张三, 记者 李四: the role makes it one
        return True
    if ORG_SUFFIX.search(bare) or "科协" in bare:
        return True
    if re.search(r"(?:供稿|撰稿|供图|摄)$", bare):
        return True
    return bool(_PERSONS.match(bare))


# Cached: each split rule asks this of the same closing paragraphs again (text_cache).
@text_cache()
def trailing_attribution(text: str) -> tuple[str, str] | None:
    """`…精神家园。(李华)` → ('…精神家园。', '李华'); None when the paragraph has none."""
    if not _ends_with_parenthesis(text):
        return None  # most paragraphs: no need to try _TRAILING at each of their brackets
    match = _TRAILING.search(text)
    if not match:
        return None
    before = text[: match.start()].rstrip()
    if not before or before[-1] not in SENTENCE_END:
        return None
    inner = match.group(1).strip()
    return (before, inner) if looks_like_attribution(inner) else None


def _ends_with_parenthesis(text: str) -> bool:
    """Does ``text`` end in `)` or `）`, trailing whitespace aside, as _TRAILING requires?"""
    end = text[-1:]
    if end.isspace():
        end = text.rstrip()[-1:]
    return end in (")", "）")


def _may_be_credit_line(simple: str) -> bool:
    """Could _CREDIT, _ORG_PERSON or _ROLE_CREDITS match? Each needs a character that
    these cheap tests look for (a role word first, 摄/影/图/文 last, an org word), and
    proving a short line none of them this way costs less than their backtracking."""
    end = simple[:-1] if simple.endswith("\n") else simple  # `$` matches before a final newline too
    return simple[:1] in _CREDIT_FIRST or end[-1:] in _CREDIT_LAST or "协" in simple or "学会" in simple


# _CREDIT starts with 文/图/摄 (文/图, 图/文, 摄影, 文, 图) or ends with 摄/影/图/文 (摄, 摄影,
# 文/图, 图/文, 文图, 供图); _ROLE_CREDITS starts with 文字, 文, 图片, 图, 摄影, 视频 or 通讯员;
# _ORG_PERSON holds 科协, 科学技术协会, 协会 or 学会. (Empty strings are in no tuple.)
_CREDIT_FIRST = ("文", "图", "摄", "视", "通")
_CREDIT_LAST = ("摄", "影", "图", "文")


def is_place_name(text: str) -> bool:
    """The whole text is one place name: 南昌, 九江市, 青白江区."""
    simple = to_simplified(text)
    places = regions.place_mentions(simple)
    return len(places) == 1 and places[0] == simple.replace(" ", "")


def attribution_line(text: str) -> str | None:
    """A paragraph that is only an attribution: `(通讯员 张三)`, `供稿:某市科协`, `某区科协供稿`."""
    if len(text) > 45:
        return None
    simple = to_simplified(text)  # same length: 來源：… matches and is sliced from the text as written
    for pattern in (_WHOLE, _LABELLED):
        match = pattern.match(simple)
        if match and simple.startswith("【") and is_place_name(match.group(1)):
            return None  # `【南充】` heads a report from that place; it credits no one
        if match and looks_like_attribution(match.group(1)):
            return text[match.start(1) : match.end(1)].strip()
    match = _SUFFIXED.match(simple)
    if match and ORG_SUFFIX.search(match.group(1)):
        return text.strip()
    if _may_be_credit_line(simple) and (_CREDIT.match(simple) or _ORG_PERSON.match(simple) or _ROLE_CREDITS.match(simple)):
        return text.strip()
    return None


def lead_attribution(text: str) -> tuple[str, str] | None:
    """`（通讯员 王芳）3月1日，…` → ('（通讯员 王芳）', '通讯员 王芳'): the credit opening a paragraph.

    Only credits with a role word or an organisation count here: a paragraph may well open
    with a parenthesis that is no credit at all.
    """
    match = _LEAD.match(text)
    if match and match.end() < len(text):
        inner = match.group(1).strip()
        simple = to_simplified(inner)
        if _looks_like_attribution(simple) and (_ROLE_PREFIX.match(simple) or ORG_SUFFIX.search(re.split(r"\s", simple)[0]) or text.startswith(("本报讯", "本刊讯"))):
            return match.group(0), inner
    simple = to_simplified(text)
    dateline = _ORG_DATELINE.match(simple)
    if dateline and dateline.end() < len(text) and org_in_text(dateline.group(1)) == dateline.group(1):
        return text[: dateline.end()], text[: dateline.end(1)]
    return None


@text_cache()
def org_of_attribution(attribution: str | None) -> str | None:
    """The organisation named by an attribution, if it names one (not a person)."""
    if not attribution:
        return None
    bare = _ROLE_PREFIX.sub("", attribution.strip())
    bare = re.sub(r"\s*(?:供稿|报送|供图)$", "", bare)
    # `某市科协 张三`: organisation then person
    first = re.split(r"[\s、]+", bare)[0]
    if ORG_SUFFIX.search(first) and len(first) >= 3:
        return first
    return None


# An organisation named in a title or lead sentence: 遂宁市科协, 成都市青白江区科协, 某某学会.
_ORG_IN_TEXT = re.compile(
    # up to 24 characters before the suffix: 双江拉祜族佤族布朗族傣族自治县科协
    r"([\u4e00-\u9fff]{1,24}?(?:科学技术协会|科协|科技工作者协会|学会|研究会|农技协|协会))"
)
_LEAD_NOISE = re.compile(
    r"^(?:近日|日前|近期|今年以来|今年|当天|随后|同时|此外|为了?|在|由|据|本月|上周|本周|[上下]午|"
    r"\d+月\d+日|\d+日|记者从|从|于|经|以|将|与|和|及|对|向|全体|推动|助力|开展|召开|举办)+"
)


# Organisations that need no place name to be named: 中国科协, 全国学会 …
_NATIONAL = re.compile(r"^(?:中国|全国|中华)")
_BARE = ("省科协", "市科协", "县科协", "区科协", "州科协", "镇科协", "乡科协", "旗科协")


@text_cache()
def org_in_text(text: str | None) -> str | None:
    """The first named organisation in ``text``: it starts at a place name (遂宁市科协,
    成都市青白江区科协) or is national (中国科协); bare 市科协 does not name one."""
    if not text:
        return None
    for match in _ORG_IN_TEXT.finditer(text):
        candidate = match.group(1)
        places = regions.place_mentions(candidate)
        if places:
            start = candidate.find(places[0])
            org = candidate[start:] if start >= 0 else _LEAD_NOISE.sub("", candidate)
        else:
            org = _LEAD_NOISE.sub("", candidate)
            if not _NATIONAL.match(org):
                continue
        if len(org) >= 3 and org not in _BARE:
            return org
    return None
