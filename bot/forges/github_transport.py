"""Retry policy and request accounting under the GitHub client (PyGithub's Requester).

`RetryPolicy` is the urllib3 `Retry` given to PyGithub. It obeys GitHub's rate-limit headers
(`Retry-After`; `x-ratelimit-remaining: 0` with `x-ratelimit-reset`) but raises at once when they
ask for more than `max_rate_limit_wait`, retries 5xx/429 with bounded backoff, and retries a 202
("statistics are being computed") at most `stats_retries` times: PyGithub itself would sleep and
retry a 202 forever. It decides from headers, GitHub's documented contract, where PyGithub's
GithubRetry reads the message and would sleep for any Retry-After, however long.

`Transport.get` sends one GET through the requester and turns the outcome into a `Reply` or a
`ForgeError`/`RateLimited` whose message never contains the token. Counting: the policy reports
each attempt it retries, `get` the final attempt of each request, so every request sent is
counted exactly once, retries included; 304 answers are not charged to the rate limit.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import RequestHistory, Retry

from bot.forges.base import ForgeError, RateLimited, RequestStats
from bot.forges.retry_after import retry_after_seconds

# Sends a GET (url, extra headers) through the client: (status, lower-cased headers, body).
Send = Callable[[str, dict[str, str] | None], tuple[int, dict[str, Any], str]]

# Sends a POST (url, JSON body) through the client: (status, lower-cased headers, body).
Post = Callable[[str, dict[str, Any]], tuple[int, dict[str, Any], str]]

# Statuses the policy looks at; which of them are really retried is decided in `increment`.
_RETRIED_STATUSES = (202, 403, 429, *range(500, 600))
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
_KINDS = (  # first match wins: the kind a request is counted under in RequestStats.by_kind
    (re.compile(r"/graphql$"), "graphql"),
    (re.compile(r"/orgs/[^/]+/repos"), "list"),
    (re.compile(r"/search/code"), "code_search"),  # a bucket of its own: 10 a minute
    (re.compile(r"/search/"), "search"),
    (re.compile(r"/pulls/\d+/reviews"), "reviews"),
    (re.compile(r"/pulls"), "pulls"),
    (re.compile(r"/issues/comments$"), "comments"),
    (re.compile(r"/issues"), "issues"),
    (re.compile(r"/stats/"), "stats"),
    (re.compile(r"/git/trees/"), "tree"),
    (re.compile(r"/(contents|readme)"), "contents"),
    (re.compile(r"/languages"), "languages"),
    (re.compile(r"/repos/[^/]+/[^/]+$"), "repo"),
)


def request_kind(url: str) -> str:
    path = urlsplit(url).path
    return next((kind for pattern, kind in _KINDS if pattern.search(path)), "other")


def rate_limit_wait(headers: Mapping[str, str], wall_clock: float) -> tuple[float, datetime] | None:
    """(seconds, moment) a 403/429 asks us to wait, from Retry-After or an exhausted x-ratelimit.

    Rate limits run on the real clock, never on the injectable business clock (`now`).
    """
    retry_after = headers.get("retry-after")
    if retry_after:
        seconds = retry_after_seconds(retry_after, wall_clock)
        if seconds is None:
            seconds = 60.0  # unreadable: GitHub's advice for secondary limits is a minute
        return seconds, datetime.fromtimestamp(wall_clock + seconds, UTC)
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        # Half a second past the reset: the header has whole seconds and clocks differ a little.
        return max(int(reset) - wall_clock, 0.0) + 0.5, datetime.fromtimestamp(int(reset), UTC)
    return None


class WaitTooLong(Exception):
    """Raised inside urllib3 when a rate limit asks for more than `max_rate_limit_wait`."""

    def __init__(self, status: int, wait: float, reset_at: datetime) -> None:
        super().__init__(f"{status}: asked to wait {wait:.0f}s")
        self.status, self.wait, self.reset_at = status, wait, reset_at


class StillComputing(Exception):
    """GitHub kept answering 202 (statistics being computed) through all allowed retries."""


class RetryPolicy(Retry):
    def __init__(
        self,
        *,
        max_rate_limit_wait: float = 60.0,
        stats_retries: int = 4,
        stats_retry_delay: float = 1.0,
        on_retry: Callable[[str | None, int | None], None] | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ) -> None:
        self.sleeper = sleeper  # injectable so tests can see the waits without waiting
        self.max_rate_limit_wait = max_rate_limit_wait
        self.stats_retries = stats_retries
        self.stats_retry_delay = stats_retry_delay
        self.on_retry = on_retry
        self.forced_backoff: float | None = None  # a wait the last answer asked for
        kwargs.setdefault("status_forcelist", _RETRIED_STATUSES)
        kwargs.setdefault("raise_on_status", False)  # the last answer reaches Transport.get
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> RetryPolicy:
        kw.update(max_rate_limit_wait=self.max_rate_limit_wait, on_retry=self.on_retry, sleeper=self.sleeper)
        kw.update(stats_retries=self.stats_retries, stats_retry_delay=self.stats_retry_delay)
        return super().new(**kw)

    def get_backoff_time(self) -> float:
        return self.forced_backoff if self.forced_backoff is not None else super().get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """urllib3's order (Retry-After, else backoff), through the injectable sleeper."""
        wait = self.get_retry_after(response) if response is not None else None
        wait = wait or self.get_backoff_time()
        if wait > 0:
            self.sleeper(wait)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> RetryPolicy:
        status = response.status if response is not None else None
        forced: float | None = None
        if response is not None and status == 202:
            if sum(1 for h in self.history if h.status == 202) >= self.stats_retries:
                response.drain_conn()
                raise StillComputing
            # Not charged to the error budget: bounded by stats_retries alone.
            retry = self.new(history=(*self.history, RequestHistory(method, url, None, 202, None)))
            forced = self.stats_retry_delay
        else:
            if response is not None and status in (403, 429):
                wait = rate_limit_wait(response.headers, time.time())
                if wait is None and status == 403:
                    # A plain 403 (no access): not worth retrying; urllib3 hands it back.
                    raise MaxRetryError(_pool, url or "", ResponseError("403 without rate limit"))
                if wait is not None and wait[0] > self.max_rate_limit_wait:
                    response.drain_conn()
                    raise WaitTooLong(status, wait[0], wait[1])
                forced = wait[0] if wait is not None else None
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        retry.forced_backoff = forced
        if self.on_retry is not None:
            self.on_retry(url, status)
        return retry


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    data: Any

    @property
    def next_url(self) -> str | None:
        match = _NEXT.search(self.headers.get("link", ""))
        return match[1] if match else None


