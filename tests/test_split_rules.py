"""Splitter rules added for layouts the held-out sets showed; each pinned by a small bulletin."""

from __future__ import annotations

from kexie_scraper.parsing.attribution import attribution_line
from kexie_scraper.parsing.page import parse_page

_HEAD = "【科协动态】\n某科协网 2023-05-06\n来源:某省科协\n"


def _parse(body: str):
    return parse_page(_HEAD + body, url="https://example.org/rules", is_text=True).articles


def test_traditional_labelled_credit_line_closes_its_item():
    articles = _parse(
        "甲山縣科協舉辦科普講座\n5月2日，甲山縣科協在城關鎮舉辦科普講座，居民80人參加。\n來源：甲山縣科協\n"
        "乙水市科協開展義診\n5月3日，乙水市科協組織醫學會專家開展義診。\n來源：乙水市科協 王小紅\n"
    )
    assert [a.title for a in articles] == ["甲山縣科協舉辦科普講座", "乙水市科協開展義診"]
    assert [a.attribution for a in articles] == ["甲山縣科協", "乙水市科協 王小紅"]


def test_several_role_credits_on_one_line():
    assert attribution_line("文/周一鸣 图/陈二") == "文/周一鸣 图/陈二"
    assert attribution_line("文：周一鸣 摄影：陈二 林三") == "文：周一鸣 摄影：陈二 林三"
    articles = _parse(
        "东城区科协举办亲子科学营\n4月8日，东城区科协举办亲子科学营，40组家庭参加。\n文/周一鸣 图/陈二\n"
        "西城区科协开展科普讲座\n4月9日，西城区科协开展科普讲座。（西城区科协）\n"
    )
    assert [a.title for a in articles] == ["东城区科协举办亲子科学营", "西城区科协开展科普讲座"]
    assert articles[0].attribution == "文/周一鸣 图/陈二"


def test_org_dateline_opener_is_the_lead_credit():
    articles = _parse(
        "南岗区科协举办机器人体验日\n南岗区科协讯 6月1日，南岗区科协在少年宫举办机器人体验日，300名学生参加。\n"
        "道里区科协开展防灾科普\n哈尔滨市道里区科协讯：6月2日，道里区科协在社区开展防灾科普。\n"
    )
    assert [a.attribution for a in articles] == ["南岗区科协", "哈尔滨市道里区科协"]
    assert [a.org for a in articles] == ["南岗区科协", "哈尔滨市道里区科协"]
    assert articles[0].body.startswith("6月1日，")
    assert articles[1].body.startswith("6月2日，")


def test_distribution_footer_page_numbers_and_imprint_are_furniture():
    articles = _parse(
        "青山区科协举办院士报告会\n3月5日，青山区科协举办院士报告会，师生500人聆听。\n来源：青山区科协\n02\n"
        "绿水县科协开展农技培训\n3月6日，绿水县科协在河口镇开展农技培训。\n（绿水县科协 赵一）\n"
        "报：省科协办公室\n送：市委办公室、市政府办公室\n发：各县（区）科协\n某市科协办公室编印\n"
    )
    assert [a.attribution for a in articles] == ["青山区科协", "绿水县科协 赵一"]
    assert articles[0].body == "3月5日，青山区科协举办院士报告会，师生500人聆听。"
    assert articles[1].body == "3月6日，绿水县科协在河口镇开展农技培训。"


def test_bracketed_place_labels_head_items():
    articles = _parse(
        "近期各地科协开展科普活动，摘编如下。\n"
        "【德阳】\n5月8日，旌阳区科协在文庙广场开展防震减灾科普宣传。\n（旌阳区科协 钱五）\n"
        "【乐山】\n犍为县科协近日举办茶叶加工培训班，茶农60人参加。\n"
        "【眉山】\n5月9日，仁寿县科协组织专家指导枇杷采收。\n供稿：仁寿县科协\n"
    )
    assert [a.title for a in articles] == ["【德阳】", "【乐山】", "【眉山】"]
    assert [a.attribution for a in articles] == ["旌阳区科协 钱五", None, "仁寿县科协"]
    assert articles[1].region["code"] == "511123"


