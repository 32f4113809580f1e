"""Item pipelines, in order: normalize (300) → dedupe (400) → store (500).

Pipelines own all state; the parser never touches storage.
"""

from .dedupe import DedupePipeline
from .normalize import NormalizePipeline
from .store import StorePipeline

__all__ = ["NormalizePipeline", "DedupePipeline", "StorePipeline"]
