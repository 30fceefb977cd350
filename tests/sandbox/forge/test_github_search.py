"""Search in the fake GitHub: the issue-search qualifiers and the code search the adapter relies on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests

from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import World
from tests.conftest import NOW

pytestmark = pytest.mark.integration


def search(forge: FakeForge, kind: str, q: str, **params: str) -> requests.Response:
    return requests.get(f"{forge.github_api_url}/search/{kind}", params={"q": q, **params}, timeout=5)


def found(answer: requests.Response) -> list[tuple[str, str]]:
    assert answer.status_code == 200, answer.text
    return [(i["repository"]["full_name"], i["path"]) for i in answer.json()["items"]]


@pytest.fixture
def org(world: World) -> World:
    world.github_orgs = ["acme"]
    world.new_repo(
        "github",
        "acme",
        "aurora",
        files={
            ".github/workflows/leaks.yml": "uses: GitLeaks/gitleaks-action@v2",
            ".github/workflows/ci.yml": "run: make test",
            "docs/security.md": "We run gitleaks in CI.",
        },
    )
    world.new_repo("github", "acme", "borealis", files={".github/workflows/scan.yaml": "run: trufflehog git"})
    world.new_repo("github", "other", "x", files={".github/workflows/leaks.yml": "uses: gitleaks"})
    world.new_repo("github", "acme", "blank", empty=True)
    return world


def test_code_search_matches_org_path_prefix_and_every_term(fake_forge: FakeForge, org: World) -> None:
    leaks = search(fake_forge, "code", "org:acme path:.github/workflows gitleaks")
    anywhere = search(fake_forge, "code", "org:ACME gitleaks")
    both = search(fake_forge, "code", "org:acme gitleaks action")
    trufflehog = search(fake_forge, "code", "org:acme path:.github/workflows TruffleHog")

    assert found(leaks) == [("acme/aurora", ".github/workflows/leaks.yml")]  # case-insensitive
    assert found(anywhere) == [
        ("acme/aurora", ".github/workflows/leaks.yml"),
        ("acme/aurora", "docs/security.md"),
    ]
    assert found(both) == [("acme/aurora", ".github/workflows/leaks.yml")]
    assert found(trufflehog) == [("acme/borealis", ".github/workflows/scan.yaml")]
    assert leaks.json()["total_count"] == 1 and leaks.json()["incomplete_results"] is False
    assert leaks.headers["x-ratelimit-resource"] == "code_search"
    assert leaks.headers["x-ratelimit-limit"] == "10"


def test_code_search_needs_a_term(fake_forge: FakeForge, org: World) -> None:
    answer = search(fake_forge, "code", "org:acme path:.github/workflows")

    assert answer.status_code == 422


def test_code_search_pages_and_stops_at_a_thousand(fake_forge: FakeForge, world: World) -> None:
    world.github_orgs = ["acme"]
    files = {f".github/workflows/w{n:04}.yml": "uses: gitleaks" for n in range(1050)}
    world.new_repo("github", "acme", "many", files=files)

    first = search(fake_forge, "code", "org:acme gitleaks", per_page="100")
    last = search(fake_forge, "code", "org:acme gitleaks", per_page="100", page="10")
    beyond = search(fake_forge, "code", "org:acme gitleaks", per_page="100", page="11")

    assert first.json()["total_count"] == 1050 and len(first.json()["items"]) == 100
    assert 'rel="next"' in first.headers["Link"] and "page=10" in first.headers["Link"]  # last: page 10
    assert len(last.json()["items"]) == 100 and 'rel="next"' not in last.headers["Link"]
    assert beyond.status_code == 422


def test_issue_search_quoted_labels_and_created_ranges(fake_forge: FakeForge, world: World) -> None:
    world.github_orgs = ["acme"]
    repo = world.new_repo("github", "acme", "aurora")
    world.add_issue(repo, "Old", "bob", ["Good First Issue"], created_at=NOW - timedelta(days=30))
    world.add_issue(repo, "New", "bob", ["good first issue"], created_at=NOW - timedelta(days=1))
    world.add_issue(repo, "Other", "bob", ["good-first-issue"], created_at=NOW - timedelta(days=1))
    world.add_pull(repo, "Change", "carol", labels=["good first issue"])
    label = 'org:acme is:issue is:open label:"good first issue"'

    def titles(q: str) -> list[str]:
        answer = search(fake_forge, "issues", q, sort="created", order="asc")
        items: list[dict[str, Any]] = answer.json()["items"]
        return [i["title"] for i in items]

    assert titles(label) == ["Old", "New"]
    assert titles(f"{label} created:2026-10-25T00:00:00Z..2026-11-01T00:00:00Z") == ["New"]
    assert titles(f"{label} created:>=2007-10-01T00:00:00Z") == ["Old", "New"]
    assert titles("org:acme is:open label:good-first-issue") == ["Other"]
