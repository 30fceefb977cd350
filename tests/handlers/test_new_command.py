"""`/innersource new` over signed slash commands to the real server, on the sample organisation:
projects that became ready, or were announced, in the last 30 days, newest first, as `find` shows
them; nothing new says where to look instead; `help` lists it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.db.announcements import POSTED, Announcement
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.slack.blocks import ACTION_DETAILS
from bot.slack.subscription_blocks import ACTION_SUBSCRIBE
from tests.conftest import NOW
from tests.handlers.conftest import text_of
from tests.handlers.progression_support import SAM, Served, answer_to, serving
from tests.services.test_routing import sample_organisation

D = timedelta(days=1)


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    for sample in sample_organisation(database_url):
        with serving(sample) as running:
            yield running


def _ready_since(served: Served, full_name: str, days: int) -> Project:
    with session_scope(served.core.sessions) as session:
        project = session.scalars(select(Project).where(Project.full_name == full_name)).one()
        project.first_ready_at = NOW - days * D
        session.flush()
        session.expunge(project)
        return project


def test_new_lists_recent_projects_newest_first(served: Served) -> None:
    with session_scope(served.core.sessions) as session:  # the crawl made them all ready now: spread out
        session.execute(update(Project).where(Project.ready.is_(True)).values(first_ready_at=NOW - 40 * D))
    _ready_since(served, "acme/aurora-design-system", 1)
    _ready_since(served, "acme/kafka-client", 3)
    _ready_since(served, "platform/terraform-modules", 29)
    # Ready long ago, announced two days ago (announce_private was turned on): new to the channel.
    pricing = _ready_since(served, "acme/pricing-engine", 60)
    with session_scope(served.core.sessions) as session:
        session.add(
            Announcement(
                key=f"github:{pricing.host}:{pricing.forge_id}", project_id=pricing.id, how=POSTED,
                first_ready_at=NOW - 60 * D, recorded_at=NOW - 2 * D,
            )
        )  # fmt: skip

    answer = answer_to(served.bot, "new", SAM)

    shown = text_of(answer)
    assert "*4 projects* became InnerSource-ready in the last 30 days — newest first" in shown
    order = [
        "acme/aurora-design-system",
        "acme/pricing-engine",
        "acme/kafka-client",
        "platform/terraform-modules",
    ]
    assert [shown.index(f"|{name}>") for name in order] == sorted(shown.index(f"|{name}>") for name in order)
    assert "|acme/graphql-gateway>" not in shown  # ready 40 days ago
    # The `find` card: the Details button in each hit, Subscribe under it, the ready badge.
    buttons = [b["accessory"]["action_id"] for b in answer["blocks"] if "accessory" in b]
    assert buttons == [ACTION_DETAILS] * 4
    subscribes = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in subscribes] == [ACTION_SUBSCRIBE] * 4
    assert "InnerSource-ready" in shown and answer.get("response_type") == "ephemeral"


def test_nothing_new_says_where_to_look(served: Served) -> None:
    served.sample.clock.advance(31 * D)  # the sample's projects all became ready at the first crawl
    shown = text_of(answer_to(served.bot, "new", SAM))
    assert "No project has become InnerSource-ready in the last 30 days" in shown
    assert "`/innersource find WORDS`" in shown


def test_help_lists_new(served: Served) -> None:
    shown = text_of(answer_to(served.bot, "help", SAM))
    assert "`/innersource new` — projects that became InnerSource-ready in the last 30 days" in shown
