"""ForgeEvents over a crawled slice of the sample organisation: each event kind, duplicates, foreign
and unknown repositories (looked up through the fake forge's API, never trusted from the payload)."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import session_scope
from bot.db.models import GoodFirstIssue, Project
from bot.db.operations import WebhookDelivery
from bot.sandbox.forge.world import Fault
from bot.services.forge_events import ForgeEvents, Outcome, prune_deliveries
from bot.services.forge_payloads import github_event, gitlab_event
from tests.conftest import NOW
from tests.services.forge_event_support import (
    GFI,
    Catalog,
    catalog_fixture,  # noqa: F401  (the `catalog` fixture)
    example,
    github_issue,
    github_payload,
    gitlab_issue,
    gitlab_payload,
    webhook_catalog,
)


@pytest.fixture
def events(catalog: Catalog) -> ForgeEvents:
    return catalog.events()


_deliveries = iter(range(1, 1_000_000))


def github(events: ForgeEvents, event: str, payload: dict[str, Any], delivery: str | None = None) -> Outcome:
    return events.handle(github_event(event, payload), f"github:{delivery or next(_deliveries)}")


def gitlab(events: ForgeEvents, event: str, payload: dict[str, Any], delivery: str | None = None) -> Outcome:
    return events.handle(gitlab_event(event, payload), f"gitlab:{delivery or next(_deliveries)}")


# -- GitHub issues ---------------------------------------------------------------------------------
def test_a_labelled_issue_becomes_a_good_first_issue_and_is_routed_after_commit(catalog: Catalog) -> None:
    repo = catalog.repo("acme/aurora-design-system")
    seen_by_router: list[tuple[int, str]] = []

    def route(issue_id: int) -> None:  # runs after the commit: a fresh session already sees the row
        with session_scope(catalog.core.sessions) as session:
            row = session.get(GoodFirstIssue, issue_id)
            assert row is not None
            seen_by_router.append((row.number, row.state))

    outcome = github(
        catalog.events(route), "issues", github_issue("issues.labeled", repo, number=90, labels=[GFI])
    )

    assert (outcome.status, outcome.result) == (200, "applied")
    assert (90, "open", ["Codertocat"]) in catalog.issues(repo)
    assert seen_by_router == [(90, "open")]


def test_issue_lifecycle_unlabelled_assigned_closed_reopened(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/aurora-design-system")
    steps = iter(range(1, 100))

    def send(
        name: str, labels: list[str], action: str | None = None, **fields: Any
    ) -> tuple[int, str, list[str]]:
        # Each step is later than the one before, as on the forge (the examples' times are unordered).
        at = (NOW + timedelta(minutes=next(steps))).isoformat()
        payload = github_issue(name, repo, number=91, labels=labels, updated_at=at, **fields)
        payload["action"] = action or payload["action"]
        assert github(events, "issues", payload).status == 200
        return next(row for row in catalog.issues(repo) if row[0] == 91)

    assert send("issues.opened", [GFI], assignees=[], assignee=None) == (91, "open", [])
    assert send("issues.unlabeled", [])[1] == "unlabelled"
    assert send("issues.labeled", ["bug", GFI])[1] == "open"
    assert send("issues.assigned", [GFI]) == (91, "open", ["Codertocat"])
    assert send("issues.opened", [GFI], "closed", state="closed")[1] == "closed"
    assert send("issues.opened", [GFI], "reopened")[1] == "open"
    assert catalog.routed == [catalog.issue_id(repo, 91)] * 6


def test_an_older_delivery_arriving_late_does_not_undo_a_newer_one(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("acme/aurora-design-system")
    newer = github_issue("issues.labeled", repo, number=92, labels=[GFI], updated_at="2026-11-01T12:00:00Z")
    older = github_issue("issues.unlabeled", repo, number=92, labels=[], updated_at="2026-11-01T11:00:00Z")
    github(events, "issues", newer)
    outcome = github(events, "issues", older)
    assert outcome.detail == "the catalog already has a newer version of the issue"
    assert catalog.issues(repo)[-1][:2] == (92, "open")


def test_an_issue_without_a_good_first_issue_label_is_not_kept(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/aurora-design-system")
    before = catalog.issues(repo)
    outcome = github(events, "issues", github_payload("issues.opened", repo))  # labelled "bug" only
    assert (outcome.status, outcome.detail) == (200, "not a good-first-issue")
    assert catalog.issues(repo) == before
    assert catalog.routed == []


def test_a_duplicate_delivery_is_processed_once(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/aurora-design-system")
    payload = github_issue("issues.labeled", repo, number=93, labels=[GFI])
    first = github(events, "issues", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    again = github(events, "issues", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert (first.result, again.result) == ("applied", "duplicate")
    assert again.status == 200
    assert len(catalog.routed) == 1


# -- repositories outside, unknown, unlisted -------------------------------------------------------
def test_the_published_example_is_outside_the_configured_organisations(
    catalog: Catalog, events: ForgeEvents
) -> None:
    before = catalog.totals()
    for name in ("issues.opened", "pull_request_review.submitted", "repository.created"):
        event = name.partition(".")[0]
        outcome = github(events, event, example(f"github/webhooks/{name}.json"))  # Codertocat/Hello-World
        assert (outcome.status, outcome.result) == (202, "ignored")
    outcome = gitlab(events, "Issue Hook", example("gitlab/webhooks/issue.json"))  # gitlabhq/gitlab-test
    assert outcome.status == 202
    assert catalog.totals() == before
    assert catalog.world.requests() == []  # not even a look-up for someone else's repository


def test_an_unknown_repository_is_looked_up_before_its_issue_is_kept(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.world.new_repo("github", "acme", "new-service", description="Created after the crawl")
    outcome = github(events, "issues", github_issue("issues.opened", repo, number=1, labels=[GFI]))
    assert outcome.status == 200
    assert len(catalog.world.requests("github", "/repos/acme/new-service")) == 1
    project = catalog.project(repo.id)
    assert project is not None and project.listed and not project.details_complete  # the crawl reads it
    assert catalog.issues(repo) == [(1, "open", ["Codertocat"])]


def test_an_unknown_repository_the_forge_does_not_show_changes_nothing(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.world.new_repo("github", "acme", "secret-thing")
    catalog.world.remove_repo(repo)  # the payload names it; the API (as this token sees it) does not
    before = catalog.totals()
    outcome = github(events, "issues", github_issue("issues.opened", repo, number=1, labels=[GFI]))
    assert (outcome.status, outcome.detail) == (202, "the forge does not show this repository")
    assert len(catalog.world.requests("github", "/repos/acme/secret-thing")) == 1
    assert catalog.totals() == before


def test_the_payload_never_decides_visibility(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.world.new_repo("github", "acme", "payroll", visibility="private")
    payload = github_issue("issues.opened", repo, number=1, labels=[GFI])
    assert payload["repository"]["visibility"] == "public"  # what the example claims
    before = catalog.totals()
    outcome = github(events, "issues", payload)
    assert (outcome.status, outcome.detail) == (202, "the repository is not listed (private)")
    assert catalog.totals() == before


def test_issues_of_an_unlisted_project_change_nothing(catalog: Catalog, events: ForgeEvents) -> None:
    never_listed = catalog.repo("acme/old-monolith")  # archived before the first crawl: no row at all
    unlisted = catalog.repo("acme/kafka-client")
    unlisted.archived = True
    github(events, "repository", github_payload("repository.privatized", unlisted, action="archived"))
    before = catalog.totals()
    outcome = github(events, "issues", github_issue("issues.opened", never_listed, number=70, labels=[GFI]))
    assert (outcome.status, outcome.detail) == (202, "the repository is not listed (archived)")
    outcome = github(events, "issues", github_issue("issues.opened", unlisted, number=70, labels=[GFI]))
    assert (outcome.status, outcome.detail) == (202, "the project is not listed")
    assert catalog.totals() == before


def test_a_forge_that_cannot_answer_gets_503_and_nothing_is_stored(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.world.new_repo("github", "acme", "flaky")
    catalog.world.inject(Fault("github", "/repos/acme/flaky", 401, body='{"message": "Bad credentials"}'))
    before = catalog.totals()
    outcome = github(events, "issues", github_issue("issues.opened", repo, number=1, labels=[GFI]))
    assert (outcome.status, outcome.result) == (503, "unavailable")
    assert catalog.totals() == before


# -- the ledger ------------------------------------------------------------------------------------
def test_a_merged_pull_request_is_recorded_once(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/kafka-client")
    payload = github_payload("pull_request.closed", repo)
    payload["pull_request"].update(merged=True, merged_at="2026-10-30T10:00:00Z", number=500, id=77_000_500)
    before = len(catalog.ledger())
    assert github(events, "pull_request", payload).status == 200
    detail = github(events, "pull_request", payload).detail  # another delivery
    assert detail == "0 new ledger entries; change request #500 merged"
    assert len(catalog.ledger()) == before + 1
    assert ("merged_change", "Codertocat", 500) in catalog.ledger()


def test_a_pull_request_closed_without_merging_is_a_closed_change_request(
    catalog: Catalog, events: ForgeEvents
) -> None:
    before = len(catalog.ledger())
    payload = github_payload("pull_request.closed", catalog.repo("acme/kafka-client"))
    outcome = github(events, "pull_request", payload)
    assert (outcome.status, outcome.detail) == (200, "0 new ledger entries; change request #2 closed")
    assert len(catalog.ledger()) == before


def test_a_submitted_review_is_recorded(catalog: Catalog, events: ForgeEvents) -> None:
    payload = github_payload("pull_request_review.submitted", catalog.repo("acme/kafka-client"))
    assert (
        github(events, "pull_request_review", payload).detail
        == "1 new ledger entries; change request #2 open"
    )
    assert ("review", "Codertocat", payload["pull_request"]["number"]) in catalog.ledger()


# -- repository events -----------------------------------------------------------------------------
def test_privatized_then_publicized(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/kafka-client")
    repo.visibility = "private"
    outcome = github(events, "repository", github_payload("repository.privatized", repo))
    assert outcome.detail == "the project is unlisted (private)"
    project = catalog.project(repo.id)
    assert project is not None and (project.listed, project.unlisted_reason) == (False, "private")
    repo.visibility = "public"
    outcome = github(events, "repository", github_payload("repository.publicized", repo))
    assert outcome.detail == "the project is listed"
    project = catalog.project(repo.id)
    assert project is not None and project.listed and project.visibility == "public"
    assert not project.details_complete  # re-read whole by the next crawl
    assert len(catalog.world.requests("github", "/repos/acme/kafka-client")) == 2


def test_a_private_repository_with_the_opt_in_topic_stays_listed(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("acme/pricing-engine")  # private, topic "innersource"
    outcome = github(events, "repository", github_payload("repository.privatized", repo))
    assert outcome.detail == "the project is listed"
    project = catalog.project(repo.id)
    assert project is not None and project.listed


def test_archived_and_deleted_unlist(catalog: Catalog, events: ForgeEvents) -> None:
    archived, deleted = catalog.repo("acme/kafka-client"), catalog.repo("acme/aurora-design-system")
    archived.archived = True
    github(events, "repository", github_payload("repository.privatized", archived, action="archived"))
    catalog.world.remove_repo(deleted)
    catalog.world.clear_log()
    github(events, "repository", github_payload("repository.deleted", deleted))
    assert catalog.world.requests() == []  # a deleted repository is not looked up
    for repo, reason in ((archived, "archived"), (deleted, "deleted")):
        project = catalog.project(repo.id)
        assert project is not None and (project.listed, project.unlisted_reason) == (False, reason)


def test_created_lists_a_new_repository(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.world.new_repo(
        "github", "acme", "fresh-start", description="Brand new", visibility="internal"
    )
    outcome = github(events, "repository", github_payload("repository.created", repo))
    assert outcome.detail == "the project is listed"
    project = catalog.project(repo.id)
    assert project is not None and (project.full_name, project.namespace) == ("acme/fresh-start", "acme")


def test_renamed_keeps_the_forge_id(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/kafka-client")
    repo.name = "kafka-client-java"
    payload = github_payload("repository.renamed", repo)
    assert payload["changes"]["repository"]["name"]["from"]  # the example says what it was called
    assert github(events, "repository", payload).status == 200
    project = catalog.project(repo.id)
    assert project is not None
    assert (project.full_name, project.name) == ("acme/kafka-client-java", "kafka-client-java")
    assert project.web_url.endswith("/acme/kafka-client-java")


# -- GitLab ----------------------------------------------------------------------------------------
def test_gitlab_issue_hook_opens_and_closes_a_good_first_issue(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    outcome = gitlab(events, "Issue Hook", gitlab_issue(repo, iid=40, labels=[GFI]))
    assert outcome.status == 200
    assert (40, "open", ["user1"]) in catalog.issues(repo)
    closed = gitlab_issue(repo, iid=40, labels=[GFI], state="closed", action="close")
    closed["object_attributes"]["updated_at"] = "2026-11-01 10:00:00 UTC"  # GitLab's older format
    gitlab(events, "Issue Hook", closed)
    assert (40, "closed", ["user1"]) in catalog.issues(repo)
    assert catalog.routed == [catalog.issue_id(repo, 40)] * 2


def test_a_confidential_gitlab_issue_is_never_offered(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    before = catalog.issues(repo)
    gitlab(events, "Confidential Issue Hook", gitlab_issue(repo, iid=41, labels=[GFI], confidential=True))
    assert catalog.issues(repo) == before


def test_gitlab_merge_and_approval_go_to_the_ledger(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    merged = gitlab_payload(
        "merge_request", repo, action="merge", state="merged", author_id=1, iid=300, id=9300
    )
    assert gitlab(events, "Merge Request Hook", merged).detail.startswith("1 new ledger entries;")
    approved = gitlab_payload("merge_request", repo, action="approved", iid=300, id=9300)
    assert gitlab(events, "Merge Request Hook", approved).detail.startswith("1 new ledger entries;")
    assert {("merged_change", "root", 300), ("review", "root", 300)} <= set(catalog.ledger())


def test_gitlab_merge_by_the_author_needs_no_look_up(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    merged = gitlab_payload("merge_request", repo, action="merge", author_id=1, iid=301, id=9301)
    assert (
        gitlab(events, "Merge Request Hook", merged).detail
        == "1 new ledger entries; change request #301 merged"
    )
    assert catalog.world.requests("gitlab", "/users") == []  # `user` (root, id 1) is the author


def test_gitlab_merge_by_someone_else_names_the_author_through_the_forge_once(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    dmitri = catalog.world.users["dmitri"]
    for iid in (302, 303):  # merged by root (the example's `user`), written by dmitri
        merged = gitlab_payload("merge_request", repo, action="merge", author_id=dmitri.id, iid=iid, id=iid)
        assert gitlab(events, "Merge Request Hook", merged).detail.startswith("1 new ledger entries;")
    assert {("merged_change", "dmitri", 302), ("merged_change", "dmitri", 303)} <= set(catalog.ledger())
    assert catalog.user_lookups(dmitri.id) == 1  # the second merge is answered from the cache


def test_a_gitlab_merge_author_the_forge_does_not_know_is_left_to_the_crawl(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    before = catalog.totals()
    merged = gitlab_payload("merge_request", repo, action="merge", state="merged")  # author 51, merged by 1
    outcome = gitlab(events, "Merge Request Hook", merged)
    assert (outcome.status, outcome.detail) == (202, "merge author unknown; the next crawl records it")
    assert catalog.user_lookups(51) == 1
    assert catalog.totals() == before


def test_a_failed_author_look_up_answers_503_stores_nothing_and_is_not_cached(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    elena = catalog.world.users["elena"]
    catalog.world.inject(Fault("gitlab", f"/users/{elena.id}", 429, headers={"Retry-After": "3600"}))
    merged = gitlab_payload("merge_request", repo, action="merge", author_id=elena.id, iid=304, id=9304)
    before = catalog.totals()
    outcome = gitlab(events, "Merge Request Hook", merged, delivery="retried")
    assert (outcome.status, outcome.result) == (503, "unavailable")
    assert outcome.detail == "the forge could not be asked who the author is"
    assert catalog.totals() == before  # not even the delivery key: GitLab's retry is processed
    assert gitlab(events, "Merge Request Hook", merged, delivery="retried").result == "applied"
    assert ("merged_change", "elena", 304) in catalog.ledger()
    assert catalog.user_lookups(elena.id) == 2


def test_a_gitlab_issue_first_seen_on_update_gets_its_author_from_the_forge(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")
    elena = catalog.world.users["elena"]

    def update(iid: int, author_id: int, labels: list[str]) -> Outcome:
        payload = gitlab_issue(repo, iid=iid, labels=labels, action="update", author_id=author_id)
        return gitlab(events, "Issue Hook", payload)

    assert update(50, elena.id, ["bug"]).detail == "not a good-first-issue"
    assert catalog.user_lookups(elena.id) == 0  # nothing would be stored: nobody is asked
    assert update(50, elena.id, [GFI]).detail == "issue #50 is open"  # labelled later: a new row
    assert update(51, elena.id, [GFI]).status == 200
    assert (catalog.author(repo, 50), catalog.author(repo, 51)) == ("elena", "elena")
    assert catalog.user_lookups(elena.id) == 1  # then the cache
    catalog.world.clear_log()
    assert update(50, elena.id, ["bug", GFI]).status == 200  # the row exists: its author is kept
    assert update(52, 51, [GFI]).status == 200  # no such user: the row has no author, as before
    assert catalog.author(repo, 52) == ""
    assert [r.path for r in catalog.world.requests()] == ["/users/51"]
    opened = gitlab_issue(repo, iid=53, labels=[GFI], author_id=elena.id)  # "open": the acting user
    assert gitlab(events, "Issue Hook", opened).status == 200
    assert catalog.author(repo, 53) == "root"
    assert len(catalog.world.requests()) == 1


def test_gitlab_note_hook_is_accepted_and_stores_nothing(catalog: Catalog, events: ForgeEvents) -> None:
    before = catalog.totals()
    note = example("gitlab/webhooks/note_issue.json")
    note["project"]["path_with_namespace"] = "platform/ci-cd/pipeline-templates"
    outcome = gitlab(events, "Note Hook", note)
    assert (outcome.status, outcome.result) == (202, "ignored")
    assert catalog.totals() == before


def test_rows_stay_consistent(catalog: Catalog, events: ForgeEvents) -> None:
    """A project created by a webhook is one row, however many deliveries name it."""
    repo = catalog.world.new_repo("github", "acme", "twice")
    for number in (1, 2):
        github(events, "issues", github_issue("issues.opened", repo, number=number, labels=[GFI]))
    with session_scope(catalog.core.sessions) as session:
        assert len(session.query(Project).filter(Project.forge_id == str(repo.id)).all()) == 1
    assert [number for number, _, _ in catalog.issues(repo)] == [1, 2]


# -- readiness, rescored in the same transaction ---------------------------------------------------
def test_good_first_issues_labelled_follows_webhooks_without_a_crawl(
    catalog: Catalog, events: ForgeEvents
) -> None:
    repo = catalog.repo("platform/ci-cd/pipeline-templates")  # good-first-issues 1 and 2, both open

    def labelled_item() -> bool:
        project = catalog.project(repo.id)
        assert project is not None and project.ready
        return bool(project.readiness["good_first_issues"])

    assert labelled_item()
    for iid in (1, 2):
        closed = gitlab_issue(repo, iid=iid, labels=[GFI], state="closed", action="close")
        closed["object_attributes"]["updated_at"] = (NOW + timedelta(minutes=iid)).isoformat()
        assert gitlab(events, "Issue Hook", closed).detail == f"issue #{iid} is closed"
    assert not labelled_item()
    taken = gitlab_issue(repo, iid=60, labels=[GFI])  # the example's issue is assigned: not offered
    assert gitlab(events, "Issue Hook", taken).status == 200
    assert not labelled_item()
    unassigned = gitlab_issue(repo, iid=61, labels=[GFI])
    unassigned["assignees"] = []
    assert gitlab(events, "Issue Hook", unassigned).status == 200
    assert labelled_item()
    assert catalog.world.requests() == []  # rescoring asks the forge nothing


def test_a_project_that_becomes_ready_by_webhook_is_marked_as_the_crawl_would(database_url: str) -> None:
    with webhook_catalog(database_url, readiness_threshold=400) as catalog:
        repo = catalog.repo("acme/pricing-engine")  # documented, but its activity score is under 400
        project = catalog.project(repo.id)
        assert project is not None and not project.ready and project.first_ready_at is None
        repo.forks += 100  # popular since: the listing's counts raise the score
        payload = github_payload("repository.privatized", repo, action="edited")
        outcome = github(catalog.events(), "repository", payload)
        assert outcome.detail == "the project is listed"
        project = catalog.project(repo.id)
        assert project is not None and project.ready and project.activity_score >= 400
        assert project.first_ready_at is not None and project.first_ready_at.replace(tzinfo=UTC) == NOW


def test_a_project_listed_by_webhook_is_scored_at_once(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.world.new_repo("github", "acme", "scored", description="Listed by webhook")
    payload = github_issue("issues.opened", repo, number=1, labels=[GFI], assignees=[], assignee=None)
    github(events, "issues", payload)
    project = catalog.project(repo.id)
    assert project is not None and project.listed
    assert project.readiness["description"] and project.readiness["good_first_issues"]
    assert not project.ready  # README, CONTRIBUTING and maintainers wait for the crawl's detail read


# -- pruning delivery keys -------------------------------------------------------------------------
def test_delivery_keys_older_than_30_days_are_pruned(catalog: Catalog) -> None:
    with session_scope(catalog.core.sessions) as session:
        for days in (400, 31, 30, 1, 0):
            received = NOW - timedelta(days=days)
            session.add(WebhookDelivery(key=f"gitlab:{days}", event="issue", received_at=received))
    assert prune_deliveries(catalog.core.sessions, NOW) == 2
    with session_scope(catalog.core.sessions) as session:
        assert sorted(session.scalars(select(WebhookDelivery.key))) == ["gitlab:0", "gitlab:1", "gitlab:30"]
    assert prune_deliveries(catalog.core.sessions, NOW) == 0
    assert prune_deliveries(catalog.core.sessions, NOW, keep_days=1) == 1


def test_a_redelivery_after_pruning_is_applied_again(catalog: Catalog, events: ForgeEvents) -> None:
    repo = catalog.repo("acme/aurora-design-system")
    payload = github_issue("issues.labeled", repo, number=94, labels=[GFI])
    assert github(events, "issues", payload, delivery="old").result == "applied"
    assert prune_deliveries(catalog.core.sessions, NOW + timedelta(days=31)) == 1
    assert github(events, "issues", payload, delivery="old").result == "applied"
