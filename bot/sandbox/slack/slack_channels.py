"""The sandbox workspace's channels, and which of them the bot is in, as the Web API sees them.

Channel objects have the shapes of Slack's examples in its OpenAPI description
(../shared/data/slack/web-api/openapi, `objs_conversation`): `conversations.join` gives the common
fields, `conversations.list` adds `num_members`, `conversations.info` adds `is_read_only`,
`last_read`, `locale` and `parent_conversation` (tests/data/slack/web-api/conversations.info.*.json).
`is_member` is the bot's membership, as Slack reports it to a bot token. What Slack answers:
- conversations.info: `channel_not_found` for an unknown channel or a private one the bot is not in.
- chat.postMessage takes an ID or a name (`#name` or `name`): an unknown channel, or a private one
  the bot is not in, is `channel_not_found`; an archived one `is_archived`; a public one the bot is
  not in `not_in_channel`.
- conversations.join takes an ID: `channel_not_found`, `is_archived`, and for a private channel
  `method_not_supported_for_channel_type` (a bot has to be invited); joining again is ok with the
  warning `already_in_channel`. Without the `channels:join` scope: `missing_scope` (FakeSlack).
- conversations.list lists public channels (private ones the bot is in with `private_channel` in
  `types`), paged by `limit` (at most 1000) and a cursor.
The populated sandbox has the channel slash commands come from (C0SANDBOX, #innersource) and the
announce channel (C0ANNOUNCE, #innersource-announce), the bot a member of both.
"""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]
SANDBOX_CHANNEL_ID, SANDBOX_CHANNEL_NAME = "C0SANDBOX", "innersource"
ANNOUNCE_CHANNEL_ID, ANNOUNCE_CHANNEL_NAME = "C0ANNOUNCE", "innersource-announce"
_CREATED = 1449252889  # the documented examples' "created"
_CREATOR = "U0SANDBOX1"
_INFO_ONLY = {"is_read_only": False, "last_read": "0000000000.000000", "locale": "en-US"}


class SlackChannels:
    """Channels by ID. `SlackChannels()` comes populated; `populated=False` is empty. Not thread-safe
    on its own: FakeSlack calls it with its lock held."""

    def __init__(self, populated: bool = True) -> None:
        self._channels: dict[str, JsonDict] = {}
        self._members: dict[str, int] = {}  # channel id → members besides the bot
        if populated:
            self.add(SANDBOX_CHANNEL_ID, SANDBOX_CHANNEL_NAME)
            self.add(ANNOUNCE_CHANNEL_ID, ANNOUNCE_CHANNEL_NAME)

    def add(
        self,
        channel_id: str,
        name: str,
        *,
        private: bool = False,
        archived: bool = False,
        bot_member: bool = True,
        members: int = 1,
    ) -> JsonDict:
        """A channel; `members`: how many people besides the bot are in it."""
        self._channels[channel_id] = {
            "created": _CREATED,
            "creator": _CREATOR,
            "id": channel_id,
            "is_archived": archived,
            "is_channel": not private,
            "is_ext_shared": False,
            "is_general": False,
            "is_group": private,
            "is_im": False,
            "is_member": bot_member,
            "is_mpim": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "is_private": private,
            "is_shared": False,
            "name": name,
            "name_normalized": name,
            "pending_shared": [],
            "previous_names": [],
            "purpose": {"creator": "", "last_set": 0, "value": ""},
            "topic": {"creator": "", "last_set": 0, "value": ""},
            "unlinked": 0,
        }
        self._members[channel_id] = members
        return dict(self._channels[channel_id])

    def update(self, channel_id: str, **changes: Any) -> None:
        """Archive (`is_archived=True`), rename (`name=…`), or take the bot out (`is_member=False`)."""
        channel = self._channels[channel_id]
        if "name" in changes:
            channel["previous_names"] = [channel["name"], *channel["previous_names"]]
            changes["name_normalized"] = changes["name"]
        channel.update(changes)

    def find(self, reference: str) -> JsonDict | None:
        """A channel by ID, or by name with or without its `#`, whether the bot may see it or not."""
        if reference in self._channels:
            return self._channels[reference]
        name = reference.removeprefix("#")
        return next((c for c in self._channels.values() if c["name"] == name), None)

    def _visible(self, channel: JsonDict | None) -> JsonDict | None:
        """None for a private channel the bot is not in: Slack answers as if it did not exist."""
        return None if channel is None or (channel["is_private"] and not channel["is_member"]) else channel

    # -- what the Web API methods answer (bot/sandbox/slack/slack_web_api.py) -------------------------
    def channel(self, channel_id: str) -> JsonDict | None:
        """conversations.info's `channel`, or None (channel_not_found)."""
        found = self._visible(self._channels.get(channel_id))
        return None if found is None else {**found, **_INFO_ONLY, "parent_conversation": None}

    def post_refusal(self, reference: str) -> tuple[str | None, str | None]:
        """(the channel's ID, None) when the bot may post to `reference`, else (None, Slack's error)."""
        found = self._visible(self.find(reference))
        if found is None:
            return None, "channel_not_found"
        if found["is_archived"]:
            return None, "is_archived"
        return (found["id"], None) if found["is_member"] else (None, "not_in_channel")

    def join(self, params: JsonDict) -> JsonDict:
        channel = self._visible(self._channels.get(str(params.get("channel") or "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel["is_archived"]:
            return {"ok": False, "error": "is_archived"}
        if channel["is_member"]:
            warning = {
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
            return {"ok": True, "channel": dict(channel), **warning}
        if channel["is_private"]:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        channel["is_member"] = True
        return {"ok": True, "channel": dict(channel)}

    def list(self, params: JsonDict) -> JsonDict:
        types = {t.strip() for t in str(params.get("types") or "public_channel").split(",")}
        try:
            limit = min(1000, max(1, int(params.get("limit") or 100)))
            start = int(params.get("cursor") or 0)
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        exclude_archived = str(params.get("exclude_archived", "")).lower() in ("true", "1")
        shown = [
            {**c, "num_members": self._members[c["id"]] + (1 if c["is_member"] else 0)}
            for c in self._channels.values()
            if ("private_channel" if c["is_private"] else "public_channel") in types
            and self._visible(c) is not None
            and not (exclude_archived and c["is_archived"])
        ]
        more = start + limit < len(shown)
        cursor = str(start + limit) if more else ""
        return {
            "ok": True,
            "channels": shown[start : start + limit],
            "response_metadata": {"next_cursor": cursor},
        }

    def readable(self, channel_id: str) -> str | None:
        """None when the bot may read the channel's history, else Slack's error."""
        found = self._visible(self._channels.get(channel_id))
        if found is None:
            return "channel_not_found"
        return None if found["is_member"] else "not_in_channel"
