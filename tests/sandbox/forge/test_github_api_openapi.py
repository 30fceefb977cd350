"""The fake GitHub answers in GitHub's shapes: each endpoint it serves, validated against the
response schema of GitHub's own OpenAPI description (tests/data/github/api.github.com.json.gz)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft7Validator, FormatChecker

from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import FakeRepo, World
from tests.conftest import NOW

pytestmark = pytest.mark.integration

SPEC = Path(__file__).resolve().parents[2] / "data/github/api.github.com.json.gz"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable: true` becomes "or null"; the rest carries over."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: to_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"GitHub's OpenAPI description is not at {SPEC}")
    with gzip.open(SPEC) as stream:
        data: dict[str, Any] = json.load(stream)
    return data


@cache
def components() -> dict[str, Any]:
    converted: dict[str, Any] = to_json_schema(spec()["components"])
    return converted


def response_schema(path: str, status: str = "200") -> dict[str, Any]:
    response = spec()["paths"][path]["get"]["responses"][status]
    if "$ref" in response:  # shared responses such as #/components/responses/not_found
        response = spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    # $refs point into #/components: give the schema the (converted) components to resolve them.
    return {**to_json_schema(schema), "components": components()}


date_time = FormatChecker()


@date_time.checks("date-time", raises=ValueError)
def _github_timestamp(value: object) -> bool:
    """GitHub writes UTC with a trailing Z and whole seconds; PyGithub parses exactly that."""
    if not isinstance(value, str):
        return True
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return bool(ISO_Z.match(value))


def assert_matches(path: str, body: Any, status: str = "200") -> None:
    validator = Draft7Validator(response_schema(path, status), format_checker=date_time)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])


@pytest.fixture
def aurora(world: World) -> FakeRepo:
    world.github_orgs = ["acme"]
    world.add_user("alice", "Alice")
    repo = world.new_repo(
        "github",
        "acme",
        "aurora",
        description="Design system",
        topics=["react", "design-system"],
        pushed_at=NOW - timedelta(days=1),
        languages={"TypeScript": 9000, "CSS": 300},
        watchers=4,
        license_spdx="Apache-2.0",
        secret_scanning=True,
        files={
            "README.md": "# Aurora\n" + "design tokens " * 50,
            "docs/guide.md": "Guide",
            ".github/workflows/ci.yml": "on: push",
            ".github/workflows/leaks.yml": "steps:\n  - uses: gitleaks/gitleaks-action@v2\n",
        },
    )
    world.add_issue(repo, "Docs typo", "bob", ["good first issue"], assignees=["alice"])
    world.add_issue(repo, "Old", "bob", ["bug"], state="closed")
    world.add_pull(repo, "Open change", "dependabot[bot]", labels=["dependencies"])
    merged = world.add_pull(repo, "Tokens", "carol", state="merged", created_at=NOW - timedelta(days=2))
    world.add_review(merged, "alice", "APPROVED")
    world.add_review(merged, "bob", "PENDING")
    world.add_comment(merged, "alice", NOW - timedelta(days=1), "Looks good")
    world.add_comment(merged, "ghost-of-nobody", NOW - timedelta(hours=20))  # an account the World lacks
    world.new_repo("github", "acme", "blank", empty=True, visibility="public")
    return repo


def get(forge: FakeForge, path: str, **params: str) -> requests.Response:
    return requests.get(f"{forge.github_api_url}{path}", params=params, timeout=5)


ENDPOINTS = [
    ("/orgs/{org}/repos", "/orgs/acme/repos", {"type": "all"}),
    ("/repos/{owner}/{repo}", "/repos/acme/aurora", {}),
    ("/repos/{owner}/{repo}", "/repos/acme/blank", {}),
    ("/repos/{owner}/{repo}/languages", "/repos/acme/aurora/languages", {}),
    ("/repos/{owner}/{repo}/stats/participation", "/repos/acme/aurora/stats/participation", {}),
    ("/repos/{owner}/{repo}/git/trees/{tree_sha}", "/repos/acme/aurora/git/trees/main", {"recursive": "1"}),
    ("/repos/{owner}/{repo}/readme", "/repos/acme/aurora/readme", {}),
    ("/repos/{owner}/{repo}/contents/{path}", "/repos/acme/aurora/contents/README.md", {}),
    ("/repos/{owner}/{repo}/contents/{path}", "/repos/acme/aurora/contents/docs", {}),
    ("/repos/{owner}/{repo}/issues", "/repos/acme/aurora/issues", {"state": "all"}),
    ("/repos/{owner}/{repo}/pulls", "/repos/acme/aurora/pulls", {"state": "all"}),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "/repos/acme/aurora/pulls/4/reviews", {}),
    (
        "/repos/{owner}/{repo}/issues/comments",
        "/repos/acme/aurora/issues/comments",
        {"since": "2026-01-01T00:00:00Z"},
    ),
    ("/search/issues", "/search/issues", {"q": "org:acme updated:>=2026-01-01"}),
    ("/search/issues", "/search/issues", {"q": 'org:acme is:issue is:open label:"good first issue"'}),
    ("/search/code", "/search/code", {"q": "org:acme path:.github/workflows gitleaks"}),
    ("/rate_limit", "/rate_limit", {}),
]


@pytest.mark.parametrize(("template", "path", "params"), ENDPOINTS, ids=[e[1] + str(e[2]) for e in ENDPOINTS])
def test_answers_match_githubs_openapi_description(
    fake_forge: FakeForge, aurora: FakeRepo, template: str, path: str, params: dict[str, str]
) -> None:
    response = get(fake_forge, path, **params)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body, "an empty answer would validate trivially"
    assert_matches(template, body)


@pytest.mark.parametrize(
    ("template", "path", "status"),
    [
        ("/repos/{owner}/{repo}", "/repos/acme/nothing", "404"),
        ("/repos/{owner}/{repo}/git/trees/{tree_sha}", "/repos/acme/blank/git/trees/main", "409"),
        ("/repos/{owner}/{repo}/contents/{path}", "/repos/acme/aurora/contents/NOPE.md", "404"),
        ("/search/code", "/search/code?q=org:acme+path:.github", "422"),  # no search term
    ],
)
def test_errors_match_githubs_openapi_description(
    fake_forge: FakeForge, aurora: FakeRepo, template: str, path: str, status: str
) -> None:
    response = get(fake_forge, path)

    assert response.status_code == int(status)
    assert_matches(template, response.json(), status)


def test_the_validation_would_catch_a_wrong_shape(fake_forge: FakeForge, aurora: FakeRepo) -> None:
    repo = get(fake_forge, "/repos/acme/aurora").json()
    del repo["full_name"]
    repo["pushed_at"] = "2026-10-31 12:00"

    with pytest.raises(AssertionError, match="full_name"):
        assert_matches("/repos/{owner}/{repo}", repo)
    repo["full_name"] = "acme/aurora"
    with pytest.raises(AssertionError, match="date-time"):
        assert_matches("/repos/{owner}/{repo}", repo)


# -- behaviour GitHub clients rely on -----------------------------------------------------------
def test_issue_lists_include_pull_requests(fake_forge: FakeForge, aurora: FakeRepo) -> None:
    items = get(fake_forge, "/repos/acme/aurora/issues", state="open").json()

    assert {(i["title"], "pull_request" in i) for i in items} == {("Docs typo", False), ("Open change", True)}


def test_pages_link_etag_and_rate_limit_headers(fake_forge: FakeForge, world: World) -> None:
    world.github_orgs = ["acme"]
    for i in range(5):
        world.new_repo("github", "acme", f"lib-{i}")

    first = get(fake_forge, "/orgs/acme/repos", per_page="2")
    again = requests.get(first.url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)

    assert 'rel="next"' in first.headers["Link"] and "page=3" in first.headers["Link"]
    assert first.headers["Link"].startswith(f"<{fake_forge.github_api_url}/orgs/acme/repos?")
    assert first.headers["ETag"].startswith('W/"')
    assert (again.status_code, again.content) == (304, b"")
    assert int(first.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-limit"]) - 1
    assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]  # a 304 is free


def test_bad_token_is_refused(fake_forge: FakeForge, world: World) -> None:
    world.required_token = "right"

    wrong = requests.get(
        f"{fake_forge.github_api_url}/rate_limit", headers={"Authorization": "token no"}, timeout=5
    )
    right = requests.get(
        f"{fake_forge.github_api_url}/rate_limit", headers={"Authorization": "Bearer right"}, timeout=5
    )

    assert (wrong.status_code, wrong.json()["message"]) == (401, "Bad credentials")
    assert right.status_code == 200


def test_search_never_pages_past_a_thousand(fake_forge: FakeForge, world: World) -> None:
    answer = get(fake_forge, "/search/issues", q="org:acme", per_page="100", page="11")

    assert answer.status_code == 422
