"""The HTTP transport under python-gitlab: counts every request, retries 5xx/timeouts, caps 429 waits.

python-gitlab's own rate-limit handling sleeps for whatever Retry-After/RateLimit-Reset says (an
hour is possible) and retries 5xx up to ten times; neither fits a bot that must stay responsive.
So the GitLab client is built with both of its retry features off and this adapter, mounted on its
requests session, owns the policy: a 429 asking for at most `max_wait` seconds is waited out and
retried; anything longer raises `RateLimited` at once. Because the adapter sits below the client,
every attempt (retries included) passes through `send` and is counted exactly once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from bot.forges.base import RateLimited, RequestStats
from bot.forges.retry_after import retry_after_seconds

_KINDS = (  # first match wins: the kind a request is counted under in RequestStats.by_kind
    (re.compile(r"/merge_requests/[^/]+/approvals"), "approvals"),
    (re.compile(r"/merge_requests/[^/]+/notes"), "notes"),
    (re.compile(r"/groups/[^/]+/merge_requests"), "group_merge_requests"),
    (re.compile(r"/merge_requests"), "merge_requests"),
    (re.compile(r"/repository/tree"), "tree"),
    (re.compile(r"/repository/files/"), "file"),
    (re.compile(r"/repository/commits"), "commits"),
    (re.compile(r"/languages"), "languages"),
    (re.compile(r"/groups/[^/]+/projects"), "projects"),
    (re.compile(r"/groups/[^/]+/issues"), "group_issues"),
    (re.compile(r"/issues"), "issues"),
)


def request_kind(url: str) -> str:
    path = url.split("?", 1)[0]
    return next((kind for pattern, kind in _KINDS if pattern.search(path)), "other")


def wait_seconds(headers: Mapping[str, str], wall_clock: float) -> float | None:
    """How long a 429 asks us to wait: Retry-After (seconds or HTTP date), else RateLimit-Reset."""
    retry_after = headers.get("Retry-After")
    if retry_after:
        seconds = retry_after_seconds(retry_after, wall_clock)
        if seconds is not None:
            return seconds
    reset = headers.get("RateLimit-Reset")  # Unix time at which the quota refills
    if reset:
        try:
            return max(float(reset) - wall_clock, 0.0)
        except ValueError:
            pass
    return None


class GuardedAdapter(HTTPAdapter):
    """Retries, rate-limit waits and request counting for one forge client (thread-safe)."""

    def __init__(
        self,
        *,
        stats: RequestStats,
        now: Callable[[], datetime],
        max_wait: float,
        max_retries: int,
        backoff: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(pool_connections=4, pool_maxsize=16)  # the crawl reads with ~8 threads
        self.stats = stats
        self._now = now
        self._max_wait = max_wait
        self._max_retries = max_retries
        self._backoff = backoff
        self._sleep = sleep
        self._lock = threading.Lock()

    def _count(self, url: str, retry: bool) -> None:
        with self._lock:
            self.stats.add(request_kind(url))
            self.stats.retries += int(retry)

    def _backoff_for(self, attempt: int) -> float:
        return min(self._backoff * 2.0**attempt, self._max_wait)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        attempt = 0
        while True:
            self._count(url, retry=attempt > 0)
            try:
                response = super().send(request, *args, **kwargs)
            except (requests.ConnectionError, requests.Timeout):
                if attempt >= self._max_retries:
                    raise  # python-gitlab re-raises it; the adapter turns it into ForgeError
                self._sleep(self._backoff_for(attempt))
                attempt += 1
                continue
            if response.status_code == 429:
                wait = wait_seconds(response.headers, time.time())
                self._release(response)
                if wait is None:
                    wait = self._backoff_for(attempt)
                if wait > self._max_wait or attempt >= self._max_retries:
                    reset_at = self._now() + timedelta(seconds=wait)
                    raise RateLimited(
                        f"GitLab rate limit: asked to wait {wait:.0f}s (we wait at most "
                        f"{self._max_wait:.0f}s, {self._max_retries} times); resets about "
                        f"{reset_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
                        reset_at=reset_at,
                    )
                self._sleep(wait)
            elif response.status_code >= 500 and attempt < self._max_retries:
                self._release(response)
                self._sleep(self._backoff_for(attempt))
            else:
                return response  # success, a client error, or a 5xx after the last retry
            attempt += 1

    @staticmethod
    def _release(response: requests.Response) -> None:
        """Drain and close a response we retry past, so its connection returns to the pool."""
        try:
            _ = response.content
        finally:
            response.close()


def guarded_session(adapter: GuardedAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
