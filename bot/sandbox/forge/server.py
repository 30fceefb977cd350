"""The fake forge's loopback HTTP server: GitHub's API under /api/v3 (GraphQL at /api/graphql), GitLab's
under /api/v4.

Real clients (PyGithub with base_url=.../api/v3, python-gitlab with url=...) talk to it over HTTP,
so pagination, headers, conditional requests and retries run exactly as against the real forges.
Faults injected into the World (502, 429, 403 rate limits) are answered before any route.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.forge.world import LoggedRequest, World


@dataclass
class Request:
    method: str
    path: str  # below the API prefix, e.g. "/orgs/acme/repos"
    query: dict[str, str]  # first value of each parameter
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # e.g. "http://127.0.0.1:PORT/api/v3": for Link headers and *_url fields

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes/str sent as is
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, separators=(",", ":")).encode()


Route = Callable[[World, Request], Response]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real forges do
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK stalls each
    # keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the World's request log is the record; stderr noise would drown test output

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        forge, prefix, route = self.server.route_for(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
        request = Request(
            method=self.command,
            path=parts.path[len(prefix) :] or "/",
            query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}{prefix}",
        )
        logged_path = request.path + (f"?{parts.query}" if parts.query else "")
        response = self._answer(forge, route, request, logged_path)
        self.server.world.record(
            LoggedRequest(forge, self.command, logged_path, response.status, dict(request.headers))
        )
        payload = response.encoded()
        self.send_response(response.status)
        headers = {"Content-Type": "application/json; charset=utf-8", **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            # A client that gave up waiting (its timeout), as clients of GitHub do, is no error here.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

    def _answer(self, forge: str, route: Route | None, request: Request, path_and_query: str) -> Response:
        world = self.server.world
        if route is None:
            return Response(404, {"message": "Not Found"})
        fault = world.take_fault(forge, path_and_query)  # faults may target one page: "page=2"
        if fault is not None:
            return Response(fault.status, fault.body, dict(fault.headers))
        try:
            return route(world, request)
        except Exception as exc:  # a bug in the fake must surface as a 500, not a hung client
            return Response(500, {"message": f"fake forge error: {exc!r}"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, world: World, routes: dict[str, tuple[str, Route]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.world = world
        self.routes = routes  # prefix -> (forge name, route)

    def route_for(self, path: str) -> tuple[str, str, Route | None]:
        for prefix, (forge, route) in self.routes.items():
            if path == prefix or path.startswith(prefix + "/"):
                return forge, prefix, route
        return "?", "", None


class FakeForge:
    """Serves a World on 127.0.0.1 (an ephemeral port) in a background thread.

    Use as a context manager, or call start()/stop(). `github_api_url` and `gitlab_url` are what
    GITHUB_API_URL and GITLAB_URL should be set to.
    """

    def __init__(self, world: World) -> None:
        from bot.sandbox.forge import github_api, github_graphql, gitlab_api  # the API shapes served

        self.world = world
        self._server = _Server(
            world,
            {
                "/api/v3": ("github", github_api.handle),
                "/api/v4": ("gitlab", gitlab_api.handle),
                "/api": ("github", github_graphql.handle),  # /api/graphql, as on Enterprise Server
            },
        )
        self._thread = threading.Thread(
            # A short poll interval: stop() waits for it, once per test.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-forge",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def github_api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v3"

    @property
    def gitlab_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeForge:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeForge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
