"""Quieter drop messages: a duplicate is the normal outcome of a re-crawl, not a warning,
and the log should say why an item went without dumping its whole body."""

from __future__ import annotations

import logging

from scrapy import logformatter

from .items import ListPageRead, PageDone, PageState


class KexieLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        # the end-of-page marker; a recorded page state; a list page read (its old failure cleared)
        if isinstance(item, (PageDone, PageState, ListPageRead)):
            return None
        reason = str(exception)
        # Duplicates are expected; invalid items were logged with every violation by ValidatePipeline.
        expected = reason.startswith(("duplicate article", "known bulletin", "invalid ", "page state"))
        return {
            "level": logging.DEBUG if expected else logging.WARNING,
            "msg": "Dropped: %(reason)s",
            "args": {"reason": reason},
        }
