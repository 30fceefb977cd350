"""Requests exactly as Slack sends them to `POST /slack/events`: form bodies, signed with v0 HMAC.

Used by the sandbox console, the tests and the benchmarks, so all three take the production path
through signature verification. Field names and encodings follow the payloads Slack documents (see
tests/data/slack/): a slash command is `application/x-www-form-urlencoded`; an interactive action
is the same content type with one `payload` field holding JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SlackUser:
    """Who is typing: the ids Slack puts in a request."""

    user_id: str = "U0SANDBOX1"
    user_name: str = "sandbox.user"
    team_id: str = "T0SANDBOX"
    team_domain: str = "sandbox"
    channel_id: str = "C0SANDBOX"
    channel_name: str = "innersource"


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


def signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def sign(signing_secret: str, body: bytes, timestamp: int | None = None) -> SignedRequest:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(signing_secret, stamp, body),
    }
    return SignedRequest(body, headers)


def slash_command_body(text: str, response_url: str, user: SlackUser, command: str = "/innersource") -> bytes:
    fields = {
        "token": "sandbox-verification-token",  # deprecated by Slack; Bolt ignores it
        "team_id": user.team_id,
        "team_domain": user.team_domain,
        "channel_id": user.channel_id,
        "channel_name": user.channel_name,
        "user_id": user.user_id,
        "user_name": user.user_name,
        "command": command,
        "text": text,
        "api_app_id": "A0SANDBOX",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.sandbox.trigger",
    }
    return urlencode(fields).encode()


def block_action_body(
    action_id: str, value: str, response_url: str, user: SlackUser, block_id: str = "actions"
) -> bytes:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": user.user_id,
            "username": user.user_name,
            "name": user.user_name,
            "team_id": user.team_id,
        },
        "api_app_id": "A0SANDBOX",
        "token": "sandbox-verification-token",
        "container": {
            "type": "message",
            "message_ts": "0.0",
            "channel_id": user.channel_id,
            "is_ephemeral": True,
        },
        "trigger_id": f"{int(time.time())}.sandbox.trigger",
        "team": {"id": user.team_id, "domain": user.team_domain},
        "channel": {"id": user.channel_id, "name": user.channel_name},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed_slash_command(
    signing_secret: str,
    text: str,
    response_url: str,
    user: SlackUser | None = None,
    timestamp: int | None = None,
) -> SignedRequest:
    return sign(signing_secret, slash_command_body(text, response_url, user or SlackUser()), timestamp)


def signed_block_action(
    signing_secret: str,
    action_id: str,
    value: str,
    response_url: str,
    user: SlackUser | None = None,
    timestamp: int | None = None,
) -> SignedRequest:
    body = block_action_body(action_id, value, response_url, user or SlackUser())
    return sign(signing_secret, body, timestamp)


def signed_event(
    signing_secret: str, event: dict[str, Any], team_id: str, timestamp: int | None = None
) -> SignedRequest:
    """An Events API delivery (`event_callback`) as Slack signs and sends it: JSON, not a form."""
    now = int(time.time()) if timestamp is None else timestamp
    envelope = {
        "token": "sandbox-verification-token",
        "team_id": team_id,
        "api_app_id": "A0SANDBOX",
        "event": {**event, "event_ts": f"{now}.000100"},
        "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(5).upper()}",
        "event_time": now,
    }
    signed = sign(signing_secret, json.dumps(envelope).encode(), now)
    return SignedRequest(signed.body, {**signed.headers, "Content-Type": "application/json"})
