"""Offline replay of the bundled fixture site, for `kexie demo`, the tests and benchmarks.

Every fixture is a page's raw bytes plus a sidecar ``<name>.meta.json`` holding the URL it
was served at, the HTTP status and headers, and ``synthetic: true|false``. The server
answers ``GET /<host><path>?<query>`` with the fixture whose URL matches (query order
does not matter); anything else is a 404.

``ReplayMiddleware`` (enabled by the ``KEXIE_REPLAY_URL`` setting) rewrites every outgoing
request to the server and restores the real URL on the response, so spiders and
parsers see the site as it is, and no request can leave 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from w3lib.url import canonicalize_url

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class Fixture:
    url: str
    status: int
    headers: dict[str, str]
    body_path: Path
    synthetic: bool

    @property
    def body(self) -> bytes:
        return self.body_path.read_bytes()


def _route_key(url: str) -> str:
    parts = urlsplit(canonicalize_url(url, keep_fragments=False))
    return f"/{parts.hostname}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def load_fixtures(root: Path = FIXTURES_DIR) -> dict[str, Fixture]:
    """Route key → fixture, for every sidecar under ``root``. Two fixtures on one URL is an error."""
    routes: dict[str, Fixture] = {}
    for meta_path in sorted(root.rglob("*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        stem = meta_path.name[: -len(".meta.json")]
        bodies = [p for p in meta_path.parent.glob(stem + ".*") if not p.name.endswith((".meta.json", ".expected.json"))]
        if len(bodies) != 1:
            raise ValueError(f"{meta_path}: expected one body file named {stem}.*, found {len(bodies)}")
        fixture = Fixture(meta["url"], int(meta.get("status", 200)), dict(meta.get("headers", {})), bodies[0], bool(meta.get("synthetic")))
        key = _route_key(fixture.url)
        if key in routes:
            raise ValueError(f"two fixtures for {fixture.url}: {routes[key].body_path} and {fixture.body_path}")
        routes[key] = fixture
    return routes


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Fixture] = {}
    counter: dict[str, int] = {}
    paths: dict[str, int] = {}
    lock = threading.Lock()
    delay: float = 0.0
    gate: threading.Event | None = None

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        key = _route_key("http:/" + self.path)
        fixture = self.routes.get(key)
        with self.lock:
            self.counter["requests"] = self.counter.get("requests", 0) + 1
            self.paths[key] = self.paths.get(key, 0) + 1
        if self.gate is not None:
            self.gate.wait(timeout=120)  # tests hold every response until all their workers are up
        if self.delay:
            time.sleep(self.delay)  # widens the window in which a crawl can be killed mid-page
        if fixture is None:
            self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, b"no fixture for this URL\n")
            return
        self._send(fixture.status, fixture.headers, fixture.body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # quiet: the crawl log says enough
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the crawler went away mid-response (a killed worker): not the server's problem
        super().handle_error(request, client_address)


class ReplayServer:
    """A fixture server on 127.0.0.1 and a free port; use as a context manager.

    ``delay`` seconds are slept before each response; a ``gate`` event, when given, holds
    every response until it is set; ``fetches`` counts requests per page.
    """

    def __init__(self, root: Path = FIXTURES_DIR, delay: float = 0.0, gate: threading.Event | None = None) -> None:
        handler = type("Handler", (_Handler,), {"routes": load_fixtures(root), "counter": {}, "paths": {},
                                                "lock": threading.Lock(), "delay": delay, "gate": gate})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.handler = handler
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests_served(self) -> int:
        return self.handler.counter.get("requests", 0)

    @property
    def fetches(self) -> dict[str, int]:
        """Route key (``/host/path?query``) → requests served, robots.txt included."""
        with self.handler.lock:
            return dict(self.handler.paths)

    def __enter__(self) -> "ReplayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def replay_url_for(base: str, url: str) -> str:
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return f"{base.rstrip('/')}/{parts.hostname}{path}" + (f"?{parts.query}" if parts.query else "")


class ReplayMiddleware:
    """Downloader middleware: send every request to the replay server, keep real URLs visible."""

    META_KEY = "kexie_replay_original_url"

    def __init__(self, base: str) -> None:
        self.base = base

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured  # not at import: `kexie split` and `capture` stay Scrapy-free

        base = crawler.settings.get("KEXIE_REPLAY_URL")
        if not base:
            raise NotConfigured("KEXIE_REPLAY_URL not set: live crawling")
        return cls(base)

    def process_request(self, request, spider=None):
        if request.url.startswith(self.base.rstrip("/") + "/"):
            return None  # already rewritten
        # A redirect copies the meta of the request it follows, so "already rewritten" is
        # told by the URL, never by the meta: a followed redirect must not leave 127.0.0.1.
        local = replay_url_for(self.base, request.url)
        # dont_filter/allow_offsite: the rewritten request re-enters the scheduler and
        # must pass the offsite and duplicate filters that already passed the real URL.
        meta = {**request.meta, self.META_KEY: request.url, "allow_offsite": True}
        return request.replace(url=local, meta=meta, dont_filter=True)

    def process_response(self, request, response, spider=None):
        original = request.meta.get(self.META_KEY)
        if not original:
            return response
        location = response.headers.get("Location")
        if location and not urlsplit(location.decode("latin-1")).scheme:
            # A relative redirect is relative to the real URL, not to the replay server's.
            headers = response.headers.copy()
            headers["Location"] = urljoin(original, location.decode("latin-1"))
            return response.replace(url=original, headers=headers)
        return response.replace(url=original)
