"""Benchmarks: a synthetic bulletin-site mirror and the `kexie bench` runner.

* ``mirror``: deterministic generator of channel list pages and bulletin pages in the
  scimall fixture formats, and a fast HTTP server for them on 127.0.0.1.
* ``phase``: one crawl phase (raw or full) in its own process.
* ``scale``: the item pipelines alone on N generated articles, in its own process.
* ``parse``: ``parse_page`` latency on the mirror's pages alone, no crawl (seconds).
* ``runner``: orchestration, figures, JSON and the plot for ``kexie bench``.
"""
