"""Where the request queue and the seen-request fingerprints live, and how a crawl resumes.

``SCHEDULER = "kexie_scraper.scheduling.Scheduler"`` picks one of three:

* ``KEXIE_REDIS_URL`` set → ``RedisScheduler``: scrapy-redis's Scheduler, its priority
  queue and its ``RFPDupeFilter``, under a per-run key prefix
  (``kexie:<run id>:<spider>:…``), so any number of worker processes on any number of
  machines share one crawl;
* ``JOBDIR`` set → ``JobdirScheduler``: the same design in one SQLite file in the job
  directory (``storage/jobqueue.py``: SQL stays in ``storage/``), for a single
  resumable local crawl;
* neither → Scrapy's own in-memory scheduler.

Both durable schedulers survive SIGKILL at any moment. A popped request is not gone:
it is moved, atomically, to an *in-flight* set, and leaves it only when its page has
been committed to the database (``request_done``, called by the store pipeline on the
page's ``PageDone`` marker) or has been handed back to the queue as a new request
(a retry, redirect or replay rewrite carries the in-flight token in its meta). An
in-flight entry whose worker died goes back to the queue: in Redis when the worker's
heartbeat key expires (or at once when a worker with the same id starts again), in
the job directory when the crawl is started again. A request and its fingerprint are
added in one atomic step (a Lua script; one SQLite transaction), so no kill can leave
a request marked as seen but not queued. Pages done twice after a kill store nothing
twice: the database's unique keys see to that.

Redis workers stop the scrapy-redis way — when idle for ``MAX_IDLE_TIME_BEFORE_CLOSE``
seconds — counting the crawl as idle only while the shared queue *and* the in-flight
set are empty, so no worker leaves while another may still add requests.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scrapy import signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.core.scheduler import Scheduler as ScrapyScheduler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.request import request_from_dict

logger = logging.getLogger(__name__)

TOKEN = "kexie_inflight"  # request.meta key: the in-flight entry of a popped request
_ATTR = "_kexie_scheduler"


def request_done(crawler, token: str | None) -> None:
    """The page of the request with this in-flight token is committed: forget the request."""
    scheduler = getattr(crawler, _ATTR, None)
    if scheduler is not None and token is not None:
        scheduler.ack(token)


def default_run_id() -> str:
    """Today in China (UTC+8): workers started the same day join the same run."""
    return datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%d")


def redis_key_prefix(settings) -> str:
    return f"kexie:{settings.get('KEXIE_RUN_ID') or default_run_id()}"


class Scheduler(BaseScheduler):
    """Picks the scheduler for the settings (see the module docstring)."""

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if settings.get("KEXIE_REDIS_URL"):
            if settings.get("JOBDIR"):
                logger.warning("both KEXIE_REDIS_URL and JOBDIR set: the queue lives in Redis, JOBDIR is not used for it")
            return RedisScheduler.from_crawler(crawler)
        if settings.get("JOBDIR"):
            return JobdirScheduler.from_crawler(crawler)
        return ScrapyScheduler.from_crawler(crawler)

    # BaseScheduler's abstract interface; never called on this class itself.
    def has_pending_requests(self) -> bool:  # pragma: no cover
        raise NotImplementedError

    def enqueue_request(self, request) -> bool:  # pragma: no cover
        raise NotImplementedError

    def next_request(self):  # pragma: no cover
        raise NotImplementedError


def _encode(request, spider) -> bytes:
    return pickle.dumps(request.to_dict(spider=spider), protocol=4)


def _decode(data: bytes, spider):
    return request_from_dict(pickle.loads(data), spider=spider)


# --- local: a job directory ----------------------------------------------------------------
class JobdirScheduler(BaseScheduler):
    """A resumable single-process queue in ``JOBDIR/kexie-queue.<spider>.sqlite``
    (``kexie_scraper.storage.jobqueue``).

    Starting again takes the dead process's in-flight requests back. A crawl that
    finishes with nothing left clears the state, so the same ``--jobdir`` serves the
    next scheduled run.
    """

    def __init__(self, crawler, jobdir: str) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.jobdir = Path(jobdir)
        self.spider = None
        self.queue = None

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = cls(crawler, crawler.settings["JOBDIR"])
        setattr(crawler, _ATTR, scheduler)
        return scheduler

    def open(self, spider):
        from .storage.jobqueue import JobQueue

        self.spider = spider
        self.queue = JobQueue(self.jobdir / f"kexie-queue.{spider.name}.sqlite")  # spiders may share a JOBDIR
        pending, reclaimed = self.queue.start()
        if pending:
            logger.info("Resuming crawl from %s: %d requests queued (%d were in flight when it stopped)",
                        self.jobdir, pending, reclaimed)
            self.stats.set_value("kexie/resumed_requests", pending)

    def close(self, reason):
        if self.queue is not None:
            self.queue.finish(reason == "finished")
            self.queue.close()
            self.queue = None

    def has_pending_requests(self) -> bool:
        return bool(len(self))

    def __len__(self) -> int:
        return self.queue.pending() if self.queue is not None else 0

    def enqueue_request(self, request) -> bool:
        handoff = request.meta.pop(TOKEN, None)
        fingerprint = None if request.dont_filter else self.crawler.request_fingerprinter.fingerprint(request).hex()
        if not self.queue.push(fingerprint, request.priority, _encode(request, self.spider), handoff):
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.stats.inc_value("scheduler/enqueued/jobdir")
        return True

    def next_request(self):
        popped = self.queue.pop()
        if popped is None:
            return None
        token, data = popped
        request = _decode(data, self.spider)
        request.meta[TOKEN] = token
        self.stats.inc_value("scheduler/dequeued/jobdir")
        return request

    def ack(self, token) -> None:
        if self.queue is not None:
            self.queue.ack(token)


# --- distributed: Redis (scrapy-redis) -----------------------------------------------------
try:
    from scrapy_redis.connection import get_redis
    from scrapy_redis.dupefilter import RFPDupeFilter
    from scrapy_redis.queue import PriorityQueue as _RedisPriorityQueue
    from scrapy_redis.scheduler import Scheduler as _RedisScheduler
except ImportError:  # pragma: no cover - scrapy-redis is a dependency
    _RedisScheduler = _RedisPriorityQueue = RFPDupeFilter = get_redis = None

# KEYS: dupefilter set, queue zset, in-flight hash. ARGV: fingerprint ('' = dont_filter),
# score, request data, in-flight field handed off by this request ('' = none).
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return 1
"""
# KEYS: queue zset, in-flight hash, sequence counter. ARGV: worker id.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local field = ARGV[1] .. '|' .. redis.call('INCR', KEYS[3]) .. '|' .. r[2]
redis.call('HSET', KEYS[2], field, r[1])
return {r[1], field}
"""
# KEYS: in-flight hash, queue zset. ARGV: field.
_REQUEUE = """
local d = redis.call('HGET', KEYS[1], ARGV[1])
if not d then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local score = string.match(ARGV[1], '|([^|]*)$')
redis.call('ZADD', KEYS[2], score, d)
return 1
"""


if _RedisPriorityQueue is not None:

    class InflightPriorityQueue(_RedisPriorityQueue):
        """scrapy-redis's priority queue, popping into an in-flight hash instead of into the void."""

        def __init__(self, server, spider, key, serializer=None, *, inflight_key: str, seq_key: str,
                     dupefilter_key: str, worker_id: str):
            super().__init__(server, spider, key, serializer)
            self.inflight_key = inflight_key
            self.seq_key = seq_key
            self.dupefilter_key = dupefilter_key
            self.worker_id = worker_id
            self._enqueue = server.register_script(_ENQUEUE)
            self._pop = server.register_script(_POP)
            self._requeue = server.register_script(_REQUEUE)

        def push_request(self, request, fingerprint: str | None, handoff: str | None) -> bool:
            data = self._encode_request(request)
            return bool(self._enqueue(keys=[self.dupefilter_key, self.key, self.inflight_key],
                                      args=[fingerprint or "", -request.priority, data, handoff or ""]))

        def push(self, request):
            self.push_request(request, None, None)

        def pop(self, timeout=0):
            popped = self._pop(keys=[self.key, self.inflight_key, self.seq_key], args=[self.worker_id])
            if not popped:
                return None
            data, field = popped
            request = self._decode_request(data)
            request.meta[TOKEN] = field.decode() if isinstance(field, bytes) else field
            return request

        def requeue(self, field: str) -> bool:
            return bool(self._requeue(keys=[self.inflight_key, self.key], args=[field]))

        def clear(self):
            self.server.delete(self.key, self.inflight_key, self.seq_key)

    class RedisScheduler(_RedisScheduler):
        """scrapy-redis's Scheduler with in-flight tracking, worker heartbeats and idle close."""

        def __init__(self, crawler, server, prefix: str, worker_id: str) -> None:
            self.crawler = crawler
            self.prefix = prefix
            self.worker_id = worker_id.replace("|", "_")
            settings = crawler.settings
            self.max_idle = settings.getfloat("MAX_IDLE_TIME_BEFORE_CLOSE", 10) or 10
            self.heartbeat_ttl = settings.getfloat("KEXIE_REDIS_HEARTBEAT_TTL", 15)
            self.keys_ttl = settings.getint("KEXIE_REDIS_KEYS_TTL", 7 * 86400)
            super().__init__(
                server, persist=True, flush_on_start=False,
                queue_key=f"{prefix}:%(spider)s:requests",
                queue_cls="kexie_scraper.scheduling.InflightPriorityQueue",
                dupefilter_key=f"{prefix}:%(spider)s:dupefilter",
                dupefilter_cls="scrapy_redis.dupefilter.RFPDupeFilter",
            )
            self.stats = crawler.stats
            self._idle_since = time.monotonic()
            self._idle = False
            self._loops: list = []

        @classmethod
        def from_crawler(cls, crawler):
            settings = crawler.settings
            server = get_redis(url=settings["KEXIE_REDIS_URL"])
            server.ping()
            worker = settings.get("KEXIE_WORKER_ID") or f"{socket.gethostname()}-{os.getpid()}"
            scheduler = cls(crawler, server, redis_key_prefix(settings), worker)
            setattr(crawler, _ATTR, scheduler)
            return scheduler

        def _key(self, spider, name: str) -> str:
            return f"{self.prefix}:{spider.name}:{name}"

        def _heartbeat_key(self, worker: str) -> str:
            # Per spider: one process may crawl several spiders (`--all`) and end them apart.
            return f"{self.prefix}:{self.spider.name}:workers:{worker}"

        def open(self, spider):
            self.spider = spider
            self.df = RFPDupeFilter(self.server, key=self.dupefilter_key % {"spider": spider.name},
                                    debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
            self.queue = InflightPriorityQueue(
                self.server, spider, self.queue_key % {"spider": spider.name},
                inflight_key=self._key(spider, "inflight"), seq_key=self._key(spider, "seq"),
                dupefilter_key=self.df.key, worker_id=self.worker_id)
            self._beat()
            # Entries under our own id belong to a predecessor that died: take them back now.
            reclaimed = self.reclaim(include_own=True)
            if self.server.exists(self._key(spider, "done")):
                logger.warning("run %s is already complete for %s: nothing to do (start another with a new --run-id)",
                               self.prefix, spider.name)
            queued = len(self.queue)
            if queued:
                spider.log(f"Resuming crawl ({queued} requests scheduled, {reclaimed} taken back from dead workers)")
            from twisted.internet import task

            beat = task.LoopingCall(self._beat)
            beat.start(max(0.5, self.heartbeat_ttl / 5), now=False)
            poll = task.LoopingCall(self._poll)
            poll.start(0.5, now=False)
            self._loops = [beat, poll]
            self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)

        def _beat(self) -> None:
            self.server.set(self._heartbeat_key(self.worker_id), str(time.time()), px=int(self.heartbeat_ttl * 1000))

        def _poll(self) -> None:
            # An idle engine looks at the scheduler only every 5 s; while idle, let it look
            # every 0.5 s so work pushed by other workers is picked up promptly.
            if self._idle:
                slot = getattr(self.crawler.engine, "_slot", None)
                if slot is not None:
                    slot.nextcall.schedule()

        def reclaim(self, include_own: bool = False) -> int:
            """Put the in-flight requests of dead workers (no heartbeat) back in the queue."""
            fields = [f.decode() if isinstance(f, bytes) else f for f in self.server.hkeys(self.queue.inflight_key)]
            alive: dict[str, bool] = {}
            count = 0
            for field in fields:
                worker = field.split("|", 1)[0]
                if worker == self.worker_id:
                    if not include_own:
                        continue
                else:
                    if worker not in alive:
                        alive[worker] = bool(self.server.exists(self._heartbeat_key(worker)))
                    if alive[worker]:
                        continue
                if self.queue.requeue(field):
                    count += 1
            if count:
                logger.info("took back %d in-flight requests of stopped workers", count)
                self.stats.inc_value("kexie/redis/reclaimed", count)
            return count

        def _spider_idle(self, spider=None):
            self._idle = True
            self.reclaim()
            busy = len(self.queue) > 0 or self.server.hlen(self.queue.inflight_key) > 0
            now = time.monotonic()
            if busy:
                self._idle_since = now
            if now - self._idle_since < self.max_idle:
                raise DontCloseSpider

        def enqueue_request(self, request):
            handoff = request.meta.pop(TOKEN, None)
            fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
            if not self.queue.push_request(request, fingerprint, handoff):
                self.df.log(request, self.spider)
                return False
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
            return True

        def next_request(self):
            request = self.queue.pop()
            if request is not None:
                self._idle = False
                self._idle_since = time.monotonic()
                if self.stats:
                    self.stats.inc_value("scheduler/dequeued/redis")
            return request

        def ack(self, token) -> None:
            self.server.hdel(self.queue.inflight_key, token)

        def close(self, reason):
            for loop in self._loops:
                if loop.running:
                    loop.stop()
            own = [f.decode() if isinstance(f, bytes) else f for f in self.server.hkeys(self.queue.inflight_key)]
            for field in own:
                if field.split("|", 1)[0] == self.worker_id:
                    self.queue.requeue(field)  # a stop mid-crawl hands its work back
            self.server.delete(self._heartbeat_key(self.worker_id))
            if reason == "finished" and not len(self.queue) and not self.server.hlen(self.queue.inflight_key):
                # The run is complete. Keep its keys a while, so a late worker of the same
                # run finds nothing to do instead of crawling again, then let Redis drop them.
                done = self._key(self.spider, "done")
                self.server.set(done, datetime.now(timezone.utc).isoformat(timespec="seconds"))
                for key in (done, self.df.key, self.queue.key, self.queue.inflight_key, self.queue.seq_key):
                    self.server.expire(key, self.keys_ttl)

else:  # pragma: no cover
    class RedisScheduler:  # type: ignore[no-redef]
        @classmethod
        def from_crawler(cls, crawler):
            raise RuntimeError("KEXIE_REDIS_URL is set but scrapy-redis is not installed")
