"""The GitLab adapter through the real python-gitlab against the loopback fake forge."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.forges.base import ForgeError, ListingIncomplete, RateLimited, RepoSummary
from bot.forges.gitlab import GitLabForge
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import FakeRepo, Fault, World
from tests.conftest import NOW

pytestmark = pytest.mark.integration

TOKEN = "glpat-very-secret-token"
CI_WITH_SECRET_DETECTION = "include:\n  - template: Jobs/Secret-Detection.gitlab-ci.yml\n"


class Sleeps(list[float]):
    """Records the waits the adapter asks for instead of sleeping (tests stay fast)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_forge(fake_forge: FakeForge, sleeps: Sleeps) -> Callable[..., GitLabForge]:
    def make(**overrides: object) -> GitLabForge:
        options: dict[str, object] = {
            "url": fake_forge.gitlab_url,
            "token": TOKEN,
            "good_first_issue_labels": ["good first issue", "help wanted"],
            "now": lambda: NOW,
            "sleep": sleeps,
            **overrides,
        }
        return GitLabForge(**options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def forge(make_forge: Callable[..., GitLabForge]) -> GitLabForge:
    return make_forge()


def active_repo(world: World, namespace: str, name: str, **kwargs: object) -> FakeRepo:
    kwargs.setdefault("pushed_at", NOW - timedelta(days=2))
    kwargs.setdefault("files", {"README.md": f"# {name}\n"})
    return world.new_repo("gitlab", namespace, name, **kwargs)


def summary_of(forge: GitLabForge, group: str, name: str) -> RepoSummary:
    return next(s for s in forge.list_repositories(group) if s.name == name)


def paths(world: World) -> list[str]:
    return [r.path for r in world.requests(forge="gitlab")]


# -- listing ------------------------------------------------------------------------------------
def test_lists_group_with_subgroups_but_not_other_groups(world: World, forge: GitLabForge) -> None:
    world.gitlab_groups = ["platform", "platform/security", "marketing"]
    active_repo(world, "platform", "api")
    active_repo(world, "platform/security", "policies")
    active_repo(world, "marketing", "site")

    listed = {s.full_name: s for s in forge.list_repositories("platform")}

    assert set(listed) == {"platform/api", "platform/security/policies"}
    assert listed["platform/security/policies"].namespace == "platform/security"
    assert listed["platform/api"].forge == "gitlab"
    assert listed["platform/api"].host == forge.host
    assert paths(world)[0].startswith("/groups/platform/projects?")


def test_subgroup_is_addressed_by_encoded_full_path(world: World, forge: GitLabForge) -> None:
    active_repo(world, "platform", "api")
    active_repo(world, "platform/security", "policies")

    assert [s.full_name for s in forge.list_repositories("platform/security")] == [
        "platform/security/policies"
    ]
    assert paths(world)[0].startswith("/groups/platform%2Fsecurity/projects?")


def test_listing_follows_pagination_to_the_end(world: World, forge: GitLabForge) -> None:
    for i in range(230):
        world.new_repo("gitlab", "platform" if i % 2 else "platform/security", f"p{i:03d}")

    listed = [s.forge_id for s in forge.list_repositories("platform")]

    assert len(listed) == len(set(listed)) == 230
    assert len(world.requests(forge="gitlab", path_contains="/projects")) == 3
    assert forge.stats.by_kind == {"projects": 3}


def test_listing_maps_visibility_fork_archived_and_counts(world: World, forge: GitLabForge) -> None:
    world.new_repo("gitlab", "platform", "secret", visibility="private", topics=["innersource"])
    world.new_repo("gitlab", "platform", "copy", fork=True, visibility="public")
    world.new_repo("gitlab", "platform", "old", archived=True, stars=7, forks=2)
    empty = world.new_repo("gitlab", "platform", "new", empty=True)
    world.add_issue(empty, "Set up the repo", "alice", [])

    listed = {s.name: s for s in forge.list_repositories("platform")}

    assert (listed["secret"].visibility, listed["secret"].topics) == ("private", ("innersource",))
    assert listed["copy"].fork and not listed["secret"].fork
    assert listed["copy"].visibility == "public"
    assert listed["old"].archived and (listed["old"].stars, listed["old"].forks) == (7, 2)
    assert listed["new"].empty and listed["new"].default_branch is None
    assert listed["new"].open_issues == 1 and listed["old"].open_issues == 0
    assert listed["new"].pushed_at == listed["new"].updated_at  # one timestamp on GitLab
    assert listed["secret"].has_license is None


# -- one project --------------------------------------------------------------------------------
def test_details_of_a_well_kept_project(world: World, forge: GitLabForge) -> None:
    repo = active_repo(
        world,
        "platform",
        "api",
        languages={"Python": 750, "Shell": 250},
        files={
            "README.md": "# API\nKafka client.",
            "CONTRIBUTING.md": "PRs welcome",
            "LICENSE": "MIT",
            "innersource.json": '{"title": "API", "maintainers": ["alice"]}',
            ".gitlab-ci.yml": CI_WITH_SECRET_DETECTION,
            ".gitlab/CODEOWNERS": "* @alice",
            ".gitlab/issue_templates/Bug.md": "what happened?",
            ".gitlab/merge_request_templates/Default.md": "what changed?",
            "src/api/main.py": "print()",
        },
    )
    world.add_issue(repo, "Fix a typo", "bob", ["good first issue"])
    merged = world.add_pull(repo, "Add consumer", "carol", state="merged", created_at=NOW - timedelta(days=4))
    world.add_review(merged, "alice")
    world.add_review(merged, "renovate-bot")
    world.add_pull(repo, "Still open", "dave")

    details = forge.fetch_details(summary_of(forge, "platform", "api"), since=None)

    assert details.languages == {"Python": 75.0, "Shell": 25.0}
    assert details.summary.primary_language == "Python"
    assert details.subscribers == 0
    f = details.files
    assert (f.readme_path, f.readme_text) == ("README.md", "# API\nKafka client.")
    assert (f.contributing_path, f.license_path) == ("CONTRIBUTING.md", "LICENSE")
    assert f.codeowners_text == "* @alice"
    assert f.issue_template and f.change_template and f.secret_detection
    assert f.innersource == {"title": "API", "maintainers": ["alice"]}
    assert [(c.number, c.author, c.merged_at) for c in details.merged_changes] == [
        (merged.number, "carol", NOW - timedelta(days=4))
    ]
    assert {(r.reviewer, r.reviewer_is_bot, r.state) for r in details.reviews} == {
        ("alice", False, "APPROVED"),
        ("renovate-bot", True, "APPROVED"),
    }
    assert not any("/repository/tree" in p and "path=src" in p for p in paths(world))
    assert not any("/issues" in p for p in paths(world))  # issues are read group-wide, not here


def test_empty_repository_reads_no_tree_files_or_commits(world: World, forge: GitLabForge) -> None:
    world.new_repo("gitlab", "platform", "new", empty=True, pushed_at=NOW - timedelta(days=1))
    summary = summary_of(forge, "platform", "new")
    world.clear_log()

    details = forge.fetch_details(summary, since=None)

    assert paths(world) == []  # no content, no activity: nothing to ask
    assert details.weekly_commits == (0,) * 52
    assert details.files.readme_path is None and details.languages == {}


def test_only_present_files_are_fetched(world: World, forge: GitLabForge) -> None:
    active_repo(world, "platform", "tiny", files={"README.md": "# tiny", "main.go": "package main"})
    summary = summary_of(forge, "platform", "tiny")
    world.clear_log()

    files = forge.fetch_details(summary, since=None).files

    raw = [p for p in paths(world) if "/repository/files/" in p]
    assert raw == [f"/projects/{summary.forge_id}/repository/files/README.md/raw?ref=main"]
    assert files.codeowners_text is None and files.innersource is None
    assert not files.secret_detection and not files.issue_template


def test_file_that_vanishes_after_the_tree_listing_counts_as_missing(
    world: World, forge: GitLabForge
) -> None:
    active_repo(world, "platform", "racy", files={"README.md": "# racy", "CODEOWNERS": "* @a"})
    summary = summary_of(forge, "platform", "racy")
    world.inject(Fault(forge="gitlab", path_contains="files/README.md", status=404))

    files = forge.fetch_details(summary, since=None).files

    assert (files.readme_path, files.readme_text) == (None, None)
    assert files.codeowners_text == "* @a"


def test_docs_folder_is_listed_only_while_something_is_missing(world: World, forge: GitLabForge) -> None:
    complete = {"README.md": "r", "CONTRIBUTING.md": "c", "CODEOWNERS": "* @a", "docs/x.md": "x"}
    active_repo(world, "platform", "complete", files=complete)
    active_repo(world, "platform", "partial", files={"README.md": "r", "docs/CONTRIBUTING.md": "c"})
    listed = {s.name: s for s in forge.list_repositories("platform")}

    world.clear_log()
    forge.fetch_details(listed["complete"], since=None)
    assert not [p for p in paths(world) if "path=docs" in p]

    world.clear_log()
    partial = forge.fetch_details(listed["partial"], since=None)
    assert len([p for p in paths(world) if "path=docs" in p]) == 1
    assert partial.files.contributing_path == "docs/CONTRIBUTING.md"


def test_invalid_innersource_json_is_reported_not_raised(world: World, forge: GitLabForge) -> None:
    active_repo(world, "platform", "bad", files={"innersource.json": "{not json"})
    files = forge.fetch_details(summary_of(forge, "platform", "bad"), since=None).files
    assert files.innersource is None
    assert files.innersource_error is not None and "not valid JSON" in files.innersource_error


# -- commits --------------------------------------------------------------------------------------
def test_weekly_commits_are_bucketed_into_52_weeks_ending_now(world: World, forge: GitLabForge) -> None:
    weeks = [9] * 8 + [n % 13 for n in range(52)]  # the 8 weeks before the year must not leak in
    active_repo(world, "platform", "busy", weekly_commits=weeks)

    details = forge.fetch_details(summary_of(forge, "platform", "busy"), since=None)

    assert details.weekly_commits == tuple(weeks[-52:])


def test_commit_pages_are_all_read(world: World, forge: GitLabForge) -> None:
    active_repo(world, "platform", "hot", weekly_commits=[0] * 39 + [20] * 13)  # 260 commits
    details = forge.fetch_details(summary_of(forge, "platform", "hot"), since=None)
    assert sum(details.weekly_commits) == 260
    assert forge.stats.by_kind["commits"] == 3


def test_quiet_project_gets_zero_commits_without_a_request(world: World, forge: GitLabForge) -> None:
    quiet = NOW - timedelta(days=400)  # nothing pushed for over a year
    active_repo(world, "platform", "quiet", created_at=quiet, pushed_at=quiet, weekly_commits=[5] * 52)

    details = forge.fetch_details(summary_of(forge, "platform", "quiet"), since=None)

    assert details.weekly_commits == (0,) * 52
    assert "commits" not in forge.stats.by_kind


# -- merged changes ---------------------------------------------------------------------------------
def test_merged_changes_stop_at_since_and_the_lookback_window(
    world: World, make_forge: Callable[..., GitLabForge]
) -> None:
    forge = make_forge(lookback_days=30)
    repo = active_repo(world, "platform", "api")
    ancient = world.add_pull(repo, "old", "a", state="merged", created_at=NOW - timedelta(days=40))
    before = world.add_pull(repo, "before", "b", state="merged", created_at=NOW - timedelta(days=10))
    recent = world.add_pull(repo, "recent", "c", state="merged", created_at=NOW - timedelta(days=2))
    world.add_pull(repo, "closed", "d", state="closed", created_at=NOW - timedelta(days=1))
    summary = summary_of(forge, "platform", "api")

    full = forge.fetch_details(summary, since=None)
    incremental = forge.fetch_details(summary, since=NOW - timedelta(days=5))

    assert {c.number for c in full.merged_changes} == {before.number, recent.number}
    assert ancient.number not in {c.number for c in full.merged_changes}
    assert [c.number for c in incremental.merged_changes] == [recent.number]


def test_inactive_project_asks_for_no_merge_requests(world: World, forge: GitLabForge) -> None:
    active_repo(world, "platform", "dormant", pushed_at=NOW - timedelta(days=300))
    forge.fetch_details(summary_of(forge, "platform", "dormant"), since=None)
    assert "merge_requests" not in forge.stats.by_kind


def test_typical_project_costs_five_requests(world: World, forge: GitLabForge) -> None:
    repo = active_repo(world, "platform", "typical", weekly_commits=[1] * 52, languages={"Go": 10})
    world.add_issue(repo, "Welcome", "a", ["good first issue"])  # costs nothing here any more
    summary = summary_of(forge, "platform", "typical")
    listing = dict(forge.stats.by_kind)

    forge.fetch_details(summary, since=None)

    spent = {k: n - listing.get(k, 0) for k, n in forge.stats.by_kind.items() if n != listing.get(k)}
    assert spent == {"languages": 1, "tree": 1, "file": 1, "commits": 1, "merge_requests": 1}


# -- group issues -----------------------------------------------------------------------------------
def group_issue_requests(world: World) -> list[str]:
    return [p for p in paths(world) if p.startswith("/groups/") and "/issues" in p]


def test_good_first_issues_are_read_group_wide_with_subgroups(world: World, forge: GitLabForge) -> None:
    api = active_repo(world, "platform", "api")
    policies = active_repo(world, "platform/security", "policies")
    other = active_repo(world, "marketing", "site")
    typo = world.add_issue(api, "Fix a typo", "bob", ["good first issue"], assignees=["amy"])
    docs = world.add_issue(policies, "Write docs", "cy", ["help wanted", "docs"])
    world.add_issue(api, "Done", "bob", ["good first issue"], state="closed")
    world.add_issue(policies, "Closed too", "bob", ["help wanted"], state="closed")
    world.add_issue(api, "Rewrite", "bob", ["bug"])
    world.add_issue(other, "Elsewhere", "bob", ["good first issue"])

    found = {i.title: i for i in forge.open_good_first_issues("platform")}

    assert set(found) == {"Fix a typo", "Write docs"}  # each label, no closed, no other group
    gfi = found["Fix a typo"]
    assert (gfi.forge_id, gfi.repo_forge_id, gfi.repo_full_name, gfi.number) == (
        str(typo.id),
        str(api.id),
        "platform/api",
        typo.number,
    )
    assert (gfi.state, gfi.author, gfi.assignees, gfi.labels) == (
        "open",
        "bob",
        ("amy",),
        ("good first issue",),
    )
    assert gfi.url.endswith(f"/platform/api/-/issues/{typo.number}")
    sub = found["Write docs"]
    assert (sub.repo_full_name, sub.repo_forge_id, sub.number) == (
        "platform/security/policies",
        str(policies.id),
        docs.number,
    )
    asked = group_issue_requests(world)
    assert len(asked) == 2 and all("state=opened" in p and "scope=all" in p for p in asked)
    assert {p.split("labels=")[1].split("&")[0] for p in asked} == {"good+first+issue", "help+wanted"}


def test_issue_with_two_configured_labels_appears_once(world: World, forge: GitLabForge) -> None:
    repo = active_repo(world, "platform", "api")
    world.add_issue(repo, "Both", "bob", ["help wanted", "good first issue"])
    world.add_issue(repo, "One", "bob", ["help wanted"])

    found = [i.title for i in forge.open_good_first_issues("platform")]

    assert sorted(found) == ["Both", "One"]


def test_good_first_issue_query_matches_label_case_as_gitlab_does(
    world: World, make_forge: Callable[..., GitLabForge]
) -> None:
    repo = active_repo(world, "platform", "api")
    world.add_issue(repo, "Capitalised", "bob", ["Good First Issue"])
    world.add_issue(repo, "Exact", "bob", ["good first issue"])

    one_spelling = make_forge(good_first_issue_labels=["good first issue"])
    both = make_forge(good_first_issue_labels=["good first issue", "Good First Issue", "good first issue"])

    # GitLab matches label titles exactly: each spelling in use has to be configured.
    assert [i.title for i in one_spelling.open_good_first_issues("platform")] == ["Exact"]
    world.clear_log()
    assert sorted(i.title for i in both.open_good_first_issues("platform")) == ["Capitalised", "Exact"]
    assert len(group_issue_requests(world)) == 2  # exact repeats are asked for once


def test_good_first_issues_cost_one_request_per_label_and_page(world: World, forge: GitLabForge) -> None:
    repos = [active_repo(world, "platform" if i % 2 else "platform/sub", f"p{i}") for i in range(6)]
    for n in range(230):
        world.add_issue(repos[n % 6], f"gfi {n}", "a", ["good first issue"])
    for n in range(40):
        world.add_issue(repos[n % 6], f"hw {n}", "a", ["help wanted"])
    world.add_issue(repos[0], "closed", "a", ["good first issue"], state="closed")
    world.clear_log()

    found = list(forge.open_good_first_issues("platform"))

    assert len(found) == len({i.forge_id for i in found}) == 270
    assert forge.stats.by_kind == {"group_issues": 3 + 1}  # (labels x pages): 230 -> 3, 40 -> 1
    assert len(group_issue_requests(world)) == forge.stats.total == 4


def test_no_configured_labels_asks_for_nothing(world: World, make_forge: Callable[..., GitLabForge]) -> None:
    world.add_issue(active_repo(world, "platform", "api"), "x", "a", ["good first issue"])
    assert list(make_forge(good_first_issue_labels=[]).open_good_first_issues("platform")) == []
    assert paths(world) == []


def test_good_first_issues_that_keep_failing_raise_forge_error(
    world: World, forge: GitLabForge, sleeps: Sleeps
) -> None:
    world.add_issue(active_repo(world, "platform", "api"), "x", "a", ["good first issue"])
    world.inject(Fault(forge="gitlab", path_contains="/groups/platform/issues", status=502, times=50))

    with pytest.raises(ForgeError, match=r"good-first-issues of group platform.*502") as raised:
        list(forge.open_good_first_issues("platform"))

    assert not isinstance(raised.value, (RateLimited, ListingIncomplete))
    assert [r.status for r in world.requests(forge="gitlab")] == [502] * 4  # first try + 3 retries
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_failing_second_page_raises_after_the_first(world: World, forge: GitLabForge) -> None:
    repo = active_repo(world, "platform", "api")
    for n in range(150):
        world.add_issue(repo, f"gfi {n}", "a", ["good first issue"])
    world.inject(Fault(forge="gitlab", path_contains="page=2", status=503, times=50))

    read: list[str] = []
    with pytest.raises(ForgeError, match="503"):
        read.extend(i.title for i in forge.open_good_first_issues("platform"))

    assert len(read) == 100  # what was read is yielded; the caller decides it is not complete


def test_changed_issues_cover_subgroups_and_every_state(world: World, forge: GitLabForge) -> None:
    api = active_repo(world, "platform", "api")
    policies = active_repo(world, "platform/security", "policies")
    world.add_issue(api, "stale", "a", ["good first issue"], created_at=NOW - timedelta(days=10))
    opened = world.add_issue(policies, "new", "b", ["help wanted"], assignees=["c"])
    closed = world.add_issue(api, "fixed", "d", [], state="closed")

    changed = {i.title: i for i in forge.changed_issues("platform", NOW - timedelta(days=1))}

    assert set(changed) == {"new", "fixed"}
    new = changed["new"]
    assert (new.repo_full_name, new.repo_forge_id, new.number) == (
        "platform/security/policies",
        str(policies.id),
        opened.number,
    )
    assert (new.state, new.assignees, new.labels) == ("open", ("c",), ("help wanted",))
    assert changed["fixed"].state == "closed" and changed["fixed"].number == closed.number
    assert changed["fixed"].url.endswith(f"/platform/api/-/issues/{closed.number}")


# -- rate limits, retries, errors -------------------------------------------------------------------
def test_short_retry_after_is_waited_out_and_retried(
    world: World, forge: GitLabForge, sleeps: Sleeps
) -> None:
    active_repo(world, "platform", "api")
    world.inject(Fault(forge="gitlab", path_contains="/projects", status=429, headers={"Retry-After": "2"}))

    assert [s.name for s in forge.list_repositories("platform")] == ["api"]
    assert sleeps == [2.0]
    assert [r.status for r in world.requests(forge="gitlab")] == [429, 200]
    assert (forge.stats.total, forge.stats.retries) == (2, 1)


def test_ratelimit_reset_is_used_without_retry_after(
    world: World, forge: GitLabForge, sleeps: Sleeps
) -> None:
    active_repo(world, "platform", "api")
    reset = str(int(time.time()) + 5)  # GitLab's RateLimit-Reset is Unix time
    world.inject(
        Fault(forge="gitlab", path_contains="/projects", status=429, headers={"RateLimit-Reset": reset})
    )

    assert len(list(forge.list_repositories("platform"))) == 1
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 5


def test_long_retry_after_raises_rate_limited_without_waiting(
    world: World, forge: GitLabForge, sleeps: Sleeps
) -> None:
    active_repo(world, "platform", "api")
    summary = summary_of(forge, "platform", "api")
    world.inject(
        Fault(forge="gitlab", path_contains="/languages", status=429, headers={"Retry-After": "3600"})
    )

    with pytest.raises(RateLimited) as raised:
        forge.fetch_details(summary, since=None)

    assert raised.value.reset_at == NOW + timedelta(hours=1)
    assert sleeps == []
    assert len(world.requests(forge="gitlab", path_contains="/languages")) == 1


def test_rate_limited_listing_is_incomplete_and_tells_when(world: World, forge: GitLabForge) -> None:
    world.inject(Fault(forge="gitlab", path_contains="/projects", status=429, headers={"Retry-After": "900"}))
    with pytest.raises(ListingIncomplete) as raised:
        list(forge.list_repositories("platform"))
    assert isinstance(raised.value, RateLimited)
    assert raised.value.reset_at == NOW + timedelta(minutes=15)


def test_transient_502_is_retried_with_backoff(world: World, forge: GitLabForge, sleeps: Sleeps) -> None:
    active_repo(world, "platform", "api", languages={"Go": 1})
    summary = summary_of(forge, "platform", "api")
    world.inject(Fault(forge="gitlab", path_contains="/languages", status=502))

    assert forge.fetch_details(summary, since=None).languages == {"Go": 100.0}
    assert sleeps == [0.5]
    assert [r.status for r in world.requests(forge="gitlab", path_contains="/languages")] == [502, 200]


def test_listing_that_keeps_failing_yields_what_it_read_then_is_incomplete(
    world: World, forge: GitLabForge, sleeps: Sleeps
) -> None:
    for i in range(150):
        world.new_repo("gitlab", "platform", f"p{i:03d}")
    listing = forge.list_repositories("platform")
    first_page = [next(listing) for _ in range(100)]
    world.inject(Fault(forge="gitlab", path_contains="/projects", status=502, times=50))

    with pytest.raises(ListingIncomplete, match="502"):
        next(listing)

    assert len({s.forge_id for s in first_page}) == 100
    assert [r.status for r in world.requests(forge="gitlab")] == [200, 502, 502, 502, 502]
    assert sleeps == [0.5, 1.0, 2.0]


def test_details_that_keep_failing_raise_forge_error(world: World, forge: GitLabForge) -> None:
    active_repo(world, "platform", "api")
    summary = summary_of(forge, "platform", "api")
    world.inject(Fault(forge="gitlab", path_contains="/repository/tree", status=503, times=50))

    with pytest.raises(ForgeError, match="platform/api") as raised:
        forge.fetch_details(summary, since=None)
    assert not isinstance(raised.value, RateLimited)


@pytest.mark.parametrize("status", [401, 429, 502])
def test_token_never_appears_in_errors(world: World, forge: GitLabForge, status: int) -> None:
    world.required_token = "another-token" if status == 401 else TOKEN
    headers = {"Retry-After": "7200"} if status == 429 else {}
    if status != 401:
        world.inject(
            Fault(forge="gitlab", path_contains="/projects", status=status, times=50, headers=headers)
        )

    with pytest.raises(ForgeError) as raised:
        list(forge.list_repositories("platform"))

    text = "".join(traceback.format_exception(raised.value)) + repr(raised.value)
    assert TOKEN not in text
    assert str(raised.value)  # still says what went wrong
    if status == 401:
        assert "refused the token" in str(raised.value)


def test_token_is_sent_as_private_token(world: World, forge: GitLabForge) -> None:
    world.required_token = TOKEN
    active_repo(world, "platform", "api")
    assert len(list(forge.list_repositories("platform"))) == 1


# -- request accounting ---------------------------------------------------------------------------
def test_stats_count_every_request_sent_even_from_many_threads(world: World, forge: GitLabForge) -> None:
    for i in range(24):
        repo = active_repo(world, "platform" if i % 3 else "platform/security", f"p{i:02d}")
        world.add_issue(repo, "Welcome", "a", ["good first issue"])
        world.add_pull(repo, "Merged", "b", state="merged", created_at=NOW - timedelta(days=1))
    world.inject(Fault(forge="gitlab", path_contains="/languages", status=502, times=3))
    summaries = list(forge.list_repositories("platform"))

    def crawl(part: list[RepoSummary]) -> None:
        for summary in part:
            forge.fetch_details(summary, since=None)

    threads = [threading.Thread(target=crawl, args=(summaries[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    logged = world.requests(forge="gitlab")
    assert forge.stats.total == len(logged) == sum(forge.stats.by_kind.values())
    assert forge.stats.retries == 3
    assert forge.stats.by_kind["languages"] == 24 + 3
    assert forge.stats.by_kind["approvals"] == 24


def test_malformed_listing_answer_is_an_incomplete_listing(world: World, forge: GitLabForge) -> None:
    world.inject(Fault(forge="gitlab", path_contains="/projects", status=200, body='[{"id": 1}]'))
    with pytest.raises(ListingIncomplete, match="unexpected answer"):
        list(forge.list_repositories("platform"))


# -- users ----------------------------------------------------------------------------------------
def test_username_of_a_user_id(world: World, forge: GitLabForge, sleeps: Sleeps) -> None:
    marta = world.add_user("marta.k", "Marta K")
    assert forge.username(str(marta.id)) == "marta.k"
    assert forge.username("424242") is None  # 404: no such user
    assert paths(world) == [f"/users/{marta.id}", "/users/424242"]
    world.inject(Fault(forge="gitlab", path_contains="/users/", status=502, times=50))
    with pytest.raises(ForgeError, match="reading user"):
        forge.username(str(marta.id))
    assert sleeps  # retried before giving up
