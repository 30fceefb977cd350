"""Merge requests as change requests (time to first response), through python-gitlab against the fake."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.forges.base import login_keys
from bot.forges.gitlab import GitLabForge
from bot.sandbox.forge.world import World
from tests.conftest import NOW
from tests.forges.test_gitlab import active_repo, forge, make_forge, paths, sleeps, summary_of

pytestmark = pytest.mark.integration
__all__ = ["forge", "make_forge", "sleeps"]  # fixtures shared with test_gitlab.py


def test_every_merge_request_of_the_window_with_its_first_response(world: World, forge: GitLabForge) -> None:
    repo = active_repo(world, "platform", "api")
    opened = NOW - timedelta(days=3)
    waiting = world.add_pull(repo, "Waiting", "carol", created_at=opened)
    noted = world.add_pull(repo, "Noted", "carol", created_at=opened)
    world.add_comment(noted, "alice", opened + timedelta(hours=1), "added 1 commit", system=True)
    world.add_comment(noted, "carol", opened + timedelta(hours=2))  # the author
    world.add_comment(noted, "renovate-bot", opened + timedelta(hours=3))
    world.add_comment(noted, "dana", opened + timedelta(hours=4))
    world.add_comment(noted, "alice", opened + timedelta(hours=5))
    approved = world.add_pull(repo, "Approved", "carol", created_at=opened)
    world.add_review(approved, "alice", "APPROVED", opened + timedelta(hours=8))
    merged = world.add_pull(repo, "Merged", "carol", state="merged", created_at=opened + timedelta(days=1))
    world.add_review(merged, "bob", "APPROVED", opened + timedelta(hours=20))
    closed = world.add_pull(repo, "Closed", "erin", created_at=opened)
    world.close_pull(closed, opened + timedelta(days=1))
    world.clear_log()

    details = forge.fetch_details(summary_of(forge, "platform", "api"), None)

    found = {c.number: c for c in details.change_requests}
    assert set(found) == {waiting.number, noted.number, approved.number, merged.number, closed.number}
    assert found[waiting.number].first_response_at() is None and found[waiting.number].state == "open"
    assert found[noted.number].first_response_at() == opened + timedelta(hours=4)
    assert found[noted.number].first_response_at(login_keys(["dana"])) == opened + timedelta(hours=5)
    assert found[approved.number].first_response_at() == opened + timedelta(hours=8)
    assert found[merged.number].state == "merged"
    assert found[merged.number].first_response_at() == opened + timedelta(hours=20)
    assert (found[closed.number].state, found[closed.number].closed_at) == (
        "closed",
        opened + timedelta(days=1),
    )
    assert [c.number for c in details.merged_changes] == [merged.number]
    assert [r.reviewer for r in details.reviews] == ["bob"]
    # Untouched MRs cost nothing more; notes only where the MR counts comments.
    assert not [p for p in paths(world) if f"/merge_requests/{waiting.number}/" in p]
    assert [p.split("?")[0].rsplit("/", 2)[-2] for p in paths(world) if "/notes" in p] == [str(noted.number)]
    (listing,) = [p for p in paths(world) if p.split("?")[0].endswith("/merge_requests")]
    assert "state=all" in listing


def test_bots_merge_requests_need_no_answer(world: World, forge: GitLabForge) -> None:
    repo = active_repo(world, "platform", "api")
    bump = world.add_pull(repo, "Bump", "renovate-bot", created_at=NOW - timedelta(days=1))
    world.add_comment(bump, "alice", NOW - timedelta(hours=3))
    world.clear_log()

    details = forge.fetch_details(summary_of(forge, "platform", "api"), None)

    assert [c.author_is_bot for c in details.change_requests] == [True]
    assert not [p for p in paths(world) if "/approvals" in p or "/notes" in p]
