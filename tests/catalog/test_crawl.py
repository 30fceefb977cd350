"""The crawl end to end: real adapters (PyGithub, python-gitlab) against the loopback fake forge,
writing to SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Core, build_crawler
from bot.catalog.crawl import CrawlSummary
from bot.catalog.export import portal_repos
from bot.db.engine import session_scope
from bot.db.models import Contribution, CrawlCursor, Project
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import FakeRepo, Fault, World
from tests.conftest import NOW

READY_FILES = {
    "README.md": "# Aurora\n\nThe design system every product team builds on.\n",
    "CONTRIBUTING.md": "How to contribute",
    "CODEOWNERS": "* @acme/design @alice\n",
    "LICENSE": "MIT",
}


def _github_repo(world: World, name: str, **kwargs: object) -> FakeRepo:
    defaults: dict[str, object] = {
        "description": f"{name}: a shared library that every team can build on",
        "created_at": NOW - timedelta(days=700),
        "pushed_at": NOW - timedelta(days=2),
        "languages": {"Python": 1000},
        "files": dict(READY_FILES),
        "topics": ["python"],
        "weekly_commits": [4] * 52,
        "stars": 10,
        "watchers": 3,
    }
    defaults.update(kwargs)
    return world.new_repo("github", "acme", name, **defaults)


def _gitlab_repo(world: World, namespace: str, name: str, **kwargs: object) -> FakeRepo:
    defaults: dict[str, object] = {
        "description": f"{name}: shared CI building blocks for every pipeline",
        "created_at": NOW - timedelta(days=500),
        "pushed_at": NOW - timedelta(days=5),
        "languages": {"YAML": 100},
        "files": dict(READY_FILES),
        "weekly_commits": [2] * 52,
    }
    defaults.update(kwargs)
    return world.new_repo("gitlab", namespace, name, **defaults)


@pytest.fixture
def org(world: World) -> World:
    """A small organisation across both forges, with every listing rule represented."""
    world.github_orgs = ["acme"]
    world.gitlab_groups = ["platform", "platform/security"]
    for login in ("alice", "bob", "carol", "dependabot[bot]"):
        world.add_user(login)
    aurora = _github_repo(world, "aurora", topics=["design-system", "react"])
    world.add_issue(aurora, "Add dark-mode tokens", "bob", ["good first issue"])
    world.add_issue(aurora, "Crash on Safari", "carol", ["bug"])
    pull = world.add_pull(
        aurora, "Add Button docs", "bob", state="merged", created_at=NOW - timedelta(days=10)
    )
    world.add_review(pull, "alice")
    world.add_pull(aurora, "Bump deps", "dependabot[bot]", state="merged", created_at=NOW - timedelta(days=9))
    _github_repo(world, "adr", files={"README.md": "# ADRs"})
    _github_repo(world, "secret-sauce", visibility="private")
    _github_repo(world, "opted-in", visibility="private", topics=["innersource"])
    _github_repo(world, "old-thing", archived=True)
    _github_repo(world, "aurora-fork", fork=True)
    _gitlab_repo(world, "platform", "ci-templates")
    _gitlab_repo(world, "platform/security", "cloud-policies")
    return world


class Clock:
    """The bot's clock in these tests; advance it to make a later crawl happen later."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def crawl_core(core: Core, fake_forge: FakeForge, org: World, clock: Clock) -> Core:
    settings = core.settings.model_copy(
        update={
            "github_api_url": fake_forge.github_api_url,
            "github_orgs": ("acme",),
            "gitlab_url": fake_forge.gitlab_url,
            "gitlab_groups": ("platform",),
            "max_rate_limit_wait": 2.0,
            "crawl_workers": 4,
        }
    )
    return Core(settings, core.engine, core.sessions, clock)


def _crawl(core: Core, full: bool = False) -> CrawlSummary:
    return build_crawler(core).crawl(full=full)


def _listed(core: Core) -> dict[str, Project]:
    with session_scope(core.sessions) as session:
        projects = session.scalars(select(Project).where(Project.listed)).all()
        for p in projects:
            _ = p.issues  # load before the session closes
        return {p.full_name: p for p in projects}


def _per_repo_requests(world: World) -> list[str]:
    """Requests that concern one repository rather than the org/group listing or org-wide search."""
    return [
        f"{r.forge} {r.path}"
        for r in world.log
        if r.path.startswith("/repos/") or (r.path.startswith("/projects/") and r.forge == "gitlab")
    ]


