"""Item pipelines, in order: normalize (300) → validate (350) → dedupe (400) → store (500).

Pipelines own all state; the parser never touches storage.
"""

from .dedupe import DedupePipeline
from .normalize import NormalizePipeline
from .store import StorePipeline
from .validate import ValidatePipeline

__all__ = ["NormalizePipeline", "ValidatePipeline", "DedupePipeline", "StorePipeline"]
