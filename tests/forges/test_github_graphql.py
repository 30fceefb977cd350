"""The GitHub adapter's GraphQL crawl (`GitHubForge(graphql=True)`, the default) through the real
PyGithub requester against the loopback fake, compared with the REST path where equality is the point:
batches halved when GitHub gives up, the points budget, secondary limits, bad tokens, repositories
gone since the listing, the search cap, and the fallbacks to REST and to reading workflow files."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.forges.base import ForgeError, RateLimited, RepoDetails, RepoSummary
from bot.forges.github import GitHubForge
from bot.sandbox.forge.world import FakeRepo, Fault, World
from tests.conftest import NOW
from tests.forges.test_github import TOKEN, Sleeps, acme, make_forge, paths, repo, sleeps, statuses

pytestmark = pytest.mark.integration
__all__ = ["acme", "make_forge", "sleeps"]  # fixtures shared with test_github.py

MakeForge = Callable[..., GitHubForge]


def listed(make_forge: MakeForge) -> list[RepoSummary]:
    """The organisation's repositories, listed by a forge of their own (REST, as the crawl lists)."""
    return sorted(make_forge().list_repositories("acme"), key=lambda s: s.name)


def details_only(results: Sequence[RepoDetails | ForgeError]) -> list[RepoDetails]:
    errors = [r for r in results if isinstance(r, ForgeError)]
    assert not errors, errors
    return [r for r in results if isinstance(r, RepoDetails)]


def crawl(
    forge: GitHubForge, summaries: list[RepoSummary], since: datetime | None = None
) -> list[RepoDetails]:
    """What the crawl does with one batch: `prepare` (the org's pull request search), then the details."""
    forge.prepare("acme", summaries, since)
    return details_only(forge.fetch_batch(summaries, since))


def rest(make_forge: MakeForge, summaries: list[RepoSummary], **options: object) -> list[RepoDetails]:
    return crawl(make_forge(graphql=False, **options), summaries)


def graphql_statuses(world: World) -> list[int]:
    return statuses(world, "/graphql")


def with_pull_requests(world: World, target: FakeRepo) -> None:
    """Every kind of pull request the window has: merged and reviewed, by a bot, answered by a
    comment, untouched, closed, and one merged before the window."""
    opened = NOW - timedelta(days=5)
    merged = world.add_pull(target, "Add tokens", "carol", state="merged", created_at=opened)
    world.add_review(merged, "alice", "APPROVED", opened + timedelta(hours=3))
    world.add_review(merged, "erin", "COMMENTED", opened + timedelta(hours=1))
    world.add_pull(target, "Bump", "dependabot[bot]", state="merged", created_at=opened + timedelta(hours=2))
    answered = world.add_pull(target, "Question", "dave", created_at=opened + timedelta(days=1))
    world.add_comment(answered, "alice", opened + timedelta(days=2))
    world.add_pull(target, "Waiting", "frank", created_at=opened + timedelta(days=3))
    closed = world.add_pull(target, "Abandoned", "erin", created_at=opened)
    world.close_pull(closed, opened + timedelta(days=1))
    world.add_pull(target, "Ancient", "carol", state="merged", created_at=NOW - timedelta(days=300))


# -- 1, 2: batches GitHub gives up on ------------------------------------------------------------
def test_batches_too_heavy_for_github_are_halved_until_answered(acme: World, make_forge: MakeForge) -> None:
    for i in range(20):
        languages = {"Python": 1200, "Shell": 300 + i, "Makefile": 40}
        target = repo(acme, f"svc-{i:02}", watchers=i, weekly_commits=[i % 2] * 52, languages=languages)
        if i % 5 == 0:
            with_pull_requests(acme, target)
    summaries = listed(make_forge)
    acme.graphql_max_repositories = 7
    forge = make_forge(batch=50)
    acme.clear_log()

    got = crawl(forge, summaries)

    # The search; 20 → 502; 10 → 502, then 5 and 5; the other 10 → 502, then 5 and 5; the files, 5 at
    # a time. (The search selects no repository: it is not too heavy.)
    assert graphql_statuses(acme) == [200] + [502, 502, 200, 200, 502, 200, 200] + [200] * 4
    assert forge._batches.size == 5  # the rest of the crawl asks for what GitHub can answer
    acme.clear_log()
    assert len(details_only(forge.fetch_batch(summaries[:7], None))) == 7
    assert graphql_statuses(acme) == [200] * 4  # 5 + 2 repositories, then their files: no 502 again
    expected = rest(make_forge, summaries)
    assert got == expected
    assert [list(d.languages) for d in got] == [list(d.languages) for d in expected]  # dicts: order too


