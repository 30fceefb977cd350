"""The forge webhook endpoints: `POST /webhooks/github` and `POST /webhooks/gitlab`, as WSGI apps.

Each checks the request is the forge's (GitHub: HMAC-SHA256 of the raw body in X-Hub-Signature-256;
GitLab: the shared X-Gitlab-Token), both compared in constant time, before the body is parsed;
then hands the event to `ForgeEvents` (bot/services/forge_events.py). Answers are small JSON:
200 applied / duplicate / pong, 202 accepted but ignored, 400 malformed, 401 not the forge's, 413 too
large, 503 retry later. An endpoint exists only when its secret is configured (else the router's 404).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from bot.services.forge_events import ForgeEvents, Outcome
from bot.services.forge_payloads import ForgeEvent, PayloadError, github_event, gitlab_event

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("bot.web.webhooks")

GITHUB_PATH = "/webhooks/github"
GITLAB_PATH = "/webhooks/gitlab"
# GitHub caps payloads at 25 MB, but the events we use are a few KB; a large body is not worth reading.
MAX_BODY_BYTES = 5 * 1024 * 1024
_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    413: "Content Too Large",
    503: "Service Unavailable",
}

Parse = Callable[[str, Any], ForgeEvent]


def github_signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value GitHub sends for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_routes(
    events: ForgeEvents, github_secret: str | None, gitlab_secret: str | None
) -> dict[tuple[str, str], WSGIApplication]:
    """The routes to add to the server: only those whose secret is set (empty counts as unset)."""
    routes: dict[tuple[str, str], WSGIApplication] = {}
    if github_secret:
        routes[("POST", GITHUB_PATH)] = github_webhook_app(events, github_secret)
    if gitlab_secret:
        routes[("POST", GITLAB_PATH)] = gitlab_webhook_app(events, gitlab_secret)
    return routes


def github_webhook_app(events: ForgeEvents, secret: str, max_body: int = MAX_BODY_BYTES) -> WSGIApplication:
    def verified(environ: WSGIEnvironment, body: bytes) -> bool:
        sent = _header(environ, "X-Hub-Signature-256")
        return sent is not None and hmac.compare_digest(github_signature(secret, body).encode(), _raw(sent))

    def identify(environ: WSGIEnvironment) -> tuple[str, str | None]:
        return _header(environ, "X-GitHub-Event") or "", _header(environ, "X-GitHub-Delivery")

    return _endpoint("github", events, verified, identify, github_event, max_body)


def gitlab_webhook_app(events: ForgeEvents, secret: str, max_body: int = MAX_BODY_BYTES) -> WSGIApplication:
    expected = secret.encode()

    def verified(environ: WSGIEnvironment, body: bytes) -> bool:
        sent = _header(environ, "X-Gitlab-Token")
        return sent is not None and hmac.compare_digest(expected, _raw(sent))

    def identify(environ: WSGIEnvironment) -> tuple[str, str | None]:
        # The event UUID is shared by every hook one event triggers (a project and a group hook
        # alike); Idempotency-Key (GitLab 17.4+) stays the same across retries of one delivery.
        delivery = _header(environ, "X-Gitlab-Event-UUID") or _header(environ, "Idempotency-Key")
        return _header(environ, "X-Gitlab-Event") or "", delivery

    return _endpoint("gitlab", events, verified, identify, gitlab_event, max_body)


def _endpoint(
    forge: str,
    events: ForgeEvents,
    verified: Callable[[WSGIEnvironment, bytes], bool],
    identify: Callable[[WSGIEnvironment], tuple[str, str | None]],
    parse: Parse,
    max_body: int,
) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = _body(environ, max_body)
        if body is None:
            return _answer(start_response, 413, "refused", "the payload is too large")
        if not verified(environ, body):
            log.warning("event=webhook_refused forge=%s reason=bad_signature", forge)
            return _answer(start_response, 401, "refused", "the signature or token does not match")
        event_name, delivery = identify(environ)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise PayloadError("the payload is not a JSON object")
            event = parse(event_name, payload)
        except (ValueError, UnicodeDecodeError) as exc:  # PayloadError is a ValueError, as is bad JSON
            log.warning("event=webhook_malformed forge=%s event=%s error=%s", forge, event_name[:64], exc)
            return _answer(start_response, 400, "malformed", "the payload is not what this event carries")
        if event.ignored == "ping":
            outcome = Outcome(200, "pong", "the webhook is set up")
        else:
            # Without a delivery id (a hand-made request) the body stands for it: a repeat is a no-op.
            key = f"{forge}:{delivery or 'sha256:' + hashlib.sha256(body).hexdigest()}"[:255]
            outcome = events.handle(event, key)
        log.info(
            "event=webhook forge=%s delivery=%s kind=%s status=%d result=%s detail=%r",
            forge,
            (delivery or "-")[:64],
            event.name[:64],
            outcome.status,
            outcome.result,
            outcome.detail,
        )
        return _answer(start_response, outcome.status, outcome.result, outcome.detail)

    return app


def _header(environ: WSGIEnvironment, name: str) -> str | None:
    value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return str(value).strip() if value else None


def _raw(value: str) -> bytes:
    """WSGI hands headers over as latin-1 decoded text: this is the bytes that were sent."""
    return value.encode("latin-1", errors="replace")


def _body(environ: WSGIEnvironment, max_body: int) -> bytes | None:
    """The raw body (the signature covers these exact bytes), or None when it is over `max_body`."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body:
        return None
    stream = environ["wsgi.input"]
    body: bytes = stream.read(length) if length > 0 else stream.read(max_body + 1)
    return None if len(body) > max_body else body


def _answer(start_response: StartResponse, status: int, result: str, detail: str) -> list[bytes]:
    body = json.dumps({"status": result, "detail": detail}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {_REASONS.get(status, 'OK')}", headers)
    return [body]
