"""Who may use the bot: full members of the home workspace; guests, outsiders, bots and deleted users may not.

One `users.info` call per user per TTL, cached (refusals and admissions alike) so a busy channel costs
Slack one lookup per person, not one per command. Slack errors other than `user_not_found` propagate:
the listener's error handler answers, and nothing is cached, so the next command tries again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.identity import SlackProfile

GUEST = "guest"
EXTERNAL = "external"
BOT = "bot"
DELETED = "deleted"

_SLACKBOT = "USLACKBOT"  # Slackbot's fixed id; its users.info says is_bot false


class UserGate:
    def __init__(
        self,
        client: WebClient,
        home_team_id: str | None = None,
        ttl_seconds: float = 600,
        now: Callable[[], float] = time.monotonic,
        max_entries: int = 20_000,
    ) -> None:
        self._client = client
        self._home_team_id = home_team_id
        self._home_enterprise_id: str | None = None
        self._ttl = ttl_seconds
        self._now = now
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[str | None, SlackProfile | None, float]] = OrderedDict()

    def refusal(self, user_id: str) -> str | None:
        """A reason key ("guest", "external", "bot", "deleted") to refuse `user_id`, or None to admit."""
        return self.check(user_id)[0]

    def check(self, user_id: str) -> tuple[str | None, SlackProfile | None]:
        """(refusal reason or None, the person's profile when Slack returned one)."""
        cached = self.cached(user_id)
        if cached is not None:
            return cached
        # The lookup runs outside the lock: one slow users.info must not hold up everybody else.
        if user_id == _SLACKBOT:
            return self._remember(user_id, BOT, None)
        try:
            response = self._client.users_info(user=user_id)
        except SlackApiError as exc:
            if exc.response.get("error") == "user_not_found":
                return self._remember(user_id, DELETED, None)
            raise
        return self._judged(user_id, response.get("user") or {})

    def cached(self, user_id: str) -> tuple[str | None, SlackProfile | None] | None:
        """The verdict `check` would give from the cache, without asking Slack; None when not cached."""
        with self._lock:
            cached = self._cache.get(user_id)
            if cached is None or cached[2] <= self._now():
                return None
            self._cache.move_to_end(user_id)
            return cached[0], cached[1]

    def judge(self, user_id: str, user: Mapping[str, Any] | None) -> str | None:
        """The refusal for a `users.info` user object fetched by the caller (None: Slack answered
        `user_not_found`), remembered like `check`'s. For the outbox deliverer, which calls users.info
        through its own paced client."""
        if user_id == _SLACKBOT:
            return self._remember(user_id, BOT, None)[0]
        if user is None:
            return self._remember(user_id, DELETED, None)[0]
        return self._judged(user_id, user)[0]

    def _judged(self, user_id: str, user: Mapping[str, Any]) -> tuple[str | None, SlackProfile | None]:
        return self._remember(user_id, self._verdict(user), profile_of(user))

    def _remember(
        self, user_id: str, verdict: str | None, profile: SlackProfile | None
    ) -> tuple[str | None, SlackProfile | None]:
        with self._lock:
            self._cache[user_id] = (verdict, profile, self._now() + self._ttl)
            self._cache.move_to_end(user_id)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return verdict, profile

    def _verdict(self, user: Mapping[str, Any]) -> str | None:
        if user.get("deleted"):
            return DELETED
        # `is_app_user` is deliberately not checked: Slack sets it on people who have authorised the
        # calling app, not on bots. Bots carry `is_bot`; workflow and connector bots their own flags.
        if user.get("is_bot") or user.get("is_workflow_bot") or user.get("is_connector_bot"):
            return BOT
        if user.get("is_restricted") or user.get("is_ultra_restricted"):
            return GUEST
        if user.get("is_stranger") or not self._same_organisation(user):
            return EXTERNAL
        return None

    def _same_organisation(self, user: Mapping[str, Any]) -> bool:
        """Same workspace, or on Enterprise Grid a member of the home workspace or the same org."""
        home_team, home_enterprise = self._home()
        if user.get("team_id") == home_team:
            return True
        enterprise_user = user.get("enterprise_user") or {}
        if home_team in (enterprise_user.get("teams") or ()):
            return True
        return home_enterprise is not None and enterprise_user.get("enterprise_id") == home_enterprise

    def _home(self) -> tuple[str | None, str | None]:
        with self._lock:
            if self._home_team_id is not None:
                return self._home_team_id, self._home_enterprise_id
        answer = self._client.auth_test()  # once per process: the bot's own workspace
        team, enterprise = answer.get("team_id"), answer.get("enterprise_id")
        with self._lock:
            self._home_team_id = str(team) if team else None
            self._home_enterprise_id = str(enterprise) if enterprise else None
            return self._home_team_id, self._home_enterprise_id


def profile_of(user: Mapping[str, Any]) -> SlackProfile:
    """The fields the bot keeps from a `users.info` user object (email only with users:read.email)."""
    profile: Mapping[str, Any] = user.get("profile") or {}
    name = str(profile.get("display_name") or profile.get("real_name") or user.get("real_name") or "")
    return SlackProfile(
        user_id=str(user.get("id", "")),
        team_id=str(user.get("team_id", "")),
        name=name or str(user.get("name", "")),
        email=str(profile["email"]) if profile.get("email") else None,
        tz=str(user.get("tz") or "UTC"),
    )