def test_the_next_crawl_starts_again_at_the_full_batch(acme: World, make_forge: MakeForge) -> None:
    for i in range(12):
        repo(acme, f"svc-{i:02}")
    summaries = listed(make_forge)
    acme.graphql_max_repositories = 4
    forge = make_forge(batch=50)
    crawl(forge, summaries)
    assert forge._batches.size <= 4
    acme.graphql_max_repositories = None  # the bad hour is over

    forge.prepare("acme", summaries, None)  # the next crawl

    assert forge._batches.size == 50
    acme.clear_log()
    details_only(forge.fetch_batch(summaries, None))
    assert graphql_statuses(acme) == [200, 200]  # all 12 in one query, their files in another


def test_a_repository_pushed_moments_ago_reads_its_pull_requests_over_rest(
    acme: World, make_forge: MakeForge
) -> None:
    settled, fresh = repo(acme, "settled"), repo(acme, "fresh")
    with_pull_requests(acme, settled)
    with_pull_requests(acme, fresh)
    acme.add_pull(fresh, "Just merged", "carol", state="merged", created_at=NOW - timedelta(minutes=3))
    summaries = listed(make_forge)
    forge = make_forge()
    acme.clear_log()

    got = crawl(forge, summaries)

    # Search may not have indexed a merge of three minutes ago: that repository is read over REST,
    # the one pushed days ago comes from the search.
    assert {p.split("/")[3] for p in paths(acme, "/pulls?")} == {"fresh"}
    assert "Just merged" in {c.title for c in got[0].merged_changes}
    assert got == rest(make_forge, summaries)


def test_a_repository_github_gives_up_on_even_alone_is_an_error_of_its_own(
    acme: World, make_forge: MakeForge
) -> None:
    for name in ("alpha", "beta", "gamma"):
        repo(acme, name)
    summaries = listed(make_forge)
    forge = make_forge()
    # [alpha, beta, gamma] 502, [alpha] 502: alpha alone is given up on; [beta, gamma] is answered.
    acme.inject(Fault("github", "/graphql", 502, times=2, body=""))

    results = forge.fetch_batch(summaries, None)

    assert isinstance(results[0], ForgeError) and "acme/alpha" in str(results[0])
    assert results[1:] == rest(make_forge, summaries[1:])


def test_a_batch_github_always_gives_up_on_is_one_error_per_repository(
    acme: World, make_forge: MakeForge
) -> None:
    for name in ("alpha", "beta", "gamma"):
        repo(acme, name)
    summaries = listed(make_forge)
    acme.inject(Fault("github", "/graphql", 502, times=1000, body=""))
    acme.clear_log()

    results = make_forge().fetch_batch(summaries, None)  # raises nothing

    assert all(isinstance(r, ForgeError) and not isinstance(r, RateLimited) for r in results)
    assert [s.full_name in str(r) for s, r in zip(summaries, results, strict=True)] == [True] * 3
    assert graphql_statuses(acme) == [502] * 5  # abc, a, bc, b, c: down to one, then no more


# -- 3, 4: the points budget and secondary limits -------------------------------------------------
def near_the_real_clock(world: World) -> datetime:
    """The fake's clock ten minutes ahead of the real one: its `resetAt` (the hour after its clock)
    is then always 10 to 70 minutes away, whatever the time the test runs at."""
    world.now = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    return world.now.replace(minute=0, second=0) + timedelta(hours=1)


def test_a_spent_budget_is_rate_limited_until_the_reset_when_that_is_too_far(
    acme: World, make_forge: MakeForge, sleeps: Sleeps
) -> None:
    reset = near_the_real_clock(acme)
    for name in ("alpha", "beta"):
        repo(acme, name, pushed_at=acme.now - timedelta(days=2))
    summaries = listed(make_forge)
    acme.graphql_points_used = 4_990  # 10 left; the first query leaves 9, below the margin of 25
    acme.clear_log()

    results = make_forge(now=lambda: acme.now, max_rate_limit_wait=5).fetch_batch(summaries, None)

    assert all(isinstance(r, RateLimited) and r.reset_at == reset for r in results)
    assert graphql_statuses(acme) == [200]  # the files query was not sent to be refused
    assert sleeps == []