def test_ornament_lines_part_untitled_briefs():
    articles = _parse(
        "4月1日，盘州市科协举办科技工作者座谈会，30名专家参加。\n盘州市科协 孙七\n"
        "＊　＊　＊\n"
        "水城区科协近日组织专家赴米箩镇指导茶园管理，服务茶农百余户。\n水城区科协供稿\n"
        "* * *\n"
        "4月3日，钟山区科协在区图书馆开展青少年编程体验活动。\n"
        "＊＊＊\n"
        "4月5日，六盘水市科协召开学会工作会议，部署全年学术活动。\n六盘水市科协 周八\n"
    )
    assert len(articles) == 4
    assert all(a.title is None for a in articles)
    assert [a.attribution for a in articles] == ["盘州市科协 孙七", "水城区科协供稿", None, "六盘水市科协 周八"]
    assert not any("＊" in a.body or "*" in a.body for a in articles)


def test_org_name_and_report_on_one_line():
    articles = _parse(
        "近期各区科协工作摘要如下。\n"
        "武侯区科协 5月10日，武侯区科协在玉林街道举办无人机科普体验活动，居民200人参加。\n"
        "锦江区科协 5月12日，锦江区科协组织医学会专家走进社区开展健康讲座。（锦江区科协供稿）\n"
        "讲座后专家还为老人测量了血压。\n"
        "金牛区科协 5月15日，金牛区科协召开学会秘书长会议，部署下半年学术活动。\n"
    )
    assert [a.title for a in articles] == ["武侯区科协", "锦江区科协", "金牛区科协"]
    assert articles[0].body.startswith("5月10日，")
    assert articles[1].body.endswith("讲座后专家还为老人测量了血压。")
    assert [a.region["code"] for a in articles] == ["510107", "510104", "510106"]


def test_contents_list_at_the_top_is_intro():
    page = parse_page(
        _HEAD + "本期目录\n1.江北区科协举办科技节\n2.渝中区科协开展院士讲座\n"
        "1.江北区科协举办科技节\n5月20日，江北区科协在观音桥举办科技节，市民2000人参与。\n（江北区科协）\n"
        "2.渝中区科协开展院士讲座\n5月21日，渝中区科协邀请院士为中学生作科普讲座。\n（渝中区科协 吴九）\n",
        url="https://example.org/toc", is_text=True,
    )
    assert [a.title for a in page.articles] == ["江北区科协举办科技节", "渝中区科协开展院士讲座"]
    assert page.bulletin.intro == "本期目录\n1.江北区科协举办科技节\n2.渝中区科协开展院士讲座"


_GOV = """<html><head><meta name="ArticleTitle" content="各市科协动态"><meta name="PubDate" content="2023-05-20 10:00">
<meta name="ContentSource" content="某省科协"></head><body><div id="zoom">
<p><strong>（一）万州区科协</strong></p>
<p>5月10日，万州区科协在高笋塘广场举办科技活动周启动仪式，市民千余人参加。</p>
<p style="text-align:center;"><img src="a.jpg" /></p>
<p style="text-align:center;">志愿者为市民演示机器人</p>
<p>活动还设置了应急救护体验区。</p>
<p><strong>（二）涪陵区科协</strong></p>
<p>5月12日，涪陵区科协组织专家赴榨菜基地开展技术指导。（涪陵区科协）</p>
<p style="text-align:center;"><img src="b.jpg" /></p>
<p style="text-align:center;">指导现场</p>
<p style="text-align:center;">圖為專家查看榨菜長勢</p>
</div></body></html>"""


def test_short_centred_line_under_a_picture_is_a_caption():
    articles = parse_page(_GOV.encode(), url="https://example.org/gov", content_type="text/html; charset=utf-8").articles
    assert [a.title for a in articles] == ["万州区科协", "涪陵区科协"]
    assert articles[0].body == "5月10日，万州区科协在高笋塘广场举办科技活动周启动仪式，市民千余人参加。\n活动还设置了应急救护体验区。"
    assert articles[1].body == "5月12日，涪陵区科协组织专家赴榨菜基地开展技术指导。"
    assert articles[1].attribution == "涪陵区科协"


