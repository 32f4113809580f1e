"""Scrapy settings for kexie_scraper. Politeness first: these are public-interest sites.

Politeness (tests/test_politeness.py holds these):
* robots.txt is obeyed;
* AutoThrottle adapts the delay to the server's latency, from a 1 s floor;
* at most 2 requests at a time per domain;
* the User-Agent names the project and a contact URL: set ``KEXIE_CONTACT_URL`` (setting
  or environment variable; ``kexie crawl --contact URL``) to a page that says who runs
  the crawl and how to reach them;
* a captcha or rate-limit page slows the crawl down (``KEXIE_BLOCK_*``, see
  ``spiders/base.py``) instead of retrying at full speed.

Development: ``kexie crawl … --httpcache`` (or ``-s HTTPCACHE_ENABLED=1``) keeps every
fetched page under ``.scrapy/httpcache`` and replays it on the next run, so parser work
does not refetch the sites. Captcha and rate-limit pages are never cached.
"""

import os

BOT_NAME = "kexie_scraper"
SPIDER_MODULES = ["kexie_scraper.spiders"]
NEWSPIDER_MODULE = "kexie_scraper.spiders"

# Who runs this crawl: goes into the User-Agent (kexie_scraper/VERSION (+CONTACT_URL)).
KEXIE_CONTACT_URL = os.environ.get("KEXIE_CONTACT_URL", "https://example.org/kexie_scraper")
# Leave USER_AGENT unset: KexieUserAgentMiddleware builds it from KEXIE_CONTACT_URL. Setting
# USER_AGENT explicitly (-s USER_AGENT=…) still wins.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 120.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2

# Faults and hostile input (kexie_scraper/resilience.py, docs/reliability.md).
# A bulletin page is 20-300 KB; nothing we want is over 10 MB (a video, a dump, a trap).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
# Refuse a request (or redirect) to a host NAME that resolves to a loopback, private,
# link-local … address (DNS rebinding into the LAN), as IP literals and localhost are.
# None: on, except under --replay (every request goes to the local mirror, no name is
# looked up). False turns it off: behind a "fake-IP" DNS (198.18.0.0/15) every name would
# be refused.
KEXIE_RESOLVE_HOSTS = None
# Retries wait: Retry-After when sent, else BASE * 2^n s with jitter, at most MAX s. A
# Retry-After over KEXIE_RETRY_AFTER_MAX s is left for the next run (recorded as retryable).
KEXIE_RETRY_BACKOFF_BASE = 2.0
KEXIE_RETRY_BACKOFF_MAX = 60.0
KEXIE_RETRY_AFTER_MAX = 120.0
# Pages that gave no article are recorded (table page_states); the retryable ones (5xx, 429,
# timeouts, resets, truncated bodies, captcha) are fetched again by the next run, up to
# this many attempts in all. Permanent ones (deleted, 404, a PDF, robots.txt) are skipped.
KEXIE_RETRY_FAILED_PAGES = True
KEXIE_FAILED_PAGE_MAX_ATTEMPTS = 5
KEXIE_RETRY_AFTER_SLOWS_DOMAIN = True  # a Retry-After also raises the domain's download delay to it
# Giving up on a page is an expected outcome (it is recorded and retried by the next run).
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# When a site answers with a captcha or a rate-limit page (HTTP 200, told by its text):
KEXIE_BLOCK_MIN_DELAY = 30.0  # the domain's download delay becomes at least this (s) …
KEXIE_BLOCK_DELAY_FACTOR = 4.0  # … or this many times what it was, whichever is more,
KEXIE_BLOCK_MAX_DELAY = 600.0  # … up to this; AutoThrottle brings it down again on good pages.
KEXIE_BLOCK_PAUSE = 60.0  # pause the whole crawl for this long (s; 0: no pause)
KEXIE_BLOCK_RETRIES = 2  # retry a blocked page this many times in the same run
KEXIE_BLOCK_GIVE_UP = 5  # stop the crawl after this many blocked pages in a row

# HTTP cache for development: off by default (a crawl should see the sites as they are).
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_EXPIRATION_SECS = 0  # never expire: delete the folder to refetch
HTTPCACHE_POLICY = "kexie_scraper.politeness.KexieCachePolicy"
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504]

ITEM_PIPELINES = {
    "kexie_scraper.pipelines.NormalizePipeline": 300,
    # JSON Schema check (kexie_scraper/schema): an invalid item is logged, counted, dropped.
    "kexie_scraper.pipelines.ValidatePipeline": 350,
    "kexie_scraper.pipelines.DedupePipeline": 400,
    "kexie_scraper.pipelines.StorePipeline": 500,
}

