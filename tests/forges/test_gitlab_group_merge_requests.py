"""`prepare`: a group's merge requests read once, group-wide, give exactly what per-project listings give."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from bot.forges.base import ForgeError, RepoDetails, RepoSummary
from bot.forges.gitlab import GitLabForge
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import Fault, World
from tests.conftest import NOW
from tests.forges.test_gitlab import TOKEN, Sleeps, active_repo

pytestmark = pytest.mark.integration

GROUP_LISTING = "/groups/platform/merge_requests?"


@pytest.fixture
def sample_forge() -> Iterator[FakeForge]:
    """The sample organisation (its group "platform" has two subgroups) behind the fake."""
    with FakeForge(build_sample_world(NOW)) as fake:
        yield fake


def adapter(fake: FakeForge) -> GitLabForge:
    return GitLabForge(
        url=fake.gitlab_url,
        token=TOKEN,
        good_first_issue_labels=["good first issue"],
        now=lambda: NOW,
        sleep=Sleeps(),
    )


def listings(world: World) -> tuple[int, int]:
    """(group, per-project) MR listing requests in the fake's log; approvals and notes are not these."""
    paths = [r.path for r in world.requests("gitlab", "/merge_requests?")]
    return sum(p.startswith("/groups/") for p in paths), sum(p.startswith("/projects/") for p in paths)


def read_all(
    forge: GitLabForge, repos: Sequence[RepoSummary], since: datetime | None, *, prepare: bool
) -> dict[str, RepoDetails]:
    if prepare:
        forge.prepare("platform", repos, since)
    return {r.full_name: forge.fetch_details(r, since) for r in repos}


def both_ways(
    fake: FakeForge, since: datetime | None, repos: list[RepoSummary] | None = None
) -> tuple[dict[str, RepoDetails], dict[str, RepoDetails], tuple[int, int], tuple[int, int]]:
    """Every project read per project, then with `prepare` (two adapters, nothing shared): both
    results and the MR listing requests (group, per project) each way cost."""
    plain, prepared = adapter(fake), adapter(fake)
    repos = repos if repos is not None else list(plain.list_repositories("platform"))
    fake.world.clear_log()
    before = read_all(plain, repos, since, prepare=False)
    cost_before = listings(fake.world)
    fake.world.clear_log()
    after = read_all(prepared, repos, since, prepare=True)
    return before, after, cost_before, listings(fake.world)


# -- the sample organisation --------------------------------------------------------------------
@pytest.mark.parametrize("since", [None, NOW - timedelta(days=30)], ids=["full", "since-30-days"])
def test_sample_group_reads_the_same_with_one_group_listing(
    sample_forge: FakeForge, since: datetime | None
) -> None:
    before, after, (group_before, own_before), (group_after, own_after) = both_ways(sample_forge, since)

    assert after == before  # every project: same changes, reviews, change requests and responses
    assert sum(len(d.change_requests) for d in before.values()) > 10  # the comparison has substance
    assert any(d.change_requests for d in before.values() if d.summary.namespace != "platform")
    assert (group_before, group_after) == (0, 1)  # the sample's window fits in one page
    assert own_before >= 5 and own_after == 0


def test_approvals_and_notes_are_still_read_per_merge_request(sample_forge: FakeForge) -> None:
    plain, prepared = adapter(sample_forge), adapter(sample_forge)
    repos = list(plain.list_repositories("platform"))
    listing_cost = dict(plain.stats.by_kind)
    read_all(plain, repos, None, prepare=False)
    read_all(prepared, repos, None, prepare=True)

    per_mr = {k: prepared.stats.by_kind.get(k, 0) for k in ("approvals", "notes")}
    assert per_mr == {k: plain.stats.by_kind.get(k, 0) for k in ("approvals", "notes")}
    assert per_mr["approvals"] > 0 and per_mr["notes"] > 0
    assert prepared.stats.by_kind["group_merge_requests"] == 1
    assert "merge_requests" not in prepared.stats.by_kind and "merge_requests" in plain.stats.by_kind
    assert prepared.stats.total < plain.stats.total + listing_cost["projects"]


