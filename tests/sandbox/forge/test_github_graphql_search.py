"""Issue search through the fake GitHub's GraphQL endpoint (`search(type: ISSUE)`), driven by
PyGithub's GraphQL requester: pull requests with their reviews and comments, and issues, carry the
values the REST fake serves for the same records; GitHub's qualifiers, sort orders, the 1,000-result
cap and the cost of nested connections hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from github import GithubException
from graphql import parse

from bot.sandbox.forge.github_graphql import query_cost
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import World
from tests.conftest import NOW
from tests.sandbox.forge.test_github_graphql import ask, rest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def forge() -> Iterator[FakeForge]:
    with FakeForge(build_sample_world(NOW)) as served:
        yield served


PULLS = """
query($q: String!, $after: String) {
  search(query: $q, type: ISSUE, first: 20, after: $after) {
    issueCount pageInfo { hasNextPage endCursor }
    nodes { ... on PullRequest {
      id databaseId number title url state createdAt updatedAt mergedAt closedAt
      author { login __typename } repository { databaseId nameWithOwner }
      reviews(first: 100) { totalCount nodes { databaseId author { login __typename } state submittedAt } }
      comments(first: 100) { totalCount nodes { databaseId author { login __typename } createdAt } }
    } }
  }
}
"""


def search_all(forge: FakeForge, query: str, q: str) -> tuple[int, list[dict[str, Any]]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = ask(forge, query, q=q, after=after)["search"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return page["issueCount"], nodes
        after = page["pageInfo"]["endCursor"]


def who(user: dict[str, Any]) -> tuple[str, str]:
    """(GraphQL login, type) of a REST user: GraphQL names a Bot without REST's "[bot]" suffix."""
    login = user["login"].removesuffix("[bot]") if user["type"] == "Bot" else user["login"]
    return login, user["type"]


def assert_pulls_as_rest_serves_them(forge: FakeForge, nodes: list[dict[str, Any]]) -> None:
    """Every field equals the REST fake's value for the same pull request, review and comment."""
    for repo_name in {node["repository"]["nameWithOwner"] for node in nodes}:
        listed = {p["number"]: p for p in rest(forge, f"/repos/{repo_name}/pulls", state="all")}
        comments = rest(forge, f"/repos/{repo_name}/issues/comments")
        database_id = rest(forge, f"/repos/{repo_name}")["id"]
        for node in (n for n in nodes if n["repository"]["nameWithOwner"] == repo_name):
            pull = listed[node["number"]]
            state = "MERGED" if pull["merged_at"] else pull["state"].upper()
            assert (node["id"], node["databaseId"], node["title"], node["url"], node["state"]) == (
                pull["node_id"], pull["id"], pull["title"], pull["html_url"], state
            )  # fmt: skip
            assert (node["createdAt"], node["updatedAt"], node["mergedAt"], node["closedAt"]) == (
                pull["created_at"], pull["updated_at"], pull["merged_at"], pull["closed_at"]
            )  # fmt: skip
            assert (node["author"]["login"], node["author"]["__typename"]) == who(pull["user"])
            assert node["repository"]["databaseId"] == database_id
            reviews = rest(forge, f"/repos/{repo_name}/pulls/{pull['number']}/reviews")
            assert node["reviews"]["totalCount"] == len(reviews)
            assert [
                (
                    r["databaseId"],
                    r["author"]["login"],
                    r["author"]["__typename"],
                    r["state"],
                    r["submittedAt"],
                )
                for r in node["reviews"]["nodes"]
            ] == [(r["id"], *who(r["user"]), r["state"], r.get("submitted_at")) for r in reviews]
            theirs = [c for c in comments if c["issue_url"].endswith(f"/issues/{pull['number']}")]
            assert node["comments"]["totalCount"] == len(theirs)
            assert [
                (c["databaseId"], c["author"]["login"], c["author"]["__typename"], c["createdAt"])
                for c in node["comments"]["nodes"]
            ] == [(c["id"], *who(c["user"]), c["created_at"]) for c in theirs]


