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
