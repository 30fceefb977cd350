"""Interactive payloads the nomination tests send: a click that names the message clicked
(block_actions from a DM card) and a submitted modal (view_submission), signed like Slack's."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_requests import SignedRequest, SlackUser, block_action_body, sign

JsonDict = dict[str, Any]


def signed_click(
    slack: FakeSlack, action_id: str, value: str, url: str, user: SlackUser, channel: str, ts: str
) -> SignedRequest:
    """A block_actions payload for a button in the message `ts` of `channel` (a DM card)."""
    payload = json.loads(_payload_of(block_action_body(action_id, value, url, user)))
    payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}
    payload["channel"] = {"id": channel, "name": "directmessage"}
    payload["message"] = {"type": "message", "ts": ts}
    return sign(slack.signing_secret, urlencode({"payload": json.dumps(payload)}).encode())


def signed_submission(slack: FakeSlack, view: JsonDict, user: SlackUser, values: JsonDict) -> SignedRequest:
    """A view_submission of the modal `view` (as views.open returned it), with `values` typed in:
    {block_id: {action_id: value}}."""
    state = {
        block: {action: {"type": "plain_text_input", "value": value} for action, value in actions.items()}
        for block, actions in values.items()
    }
    payload = {
        "type": "view_submission",
        "team": {"id": user.team_id, "domain": user.team_domain},
        "user": {
            "id": user.user_id,
            "username": user.user_name,
            "name": user.user_name,
            "team_id": user.team_id,
        },
        "api_app_id": slack.app_id,
        "token": "sandbox-verification-token",
        "trigger_id": f"{int(time.time())}.sandbox.trigger",
        "view": {**view, "state": {"values": state}},
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return sign(slack.signing_secret, urlencode({"payload": json.dumps(payload)}).encode())


def _payload_of(body: bytes) -> str:
    from urllib.parse import parse_qs

    return parse_qs(body.decode())["payload"][0]
