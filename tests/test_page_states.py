"""Bad input gets a page state and zero articles, never an exception."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kexie_scraper.parsing.page import parse_page


@pytest.mark.parametrize(
    "data, state",
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("<html><body><div class='weui-msg'><h2 class='weui-msg__title warn'>该内容已被发布者删除</h2></div></body></html>".encode(), "deleted"),
        ("<html><body><p>当前环境异常，完成验证后即可继续访问。</p><a id='js_verify'>去验证</a></body></html>".encode(), "captcha"),
        ("<html><body><h2 class='weui-msg__title'>链接已过期</h2></body></html>".encode(), "expired"),
        ("<html><body><div id='js_content'></div></body></html>".encode(), "no_content"),
        ("<html><body><h2 class='weui-msg__title warn'>此内容因违规无法查看</h2></body></html>".encode(), "removed"),
        ("<html><body><h2 class='weui-msg__title'>此帐号处于帐号迁移流程中</h2></body></html>".encode(), "removed"),
        ("<html><body><div class='global_error_msg warn'>参数错误</div></body></html>".encode(), "invalid"),
        ("<html><body><script>document.write('你的访问过于频繁，需要从微信打开验证身份')</script></body></html>".encode(), "rate_limited"),
        ("<html><body><script>window.picture_page_info_list = [{cdn_url: 'x'}];</script><p>配图说明</p></body></html>".encode(), "no_content"),
    ],
)
def test_states(data, state):
    result = parse_page(data, url="https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=x")
    assert result.page_state == state
    assert result.articles == []
    assert result.bulletin.page_state == state


def test_gbk_page_with_wrong_header_is_rescued():
    html = "<html><head><meta charset='gbk'></head><body><div><p>德阳市科协召开会议，部署科普工作。(李华)</p></div></body></html>"
    data = html.encode("gb18030")
    result = parse_page(data, url="http://example.gov.cn/a.html", content_type="text/html; charset=utf-8")
    assert result.page_state == "ok"
    assert result.articles[0].body == "德阳市科协召开会议，部署科普工作。"
    assert result.articles[0].attribution == "李华"


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff" * 50, "纯文本，不是简报。".encode()])
def test_cli_split_bad_files_never_traceback(tmp_path, content):
    path = tmp_path / "page.html"
    path.write_bytes(content)
    out = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "split", str(path)], capture_output=True, text=True)
    assert "Traceback" not in out.stderr
    assert out.returncode == 0, out.stderr
    assert '"page_state"' in out.stdout


def test_cli_split_missing_file_one_line_error(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "kexie_scraper.cli", "split", str(tmp_path / "nope.html")], capture_output=True, text=True
    )
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and out.stderr.startswith("kexie: error:")


def test_the_captcha_url_alone_gives_captcha():
    url = "https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=abc&target_url=https%3A%2F%2Fmp.weixin.qq.com%2Fs%3F__biz%3DQQ%3D%3D"
    assert parse_page(b"<html><body><p>loading</p></body></html>", url=url).page_state == "captcha"


def test_an_article_quoting_an_error_message_is_still_an_article():
    text = "德阳市科协召开网络安全培训会，讲解“链接已过期”“参数错误”等常见提示的含义。" * 12
    html = f"<html><body><div id='js_content'><p>{text}</p></div></body></html>".encode()
    assert parse_page(html, url="https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=x").page_state == "ok"
