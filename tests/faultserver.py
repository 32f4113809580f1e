"""A fault-injection HTTP server for the tests: 127.0.0.1, a free port, scenario routes.

It answers like the replay server (``GET /<host><path>?<query>``), so a real crawl is
pointed at it with ``kexie crawl … --replay URL`` and sees the real site's URLs. Each
route is a *behaviour*: a callable ``(handler, hit) -> None`` that writes the response
(``hit`` counts this route's requests from 0). Behaviours here: a page, a sequence
(burst of errors, then success), a slow answer, a connection reset mid-body, a
truncated gzip body, a huge body, redirects. Every request is logged with its time, so
tests can check what was fetched, how often and how far apart.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from kexie_scraper.replay import _route_key

Behaviour = Callable[["_Handler", int], None]


class _Abort(Exception):
    """Raised by a behaviour that closed the connection itself."""


def page(body: bytes | str, status: int = 200, content_type: str | None = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> Behaviour:
    data = body.encode("utf-8") if isinstance(body, str) else body

    def send(h: "_Handler", hit: int) -> None:
        h.send_response(status)
        if content_type is not None:
            h.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return send


def sequence(*steps: Behaviour) -> Behaviour:
    """Hit n answers with steps[n]; the last step repeats."""

    def send(h: "_Handler", hit: int) -> None:
        steps[min(hit, len(steps) - 1)](h, hit)

    return send


def status(code: int, headers: dict[str, str] | None = None, body: bytes | str = b"") -> Behaviour:
    return page(body or f"<html><body><h1>{code}</h1></body></html>", status=code, headers=headers)


def slow(seconds: float, then: Behaviour) -> Behaviour:
    def send(h: "_Handler", hit: int) -> None:
        time.sleep(seconds)
        then(h, hit)

    return send


def reset_mid_body(body: bytes) -> Behaviour:
    """Headers promise the whole body; half of it is sent, then a TCP RST."""

    def send(h: "_Handler", hit: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
        raise _Abort

    return send


def truncated_gzip(body: bytes, keep: float = 0.6) -> Behaviour:
    """A gzip body cut short (no end of stream, no CRC); Content-Length matches what is sent."""
    packed = gzip.compress(body)
    cut = packed[: int(len(packed) * keep)]
    return page(cut, headers={"Content-Encoding": "gzip"})


def gzipped(body: bytes) -> Behaviour:
    return page(gzip.compress(body), headers={"Content-Encoding": "gzip"})


def huge(size: int, content_length: bool = True, chunk: bytes = b"<p>" + "填充".encode() * 100 + b"</p>\n") -> Behaviour:
    """``size`` bytes of page, with or without a Content-Length (then close-delimited)."""

    def send(h: "_Handler", hit: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if content_length:
            h.send_header("Content-Length", str(size))
        h.end_headers()
        sent = 0
        block = chunk * max(1, (1 << 20) // len(chunk))
        while sent < size:
            part = block[: size - sent]
            h.wfile.write(part)
            sent += len(part)

    return send


def redirect(location: str, code: int = 302) -> Behaviour:
    def send(h: "_Handler", hit: int) -> None:
        h.send_response(code)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return send


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:  # noqa: N802
        key = _route_key("http:/" + self.path)
        owner = self.server.owner
        with owner.lock:
            hit = len(owner.log[key])
            owner.log[key].append(time.monotonic())
        behaviour = owner.routes.get(key)
        if behaviour is None:
            page("no such page\n", status=404, content_type="text/plain; charset=utf-8")(self, hit)
            return
        try:
            behaviour(self, hit)
        except _Abort:
            self.close_connection = True

    def log_message(self, format: str, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the crawl opens dozens of connections at once: no SYN may be dropped
    owner: "FaultServer"

    def handle_error(self, request, client_address) -> None:
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, _Abort, OSError)):
            return  # the crawler hung up (timeout, size limit) or we reset it on purpose
        super().handle_error(request, client_address)


class FaultServer:
    """``routes``: real URL → behaviour. Use as a context manager."""

    def __init__(self, routes: dict[str, Behaviour]) -> None:
        self.routes = {_route_key(url): b for url, b in routes.items()}
        self.log: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def hits(self, url: str) -> list[float]:
        """When the page at this real URL was requested (monotonic seconds)."""
        with self.lock:
            return list(self.log.get(_route_key(url), ()))

    def add(self, url: str, behaviour: Behaviour) -> None:
        self.routes[_route_key(url)] = behaviour

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