def test_a_failing_group_listing_falls_back_to_per_project_listings(
    sample_forge: FakeForge, caplog: pytest.LogCaptureFixture
) -> None:
    sample_forge.world.inject(Fault("gitlab", GROUP_LISTING, 502, times=4))  # the try and 3 retries

    before, after, (_, own_before), (group_after, own_after) = both_ways(sample_forge, None)

    assert after == before
    assert group_after == 4 and own_after == own_before > 0
    assert "gitlab group merge requests not read" in caplog.text and "502" in caplog.text


# -- built for the case -------------------------------------------------------------------------
def test_a_group_listing_failing_on_its_second_page_keeps_nothing(
    world: World, fake_forge: FakeForge
) -> None:
    repos = [active_repo(world, "platform", f"p{i}") for i in range(3)]
    for i in range(150):
        world.add_pull(repos[i % 3], f"Change {i}", "carol", created_at=NOW - timedelta(hours=i + 1))
    world.inject(Fault("gitlab", "page=2", 502, times=4))

    before, after, _, (group_after, own_after) = both_ways(fake_forge, None)

    assert after == before and sum(len(d.change_requests) for d in after.values()) == 150
    assert (group_after, own_after) == (1 + 4, 3)  # page 2 failed for good: each project lists its 50


def test_one_project_with_merge_requests_to_list_reads_them_itself(
    world: World, fake_forge: FakeForge
) -> None:
    busy = active_repo(world, "platform", "busy")
    active_repo(world, "platform", "quiet", pushed_at=NOW - timedelta(days=400))
    world.add_pull(busy, "Fix", "carol", created_at=NOW - timedelta(days=1))

    before, after, _, cost = both_ways(fake_forge, None)

    assert after == before and len(after["platform/busy"].change_requests) == 1
    assert cost == (0, 1)


