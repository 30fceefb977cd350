"""POST /webhooks/github and /webhooks/gitlab over loopback HTTP: signatures, tokens, duplicates,
sizes, and the endpoints' presence only when their secret is set."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import build_discovery, build_http_server, build_slack_app
from bot.sandbox.forge.world import Fault
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.web import HttpServer, Metrics, build_web_app
from bot.web.webhooks import github_signature, github_webhook_app
from tests.services.forge_event_support import (
    GFI,
    GITHUB_SECRET,
    GITLAB_SECRET,
    Catalog,
    catalog_fixture,  # noqa: F401  (the `catalog` fixture)
    github_issue,
    gitlab_issue,
    gitlab_payload,
    webhook_server,
)


@pytest.fixture
def server(catalog: Catalog) -> Iterator[HttpServer]:
    with webhook_server(catalog) as running:
        yield running


def post(server: HttpServer, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else {}
    finally:
        connection.close()


def github_headers(
    body: bytes, event: str = "issues", delivery: str = "d-1", secret: str = GITHUB_SECRET
) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": github_signature(secret, body),
    }


def labelled(catalog: Catalog, number: int = 80) -> bytes:
    repo = catalog.repo("acme/aurora-design-system")
    return json.dumps(github_issue("issues.labeled", repo, number=number, labels=[GFI])).encode()


def test_githubs_published_test_vector() -> None:
    # docs.github.com, "Validating webhook deliveries": secret, payload and the signature it must give.
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert github_signature("It's a Secret to Everybody", b"Hello, World!") == expected


def test_a_signed_delivery_is_applied(catalog: Catalog, server: HttpServer) -> None:
    body = labelled(catalog)
    status, answer = post(server, "/webhooks/github", body, github_headers(body))
    assert (status, answer["status"]) == (200, "applied")
    assert (80, "open", ["Codertocat"]) in catalog.issues(catalog.repo("acme/aurora-design-system"))


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "",
        "sha256=" + "0" * 64,  # forged
        "sha256=not-hex-at-all",  # garbled
        "sha1=" + "0" * 40,  # GitHub's legacy header format, never accepted here
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",  # another body's
    ],
)
def test_bad_or_missing_signatures_are_refused_and_nothing_is_stored(
    catalog: Catalog, server: HttpServer, signature: str | None
) -> None:
    before = catalog.totals()
    body = labelled(catalog)
    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "d-2"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    status, answer = post(server, "/webhooks/github", body, headers)
    assert (status, answer["status"]) == (401, "refused")
    assert catalog.totals() == before


def test_a_body_changed_after_signing_or_signed_with_another_secret_is_refused(
    catalog: Catalog, server: HttpServer
) -> None:
    before = catalog.totals()
    body = labelled(catalog)
    tampered = body.replace(b'"open"', b'"closed"', 1)
    assert post(server, "/webhooks/github", tampered, github_headers(body))[0] == 401
    assert post(server, "/webhooks/github", body, github_headers(body, secret="guess"))[0] == 401
    assert catalog.totals() == before


def test_gitlab_token_must_match(catalog: Catalog, server: HttpServer) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    body = json.dumps(gitlab_issue(repo, iid=60, labels=[GFI])).encode()
    before = catalog.totals()
    for token in (None, "", GITLAB_SECRET + "x", GITLAB_SECRET[:-1], GITHUB_SECRET):
        headers = {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Event-UUID": "u-1"}
        if token is not None:
            headers["X-Gitlab-Token"] = token
        assert post(server, "/webhooks/gitlab", body, headers)[0] == 401
    assert catalog.totals() == before
    headers = {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Event-UUID": "u-1", "X-Gitlab-Token": GITLAB_SECRET}
    assert post(server, "/webhooks/gitlab", body, headers) == (
        200,
        {"status": "applied", "detail": "issue #60 is open"},
    )


def test_duplicate_deliveries_are_processed_once(catalog: Catalog, server: HttpServer) -> None:
    body = labelled(catalog)
    first = post(server, "/webhooks/github", body, github_headers(body, delivery="same"))
    again = post(server, "/webhooks/github", body, github_headers(body, delivery="same"))
    assert (first[1]["status"], again[1]["status"]) == ("applied", "duplicate")
    assert again[0] == 200
    assert len(catalog.routed) == 1


@pytest.mark.parametrize("header", ["X-Gitlab-Event-UUID", "Idempotency-Key"])
def test_gitlab_duplicates_by_event_uuid_or_idempotency_key(
    catalog: Catalog, server: HttpServer, header: str
) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    body = json.dumps(gitlab_issue(repo, iid=61, labels=[GFI])).encode()
    headers = {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": GITLAB_SECRET, header: "b1f3-retry"}
    answers = [post(server, "/webhooks/gitlab", body, headers)[1]["status"] for _ in range(2)]
    assert answers == ["applied", "duplicate"]


def test_a_gitlab_merge_by_someone_else_reaches_the_ledger_with_one_look_up(
    catalog: Catalog, server: HttpServer
) -> None:
    repo, dmitri = catalog.repo("platform/ci-cd/pipeline-templates"), catalog.world.users["dmitri"]
    answers = []
    for iid in (310, 311):  # two merge requests by dmitri, merged by root (the example's `user`)
        payload = gitlab_payload("merge_request", repo, action="merge", author_id=dmitri.id, iid=iid, id=iid)
        body = json.dumps(payload).encode()
        headers = {"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": GITLAB_SECRET}
        answers.append(
            post(server, "/webhooks/gitlab", body, {**headers, "X-Gitlab-Event-UUID": f"mr-{iid}"})
        )
    assert answers == [
        (200, {"status": "applied", "detail": f"1 new ledger entries; change request #{iid} merged"})
        for iid in (310, 311)
    ]
    assert {("merged_change", "dmitri", 310), ("merged_change", "dmitri", 311)} <= set(catalog.ledger())
    assert catalog.user_lookups(dmitri.id) == 1  # the server process remembers the answer


def test_a_gitlab_author_look_up_that_fails_is_answered_503_for_gitlab_to_retry(
    catalog: Catalog, server: HttpServer
) -> None:
    repo, farah = catalog.repo("platform/ci-cd/pipeline-templates"), catalog.world.users["farah"]
    catalog.world.inject(Fault("gitlab", f"/users/{farah.id}", 401, body='{"message": "401 Unauthorized"}'))
    body = json.dumps(gitlab_issue(repo, iid=62, labels=[GFI], action="update", author_id=farah.id)).encode()
    headers = {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": GITLAB_SECRET, "Idempotency-Key": "k-62"}
    before = catalog.totals()
    status, answer = post(server, "/webhooks/gitlab", body, headers)
    assert (status, answer["status"]) == (503, "unavailable")
    assert catalog.totals() == before
    assert post(server, "/webhooks/gitlab", body, headers) == (
        200,
        {"status": "applied", "detail": "issue #62 is open"},
    )
    assert catalog.author(repo, 62) == "farah"


def test_ping_unknown_events_and_malformed_bodies(catalog: Catalog, server: HttpServer) -> None:
    ping = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
    assert post(server, "/webhooks/github", ping, github_headers(ping, "ping"))[1]["status"] == "pong"
    star = json.dumps({"action": "created", "repository": {"id": 1}}).encode()
    assert post(server, "/webhooks/github", star, github_headers(star, "star", "d-3"))[0] == 202
    for broken in (b"{not json", b"[1, 2]", json.dumps({"action": "opened"}).encode()):
        status, answer = post(server, "/webhooks/github", broken, github_headers(broken, delivery="d-4"))
        assert (status, answer["status"]) == (400, "malformed")


def test_a_body_over_the_cap_is_refused_unread(catalog: Catalog) -> None:
    app = github_webhook_app(catalog.events(), GITHUB_SECRET, max_body=1000)
    with HttpServer(build_web_app({("POST", "/webhooks/github"): app}, Metrics())) as server:
        body = b" " * 1001
        assert post(server, "/webhooks/github", body, github_headers(body))[0] == 413


def test_secrets_never_reach_the_log(
    catalog: Catalog, server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = labelled(catalog)
    post(server, "/webhooks/github", body, github_headers(body))
    post(server, "/webhooks/github", body, github_headers(body, secret="wrong", delivery="d-5"))
    headers = {"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": GITLAB_SECRET + "-wrong"}
    post(server, "/webhooks/gitlab", b"{}", headers)
    logged = caplog.text
    assert "event=webhook " in logged and "event=webhook_refused" in logged
    for secret in (GITHUB_SECRET, GITLAB_SECRET, github_signature(GITHUB_SECRET, body)):
        assert secret not in logged


# -- registered by build_http_server ---------------------------------------------------------------
@contextmanager
def served(catalog: Catalog, **secrets: SecretStr | None) -> Iterator[HttpServer]:
    """The server exactly as `serve` builds it (with the fake Slack), webhook secrets as given."""
    settings = catalog.core.settings.model_copy(update=secrets)
    with FakeSlack() as slack:
        core = replace(catalog.core, settings=slack.settings_for(settings))
        app = build_slack_app(core, build_discovery(core))
        with build_http_server(core, app, "127.0.0.1", 0, on_issue_changed=catalog.routed.append) as server:
            yield server


def test_an_endpoint_without_its_secret_is_not_there(catalog: Catalog) -> None:
    body = labelled(catalog)
    with served(catalog, gitlab_webhook_secret=None) as server:
        assert post(server, "/webhooks/github", body, github_headers(body))[0] == 200
        assert post(server, "/webhooks/gitlab", b"{}", {"X-Gitlab-Token": ""})[0] == 404
    with served(catalog, github_webhook_secret=None, gitlab_webhook_secret=None) as server:
        assert post(server, "/webhooks/github", body, github_headers(body, delivery="d-6"))[0] == 404


def test_end_to_end_through_serve_routes_the_new_issue(catalog: Catalog) -> None:
    body = labelled(catalog, number=81)
    with served(catalog) as server:
        status, answer = post(server, "/webhooks/github", body, github_headers(body, delivery="e2e"))
    assert (status, answer) == (200, {"status": "applied", "detail": "issue #81 is open"})
    assert catalog.routed == [catalog.issue_id(catalog.repo("acme/aurora-design-system"), 81)]


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"a": 1}'
    digest = hmac.new(b"s", body, hashlib.sha256).hexdigest()
    assert github_signature("s", body) == f"sha256={digest}"
