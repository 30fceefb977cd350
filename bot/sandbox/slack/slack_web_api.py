"""What the fake Slack answers to each Web API method the bot calls, in Slack's documented shapes.

No HTTP here: bot/sandbox/slack/fake_slack.py parses requests, checks the token, records the call and
then asks `SlackWebApi.call`. Answer shapes follow the examples in tests/data/slack/web-api/
(auth.test, users.info, chat.postMessage, conversations.open, views.publish) and Slack's OpenAPI
description (conversations.history, conversations.info, users.lookupByEmail, chat.update, views.open);
tests compare keys. views.publish refuses what Slack refuses (bot/sandbox/slack/slack_view_limits.py).
Posted messages are kept per channel, with their `metadata`, so conversations.history can show them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.slack.slack_channels import SlackChannels
from bot.sandbox.slack.slack_directory import SlackDirectory
from bot.sandbox.slack.slack_view_limits import view_refusal

JsonDict = dict[str, Any]
TS_BASE = 1767225600  # message timestamps count up from here: repeatable across runs
APP_LEVEL_METHODS = frozenset({"apps.connections.open"})  # take the xapp- token; the rest take the xoxb-


def _invalid_arguments(message: str) -> JsonDict:
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [message]}}


def _has_content(params: JsonDict) -> bool:
    return any(params.get(key) for key in ("text", "blocks", "attachments"))


class SlackWebApi:
    """The workspace's state as the Web API sees it: people, DM channels, published Home tabs.

    Not thread-safe on its own; FakeSlack calls it with its lock held.
    """

    def __init__(
        self,
        directory: SlackDirectory,
        team_id: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        socket_mode_url: Callable[[], str],
        now: Callable[[], float] | None = None,
        channels: SlackChannels | None = None,
    ):
        self.directory = directory
        self.channels = channels if channels is not None else SlackChannels()
        self.revoked_scopes: set[str] = set()  # scopes the app was not granted: missing_scope
        self.socket_mode_url = socket_mode_url  # issues a fresh WebSocket URL per call, as Slack does
        self.team_id, self.bot_user_id, self.bot_id, self.app_id = team_id, bot_user_id, bot_id, app_id
        self.dm_users: dict[str, str] = {}  # DM channel id -> user id
        self.home_views: dict[str, JsonDict] = {}  # user id -> last published Home tab
        self.modals: dict[str, JsonDict] = {}  # view id -> a modal views.open opened
        self.channel_messages: dict[str, list[JsonDict]] = {}  # channel id -> messages, oldest first
        self._now = now  # seconds since the epoch for message ts; None: repeatable ts from TS_BASE
        self._counter = 0
        self._methods: dict[str, Callable[[JsonDict], JsonDict]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update_message,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.list": self._conversations_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.publish": self._views_publish,
            "views.open": self._views_open,
            "apps.connections.open": self._apps_connections_open,
        }

    def knows(self, method: str) -> bool:
        return method in self._methods

    def call(self, method: str, params: JsonDict) -> JsonDict:
        return self._methods[method](params)

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _ts(self) -> str:
        """A unique, increasing message ts: seconds from `now` (or TS_BASE), the counter as micros."""
        n = self._next()
        seconds = int(self._now()) if self._now is not None else TS_BASE
        return f"{seconds}.{n:06d}"

    def _dm_channel(self, user_id: str) -> str:
        channel = "D" + user_id[1:]
        self.dm_users[channel] = user_id
        return channel

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": "https://sandbox.slack.com/",
            "team": "Sandbox Workspace",
            "user": "innersource-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _apps_connections_open(self, params: JsonDict) -> JsonDict:
        return {"ok": True, "url": self.socket_mode_url()}

    def _users_info(self, params: JsonDict) -> JsonDict:
        user = self.directory.user(str(params.get("user", "")))
        return {"ok": True, "user": user} if user is not None else {"ok": False, "error": "user_not_found"}

    def _post_message(self, params: JsonDict) -> JsonDict:
        if not _has_content(params):
            return {"ok": False, "error": "no_text"}
        channel = str(params.get("channel") or "")
        if channel[:1] in ("U", "W"):  # a user id posts into the user's DM with the bot
            if self.directory.user(channel) is None:
                return {"ok": False, "error": "channel_not_found"}
            channel = self._dm_channel(channel)
        elif not channel or (channel[:1] == "D" and channel not in self.dm_users):
            return {"ok": False, "error": "channel_not_found"}
        elif channel[:1] != "D":  # a channel, by ID or name: slack_channels.py says whether the bot may
            found, refusal = self.channels.post_refusal(channel)
            if found is None:
                return {"ok": False, "error": refusal}
            channel = found
        metadata = params.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            return {"ok": False, "error": "invalid_metadata_format"}
        ts = self._ts()
        message: JsonDict = {"type": "message", "text": params.get("text", ""), "user": self.bot_user_id}
        message |= {"bot_id": self.bot_id, "app_id": self.app_id, "ts": ts, "team": self.team_id}
        if params.get("blocks"):
            message["blocks"] = params["blocks"]
        if metadata is not None:
            message["metadata"] = metadata
        self.channel_messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update_message(self, params: JsonDict) -> JsonDict:
        """chat.update: the bot's message `ts` in `channel` gets the new text and blocks, in place."""
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        found = next((m for m in self.channel_messages.get(channel, []) if m["ts"] == ts), None)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        if not _has_content(params):
            return {"ok": False, "error": "no_text"}
        found["text"] = params.get("text", "")
        if params.get("blocks"):
            found["blocks"] = params["blocks"]
        return {"ok": True, "channel": channel, "ts": ts, "text": found["text"], "message": dict(found)}

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        """Newest first, `oldest`/`latest` exclusive unless `inclusive`, `limit` (default 100, at most
        999) with a cursor; `metadata` only with include_all_metadata, as Slack does."""
        channel = str(params.get("channel") or "")
        if channel[:1] in ("C", "G"):  # the bot reads a channel it is in (slack_channels.py)
            scope = "channels:history" if channel[:1] == "C" else "groups:history"
            if scope in self.revoked_scopes:
                return {"ok": False, "error": "missing_scope", "needed": scope, "provided": "commands"}
            refusal = self.channels.readable(channel)
            if refusal is not None:
                return {"ok": False, "error": refusal}
        elif channel not in self.channel_messages and channel not in self.dm_users:
            return {"ok": False, "error": "channel_not_found"}
        try:
            oldest = float(params.get("oldest") or 0)
            latest = float(params.get("latest") or 0) or float("inf")
            limit = min(999, max(1, int(params.get("limit") or 100)))
            start = int(params.get("cursor") or 0)
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        inclusive = _truthy(params.get("inclusive"))
        with_metadata = _truthy(params.get("include_all_metadata"))

        def within(ts: float) -> bool:
            return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

        found = [m for m in reversed(self.channel_messages.get(channel, [])) if within(float(m["ts"]))]
        page = found[start : start + limit]
        shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        has_more = start + limit < len(found)
        answer: JsonDict = {"ok": True, "messages": shown, "has_more": has_more, "pin_count": 0}
        answer |= {"channel_actions_ts": None, "channel_actions_count": 0}
        if has_more:
            answer["response_metadata"] = {"next_cursor": str(start + limit)}
        return answer

    def _conversations_info(self, params: JsonDict) -> JsonDict:
        """A channel's conversation object (slack_channels.py), or channel_not_found."""
        channel = self.channels.channel(str(params.get("channel") or ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel}

    def _conversations_join(self, params: JsonDict) -> JsonDict:
        """The bot joins a public channel (slack_channels.py); the scope is channels:join."""
        if "channels:join" in self.revoked_scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:join", "provided": "commands"}
        return self.channels.join(params)

    def _conversations_list(self, params: JsonDict) -> JsonDict:
        return self.channels.list(params)

    def _users_lookup_by_email(self, params: JsonDict) -> JsonDict:
        user = self.directory.by_email(str(params.get("email") or ""))
        return {"ok": True, "user": user} if user is not None else {"ok": False, "error": "users_not_found"}

    def _post_ephemeral(self, params: JsonDict) -> JsonDict:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if self.directory.user(str(params.get("user", ""))) is None:
            return {"ok": False, "error": "user_not_in_channel"}
        if not _has_content(params):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._ts()}

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
        if not users:
            known = self.dm_users.get(str(params.get("channel") or ""))
            if known is None:
                return {"ok": False, "error": "users_list_not_supplied"}
            users = [known]
        if len(users) > 1:  # the bot only opens 1:1 DMs; group DMs are not modelled
            return {"ok": False, "error": "too_many_users"}
        user = self.directory.user(users[0])
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if user["deleted"]:
            return {"ok": False, "error": "user_disabled"}
        already_open = ("D" + users[0][1:]) in self.dm_users
        channel: JsonDict = {"id": self._dm_channel(users[0])}
        if str(params.get("return_im", "")).lower() not in ("true", "1"):
            return {"ok": True, "channel": channel}
        channel |= {"created": TS_BASE, "is_im": True, "is_org_shared": False, "user": users[0]}
        channel |= {"last_read": "0000000000.000000", "latest": None, "unread_count": 0}
        channel |= {"unread_count_display": 0, "is_open": True, "priority": 0}
        return {"ok": True, "no_op": already_open, "already_open": already_open, "channel": channel}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        user_id = str(params.get("user_id") or "")
        view = params.get("view")
        if self.directory.user(user_id) is None:
            return _invalid_arguments("invalid `user_id`")  # as views.publish.error.json
        if not isinstance(view, dict) or view.get("type") != "home":
            return _invalid_arguments("invalid `view`: a Home tab view has type `home`")
        refused = view_refusal(view)  # too many blocks, too much text, too large: slack_view_limits.py
        if refused is not None:
            return refused
        n = self._next()
        view_id = f"V0SANDBOX{n:04d}"
        published: JsonDict = {"id": view_id, "team_id": self.team_id, "type": "home", "close": None}
        published |= {"submit": None, "blocks": view.get("blocks", [])}
        published |= {"private_metadata": view.get("private_metadata", "")}
        published |= {"callback_id": view.get("callback_id", ""), "state": {"values": {}}}
        published |= {"hash": f"{TS_BASE}.{n:06d}", "clear_on_close": False, "notify_on_close": False}
        published |= {"root_view_id": view_id, "previous_view_id": None, "app_id": self.app_id}
        published |= {"external_id": view.get("external_id", ""), "bot_id": self.bot_id}
        self.home_views[user_id] = published
        return {"ok": True, "view": published}

    def _views_open(self, params: JsonDict) -> JsonDict:
        """views.open: a modal, kept with the id it is given (nothing submits it but a test)."""
        view = params.get("view")
        if isinstance(view, str):  # slack_sdk sends it JSON-encoded in a form body
            try:
                view = json.loads(view)
            except ValueError:
                return _invalid_arguments("invalid `view`: not JSON")
        if not params.get("trigger_id"):
            return _invalid_arguments("missing `trigger_id`")
        if not isinstance(view, dict) or view.get("type") != "modal":
            return _invalid_arguments("invalid `view`: views.open opens a view of type `modal`")
        view_id = f"V0MODAL{self._next():04d}"
        opened: JsonDict = {**view, "id": view_id, "team_id": self.team_id, "state": {"values": {}}}
        opened |= {"app_id": self.app_id, "bot_id": self.bot_id}
        self.modals[view_id] = opened
        return {"ok": True, "view": opened}


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("true", "1") if value is not None else False