def test_a_spent_budget_is_waited_for_when_the_reset_is_near_enough(
    acme: World, make_forge: MakeForge
) -> None:
    near_the_real_clock(acme)
    for name in ("alpha", "beta"):
        repo(acme, name, pushed_at=acme.now - timedelta(days=2))
    summaries = listed(make_forge)
    acme.graphql_points_used = 4_990
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the hour passes: GitHub's budget is whole again
        waits.append(seconds)
        acme.graphql_points_used = 0

    forge = make_forge(now=lambda: acme.now, max_rate_limit_wait=2 * 3600, sleep=sleep)
    got = details_only(forge.fetch_batch(summaries, None))

    assert len(waits) == 1
    assert 10 * 60 < waits[0] <= 70 * 60 + 1  # until the reset, not a blind backoff
    assert got == details_only(make_forge(graphql=False, now=lambda: acme.now).fetch_batch(summaries, None))
    assert details_only(forge.fetch_batch(summaries, None)) == got and len(waits) == 1  # budget whole


def test_secondary_rate_limit_is_waited_out(acme: World, make_forge: MakeForge, sleeps: Sleeps) -> None:
    for name in ("alpha", "beta"):
        repo(acme, name)
    summaries = listed(make_forge)
    acme.inject(Fault("github", "/graphql", 403, headers={"Retry-After": "2"}))
    acme.clear_log()

    got = details_only(make_forge().fetch_batch(summaries, None))

    assert sleeps == [2.0]
    assert graphql_statuses(acme) == [403, 200, 200]
    assert got == details_only(make_forge(graphql=False).fetch_batch(summaries, None))


def test_secondary_rate_limit_longer_than_the_wait_allowed_is_rate_limited(
    acme: World, make_forge: MakeForge, sleeps: Sleeps
) -> None:
    for name in ("alpha", "beta"):
        repo(acme, name)
    summaries = listed(make_forge)
    acme.inject(Fault("github", "/graphql", 403, headers={"Retry-After": "120"}))
    acme.clear_log()

    results = make_forge(max_rate_limit_wait=60).fetch_batch(summaries, None)

    assert all(isinstance(r, RateLimited) for r in results)
    reset_at = results[0].reset_at if isinstance(results[0], RateLimited) else None
    assert reset_at is not None and reset_at > datetime.now(UTC) + timedelta(seconds=100)
    assert sleeps == [] and graphql_statuses(acme) == [403]


# -- 5, 6: a bad token, a repository gone since the listing ---------------------------------------
def test_bad_token_names_the_setting_never_the_token(
    acme: World, make_forge: MakeForge, caplog: pytest.LogCaptureFixture
) -> None:
    repo(acme, "alpha")
    acme.required_token = TOKEN
    summaries = listed(make_forge)
    wrong = "ghp_wrong-token-456"
    forge = make_forge(token=wrong)

    forge.prepare("acme", summaries, None)  # the search fails: logged, the details fall back to REST
    results = forge.fetch_batch(summaries, None)

    (error,) = results
    assert isinstance(error, ForgeError) and not isinstance(error, RateLimited)
    text = "".join(traceback.format_exception(error)) + caplog.text
    assert "GITHUB_TOKEN" in str(error) and "401" in str(error)
    assert wrong not in text and TOKEN not in text
    assert set(graphql_statuses(acme)) == {401}


def test_a_repository_gone_since_the_listing_is_an_error_the_others_are_read(
    acme: World, make_forge: MakeForge
) -> None:
    gone = repo(acme, "beta")
    for name in ("alpha", "gamma"):
        with_pull_requests(acme, repo(acme, name))
    summaries = listed(make_forge)
    forge = make_forge()
    forge.prepare("acme", summaries, None)
    acme.remove_repo(gone)  # renamed or deleted between the listing and the details

    results = forge.fetch_batch(summaries, None)

    assert [s.name for s in summaries] == ["alpha", "beta", "gamma"]
    assert isinstance(results[1], ForgeError) and "acme/beta" in str(results[1])
    kept = [summaries[0], summaries[2]]
    assert [results[0], results[2]] == details_only(make_forge(graphql=False).fetch_batch(kept, None))


# -- 7, 8: pull requests through the organisation's search ----------------------------------------
def test_pull_request_search_over_the_cap_is_paged_by_time_and_read_whole(
    acme: World, make_forge: MakeForge
) -> None:
    busy = repo(acme, "busy")
    for i in range(1_050):  # one every 200 minutes, the newest an hour ago, the oldest 146 days ago
        state = "merged" if i % 100 == 0 else "open"
        at = NOW - timedelta(minutes=60 + 200 * i)
        acme.add_pull(busy, f"Change {i}", "carol", state=state, created_at=at)
    summaries = listed(make_forge)
    forge = make_forge()
    acme.clear_log()

    (got,) = crawl(forge, summaries)

    assert not paths(acme, "/pulls")  # all from the search
    assert len(got.change_requests) == 1_050 and len(got.merged_changes) == 11
    assert [got] == rest(make_forge, summaries)


