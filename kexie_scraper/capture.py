"""`kexie capture`: save one page as a fixture — its exact bytes plus a sidecar.

The sidecar records what the replay server needs to serve the page again (url, status,
headers) and ``synthetic: false``. Redirects are not followed: a 30x is saved as it is,
with its Location, and the target is captured on its own, so a replayed crawl takes the
same hops. HTTP errors are saved too; they are pages a spider must cope with.

A capture replaces a placeholder (``"placeholder": true``, from ``kexie new-source``)
of the same name or the same URL; anything else is only overwritten with ``--force``.

Like a crawl (``resilience.PrivateAddressMiddleware``), a capture refuses a URL whose host
is not a public address, by its spelling or by what the name resolves to, so a pasted
link cannot save a LAN or cloud-metadata page into the fixtures; ``allow_private``
(``--allow-private``) is for a local server. The name is resolved again by the fetch
itself, so a name that changes its answer in between is not caught: this guards against
mistakes, not against a DNS server of an attacker's.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .parsing import dates
from .replay import _route_key
from .resilience import first_non_public, non_public_host, resolve_host

KEPT_HEADERS = ("Content-Type", "Location", "Content-Language", "Last-Modified")
_EXTENSIONS = {"html": ".html", "xhtml": ".html", "json": ".json", "javascript": ".js", "xml": ".xml", "plain": ".txt"}
_NAME_RE = re.compile(r"^[a-z0-9_]+/[A-Za-z0-9_.-]+$")
REGION_KEYS = ("province", "city", "county", "code")


def extension(content_type: str | None) -> str:
    subtype = (content_type or "").split(";")[0].strip().lower().rsplit("/", 1)[-1]
    return next((ext for key, ext in _EXTENSIONS.items() if key in subtype), ".html" if not subtype else ".bin")


def default_name(url: str) -> str:
    """`https://www.zast.org.cn/col/col1673864/index.html` → `zast/index_<hash>`."""
    parts = urlsplit(url)
    labels = [l for l in (parts.hostname or "site").split(".") if l not in ("www", "sj", "m")]
    generic = {"com", "cn", "org", "gov", "net", "edu"}
    source = next((l for l in labels if l not in generic and not l.isdigit()), "captured")
    stem = re.sub(r"\.\w+$", "", parts.path.rstrip("/").rsplit("/", 1)[-1]) or "index"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:8]
    return f"{re.sub(r'[^a-z0-9_]', '_', source.lower())}/{re.sub(r'[^A-Za-z0-9_-]', '_', stem)}_{digest}"


def expected_article(article: dict[str, Any]) -> dict[str, Any]:
    """The fields of an article that an expected file pins."""
    return {"title": article["title"], "body": article["body"], "attribution": article["attribution"],
            "org": article["org"], "region": {k: article["region"][k] for k in REGION_KEYS}}


def expected_dict(result) -> dict[str, Any]:
    """A parse in the expected-file format (fixtures/scimall/README.md)."""
    data = result.to_dict() if hasattr(result, "to_dict") else result
    bulletin = data["bulletin"]
    return {
        "page_state": data["page_state"],
        "bulletin": {k: bulletin[k] for k in ("title", "published_at", "publisher", "publisher_alias", "original_url", "intro")},
        "articles": [expected_article(a) for a in data["articles"]],
    }


class FixtureWriter:
    """Writes fixtures under a fixtures root, keeping one fixture per name and per URL."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _sidecars(self):
        for path in self.root.rglob("*.meta.json"):
            try:
                yield path, json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue

    @staticmethod
    def _remove(meta_path: Path) -> None:
        """A fixture's body, sidecar and expected file (a stale expectation goes with its page)."""
        stem = meta_path.name[: -len(".meta.json")]
        for path in meta_path.parent.glob(stem + ".*"):
            if path.name[len(stem):].count(".") == 1 or path.name in (f"{stem}.meta.json", f"{stem}.expected.json"):
                path.unlink()

    def write(self, name: str, url: str, status: int, headers: dict[str, str], body: bytes, *,
              synthetic: bool, note: str, placeholder: bool = False, force: bool = False,
              extra: dict[str, Any] | None = None) -> list[Path]:
        """Write ``<name>.<ext>`` and ``<name>.meta.json``; return the files written."""
        if not _NAME_RE.match(name):
            raise ValueError(f"fixture name must be SOURCE/STEM (e.g. zast/list_p1), got {name!r}")
        target_meta = self.root / f"{name}.meta.json"
        key = _route_key(url)
        for meta_path, meta in self._sidecars():  # the same name, or another fixture at the same URL
            if meta_path != target_meta and _route_key(meta.get("url", "")) != key:
                continue
            if not (meta.get("placeholder") or force):
                raise FileExistsError(f"{meta_path} already holds {meta.get('url')}; use --force to replace it")
            self._remove(meta_path)
        body_path = self.root / f"{name}{extension(headers.get('Content-Type'))}"
        body_path.parent.mkdir(parents=True, exist_ok=True)
        body_path.write_bytes(body)
        sidecar = {"url": url, "status": status, "headers": headers, "synthetic": synthetic, "note": note,
                   **({"placeholder": True} if placeholder else {}), **(extra or {})}
        target_meta.write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return [body_path, target_meta]

    def write_expected(self, name: str, expected: dict[str, Any]) -> Path:
        path = self.root / f"{name}.expected.json"
        path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # keep the 30x itself
        return None


def fetch(url: str, user_agent: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """(status, kept headers, raw body) of one GET; errors and redirects are answers too."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 30x (not followed), 4xx, 5xx
        status, headers, body = error.code, error.headers, error.read()
    kept = {name: headers[name] for name in KEPT_HEADERS if headers.get(name)}
    return status, kept, body


def refuse_non_public(url: str) -> None:
    """ValueError if ``url``'s host is not a public address, as written or as resolved."""
    host = urlsplit(url).hostname
    hint = "(--allow-private to capture from a local server)"
    if non_public_host(host):
        raise ValueError(f"refused: {url} is not a public address {hint}")
    try:
        addresses = resolve_host(host or "")
    except (OSError, UnicodeError):
        return  # the fetch fails on the lookup itself and says so
    bad = first_non_public(addresses)
    if bad:
        raise ValueError(f"refused: {host} resolves to {bad}, not a public address {hint}")


def capture(url: str, name: str | None, root: Path, user_agent: str, force: bool = False,
            expected: bool = False, allow_private: bool = False) -> list[Path]:
    """Fetch ``url`` once and save it as fixture ``name`` under ``root``; return the files written."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not allow_private:
        refuse_non_public(url)
    name = name or default_name(url)
    status, headers, body = fetch(url, user_agent)
    note = f"Captured by `kexie capture` on {dates.now_iso()[:10]}."
    if "Location" in headers:
        note += f" A redirect: capture {headers['Location']} too."
    writer = FixtureWriter(root)
    written = writer.write(name, url, status, headers, body, synthetic=False, note=note, force=force,
                           extra={"captured_at": dates.now_iso()})
    if expected and 200 <= status < 300:
        from .parsing.page import parse_page

        result = parse_page(body, url=url, content_type=headers.get("Content-Type"))
        written.append(writer.write_expected(name, expected_dict(result)))
    return written

