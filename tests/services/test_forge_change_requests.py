"""Webhooks about pull/merge requests as change requests (time to first response): opened, closed,
reviewed, commented on; GitHub and GitLab, over a crawled slice of the sample organisation."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import session_scope
from bot.db.progression import ChangeRequest
from bot.sandbox.forge.world import FakeRepo
from bot.services.forge_events import ForgeEvents, Outcome
from bot.services.forge_payloads import github_event, gitlab_event
from tests.services.forge_event_support import (
    GITHUB_SECRET,
    Catalog,
    catalog_fixture,  # noqa: F401  (the `catalog` fixture)
    github_payload,
    gitlab_payload,
    webhook_catalog,
    webhook_server,
)
from tests.web.test_webhooks import github_headers, post

_deliveries = iter(range(1, 1_000_000))


@pytest.fixture
def events(catalog: Catalog) -> ForgeEvents:
    return catalog.events()


def github(events: ForgeEvents, event: str, payload: dict[str, Any]) -> Outcome:
    return events.handle(github_event(event, payload), f"github:cr-{next(_deliveries)}")


def gitlab(events: ForgeEvents, event: str, payload: dict[str, Any]) -> Outcome:
    return events.handle(gitlab_event(event, payload), f"gitlab:cr-{next(_deliveries)}")


def change(catalog: Catalog, repo: FakeRepo, number: int) -> ChangeRequest | None:
    with session_scope(catalog.core.sessions) as session:
        row = session.scalars(
            select(ChangeRequest).where(
                ChangeRequest.key.like(f"{repo.forge}:%"), ChangeRequest.number == number
            )
        ).first()
        if row is not None:
            session.expunge(row)
        return row


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def opened_pull(repo: FakeRepo, number: int = 900, author: str = "Codertocat") -> dict[str, Any]:
    payload = github_payload("pull_request.opened", repo)
    payload["pull_request"].update(number=number, id=88_000_000 + number)
    payload["pull_request"]["user"]["login"] = author
    return payload


def issue_comment(
    repo: FakeRepo, number: int, commenter: str, at: str, *, on_pull: bool = True
) -> dict[str, Any]:
    """Shaped as octokit/webhooks' issue_comment/created example: the issue, the comment, the repository."""
    payload = github_payload("pull_request.opened", repo)
    api = f"https://api.github.com/repos/{repo.full_name}"
    issue: dict[str, Any] = {
        "url": f"{api}/issues/{number}",
        "html_url": f"https://github.com/{repo.full_name}/pull/{number}",
        "id": 55_000 + number,
        "number": number,
        "title": "Update the README",
        "user": payload["pull_request"]["user"],
        "state": "open",
        "created_at": "2026-10-30T08:00:00Z",
        "updated_at": at,
        "closed_at": None,
        "comments": 1,
    }
    if on_pull:
        issue["pull_request"] = {"url": f"{api}/pulls/{number}", "merged_at": None}
    comment = {
        "url": f"{api}/issues/comments/77{number}",
        "html_url": f"https://github.com/{repo.full_name}/pull/{number}#issuecomment-77{number}",
        "issue_url": f"{api}/issues/{number}",
        "id": int(f"77{number}"),
        "user": {**payload["pull_request"]["user"], "login": commenter},
        "created_at": at,
        "updated_at": at,
        "author_association": "MEMBER",
        "body": "Thanks, looking at it today.",
    }
    return {"action": "created", "issue": issue, "comment": comment, "repository": payload["repository"],
            "sender": comment["user"]}  # fmt: skip


