"""Hand-built ledgers for the progression and metrics tests: projects, people, identities, contributions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.db.models import Contribution, Project
from bot.db.people import Identity, Person

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOST = {"github": "api.github.com", "gitlab": "gitlab.com"}
_ids = itertools.count(1)


def add_project(
    session: Session,
    full_name: str,
    maintainers: tuple[str, ...] = (),
    *,
    forge: str = "github",
    listed: bool = True,
    trusted: tuple[str, ...] = (),
) -> Project:
    n = next(_ids)
    project = Project(
        forge=forge, host=HOST[forge], forge_id=str(10_000 + n), namespace=full_name.partition("/")[0],
        full_name=full_name, name=full_name.rpartition("/")[2], web_url=f"https://example.test/{full_name}",
        description="", topics=[], languages={}, primary_language=None, visibility="internal",
        default_branch="main", created_at=NOW - timedelta(days=900), updated_at=NOW, pushed_at=NOW,
        weekly_commits=[], docs={}, maintainers=list(maintainers), trusted_committers=list(trusted),
        readiness={}, listed=listed, first_seen_at=NOW - timedelta(days=900), last_crawled_at=NOW,
    )  # fmt: skip
    session.add(project)
    session.flush()
    return project


def add_person(
    session: Session, user_id: str, *, refusal: str | None = None, created: datetime = NOW
) -> Person:
    person = Person(
        slack_user_id=user_id, team_id="T1", name=user_id.lower(), email=None, tz="UTC", cadence="daily",
        maintainer_digest=True, created_at=created, updated_at=created, slack_refusal=refusal,
        slack_checked_at=created if refusal else None,
    )  # fmt: skip
    session.add(person)
    session.flush()
    return person


def link(
    session: Session,
    person: Person,
    login: str,
    *,
    forge: str = "github",
    verified: bool = True,
    at: datetime = NOW,
) -> Identity:
    identity = Identity(
        person_id=person.id, forge=forge, host=HOST[forge], login=login, login_key=login.casefold(),
        verified=verified, source="email" if verified else "link", created_at=at,
    )  # fmt: skip
    session.add(identity)
    session.flush()
    return identity


def merged(
    session: Session, project: Project, author: str, days_ago: float, *, bot: bool = False, count: int = 1
) -> None:
    _add(session, project, "merged_change", author, days_ago, bot, count)


def reviewed(session: Session, project: Project, author: str, days_ago: float, *, count: int = 1) -> None:
    _add(session, project, "review", author, days_ago, False, count)


def _add(
    session: Session, project: Project, kind: str, author: str, days_ago: float, bot: bool, count: int
) -> None:
    for _ in range(count):
        n = next(_ids)
        session.add(
            Contribution(
                key=f"{project.forge}:{project.host}:{kind}:{n}", project_id=project.id, forge=project.forge,
                host=project.host, kind=kind, author=author, author_is_bot=bot, number=n, title=f"Change {n}",
                url=f"{project.web_url}/pull/{n}", occurred_at=NOW - timedelta(days=days_ago),
            )
        )  # fmt: skip
    session.flush()
