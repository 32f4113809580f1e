"""A synthetic 科技工作者之家 mirror: channel list pages and bulletin pages, and a server for them.

Everything is generated from a seed, deterministically: the same ``(pages, seed)`` gives
the same bytes on every machine. The text is recombined from the sentence templates
below (written for this generator) and real place names from the project's own GB/T 2260
table (``kexie_scraper/data/divisions.tsv``); people are invented from a list of common
surnames and given-name characters. Nothing is copied from any site.

Bulletin pages use the formats of ``fixtures/scimall/`` inside the chrome of
``article_seed_difang_kexie.html``:

* ``titled``: centred bold titles, paragraphs, a trailing ``(attribution)`` (format 1);
* ``briefs``: untitled one-paragraph briefs in WeChat ``<section>``s, ``（org）`` (format 2);
* ``bullets``: ◆-bulleted one-paragraph briefs, ``(org)`` (format 3a);
* ``bullet_titles``: ● bold title lines, paragraphs, ``（attribution）`` (format 3b).

Sidebars (推荐资讯, 热门排行, 友情链接), a stylesheet and an initial-state script bring each
page to 20–60 KB, as real portal pages are. URLs are the scimall ones
(``/channel/list?cid=5&page=N``, ``/article/detail?id=N``), so the real ``scimall``
spider crawls the mirror unchanged through ``KEXIE_REPLAY_URL``.

Serve it in its own process::

    python -m kexie_scraper.bench.mirror --pages 1000 [--seed 6] [--port 0]

prints ``http://127.0.0.1:PORT`` once every page is in memory, then serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

HOST = "www.scimall.org.cn"
CHANNEL_URL = f"https://{HOST}/channel/list?cid=5"
FIRST_ID = 8000001
PER_LIST = 20
MIN_BYTES, MAX_BYTES = 20 * 1024, 60 * 1024
FORMATS = ("titled", "briefs", "bullets", "bullet_titles")
DIVISIONS = Path(__file__).resolve().parent.parent / "data" / "divisions.tsv"

# --- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """An organisation's home: ``org`` is how the bulletin names it, ``lead`` how a
    report's first sentence does (with its city), ``code`` the expected region code."""

    org: str
    lead: str
    code: str


@dataclass(frozen=True)
class Province:
    name: str
    short: str  # 四川省 → 四川 (the publisher is 四川科协)
    code: str
    places: tuple[Place, ...]


_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    """Provinces with the cities and counties whose names are unambiguous inside them."""
    rows = [line.split("\t") for line in DIVISIONS.read_text(encoding="utf-8").splitlines()[1:]]
    by_province: dict[str, list[list[str]]] = {}
    for row in rows:
        by_province.setdefault(row[3], []).append(row)
    out = []
    for rows_p in by_province.values():
        head = next((r for r in rows_p if r[2] == "province"), None)
        if head is None or head[0][:2] in ("71", "81", "82"):
            continue
        names = [r[1] for r in rows_p]
        places = []
        for code, name, level, province, city, county in rows_p:
            if names.count(name) > 1 or len(name) < 3 or level == "province":
                continue
            if level == "city":
                places.append(Place(f"{name}科协", f"{name}科协", code))
            elif city and city != province:
                places.append(Place(f"{name}科协", f"{city}{name}科协", code))
            else:  # a district of a 直辖市, or a county-level city under the province
                places.append(Place(f"{name}科协", f"{name}科协", code))
        if len(places) >= 8:
            out.append(Province(head[1], _short(head[1]), head[0], tuple(places)))
    return tuple(out)


# --- text -------------------------------------------------------------------------------------
# Written for this generator. Slots: {org} the organisation as named in a title, {lead} with
# its city, {short} 市科协/区科协/县科协, {when} a date phrase, {year}, and the word lists below.

