"""The production HTTP server on a real socket: routing, health, metrics, access log, shutdown."""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pytest

from bot.startup_checks import Problem, Readiness
from bot.web import HttpServer, Metrics, build_web_app
from bot.web.server import waiting_app

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment


def echo(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def broken(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    raise RuntimeError("a bug in a route")


class Ready:
    def __init__(self) -> None:
        self.ok = True

    def __call__(self) -> bool:
        return self.ok


def request(
    server: HttpServer, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture
def ready() -> Ready:
    return Ready()


@pytest.fixture
def server(ready: Ready) -> Iterator[HttpServer]:
    routes = {("POST", "/slack/events"): echo, ("POST", "/broken"): broken}
    with HttpServer(build_web_app(routes, Metrics(), ready=ready), port=0) as running:
        yield running


def test_binds_a_free_port(server: HttpServer) -> None:
    assert server.port > 0


def test_routes_reach_their_app(server: HttpServer) -> None:
    assert request(server, "POST", "/slack/events", b"hello")[::2] == (200, b"hello")


def test_healthz_follows_readiness(server: HttpServer, ready: Ready) -> None:
    status, headers, body = request(server, "GET", "/healthz")
    assert (status, body) == (200, b'{"status": "ok"}') and headers["content-type"] == "application/json"
    ready.ok = False
    assert request(server, "GET", "/healthz")[::2] == (503, b'{"status": "unavailable"}')


def test_a_waiting_server_says_why_on_healthz_then_serves_the_real_app_on_the_same_port() -> None:
    readiness = Readiness()
    with HttpServer(waiting_app(readiness.health), port=0) as server:
        port = server.port
        assert request(server, "GET", "/healthz")[::2] == (503, b'{"status": "starting"}')
        readiness.waiting(Problem("database", "cannot reach the database at DATABASE_URL (…)"), 4.2)
        status, _, body = request(server, "GET", "/healthz")
        assert status == 503 and b'"waiting_for": "database"' in body and b'"retry_in_s": 4' in body
        assert request(server, "POST", "/slack/events", b"hi")[0] == 503  # Slack retries later
        assert request(server, "GET", "/metrics")[0] == 200
        readiness.ready()
        server.replace_app(
            build_web_app({("POST", "/slack/events"): echo}, Metrics(), health=readiness.health)
        )
        assert server.port == port
        assert request(server, "POST", "/slack/events", b"hi")[::2] == (200, b"hi")
        assert request(server, "GET", "/healthz")[::2] == (200, b'{"status": "ok"}')


def test_unknown_path_is_404_and_wrong_method_is_405(server: HttpServer) -> None:
    assert request(server, "GET", "/nope")[0] == 404
    status, headers, _ = request(server, "GET", "/slack/events")
    assert status == 405 and headers["allow"] == "POST"
    assert request(server, "POST", "/healthz")[0] == 405


def test_a_failing_route_answers_500_and_the_server_keeps_serving(server: HttpServer) -> None:
    assert request(server, "POST", "/broken", b"")[0] == 500
    assert request(server, "GET", "/healthz")[0] == 200


def test_metrics_count_requests_by_route_and_status(server: HttpServer) -> None:
    for _ in range(3):
        request(server, "POST", "/slack/events", b"x")
    request(server, "GET", "/slack/events")
    request(server, "GET", "/wp-login.php")
    request(server, "GET", "/.env")
    status, headers, body = request(server, "GET", "/metrics")
    text = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert 'innersource_http_requests_total{method="POST",route="/slack/events",status="200"} 3.0' in text
    assert 'innersource_http_requests_total{method="GET",route="/slack/events",status="405"} 1.0' in text
    # Paths nobody serves share one series, however many a scanner tries.
    assert 'innersource_http_requests_total{method="GET",route="unmatched",status="404"} 2.0' in text
    assert "wp-login" not in text
    assert 'innersource_http_request_duration_seconds_count{route="/slack/events"} 4.0' in text


def test_each_server_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe("/a", "GET", 200, 0.01)
    assert b'route="/a"' in first.exposition() and b'route="/a"' not in second.exposition()


def test_access_log_has_one_line_per_request_without_query_or_headers(
    server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.web.access"):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request(
            "POST", "/slack/events?token=xoxb-secret", body=b"x", headers={"Authorization": "Bearer xoxb-h"}
        )
        connection.getresponse().read()
        connection.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.web.access"]
    assert len(lines) == 1
    assert lines[0].startswith("event=http_request method=POST path=/slack/events status=200 duration_ms=")
    assert "xoxb" not in lines[0]


def test_stop_closes_the_port(ready: Ready) -> None:
    server = HttpServer(build_web_app({}, Metrics(), ready=ready)).start_in_thread()
    port = server.port
    assert request(server, "GET", "/healthz")[0] == 200
    server.stop()
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")


def test_a_server_never_started_can_be_stopped(ready: Ready) -> None:
    server = HttpServer(build_web_app({}, Metrics()))
    server.stop()
    with pytest.raises(RuntimeError):
        server.serve_forever()


def test_stop_lets_answers_in_flight_finish() -> None:
    entered, release = threading.Event(), threading.Event()

    def slow(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        entered.set()
        release.wait(5)
        start_response("200 OK", [("Content-Length", "4")])
        return [b"done"]

    server = HttpServer(build_web_app({("GET", "/slow"): slow}, Metrics())).start_in_thread()
    port, answers = server.port, []
    client = threading.Thread(target=lambda: answers.append(request(server, "GET", "/slow")))
    client.start()
    assert entered.wait(5)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    deadline = time.monotonic() + 5  # until the listening socket is closed: stop() has begun
    while time.monotonic() < deadline:
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            probe.connect()
        except OSError:
            break
        finally:
            probe.close()
    else:
        pytest.fail("the server kept accepting connections after stop()")
    release.set()
    client.join(5)
    stopper.join(5)
    assert answers and answers[0][::2] == (200, b"done")
