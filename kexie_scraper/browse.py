"""`kexie browse`: open the SQLite database in Datasette (the ``browse`` extra), with facets
on province, source and org (``kexie_scraper/datasette/metadata.json``).

Datasette serves SQLite files only; a PostgreSQL database can be browsed after
``kexie export`` or with any PostgreSQL client.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

METADATA = Path(__file__).resolve().parent / "datasette" / "metadata.json"


def sqlite_path(database_url: str) -> Path:
    from .storage import normalize_url

    url = normalize_url(database_url)
    if not url.startswith("sqlite:///"):
        raise ValueError("Datasette browses SQLite files: give --database-url sqlite:///PATH "
                         "(for PostgreSQL, `kexie export` first or use a PostgreSQL client)")
    path = Path(make_url(url).database or "")
    if not path.is_file():
        raise ValueError(f"no database at {path}")
    return path


def metadata_for(path: Path) -> dict:
    """The packaged metadata, keyed by the name Datasette gives the file (its stem)."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {path.stem: metadata["databases"]["kexie"]}
    return metadata


def command(database_url: str, host: str = "127.0.0.1", port: int = 8001, open_browser: bool = False,
            metadata_dir: Path | None = None) -> list[str]:
    """The datasette command line (the metadata written to a temporary file)."""
    if importlib.util.find_spec("datasette") is None:
        raise RuntimeError("kexie browse needs Datasette: pip install 'kexie-scraper[browse]'")
    path = sqlite_path(database_url)
    folder = metadata_dir or Path(tempfile.mkdtemp(prefix="kexie-browse-"))
    meta = folder / "metadata.json"
    meta.write_text(json.dumps(metadata_for(path), ensure_ascii=False, indent=2), encoding="utf-8")
    cmd = [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(meta), "--host", host,
           "--port", str(port), "--setting", "facet_time_limit_ms", "1000"]
    return cmd + (["--open"] if open_browser else [])
