"""Slack's side of identity by e-mail: `users.lookupByEmail`, admitted by the same rules as commands.

Needs the `users:read.email` scope. Only full members of the home workspace are returned: a guest, a
bot, a deactivated account or a person from another organisation is never tied to a forge account.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.identity import SlackProfile
from bot.slack.bolt_app import new_web_client
from bot.slack.users import UserGate

_NOBODY = ("users_not_found", "user_not_found")


class SlackEmailLookup:
    """Callable: e-mail → the admitted member's profile, or None."""

    def __init__(self, client: WebClient, gate: UserGate | None = None) -> None:
        self._client = client
        self._gate = gate or UserGate(client)

    def __call__(self, email: str) -> SlackProfile | None:
        try:
            response = self._client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if exc.response.get("error") in _NOBODY:
                return None
            raise
        user = response.get("user") or {}
        user_id = str(user.get("id") or "")
        if not user_id:
            return None
        refusal, profile = self._gate.check(user_id)
        return profile if refusal is None else None


def email_lookup(token: str, base_url: str) -> SlackEmailLookup:
    """A lookup with its own client, which waits out Slack's 429s (lookupByEmail is a Tier 3 method)."""
    return SlackEmailLookup(new_web_client(token, base_url))