def test_full_crawl_lists_by_the_rules_and_scores(crawl_core: Core, org: World) -> None:
    summary = _crawl(crawl_core)
    listed = _listed(crawl_core)
    assert set(listed) == {
        "acme/aurora",
        "acme/adr",
        "acme/opted-in",
        "platform/ci-templates",
        "platform/security/cloud-policies",
    }
    assert summary.new == 5 and summary.failed == 0 and summary.errors == []
    aurora = listed["acme/aurora"]
    assert aurora.ready and aurora.first_ready_at is not None
    assert aurora.maintainers == ["@acme/design", "@alice"]
    assert aurora.readiness["contributing"] and aurora.readiness["good_first_issues"]
    assert [i.title for i in aurora.issues if i.state == "open"] == ["Add dark-mode tokens"]
    assert aurora.activity_score > 0 and aurora.score_parts["guidelines_bonus"] == 100
    adr = listed["acme/adr"]
    assert not adr.ready and not adr.readiness["contributing"]
    assert listed["platform/security/cloud-policies"].namespace == "platform"
    with session_scope(crawl_core.sessions) as session:
        ledger = session.scalars(select(Contribution).order_by(Contribution.kind, Contribution.author)).all()
        assert [(c.kind, c.author, c.author_is_bot) for c in ledger] == [
            ("merged_change", "bob", False),
            ("merged_change", "dependabot[bot]", True),
            ("review", "alice", False),
        ]


def test_recrawl_of_unchanged_org_reads_no_repository(crawl_core: Core, org: World) -> None:
    _crawl(crawl_core)
    org.clear_log()
    summary = _crawl(crawl_core)
    assert _per_repo_requests(org) == []
    assert summary.unchanged == 5 and summary.changed == 0 and summary.new == 0
    github_listing = org.requests(forge="github", path_contains="/orgs/acme/repos")
    assert github_listing and all(r.status == 304 for r in github_listing)


def _reading_github_by(core: Core, api: str) -> Core:
    settings = core.settings.model_copy(update={"github_crawl_api": api})
    return Core(settings, core.engine, core.sessions, core.now)


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_a_changed_repository_is_picked_up(crawl_core: Core, org: World, api: str) -> None:
    crawl_core = _reading_github_by(crawl_core, api)
    _crawl(crawl_core)
    repo = org.find_repo("github", "acme/adr")
    assert repo is not None
    with org.lock:
        repo.files["CONTRIBUTING.md"] = "PRs welcome"
        repo.files["CODEOWNERS"] = "* @dora"
        repo.pushed_at = repo.updated_at = NOW - timedelta(hours=1)
    org.clear_log()
    summary = _crawl(crawl_core)
    assert summary.changed == 1 and summary.unchanged == 4
    touched = {path.split()[1].split("/")[3] for path in _per_repo_requests(org) if path.startswith("github")}
    # GraphQL reads the changed repository in its batch queries, never over REST.
    assert touched == ({"adr"} if api == "rest" else set())
    assert bool(org.requests("github", "/graphql")) == (api == "graphql")
    adr = _listed(crawl_core)["acme/adr"]
    assert adr.readiness["contributing"] and adr.maintainers == ["@dora"]


def test_new_good_first_issue_in_unchanged_repo_is_found(crawl_core: Core, org: World) -> None:
    _crawl(crawl_core)
    for name, forge in (("acme/adr", "github"), ("platform/ci-templates", "gitlab")):
        repo = org.find_repo(forge, name)
        assert repo is not None
        org.add_issue(
            repo,
            "Document the template",
            "carol",
            ["Good First Issue"],
            created_at=NOW + timedelta(minutes=1),
        )
    aurora = org.find_repo("github", "acme/aurora")
    assert aurora is not None
    with org.lock:  # the old GFI was assigned: still stored, no longer routable
        aurora.issues[0].assignees = ["dora"]
        aurora.issues[0].updated_at = NOW + timedelta(minutes=1)
    org.clear_log()
    summary = _crawl(crawl_core)
    assert _per_repo_requests(org) == []
    assert summary.issues_updated >= 3
    listed = _listed(crawl_core)
    for name in ("acme/adr", "platform/ci-templates"):
        assert [i.title for i in listed[name].issues] == ["Document the template"]
    assert listed["acme/aurora"].issues[0].assignees == ["dora"]


