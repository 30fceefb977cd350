"""The production HTTP server: a small WSGI router (health, metrics, access log) served by waitress.

Routes are plain WSGI apps keyed by (method, path), so the Slack endpoint (bot/slack/wsgi.py) and the
forge webhooks plug in without this module knowing Slack or any forge. Each server instance owns its
Prometheus registry, so tests can run many side by side.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from waitress import wasyncore
from waitress.server import BaseWSGIServer, create_server

if TYPE_CHECKING:
    from types import TracebackType
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("bot.web")
access_log = logging.getLogger("bot.web.access")

Route = tuple[str, str]  # (method, path), e.g. ("POST", "/slack/events")
Health = Callable[[], tuple[bool, dict[str, Any]]]  # ready?, and the JSON body saying why not
UNMATCHED = "unmatched"  # the route label of 404s: one series, however many paths scanners try
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    """Request count by route, method and status, and latency by route, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "innersource_http_requests",
            "HTTP requests answered, by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "innersource_http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self._requests.labels(route=route, method=method, status=str(status)).inc()
        self._latency.labels(route=route).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def build_web_app(
    routes: Mapping[Route, WSGIApplication],
    metrics: Metrics,
    ready: Callable[[], bool] | None = None,
    health: Health | None = None,
) -> WSGIApplication:
    """The router: `routes` plus `GET /healthz` and `GET /metrics`; 404 and 405 for the rest.

    `ready` (e.g. "the database answers") turns `/healthz` into a readiness check: 503 while it says no.
    `health`, when given, decides instead and supplies the body (what start-up waits for, and why).
    """
    table: dict[Route, WSGIApplication] = {
        ("GET", "/healthz"): _health_endpoint(health) if health is not None else _healthz(ready),
        ("GET", "/metrics"): _metrics_endpoint(metrics),
        **{(method.upper(), path): app for (method, path), app in routes.items()},
    }
    methods_by_path: dict[str, list[str]] = {}
    for method, path in table:
        methods_by_path.setdefault(path, []).append(method)

    def router(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO") or "/")
        target = table.get((method, path))
        if target is None and path in methods_by_path:
            allow = ", ".join(sorted(methods_by_path[path]))
            target = _plain(405, "method not allowed", [("Allow", allow)])
        status, headers, body = _run(target or _plain(404, "not found"), environ, path)
        code = int(status.split(" ", 1)[0])
        elapsed = time.perf_counter() - started
        metrics.observe(path if path in methods_by_path else UNMATCHED, method, code, elapsed)
        # Path only: query strings and headers may carry tokens, and none of them are logged.
        shown = quote(path, safe="/")[:200]
        access_log.info(
            "event=http_request method=%s path=%s status=%d duration_ms=%.1f",
            quote(method, safe="")[:16],
            shown,
            code,
            elapsed * 1000,
        )
        start_response(status, headers)
        return [body]

    return router


def _run(
    app: WSGIApplication, environ: WSGIEnvironment, path: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Calls a route and collects its whole answer: status, latency and errors are known before replying."""
    answer: dict[str, Any] = {}

    def capture(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        answer["status"], answer["headers"] = status, list(headers)
        return lambda chunk: None  # the legacy write() callable; no route of ours uses it

    try:
        result = app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return answer["status"], answer["headers"], body
    except Exception:
        log.exception("event=http_error path=%s", quote(path, safe="/")[:200])
        error = b'{"error": "internal error"}'
        return "500 Internal Server Error", _json_headers(error), error


def _plain(code: int, message: str, extra: list[tuple[str, str]] | None = None) -> WSGIApplication:
    reason = {404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}.get(code, "OK")
    body = json.dumps({"error": message}).encode()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response(f"{code} {reason}", _json_headers(body) + (extra or []))
        return [body]

    return app


def _healthz(ready: Callable[[], bool] | None) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            ok = ready() if ready is not None else True
        except Exception:
            log.exception("event=readiness_check_failed")
            ok = False
        body = json.dumps({"status": "ok" if ok else "unavailable"}).encode()
        start_response("200 OK" if ok else "503 Service Unavailable", _json_headers(body))
        return [body]

    return app


def _health_endpoint(health: Health) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            ok, answer = health()
        except Exception:
            log.exception("event=readiness_check_failed")
            ok, answer = False, {"status": "unavailable"}
        body = json.dumps(answer).encode()
        start_response("200 OK" if ok else "503 Service Unavailable", _json_headers(body))
        return [body]

    return app


def waiting_app(health: Health) -> WSGIApplication:
    """What a server answers before it is ready: `/healthz` and `/metrics`, and 503 for every other
    request (Slack retries an event that met a 503, and a slash command's user sees it failed)."""
    router = build_web_app({}, Metrics(), health=health)
    waiting = _plain(503, "starting: not ready yet")

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        return (router if path in ("/healthz", "/metrics") else waiting)(environ, start_response)

    return app


def _metrics_endpoint(metrics: Metrics) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = metrics.exposition()
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    return app


def _json_headers(body: bytes) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]


class HttpServer:
    """waitress on `host:port` (port 0: any free one, see `.port`), stoppable from any thread."""

    POLL_SECONDS = 0.25  # how soon the serving loop notices stop()
    DRAIN_SECONDS = 5.0  # how long stop() lets requests in flight finish
    MAX_BODY_BYTES = 32 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB; Slack's are far smaller

    def __init__(
        self, app: WSGIApplication, host: str = "127.0.0.1", port: int = 0, threads: int = 8
    ) -> None:
        self._map: dict[int, Any] = {}
        self._app = app
        self._server = create_server(
            self._current,
            map=self._map,
            host=host,
            port=port,
            threads=threads,
            ident="innersource-bot",
            max_request_body_size=self.MAX_BODY_BYTES,
        )
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._serving = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def _current(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self._app(environ, start_response)

    def replace_app(self, app: WSGIApplication) -> None:
        """Serve `app` from the next request on, on the same port: a server that answered /healthz
        while start-up waited for Slack or the database becomes the real one without a gap."""
        self._app = app

    @property
    def port(self) -> int:
        listen = getattr(self._server, "effective_listen", None)  # several sockets when host has several IPs
        return int(listen[0][1] if listen else self._server.effective_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_forever(self) -> None:
        with self._lock:
            if self._closed or self._serving:
                raise RuntimeError("HttpServer is already serving or stopped")
            self._serving = True
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=self.POLL_SECONDS, map=self._map, use_poll=True, count=1)
            self._drain()
        finally:
            self._close()

    def start_in_thread(self) -> HttpServer:
        self._thread = threading.Thread(target=self.serve_forever, name="http-server", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._lock:
            serving, closed = self._serving, self._closed
        if serving and not closed:
            for listener in self._listeners():
                with contextlib.suppress(OSError, ValueError):  # the loop may be closing it right now
                    listener.pull_trigger()  # wakes the loop now rather than at its next poll
        if not serving:
            self._close()
        elif self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> HttpServer:
        return self.start_in_thread()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _listeners(self) -> list[Any]:
        return [d for d in list(self._map.values()) if isinstance(d, BaseWSGIServer)]

    def _drain(self) -> None:
        """Stop accepting, then keep the loop turning until answers in flight are written, or time is up."""
        listeners = self._listeners()
        for listener in listeners:
            wasyncore.dispatcher.close(listener)  # the listening socket only; channels stay open
        deadline = time.monotonic() + self.DRAIN_SECONDS
        while time.monotonic() < deadline and self._busy(listeners):
            wasyncore.loop(timeout=0.05, map=self._map, use_poll=True, count=1)

    @staticmethod
    def _busy(listeners: list[Any]) -> bool:
        channels = [c for listener in listeners for c in list(listener.active_channels.values())]
        return any(c.requests or c.total_outbufs_len for c in channels)

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map)