def test_merged_pull_requests_found_by_org_and_updated_range_are_what_rest_serves(forge: FakeForge) -> None:
    start, end = NOW - timedelta(days=90), NOW - timedelta(days=10)
    span = f"{start:%Y-%m-%dT%H:%M:%SZ}..{end:%Y-%m-%dT%H:%M:%SZ}"
    q = f"org:acme is:pr is:merged updated:{span} sort:updated-asc"
    total, nodes = search_all(forge, PULLS, q)
    expected = sorted(
        (p for r in forge.world.repos_of("github", "acme") for p in r.pulls
         if p.state == "merged" and start <= p.updated_at <= end),
        key=lambda p: (p.updated_at, p.id),
    )  # fmt: skip
    assert total == len(nodes) == len(expected) > 20
    assert [n["databaseId"] for n in nodes] == [p.id for p in expected]
    assert_pulls_as_rest_serves_them(forge, nodes)
    merged_since = ask(forge, PULLS, q="org:acme merged:>=2026-10-01")["search"]  # GitHub's pulls only
    assert merged_since["issueCount"] == sum(
        1
        for r in forge.world.repos_of("github", "acme")
        for p in r.pulls
        if p.merged_at and p.merged_at >= datetime(2026, 10, 1, tzinfo=UTC)
    )


@pytest.fixture
def small(world: World, fake_forge: FakeForge) -> FakeForge:
    """Closed, merged and open pull requests by people, bots and unknown logins; labelled issues."""
    world.github_orgs = ["acme"]
    world.add_user("ana")
    world.add_user("renovate", bot=True)
    widgets = world.new_repo("github", "acme", "widgets")
    attic = world.new_repo("github", "acme", "attic", archived=True)
    elsewhere = world.new_repo("github", "other", "widgets")
    day = timedelta(days=1)
    merged = world.add_pull(widgets, "Merge me", "ana", created_at=NOW - 9 * day, state="merged",
                            merged_at=NOW - 8 * day)  # fmt: skip
    world.add_review(merged, "renovate", "COMMENTED", NOW - 8 * day - timedelta(hours=2))
    world.add_review(merged, "ghost", "APPROVED", NOW - 8 * day - timedelta(hours=1))
    world.add_comment(merged, "ghost", NOW - 8 * day - timedelta(hours=3))
    world.close_pull(world.add_pull(widgets, "Close me", "dependabot[bot]", created_at=NOW - 7 * day),
                     NOW - 6 * day)  # fmt: skip
    world.add_pull(attic, "Still open", "ana", created_at=NOW - 5 * day, labels=["good first issue"])
    world.add_pull(elsewhere, "Not ours", "ana", created_at=NOW - 5 * day)
    both = ["good first issue", "help wanted"]
    world.add_issue(widgets, "Both labels", "ana", both, created_at=NOW - 4 * day, assignees=["ana"])
    world.add_issue(widgets, "One label", "ana", ["good first issue"], created_at=NOW - 3 * day)
    world.add_issue(attic, "Both, archived", "ghost", both, created_at=NOW - 2 * day)
    world.add_issue(widgets, "Both, closed", "ana", both, created_at=NOW - day, state="closed")
    return fake_forge


def test_pull_requests_of_archived_repositories_bots_and_unknown_logins_match_rest(small: FakeForge) -> None:
    total, nodes = search_all(small, PULLS, "org:acme is:pr")
    assert [n["title"] for n in nodes] == ["Still open", "Close me", "Merge me"]  # newest first
    assert [n["state"] for n in nodes] == ["OPEN", "CLOSED", "MERGED"] and total == 3
    assert [n["author"]["__typename"] for n in nodes] == ["User", "Bot", "User"]
    merged = nodes[2]
    assert merged["closedAt"] == merged["mergedAt"] and nodes[1]["mergedAt"] is None
    assert [r["author"]["__typename"] for r in merged["reviews"]["nodes"]] == ["Bot", "User"]
    assert_pulls_as_rest_serves_them(small, nodes)
    for q, titles in (
        ("org:acme is:pr is:merged", ["Merge me"]),
        ("org:acme is:pr is:closed", ["Close me", "Merge me"]),
    ):
        assert [n["title"] for n in search_all(small, PULLS, q)[1]] == titles


ISSUES = """
query($q: String!, $after: String) {
  search(query: $q, type: ISSUE, first: 100, after: $after) {
    issueCount pageInfo { hasNextPage endCursor }
    edges { node { ... on Issue {
      id databaseId number title url state createdAt updatedAt closedAt author { login __typename }
      labels(first: 20) { nodes { name } } assignees(first: 10) { nodes { login } }
      repository { nameWithOwner }
    } } }
  }
}
"""