THEMES = (
    "科技创新 共享未来", "热爱科学 探索未知", "科普惠民 共建共享", "弘扬科学精神 提升科学素质",
    "科技赋能 乡村振兴", "安全伴我行", "绿色低碳 美好生活", "创新驱动 筑梦未来", "科学生活 健康同行",
    "数字时代 智慧生活",
)
TOPICS = (
    "人工智能", "新能源汽车", "生命健康", "航空航天", "智慧农业", "防灾减灾", "应急救护", "低碳生活",
    "海洋科普", "数字经济", "节水护水", "食品安全", "心理健康", "防范电信诈骗", "机器人编程", "无人机",
)
FIELDS = ("农业", "林业", "医学", "水利", "机械", "信息技术", "生物医药", "新材料", "畜牧兽医", "气象", "地质", "环境保护")
CROPS = ("水稻", "小麦", "玉米", "茶叶", "柑橘", "猕猴桃", "蔬菜", "食用菌", "中药材", "油菜", "马铃薯", "葡萄")
VENUES = ("市民广场", "科技馆", "文化活动中心", "体育中心", "图书馆", "科普教育基地", "会展中心", "人民公园")
RURAL = ("各乡镇种植基地", "农业产业园", "田间地头", "专业合作社", "现代农业示范基地", "村级服务站")
PARTNERS = ("教育局", "应急管理局", "卫生健康局", "气象局", "农业农村局", "生态环境局", "消防救援大队", "团委")
SCHOOLS = ("实验小学", "第一中学", "第二中学", "职业技术学校", "中心小学", "实验中学")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林梁宋郑谢韩唐冯董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "晓建志海明丽静伟芳军敏磊婷浩雪春文华玉涛思宇佳欣子嘉俊凯鹏立新永兰秀红霞云峰"

# (title after the org, opening sentence)
ACTIVITIES = (
    ("举办{year}年科技活动周启动仪式",
     "{when}，{lead}{year}年科技活动周启动仪式在{venue}举行，活动以“{theme}”为主题，设置{topic}、{topic2}等展示区{n2}个。"),
    ("开展全国科普日活动",
     "{when}，{lead}在{venue}开展全国科普日主题活动，围绕{topic}、{topic2}和{topic3}组织科普展览和互动体验。"),
    ("召开{year}年度工作会议",
     "{when}，{lead}召开{year}年度工作会议，总结上一年度工作成效，部署当年重点任务，全体干部职工{n2}人参加会议。"),
    ("组织专家开展科技助农服务",
     "{when}，{lead}组织{field}专家深入{rural}，围绕{crop}、{crop2}种植开展技术指导，帮助农户解决生产难题{n2}个。"),
    ("举办科技工作者座谈会",
     "{when}，{lead}举办科技工作者座谈会，邀请{field}、{field2}等领域的{n2}名科技工作者代表参加。"),
    ("开展科普进校园活动",
     "{when}，{lead}联合{partner}走进{school}，开展以“{theme}”为主题的科普进校园活动，{n3}余名师生参加。"),
    ("举办科普信息员培训班",
     "{when}，{lead}举办科普信息员培训班，各乡镇（街道）科协负责人及科普信息员共{n2}余人参加培训。"),
    ("开展院士专家工作站建设调研",
     "{when}，{lead}组成调研组，先后走访{n1}家企业，就院士专家工作站建设运行和{field}领域人才需求进行调研。"),
    ("召开党组理论学习中心组学习会",
     "{when}，{lead}召开党组理论学习中心组学习会，围绕加强基层科协组织建设、服务科技工作者等内容进行交流研讨。"),
    ("开展防灾减灾科普宣传",
     "{when}，{lead}联合{partner}在{venue}开展防灾减灾科普宣传活动，通过展板展示、现场演示等形式普及避险自救知识。"),
    ("举办青少年科技创新大赛",
     "{when}，{lead}举办第{n1}届青少年科技创新大赛，共收到全{level}中小学生科技创新作品{n3}件。"),
    ("开展走访慰问科技工作者活动",
     "{when}，{lead}开展走访慰问优秀科技工作者活动，先后走访了{field}、{field2}等领域的{n1}家单位。"),
    ("推进基层科协组织建设",
     "{when}，{lead}召开基层科协组织建设推进会，全{level}各乡镇（街道）、企业科协负责人共{n2}人参加。"),
    ("举办{year}年学术年会",
     "{when}，{lead}{year}年学术年会开幕，年会以“{theme}”为主题，设置{field}、{field2}等分会场{n1}个。"),
)
DETAILS = (
    "活动现场，{field}专家为群众提供咨询服务，解答各类问题{n3}余人次。",
    "{topic}、{topic2}等体验项目吸引了大批青少年驻足参与，现场气氛热烈。",
    "活动共发放科普宣传资料{n4}余份，展出科普展板{n2}块，惠及群众{n4}余人次。",
    "会议通报了上一年度考核结果，对{n2}个先进集体和{n2b}名先进个人进行了表彰。",
    "与会代表围绕{topic}、人才培养和成果转化等方面提出意见建议{n2}条。",
    "专家们采取“理论讲解+现场示范”的方式，手把手传授{crop}{stage}等实用技术。",
    "培训内容涵盖科普中国平台使用、科普信息转发分享和{topic}知识等方面。",
    "调研组详细了解了企业研发投入、技术攻关和{field}人才引进等情况，听取了意见建议。",
    "会议强调，要把学习成果转化为推动科协事业发展的实际成效，着力解决科技工作者急难愁盼问题。",
    "活动期间，还组织开展了{topic}专题讲座{n1}场，线上观看人数达{n4}人次。",
    "大赛设置科技创新成果、科幻画、科技实践活动等类别，经专家评审，共评出一等奖{n2}项。",
    "每到一处，慰问组都详细询问科技工作者的工作和生活情况，认真听取大家的意见建议。",
    "会议对下一阶段基层组织建设工作作出安排，要求各单位明确责任、细化措施、加快推进。",
    "年会共收到学术论文{n3}篇，{n2}位专家学者作主旨报告，{n3}余名科技工作者参会。",
    "{partner}相关负责人介绍了近年来{topic}工作的开展情况，并现场解答了群众提问。",
    "此次活动进一步普及了{topic}知识，增强了群众的科学意识和自我保护能力。",
    "截至目前，全{level}已建成院士专家工作站{n1}家、科普教育基地{n2}个。",
    "{short}负责人表示，这次活动是落实全民科学素质行动的具体举措，受到广泛欢迎。",
)
CLOSERS = (
    "下一步，{short}将继续发挥组织优势，推动{topic}工作常态化开展。",
    "{short}将以此为契机，持续深化科技志愿服务，不断提升公众科学素质。",
    "下一步，{short}将加强跟踪服务，推动更多科技成果在基层落地见效。",
    "会议要求，全{level}科协系统要坚持问题导向，确保各项任务落到实处。",
    "据悉，类似活动今年还将陆续在{n1}个乡镇（街道）开展。",
)
STAGES = ("春季管理", "病虫害绿色防控", "高产栽培", "科学施肥", "采后储藏")
WHEN_WORDS = ("近日", "日前", "{m}月上旬", "{m}月中旬", "{m}月下旬")


