"""The fake GitLab API's own contract: pagination headers, encoded paths, auth and 404s."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import World

pytestmark = pytest.mark.integration


@pytest.fixture
def api(fake_forge: FakeForge) -> str:
    return f"{fake_forge.gitlab_url}/api/v4"


def test_offset_pagination_headers_and_absolute_links(world: World, api: str) -> None:
    for i in range(45):
        world.new_repo("gitlab", "platform/security", f"p{i}")

    answer = requests.get(f"{api}/groups/platform%2Fsecurity/projects", params={"per_page": 20, "page": 2})

    assert answer.status_code == 200 and len(answer.json()) == 20
    h = answer.headers
    assert (h["X-Page"], h["X-Per-Page"], h["X-Total"], h["X-Total-Pages"]) == ("2", "20", "45", "3")
    assert (h["X-Next-Page"], h["X-Prev-Page"]) == ("3", "1")
    links = answer.links
    assert set(links) == {"next", "prev", "first", "last"}
    assert links["next"]["url"].startswith(f"{api}/groups/platform%2Fsecurity/projects?")
    assert "page=3" in links["next"]["url"] and "page=3" in links["last"]["url"]
    last = requests.get(links["last"]["url"])
    assert len(last.json()) == 5 and last.headers["X-Next-Page"] == "" and "next" not in last.links
    assert int(h["RateLimit-Remaining"]) < int(h["RateLimit-Limit"]) and h["RateLimit-Reset"].isdigit()


def test_group_projects_include_subgroups_only_when_asked(world: World, api: str) -> None:
    world.new_repo("gitlab", "platform", "api")
    world.new_repo("gitlab", "platform/security", "policies")

    own = requests.get(f"{api}/groups/platform/projects").json()
    deep = requests.get(f"{api}/groups/platform/projects", params={"include_subgroups": "true"}).json()

    assert [p["path_with_namespace"] for p in own] == ["platform/api"]
    assert {p["namespace"]["full_path"] for p in deep} == {"platform", "platform/security"}


def test_project_by_encoded_path_and_its_files(world: World, api: str) -> None:
    repo = world.new_repo("gitlab", "platform", "api", files={"docs/guide.md": "hi"}, fork=True)

    shape = requests.get(f"{api}/projects/platform%2Fapi").json()
    raw = requests.get(
        f"{api}/projects/{repo.id}/repository/files/docs%2Fguide.md/raw", params={"ref": "main"}
    )
    missing = requests.get(f"{api}/projects/{repo.id}/repository/files/README.md/raw")

    assert shape["id"] == repo.id and shape["forked_from_project"]["id"]
    assert shape["topics"] == shape["tag_list"] == [] and shape["empty_repo"] is False
    assert (raw.status_code, raw.text, raw.headers["Content-Type"].split(";")[0]) == (200, "hi", "text/plain")
    assert missing.status_code == 404 and missing.json() == {"message": "404 File Not Found"}


def test_tree_lists_folders_and_is_404_for_empty_repositories(world: World, api: str) -> None:
    repo = world.new_repo("gitlab", "platform", "api", files={"a.md": "", ".gitlab/issue_templates/b.md": ""})
    empty = world.new_repo("gitlab", "platform", "new", empty=True)

    root = requests.get(f"{api}/projects/{repo.id}/repository/tree").json()
    deep = requests.get(
        f"{api}/projects/{repo.id}/repository/tree", params={"path": ".gitlab", "recursive": "true"}
    ).json()

    assert [(e["type"], e["path"]) for e in root] == [("tree", ".gitlab"), ("blob", "a.md")]
    assert [e["path"] for e in deep] == [".gitlab/issue_templates", ".gitlab/issue_templates/b.md"]
    assert requests.get(f"{api}/projects/{empty.id}/repository/tree").status_code == 404
    assert (
        requests.get(f"{api}/projects/{repo.id}/repository/tree", params={"path": "nope"}).status_code == 404
    )


def test_required_token_is_checked(world: World, api: str) -> None:
    world.gitlab_groups = ["platform"]
    world.required_token = "t0ken"
    assert requests.get(f"{api}/groups/platform").status_code == 401
    assert requests.get(f"{api}/groups/platform", headers={"PRIVATE-TOKEN": "t0ken"}).status_code == 200


def test_group_issues_filter_by_all_labels_exactly_with_state_and_pages(world: World, api: str) -> None:
    top = world.new_repo("gitlab", "platform", "api")
    sub = world.new_repo("gitlab", "platform/security", "policies")
    old = world.new_repo("gitlab", "platform", "old", archived=True)
    for n in range(130):
        world.add_issue(top if n % 2 else sub, f"gfi {n}", "a", ["good first issue"])
    both = world.add_issue(sub, "both", "a", ["good first issue", "help wanted"])
    world.add_issue(top, "closed", "a", ["good first issue"], state="closed")
    world.add_issue(top, "capitalised", "a", ["Good First Issue"])
    world.add_issue(old, "archived project", "a", ["good first issue"])
    url = f"{api}/groups/platform/issues"
    query: dict[str, str | int] = {
        "state": "opened",
        "scope": "all",
        "labels": "good first issue",
        "per_page": 100,
    }

    first = requests.get(url, params=query)
    second = requests.get(first.links["next"]["url"])
    all_of = requests.get(url, params={**query, "labels": "good first issue,help wanted"}).json()

    assert (first.headers["X-Total"], first.headers["X-Total-Pages"]) == ("131", "2")
    titles = {i["title"] for i in first.json() + second.json()}
    assert len(titles) == 131 and "both" in titles  # subgroups in; closed, case variants, archived out
    assert {i["state"] for i in first.json()} == {"opened"}
    assert [i["id"] for i in all_of] == [both.id]  # a comma list means all of the labels


def test_group_merge_requests_cover_subgroups_but_not_archived_projects_or_other_groups(
    world: World, api: str
) -> None:
    top = world.new_repo("gitlab", "platform", "api")
    sub = world.new_repo("gitlab", "platform/security", "policies")
    old = world.new_repo("gitlab", "platform", "old", archived=True)
    other = world.new_repo("gitlab", "marketing", "site")
    for repo in (top, sub, old, other):
        world.add_pull(repo, f"Fix {repo.name}", "a")
    url = f"{api}/groups/platform/merge_requests"

    default = requests.get(url, params={"scope": "all"}).json()
    with_archived = requests.get(url, params={"scope": "all", "non_archived": "false"}).json()
    subgroup = requests.get(f"{api}/groups/platform%2Fsecurity/merge_requests").json()

    assert {m["title"] for m in default} == {"Fix api", "Fix policies"}
    assert {m["title"] for m in with_archived} == {"Fix api", "Fix policies", "Fix old"}
    assert [(m["title"], m["project_id"]) for m in subgroup] == [("Fix policies", sub.id)]
    assert requests.get(url, params={"scope": "everything"}).status_code == 400
    assert requests.get(url, params={"scope": "created_by_me"}).json() == []  # the token is nobody's
    assert requests.get(f"{api}/groups/nope/merge_requests").status_code == 404


def test_group_merge_requests_filter_by_state_and_update_then_sort_and_page(world: World, api: str) -> None:
    top = world.new_repo("gitlab", "platform", "api")
    sub = world.new_repo("gitlab", "platform/security", "policies")
    since = world.now - timedelta(days=10)
    for n in range(120):  # one every 2 hours, alternating projects: 120 inside the window
        world.add_pull(top if n % 2 else sub, f"mr {n}", "a", created_at=world.now - timedelta(hours=2 * n))
    merged = world.add_pull(top, "merged", "a", state="merged", created_at=since + timedelta(days=1))
    world.add_pull(sub, "too old", "a", created_at=since - timedelta(seconds=1))
    world.add_pull(top, "on the edge", "a", created_at=since)  # updated_after is inclusive
    url = f"{api}/groups/platform/merge_requests"
    query: dict[str, str | int] = {
        "state": "all",
        "scope": "all",
        "order_by": "updated_at",
        "sort": "desc",
        "updated_after": since.isoformat(),
        "per_page": 100,
    }

    first = requests.get(url, params=query)
    second = requests.get(first.links["next"]["url"])
    only_merged = requests.get(url, params={**query, "state": "merged"}).json()

    h = first.headers
    assert (h["X-Total"], h["X-Total-Pages"], h["X-Next-Page"], h["X-Page"]) == ("122", "2", "2", "1")
    assert first.links["next"]["url"].startswith(f"{api}/groups/platform/merge_requests?")
    assert second.headers["X-Next-Page"] == "" and "next" not in second.links
    listed = first.json() + second.json()
    assert len(listed) == 122 and {m["project_id"] for m in listed} == {top.id, sub.id}
    updated = [m["updated_at"] for m in listed]
    assert updated == sorted(updated, reverse=True) and listed[-1]["title"] == "on the edge"
    assert [m["id"] for m in only_merged] == [merged.id]
    assert requests.get(url, params={"state": "open"}).status_code == 400  # GitLab says "opened"
