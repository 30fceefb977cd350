"""The project card names maintainers as Slack mentions when their forge account is tied to Slack by
e-mail (a verified identity), and as forge logins otherwise — a self-declared `link` does not count."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import build_discovery
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.people import Identity, Person
from bot.services.results import ProjectCard
from bot.slack.blocks import project_message
from tests.conftest import NOW, crawled


def _tie(session: Session, slack_user_id: str, project: Project, login: str, verified: bool) -> None:
    person = Person(slack_user_id=slack_user_id, created_at=NOW, updated_at=NOW)
    session.add(person)
    session.flush()
    session.add(
        Identity(
            person_id=person.id,
            forge=project.forge,
            host=project.host,
            login=login,
            login_key=login.casefold(),
            verified=verified,
            source="email" if verified else "link",
            created_at=NOW,
        )
    )


def test_verified_maintainers_are_mentioned_and_the_rest_named(database_url: str) -> None:
    with crawled(database_url) as (core, _forge):
        with session_scope(core.sessions) as session:
            project = session.scalars(
                select(Project).where(Project.full_name == "acme/aurora-design-system")
            ).one()
            logins = {str(m).lstrip("@").casefold() for m in project.maintainers}
            assert {"alice", "bob"} <= logins
            _tie(session, "U0ALICE", project, "Alice", verified=True)  # logins are case-insensitive
            _tie(session, "U0BOB", project, "bob", verified=False)  # said so with `link`: not trusted
            other = session.scalars(select(Project).where(Project.forge != project.forge)).first()
            assert other is not None
            _tie(session, "U0OTHER", other, "carol", verified=True)  # same login on another forge: no

        card = build_discovery(core).project("acme/aurora-design-system")

        assert isinstance(card, ProjectCard)
        by_login = {p.forge_login.lstrip("@").casefold(): p.slack_user_id for p in card.maintainers}
        assert by_login["alice"] == "U0ALICE"
        assert by_login["bob"] is None
        assert by_login.get("carol") is None
        rendered = json.dumps(project_message(card))
        assert "<@U0ALICE>" in rendered and "<@U0BOB>" not in rendered and "@bob" in rendered
