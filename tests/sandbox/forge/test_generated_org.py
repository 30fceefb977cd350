"""The generated benchmark organisation: its proportions, its consistency, and touch_repos."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.forges.files import (
    classify_tree,
    gitlab_ci_has_secret_detection,
    parse_innersource_json,
    workflow_runs_secret_scanner,
)
from bot.sandbox.forge.generated_org import generate_world, touch_repos
from bot.sandbox.forge.world import FakeRepo, World

NOW = datetime(2026, 11, 1, tzinfo=UTC)
N = 5_000
GFI_LABELS = {"good first issue", "good-first-issue", "help wanted"}


def listable(repo: FakeRepo) -> bool:
    """SPEC "What is indexed", written out again here so the test does not trust the code."""
    if repo.archived or repo.fork:
        return False
    return repo.visibility in ("public", "internal") or (
        repo.visibility == "private" and "innersource" in repo.topics
    )


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(N, seed=7, now=NOW, github_share=0.5)


def share(world: World, predicate: object) -> float:
    assert callable(predicate)
    return sum(1 for r in world.repos if predicate(r)) / len(world.repos)


def test_size_and_split_between_forges(world: World) -> None:
    assert len(world.repos) == N
    assert Counter(r.forge for r in world.repos) == {"github": N // 2, "gitlab": N // 2}
    assert world.github_orgs == ["bench"] and world.gitlab_groups == ["bench"]
    assert {r.namespace for r in world.repos} == {"bench"}
    names = [(r.forge, r.name) for r in world.repos]
    assert len(set(names)) == len(names)
    only_github = generate_world(40, now=NOW)
    assert {r.forge for r in only_github.repos} == {"github"} and only_github.gitlab_groups == []
    split = generate_world(40, now=NOW, github_share=0.3)
    assert Counter(r.forge for r in split.repos) == {"github": 12, "gitlab": 28}


def test_push_recency_mix(world: World) -> None:
    def age(r: FakeRepo) -> timedelta:
        return NOW - r.pushed_at

    assert share(world, lambda r: age(r) < timedelta(days=90)) == pytest.approx(0.35, abs=0.03)
    middle = share(world, lambda r: timedelta(days=90) <= age(r) < timedelta(days=365))
    assert middle == pytest.approx(0.30, abs=0.03)
    assert share(world, lambda r: age(r) >= timedelta(days=365)) == pytest.approx(0.35, abs=0.03)


def test_repository_kinds(world: World) -> None:
    assert share(world, lambda r: r.archived) == pytest.approx(0.05, abs=0.012)
    assert share(world, lambda r: r.fork) == pytest.approx(0.03, abs=0.01)
    assert share(world, lambda r: r.visibility == "private") == pytest.approx(0.03, abs=0.01)
    private = [r for r in world.repos if r.visibility == "private"]
    opted_in = sum(1 for r in private if "innersource" in r.topics) / len(private)
    assert opted_in == pytest.approx(1 / 3, abs=0.1)
    assert share(world, lambda r: r.empty) == pytest.approx(0.02, abs=0.008)
    assert all(not r.files and not any(r.weekly_commits) for r in world.repos if r.empty)
    assert share(world, listable) == pytest.approx(1 - 0.05 - 0.03 - 0.02, abs=0.03)
    assert {r.visibility for r in world.repos} == {"public", "internal", "private"}


def test_file_mix(world: World) -> None:
    full = [r for r in world.repos if not r.empty]
    facts = {r.id: classify_tree(r.files, r.forge) for r in full}

    def has(check: object) -> float:
        assert callable(check)
        return sum(1 for r in full if check(r, facts[r.id])) / len(full)

    assert has(lambda r, f: f.readme_path) == pytest.approx(0.95, abs=0.02)
    assert has(lambda r, f: f.contributing_path) == pytest.approx(0.40, abs=0.03)
    assert has(lambda r, f: f.codeowners_path) == pytest.approx(0.50, abs=0.03)
    assert has(lambda r, f: f.innersource_path) == pytest.approx(0.35, abs=0.03)
    assert has(lambda r, f: f.license_path) == pytest.approx(0.60, abs=0.03)
    assert has(lambda r, f: f.issue_template and f.change_template) == pytest.approx(0.25, abs=0.03)
    github = [r for r in full if r.forge == "github"]
    with_ci = [r for r in github if facts[r.id].workflow_paths]
    assert len(with_ci) / len(github) == pytest.approx(0.5, abs=0.04)
    scanning = [
        r
        for r in with_ci
        if any(workflow_runs_secret_scanner(r.files[p]) for p in facts[r.id].workflow_paths)
    ]
    assert len(scanning) / len(with_ci) == pytest.approx(0.2, abs=0.04)
    gitlab = [r for r in full if r.forge == "gitlab" and facts[r.id].ci_config_path]
    detecting = [r for r in gitlab if gitlab_ci_has_secret_detection(r.files[".gitlab-ci.yml"])]
    assert len(detecting) / len(gitlab) == pytest.approx(0.2, abs=0.04)
    for r in full:
        if "innersource.json" in r.files:
            data, error = parse_innersource_json(r.files["innersource.json"])
            assert error is None and data is not None and data["maintainers"]


def test_issues_and_changes(world: World) -> None:
    assert share(world, lambda r: bool(r.issues)) == pytest.approx(0.5, abs=0.03)
    for r in world.repos:
        if r.issues:
            assert 1 <= sum(1 for i in r.issues if i.state == "open") <= 15
    gfis = [i for r in world.repos for i in r.issues if GFI_LABELS & set(i.labels)]
    assert {label for i in gfis for label in i.labels} == GFI_LABELS
    assert any(i.assignees for i in gfis) and any(not i.assignees for i in gfis)
    assert sum(1 for r in world.repos for p in r.pulls if p.state == "open") > 100
    merged_in: Counter[int] = Counter()
    for r in world.repos:
        merged = [p for p in r.pulls if p.state == "merged"]
        if merged:
            merged_in[r.id] = len(merged)
            assert NOW - r.pushed_at < timedelta(days=90)  # only recently pushed repos
        for p in merged:
            assert p.merged_at is not None
            assert NOW - timedelta(days=180) <= p.merged_at <= r.pushed_at
            assert r.created_at <= p.created_at <= p.merged_at
            assert len(p.reviews) <= 2
    assert max(merged_in.values()) <= 4 and len(merged_in) > N * 0.2
    reviews = sum(len(p.reviews) for r in world.repos for p in r.pulls)
    assert reviews > 500
    bots = {p.author for r in world.repos for p in r.pulls if world.users[p.author].is_bot}
    assert bots == {"dependabot[bot]", "renovate-bot"}


def test_times_and_weekly_commits(world: World) -> None:
    for r in world.repos:
        assert r.created_at <= r.pushed_at <= r.updated_at <= NOW
        assert len(r.weekly_commits) == 52 and min(r.weekly_commits) >= 0
        age = NOW - r.pushed_at
        if age > timedelta(weeks=52):
            assert not any(r.weekly_commits)
        elif not r.empty:
            assert r.weekly_commits[51 - age.days // 7] >= 1  # the week of the last push
    recent = [r for r in world.repos if NOW - r.pushed_at < timedelta(days=30) and not r.empty]
    assert sum(sum(r.weekly_commits[-13:]) for r in recent) / len(recent) > 10


def test_generation_is_deterministic_per_seed() -> None:
    first = generate_world(300, seed=3, now=NOW, github_share=0.5)
    second = generate_world(300, seed=3, now=NOW, github_share=0.5)
    other = generate_world(300, seed=4, now=NOW, github_share=0.5)
    assert first.repos == second.repos and first.users == second.users
    assert [r.name for r in first.repos] != [r.name for r in other.repos]


def test_touch_repos_moves_exactly_the_touched_markers() -> None:
    world = generate_world(1_000, seed=5, now=NOW, github_share=0.5)
    before = {r.id: (r.pushed_at, r.updated_at, r.weekly_commits[-1]) for r in world.repos}
    world.now = NOW + timedelta(hours=1)
    touched = touch_repos(world, 0.05, seed=9)
    assert len(touched) == 50 and len({r.id for r in touched}) == 50
    assert all(listable(r) and not r.empty for r in touched)
    touched_ids = {r.id for r in touched}
    for r in world.repos:
        if r.id in touched_ids:
            assert r.pushed_at == r.updated_at == world.now
            assert r.weekly_commits[-1] == before[r.id][2] + 1
        else:
            assert (r.pushed_at, r.updated_at, r.weekly_commits[-1]) == before[r.id]
    assert any(p.merged_at == world.now for r in touched for p in r.pulls)
    # the same seed picks the same repositories; touching again without moving the clock still
    # moves every marker, so an incremental crawl can never miss a touch
    again = touch_repos(world, 0.05, seed=9)
    assert [r.id for r in again] == [r.id for r in touched]
    assert all(r.pushed_at > world.now for r in again)
    assert touch_repos(world, 0.0, seed=1) == []
