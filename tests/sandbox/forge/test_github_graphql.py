"""The fake GitHub's GraphQL endpoint, driven by PyGithub's own GraphQL requester: queries are
validated against GitHub's public schema, the data is the same World the REST API serves (commit
history, trees, blobs included), pages follow cursors, `rateLimit { cost }` is GitHub's documented
cost, and a batch of more repositories than the World allows times out as GitHub's do.
Issue search: test_github_graphql_search.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException
from graphql import parse

from bot.sandbox.forge.github_graphql import query_cost
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import FakeRepo, Fault, World
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


# -- commit history, trees, batch limits -----------------------------------------------------------
HISTORY = """
query($owner: String!, $name: String!, $after: String, $since: GitTimestamp, $until: GitTimestamp) {
  repository(owner: $owner, name: $name) {
    defaultBranchRef { target { ... on Commit {
      history(first: 100, after: $after, since: $since, until: $until) {
        totalCount pageInfo { hasNextPage endCursor } nodes { committedDate oid }
      }
    } } }
  }
}
"""


def rest(forge: FakeForge, path: str, **params: Any) -> Any:
    answer = requests.get(f"{forge.github_api_url}{path}", params={"per_page": 100, **params}, timeout=10)
    assert answer.status_code == 200 and 'rel="next"' not in answer.headers.get("Link", "")
    return answer.json()


def history(forge: FakeForge, repo: FakeRepo, **variables: Any) -> tuple[int, list[dict[str, str]], int]:
    """(totalCount, every commit node across pages, pages read)."""
    nodes: list[dict[str, str]] = []
    after, pages = None, 0
    while True:
        found = ask(forge, HISTORY, owner=repo.namespace, name=repo.name, after=after, **variables)
        page = found["repository"]["defaultBranchRef"]["target"]["history"]
        nodes, pages = nodes + page["nodes"], pages + 1
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], nodes, pages
        after = page["pageInfo"]["endCursor"]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_commit_history_nodes_fall_back_into_the_weekly_counts_rest_reports(forge: FakeForge) -> None:
    repo = max((r for r in forge.world.repos if r.forge == "github"), key=lambda r: sum(r.weekly_commits))
    total, nodes, pages = history(forge, repo)
    assert total == len(nodes) == sum(repo.weekly_commits) > 1000 and pages == -(-total // 100)
    times = [moment(node["committedDate"]) for node in nodes]
    assert times == sorted(times, reverse=True) and len({node["oid"] for node in nodes}) == total
    weeks = [0] * 52
    for at in times:
        weeks[51 - (NOW - at) // timedelta(weeks=1)] += 1
    participation = rest(forge, f"/repos/{repo.full_name}/stats/participation")["all"]
    assert weeks == repo.weekly_commits == participation


def test_commit_history_since_is_inclusive_and_until_exclusive(forge: FakeForge) -> None:
    repo = forge.world.find_repo("github", "acme/kafka-client")
    assert repo is not None
    _, nodes, _ = history(forge, repo)
    newer, older = nodes[3]["committedDate"], nodes[40]["committedDate"]
    total, between, _ = history(forge, repo, since=older, until=newer)
    assert total == len(between) == 37 and between == nodes[4:41]
    four_weeks = (NOW - timedelta(weeks=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert history(forge, repo, since=four_weeks)[0] == sum(repo.weekly_commits[-4:])


def test_a_tree_entry_carries_its_object_so_one_expression_reads_two_levels(forge: FakeForge) -> None:
    query = """
    query($name: String!) {
      repository(owner: "acme", name: $name) {
        github: object(expression: "HEAD:.github") { ... on Tree { entries { name path type oid
          object {
            ... on Tree { entries { name path type oid } }
            ... on Blob { text byteSize isBinary }
          }
        } } }
        missing: object(expression: "HEAD:.github/no-such-thing") { __typename }
        otherBranch: object(expression: "no-such-branch:README.md") { __typename }
      }
    }
    """
    repo = forge.world.find_repo("github", "acme/aurora-design-system")
    assert repo is not None
    found = ask(forge, query, name=repo.name)["repository"]
    assert found["missing"] is None and found["otherBranch"] is None
    shas = {
        e["path"]: e["sha"]
        for e in rest(forge, f"/repos/{repo.full_name}/git/trees/HEAD", recursive=1)["tree"]
    }
    seen: dict[str, str] = {}
    for entry in found["github"]["entries"]:
        seen[entry["path"]] = entry["oid"]
        if entry["type"] == "blob":
            text = repo.files[entry["path"]]
            assert entry["object"] == {"text": text, "byteSize": len(text.encode()), "isBinary": False}
        else:
            assert {e["type"] for e in entry["object"]["entries"]} <= {"blob", "tree"}
            seen.update({e["path"]: e["oid"] for e in entry["object"]["entries"]})
    two_levels = {p for p in shas if p.startswith(".github/") and p.count("/") <= 2}
    assert {"tree", "blob"} <= {e["type"] for e in found["github"]["entries"]}
    assert seen == {path: shas[path] for path in two_levels}


def batch(count: int) -> str:
    fields = " ".join(f'r{i}: repository(owner: "acme", name: "r{i}") {{ name }}' for i in range(count))
    return f"query {{ {fields} }}"


def test_a_batch_above_the_repository_limit_times_out_with_an_empty_502(
    world: World, fake_forge: FakeForge
) -> None:
    for i in range(3):
        world.new_repo("github", "acme", f"r{i}")
    world.graphql_max_repositories = 2
    assert ask(fake_forge, batch(2)) == {"r0": {"name": "r0"}, "r1": {"name": "r1"}}
    points = world.graphql_points_used
    answer = requests.post(
        f"http://127.0.0.1:{fake_forge.port}/api/graphql", json={"query": batch(3)}, timeout=10
    )
    assert (answer.status_code, answer.content) == (502, b"") and world.graphql_points_used == points
    with pytest.raises(GithubException) as timed_out:
        ask(fake_forge, batch(3))
    assert timed_out.value.status == 502 and world.graphql_requests == 3
    world.graphql_max_repositories = None
    assert len(ask(fake_forge, batch(3))) == 3


def test_injected_faults_answer_graphql_requests_first(world: World, fake_forge: FakeForge) -> None:
    world.new_repo("github", "acme", "r0")
    world.inject(Fault("github", "/graphql", 502, times=1))
    with pytest.raises(GithubException) as faulted:
        ask(fake_forge, batch(1))
    assert faulted.value.status == 502 and world.graphql_requests == 0
    assert ask(fake_forge, batch(1)) == {"r0": {"name": "r0"}} and world.graphql_requests == 1
