"""`kexie new-source`: a spider, its fixture folder and its test, written together.

The spider is a declaration on the CMS family's base. The fixtures are placeholders in
the family's shape (a list page that leads to one article page, plus whatever paging
request the family makes), so the generated test passes as generated and the demo can
crawl the new source at once. Every placeholder sidecar says ``"placeholder": true``;
``kexie capture URL --name NAME/…`` replaces it with the real page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit

from .capture import FixtureWriter, expected_dict
from .parsing.page import parse_page

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PUBDATE = "2024-01-01 09:00"
ARTICLE_TITLE = "示例科协召开年度工作会议"
PLACEHOLDER_NOTE = (
    "Placeholder written by `kexie new-source`: the {family} family's shape, not this site's page. "
    "Replace it with `kexie capture {url} --name {name}`."
)


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Spider"


def _host_re(url: str) -> str:
    host = urlsplit(url).hostname or ""
    bare = host[4:] if host.startswith("www.") else host
    return r"(?:www\.)?" + re.escape(bare)


# --- placeholder pages ----------------------------------------------------------------------
def _article_page(body_open: str, body_close: str = "</div>") -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{ARTICLE_TITLE}</title>
<meta name="ArticleTitle" content="{ARTICLE_TITLE}">
<meta name="PubDate" content="{PUBDATE}">
<meta name="ContentSource" content="示例科协">
</head>
<body>
<h1>{ARTICLE_TITLE}</h1>
{body_open}
<p>本页是 kexie new-source 生成的占位页面：结构按网站所属的内容管理系统家族编写，不是网站的真实页面。</p>
<p>有网络的同事请用 kexie capture 保存真实的栏目页和文章页，替换本页及其预期结果，再按真实页面调整爬虫的选择器。</p>
{body_close}
</body>
</html>
"""