class _Text:
    """One bulletin's text source: its own RNG, province and date."""

    def __init__(self, rng: random.Random, province: Province, day: date) -> None:
        self.rng = rng
        self.province = province
        self.day = day

    def when(self) -> str:
        r = self.rng
        if r.random() < 0.5:
            return f"{self.day.month}月{r.randint(1, self.day.day)}日"
        return r.choice(WHEN_WORDS).format(m=self.day.month)

    def person(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def slots(self, place: Place) -> dict[str, str]:
        r = self.rng
        topics = r.sample(TOPICS, 3)
        fields = r.sample(FIELDS, 2)
        crops = r.sample(CROPS, 2)
        level = "市" if place.org.endswith("市科协") and place.code.endswith("00") else ("区" if "区科协" in place.org else "县")
        return {
            "org": place.org, "lead": place.lead, "short": f"{level}科协", "level": level,
            "when": self.when(), "year": str(self.day.year), "theme": r.choice(THEMES),
            "topic": topics[0], "topic2": topics[1], "topic3": topics[2],
            "field": fields[0], "field2": fields[1], "crop": crops[0], "crop2": crops[1],
            "venue": r.choice(VENUES), "rural": r.choice(RURAL), "partner": r.choice(PARTNERS),
            "school": r.choice(SCHOOLS), "stage": r.choice(STAGES),
            "n1": str(r.randint(2, 9)), "n2": str(r.randint(10, 60)), "n2b": str(r.randint(10, 60)),
            "n3": str(r.randint(100, 900)), "n4": str(r.randint(1000, 9000)),
        }

    def report(self, place: Place, paragraphs: int) -> tuple[str, list[str]]:
        """(title, paragraphs) of one report: an opening, details, maybe a closing sentence."""
        r = self.rng
        activity, opening = r.choice(ACTIVITIES)
        s = self.slots(place)
        details = [d.format(**s) for d in r.sample(DETAILS, 2 * paragraphs + 1)]
        sentences = [opening.format(**s)] + details
        if r.random() < 0.6:
            sentences.append(r.choice(CLOSERS).format(**s))
        # Cut the sentences into the wanted number of paragraphs, the opening leading the first.
        cuts = sorted(r.sample(range(1, len(sentences)), paragraphs - 1)) if paragraphs > 1 else []
        paras = ["".join(sentences[a:b]) for a, b in zip([0] + cuts, cuts + [len(sentences)])]
        return f"{place.org}{activity.format(**s)}", paras

    def attribution(self, place: Place, org_only: bool) -> str:
        r = self.rng
        if org_only:
            return place.org
        pick = r.random()
        if pick < 0.35:
            return place.org
        if pick < 0.6:
            return self.person()
        if pick < 0.8:
            return f"通讯员 {self.person()}"
        return f"{self.person()} {self.person()}"


# --- pages ------------------------------------------------------------------------------------

STYLE = """
.header{background:#1b5fae;height:64px}.header .wrap{width:1200px;margin:0 auto}
.nav li{float:left;padding:0 18px;line-height:64px}.nav li a{color:#fff;font-size:16px}
.main{width:1200px;margin:20px auto}.article-detail{float:left;width:820px}
.detail-title{font-size:26px;line-height:40px;color:#222}.detail-info span{margin-right:20px;color:#999}
.detail-content p{font-size:16px;line-height:30px;margin:10px 0}.detail-copyright{color:#999;font-size:13px}
.sidebar{float:right;width:340px}.side-title{border-left:4px solid #1b5fae;padding-left:10px}
.side-list li{line-height:34px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.side-time{float:right;color:#aaa}.footer{background:#f5f5f5;text-align:center;padding:30px 0}
.friend-links a{margin:0 8px;color:#666}.news-list li{line-height:40px;border-bottom:1px dashed #ddd}
.pager a,.pager span{display:inline-block;padding:4px 10px;border:1px solid #ddd;margin:0 3px}
"""


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _head(title: str, description: str, css: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}-科技工作者之家</title>
<meta name="keywords" content="科技工作者之家,地方科协">
<meta name="description" content="{_esc(description)}">
<meta property="og:title" content="{_esc(title)}">
<link rel="stylesheet" href="/static/css/{css}.css?v=20240601">
<style>{STYLE}</style>
</head>
<body>
<div class="header">
  <div class="wrap">
    <a class="logo" href="/"><img src="/static/img/logo.png" alt="科技工作者之家"></a>
    <ul class="nav">
      <li><a href="/">首页</a></li>
      <li><a href="/channel/list?cid=1">时政</a></li>
      <li class="active"><a href="/channel/list?cid=5">地方科协</a></li>
      <li><a href="/channel/list?cid=6">全国学会</a></li>
      <li><a href="/channel/list?cid=8">科技人物</a></li>
    </ul>
    <div class="login"><a href="/user/login">登录</a> | <a href="/user/register">注册</a></div>
  </div>
</div>
"""


FOOTER_LINKS = ("中国科协", "科普中国", "中国科技网", "学习强国", "全国学会", "科学家精神", "科技志愿服务", "智慧科协")


def _footer(rng: random.Random) -> str:
    links = "".join(f'<a href="/link/{i}" target="_blank">{name}</a>' for i, name in enumerate(rng.sample(FOOTER_LINKS, 6)))
    return f"""<div class="footer"><div class="friend-links">友情链接:{links}</div><p>主办:中国科学技术协会 京ICP备XXXXXXXX号</p></div>
<script src="/static/js/jquery.min.js"></script>
<script>var _hmt=_hmt||[];(function(){{var hm=document.createElement("script");hm.src="/static/js/stat.js?v=3";var s=document.getElementsByTagName("script")[0];s.parentNode.insertBefore(hm,s);}})();</script>
</body>
</html>
"""


@dataclass
class GeneratedPage:
    url: str
    body: bytes
    kind: str  # "list" or "article"
    format: str | None = None
    # For article pages: each expected report as (title or None, org, region code).
    reports: list[tuple[str | None, str, str]] = field(default_factory=list)

    @property
    def expected_articles(self) -> int:
        return len(self.reports)


class Mirror:
    """``pages`` bulletin pages (ids FIRST_ID…) and their channel list pages, from ``seed``."""

    def __init__(self, pages: int, seed: int = 6) -> None:
        if pages < 1:
            raise ValueError("pages must be at least 1")
        self.pages = pages
        self.seed = seed
        self.list_pages = -(-pages // PER_LIST)
        self._headlines: dict[int, str] = {}

    # ids run oldest → newest; list page 1 shows the newest.
    def article_ids(self) -> range:
        return range(FIRST_ID, FIRST_ID + self.pages)

    @staticmethod
    def article_url(article_id: int) -> str:
        return f"https://{HOST}/article/detail?id={article_id}"

    @staticmethod
    def list_url(page_no: int) -> str:
        return CHANNEL_URL if page_no == 1 else f"{CHANNEL_URL}&page={page_no}"

    def _rng(self, *key: object) -> random.Random:
        return random.Random(":".join(map(str, (self.seed, self.pages) + key)))

    def day_of(self, article_id: int) -> date:
        span = 1600  # days from 2020-01-01, spread evenly over the ids
        return date(2020, 1, 1) + timedelta(days=(article_id - FIRST_ID) * span // max(self.pages, 1))

    def list_ids(self, page_no: int) -> list[int]:
        newest = FIRST_ID + self.pages - 1 - (page_no - 1) * PER_LIST
        return [i for i in range(newest, newest - PER_LIST, -1) if i >= FIRST_ID]

    def headline_of(self, article_id: int) -> str:
        """What the list shows for a bulletin: the start of its first report."""
        if article_id not in self._headlines:
            self.article(article_id)
        return self._headlines[article_id]

    # --- padding shared by both kinds ---------------------------------------------------------
    def _rec_title(self, rng: random.Random) -> str:
        province = rng.choice(provinces())
        place = rng.choice(province.places)
        activity = rng.choice(ACTIVITIES)[0].format(year=rng.randint(2020, 2024))
        return f"{place.org}{activity}"

    def _pad(self, rng: random.Random, html: str, target: int, split_at: str, link: str) -> str:
        """Add sidebar items and an initial-state script until the page weighs ``target`` bytes.

        ``link``: where sidebar items point. List pages link to 专题 pages, not articles: the
        spider takes every article link on a list page, and a real list's sidebar is short.
        """
        size = len(html.encode("utf-8"))
        items, state = [], []
        sidebar_budget = (target - size) * 2 // 5
        while size < target:
            rid = rng.randrange(FIRST_ID, FIRST_ID + self.pages)  # links stay inside the mirror
            title = self._rec_title(rng)
            day = date(2020, 1, 1) + timedelta(days=rng.randint(0, 1600))
            if sidebar_budget > 0:
                li = f'<li><a href="{link}{rid}" title="{title}">{title}</a><span class="side-time">{day:%m-%d}</span></li>\n'
                items.append(li)
                cost = len(li.encode("utf-8"))
                sidebar_budget -= cost
            else:
                entry = {
                    "id": rid, "title": title, "summary": f"{title}。" + rng.choice(DETAILS).split("，")[0],
                    "cover": f"/upload/{day:%Y%m}/{rng.getrandbits(48):012x}.jpg", "views": rng.randint(50, 50000),
                    "time": day.isoformat(), "channel": rng.choice(("地方科协", "全国学会", "时政", "科技人物")),
                }
                line = json.dumps(entry, ensure_ascii=False) + ",\n"
                state.append(line)
                cost = len(line.encode("utf-8"))
            size += cost + 1
        sidebar = (
            '<div class="sidebar-more">\n  <h3 class="side-title">热门排行</h3>\n  <ul class="side-list">\n'
            + "".join(items) + "  </ul>\n</div>\n"
        )
        script = "<script>window.__INITIAL_STATE__={\"recommend\":[\n" + "".join(state).rstrip(",\n") + "\n]};</script>\n"
        return html.replace(split_at, sidebar + split_at, 1).replace("</body>", script + "</body>", 1)

    # --- article pages ------------------------------------------------------------------------
    def article(self, article_id: int) -> GeneratedPage:
        rng = self._rng("article", article_id)
        province = rng.choice(provinces())
        day = self.day_of(article_id)
        text = _Text(rng, province, day)
        fmt = FORMATS[rng.randrange(len(FORMATS))]
        count = rng.randint(3, 5) if fmt in ("titled", "bullet_titles") else rng.randint(4, 7)
        places = [rng.choice(province.places) for _ in range(count)]
        parts: list[str] = []
        reports: list[tuple[str | None, str, str]] = []
        ascii_brackets = rng.random() < 0.5
        for place in places:
            if fmt in ("titled", "bullet_titles"):
                title, paras = text.report(place, rng.randint(1, 3))
                attribution = text.attribution(place, org_only=False)
                reports.append((title, place.org, place.code))
            else:
                _, paras = text.report(place, 1)
                attribution = text.attribution(place, org_only=True)
                reports.append((None, place.org, place.code))
            close = f"({attribution})" if ascii_brackets else f"（{attribution}）"
            parts.append(self._item_html(rng, fmt, reports[-1][0], paras, close))
        publisher = f"{province.short}科协"
        alias = f"kexie{province.code[:2]}"
        wechat = rng.random() < 0.85
        tail = ""
        if wechat:
            biz = "Mz" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12)) + "=="
            link = (
                f"https://mp.weixin.qq.com/s?__biz={biz}&amp;mid={2247480000 + article_id}&amp;idx={rng.randint(1, 4)}"
                f"&amp;sn={rng.getrandbits(128):032x}&amp;chksm={rng.getrandbits(128):032x}#rd"
            )
            tail = (
                f"      <p><br></p>\n      <p>来源:{alias} {publisher}</p>\n"
                f'      <p>原文链接:<a href="{link}" target="_blank">{link}</a></p>\n'
            )
        self._headlines[article_id] = (reports[0][0] or reports[0][1])[:24]
        content = "".join(parts) + tail
        title = "【地方科协】"
        html = (
            _head(title, reports[0][0] or reports[0][1], "detail")
            + f"""<div class="main wrap clearfix">
  <div class="crumbs"><a href="/">首页</a> &gt; <a href="/channel/list?cid=5">地方科协</a> &gt; 正文</div>
  <div class="article-detail">
    <h1 class="detail-title">{title}</h1>
    <div class="detail-info">
      <span class="detail-site">科技工作者之家</span>
      <span class="detail-time">{day.isoformat()}</span>
    </div>
    <div class="detail-source">来源:{publisher}</div>
    <div class="detail-content">
{content}    </div>
    <div class="detail-copyright">
      <p>版权声明:除非特别注明,本站所载内容来源于互联网、微信公众号等公开渠道,不代表本站观点,仅供参考、交流、公益传播之目的。转载的稿件版权归原作者或机构所有,如有侵权,请联系删除。</p>
      <p>电话:(010)86409582</p>
      <p>邮箱:kejie@scimall.org.cn</p>
    </div>
    <div class="detail-tags"><span class="tag">地方科协</span><span class="tag">{province.short}</span></div>
  </div>
  <div class="sidebar">
    <h3 class="side-title">推荐资讯</h3>
    <ul class="side-list">
      <li><a href="/article/detail?id={max(FIRST_ID, article_id - 1)}">{_esc(self._rec_title(rng))}</a></li>
      <li><a href="/article/detail?id={max(FIRST_ID, article_id - 2)}">{_esc(self._rec_title(rng))}</a></li>
    </ul>
"""
            + "<!--sidebar-end-->  </div>\n</div>\n"
            + _footer(rng)
        )
        html = self._pad(rng, html, rng.randint(MIN_BYTES, MAX_BYTES), "<!--sidebar-end-->", "/article/detail?id=")
        return GeneratedPage(self.article_url(article_id), html.encode("utf-8"), "article", fmt, reports)

    @staticmethod
    def _item_html(rng: random.Random, fmt: str, title: str | None, paras: list[str], close: str) -> str:
        paras = paras[:-1] + [paras[-1] + close]
        if fmt == "titled":
            out = f'      <p style="text-align: center;"><strong><span style="font-size: 17px;">{title}</span></strong></p>\n      <p><br></p>\n'
            for p in paras:
                out += f'      <p style="text-indent: 2em;"><span style="font-size: 15px;">{p}</span></p>\n      <p><br></p>\n'
            return out
        if fmt == "bullet_titles":
            out = f'      <section style="margin: 10px 0px;">\n        <p><strong><span style="color: rgb(255, 104, 39);">●</span> {title}</strong></p>\n'
            for p in paras:
                out += f'        <p style="text-indent: 2em;">{p}</p>\n'
            return out + "      </section>\n"
        if fmt == "briefs":
            return (
                '      <section style="margin-bottom: 10px; line-height: 1.75em;"><p style="text-align: justify;">'
                f'<span style="font-size: 15px; letter-spacing: 1px;">\u3000\u3000{paras[0]}</span></p></section>\n'
                "      <p>&nbsp;</p>\n"
            )
        gap = rng.choice((" ", "", "\u3000"))
        return (
            f'      <p style="line-height: 2em;"><span style="color: rgb(0, 112, 192);">◆</span>{gap}{paras[0]}</p>\n'
            "      <p><br></p>\n"
        )

    # --- list pages ---------------------------------------------------------------------------
    def list_page(self, page_no: int) -> GeneratedPage:
        rng = self._rng("list", page_no)
        ids = self.list_ids(page_no)
        rows = "".join(
            f'    <li><a href="/article/detail?id={i}" target="_blank" title="【地方科协】">【地方科协】{_esc(self.headline_of(i))}…</a>'
            f'<span class="time">{self.day_of(i).isoformat()}</span></li>\n'
            for i in ids
        )
        pager = "".join(
            f'<span class="current">{n}</span>' if n == page_no else f'<a href="/channel/list?cid=5&amp;page={n}">{n}</a>'
            for n in range(max(1, page_no - 4), min(self.list_pages, page_no + 4) + 1)
        )
        if page_no < self.list_pages:
            pager += f'<a class="next" href="/channel/list?cid=5&amp;page={page_no + 1}">下一页</a>'
        hot = "".join(f'<li><a href="/article/detail?id={i}">{_esc(self.headline_of(i))}</a></li>' for i in ids[:3])
        html = (
            _head("地方科协", "地方科协", "list")
            + f"""<div class="main wrap clearfix">
  <div class="list-box">
    <h2 class="col-title">地方科协</h2>
  <ul class="news-list">
{rows}  </ul>
  <div class="pager">{pager}</div>
  </div>
  <div class="sidebar"><h3>热门</h3><ul>{hot}</ul>
<!--sidebar-end--></div>
</div>
"""
            + _footer(rng)
        )
        html = self._pad(rng, html, rng.randint(MIN_BYTES, MAX_BYTES), "<!--sidebar-end-->", "/special/detail?id=")
        return GeneratedPage(self.list_url(page_no), html.encode("utf-8"), "list")

    def __iter__(self):
        """Every page: bulletin pages newest first, then the list pages."""
        for page_no in range(1, self.list_pages + 1):
            for i in self.list_ids(page_no):
                yield self.article(i)
        for page_no in range(1, self.list_pages + 1):
            yield self.list_page(page_no)


# --- items without pages (for the pipeline benchmark) ---------------------------------------


# Characters for ``distinct`` tails: the CJK Unified Ideographs block.
_TAIL_CHARS = [chr(c) for c in range(0x4E00, 0x9FA5)]


def synthetic_items(n_articles: int, seed: int = 6, per_bulletin: int = 5, page_done: bool = False,
                    distinct: bool = False):
    """A stream of Bulletin, Article × ``per_bulletin``, … holding ``n_articles`` articles,
    as the parser would hand them to the pipelines (``page_done``: each page ends with its
    ``PageDone`` marker, as in a crawl). Constant memory: nothing is kept.

    The reports recombine a finite set of sentences, so the more are made, the more alike
    two of them get (at 100,000, most new ones have a near-duplicate by MinHash among the
    earlier ones, which real reports of different events do not). ``distinct`` ends each
    body with a line of 60 random characters, which makes them as unlike as real ones."""
    from ..items import Article, Bulletin, PageDone
    from ..parsing import identity

    rng = random.Random(f"items:{seed}")
    tails = random.Random(f"tails:{seed}")  # its own stream: the reports are the same either way
    all_provinces = provinces()
    made = 0
    serial = 0
    while made < n_articles:
        serial += 1
        province = rng.choice(all_provinces)
        day = date(2020, 1, 1) + timedelta(days=rng.randint(0, 1600))
        text = _Text(rng, province, day)
        url = Mirror.article_url(FIRST_ID + serial)
        original = f"https://mp.weixin.qq.com/s?__biz=MzB{serial:010d}==&mid={2247480000 + serial}&idx=1&sn={rng.getrandbits(128):032x}"
        publisher = f"{province.short}科协"
        published = f"{day.isoformat()}T00:00:00+08:00"
        count = min(per_bulletin, n_articles - made)
        yield Bulletin(
            id=identity.bulletin_id(identity.bulletin_key(url, original)), source="scimall", url=url, canonical_url=url, title="【地方科协】", published_at=published,
            publisher=publisher, original_url=original, article_count=count,
        )
        for position in range(1, count + 1):
            place = rng.choice(province.places)
            title, paras = text.report(place, rng.randint(1, 3))
            if distinct:
                paras = [*paras, "".join(tails.choice(_TAIL_CHARS) for _ in range(60)) + "。"]
            yield Article(
                source="scimall", bulletin_url=url, bulletin_title="【地方科协】", position=position,
                title=title, body="\n".join(paras), attribution=text.attribution(place, org_only=False),
                org=place.org, region={"province": province.name, "city": None, "county": None, "code": place.code, "former_name": None},
                published_at=published, publisher=publisher, original_url=original,
                split_rule="titled", split_confidence=1.0,
            )
        if page_done:
            yield PageDone(url=url)
        made += count


# --- serving ----------------------------------------------------------------------------------


def route_key(target: str) -> str:
    """``/www.scimall.org.cn/article/detail?id=1`` (the replay form) or ``/article/detail?id=1``
    → ``/article/detail?id=1``, with the query sorted."""
    parts = urlsplit(target)
    path = parts.path or "/"
    first = path.split("/", 2)[1] if path.count("/") >= 2 else ""
    if "." in first:  # a host segment, as ReplayMiddleware sends it
        path = "/" + path.split("/", 2)[2]
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return path + (f"?{query}" if query else "")


ROBOTS = b"User-agent: *\nDisallow:\n"


def build_routes(mirror: Mirror) -> dict[str, bytes]:
    routes = {route_key("/robots.txt"): ROBOTS}
    for page in mirror:
        routes[route_key(page.url.split(HOST, 1)[1])] = page.body
    return routes


def _response(status: int, body: bytes, content_type: str) -> bytes:
    reason = {200: "OK", 404: "Not Found", 400: "Bad Request"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def _serve(routes: dict[str, bytes], port: int, ready) -> None:
    cache: dict[str, bytes] = {}
    not_found = _response(404, b"no such page\n", "text/plain; charset=utf-8")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                line, _, headers = request.partition(b"\r\n")
                try:
                    method, target, _version = line.decode("latin-1").split(" ", 2)
                except ValueError:
                    writer.write(_response(400, b"bad request\n", "text/plain"))
                    break
                response = cache.get(target)
                if response is None:
                    body = routes.get(route_key(target))
                    if body is None:
                        response = not_found
                    else:
                        ctype = "text/plain; charset=utf-8" if target.endswith("robots.txt") else "text/html; charset=utf-8"
                        response = cache[target] = _response(200, body, ctype)
                writer.write(response if method != "HEAD" else response.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
                await writer.drain()
                if b"connection: close" in headers.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
    ready(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    async with server:
        await server.serve_forever()


def serve(mirror: Mirror, port: int = 0) -> None:
    """Generate every page, print the base URL, serve until SIGTERM/SIGINT."""
    routes = build_routes(mirror)

    def ready(url: str) -> None:
        print(url, flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        asyncio.run(_serve(routes, port, ready))
    except KeyboardInterrupt:
        pass


class MirrorServer:
    """The mirror in its own process: ``with MirrorServer(pages) as m: m.url``."""

    def __init__(self, pages: int, seed: int = 6) -> None:
        self.pages, self.seed = pages, seed
        self.proc = None
        self.url: str | None = None

    def __enter__(self) -> "MirrorServer":
        import subprocess

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kexie_scraper.bench.mirror", "--pages", str(self.pages), "--seed", str(self.seed)],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline().strip()  # blocks until every page is generated
        if not line.startswith("http://127.0.0.1:"):
            self.__exit__()
            raise RuntimeError(f"mirror server did not start (said {line!r})")
        self.url = line
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kexie_scraper.bench.mirror", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100, help="bulletin pages (list pages come on top)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args(argv)
    serve(Mirror(args.pages, args.seed), args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
