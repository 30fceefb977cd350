"""Pull requests as change requests (time to first response), through PyGithub against the fake."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.forges.base import ChangeSummary, login_keys
from bot.forges.github import GitHubForge
from bot.sandbox.forge.world import World
from tests.conftest import NOW
from tests.forges.test_github import acme, forge, make_forge, paths, repo, sleeps, summary_of

pytestmark = pytest.mark.integration
__all__ = ["acme", "forge", "make_forge", "sleeps"]  # fixtures shared with test_github.py


def by_number(changes: tuple[ChangeSummary, ...]) -> dict[int, ChangeSummary]:
    return {c.number: c for c in changes}


def test_every_pull_request_of_the_window_is_a_change_request(acme: World, forge: GitHubForge) -> None:
    aurora = repo(acme, "aurora")
    opened = NOW - timedelta(days=3)
    waiting = acme.add_pull(aurora, "Waiting", "carol", created_at=opened)
    answered = acme.add_pull(aurora, "Answered", "carol", created_at=opened)
    acme.add_comment(answered, "carol", opened + timedelta(hours=1))  # the author: not a response
    acme.add_comment(answered, "alice", opened + timedelta(hours=6))
    acme.add_review(answered, "bob", "COMMENTED", opened + timedelta(hours=9))
    reviewed = acme.add_pull(aurora, "Reviewed", "carol", created_at=opened)
    acme.add_review(reviewed, "bob", "CHANGES_REQUESTED", opened + timedelta(hours=2))
    acme.add_comment(reviewed, "alice", opened + timedelta(hours=4))
    by_bot = acme.add_pull(aurora, "Bot only", "dave", created_at=opened)
    acme.add_comment(by_bot, "dependabot[bot]", opened + timedelta(minutes=5))
    merged = acme.add_pull(aurora, "Merged", "carol", state="merged", created_at=opened)
    acme.add_review(merged, "alice", "APPROVED", opened + timedelta(hours=20))
    closed = acme.add_pull(aurora, "Closed", "erin", created_at=opened)
    acme.close_pull(closed, opened + timedelta(days=1))

    details = forge.fetch_details(summary_of(forge, "aurora"), None)

    found = by_number(details.change_requests)
    assert len(found) == 6
    assert found[waiting.number].state == "open" and found[waiting.number].first_response_at() is None
    assert found[answered.number].first_response_at() == opened + timedelta(hours=6)
    assert found[reviewed.number].first_response_at() == opened + timedelta(hours=2)
    assert found[by_bot.number].first_response_at() is None
    assert found[by_bot.number].first_response_at(login_keys(["alice"])) is None
    assert found[merged.number].state == "merged" and found[merged.number].merged_at == merged.merged_at
    assert found[merged.number].first_response_at() == opened + timedelta(hours=20)
    assert found[closed.number].state == "closed"
    assert found[closed.number].closed_at == opened + timedelta(days=1)
    assert found[closed.number].merged_at is None
    # The ledger is as before: merged changes and their reviews only.
    assert [c.number for c in details.merged_changes] == [merged.number]
    assert [r.change_number for r in details.reviews] == [merged.number]
    # One listing of every state, one comment listing for the repository.
    (listing,) = paths(acme, "/pulls?")
    assert "state=all" in listing and "sort=updated" in listing
    assert len(paths(acme, "/issues/comments?")) == 1


def test_configured_bot_logins_are_no_response(acme: World, forge: GitHubForge) -> None:
    aurora = repo(acme, "aurora")
    opened = NOW - timedelta(days=2)
    pull = acme.add_pull(aurora, "Fix", "carol", created_at=opened)
    acme.add_comment(pull, "ci-helper", opened + timedelta(minutes=3))
    acme.add_comment(pull, "alice", opened + timedelta(hours=3))

    change = forge.fetch_details(summary_of(forge, "aurora"), None).change_requests[0]

    assert change.first_response_at() == opened + timedelta(minutes=3)
    assert change.first_response_at(login_keys(["CI-Helper"])) == opened + timedelta(hours=3)


def test_untouched_changes_cost_no_review_or_comment_request(acme: World, forge: GitHubForge) -> None:
    aurora = repo(acme, "aurora")
    for i in range(3):
        acme.add_pull(aurora, f"Waiting {i}", "carol", created_at=NOW - timedelta(days=i + 1))
    bumped = acme.add_pull(aurora, "Bot bump", "dependabot[bot]", created_at=NOW - timedelta(days=1))
    acme.add_comment(bumped, "alice", NOW - timedelta(hours=2))  # a bot's change: nobody waits on it

    details = forge.fetch_details(summary_of(forge, "aurora"), None)

    assert len(details.change_requests) == 4
    assert all(c.first_response_at() is None for c in details.change_requests)
    assert not paths(acme, "/reviews") and not paths(acme, "/issues/comments")


def test_comments_are_read_since_the_window_start(acme: World, forge: GitHubForge) -> None:
    aurora = repo(acme, "aurora", created_at=NOW - timedelta(days=400))
    old = acme.add_pull(aurora, "Old", "carol", created_at=NOW - timedelta(days=30))
    acme.add_comment(old, "alice", NOW - timedelta(days=29))
    recent = acme.add_pull(aurora, "Recent", "carol", created_at=NOW - timedelta(days=2))
    acme.add_comment(recent, "bob", NOW - timedelta(days=1))

    details = forge.fetch_details(summary_of(forge, "aurora"), NOW - timedelta(days=5))

    assert [c.number for c in details.change_requests] == [recent.number]
    assert details.change_requests[0].first_response_at() == NOW - timedelta(days=1)
    (comments,) = paths(acme, "/issues/comments?")
    assert parse_qs(urlsplit(comments).query)["since"] == ["2026-10-27T00:00:00Z"]


def test_idle_repository_reads_no_change_requests(acme: World, forge: GitHubForge) -> None:
    old = repo(acme, "old", pushed_at=NOW - timedelta(days=200))
    acme.add_pull(old, "Ancient", "carol", created_at=NOW - timedelta(days=300))

    details = forge.fetch_details(summary_of(forge, "old"), None)

    assert details.change_requests == () and not paths(acme, "/pulls") and not paths(acme, "/issues")
