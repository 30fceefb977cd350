"""GitLab JSON → base dataclasses, and the transport's header rules: pure functions, no IO."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from bot.forges import gitlab_mapping as mapping
from bot.forges.gitlab_transport import request_kind, wait_seconds
from tests.conftest import NOW


def project(**overrides: Any) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "id": 7,
        "name": "api",
        "path": "api",
        "path_with_namespace": "platform/security/api",
        "namespace": {"full_path": "platform/security"},
        "description": None,
        "topics": ["kafka"],
        "visibility": "internal",
        "created_at": "2025-01-02T03:04:05.000Z",
        "last_activity_at": "2026-10-30T12:00:00.123Z",
        "default_branch": "main",
    }
    return {**shape, **overrides}


def test_summary_maps_gitlab_names_and_defaults() -> None:
    s = mapping.summary(project(), "gitlab.example.com")
    assert (s.forge, s.host, s.forge_id, s.namespace) == (
        "gitlab",
        "gitlab.example.com",
        "7",
        "platform/security",
    )
    assert s.description == "" and s.open_issues == 0 and s.topics == ("kafka",)
    assert s.pushed_at == s.updated_at == datetime(2026, 10, 30, 12, 0, 0, 123000, tzinfo=UTC)
    assert not s.fork and not s.empty and s.has_license is None


def test_summary_falls_back_to_tag_list_and_reads_fork() -> None:
    old_server = project(topics=None, tag_list=["legacy"], forked_from_project={"id": 1})
    del old_server["topics"]
    s = mapping.summary(old_server, "h")
    assert s.topics == ("legacy",) and s.fork


def test_issue_takes_repo_from_references_even_in_subgroups() -> None:
    item = {
        "id": 99, "iid": 12, "project_id": 7, "title": "t", "state": "closed",
        "labels": [{"name": "Good First Issue"}], "assignees": [{"username": "amy"}],
        "author": {"username": "bo"}, "web_url": "https://gl/platform/security/api/-/issues/12",
        "references": {"full": "platform/security/api#12"},
        "created_at": "2026-10-01T00:00:00Z", "updated_at": "2026-10-02T00:00:00+02:00",
    }  # fmt: skip
    issue = mapping.issue(item)
    assert (issue.repo_full_name, issue.number, issue.state) == ("platform/security/api", 12, "closed")
    assert issue.labels == ("Good First Issue",) and issue.assignees == ("amy",)
    assert issue.updated_at == datetime(2026, 10, 1, 22, tzinfo=UTC)
    assert mapping.has_label(issue, {"good first issue"})
    del item["references"]
    assert mapping.issue(item).repo_full_name == "platform/security/api"  # from web_url


def test_approvals_without_a_time_use_the_merge_time_and_flag_bots() -> None:
    mr = {
        "id": 5, "iid": 3, "title": "x", "author": {"username": "project_7_bot_abc"},
        "created_at": "2026-10-01T00:00:00Z", "merged_at": "2026-10-03T00:00:00Z",
    }  # fmt: skip
    change = mapping.merged_change(mr, "7")
    assert change.author_is_bot
    payload = {
        "approved_by": [
            {"user": {"id": 1, "username": "amy"}},
            {"user": {"id": 2, "username": "helper", "bot": True}, "approved_at": "2026-10-02T00:00:00Z"},
        ]
    }
    reviews = mapping.approvals(payload, change)
    assert [(r.reviewer, r.reviewer_is_bot, r.submitted_at.day) for r in reviews] == [
        ("amy", False, 3),
        ("helper", True, 2),
    ]
    assert len({r.forge_id for r in reviews}) == 2


def test_weekly_counts_put_each_commit_in_its_week() -> None:
    times = [
        NOW,  # this week
        NOW - timedelta(days=7),  # exactly one week back: the week before
        NOW - timedelta(days=90, hours=23),  # 13 weeks back: the score's oldest week
        NOW - timedelta(days=363, hours=23),  # oldest counted week (of 52: the export's)
        NOW - timedelta(days=364),  # older than 52 weeks
        NOW + timedelta(minutes=5),  # clock skew
    ]
    assert mapping.weekly_counts(times, NOW) == (1,) + (0,) * 38 + (1,) + (0,) * 10 + (1, 1)


def test_wait_seconds_reads_retry_after_in_both_forms_then_ratelimit_reset() -> None:
    wall = 1_800_000_000.0
    assert wait_seconds({"Retry-After": "30"}, wall) == 30
    http_date = format_datetime(datetime.fromtimestamp(wall + 120, UTC), usegmt=True)
    assert wait_seconds({"Retry-After": http_date}, wall) == 120
    assert wait_seconds({"RateLimit-Reset": str(int(wall) + 45)}, wall) == 45
    assert wait_seconds({"RateLimit-Reset": str(int(wall) - 45)}, wall) == 0
    assert wait_seconds({"Retry-After": "soon"}, wall) is None
    assert wait_seconds({}, wall) is None


def test_request_kinds() -> None:
    base = "https://gl/api/v4"
    assert request_kind(f"{base}/groups/a%2Fb/projects?page=2") == "projects"
    assert request_kind(f"{base}/groups/a/issues") == "group_issues"
    assert request_kind(f"{base}/projects/1/issues?state=opened") == "issues"
    assert request_kind(f"{base}/projects/1/merge_requests/4/approvals") == "approvals"
    assert request_kind(f"{base}/groups/a%2Fb/merge_requests?state=all") == "group_merge_requests"
    assert request_kind(f"{base}/projects/1/merge_requests?state=all") == "merge_requests"
    assert request_kind(f"{base}/projects/1/repository/files/docs%2Fissues.md/raw") == "file"
