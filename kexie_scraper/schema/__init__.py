"""JSON Schemas (draft 2020-12) of the two records this project produces.

``article.schema.json`` and ``bulletin.schema.json`` describe a line of
``articles.jsonl`` / ``bulletins.jsonl`` (and of ``kexie export --format jsonl``). The
tests check every fixture's parse against them; in a crawl ``ValidatePipeline`` checks
every item before it is stored.

    from kexie_scraper.schema import errors
    errors("article", record)  # [] when valid, else ["region.code: '51060' does not match …", …]
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NAMES = ("article", "bulletin")


def schema_path(name: str) -> Path:
    return HERE / f"{name}.schema.json"


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    if name not in NAMES:
        raise ValueError(f"no schema {name!r}: one of {', '.join(NAMES)}")
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def validator(name: str):
    """A ``jsonschema.Draft202012Validator`` for ``name``, its ``$ref``s to the other schema resolved locally."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schema = load(name)
    Draft202012Validator.check_schema(schema)
    resources = []
    for other in NAMES:
        resource = Resource.from_contents(load(other))
        resources += [(load(other)["$id"], resource), (f"{other}.schema.json", resource)]
    return Draft202012Validator(schema, registry=Registry().with_resources(resources))


def _path(error) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(record)"


@lru_cache(maxsize=None)
def fast_validator(name: str):
    """The same schema compiled by jsonschema-rs (Rust): ~2 µs a record against ~600 µs for
    the Python validator, which was the costliest step of a crawl's pipelines. Used as a
    yes; a no is always explained (and decided) by the Python validator, the reference."""
    import jsonschema_rs

    resources = [(load(o)["$id"], load(o)) for o in NAMES] + [(f"{o}.schema.json", load(o)) for o in NAMES]
    return jsonschema_rs.validator_for(load(name), registry=jsonschema_rs.Registry(resources))


def errors(name: str, record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every violation as ``(field path, failed keyword, message)``, in a stable order.

    A record jsonschema-rs accepts is valid (``tests/test_schema.py`` holds that whatever
    it accepts the Python validator accepts too); anything else gets the Python
    validator's verdict and messages, so the result is the reference's either way."""
    if fast_validator(name).is_valid(record):
        return []
    found = [(_path(e), str(e.validator), e.message) for e in validator(name).iter_errors(record)]
    return sorted(found)


def is_valid(name: str, record: dict[str, Any]) -> bool:
    return not errors(name, record)


__all__ = ["NAMES", "errors", "fast_validator", "is_valid", "load", "schema_path", "validator"]