@pytest.mark.parametrize("status", [500, 502])
def test_failed_pull_request_search_falls_back_to_each_repositorys_listing(
    acme: World, make_forge: MakeForge, status: int
) -> None:
    for name in ("alpha", "beta"):
        with_pull_requests(acme, repo(acme, name))
    summaries = listed(make_forge)
    forge = make_forge()
    acme.inject(Fault("github", "/graphql", status))  # the first query: the search
    acme.clear_log()
    forge.prepare("acme", summaries, None)
    assert graphql_statuses(acme) == [status]

    got = details_only(forge.fetch_batch(summaries, None))

    assert sorted(p.partition("?")[0] for p in paths(acme, "/pulls?")) == [
        "/repos/acme/alpha/pulls",
        "/repos/acme/beta/pulls",
    ]
    expected = rest(make_forge, summaries)
    assert [(d.merged_changes, d.reviews, d.change_requests) for d in got] == [
        (d.merged_changes, d.reviews, d.change_requests) for d in expected
    ]
    assert all(d.merged_changes and d.reviews and d.change_requests for d in got)


def test_pull_requests_come_from_the_search_when_it_works(acme: World, make_forge: MakeForge) -> None:
    """The control of the fallback above: same world, no fault, no REST pull request listing."""
    for name in ("alpha", "beta"):
        with_pull_requests(acme, repo(acme, name))
    summaries = listed(make_forge)
    acme.clear_log()

    got = crawl(make_forge(), summaries)

    assert not paths(acme, "/pulls") and not paths(acme, "/issues/comments")
    assert got == rest(make_forge, summaries)


# -- 9: secret scanners in workflows when code search fails ---------------------------------------
@pytest.mark.parametrize("status", [422, 500])
def test_code_search_failing_reads_workflows_through_graphql(
    acme: World, make_forge: MakeForge, status: int
) -> None:
    repo(acme, "leaky", files={"README.md": "# leaky", ".github/workflows/leaks.yml": "uses: gitleaks/x@v2"})
    repo(acme, "plain", files={"README.md": "# plain", ".github/workflows/ci.yml": "run: make test"})
    summaries = listed(make_forge)
    acme.inject(Fault("github", "/search/code", status, times=1000))
    acme.clear_log()

    got = details_only(make_forge().fetch_batch(summaries, None))

    assert {d.summary.name: d.files.secret_detection for d in got} == {"leaky": True, "plain": False}
    assert paths(acme, "/search/code") and not paths(acme, "/contents")  # the files came by GraphQL
    acme.clear_log()
    expected = details_only(make_forge(graphql=False).fetch_batch(summaries, None))
    assert paths(acme, "/contents/.github/workflows")  # REST read them too: the same fallback
    assert [d.files for d in got] == [d.files for d in expected]


# -- 10: a year of commits --------------------------------------------------------------------------
def test_weekly_commits_of_a_busy_repository_match_rest_exactly(acme: World, make_forge: MakeForge) -> None:
    repo(acme, "busy", weekly_commits=[(3 * week) % 11 + 4 for week in range(52)])  # > 100 in the year
    repo(acme, "steady", weekly_commits=[1, 0] * 26)  # one page of history
    repo(
        acme,
        "quiet",  # nothing pushed for over a year: the weeks are idle whatever the history says
        created_at=NOW - timedelta(days=800),
        pushed_at=NOW - timedelta(weeks=53),
        weekly_commits=[2] * 52,
    )
    summaries = listed(make_forge)

    got = {d.summary.name: d.weekly_commits for d in crawl(make_forge(), summaries)}

    expected = {d.summary.name: d.weekly_commits for d in rest(make_forge, summaries)}
    assert got == expected
    assert got["busy"] == tuple((3 * week) % 11 + 4 for week in range(52))
    assert got["steady"] == (1, 0) * 26
    assert got["quiet"] == (0,) * 52


# -- 11: what a batch costs --------------------------------------------------------------------------
def test_a_batch_of_fifty_repositories_costs_a_few_points(acme: World, make_forge: MakeForge) -> None:
    for i in range(50):
        repo(acme, f"svc-{i:02}", files={"README.md": f"# svc {i}", "CODEOWNERS": "* @alice"})
    summaries = listed(make_forge)
    forge = make_forge()
    before = acme.graphql_points_used
    acme.clear_log()

    got = details_only(forge.fetch_batch(summaries, None))

    charged = acme.graphql_points_used - before
    assert len(got) == 50 and all(d.files.codeowners_text == "* @alice" for d in got)
    assert len(graphql_statuses(acme)) == 2  # the repositories, then their files
    assert charged <= 3 and forge.stats.points == charged
