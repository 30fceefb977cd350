"""The fake GitHub's GraphQL endpoint, driven by PyGithub's own GraphQL requester: queries are
validated against GitHub's public schema, the data is the same World the REST API serves, pages
follow cursors, and `rateLimit { cost }` is GitHub's documented cost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from github import Auth, Github, GithubException
from graphql import parse

from bot.sandbox.forge.github_graphql import query_cost
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from tests.conftest import NOW

pytestmark = pytest.mark.integration

REPOSITORIES = """
query($login: String!, $after: String) {
  organization(login: $login) {
    repositories(first: 10, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId nameWithOwner description isArchived isFork visibility pushedAt stargazerCount
        repositoryTopics(first: 20) { nodes { topic { name } } }
        languages(first: 10, orderBy: {field: SIZE, direction: DESC}) { edges { size node { name } } }
        licenseInfo { spdxId }
        defaultBranchRef { name }
      }
    }
  }
  rateLimit { cost remaining }
}
"""


@pytest.fixture(scope="module")
def forge() -> Iterator[FakeForge]:
    with FakeForge(build_sample_world(NOW)) as served:
        yield served


def ask(forge: FakeForge, query: str, **variables: Any) -> dict[str, Any]:
    client = Github(base_url=forge.github_api_url, auth=Auth.Token("sandbox-token"), retry=None)
    _, answer = client.requester.graphql_query(query, variables)
    data: dict[str, Any] = answer["data"]
    return data


def test_the_organisations_repositories_page_by_cursor_as_the_rest_api_lists_them(forge: FakeForge) -> None:
    seen: dict[str, dict[str, Any]] = {}
    after, pages = None, 0
    while True:
        page = ask(forge, REPOSITORIES, login="acme", after=after)["organization"]["repositories"]
        pages += 1
        seen.update({node["nameWithOwner"]: node for node in page["nodes"]})
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = {r.full_name: r for r in forge.world.repos if r.forge == "github" and r.namespace == "acme"}
    assert set(seen) == set(expected) and page["totalCount"] == len(expected)
    assert pages == -(-len(expected) // 10)
    for name, node in seen.items():
        repo = expected[name]
        assert (node["databaseId"], node["stargazerCount"], node["isArchived"], node["isFork"]) == (
            repo.id, repo.stars, repo.archived, repo.fork
        )  # fmt: skip
        assert node["visibility"] == repo.visibility.upper()
        assert [t["topic"]["name"] for t in node["repositoryTopics"]["nodes"]] == repo.topics
        sizes = [e["size"] for e in node["languages"]["edges"]]
        assert sizes == sorted(sizes, reverse=True) and sum(sizes) == sum(repo.languages.values())
        assert (node["defaultBranchRef"] is None) == repo.empty


def test_files_and_the_root_tree_come_through_object_expressions(forge: FakeForge) -> None:
    query = """
    query($owner: String!, $name: String!) {
      repository(owner: $owner, name: $name) {
        readme: object(expression: "HEAD:README.md") { ... on Blob { text byteSize } }
        missing: object(expression: "HEAD:NO-SUCH-FILE") { ... on Blob { text } }
        root: object(expression: "HEAD:") { ... on Tree { entries { name type } } }
        defaultBranchRef {
          target { ... on Commit { history(since: "2000-01-01T00:00:00Z") { totalCount } } }
        }
      }
    }
    """
    repo = forge.world.find_repo("github", "acme/aurora-design-system")
    assert repo is not None
    found = ask(forge, query, owner="acme", name="aurora-design-system")["repository"]
    assert found["readme"]["text"] == repo.files["README.md"]
    assert found["missing"] is None
    names = {entry["name"]: entry["type"] for entry in found["root"]["entries"]}
    assert names["README.md"] == "blob" and {p.split("/")[0] for p in repo.files} == set(names)
    assert found["defaultBranchRef"]["target"]["history"]["totalCount"] == sum(repo.weekly_commits)


def test_a_query_the_schema_does_not_allow_is_refused_as_github_refuses_it(forge: FakeForge) -> None:
    with pytest.raises(GithubException) as refused:
        ask(forge, 'query { organization(login: "acme") { repositories(first: 5) { nodes { stars } } } }')
    assert "Cannot query field 'stars' on type 'Repository'" in str(refused.value)
    unknown = ask(forge, 'query { repository(owner: "acme", name: "nope") { name } }')
    assert unknown["repository"] is None


def test_the_cost_is_githubs_documented_arithmetic(forge: FakeForge) -> None:
    # GitHub's own example: 100 repositories x 50 issues x 60 labels = 1 + 100 + 5,000 requests → 51.
    example = """query { viewer { login repositories(first: 100) { edges { node { id
      issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id } } } } } } } } } } }"""
    assert query_cost(parse(example), {}) == 51
    assert query_cost(parse(REPOSITORIES), {}) == 1  # 1 + 10 + 10 requests: rounds up to 1
    before = forge.world.graphql_points_used
    answer = ask(forge, REPOSITORIES, login="acme")
    assert answer["rateLimit"]["cost"] == 1 and forge.world.graphql_points_used == before + 1
