"""Shared by the webhook tests: a small slice of the sample organisation crawled into a fresh database,
and the forges' published payload examples (tests/data/*/webhooks) re-aimed at its repositories."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import Core, build_forge_events
from bot.db.engine import session_scope
from bot.db.models import Contribution, GoodFirstIssue, Project
from bot.db.operations import WebhookDelivery
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import FakeRepo, World
from bot.services.forge_events import ForgeEvents
from bot.web import HttpServer, Metrics, build_web_app
from bot.web.webhooks import webhook_routes
from tests.conftest import NOW, crawled

DATA = Path(__file__).resolve().parents[1] / "data"
GITHUB_SECRET = "It's a Secret to Everybody"
GITLAB_SECRET = "gitlab-token-for-tests"
GFI = "good first issue"
# Listed public and internal ones, a private one with the opt-in topic, an archived one, and GitLab's.
KEEP = (
    "acme/aurora-design-system",
    "acme/kafka-client",
    "acme/pricing-engine",
    "acme/old-monolith",
    "platform/ci-cd/pipeline-templates",
    "platform/security/cloud-guardrails",
)


def small_sample_world() -> World:
    world = build_sample_world(NOW)
    world.repos = [r for r in world.repos if r.full_name in KEEP]
    return world


@dataclass
class Catalog:
    core: Core
    forge: FakeForge
    routed: list[int] = field(default_factory=list)  # what on_issue_changed was called with

    @property
    def world(self) -> World:
        return self.forge.world

    def repo(self, full_name: str) -> FakeRepo:
        found = next((r for r in self.world.repos if r.full_name == full_name), None)
        assert found is not None, full_name
        return found

    def events(self, on_issue_changed: Callable[[int], None] | None = None) -> ForgeEvents:
        return build_forge_events(self.core, on_issue_changed or self.routed.append)

    def project(self, forge_id: int | str) -> Project | None:
        with session_scope(self.core.sessions) as session:
            project = session.scalars(select(Project).where(Project.forge_id == str(forge_id))).one_or_none()
            if project is not None:
                session.expunge(project)
            return project

    def issues(self, repo: FakeRepo) -> list[tuple[int, str, list[str]]]:
        """(number, state, assignees) of the repository's good-first-issue rows."""
        with session_scope(self.core.sessions) as session:
            rows = session.scalars(
                select(GoodFirstIssue)
                .join(Project)
                .where(Project.forge_id == str(repo.id))
                .order_by(GoodFirstIssue.number)
            )
            return [(row.number, row.state, list(row.assignees)) for row in rows]

    def issue_id(self, repo: FakeRepo, number: int) -> int:
        with session_scope(self.core.sessions) as session:
            found = session.scalar(
                select(GoodFirstIssue.id)
                .join(Project)
                .where(Project.forge_id == str(repo.id), GoodFirstIssue.number == number)
            )
            assert found is not None
            return found

    def author(self, repo: FakeRepo, number: int) -> str:
        """The author recorded on a good-first-issue row."""
        with session_scope(self.core.sessions) as session:
            found = session.scalar(
                select(GoodFirstIssue.author)
                .join(Project)
                .where(Project.forge_id == str(repo.id), GoodFirstIssue.number == number)
            )
            assert found is not None
            return found

    def user_lookups(self, user_id: int) -> int:
        """GET /users/:id requests the fake GitLab served: the webhook's username look-ups."""
        return sum(1 for r in self.world.requests("gitlab") if r.path.split("?")[0] == f"/users/{user_id}")

    def count(self, model: type[Any]) -> int:
        with session_scope(self.core.sessions) as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def ledger(self) -> list[tuple[str, str, int]]:
        with session_scope(self.core.sessions) as session:
            rows = session.execute(select(Contribution.kind, Contribution.author, Contribution.number))
            return sorted((str(k), str(a), int(n)) for k, a, n in rows)

    def totals(self) -> tuple[int, int, int, int]:
        """Rows that a refused or ignored webhook must not change."""
        return (
            self.count(Project),
            self.count(GoodFirstIssue),
            self.count(Contribution),
            self.count(WebhookDelivery),
        )


@contextmanager
def webhook_catalog(database_url: str, **overrides: Any) -> Iterator[Catalog]:
    """The slice of the sample organisation, crawled; settings carry both webhook secrets."""
    secrets = {
        "github_webhook_secret": SecretStr(GITHUB_SECRET),
        "gitlab_webhook_secret": SecretStr(GITLAB_SECRET),
    }
    with crawled(database_url, small_sample_world(), **secrets, **overrides) as (core, forge):
        forge.world.clear_log()
        yield Catalog(core, forge)


@pytest.fixture(name="catalog")
def catalog_fixture(database_url: str) -> Iterator[Catalog]:
    """The `catalog` fixture of the webhook tests: each test module imports it."""
    with webhook_catalog(database_url) as built:
        yield built


@contextmanager
def webhook_server(catalog: Catalog) -> Iterator[HttpServer]:
    """The bot's webhook endpoints over loopback HTTP, both secrets set."""
    routes = webhook_routes(catalog.events(), GITHUB_SECRET, GITLAB_SECRET)
    with HttpServer(build_web_app(routes, Metrics())) as running:
        yield running


# -- payloads --------------------------------------------------------------------------------------
def example(path: str) -> dict[str, Any]:
    """A published example, e.g. "github/webhooks/issues.labeled.json" (a fresh copy each time)."""
    loaded: dict[str, Any] = json.loads((DATA / path).read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


def github_payload(name: str, repo: FakeRepo, **changes: Any) -> dict[str, Any]:
    """GitHub's example `name` (e.g. "issues.labeled") about `repo` instead of Codertocat/Hello-World."""
    payload = example(f"github/webhooks/{name}.json")
    repository = payload["repository"]
    repository.update(
        id=repo.id,
        name=repo.name,
        full_name=repo.full_name,
        html_url=f"https://github.com/{repo.full_name}",
    )
    repository["owner"]["login"] = repo.namespace
    payload.update(changes)
    return payload


def github_issue(
    name: str, repo: FakeRepo, *, number: int, labels: list[str], state: str = "open", **fields: Any
) -> dict[str, Any]:
    payload = github_payload(name, repo)
    issue = payload["issue"]
    template = issue["labels"][0] if issue["labels"] else {"id": 1, "name": ""}
    issue.update(
        number=number,
        id=repo.id * 1000 + number,
        html_url=f"https://github.com/{repo.full_name}/issues/{number}",
        labels=[{**template, "name": label} for label in labels],
        state=state,
        **fields,
    )
    return payload


def gitlab_payload(name: str, repo: FakeRepo, **attributes: Any) -> dict[str, Any]:
    """GitLab's example `name` (issue, merge_request, note_issue) about `repo`."""
    payload = example(f"gitlab/webhooks/{name}.json")
    payload["project"].update(
        id=repo.id,
        name=repo.name,
        path_with_namespace=repo.full_name,
        web_url=f"https://gitlab.acme.example/{repo.full_name}",
    )
    payload["object_attributes"].update(project_id=repo.id, **attributes)
    return payload


def gitlab_issue(repo: FakeRepo, *, iid: int, labels: list[str], **attributes: Any) -> dict[str, Any]:
    payload = gitlab_payload("issue", repo, iid=iid, id=repo.id * 1000 + iid, **attributes)
    template = payload["labels"][0]
    payload["labels"] = [{**template, "title": label} for label in labels]
    payload["object_attributes"]["labels"] = payload["labels"]
    return payload