def test_group_listing_longer_than_the_listings_it_replaces_is_given_up_after_one_page(
    world: World, fake_forge: FakeForge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.forges.gitlab")
    one, two = active_repo(world, "platform", "one"), active_repo(world, "platform", "two")
    unread = active_repo(world, "platform", "unread")  # not being read, but in the group's listing
    for i in range(101):
        world.add_pull(unread, f"Bump {i}", "carol", created_at=NOW - timedelta(hours=i + 1))
    world.add_pull(one, "Fix", "carol", created_at=NOW - timedelta(days=1))
    world.add_pull(two, "Fix", "dana", created_at=NOW - timedelta(days=2))
    repos = [s for s in adapter(fake_forge).list_repositories("platform") if s.name != "unread"]

    before, after, _, cost = both_ways(fake_forge, None, repos)

    assert after == before and set(after) == {"platform/one", "platform/two"}
    assert cost == (1, 2)  # 103 MRs: 2 pages would not beat 2 per-project listings
    assert "take more pages than listing them per project" in caplog.text


def test_projects_not_being_read_are_ignored_and_list_their_own(world: World, fake_forge: FakeForge) -> None:
    names = ("one", "two", "three")
    for name in names:
        repo = active_repo(world, "platform/apps", name)
        world.add_pull(repo, f"Fix {name}", "carol", created_at=NOW - timedelta(days=1))
    forge = adapter(fake_forge)
    listed = {s.name: s for s in forge.list_repositories("platform")}
    world.clear_log()

    forge.prepare("platform", [listed["one"], listed["two"]], None)
    details = [forge.fetch_details(listed[name], None) for name in names]

    assert [[c.title for c in d.change_requests] for d in details] == [
        ["Fix one"],
        ["Fix two"],
        ["Fix three"],
    ]
    assert listings(world) == (1, 1)  # "three" was not prepared


def test_projects_outside_the_group_path_are_not_covered(world: World, fake_forge: FakeForge) -> None:
    for namespace, name in (("platform", "one"), ("platform", "two"), ("platform-old", "three")):
        repo = active_repo(world, namespace, name)  # "platform-old" merely starts like "platform"
        world.add_pull(repo, f"Fix {name}", "carol", created_at=NOW - timedelta(days=1))
    forge = adapter(fake_forge)
    repos = [*forge.list_repositories("platform"), *forge.list_repositories("platform-old")]
    world.clear_log()

    forge.prepare("platform", repos, None)
    titles = {r.name: [c.title for c in forge.fetch_details(r, None).change_requests] for r in repos}

    assert titles == {"one": ["Fix one"], "two": ["Fix two"], "three": ["Fix three"]}
    assert listings(world) == (1, 1)


def test_archived_projects_are_left_to_their_own_listing(world: World, fake_forge: FakeForge) -> None:
    """The group endpoint leaves archived projects out (`non_archived` defaults to true)."""
    for name, archived in (("one", False), ("two", False), ("old", True)):
        repo = active_repo(world, "platform", name, archived=archived)
        world.add_pull(repo, f"Fix {name}", "carol", state="merged", created_at=NOW - timedelta(days=3))

    before, after, _, cost = both_ways(fake_forge, None)

    assert after == before and [c.title for c in after["platform/old"].merged_changes] == ["Fix old"]
    assert cost == (1, 1)


def test_prepared_merge_requests_are_used_once_and_never_by_a_later_crawl(
    world: World, fake_forge: FakeForge
) -> None:
    one, two = active_repo(world, "platform", "one"), active_repo(world, "platform", "two")
    world.add_pull(one, "First", "carol", created_at=NOW - timedelta(days=2))
    world.add_pull(two, "Other", "carol", created_at=NOW - timedelta(days=2))
    forge = adapter(fake_forge)
    listed = {s.name: s for s in forge.list_repositories("platform")}
    forge.prepare("platform", list(listed.values()), None)
    forge.fetch_details(listed["one"], None)  # takes its prepared MRs
    world.add_pull(one, "Second", "dana", created_at=NOW - timedelta(days=1))
    world.clear_log()

    again = forge.fetch_details(listed["one"], None)
    forge.prepare("platform", [listed["two"]], None)  # the next crawl: too few to read group-wide
    other = forge.fetch_details(listed["two"], None)

    assert sorted(c.title for c in again.change_requests) == ["First", "Second"]
    assert [c.title for c in other.change_requests] == ["Other"]
    assert listings(world) == (0, 2)


def test_prepared_window_shorter_than_the_one_asked_for_is_not_used(
    world: World, fake_forge: FakeForge
) -> None:
    one, two = active_repo(world, "platform", "one"), active_repo(world, "platform", "two")
    world.add_pull(one, "Recent", "carol", created_at=NOW - timedelta(days=1))
    world.add_pull(one, "Older", "carol", created_at=NOW - timedelta(days=20))
    world.add_pull(two, "Recent", "carol", created_at=NOW - timedelta(days=1))
    forge = adapter(fake_forge)
    listed = {s.name: s for s in forge.list_repositories("platform")}
    forge.prepare("platform", list(listed.values()), NOW - timedelta(days=7))
    world.clear_log()

    details = forge.fetch_details(listed["one"], None)  # the whole look-back, not the last 7 days

    assert sorted(c.title for c in details.change_requests) == ["Older", "Recent"]
    assert listings(world) == (0, 1)


def test_fetch_batch_returns_a_failed_project_as_its_error(world: World, fake_forge: FakeForge) -> None:
    for name in ("one", "two"):
        active_repo(world, "platform", name)
    forge = adapter(fake_forge)
    repos = sorted(forge.list_repositories("platform"), key=lambda r: r.name)
    world.inject(Fault("gitlab", f"/projects/{repos[0].forge_id}/languages", 500, times=4))

    first, second = forge.fetch_batch(repos, None)

    assert isinstance(first, ForgeError) and "platform/one" in str(first) and "500" in str(first)
    assert isinstance(second, RepoDetails) and second.summary.name == "two"
