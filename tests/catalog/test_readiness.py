"""Readiness checklist, maintainers from CODEOWNERS/innersource.json, and listing rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.catalog.listing import unlisted_reason
from bot.catalog.readiness import ReadinessFacts, checklist, codeowners_maintainers, is_ready, maintainers
from bot.forges.base import RepoSummary

NOW = datetime(2026, 11, 1, tzinfo=UTC)

FACTS = ReadinessFacts(
    description="A design system for every product team",
    motivation="",
    topics=("design-system",),
    readme=True,
    contributing=True,
    maintainers=("@alice",),
    license=False,
    innersource_json=True,
    issue_template=False,
    change_template=True,
    open_good_first_issues=2,
    secret_detection=False,
    pushed_at=NOW - timedelta(days=3),
)


def test_checklist_items() -> None:
    items = checklist(FACTS, NOW)
    assert items["license"] is True  # innersource.json stands in for a LICENSE
    assert items["issue_template"] is False
    assert items["recent_push"] is True
    assert checklist(replace(FACTS, pushed_at=NOW - timedelta(days=91)), NOW)["recent_push"] is False


def test_ready_needs_base_documentation_and_score() -> None:
    items = checklist(FACTS, NOW)
    assert is_ready(items, score=60, threshold=50)
    assert not is_ready(items, score=49, threshold=50)
    assert not is_ready(checklist(replace(FACTS, contributing=False), NOW), score=900, threshold=50)
    assert not is_ready(checklist(replace(FACTS, maintainers=()), NOW), score=900, threshold=50)


def test_codeowners_github_and_gitlab_syntax() -> None:
    text = """
# comment
*       @acme/design-system @alice
/docs/  bob@example.com @alice   # trailing comment
[Security][2] @sec-team
*.rego  @carol
^[Optional] @dave
"""
    assert codeowners_maintainers(text) == [
        "@acme/design-system",
        "@alice",
        "bob@example.com",
        "@sec-team",
        "@carol",
        "@dave",
    ]


def test_maintainers_merge_innersource_first() -> None:
    assert maintainers("* @alice @bob", {"maintainers": ["carol", "@alice"]}) == ["carol", "@alice", "@bob"]
    assert maintainers(None, {"maintainers": "solo"}) == ["solo"]
    assert maintainers(None, {"maintainers": 42}) == []


def _summary(**kw: object) -> RepoSummary:
    base = dict(
        forge="github",
        host="h",
        forge_id="1",
        full_name="acme/x",
        name="x",
        namespace="acme",
        web_url="u",
        description="",
        topics=(),
        visibility="internal",
        archived=False,
        fork=False,
        empty=False,
        default_branch="main",
        primary_language=None,
        stars=0,
        forks=0,
        open_issues=0,
        created_at=NOW,
        updated_at=NOW,
        pushed_at=NOW,
    )
    base.update(kw)
    return RepoSummary(**base)  # type: ignore[arg-type]


def test_listing_rules() -> None:
    assert unlisted_reason(_summary(), "innersource") is None
    assert unlisted_reason(_summary(visibility="public"), "innersource") is None
    assert unlisted_reason(_summary(visibility="private"), "innersource") == "private"
    assert unlisted_reason(_summary(visibility="private", topics=("InnerSource",)), "innersource") is None
    assert unlisted_reason(_summary(archived=True), "innersource") == "archived"
    assert unlisted_reason(_summary(fork=True), "innersource") == "fork"
