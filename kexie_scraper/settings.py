"""Scrapy settings for kexie_scraper. Politeness first: these are public-interest sites."""

BOT_NAME = "kexie_scraper"
SPIDER_MODULES = ["kexie_scraper.spiders"]
NEWSPIDER_MODULE = "kexie_scraper.spiders"

USER_AGENT = "kexie_scraper/0.1 (+https://example.org/kexie_scraper; research crawler of public bulletins)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "kexie_scraper.pipelines.NormalizePipeline": 300,
    "kexie_scraper.pipelines.DedupePipeline": 400,
    "kexie_scraper.pipelines.StorePipeline": 500,
}

DOWNLOADER_MIDDLEWARES = {
    # Inert unless KEXIE_REPLAY_URL is set: then every request goes to the local fixture server.
    "kexie_scraper.replay.ReplayMiddleware": 950,
}

# Where the pipelines store: sqlite:///PATH (default) — see kexie_scraper/storage.
KEXIE_STORE_URL = "sqlite:///kexie.sqlite"
# Set by `kexie demo` and the tests: http://127.0.0.1:PORT of the replay server.
KEXIE_REPLAY_URL = None

LOG_FORMATTER = "kexie_scraper.logformatter.KexieLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