def test_closing_summary_for_the_whole_bulletin_is_outro():
    page = parse_page(
        _HEAD + "鼓楼区科协举办科普市集\n9月16日，鼓楼区科协在三坊七巷举办科普市集，市民3000人参与。\n"
        "台江区科协开展科学之夜\n9月17日，台江区科协在万达广场开展科学之夜活动。\n"
        "科普月期间，全市各级科协共举办各类活动500余场。\n",
        url="https://example.org/summary", is_text=True,
    )
    assert [a.title for a in page.articles] == ["鼓楼区科协举办科普市集", "台江区科协开展科学之夜"]
    assert page.articles[1].body == "9月17日，台江区科协在万达广场开展科学之夜活动。"
    assert page.bulletin.outro == "科普月期间，全市各级科协共举办各类活动500余场。"


def test_bulleted_contents_list_is_intro():
    page = parse_page(
        _HEAD + "本期导读\n◆ 雁塔区科协举办科普讲解大赛\n◆ 未央区科协开展老年人防诈骗讲座\n"
        "雁塔区科协举办科普讲解大赛\n6月3日，雁塔区科协举办科普讲解大赛，30名选手参赛。（雁塔区科协）\n"
        "未央区科协开展老年人防诈骗讲座\n6月5日，未央区科协走进社区开展防诈骗讲座。（未央区科协）\n",
        url="https://example.org/toc2", is_text=True,
    )
    assert [a.title for a in page.articles] == ["雁塔区科协举办科普讲解大赛", "未央区科协开展老年人防诈骗讲座"]
    assert page.bulletin.intro.startswith("本期导读\n◆ 雁塔区科协")


def test_uncredited_brief_before_a_credit_naming_another_org():
    articles = _parse(
        "3月2日，余杭区科协举办人工智能讲座，企业技术人员150人参加。\n讲座后专家与企业座谈。\n供稿单位：余杭区科协\n"
        "近日，萧山区科协组织专家赴瓜沥镇指导花卉种植。\n专家现场解答了种植户的问题。\n"
        "萧山区科协表示，将持续开展此类服务。\n"
        "3月6日，宁波市海曙区科协召开学会工作会议。\n供稿单位：海曙区科协\n"
    )
    assert [a.attribution for a in articles] == ["余杭区科协", None, "海曙区科协"]
    assert articles[1].body.startswith("近日，萧山区科协") and articles[1].body.endswith("将持续开展此类服务。")
    assert articles[2].body == "3月6日，宁波市海曙区科协召开学会工作会议。"


def test_collective_source_line_is_page_furniture():
    articles = _parse(
        "赣州：4月2日，赣州市科协在章贡区举办科普讲座。（赣州市科协）\n"
        "上饶：4月3日，上饶市科协召开学会秘书长会议。\n"
        "来源：各设区市科协\n"
    )
    assert [a.title for a in articles] == ["赣州", "上饶"]
    assert articles[1].attribution is None
    assert articles[1].body == "4月3日，上饶市科协召开学会秘书长会议。"


_STYLED = """<html><head><meta name="ArticleTitle" content="科协工作简讯"><meta name="PubDate" content="2023-03-20 10:00">
<meta name="ContentSource" content="某省科协"></head><body><div id="zoom">
<p style="text-align:center;"><strong>新都区科协举办科普讲解比赛</strong></p>
<p>3月10日，新都区科协举办科普讲解比赛，20名选手参赛。（新都区科协）</p>
<p style="text-align:center;"><strong>郫都区科协开展果树修剪培训</strong></p>
<p>3月12日，郫都区科协组织专家在唐昌镇开展果树修剪培训。</p>
<p>培训共吸引果农90余人参加。</p>
<p style="text-align:center;"><strong>两区科协联合举办青年学术沙龙</strong></p>
<p>3月14日，温江区科协与双流区科协联合举办青年学术沙龙，40名青年科技工作者参加。</p>
<p style="text-align:center;"><strong>搭建平台，促进交流</strong></p>
<p>沙龙设立了成果展示和合作对接环节。（温江区科协 郑十）</p>
</div></body></html>"""


def test_headline_styled_like_the_others_opens_an_item_over_another_org():
    articles = parse_page(_STYLED.encode(), url="https://example.org/styled", content_type="text/html; charset=utf-8").articles
    assert [a.title for a in articles] == ["新都区科协举办科普讲解比赛", "郫都区科协开展果树修剪培训", "两区科协联合举办青年学术沙龙"]
    assert articles[1].body == "3月12日，郫都区科协组织专家在唐昌镇开展果树修剪培训。\n培训共吸引果农90余人参加。"
    assert "搭建平台，促进交流" in articles[2].body  # a styled sub-heading over no new organisation stays inside
