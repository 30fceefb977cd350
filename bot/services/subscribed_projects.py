"""The projects each person subscribes to, in memory: every `find` and `project` answer shows a
*Subscribe* or *Unsubscribe* button per project, and asking the database for them was the one query
left on the way of a `find`.

A person's own change, made through this process, is seen by their next answer at once (their entry
is dropped around the write). A change made by another replica is seen within the catalog's
`search_refresh_seconds`: every refresh asks one aggregate query about the project subscriptions, and
forgets everybody when it moved (subscriptions change rarely; the next answer of each person reads
theirs again).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.people import Person, Subscription
from bot.services.subscription_terms import PROJECT

MAX_PEOPLE = 20_000  # people remembered at once, the most recent askers

_OF_PERSON = (
    select(Subscription.value)
    .join(Person, Person.id == Subscription.person_id)
    .where(Person.slack_user_id == bindparam("user"), Subscription.kind == PROJECT)
)
# Moves when a project subscription is added (a new id, a new time) or removed (count, sum of ids).
_FINGERPRINT = select(
    func.count(), func.coalesce(func.sum(Subscription.id), 0), func.max(Subscription.created_at)
).where(Subscription.kind == PROJECT)


class SubscribedProjects:
    def __init__(self, sessions: sessionmaker[Session], max_people: int = MAX_PEOPLE) -> None:
        self._sessions = sessions
        self._max_people = max_people
        self._lock = threading.Lock()
        self._people: OrderedDict[str, frozenset[int]] = OrderedDict()
        # Bumped by every forgetting: a read that began before one may hold old rows, and is not kept.
        self._generation = 0
        self._fingerprint: tuple[Any, ...] | None = None

    def get(self, slack_user_id: str) -> frozenset[int]:
        """Project ids the person subscribes to: from memory, or read once and remembered."""
        with self._lock:
            known = self._people.get(slack_user_id)
            if known is not None:
                self._people.move_to_end(slack_user_id)
                return known
            generation = self._generation
        with self._sessions() as session:
            values = session.scalars(_OF_PERSON, {"user": slack_user_id}).all()
        projects = frozenset(int(v) for v in values if v.isdigit())
        with self._lock:
            if generation == self._generation:
                self._people[slack_user_id] = projects
                while len(self._people) > self._max_people:
                    self._people.popitem(last=False)
        return projects

    @contextmanager
    def changing(self, slack_user_id: str) -> Iterator[None]:
        """Around a write of the person's subscriptions: forgets theirs before and after it, so no
        read overlapping the write is remembered."""
        self._forget(slack_user_id)
        try:
            yield
        finally:
            self._forget(slack_user_id)

    def refresh(self) -> bool:
        """Forget everybody when the project subscriptions changed (on any replica); True when they
        did. One aggregate query."""
        with self._sessions() as session:
            fingerprint = tuple(session.execute(_FINGERPRINT).one())
        with self._lock:
            if fingerprint == self._fingerprint:
                return False
            self._fingerprint = fingerprint
            self._people.clear()
            self._generation += 1
            return True

    def _forget(self, slack_user_id: str) -> None:
        with self._lock:
            self._people.pop(slack_user_id, None)
            self._generation += 1
