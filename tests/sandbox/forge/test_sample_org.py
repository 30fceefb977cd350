"""The bundled sample organisation: enough listed projects, the named ones, the traps, the people."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.forges.files import (
    classify_tree,
    gitlab_ci_has_secret_detection,
    parse_innersource_json,
    workflow_runs_secret_scanner,
)
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.world import FakeRepo, World
from bot.sandbox.slack.slack_directory import CONSOLE_USER_ID, SlackDirectory, member_id

NOW = datetime(2026, 11, 1, tzinfo=UTC)
GFI_LABELS = {"good first issue", "good-first-issue", "help wanted"}
WINDOW = timedelta(days=180)


def listable(repo: FakeRepo) -> bool:
    """SPEC "What is indexed", written out again here so the test does not trust the code."""
    if repo.archived or repo.fork:
        return False
    return repo.visibility in ("public", "internal") or (
        repo.visibility == "private" and "innersource" in repo.topics
    )


def maintainers_known(repo: FakeRepo) -> bool:
    facts = classify_tree(repo.files, repo.forge)
    if facts.codeowners_path:
        return True
    if facts.innersource_path:
        data, _ = parse_innersource_json(repo.files[facts.innersource_path])
        return bool(data and isinstance(data.get("maintainers"), list) and data["maintainers"])
    return False


def ready_looking(repo: FakeRepo) -> bool:
    facts = classify_tree(repo.files, repo.forge)
    return bool(repo.description and facts.readme_path and facts.contributing_path) and maintainers_known(
        repo
    )


def secret_detection(repo: FakeRepo) -> bool:
    facts = classify_tree(repo.files, repo.forge)
    if repo.forge == "github":
        return repo.secret_scanning or any(
            workflow_runs_secret_scanner(repo.files[p]) for p in facts.workflow_paths
        )
    return bool(facts.ci_config_path) and gitlab_ci_has_secret_detection(
        repo.files[facts.ci_config_path or ""]
    )


def open_gfis(repo: FakeRepo) -> list[str]:
    return [
        i.title for i in repo.issues if i.state == "open" and not i.assignees and GFI_LABELS & set(i.labels)
    ]


@pytest.fixture(scope="module")
def world() -> World:
    return build_sample_world(NOW)


def repo(world: World, forge: str, full_name: str) -> FakeRepo:
    found = world.find_repo(forge, full_name)
    assert found is not None, f"{forge}:{full_name} missing from the sample"
    return found


def test_namespaces_and_enough_listed_projects_on_both_forges(world: World) -> None:
    assert world.github_orgs == ["acme"]
    assert world.gitlab_groups == ["platform", "platform/security", "platform/ci-cd"]
    listed = [r for r in world.repos if listable(r)]
    assert len(listed) >= 32
    per_forge = Counter(r.forge for r in listed)
    assert per_forge["github"] >= 15 and per_forge["gitlab"] >= 8
    gitlab_namespaces = {r.namespace for r in listed if r.forge == "gitlab"}
    assert gitlab_namespaces == set(world.gitlab_groups)  # every group and subgroup has projects
    names = [(r.forge, r.full_name) for r in world.repos]
    assert len(names) == len(set(names))


def test_the_named_projects_exist_as_described(world: World) -> None:
    aurora = repo(world, "github", "acme/aurora-design-system")
    assert {"design-system", "ui", "react", "accessibility"} <= set(aurora.topics)
    assert aurora.primary_language == "TypeScript" and "CSS" in aurora.languages
    assert "design system" in aurora.files["README.md"].split("\n\n")[1]
    assert ready_looking(aurora) and secret_detection(aurora)
    assert len(open_gfis(aurora)) >= 4

    adrs = repo(world, "github", "acme/architecture-decisions")
    assert "adr" in adrs.topics
    assert len([p for p in adrs.files if p.startswith("docs/adr/") and p.endswith(".md")]) >= 4

    guardrails = repo(world, "gitlab", "platform/security/cloud-guardrails")
    assert {"opa", "rego", "aws", "azure", "gcp"} <= set(guardrails.topics)
    assert guardrails.primary_language == "Open Policy Agent"
    assert secret_detection(guardrails)

    templates = repo(world, "gitlab", "platform/ci-cd/pipeline-templates")
    assert templates.primary_language == "YAML" and "gitlab-ci" in templates.topics
    assert any(p.startswith("templates/") and p.endswith(".yml") for p in templates.files)

    for forge, name in [
        ("github", "acme/kafka-client"),
        ("github", "acme/flagpole"),
        ("github", "acme/developer-portal"),
        ("github", "acme/go-service-template"),
        ("github", "acme/payments-sdk-java"),
        ("github", "acme/mobile-sdk-android"),
        ("github", "acme/mobile-sdk-ios"),
        ("github", "acme/engineering-handbook"),
        ("github", "acme/oidc-auth"),
        ("github", "acme/featurestore"),
        ("github", "acme/pipekit"),
        ("gitlab", "platform/terraform-modules"),
        ("gitlab", "platform/observability-charts"),
    ]:
        assert listable(repo(world, forge, name))


def test_languages_topics_and_visibility_vary(world: World) -> None:
    listed = [r for r in world.repos if listable(r)]
    primaries = {r.primary_language for r in listed if r.primary_language}
    assert {"TypeScript", "Python", "Go", "Java", "Kotlin", "Swift", "HCL"} <= primaries
    assert len({t for r in listed for t in r.topics}) >= 60
    assert {r.visibility for r in listed} == {"public", "internal", "private"}
    assert sum(1 for r in listed if not r.description) >= 2  # some say nothing about themselves
    assert all(r.watchers == 0 and r.license_spdx is None for r in listed if r.forge == "gitlab")


def test_projects_that_must_not_be_listed_are_there(world: World) -> None:
    hidden = [r for r in world.repos if not listable(r)]
    assert len(hidden) >= 5
    assert any(r.visibility == "private" and "innersource" not in r.topics for r in hidden)
    assert {r.forge for r in hidden if r.fork} == {"github", "gitlab"}
    assert any(r.archived for r in hidden)
    opted_in = [r for r in world.repos if r.visibility == "private" and "innersource" in r.topics]
    assert opted_in and all(listable(r) for r in opted_in)
    empty = [r for r in world.repos if r.empty]
    assert empty and all(listable(r) for r in empty)
    assert all(not (r.files or r.languages or any(r.weekly_commits) or r.pulls) for r in empty)


def test_readiness_is_spread(world: World) -> None:
    listed = [r for r in world.repos if listable(r) and not r.empty]
    ready = [r.full_name for r in listed if ready_looking(r)]
    assert len(ready) >= 15
    assert len(listed) - len(ready) >= 10  # partly ready and not at all
    facts = [classify_tree(r.files, r.forge) for r in listed]
    assert sum(1 for f in facts if not f.readme_path) >= 2  # not even a README
    assert sum(1 for f in facts if f.issue_template and f.change_template) >= 5
    # maintainers known through innersource.json alone (no CODEOWNERS) happens too
    assert any(maintainers_known(r) and not f.codeowners_path for r, f in zip(listed, facts, strict=True))
    # files in their less common places are still recognised
    paths = {f.readme_path for f in facts} | {f.contributing_path for f in facts}
    assert "README.rst" in paths and "docs/CONTRIBUTING.md" in paths
    assert any(f.codeowners_path == ".gitlab/CODEOWNERS" for f in facts)
    with_scan = Counter(r.forge for r in listed if secret_detection(r))
    without_scan = Counter(r.forge for r in listed if not secret_detection(r))
    assert with_scan["github"] >= 3 and with_scan["gitlab"] >= 3
    assert without_scan["github"] >= 3 and without_scan["gitlab"] >= 3


def test_innersource_json_mostly_valid_one_broken(world: World) -> None:
    results = {
        r.full_name: parse_innersource_json(r.files["innersource.json"])
        for r in world.repos
        if "innersource.json" in r.files
    }
    assert len(results) >= 12
    broken = [name for name, (data, error) in results.items() if data is None]
    assert broken == ["acme/legacy-billing-adapter"]
    assert results[broken[0]][1] and "not valid JSON" in (results[broken[0]][1] or "")
    valid = [data for data, _ in results.values() if data is not None]
    keys = {"title", "motivation", "contributions", "skills", "logo", "docs", "language"}
    assert sum(1 for d in valid if keys | {"maintainers"} <= d.keys()) >= 10
    assert any(not isinstance(d.get("skills"), list) for d in valid)  # wrong types, valid JSON


def test_a_description_tries_to_ping_the_channel(world: World) -> None:
    bait = [r for r in world.repos if "<!channel>" in r.description and "<@U123>" in r.description]
    assert bait and all(listable(r) for r in bait)


def test_good_first_issues_and_open_changes(world: World) -> None:
    issues = [(r, i) for r in world.repos if listable(r) for i in r.issues]
    used = {label for _, i in issues for label in i.labels}
    assert used >= GFI_LABELS
    gfis = [(r, i) for r, i in issues if GFI_LABELS & set(i.labels)]
    assert {r.forge for r, i in gfis if i.state == "open" and not i.assignees} == {
        "github",
        "gitlab",
    }
    assert any(i.assignees for _, i in gfis) and any(i.state == "closed" for _, i in gfis)
    assert any(not (GFI_LABELS & set(i.labels)) for _, i in issues)  # ordinary issues too
    assert sum(len(open_gfis(r)) for r in world.repos if listable(r)) >= 25
    open_changes = [p for r in world.repos for p in r.pulls if p.state == "open"]
    assert len(open_changes) >= 8 and any(not p.reviews for p in open_changes)
    stale = [i for _, i in gfis if i.state == "open" and NOW - i.created_at > timedelta(days=180)]
    assert stale  # for the maintainers' stale good-first-issue digest


def test_people_and_contribution_history(world: World) -> None:
    humans = [u for u in world.users.values() if not u.is_bot]
    assert len(humans) >= 25
    assert any(u.email is None for u in humans)  # some can only be linked by hand
    assert {u.login for u in world.users.values() if u.is_bot} >= {"dependabot[bot]"}
    pulls = [(r, p) for r in world.repos for p in r.pulls]
    everyone = {p.author for _, p in pulls} | {v.reviewer for _, p in pulls for v in p.reviews}
    everyone |= {i.author for r in world.repos for i in r.issues}
    everyone |= {a for r in world.repos for i in r.issues for a in i.assignees}
    assert everyone <= set(world.users)
    merged = [(r, p) for r, p in pulls if p.state == "merged"]
    assert len(merged) >= 150
    assert {p.author for _, p in merged if world.users[p.author].is_bot} == {
        "dependabot[bot]",
        "renovate-bot",
    }
    recent = [(r, p) for r, p in merged if p.merged_at and NOW - p.merged_at <= WINDOW]
    # a trusted-committer candidate: >= 10 merged and >= 5 reviews on one project in 180 days
    aurora = "acme/aurora-design-system"
    mine = [p for r, p in recent if r.full_name == aurora and p.author == "jasmine"]
    reviews = [v for r, p in recent if r.full_name == aurora for v in p.reviews if v.reviewer == "jasmine"]
    assert len(mine) >= 10 and len(reviews) >= 5
    # a regular: >= 5 merged across projects in 180 days
    mateo = {r.full_name for r, p in recent if p.author == "mateo"}
    assert sum(1 for _, p in recent if p.author == "mateo") >= 5 and len(mateo) >= 3
    # a newcomer: opened an issue, nothing merged
    assert not [p for _, p in merged if p.author == "tomas"]
    assert any(i.author == "tomas" for r in world.repos for i in r.issues)
    assert sum(1 for _, p in merged if p.reviews) >= len(merged) // 2


def test_the_console_user_maintains_the_candidates_project_and_others_fill_every_level(world: World) -> None:
    """The cast of the sandbox's progression (tests/sandbox/test_sample_levels.py checks the levels)."""
    aurora = repo(world, "github", "acme/aurora-design-system")
    assert "@sam" in aurora.files[".github/CODEOWNERS"].split()
    assert "sam" in json.loads(aurora.files["innersource.json"])["maintainers"]
    console_user = SlackDirectory().user(CONSOLE_USER_ID)
    assert console_user is not None and world.users["sam"].email == console_user["profile"]["email"]
    assert member_id("sam") == CONSOLE_USER_ID and SlackDirectory().user("U0SAM") is None
    # sam joined lately: approvals of the latest changes, nothing authored
    approvals = [p for p in aurora.pulls for v in p.reviews if v.reviewer == "sam"]
    assert len(approvals) == 3 and all(NOW - p.created_at <= timedelta(days=30) for p in approvals)
    assert not [p for r in world.repos for p in r.pulls if p.author == "sam"]
    # tomas, a newcomer, has only reviewed
    assert [v for r in world.repos for p in r.pulls for v in p.reviews if v.reviewer == "tomas"]
    assert not [p for r in world.repos for p in r.pulls if p.author == "tomas" and p.state == "merged"]
    # ana's first merged change landed last week
    (first,) = [p for r in world.repos for p in r.pulls if p.author == "ana"]
    assert first.state == "merged" and first.merged_at and NOW - first.merged_at <= timedelta(days=14)
    # a trusted committer the project lists itself
    portal = repo(world, "github", "acme/developer-portal")
    assert json.loads(portal.files["innersource.json"])["trustedCommitters"] == ["yuki"]
    assert [p for p in portal.pulls if p.author == "yuki" and p.state == "merged"]