SPIDER_MIDDLEWARES = {
    # Outermost: ends each page's output with the PageDone marker (a page is stored wholly or not at all).
    "kexie_scraper.middlewares.PageDoneMiddleware": 10,
}

# One response's items pass the pipelines one after another, in the order yielded, so a
# page's PageDone marker is handled after the page's items (the pipelines are synchronous:
# parallel items would buy nothing).
CONCURRENT_ITEMS = 1

DOWNLOADER_MIDDLEWARES = {
    # kexie_scraper/resilience.py: no request to a non-public address; retries with backoff;
    # redirects only to allowed domains, never around a loop; truncated gzip never parsed.
    "kexie_scraper.resilience.PrivateAddressMiddleware": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "kexie_scraper.resilience.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "kexie_scraper.resilience.SafeMetaRefreshMiddleware": 580,
    "kexie_scraper.resilience.GzipIntegrityMiddleware": 595,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "kexie_scraper.resilience.SafeRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "kexie_scraper.politeness.KexieUserAgentMiddleware": 500,
    # Inert unless KEXIE_REPLAY_URL is set: then every request goes to the local fixture server.
    "kexie_scraper.replay.ReplayMiddleware": 950,
    # Inert unless KEXIE_ARCHIVE_DIR is set: every response as it came, into a WARC file there
    # (outside the replay middleware, so replayed crawls archive the real URLs).
    "kexie_scraper.archive.ArchiveMiddleware": 900,
}
# The raw archive for `kexie reparse` (--archive DIR): none by default.
KEXIE_ARCHIVE_DIR = os.environ.get("KEXIE_ARCHIVE_DIR") or None

# Where the pipelines store: sqlite:///PATH (default) or postgresql+psycopg://… — see
# kexie_scraper/storage. KEXIE_STORE_URL is the 0.1 name, still accepted.
KEXIE_DATABASE_URL = os.environ.get("KEXIE_DATABASE_URL") or os.environ.get("KEXIE_STORE_URL") or "sqlite:///kexie.sqlite"
KEXIE_STORE_URL = None
# Incremental runs: skip stored article pages, end list paging at a page of stored items.
KEXIE_INCREMENTAL = True
# Recent ids the dedupe pipeline keeps in memory; everything older is looked up in the store.
KEXIE_DEDUPE_CACHE_SIZE = 20000
# Group commit: finished pages per transaction, at most, and the longest a finished page
# waits for its group (kexie_scraper/pipelines/store.py). A kill loses at most one group,
# whose requests a durable queue has not yet forgotten.
KEXIE_WRITE_GROUP_PAGES = 32
KEXIE_WRITE_GROUP_SECONDS = 1.0

# Queue and request fingerprints: Scrapy's in memory by default; with JOBDIR a resumable
# SQLite queue in the job directory; with KEXIE_REDIS_URL shared in Redis (scrapy-redis)
# by every worker of the run KEXIE_RUN_ID (default: today, UTC+8). See kexie_scraper/scheduling.py.
SCHEDULER = "kexie_scraper.scheduling.Scheduler"
KEXIE_REDIS_URL = os.environ.get("KEXIE_REDIS_URL") or None
KEXIE_RUN_ID = os.environ.get("KEXIE_RUN_ID") or None
KEXIE_WORKER_ID = None  # default: hostname-pid; give a restarted worker its old id to take its work back at once
KEXIE_REDIS_HEARTBEAT_TTL = 15  # seconds without a heartbeat before a worker's in-flight requests are taken back
MAX_IDLE_TIME_BEFORE_CLOSE = 10  # scrapy-redis: a worker stops after the shared queue stayed empty this long
# Set by `kexie demo` and the tests: http://127.0.0.1:PORT of the replay server.
KEXIE_REPLAY_URL = None
# Near-duplicate threshold (estimated Jaccard of 3-character shingles): see kexie_scraper/neardup.py.
KEXIE_NEARDUP_THRESHOLD = 0.5

EXTENSIONS = {
    # Passwords in database and Redis URLs are masked in every log line (kexie_scraper/redact.py).
    "kexie_scraper.redact.RedactLogs": 0,
    # Inert unless the command shows progress (stderr a terminal, or --progress).
    "kexie_scraper.extensions.ProgressExtension": 600,
}

LOG_FORMATTER = "kexie_scraper.logformatter.KexieLogFormatter"
# Local JSON Lines feeds are written line by line, unbuffered, and a partial last line left
# by a kill is cut off before appending (kexie_scraper/feeds.py).
FEED_STORAGES = {"": "kexie_scraper.feeds.SafeFileFeedStorage", "file": "kexie_scraper.feeds.SafeFileFeedStorage"}
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
