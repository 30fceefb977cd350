"""The GitHub adapter through the real PyGithub against the loopback fake forge."""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot.forges.base import ForgeError, ListingIncomplete, RateLimited, RepoFiles, RepoSummary
from bot.forges.github import GitHubForge
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import FakeRepo, Fault, World
from tests.conftest import NOW

pytestmark = pytest.mark.integration

TOKEN = "ghp_very-secret-token-123"
RATE_LIMITED = '{"message": "API rate limit exceeded for user ID 1."}'


class Sleeps(list[float]):
    """Records the waits the retry policy asks for instead of sleeping (tests stay fast)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class DictCache:
    """An in-memory ConditionalCache (the real one lives in the database)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, Any]] = {}

    def get(self, key: str) -> tuple[str, Any] | None:
        return self.entries.get(key)

    def put(self, key: str, etag: str, payload: Any) -> None:
        self.entries[key] = (etag, payload)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_forge(fake_forge: FakeForge, sleeps: Sleeps) -> Callable[..., GitHubForge]:
    def make(**overrides: object) -> GitHubForge:
        options: dict[str, object] = {
            "api_url": fake_forge.github_api_url,
            "token": TOKEN,
            "good_first_issue_labels": ["good first issue", "help wanted"],
            "now": lambda: NOW,
            "stats_retry_delay": 0.01,
            "retry_backoff": 0.01,
            "sleep": sleeps,
            **overrides,
        }
        return GitHubForge(**options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def forge(make_forge: Callable[..., GitHubForge]) -> GitHubForge:
    return make_forge()


@pytest.fixture
def acme(world: World) -> World:
    world.github_orgs = ["acme"]
    return world


def repo(world: World, name: str, **kwargs: object) -> FakeRepo:
    kwargs.setdefault("pushed_at", NOW - timedelta(days=2))
    kwargs.setdefault("files", {"README.md": f"# {name}\n"})
    kwargs.setdefault("languages", {"Python": 1200})
    return world.new_repo("github", "acme", name, **kwargs)


def summary_of(forge: GitHubForge, name: str) -> RepoSummary:
    return next(s for s in forge.list_repositories("acme") if s.name == name)


def paths(world: World, contains: str = "") -> list[str]:
    return [r.path for r in world.requests("github", contains)]


def search_queries(world: World, kind: str = "issues") -> list[str]:
    """The `q` of each search request sent."""
    return [parse_qs(urlsplit(p).query)["q"][0] for p in paths(world, f"/search/{kind}?")]


def statuses(world: World, contains: str) -> list[int]:
    return [r.status for r in world.requests("github", contains)]


# -- listing ------------------------------------------------------------------------------------
def test_lists_all_pages(acme: World, forge: GitHubForge) -> None:
    for i in range(250):
        repo(acme, f"lib-{i:03}")

    names = [s.name for s in forge.list_repositories("acme")]

    assert sorted(names) == [f"lib-{i:03}" for i in range(250)]
    listing = paths(acme, "/orgs/acme/repos")
    assert len(listing) == 3 and "page=3" in listing[-1]
    assert all("per_page=100" in p and "type=all" in p for p in listing)


def test_internal_repo_says_private_but_is_listed_as_internal(
    acme: World, fake_forge: FakeForge, forge: GitHubForge
) -> None:
    repo(acme, "inside", visibility="internal")
    repo(acme, "secret", visibility="private")
    repo(acme, "open", visibility="public")
    raw = requests.get(f"{fake_forge.github_api_url}/orgs/acme/repos", timeout=5).json()

    listed = {s.name: s.visibility for s in forge.list_repositories("acme")}

    assert {r["name"]: r["private"] for r in raw} == {"inside": True, "secret": True, "open": False}
    assert listed == {"inside": "internal", "secret": "private", "open": "public"}


def test_summary_carries_listing_fields(acme: World, forge: GitHubForge) -> None:
    aurora = repo(acme, "aurora", description="Design system", topics=["react"], stars=12, forks=3)
    aurora.license_spdx, aurora.secret_scanning = "MIT", True
    acme.add_issue(aurora, "Bug", "bob", ["bug"])
    acme.add_pull(aurora, "Open change", "carol")
    repo(acme, "blank", empty=True, files={}, languages={})

    summary = summary_of(forge, "aurora")
    blank = summary_of(forge, "blank")

    assert (summary.description, summary.topics, summary.stars, summary.forks) == (
        "Design system",
        ("react",),
        12,
        3,
    )
    assert summary.open_issues == 2  # GitHub counts the open PR too
    assert summary.host == forge.host and summary.forge_id == str(aurora.id)
    assert summary.pushed_at == NOW - timedelta(days=2) and summary.pushed_at.tzinfo is not None
    assert (summary.has_license, summary.secret_scanning, summary.empty) == (True, True, False)
    assert (blank.has_license, blank.secret_scanning, blank.empty) == (False, False, True)


def test_unknown_org_is_an_incomplete_listing(world: World, forge: GitHubForge) -> None:
    with pytest.raises(ListingIncomplete):
        list(forge.list_repositories("nobody"))


# -- one repository -----------------------------------------------------------------------------
def test_fetch_details_reads_what_the_catalog_needs(acme: World, forge: GitHubForge) -> None:
    aurora = repo(
        acme,
        "aurora",
        watchers=7,
        languages={"TypeScript": 9000, "CSS": 1000},
        weekly_commits=[1] * 40 + [2] * 12,
        files={
            "README.md": "# Aurora\n\nDesign system.",
            "docs/CONTRIBUTING.md": "PRs welcome",
            ".github/CODEOWNERS": "* @alice",
            "LICENSE": "MIT",
            "innersource.json": '{"title": "Aurora", "maintainers": ["alice"]}',
            ".github/ISSUE_TEMPLATE/bug.md": "What happened?",
            ".github/pull_request_template.md": "Why?",
            ".github/workflows/build.yml": "run: make",
            ".github/workflows/leaks.yml": "uses: gitleaks/gitleaks-action@v2",
        },
    )
    merged = acme.add_pull(aurora, "Add tokens", "carol", state="merged", created_at=NOW - timedelta(days=3))
    acme.add_pull(aurora, "Bump", "dependabot[bot]", state="merged", created_at=NOW - timedelta(days=4))
    acme.add_review(merged, "alice", "APPROVED")
    acme.add_review(merged, "erin", "PENDING")

    details = forge.fetch_details(summary_of(forge, "aurora"), None)

    assert details.subscribers == 7
    assert details.languages == {"TypeScript": 9000.0, "CSS": 1000.0}
    assert details.weekly_commits[-13:] == (1,) + (2,) * 12
    assert details.files.readme_text == "# Aurora\n\nDesign system."
    assert details.files.contributing_path == "docs/CONTRIBUTING.md"
    assert details.files.codeowners_text == "* @alice"
    assert details.files.license_path == "LICENSE"
    assert details.files.innersource == {"title": "Aurora", "maintainers": ["alice"]}
    assert details.files.issue_template and details.files.change_template
    assert details.files.secret_detection  # the gitleaks workflow, found by code search
    assert {(c.title, c.author_is_bot) for c in details.merged_changes} == {
        ("Add tokens", False),
        ("Bump", True),
    }
    assert [(r.reviewer, r.change_number) for r in details.reviews] == [("alice", merged.number)]
    assert not paths(acme, "/issues?") and not paths(acme, "/contents/.github/workflows/")


def test_requests_are_counted_once_each_even_from_threads(acme: World, forge: GitHubForge) -> None:
    for i in range(24):
        repo(acme, f"svc-{i}", files={"README.md": "# svc", ".github/workflows/ci.yml": "run: make"})
    acme.inject(Fault("github", "/languages", 502, times=3))  # retried attempts count too
    summaries = list(forge.list_repositories("acme"))

    with ThreadPoolExecutor(8) as pool:
        details = list(pool.map(lambda s: forge.fetch_details(s, None), summaries))

    assert len(details) == 24 and not any(d.files.secret_detection for d in details)
    assert forge.stats.total == len(acme.requests("github")) == forge.stats.counted
    assert forge.stats.retries == 3
    per_repo = ("repo", "languages", "stats", "tree", "contents", "pulls")  # contents: README
    # One code search per scanner for the whole org, however many threads needed it at once.
    assert forge.stats.by_kind == {
        "list": 1,
        **dict.fromkeys(per_repo, 24),
        "languages": 24 + 3,
        "code_search": 2,
    }


def test_empty_repository_reads_no_tree_or_contents(acme: World, forge: GitHubForge) -> None:
    repo(acme, "blank", empty=True, files={}, languages={})
    summary = summary_of(forge, "blank")
    acme.clear_log()

    details = forge.fetch_details(summary, None)

    assert details.files == RepoFiles() and details.weekly_commits == (0,) * 52 and details.languages == {}
    assert paths(acme) == ["/repos/acme/blank"]


def test_tree_conflict_and_missing_files_are_absent_not_errors(acme: World, forge: GitHubForge) -> None:
    repo(acme, "gone-readme", files={"README.md": "# hi", "CODEOWNERS": "* @a"})
    repo(acme, "conflict")
    acme.inject(Fault("github", "/gone-readme/contents/README.md", 404, body='{"message": "Not Found"}'))
    acme.inject(Fault("github", "/conflict/git/trees/", 409, body='{"message": "Git Repository is empty."}'))

    gone = forge.fetch_details(summary_of(forge, "gone-readme"), None)
    conflict = forge.fetch_details(summary_of(forge, "conflict"), None)

    assert gone.files.readme_path == "README.md" and gone.files.readme_text is None
    assert gone.files.codeowners_text == "* @a" and gone.files.innersource is None
    assert conflict.files == RepoFiles()


def test_stats_202_is_retried_until_data(acme: World, forge: GitHubForge, sleeps: Sleeps) -> None:
    busy = repo(acme, "busy", weekly_commits=[3] * 52)
    acme.stats_pending[busy.id] = 2

    details = forge.fetch_details(summary_of(forge, "busy"), None)

    assert details.weekly_commits == (3,) * 52
    assert statuses(acme, "/stats/participation") == [202, 202, 200]
    assert sleeps == [0.01, 0.01]


def test_stats_that_stay_202_give_up_after_the_retries(
    acme: World, make_forge: Callable[..., GitHubForge]
) -> None:
    forge = make_forge(stats_retries=3)
    busy = repo(acme, "busy")
    acme.stats_pending[busy.id] = 1000

    details = forge.fetch_details(summary_of(forge, "busy"), None)

    assert details.weekly_commits == ()  # unknown, not zero
    assert statuses(acme, "/stats/participation") == [202] * 4
    assert forge.stats.by_kind["stats"] == 4


def test_idle_repository_skips_stats_and_pull_requests(acme: World, forge: GitHubForge) -> None:
    # Nothing pushed for over a year: all 52 weeks are idle, nothing can have merged in the window.
    repo(acme, "old", created_at=NOW - timedelta(days=800), pushed_at=NOW - timedelta(days=400))

    details = forge.fetch_details(summary_of(forge, "old"), None)

    assert details.weekly_commits == (0,) * 52 and details.merged_changes == ()
    assert not paths(acme, "/stats/") and not paths(acme, "/pulls")


def test_merged_changes_stop_paging_at_the_window(acme: World, forge: GitHubForge) -> None:
    busy = repo(acme, "busy", created_at=NOW - timedelta(days=400))
    for day in range(250, 0, -1):  # one merge a day, the newest yesterday
        acme.add_pull(busy, f"Change {day}", "carol", state="merged", created_at=NOW - timedelta(days=day))

    recent = forge.fetch_details(summary_of(forge, "busy"), NOW - timedelta(days=10, hours=1))

    assert sorted(c.title for c in recent.merged_changes) == sorted(f"Change {d}" for d in range(1, 11))
    assert len(paths(acme, "/pulls?")) == 1  # the first page already reaches past `since`
    assert len(paths(acme, "/reviews")) == 10


# -- failures: rate limits, 5xx, tokens ---------------------------------------------------------
def test_exhausted_rate_limit_waits_for_the_reset(acme: World, forge: GitHubForge, sleeps: Sleeps) -> None:
    repo(acme, "aurora")
    reset = int(time.time()) + 2
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    acme.inject(Fault("github", "/orgs/acme/repos", 403, headers=headers, body=RATE_LIMITED))

    assert [s.name for s in forge.list_repositories("acme")] == ["aurora"]
    assert statuses(acme, "/orgs/acme/repos") == [403, 200]
    assert len(sleeps) == 1 and 1 <= sleeps[0] <= 3  # until the reset, not a blind backoff
    assert forge.stats.retries == 1


@pytest.mark.parametrize("status", [403, 429])
def test_retry_after_is_obeyed(acme: World, forge: GitHubForge, sleeps: Sleeps, status: int) -> None:
    repo(acme, "aurora")
    acme.inject(Fault("github", "/repos/acme/aurora/languages", status, headers={"Retry-After": "2"}))

    details = forge.fetch_details(summary_of(forge, "aurora"), None)

    assert details.languages == {"Python": 1200.0}
    assert statuses(acme, "/languages") == [status, 200] and sleeps == [2]


def test_long_rate_limit_raises_instead_of_waiting(acme: World, forge: GitHubForge, sleeps: Sleeps) -> None:
    repo(acme, "aurora")
    summary = summary_of(forge, "aurora")
    acme.inject(Fault("github", "/repos/acme/aurora", 429, headers={"Retry-After": "3600"}))

    with pytest.raises(RateLimited) as caught:
        forge.fetch_details(summary, None)

    assert caught.value.reset_at is not None
    assert caught.value.reset_at > datetime.now(UTC) + timedelta(minutes=59)
    assert sleeps == [] and statuses(acme, "/repos/acme/aurora") == [429]


def test_secondary_rate_limit_without_headers_is_rate_limited(acme: World, forge: GitHubForge) -> None:
    repo(acme, "aurora")
    summary = summary_of(forge, "aurora")
    message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    body = json.dumps({"message": message})
    acme.inject(Fault("github", "/repos/acme/aurora", 403, body=body))

    with pytest.raises(RateLimited):
        forge.fetch_details(summary, None)


def test_bad_gateway_once_is_retried(acme: World, forge: GitHubForge) -> None:
    repo(acme, "aurora")
    acme.inject(Fault("github", "/orgs/acme/repos", 502))

    assert [s.name for s in forge.list_repositories("acme")] == ["aurora"]
    assert statuses(acme, "/orgs/acme/repos") == [502, 200]
    assert (forge.stats.total, forge.stats.retries) == (2, 1)


def test_bad_gateway_forever_fails_the_request(acme: World, forge: GitHubForge) -> None:
    repo(acme, "aurora")
    summary = summary_of(forge, "aurora")
    acme.inject(Fault("github", "/repos/acme/aurora/languages", 502, times=100))

    with pytest.raises(ForgeError) as caught:
        forge.fetch_details(summary, None)

    assert not isinstance(caught.value, RateLimited) and "502" in str(caught.value)
    assert statuses(acme, "/languages") == [502] * 4  # the first try and three retries


def test_failing_page_ends_listing_as_incomplete_after_earlier_pages(acme: World, forge: GitHubForge) -> None:
    for i in range(150):
        repo(acme, f"lib-{i:03}")
    acme.inject(Fault("github", "page=2", 502, times=100))
    seen: list[str] = []

    with pytest.raises(ListingIncomplete):
        seen.extend(s.name for s in forge.list_repositories("acme"))

    assert len(seen) == 100


def test_token_is_sent_and_never_shown_in_errors(acme: World, make_forge: Callable[..., GitHubForge]) -> None:
    acme.required_token = TOKEN
    repo(acme, "aurora")
    assert [s.name for s in make_forge().list_repositories("acme")] == ["aurora"]
    wrong = "ghp_wrong-token-456"

    with pytest.raises(ListingIncomplete) as caught:
        list(make_forge(token=wrong).list_repositories("acme"))

    text = "".join(traceback.format_exception(caught.value))
    assert "401" in text and wrong not in text and TOKEN not in text


# -- conditional listing ------------------------------------------------------------------------
def test_unchanged_listing_is_answered_by_304s_that_cost_nothing(
    acme: World, make_forge: Callable[..., GitHubForge]
) -> None:
    for i in range(250):
        repo(acme, f"lib-{i:03}")
    cache = DictCache()
    first = list(make_forge(cache=cache).list_repositories("acme"))
    acme.clear_log()
    again = make_forge(cache=cache)

    second = list(again.list_repositories("acme"))

    assert second == first
    assert statuses(acme, "/orgs/acme/repos") == [304, 304, 304]
    assert (again.stats.total, again.stats.counted, again.stats.not_modified) == (3, 0, 3)
    assert all("if-none-match" in r.headers for r in acme.requests("github"))


def test_a_changed_repository_refreshes_only_its_page(
    acme: World, make_forge: Callable[..., GitHubForge]
) -> None:
    for i in range(250):
        repo(acme, f"lib-{i:03}", created_at=NOW - timedelta(days=1000 - i))
    cache = DictCache()
    list(make_forge(cache=cache).list_repositories("acme"))
    changed = next(r for r in acme.repos if r.name == "lib-120")  # newest first: on page 2
    changed.description = "now documented"
    acme.clear_log()

    listed = {s.name: s for s in make_forge(cache=cache).list_repositories("acme")}

    assert statuses(acme, "/orgs/acme/repos") == [304, 200, 304]
    assert listed["lib-120"].description == "now documented" and len(listed) == 250


# -- secret scanners in CI, from code search ----------------------------------------------------
SCANNED = {
    "leaky": {".github/workflows/leaks.yml": "steps:\n  - uses: gitleaks/gitleaks-action@v2\n"},
    "truffled": {".github/workflows/scan.yaml": "steps:\n  - run: trufflehog git file://. --fail\n"},
    "plain": {".github/workflows/ci.yml": "steps:\n  - run: make test\n"},
    "talker": {".github/workflows/ci.yml": "run: make", "docs/security.md": "Run gitleaks locally."},
    "bare": {},
}


def crawl_secret_detection(forge: GitHubForge, world: World) -> dict[str, bool]:
    for name, files in SCANNED.items():
        repo(world, name, files={"README.md": f"# {name}", **files})
    summaries = list(forge.list_repositories("acme"))
    with ThreadPoolExecutor(8) as pool:
        details = list(pool.map(lambda s: forge.fetch_details(s, None), summaries))
    return {d.summary.name: d.files.secret_detection for d in details}


def test_secret_detection_comes_from_code_search(acme: World, forge: GitHubForge) -> None:
    flags = crawl_secret_detection(forge, acme)

    # A mention outside .github/workflows (talker's docs) does not count.
    assert flags == {"leaky": True, "truffled": True, "plain": False, "talker": False, "bare": False}
    assert not paths(acme, "/contents/.github/workflows")
    assert sorted(search_queries(acme, "code")) == [
        "org:acme path:.github/workflows gitleaks",
        "org:acme path:.github/workflows trufflehog",
    ]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("github", "/search/code", 403, times=100),
        Fault("github", "/search/code", 502, times=100),
        Fault("github", "/search/code", 422, times=100),
        Fault(
            "github",
            "/search/code",
            200,
            body='{"total_count": 1001, "incomplete_results": false, "items": []}',
        ),
        Fault(
            "github", "/search/code", 200, body='{"total_count": 1, "incomplete_results": true, "items": []}'
        ),
    ],
    ids=["403", "502", "422", "over-cap", "incomplete"],
)
def test_code_search_failing_falls_back_to_reading_workflows(
    acme: World, forge: GitHubForge, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    acme.inject(fault)

    flags = crawl_secret_detection(forge, acme)

    assert flags == {"leaky": True, "truffled": True, "plain": False, "talker": False, "bare": False}
    assert sorted(paths(acme, "/contents/.github/workflows")) == [
        "/repos/acme/leaky/contents/.github/workflows/leaks.yml",
        "/repos/acme/plain/contents/.github/workflows/ci.yml",
        "/repos/acme/talker/contents/.github/workflows/ci.yml",
        "/repos/acme/truffled/contents/.github/workflows/scan.yaml",
    ]
    assert len(paths(acme, "/search/code")) == (4 if fault.status == 502 else 1)  # tried once per org
    warnings = [
        r.message for r in caplog.records if r.name == "bot.forges.github" and r.levelname == "WARNING"
    ]
    assert len(warnings) == 1 and "code search failed" in warnings[0]  # once, not once per repository


def test_code_search_hit_in_a_workflow_the_tree_no_longer_has_is_ignored(
    acme: World, forge: GitHubForge, fake_forge: FakeForge
) -> None:
    repo(acme, "leaky", files={".github/workflows/leaks.yml": "uses: gitleaks"})
    answer = requests.get(
        f"{fake_forge.github_api_url}/search/code", params={"q": "org:acme gitleaks"}, timeout=5
    )
    repo(acme, "moved", files={".github/workflows/ci.yml": "run: make"})
    stale = answer.json()
    stale["items"][0]["repository"]["full_name"] = "acme/Moved"  # what the index still says
    acme.inject(Fault("github", "gitleaks", 200, body=json.dumps(stale)))

    flags = {
        s.name: forge.fetch_details(s, None).files.secret_detection for s in forge.list_repositories("acme")
    }

    assert flags == {"leaky": False, "moved": False}  # the path is not in moved's tree
    assert not paths(acme, "/contents/.github/workflows")


# -- organisation-wide good-first-issues --------------------------------------------------------
LABELS = ["good first issue", "good-first-issue", "Help Wanted"]


def test_open_good_first_issues_are_read_org_wide(
    acme: World, make_forge: Callable[..., GitHubForge]
) -> None:
    aurora, borealis = repo(acme, "aurora"), repo(acme, "borealis")
    acme.add_issue(aurora, "Docs typo", "bob", ["Good First Issue"])  # labels match in any case
    acme.add_issue(aurora, "Dashed", "bob", ["good-first-issue"])
    acme.add_issue(borealis, "Helping", "bob", ["help wanted"], assignees=["carol"])
    acme.add_issue(borealis, "Both", "bob", ["good first issue", "help wanted"])  # found twice, kept once
    acme.add_issue(aurora, "Crash", "bob", ["bug"])
    acme.add_issue(aurora, "Done", "bob", ["good first issue"], state="closed")
    acme.add_pull(aurora, "Labelled PR", "dave", labels=["good first issue"])
    acme.add_issue(acme.new_repo("github", "other", "x"), "Elsewhere", "bob", ["good first issue"])
    forge = make_forge(good_first_issue_labels=LABELS)

    found = list(forge.open_good_first_issues("acme"))

    assert sorted((i.repo_full_name, i.title) for i in found) == [
        ("acme/aurora", "Dashed"),
        ("acme/aurora", "Docs typo"),
        ("acme/borealis", "Both"),
        ("acme/borealis", "Helping"),
    ]
    helping = next(i for i in found if i.title == "Helping")
    assert (helping.state, helping.assignees, helping.labels) == ("open", ("carol",), ("help wanted",))
    queries = search_queries(acme)
    assert len(queries) == 3 and not paths(acme, "/repos/")
    assert all("org:acme is:issue is:open" in q for q in queries)
    assert {q.split("label:")[1].split(" created:")[0] for q in queries} == {
        '"good first issue"',
        "good-first-issue",
        '"help wanted"',
    }


def test_pull_requests_inside_issue_search_results_are_skipped(
    acme: World, make_forge: Callable[..., GitHubForge], fake_forge: FakeForge
) -> None:
    aurora = repo(acme, "aurora")
    acme.add_issue(aurora, "Docs typo", "bob", ["good first issue"])
    acme.add_pull(aurora, "Labelled PR", "dave", labels=["good first issue"])
    # GitHub leaves PRs out for is:issue; the adapter does not rely on it.
    q = 'org:acme label:"good first issue"'
    answer = requests.get(f"{fake_forge.github_api_url}/search/issues", params={"q": q}, timeout=5)
    assert {"pull_request" in i for i in answer.json()["items"]} == {True, False}
    acme.inject(Fault("github", "/search/issues", 200, body=answer.text))

    found = list(make_forge(good_first_issue_labels=["good first issue"]).open_good_first_issues("acme"))

    assert [i.title for i in found] == ["Docs typo"]


def test_open_good_first_issues_over_the_search_cap_are_split_by_creation(
    acme: World, make_forge: Callable[..., GitHubForge]
) -> None:
    repos = [repo(acme, f"r{i}") for i in range(3)]
    for n in range(1100):
        created = NOW - timedelta(hours=7 * n + 1)  # spread over nine years
        acme.add_issue(repos[n % 3], f"Issue {n}", "bob", ["good first issue"], created_at=created)
    forge = make_forge(good_first_issue_labels=["good first issue"])

    found = list(forge.open_good_first_issues("acme"))

    assert len(found) == 1100 and len({i.forge_id for i in found}) == 1100
    queries = search_queries(acme)
    assert len(queries) > 12 and all("created:" in q for q in queries)  # windows under 1,000 each


@pytest.mark.parametrize(
    "fault",
    [
        Fault("github", "/search/issues", 502, times=100),
        Fault(
            "github",
            "/search/issues",
            200,
            body='{"total_count": 5, "incomplete_results": true, "items": []}',
        ),
    ],
    ids=["502", "incomplete"],
)
def test_good_first_issues_that_cannot_all_be_read_raise(
    acme: World, forge: GitHubForge, fault: Fault
) -> None:
    repo(acme, "aurora")
    acme.inject(fault)

    with pytest.raises(ForgeError):
        list(forge.open_good_first_issues("acme"))


# -- organisation-wide issue changes ------------------------------------------------------------
def test_changed_issues_skip_pull_requests(acme: World, forge: GitHubForge) -> None:
    aurora = repo(acme, "aurora")
    old = NOW - timedelta(days=30)
    acme.add_issue(aurora, "Fresh", "bob", ["good first issue"], created_at=NOW - timedelta(hours=2))
    acme.add_issue(aurora, "Stale", "bob", [], created_at=old)
    acme.add_pull(aurora, "A change", "carol", created_at=NOW - timedelta(hours=1))
    acme.new_repo("github", "other-org", "x").issues.clear()

    found = list(forge.changed_issues("acme", NOW - timedelta(days=1)))

    assert [(i.title, i.repo_full_name, i.repo_forge_id) for i in found] == [("Fresh", "acme/aurora", "")]
    assert search_queries(acme)[0].startswith("org:acme is:issue updated:>=")


def test_changed_issues_split_the_window_above_the_search_cap(acme: World, forge: GitHubForge) -> None:
    repos = [repo(acme, f"r{i}") for i in range(3)]
    for n in range(1200):
        acme.add_issue(repos[n % 3], f"Issue {n}", "bob", [], created_at=NOW - timedelta(minutes=n + 1))

    found = list(forge.changed_issues("acme", NOW - timedelta(days=1)))

    assert len(found) == 1200 and len({i.forge_id for i in found}) == 1200
    assert len(paths(acme, "/search/issues")) > 12  # split into windows under 1,000 each


# -- users ----------------------------------------------------------------------------------------
def test_username_of_an_account_id(acme: World, forge: GitHubForge) -> None:
    octo = acme.add_user("Octo-Cat", "Octo Cat")
    assert forge.username(str(octo.id)) == "Octo-Cat"  # GET /user/{account_id}
    assert forge.username("424242") is None
    assert [r.path for r in acme.requests("github")] == [f"/user/{octo.id}", "/user/424242"]
    acme.inject(Fault("github", "/user/", 401, body='{"message": "Bad credentials"}'))
    with pytest.raises(ForgeError):
        forge.username(str(octo.id))