def test_times_are_consistent_and_varied(world: World) -> None:
    for r in world.repos:
        assert r.created_at <= r.pushed_at <= NOW and r.pushed_at <= r.updated_at <= NOW
        assert len(r.weekly_commits) == 52 and min(r.weekly_commits) >= 0
        for p in r.pulls:
            assert r.created_at <= p.created_at <= NOW
            if p.state == "merged":
                assert p.merged_at is not None and p.created_at <= p.merged_at <= r.pushed_at
            assert all(v.submitted_at <= NOW for v in p.reviews)
        for i in r.issues:
            assert r.created_at <= i.created_at <= i.updated_at <= NOW
    listed = [r for r in world.repos if listable(r) and not r.empty]
    assert any(NOW - r.pushed_at > timedelta(days=365) for r in listed)  # dormant
    assert any(NOW - r.created_at < timedelta(days=30) for r in listed)  # brand new
    assert any(sum(r.weekly_commits[-13:]) >= 150 for r in listed)  # very active
    assert all(not any(r.weekly_commits) for r in listed if NOW - r.pushed_at > timedelta(weeks=52))


def test_every_readme_opens_with_a_description(world: World) -> None:
    for r in world.repos:
        facts = classify_tree(r.files, r.forge)
        if facts.readme_path:
            first_paragraph = r.files[facts.readme_path].split("\n\n")[1]
            assert len(first_paragraph) >= 25, r.full_name


def test_build_is_deterministic() -> None:
    first, second = build_sample_world(NOW), build_sample_world(NOW)
    assert first.repos == second.repos
    assert first.users == second.users
    later = build_sample_world(NOW + timedelta(days=10))
    assert [r.pushed_at + timedelta(days=10) for r in first.repos] == [
        r.pushed_at for r in later.repos
    ]  # everything is relative to `now`: the sample never goes stale
