"""`kexie capture` against the local replay server only: exact bytes, a faithful sidecar."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES, fixture_path
from kexie_scraper.capture import default_name, extension
from kexie_scraper.cli import main
from kexie_scraper.replay import ReplayServer, load_fixtures, replay_url_for

ZAST = "https://www.zast.org.cn/col/col1673864/index.html"


@pytest.fixture(scope="module")
def server():
    with ReplayServer() as running:
        yield running


def capture(tmp_path, *args):
    """`kexie capture` from the local replay server (hence ``--allow-private``)."""
    return main(["capture", *args, "--root", str(tmp_path), "--allow-private"])


def sidecar(tmp_path, name):
    return json.loads((tmp_path / "fixtures" / f"{name}.meta.json").read_text(encoding="utf-8"))


def test_capture_saves_exact_bytes_and_a_real_sidecar(server, tmp_path, capsys):
    url = replay_url_for(server.url, ZAST)
    assert capture(tmp_path, url, "--name", "zast/list_p1") == 0
    assert (tmp_path / "fixtures/zast/list_p1.html").read_bytes() == fixture_path("zast/list_p1").read_bytes()
    meta = sidecar(tmp_path, "zast/list_p1")
    assert meta["url"] == url and meta["status"] == 200 and meta["synthetic"] is False
    assert meta["headers"] == {"Content-Type": "text/html; charset=utf-8"} and meta["captured_at"]
    assert "fixtures/zast/list_p1.html" in capsys.readouterr().out


def test_captured_gbk_bytes_stay_bytes(server, tmp_path):
    url = replay_url_for(server.url, "http://www.jxkx.gov.cn/show.asp?id=3537")
    assert capture(tmp_path, url, "--name", "jxkx/article_3", "--expected") == 0
    assert (tmp_path / "fixtures/jxkx/article_3.html").read_bytes() == fixture_path("jxkx/article_3").read_bytes()
    assert sidecar(tmp_path, "jxkx/article_3")["headers"] == {}  # the fixture is served without Content-Type
    expected = json.loads((tmp_path / "fixtures/jxkx/article_3.expected.json").read_text(encoding="utf-8"))
    assert "林𫖯博士" in expected["articles"][0]["body"]


def test_json_and_errors_are_captured_as_they_are(server, tmp_path):
    route = next(f for f in load_fixtures().values() if f.body_path.suffix == ".json")
    assert capture(tmp_path, replay_url_for(server.url, route.url), "--name", "cast/unit") == 0
    assert (tmp_path / "fixtures/cast/unit.json").read_bytes() == route.body
    assert capture(tmp_path, replay_url_for(server.url, "https://www.zast.org.cn/nothing.html"), "--name", "zast/gone") == 0
    assert sidecar(tmp_path, "zast/gone")["status"] == 404


def test_redirects_are_saved_not_followed(tmp_path):
    site = tmp_path / "site"
    (site / "x").mkdir(parents=True)
    (site / "x" / "old.html").write_bytes(b"")
    meta = {"url": "https://www.kx.org.cn/old.html", "status": 302, "synthetic": True, "note": "moved",
            "headers": {"Location": "https://www.kx.org.cn/new.html", "Content-Type": "text/html"}}
    (site / "x" / "old.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with ReplayServer(root=site) as local:
        assert capture(tmp_path, replay_url_for(local.url, meta["url"]), "--name", "kx/old") == 0
    saved = sidecar(tmp_path, "kx/old")
    assert saved["status"] == 302 and saved["headers"]["Location"] == "https://www.kx.org.cn/new.html"
    assert "capture https://www.kx.org.cn/new.html too" in saved["note"]


def test_capture_replaces_a_placeholder_but_not_a_real_fixture(server, tmp_path, capsys):
    (tmp_path / "fixtures" / "zast").mkdir(parents=True)
    for suffix in (".html", ".meta.json", ".expected.json"):
        shutil.copy2(FIXTURES / f"zast/article_1{suffix}", tmp_path / f"fixtures/zast/article_1{suffix}")
    url = replay_url_for(server.url, "https://www.zast.org.cn/art/2024/8/21/art_1673864_58961207.html")
    assert capture(tmp_path, url, "--name", "zast/article_1") == 1  # a real fixture: refused
    assert "--force" in capsys.readouterr().err
    meta_path = tmp_path / "fixtures/zast/article_1.meta.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text(encoding="utf-8")), "placeholder": True}), encoding="utf-8")
    assert capture(tmp_path, url, "--name", "zast/article_1") == 0
    assert sidecar(tmp_path, "zast/article_1")["url"] == url
    assert not (tmp_path / "fixtures/zast/article_1.expected.json").exists()  # the placeholder's expectation went with it


def test_a_placeholder_at_the_same_url_under_another_name_is_replaced(server, tmp_path):
    url = replay_url_for(server.url, ZAST)
    assert capture(tmp_path, url, "--name", "zast/first") == 0
    meta_path = tmp_path / "fixtures/zast/first.meta.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text(encoding="utf-8")), "placeholder": True}), encoding="utf-8")
    assert capture(tmp_path, url, "--name", "zast/list_p1") == 0
    assert sorted(p.name for p in (tmp_path / "fixtures/zast").iterdir()) == ["list_p1.html", "list_p1.meta.json"]
    assert len(load_fixtures(tmp_path / "fixtures")) == 1


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/x", "http://127.1:{port}/x", "http://2130706433:{port}/x", "http://[::1]:{port}/x",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/", "http://localhost:{port}/x",
])
def test_a_non_public_address_is_refused_without_allow_private(server, tmp_path, capsys, url):
    """Like a crawl, a capture does not fetch a loopback, private or link-local address,
    however spelled, unless asked to (``--allow-private``): nothing is fetched or written."""
    port = server.url.rsplit(":", 1)[1]
    assert main(["capture", url.format(port=port), "--name", "kx/lan", "--root", str(tmp_path)]) == 1
    assert "not a public address" in capsys.readouterr().err
    assert not (tmp_path / "fixtures").exists()


def test_a_name_resolving_to_a_private_address_is_refused(tmp_path, capsys, monkeypatch):
    from kexie_scraper import capture as capture_module

    monkeypatch.setattr(capture_module, "resolve_host", lambda host: ["93.184.216.34", "192.168.1.7"])
    fetched = []
    monkeypatch.setattr(capture_module, "fetch", lambda *a, **k: fetched.append(a))
    assert main(["capture", "https://www.kx.example/a.html", "--name", "kx/a", "--root", str(tmp_path)]) == 1
    assert "www.kx.example resolves to 192.168.1.7" in capsys.readouterr().err and fetched == []


def test_unreachable_host_is_one_line(tmp_path, capsys):
    assert capture(tmp_path, "http://127.0.0.1:9/nothing", "--name", "kx/none") == 1
    assert "could not fetch" in capsys.readouterr().err


@pytest.mark.parametrize("url,name_start", [
    ("https://www.zast.org.cn/col/col1673864/index.html", "zast/index_"),
    ("https://sj.cast.org.cn/xs/TZGG/index.html", "cast/index_"),
    ("http://www.jxkx.gov.cn/show.asp?id=3537", "jxkx/show_"),
    ("https://www.sckx.org.cn/", "sckx/index_"),
])
def test_default_names(url, name_start):
    assert default_name(url).startswith(name_start)


@pytest.mark.parametrize("content_type,ext", [
    ("text/html; charset=gb2312", ".html"), ("application/json;charset=UTF-8", ".json"), ("text/xml", ".xml"),
    (None, ".html"), ("image/png", ".bin"),
])
def test_extensions(content_type, ext):
    assert extension(content_type) == ext