def test_failing_listing_page_removes_nothing(crawl_core: Core, org: World, clock: Clock) -> None:
    for i in range(120):  # two pages on GitHub
        _github_repo(org, f"lib-{i:03}", files={})
    first = _crawl(crawl_core)
    assert first.listed == 125
    clock.now = NOW + timedelta(hours=1)
    org.inject(Fault("github", "page=2", 502, times=1000))  # page 1 reads fine, page 2 fails
    org.inject(Fault("gitlab", "/groups/platform/projects", 502, times=1000))
    summary = _crawl(crawl_core)
    assert summary.removed == 0 and summary.status == "partial"
    assert len(_listed(crawl_core)) == 125
    with session_scope(crawl_core.sessions) as session:
        cursors = {c.source: c.last_success_at for c in session.scalars(select(CrawlCursor))}
    assert all(at == NOW for at in cursors.values())  # not advanced past the failed crawl's start


def test_archived_and_deleted_repositories_leave_the_catalog(crawl_core: Core, org: World) -> None:
    _crawl(crawl_core)
    adr = org.find_repo("github", "acme/adr")
    policies = org.find_repo("gitlab", "platform/security/cloud-policies")
    assert adr is not None and policies is not None
    with org.lock:
        adr.archived = True
        adr.updated_at = NOW + timedelta(minutes=5)
    org.remove_repo(policies)
    summary = _crawl(crawl_core)
    assert summary.removed == 2
    assert set(_listed(crawl_core)) == {"acme/aurora", "acme/opted-in", "platform/ci-templates"}
    with session_scope(crawl_core.sessions) as session:
        gone = {
            p.full_name: p.unlisted_reason for p in session.scalars(select(Project).where(~Project.listed))
        }
    assert gone == {"acme/adr": "archived", "platform/security/cloud-policies": "deleted"}


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_a_failing_repository_keeps_its_row_and_is_retried(crawl_core: Core, org: World, api: str) -> None:
    crawl_core = _reading_github_by(crawl_core, api)
    _crawl(crawl_core)
    repo = org.find_repo("github", "acme/aurora")
    assert repo is not None
    with org.lock:
        repo.description = "Aurora 2: the design system"
        repo.pushed_at = repo.updated_at = NOW + timedelta(minutes=1)
    failing = "/repos/acme/aurora/languages" if api == "rest" else "/graphql"
    org.inject(Fault("github", failing, 502, times=1000))
    summary = _crawl(crawl_core)
    assert summary.failed == 1 and "acme/aurora" in summary.errors[0]
    assert "acme/aurora" in _listed(crawl_core)
    org.faults.clear()
    retried = _crawl(crawl_core)
    assert retried.changed == 1 and retried.failed == 0


def test_export_for_the_sap_portal(crawl_core: Core) -> None:
    _crawl(crawl_core)
    with session_scope(crawl_core.sessions) as session:
        repos = {r["full_name"]: r for r in portal_repos(session, crawl_core.now(), 90)}
    aurora = repos["acme/aurora"]
    assert aurora["_InnerSourceMetadata"]["guidelines"] == "CONTRIBUTING.md"
    assert aurora["_InnerSourceMetadata"]["topics"] == ["design-system", "react"]
    assert aurora["_InnerSourceMetadata"]["score"] == aurora_score(crawl_core)
    # 52 weeks, as the portal's heatmap reads them, whichever API read them.
    assert len(aurora["_InnerSourceMetadata"]["participation"]) == 52
    gitlab = repos["platform/security/cloud-policies"]
    assert gitlab["owner"]["login"] == "platform/security"
    assert gitlab["html_url"].endswith("/platform/security/cloud-policies")


def aurora_score(core: Core) -> int:
    return _listed(core)["acme/aurora"].activity_score


def test_failing_issue_read_keeps_the_issues_it_had(crawl_core: Core, org: World, clock: Clock) -> None:
    _crawl(crawl_core)
    clock.now = NOW + timedelta(hours=1)
    org.inject(Fault("github", "/search/issues", 502, times=1000))
    summary = _crawl(crawl_core, full=True)
    assert any("good-first-issues not read" in error for error in summary.errors)
    aurora = _listed(crawl_core)["acme/aurora"]
    assert [i.title for i in aurora.issues if i.state == "open"] == ["Add dark-mode tokens"]
    with session_scope(crawl_core.sessions) as session:
        cursor = session.get(CrawlCursor, f"github:{_github_host(crawl_core)}:acme")
        assert cursor is not None and cursor.last_success_at == NOW


def _github_host(core: Core) -> str:
    return core.settings.github_api_url.split("://", 1)[1].split("/", 1)[0]