class Transport:
    """GETs through the client, counted in `stats` (thread-safe), failures as ForgeError."""

    def __init__(self, send: Send, stats: RequestStats, token: str | None, post: Post | None = None) -> None:
        self._send = send
        self._post = post
        self._token = token
        self.stats = stats
        self._lock = threading.Lock()  # fetch_details runs in a thread pool; stats are shared

    def record(self, url: str | None, status: int | None, *, retried: bool = False) -> None:
        kind = request_kind(url or "")
        # GraphQL queries are charged in points (`charge`), not against the REST budget.
        counted = status != 304 and kind != "graphql"
        with self._lock:
            self.stats.add(kind, counted=counted, not_modified=status == 304)
            self.stats.retries += int(retried)

    def charge(self, points: int) -> None:
        with self._lock:
            self.stats.points += points

    def post(self, url: str, payload: dict[str, Any]) -> Reply:
        """One POST (GraphQL), not retried by the policy (urllib3 never retries a POST's status): the
        caller decides, e.g. to split a batch that timed out. Every status comes back as a Reply;
        a connection failure is a ForgeError."""
        assert self._post is not None, "Transport built without a POST sender"
        post = self._post
        return self._exchange(f"GitHub POST {urlsplit(url).path}", url, lambda: post(url, payload), post=True)

    def _exchange(
        self, what: str, url: str, call: Callable[[], tuple[int, dict[str, Any], str]], *, post: bool = False
    ) -> Reply:
        """Sends, counts, decodes: every status comes back as a Reply; a wait longer than allowed is
        RateLimited, a connection failure a ForgeError (a POST's timeout: a 504 Reply, so the caller
        can ask for less)."""
        try:
            status, headers, body = call()
        except StillComputing:
            self.record(url, 202)
            return Reply(202, {}, None)
        except WaitTooLong as exc:
            self.record(url, exc.status)
            message = f"{what}: rate limited for {exc.wait:.0f}s, more than max_rate_limit_wait"
            raise RateLimited(self._safe(message), exc.reset_at) from None
        except requests.Timeout as exc:
            self.record(url, None)
            # No answer in time to a POST that was sent (not a connection that never opened).
            if post and not isinstance(
                exc, requests.ConnectTimeout
            ):  # a heavy query: answered like GitHub's own 504, so it is split
                return Reply(504, {}, None)
            raise ForgeError(self._safe(f"{what}: {type(exc).__name__} after retries")) from None
        except requests.RequestException as exc:
            self.record(url, None)
            raise ForgeError(self._safe(f"{what}: {type(exc).__name__} after retries")) from None
        self.record(url, status)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None  # e.g. a proxy's HTML error page
        return Reply(status, headers, data)

    def on_retry(self, url: str | None, status: int | None) -> None:
        self.record(url, status, retried=True)

    def _safe(self, message: str) -> str:
        return message.replace(self._token, "***") if self._token else message

    def get(self, url: str, *, etag: str | None = None, allow: Collection[int] = ()) -> Reply:
        """One GET, retried by the policy. 200/202/204/304 and `allow`ed statuses are returned."""
        what = f"GitHub GET {urlsplit(url).path}"
        headers_ = {"If-None-Match": etag} if etag else None
        reply = self._exchange(what, url, lambda: self._send(url, headers_))
        status, headers, data = reply.status, reply.headers, reply.data
        if status in (200, 202, 204, 304) or status in allow:
            return reply
        message = str(data.get("message") or "") if isinstance(data, dict) else ""
        wait = rate_limit_wait(headers, time.time()) if status in (403, 429) else None
        if wait is None and status in (403, 429) and "rate limit" in message.lower():
            wait = rate_limit_wait({"retry-after": "60"}, time.time())  # GitHub: wait a minute
        if wait is not None:
            raise RateLimited(self._safe(f"{what}: {status} rate limited: {message}"), wait[1])
        raise ForgeError(self._safe(f"{what}: {status} {message}".strip()))

    def pages(self, url: str) -> Iterator[Reply]:
        """Follows Link rel="next"; stop iterating to stop requesting."""
        next_url: str | None = url
        while next_url is not None:
            reply = self.get(next_url)
            yield reply
            next_url = reply.next_url

    def items(self, url: str) -> Iterator[Mapping[str, Any]]:
        for reply in self.pages(url):
            yield from reply.data if isinstance(reply.data, list) else ()
