"""The welcome DM: one to each person who joins the announce channel, once ever, with topics to follow.

`welcome` decides and enqueues in one transaction: the outbox row's key `welcome:<user>` is unique, so a
rejoin, a Slack retry of the event or a duplicate `event_id` — on this replica or another — inserts
nothing the second time. Outbox rows are never pruned (bot/services/outbox.py keeps every key), which
is what makes it once *ever*; pruning the outbox would have to spare the `welcome:` keys. The message
itself is composed at send time (bot/slack/welcome_blocks.py `compose_welcome`) from `welcome_note`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.search_text import topic_key
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.people import Person, Subscription
from bot.services.outbox import enqueue, existing_keys
from bot.services.routing_issues import load_json, raw_json
from bot.services.subscription_terms import TOPIC

KIND = "welcome"
QUEUED, ALREADY_WELCOMED, REFUSED = "queued", "already_welcomed", "refused"
TOPICS_SUGGESTED = 3
_SPARE_TOPICS = 3  # kept in the row besides, for topics the person follows by the time it is sent


@dataclass(frozen=True)
class TopicCount:
    topic: str  # the topic key, as `subscribe` takes it
    projects: int  # InnerSource-ready projects carrying it


@dataclass(frozen=True)
class WelcomeNote:
    """What the welcome DM says besides its fixed words."""

    channel_id: str  # where they joined (shown as a channel link)
    topics: tuple[TopicCount, ...]  # to suggest, most common first; none they already follow
    ready_projects: int


def welcome_key(slack_user_id: str) -> str:
    return f"welcome:{slack_user_id}"


def popular_topics(session: Session, *, include_private: bool, limit: int) -> tuple[list[TopicCount], int]:
    """The most common topics among listed InnerSource-ready projects — the ones the announce channel
    announces, so private projects only when they are announced too — and how many such projects
    there are. Ties go alphabetically, so the answer is stable."""
    query = select(raw_json(Project.topics)).where(Project.listed.is_(True), Project.ready.is_(True))
    if not include_private:
        query = query.where(Project.visibility != "private")
    counts: Counter[str] = Counter()
    projects = 0
    for (raw,) in session.execute(query):
        projects += 1
        counts.update({key for key in (topic_key(str(t)) for t in load_json(raw) or ()) if key})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [TopicCount(topic, count) for topic, count in ranked], projects


class WelcomeService:
    """`channel`: the configured announce channel (an ID or a `#name`; None: no welcome at all)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        now: Callable[[], datetime],
        channel: str | None,
        include_private: bool = False,
    ) -> None:
        self._sessions, self._now = sessions, now
        self.channel = channel.strip() if channel and channel.strip() else None
        self._include_private = include_private

    def welcome(self, slack_user_id: str, channel_id: str) -> str:
        """Queue the welcome DM for someone who just joined the announce channel: QUEUED, or
        ALREADY_WELCOMED (ever before, by any replica), or REFUSED (Slack refused them before: a guest,
        an outsider, a bot, a deactivated account). The caller has checked who they are with Slack."""
        key = welcome_key(slack_user_id)
        with session_scope(self._sessions) as session:
            if existing_keys(session, [key]):  # the common repeat (a rejoin, a retry): no catalog read
                return ALREADY_WELCOMED
            person = session.execute(
                select(Person.id, Person.slack_refusal).where(Person.slack_user_id == slack_user_id)
            ).one_or_none()
            if person is not None and person.slack_refusal is not None:
                return REFUSED
            topics, ready = popular_topics(
                session, include_private=self._include_private, limit=TOPICS_SUGGESTED + _SPARE_TOPICS
            )
            payload: dict[str, Any] = {
                "channel": channel_id,
                "topics": [[t.topic, t.projects] for t in topics],
                "ready_projects": ready,
            }
            created = enqueue(
                session,
                key=key,
                kind=KIND,
                recipient=slack_user_id,
                payload=payload,
                now=self._now(),
                person_id=person.id if person is not None else None,
            )
        return QUEUED if created else ALREADY_WELCOMED


def welcome_note(session: Session, slack_user_id: str, payload: dict[str, Any]) -> WelcomeNote:
    """The welcome as it is sent: the topics chosen when they joined, less any they follow by now."""
    followed = set(
        session.scalars(
            select(Subscription.value)
            .join(Person, Person.id == Subscription.person_id)
            .where(Person.slack_user_id == slack_user_id, Subscription.kind == TOPIC)
        )
    )
    topics = [
        TopicCount(str(item[0]), int(item[1]))
        for item in payload.get("topics") or ()
        if isinstance(item, list) and len(item) == 2 and str(item[0]) not in followed
    ]
    return WelcomeNote(
        channel_id=str(payload.get("channel") or ""),
        topics=tuple(topics[:TOPICS_SUGGESTED]),
        ready_projects=int(payload.get("ready_projects") or 0),
    )
