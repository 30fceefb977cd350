"""The sandbox Slack workspace's people, as the user objects `users.info` returns.

The shape follows Slack's documented `users.info` example (tests/data/slack/web-api/
users.info.success.json); a test holds the two together. Beside ordinary members, the sandbox has
one of each kind of person the bot must refuse politely and never DM (SPEC "Security"): guests,
a bot, a deactivated account and people from another organisation. The ordinary members are the
sample organisation's people, with the same emails, so identity-by-email works in the sandbox.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.sandbox.forge.sample_data import CONSOLE_LOGIN, USERS

SANDBOX_TEAM_ID = "T0SANDBOX"
CONSOLE_USER_ID = "U0SANDBOX1"  # who the console types as (slack_requests.SlackUser's default)
OTHER_TEAM_ID = "T0OTHERWS"
_UPDATED = 1767225600  # a fixed "last updated" stamp: answers are byte-for-byte repeatable


def member_id(login: str) -> str:
    """The Slack id the sandbox gives a sample-organisation login: `jasmine` -> `U0JASMINE`; the
    console's own login (`sam`) -> the console user, U0SANDBOX1."""
    if login == CONSOLE_LOGIN:
        return CONSOLE_USER_ID
    return "U0" + "".join(ch for ch in login.upper() if ch.isalnum())


def user_object(
    user_id: str,
    *,
    name: str,
    real_name: str,
    team_id: str = SANDBOX_TEAM_ID,
    email: str | None = None,
    **flags: Any,
) -> dict[str, Any]:
    """A `users.info` "user" object; `flags` override top-level fields (is_bot=True, deleted=True...)."""
    image = f"https://avatars.sandbox.example/{user_id}.png"
    profile: dict[str, Any] = {
        "avatar_hash": "g" + user_id.lower()[-11:],
        "status_text": "",
        "status_emoji": "",
        "real_name": real_name,
        "display_name": name,
        "real_name_normalized": real_name,
        "display_name_normalized": name,
        "image_original": image,
        **{f"image_{size}": image for size in (24, 32, 48, 72, 192, 512)},
        "team": team_id,
    }
    if email is not None:  # Slack leaves the field out when it cannot show it
        profile["email"] = email
    user: dict[str, Any] = {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": False,
        "color": "9f69e7",
        "real_name": real_name,
        "tz": "Europe/Berlin",
        "tz_label": "Central European Time",
        "tz_offset": 3600,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": False,
        "updated": _UPDATED,
        "is_app_user": False,
        "has_2fa": False,
    }
    user.update(flags)
    if user["is_bot"]:
        profile.setdefault("bot_id", "B" + user_id[1:])
    return user


class SlackDirectory:
    """Who is in the sandbox workspace. `SlackDirectory()` comes populated; `populated=False` is empty."""

    def __init__(self, populated: bool = True, team_id: str = SANDBOX_TEAM_ID) -> None:
        self.team_id = team_id
        self._users: dict[str, dict[str, Any]] = {}
        if populated:
            self._add_sandbox_population()

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        team_id: str | None = None,
        email: str | None = None,
        **flags: Any,
    ) -> dict[str, Any]:
        login = name or user_id.lower()
        user = user_object(
            user_id,
            name=login,
            real_name=real_name or login.title(),
            team_id=team_id or self.team_id,
            email=email,
            **flags,
        )
        self._users[user_id] = user
        return copy.deepcopy(user)

    def user(self, user_id: str) -> dict[str, Any] | None:
        """A copy: callers may not change the directory by editing an answer."""
        found = self._users.get(user_id)
        return copy.deepcopy(found) if found is not None else None

    def by_email(self, email: str) -> dict[str, Any] | None:
        """The user whose profile email is `email` (case-insensitive), as users.lookupByEmail finds them."""
        wanted = email.strip().lower()
        for user in self._users.values():
            if wanted and str(user["profile"].get("email", "")).lower() == wanted:
                return copy.deepcopy(user)
        return None

    def user_ids(self) -> list[str]:
        return list(self._users)

    def _add_sandbox_population(self) -> None:
        add = self.add_user
        # The console's user: the forge's `sam` has the same e-mail, so the crawl ties them.
        add(CONSOLE_USER_ID, name="sandbox.user", real_name="Sam Sandbox", email="sam.sandbox@acme.example")
        # A multi-channel guest has is_restricted; a single-channel guest has is_ultra_restricted as
        # well (api.slack.com/types/user: use is_restricted "in combination with" is_ultra_restricted).
        add("U0GUEST01", name="guest.one", real_name="Gina Guest", is_restricted=True)
        add(
            "U0GUEST02", name="guest.two", real_name="Gus Guest", is_restricted=True, is_ultra_restricted=True
        )
        add("U0BOT0001", name="deploybot", real_name="Deploy Bot", is_bot=True)
        add("U0GONE001", name="former.colleague", real_name="Former Colleague", deleted=True)
        # People from another organisation (Slack Connect). Their objects carry their home team_id,
        # not ours. `is_stranger` is a documented user-object field (api.slack.com/types/user, shown
        # in its example; the users.info page points to the Slack Connect "External members" section
        # for how external users' objects differ); Slack sets it for an outsider who shares no
        # channel visible to the app. One who does share such a channel comes without it, so the bot
        # must also compare team_id: U0EXTERN2 is that case.
        add(
            "U0EXTERN1",
            name="outside.partner",
            real_name="Olga Outside",
            team_id=OTHER_TEAM_ID,
            is_stranger=True,
        )
        add("U0EXTERN2", name="shared.partner", real_name="Sid Shared", team_id=OTHER_TEAM_ID)
        for login, real_name, email in USERS:
            if login != CONSOLE_LOGIN:  # added first, under the console's name
                add(member_id(login), name=login, real_name=real_name, email=email)
