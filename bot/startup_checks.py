"""Start-up an operator can read: one line per failing dependency, the setting to check, retries."""

from __future__ import annotations

import http.client
import logging
import random
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.app import Core, build_core, utc_now
from bot.config import Settings

log = logging.getLogger("bot.startup")

# Exit codes of `run` and of any command stopped by a dependency (sysexits.h, so scripts can tell them
# apart from 1, a failed run, and 2, bad usage or settings).
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: Slack, the database or a forge could not be reached or failed
EXIT_REFUSED = 78  # EX_CONFIG: a token or credential was refused; retrying will not help

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """Why start-up cannot go on: what failed, the setting to check, what the service answered."""

    waiting_for: str  # "slack", "database", "github", "gitlab"
    detail: str  # one line, naming settings, never a secret's value
    refused: bool = False  # a credential was refused: not a blip, the setting must change

    @property
    def exit_code(self) -> int:
        return EXIT_REFUSED if self.refused else EXIT_UNAVAILABLE


class StartupError(Exception):
    """A dependency is unreachable or refused us; `problem` says which and what to check."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it wraps (URLError.reason) and what caused it, each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop(0)
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        reason = getattr(item, "reason", None)
        todo += [reason if isinstance(reason, BaseException) else None, item.__cause__, item.__context__]


def network_cause(exc: BaseException) -> str | None:
    """What a failed connection met, in a few words; None when `exc` is not a network failure."""
    for item in _chain(exc):
        if isinstance(item, socket.gaierror):
            return "DNS failure (the host name does not resolve)"
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
        if isinstance(item, TimeoutError | socket.timeout):
            return "timed out"
        if isinstance(item, ssl.SSLError):
            return f"TLS error ({item.reason or item.__class__.__name__})"
        if isinstance(item, ConnectionResetError | http.client.RemoteDisconnected | ConnectionAbortedError):
            return "connection closed without an answer"
        if isinstance(item, OSError) and item.strerror:
            return item.strerror[:1].lower() + item.strerror[1:]
    return None


def shown_url(url: str) -> str:
    """A URL fit for a log line: no user name or password."""
    if "://" in url and not url.startswith(("http://", "https://")):  # a database URL
        try:
            return make_url(url).render_as_string(hide_password=True)
        except Exception:  # not parseable: show the scheme only
            return url.split("://", 1)[0] + "://…"
    parts = urlsplit(url)
    netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return str(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))


def unreachable(service: str, name: str, setting: str, url: str, cause: str) -> Problem:
    return Problem(
        service,
        f"cannot reach {name} at {setting} ({shown_url(url)}): {cause}; "
        f"check {setting}, HTTPS_PROXY if you use a proxy, and the network",
    )


# -- the database --------------------------------------------------------------------------------


def database_problem(exc: BaseException, url: str) -> Problem:
    """What a failed connection to DATABASE_URL met, as one line."""
    message = str(getattr(exc, "orig", None) or exc).strip()
    lowered = message.lower()
    where = f"DATABASE_URL ({shown_url(url)})"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return Problem("database", f"the database refused the credentials in {where}", refused=True)
    if "does not exist" in lowered:
        first = message.splitlines()[-1].strip().removeprefix("FATAL:").strip()
        return Problem("database", f"database unavailable at {where}: {first}; create it or fix DATABASE_URL")
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        cause = "DNS failure (the host name does not resolve)"
    elif "connection refused" in lowered:
        cause = "connection refused"
    elif "timeout" in lowered or "timed out" in lowered:
        cause = "timed out"
    elif "unable to open database file" in lowered:
        cause = "unable to open the database file (does its directory exist and may we write it?)"
    else:
        cause = (network_cause(exc) or message.splitlines()[0] if message else type(exc).__name__)[:200]
    return Problem("database", f"cannot reach the database at {where}: {cause}; check DATABASE_URL")


def open_core(settings: Settings, now: Callable[[], Any] = utc_now) -> Core:
    """`build_core` (connect and migrate), with a failed connection as a StartupError."""
    try:
        return build_core(settings, now)
    except DBAPIError as exc:  # OperationalError (refused, unknown host, no such database) is one
        raise StartupError(database_problem(exc, settings.database_url)) from None


def database_check(core: Core) -> Callable[[], Problem | None]:
    """For /healthz once running: None while the database answers, else what it met."""

    def check() -> Problem | None:
        try:
            with core.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return database_problem(exc, core.settings.database_url)
        return None

    return check


# -- the forges ----------------------------------------------------------------------------------


def check_forges(settings: Settings) -> None:
    """One cheap request to each configured forge's API (GitHub's /rate_limit is free), before a crawl
    starts retrying page after page: an unreachable forge or a refused token becomes one line."""
    timeout = settings.startup_timeout_seconds
    if settings.github_orgs:
        token = settings.github_token.get_secret_value() if settings.github_token else None
        url = settings.github_api_url.rstrip("/") + "/rate_limit"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        _probe("github", "GitHub", "GITHUB_API_URL", "GITHUB_TOKEN" if token else None, url, headers, timeout)
    if settings.gitlab_groups:
        token = settings.gitlab_token.get_secret_value() if settings.gitlab_token else None
        url = settings.gitlab_url.rstrip("/") + "/api/v4/version"
        headers = {"PRIVATE-TOKEN": token} if token else {}
        _probe("gitlab", "GitLab", "GITLAB_URL", "GITLAB_TOKEN" if token else None, url, headers, timeout)


def _probe(
    service: str,
    name: str,
    setting: str,
    token_setting: str | None,
    url: str,
    headers: dict[str, str],
    timeout: float,
) -> None:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 (http(s) only: config checks)
            return
    except urllib.error.HTTPError as exc:
        status = exc.code
    except Exception as exc:
        raise StartupError(unreachable(service, name, setting, url, network_cause(exc) or str(exc))) from None
    if status == 401 and token_setting:
        raise StartupError(
            Problem(
                service, f"{name} refused {token_setting} (HTTP 401): check {token_setting}", refused=True
            )
        )
    if status >= 500:
        raise StartupError(unreachable(service, name, setting, url, f"{name} answered HTTP {status}"))
    # Anything else (401 without a token, 403, 404 from a proxy's path) reached a server: let the crawl
    # say more, page by page.


# -- waiting with backoff ------------------------------------------------------------------------


class Backoff:
    """Exponential backoff with jitter: 1, 2, 4 … seconds up to `cap`, each between half and all of it,
    so replicas that lost the same dependency do not come back in step."""

    def __init__(self, cap: float, first: float = 1.0, rng: Callable[[], float] = random.random) -> None:
        self.cap, self._next, self._rng = cap, min(first, cap), rng
        self.waits = 0  # how many delays were handed out: whether start-up had to wait at all

    def next(self) -> float:
        self.waits += 1
        delay = self._next * (0.5 + self._rng() / 2)
        self._next = min(self.cap, self._next * 2)
        return delay


class Readiness:
    """What GET /healthz says: waiting for something (503, and why) or ready (200 while `live` is)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: tuple[Problem, float] | None = None
        self._ready = False
        self._live: Callable[[], Problem | None] | None = None

    def waiting(self, problem: Problem, retry_in: float) -> None:
        with self._lock:
            self._waiting, self._ready = (problem, retry_in), False

    def ready(self, live: Callable[[], Problem | None] | None = None) -> None:
        with self._lock:
            self._waiting, self._ready, self._live = None, True, live

    def health(self) -> tuple[bool, dict[str, Any]]:
        with self._lock:
            waiting, ready, live = self._waiting, self._ready, self._live
        if waiting is not None:
            problem, retry_in = waiting
            return False, _waiting_body(problem) | {"retry_in_s": round(retry_in)}
        if not ready:
            return False, {"status": "starting"}
        trouble = live() if live is not None else None
        return (True, {"status": "ok"}) if trouble is None else (False, _waiting_body(trouble))


def _waiting_body(problem: Problem) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "waiting", "waiting_for": problem.waiting_for, "detail": problem.detail}
    if problem.refused:
        body["refused"] = True  # a bad token: fixing the setting is the only way out
    return body


def note_waiting(problem: Problem, readiness: Readiness, backoff: Backoff) -> float:
    """Tell /healthz and the log (one line, no traceback) what start-up waits for; the delay to wait."""
    delay = backoff.next()
    readiness.waiting(problem, delay)
    log.warning(
        "event=waiting waiting_for=%s refused=%s retry_in_s=%.1f detail=%s",
        problem.waiting_for,
        str(problem.refused).lower(),
        delay,
        problem.detail,
    )
    return delay


def retry_until_ready(
    step: Callable[[], T], readiness: Readiness, stop: threading.Event, backoff: Backoff
) -> T | None:
    """`step()` until it stops raising StartupError, saying on /healthz and in one log line per attempt
    what it waits for; None when `stop` is set first."""
    while not stop.is_set():
        try:
            return step()
        except StartupError as exc:
            stop.wait(note_waiting(exc.problem, readiness, backoff))
    return None
