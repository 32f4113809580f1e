"""Spider middleware: end every page's output with a ``PageDone`` marker.

The marker travels after the page's items through the item pipelines; the store
pipeline then writes the page in one transaction (its group's) and acknowledges the
request to the scheduler (see ``kexie_scraper.scheduling``). It is the outermost spider middleware, so
it sees the final output of the callback — or of the errback, when a response was an
HTTP error — and adds the marker once, even when the callback fails half-way.
"""

from __future__ import annotations

from .items import PageDone
from .scheduling import TOKEN


def page_done(response) -> PageDone:
    request = response.request
    return PageDone(url=response.url, token=request.meta.get(TOKEN) if request is not None else None)


class PageDoneMiddleware:
    def process_spider_output(self, response, result, spider=None):
        done = False
        try:
            for output in result:
                done = done or isinstance(output, PageDone)
                yield output
        except Exception:
            if not done:
                yield page_done(response)
            raise
        if not done:
            yield page_done(response)

    async def process_spider_output_async(self, response, result, spider=None):
        done = False
        try:
            async for output in result:
                done = done or isinstance(output, PageDone)
                yield output
        except Exception:
            if not done:
                yield page_done(response)
            raise
        if not done:
            yield page_done(response)