# -- GitHub ----------------------------------------------------------------------------------------
def test_an_opened_pull_request_then_a_comment_is_its_first_response(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("acme/kafka-client")
    outcome = github(events, "pull_request", opened_pull(repo))
    assert outcome.detail == "0 new ledger entries; change request #900 open"
    row = change(catalog, repo, 900)
    assert row is not None and row.state == "open" and row.author == "Codertocat"
    assert row.first_response_at is None

    own = github(events, "issue_comment", issue_comment(repo, 900, "Codertocat", "2026-10-30T09:00:00Z"))
    assert own.detail == "0 new ledger entries; a response to #900"
    assert change(catalog, repo, 900).first_response_at is None  # type: ignore[union-attr]

    github(events, "issue_comment", issue_comment(repo, 900, "alice", "2026-10-30T12:00:00Z"))
    github(events, "issue_comment", issue_comment(repo, 900, "bob", "2026-10-30T11:00:00Z"))  # out of order
    github(events, "issue_comment", issue_comment(repo, 900, "carol", "2026-10-30T15:00:00Z"))
    assert change(catalog, repo, 900).first_response_at == when("2026-10-30T11:00:00Z")  # type: ignore[union-attr]


def test_comments_elsewhere_are_ignored_or_left_to_the_crawl(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/kafka-client")
    on_issue = github(
        events, "issue_comment", issue_comment(repo, 3, "alice", "2026-10-30T12:00:00Z", on_pull=False)
    )
    assert (on_issue.status, on_issue.detail) == (202, "a comment on an issue, not on a pull request")
    edited = {**issue_comment(repo, 900, "alice", "2026-10-30T12:00:00Z"), "action": "edited"}
    assert github(events, "issue_comment", edited).status == 202
    unknown = github(events, "issue_comment", issue_comment(repo, 901, "alice", "2026-10-30T12:00:00Z"))
    assert unknown.detail == "0 new ledger entries; #901 is not known yet"


def test_a_submitted_review_by_someone_else_is_a_response(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/kafka-client")
    payload = github_payload("pull_request_review.submitted", repo)
    payload["review"]["user"] = {**payload["review"]["user"], "login": "alice"}
    payload["pull_request"].update(number=906, id=88_000_906)
    outcome = github(events, "pull_request_review", payload)
    number = payload["pull_request"]["number"]
    assert outcome.detail == f"1 new ledger entries; change request #{number} open"
    row = change(catalog, repo, number)
    assert row is not None and row.first_response_at == when(payload["review"]["submitted_at"])


def test_closing_without_merge_and_actions_that_change_nothing(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/kafka-client")
    github(events, "pull_request", opened_pull(repo, 902))
    closed = opened_pull(repo, 902)
    closed["action"] = "closed"
    closed["pull_request"].update(state="closed", closed_at="2026-10-31T10:00:00Z")
    assert github(events, "pull_request", closed).detail.endswith("change request #902 closed")
    row = change(catalog, repo, 902)
    assert row is not None and (row.state, row.closed_at) == ("closed", when("2026-10-31T10:00:00Z"))
    assert github(events, "pull_request", {**opened_pull(repo, 902), "action": "labeled"}).status == 202


def test_bot_logins_are_no_response(database_url: str) -> None:
    with webhook_catalog(database_url, bot_logins=("CI-Helper",)) as catalog:
        events = catalog.events()
        repo = catalog.repo("acme/kafka-client")
        github(events, "pull_request", opened_pull(repo, 903))
        github(events, "issue_comment", issue_comment(repo, 903, "ci-helper", "2026-10-30T08:01:00Z"))
        github(events, "issue_comment", issue_comment(repo, 903, "dependabot[bot]", "2026-10-30T08:02:00Z"))
        row = change(catalog, repo, 903)
        assert row is not None and row.first_response_at is None
        github(events, "pull_request", opened_pull(repo, 904, author="ci-helper"))
        bot_row = change(catalog, repo, 904)
        assert bot_row is not None and bot_row.author_is_bot


def test_a_signed_comment_over_http(catalog: Catalog) -> None:
    repo = catalog.repo("acme/kafka-client")
    github(catalog.events(), "pull_request", opened_pull(repo, 905))
    body = json.dumps(issue_comment(repo, 905, "alice", "2026-10-30T12:00:00Z")).encode()
    with webhook_server(catalog) as server:
        answer = post(server, "/webhooks/github", body, github_headers(body, "issue_comment", "cr-http"))
        again = post(server, "/webhooks/github", body, github_headers(body, "issue_comment", "cr-http"))
        forged = post(server, "/webhooks/github", body, github_headers(body, "issue_comment", "x", "wrong"))
    assert answer == (200, {"status": "applied", "detail": "0 new ledger entries; a response to #905"})
    assert again[1]["status"] == "duplicate" and forged[0] == 401
    assert change(catalog, repo, 905).first_response_at == when("2026-10-30T12:00:00Z")  # type: ignore[union-attr]
    assert GITHUB_SECRET  # the server signs with the same secret the catalog was given


# -- GitLab ----------------------------------------------------------------------------------------


def test_gitlab_open_then_a_note_by_someone_else(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    opened = gitlab_payload("merge_request", repo, action="open", iid=320, id=9320, author_id=1)
    assert (
        gitlab(events, "Merge Request Hook", opened).detail
        == "0 new ledger entries; change request #320 open"
    )
    row = change(catalog, repo, 320)
    assert row is not None and (row.author, row.state) == ("root", "open")  # the example's `user` opened it

    def note(author_id: int, username: str, at: str, **attributes: Any) -> dict[str, Any]:
        payload = gitlab_payload("note_merge_request", repo, author_id=author_id, created_at=at, **attributes)
        payload["user"] = {**payload["user"], "id": author_id, "username": username}
        payload["merge_request"].update(iid=320, id=9320, author_id=1)
        return payload

    own = gitlab(events, "Note Hook", note(1, "root", "2026-10-30 09:00:00 UTC"))
    assert (own.status, own.detail) == (202, "a comment by the merge request's author")
    system = gitlab(events, "Note Hook", note(7, "dmitri", "2026-10-30 09:30:00 UTC", system=True))
    assert (system.status, system.detail) == (202, "a system note is no response")
    answered = gitlab(events, "Note Hook", note(7, "dmitri", "2026-10-30 10:00:00 UTC"))
    assert answered.detail == "0 new ledger entries; a response to #320"
    assert change(catalog, repo, 320).first_response_at == when("2026-10-30T10:00:00Z")  # type: ignore[union-attr]
    on_issue = gitlab(events, "Note Hook", gitlab_payload("note_issue", repo))
    assert on_issue.status == 202


def test_gitlab_close_by_someone_else_names_the_author_once(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    dmitri = catalog.world.users["dmitri"]
    closed = gitlab_payload(
        "merge_request", repo, action="close", state="closed", iid=321, id=9321, author_id=dmitri.id
    )
    assert (
        gitlab(events, "Merge Request Hook", closed).detail
        == "0 new ledger entries; change request #321 closed"
    )
    row = change(catalog, repo, 321)
    assert row is not None and (row.author, row.state) == ("dmitri", "closed")
    assert row.closed_at == when("2013-12-03T17:23:34Z")  # the example's updated_at
    approved = gitlab_payload("merge_request", repo, action="approved", iid=321, id=9321, author_id=dmitri.id)
    gitlab(events, "Merge Request Hook", approved)
    assert change(catalog, repo, 321).first_response_at == when("2013-12-03T17:23:34Z")  # type: ignore[union-attr]
    assert catalog.user_lookups(dmitri.id) == 1