def _list_page(inner: str) -> str:
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>栏目列表（占位）</title></head>
<body>
{inner}
</body>
</html>
"""


@dataclass(frozen=True)
class Page:
    name: str  # file stem inside the source's fixture folder
    url: str
    body: str
    content_type: str = "text/html; charset=utf-8"


# The paging URLs are computed by the bases' own code, so the placeholders answer exactly
# the requests the generated spider will make. (Imported late: Scrapy is heavy.)
def _jcms_pages(url: str) -> list[Page]:
    from .spiders.base import BulletinSpider

    article = urljoin(url, "/art/2024/1/1/art_1_1.html")
    proxy = "/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=1&unitid=1&permissiontype=0"
    record = f'<li><a href="{urlsplit(article).path}" title="{ARTICLE_TITLE}">{ARTICLE_TITLE}</a><span>2024-01-01</span></li>'
    column = _list_page(
        '<div id="1"><script type="text/xml"><datastore>\n'
        f'<nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup>\n'
        f"<recordset>\n<record><![CDATA[{record}]]></record>\n</recordset>\n</datastore></script></div>"
    )
    empty = '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<recordset>\n</recordset>\n</datastore>\n'
    page2 = BulletinSpider.with_query(urljoin(url, proxy), page=2)
    return [
        Page("list_p1", url, column),
        Page("dataproxy_p2", page2, empty, "text/xml;charset=UTF-8"),
        Page("article_1", article, _article_page('<div id="zoom">')),
    ]


def _jpaas_pages(url: str) -> list[Page]:
    from .spiders.base import BulletinSpider
    from .spiders.bases.hanweb_jpaas import HanwebJpaasSpider, page_param

    article = urljoin(url, "/xw/art/2024/art_" + "0" * 32 + ".html")
    query = {"parseType": "bulidstatic", "webId": "1", "tplSetId": "1", "pageType": "column", "tagId": "list",
             "editType": "null", "pageId": "1"}
    querydata = "{" + ",".join(f"'{k}':'{v}'" for k, v in query.items()) + "}"
    unit = "/api-gateway/jpaas-publish-server/front/page/build/unit"
    section = _list_page(f'<script parseType="bulidstatic" url="{unit}" querydata="{querydata}"></script>')

    def unit_page(page_no: int, html: str) -> Page:
        page_url = BulletinSpider.with_query(
            urljoin(url, unit), **query, paramJson=page_param(page_no, HanwebJpaasSpider.jpaas_page_size)
        )
        body = json.dumps({"data": {"html": html}}, ensure_ascii=False)
        return Page(f"unit_p{page_no}", page_url, body, "application/json;charset=UTF-8")

    item = f"<li><a href='{urlsplit(article).path}'>{ARTICLE_TITLE}</a></li>"
    return [
        Page("section", url, section),
        unit_page(1, item),
        unit_page(2, ""),
        Page("article_1", article, _article_page('<div class="content" id="zoom">')),
    ]


def _trs_pages(url: str) -> list[Page]:
    article = urljoin(url, "./202401/t20240101_1.html")
    listing = _list_page(
        f'<ul class="list"><li><a href="./202401/t20240101_1.html" title="{ARTICLE_TITLE}">{ARTICLE_TITLE}</a>'
        '<span>2024-01-01</span></li></ul>\n<script>createPageHTML(1, 0, "index", "html");</script>'
    )
    return [Page("list_index", url, listing), Page("article_1", article, _article_page('<div class="TRS_Editor">'))]


def _simple_pages(article_path: str) -> Callable[[str], list[Page]]:
    """One list page holding one dated link to ``article_path``, and that article."""

    def pages(url: str) -> list[Page]:
        item = f'<ul><li><a href="{article_path}" title="{ARTICLE_TITLE}">{ARTICLE_TITLE}</a><span>2024-01-01</span></li></ul>'
        return [Page("list_p1", url, _list_page(item)),
                Page("article_1", urljoin(url, article_path), _article_page('<div class="article-body">'))]

    return pages


@dataclass(frozen=True)
class Family:
    base: str  # the class the spider extends
    module: str  # where it lives, relative to kexie_scraper.spiders
    about: str  # one line for the docstring
    pattern: str  # article URL regex; {host} is the site's host
    list_item_css: str | None
    pages: Callable[[str], list[Page]]
    url_check: re.Pattern[str] | None = None  # what the list URL must look like


FAMILIES: dict[str, Family] = {
    "jcms": Family("HanwebJcmsSpider", ".bases", "a Hanweb jcms site: <datastore> records, dataproxy.jsp paging",
                   r"^https?://{host}/art/\d{{4}}/\d{{1,2}}/\d{{1,2}}/art_\d+_\d+\.html$", None, _jcms_pages),
    "jpaas": Family("HanwebJpaasSpider", ".bases", "a Hanweb JPAAS site: a bulidstatic unit paged by paramJson",
                    r"^https?://{host}/(?:[A-Za-z]+/){{1,3}}art/\d{{4}}/art_[0-9a-f]{{32}}\.html$", None, _jpaas_pages),
    "trs": Family("TrsSpider", ".bases", "a TRS WCM site: createPageHTML paging, ./YYYYMM/t…html links",
                  r"^https?://{host}/(?:[\w-]+/)+t\d{{8}}_\d+\.s?html?$", "li", _trs_pages),
    "path": Family("PathPagedSpider", ".bases", "a site that pages lists by a number in the path (…/{page}.html)",
                   r"^https?://{host}/.*detail/[\w-]+\.html$", "li",
                   _simple_pages("/views/detail/1.html"),
                   re.compile(r"/\d+\.html$")),
    "static": Family("BulletinSpider", ".base", "a static site: links by URL pattern, a 下一页 link or page=N",
                     r"^https?://{host}/show\.\w+\?id=\d+$", "li",
                     _simple_pages("/show.asp?id=1")),
}


SPIDER_TEMPLATE = '''"""{name}: scaffolded by `kexie new-source` from {url}."""

from __future__ import annotations

import re

from {module} import {base}


class {cls}({base}):
    """
    Domain
      TODO the site's name — {url} ({about}).
    Spider arguments
      since       YYYY-MM-DD; skip older list items, stop paging at an all-older page.
      max_pages   list pages to read per channel.
    Caveats
      Scaffolded: the article URL pattern{css_note} are the family's defaults and the
      fixtures are placeholders. Capture real pages (docs/adding-a-source.md), then fix
      both here and say what is confirmed and what is guessed.
    """

    name = "{name}"
    allowed_domains = ["{host}"]
    start_urls = ["{url}"]
    # BulletinSpider
    article_url_pattern = re.compile(r"{pattern}")  # TODO check against a captured list page
{css_line}'''

TEST_TEMPLATE = '''"""The {name} spider on its fixtures, list page to expected articles (scaffolded by `kexie new-source`)."""

from __future__ import annotations

from conftest import assert_crawl_matches_expected, crawl_offline, make_spider
from kexie_scraper.spiders.{name} import {cls}


def test_crawl_from_list_page_to_expected_articles():
    crawl = crawl_offline(make_spider({cls}))
    assert crawl.missing == [], "requests with no fixture: capture them"
    assert crawl.bulletins
    assert_crawl_matches_expected(crawl)
'''


def new_source(name: str, url: str, family_key: str, root: Path) -> list[Path]:
    """Write the spider, fixtures and test of a new source under ``root``; return the paths."""
    if not NAME_RE.match(name):
        raise ValueError(f"name must be lower_snake_case ascii (file = spider name), got {name!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    family = FAMILIES.get(family_key)
    if family is None:
        raise ValueError(f"unknown base {family_key!r}; one of {', '.join(FAMILIES)}")
    if family.url_check and not family.url_check.search(parts.path):
        raise ValueError(f"a {family_key} list URL ends in its page number, like …/15/1.html; got {url!r}")
    spider_path = root / "kexie_scraper" / "spiders" / f"{name}.py"
    test_path = root / "tests" / f"test_spider_{name}.py"
    fixture_dir = root / "fixtures" / name
    if not spider_path.parent.is_dir():
        raise ValueError(f"{root} is not a kexie_scraper checkout (no kexie_scraper/spiders/)")
    for path in (spider_path, test_path, fixture_dir):
        if path.exists():
            raise ValueError(f"{path} exists already")

    cls = class_name(name)
    css = family.list_item_css
    spider_path.write_text(SPIDER_TEMPLATE.format(
        name=name, url=url, module=family.module, base=family.base, cls=cls, about=family.about,
        host=parts.hostname, pattern=family.pattern.format(host=_host_re(url)),
        css_note=" and list selector" if css else "",
        css_line=f'    list_item_css = "{css}"  # TODO one list entry (link + date)\n' if css else "",
    ), encoding="utf-8")
    test_path.write_text(TEST_TEMPLATE.format(name=name, cls=cls), encoding="utf-8")

    writer = FixtureWriter(root / "fixtures")
    written = [spider_path, test_path]
    for page in family.pages(url):
        fixture = f"{name}/{page.name}"
        note = PLACEHOLDER_NOTE.format(family=family_key, url=page.url, name=fixture)
        body = page.body.encode("utf-8")
        written += writer.write(fixture, page.url, 200, {"Content-Type": page.content_type}, body,
                                synthetic=True, note=note, placeholder=True)
        if page.name.startswith("article"):
            result = parse_page(body, url=page.url, content_type=page.content_type)
            written.append(writer.write_expected(fixture, expected_dict(result)))
    return written
