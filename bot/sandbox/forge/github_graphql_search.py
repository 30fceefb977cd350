"""`search(query:, type: ISSUE)` of the fake GitHub GraphQL API: issues and pull requests of the
World's GitHub repositories, with the values the REST API gives for the same records.

The query language is REST issue search's (`github_search.py`) plus what the GraphQL crawl needs:
`is:merged`, `merged:` dates and ranges, and `sort:{created,updated}-{asc,desc}`; without `sort:`
results come newest created first (the fake's "best match"). A qualifier the fake does not know is
an error rather than text, so a query relying on one is noticed. As on GitHub, only the first
1,000 results are reachable: later pages are empty while `issueCount` tells the true total.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from bot.sandbox.forge import github_search
from bot.sandbox.forge.github_graphql_shapes import JSON, actor, connection, repository
from bot.sandbox.forge.github_issue_shapes import label_json
from bot.sandbox.forge.github_shapes import iso, node_id
from bot.sandbox.forge.world import FakeComment, FakeIssue, FakePull, FakeRepo, FakeReview, World

SEARCH_CAP = 1000  # GitHub search never reaches past the 1,000th result
_OWN = re.compile(r"(?<!\S)(is:merged|merged:\S+|sort:\S+)(?!\S)", re.IGNORECASE)
_SORTS = {"created": "created", "updated": "updated"}

Item = FakeIssue | FakePull


@dataclass
class _Query:
    rest: github_search.IssueQuery
    merged: list[Callable[[datetime], bool]] = field(default_factory=list)  # empty: no merge filter
    only_merged: bool = False
    sort: str = "created"
    descending: bool = True

    def matches(self, repo: FakeRepo, item: Item) -> bool:
        if not self.rest.matches(repo, item):
            return False
        if not (self.only_merged or self.merged):
            return True
        merged_at = item.merged_at if isinstance(item, FakePull) else None
        return merged_at is not None and all(test(merged_at) for test in self.merged)


def _time_test(expression: str) -> Callable[[datetime], bool]:
    """The date test REST search applies to `created:` values, for `merged:`."""
    return github_search.parse(f"created:{expression}").time_filters[0][1]


def parse(text: str) -> _Query:
    own = [token.lower() for token in _OWN.findall(text)]
    query = _Query(github_search.parse(_OWN.sub(" ", text)))
    unknown = [word for word in query.rest.words if ":" in word]
    if unknown:
        raise github_search.QueryError(f"the fake forge does not support the qualifier {unknown[0]!r}")
    for token in own:
        key, _, value = token.partition(":")
        if key == "is":
            query.only_merged = True
        elif key == "merged":
            query.merged.append(_time_test(value))
        else:
            field_name, _, direction = value.partition("-")
            if field_name not in _SORTS or direction not in ("", "asc", "desc"):
                raise github_search.QueryError(f"the fake forge cannot sort by {value!r}")
            query.sort, query.descending = _SORTS[field_name], direction != "asc"
    return query


def search(world: World, web: str, text: str, search_type: str, first: int | None, after: str | None) -> JSON:
    if search_type != "ISSUE":
        raise ValueError(f"the fake forge searches issues only, not {search_type}")
    query = parse(text)
    found: list[tuple[FakeRepo, Item]] = [
        (repo, item)
        for repo in world.repos
        if repo.forge == "github"
        for item in chain[Item](repo.issues, repo.pulls)
        if query.matches(repo, item)
    ]
    key = github_search.sort_key(query.sort)
    found.sort(key=lambda pair: (key(pair[1]), pair[1].id), reverse=query.descending)

    def node(pair: tuple[FakeRepo, Item]) -> JSON:
        repo, item = pair
        if isinstance(item, FakePull):
            return pull_node(world, web, repo, item)
        return issue_node(world, web, repo, item)

    return {
        **connection(found[:SEARCH_CAP], first, after, node),
        "issueCount": len(found),
        **dict.fromkeys(("codeCount", "discussionCount", "repositoryCount", "userCount", "wikiCount"), 0),
    }


def _labels(repo: FakeRepo, names: list[str]) -> Callable[..., JSON]:
    def label(name: str) -> JSON:
        rest = label_json(repo, name, "")
        return {
            "id": rest["node_id"],
            "name": name,
            "color": rest["color"],
            "description": rest["description"],
            "isDefault": rest["default"],
        }

    return lambda info, first=None, after=None, **_: connection(list(names), first, after, label)


def _common(world: World, web: str, repo: FakeRepo, item: Item, kind: str) -> JSON:
    return {
        "__typename": kind,
        "id": node_id(kind, item.id),
        "databaseId": item.id,
        "fullDatabaseId": str(item.id),  # BigInt: GitHub sends it as a string
        "number": item.number,
        "title": item.title,
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
        "author": actor(world, item.author),
        "repository": repository(repo, web, world.now),
        "labels": _labels(repo, item.labels),
    }


def issue_node(world: World, web: str, repo: FakeRepo, issue: FakeIssue) -> JSON:
    closed = issue.state == "closed"
    return {
        **_common(world, web, repo, issue, "Issue"),
        "url": f"{web}/{repo.full_name}/issues/{issue.number}",
        "body": issue.body,
        "state": "CLOSED" if closed else "OPEN",
        "stateReason": "COMPLETED" if closed else None,
        "closed": closed,
        "closedAt": iso(issue.updated_at) if closed else None,  # as the REST issue gives it
        "assignees": lambda info, first=None, after=None, **_: connection(
            list(issue.assignees), first, after, lambda login: actor(world, login)
        ),
    }


def pull_node(world: World, web: str, repo: FakeRepo, pull: FakePull) -> JSON:
    def reviews(
        info: Any,
        first: int | None = None,
        after: str | None = None,
        states: Any = None,
        author: str | None = None,
        **_: Any,
    ) -> JSON:
        chosen = [
            review
            for review in sorted(pull.reviews, key=lambda r: r.id)  # the REST list's order
            if (not states or review.state in states) and (author is None or review.reviewer == author)
        ]
        return connection(chosen, first, after, lambda review: _review(world, review))

    return {
        **_common(world, web, repo, pull, "PullRequest"),
        "url": f"{web}/{repo.full_name}/pull/{pull.number}",
        "body": "",
        "state": pull.state.upper(),
        "closed": pull.state != "open",
        "merged": pull.state == "merged",
        "isDraft": False,
        "mergedAt": iso(pull.merged_at),
        "closedAt": iso(pull.ended_at),  # a merged pull request closed when it merged
        "reviews": reviews,
        "comments": lambda info, first=None, after=None, **_: connection(
            sorted(pull.comments, key=lambda c: c.id), first, after, lambda c: _comment(world, c)
        ),
    }


def _review(world: World, review: FakeReview) -> JSON:
    submitted = None if review.state == "PENDING" else iso(review.submitted_at)
    return {
        "id": node_id("PullRequestReview", review.id),
        "databaseId": review.id,
        "fullDatabaseId": str(review.id),
        "author": actor(world, review.reviewer),
        "state": review.state,
        "submittedAt": submitted,
        "createdAt": iso(review.submitted_at),
    }


def _comment(world: World, comment: FakeComment) -> JSON:
    return {
        "id": node_id("IssueComment", comment.id),
        "databaseId": comment.id,
        "author": actor(world, comment.author),
        "body": comment.body,
        "createdAt": iso(comment.created_at),
        "updatedAt": iso(comment.created_at),
    }