def test_issues_by_quoted_labels_and_state_are_what_rest_search_finds(small: FakeForge) -> None:
    for q in ('org:acme is:issue is:open label:"good first issue" label:"help wanted"',
              'org:acme is:issue is:closed label:"help wanted"', "repo:acme/widgets is:issue"):  # fmt: skip
        edges = ask(small, ISSUES, q=q)["search"]["edges"]
        items = rest(small, "/search/issues", q=q)["items"]
        assert len(edges) == len(items) > 0
        for edge, item in zip(edges, items, strict=True):
            node = edge["node"]
            assert (node["id"], node["databaseId"], node["number"], node["title"], node["url"]) == (
                item["node_id"], item["id"], item["number"], item["title"], item["html_url"]
            )  # fmt: skip
            assert (node["state"], node["createdAt"], node["updatedAt"], node["closedAt"]) == (
                item["state"].upper(), item["created_at"], item["updated_at"], item["closed_at"]
            )  # fmt: skip
            assert (node["author"]["login"], node["author"]["__typename"]) == who(item["user"])
            assert [label["name"] for label in node["labels"]["nodes"]] == [
                lb["name"] for lb in item["labels"]
            ]
            assert [a["login"] for a in node["assignees"]["nodes"]] == [a["login"] for a in item["assignees"]]
            assert item["repository_url"].endswith("/repos/" + node["repository"]["nameWithOwner"])
    titles = [e["node"]["title"] for e in ask(small, ISSUES, q=q)["search"]["edges"]]
    assert titles == ["Both, closed", "One label", "Both labels"]
    open_both = 'org:acme is:issue is:open label:"good first issue" label:"help wanted"'
    assert [e["node"]["title"] for e in ask(small, ISSUES, q=open_both)["search"]["edges"]] == [
        "Both, archived", "Both labels"
    ]  # fmt: skip


def test_search_reaches_the_first_thousand_results_and_counts_them_all(
    world: World, fake_forge: FakeForge
) -> None:
    busy = world.new_repo("github", "acme", "busy")
    for n in range(1050):
        world.add_issue(busy, f"Issue {n}", "ana", [], created_at=NOW - timedelta(minutes=n))
    after, seen = None, []
    for _ in range(10):
        page = ask(fake_forge, ISSUES, q="repo:acme/busy", after=after)["search"]
        seen += [e["node"]["title"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
    assert page["pageInfo"]["hasNextPage"] is False and seen == [f"Issue {n}" for n in range(1000)]
    beyond = ask(fake_forge, ISSUES, q="repo:acme/busy", after=after)["search"]
    assert beyond["edges"] == [] and beyond["issueCount"] == 1050


def test_search_refuses_qualifiers_and_types_it_does_not_know(small: FakeForge) -> None:
    with pytest.raises(GithubException) as refused:
        ask(small, ISSUES, q="org:acme is:pr draft:true")
    assert "draft:true" in str(refused.value)
    with pytest.raises(GithubException) as wrong_type:
        ask(small, 'query { search(query: "acme", type: REPOSITORY, first: 5) { repositoryCount } }')
    assert "REPOSITORY" in str(wrong_type.value)
    pulls = "nodes { ... on PullRequest { reviewer } }"
    with pytest.raises(GithubException) as misspelt:
        ask(small, f'query {{ search(query: "x", type: ISSUE, first: 5) {{ {pulls} }} }}')
    assert "Cannot query field 'reviewer' on type 'PullRequest'" in str(misspelt.value)


def test_search_costs_its_connections_as_github_counts_them(small: FakeForge) -> None:
    reviews = """query { search(query: "org:acme", type: ISSUE, first: 100) { nodes { ... on PullRequest {
      reviews(first: 100) { totalCount } %s } } } rateLimit { cost } }"""
    assert query_cost(parse(reviews % ""), {}) == 1  # 1 + 100 requests
    with_comments = reviews % "comments(first: 100) { totalCount }"
    assert query_cost(parse(with_comments), {}) == 2  # 1 + 100 + 100
    assert ask(small, with_comments)["rateLimit"]["cost"] == 2
