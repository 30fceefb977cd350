"""Start-up's Slack check: `auth.test` once, its failure as one line naming the setting to fix."""

from __future__ import annotations

import logging

from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.startup_checks import Problem, StartupError, network_cause, unreachable

# Slack's answers that mean the token itself is wrong (auth.test's documented errors, and what
# apps.connections.open says to a bad app-level token): waiting will not fix them.
REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "no_permission",
        "missing_scope",
        "team_access_not_granted",
        "ekm_access_denied",
        "two_factor_setup_required",
    }
)

# What building the Bolt app raises when Slack is not there (it calls auth.test): BoltError wrapping
# Slack's answer, or the connection's own error.
SLACK_START_ERRORS: tuple[type[BaseException], ...] = (BoltError, SlackApiError, OSError)

# slack_sdk logs every failed request at ERROR before raising it; the check's own line says it better.
_quiet = logging.getLogger("bot.slack.auth_check.client")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


def slack_problem(exc: BaseException, setting: str, api_url: str) -> Problem:
    """What a call to Slack with the token in `setting` met, as one line."""
    for item in (exc, exc.__cause__, exc.__context__):  # Bolt wraps auth.test's SlackApiError
        if isinstance(item, SlackApiError):
            status = item.response.status_code
            data = item.response.data if isinstance(item.response.data, dict) else {}
            error = str(data.get("error") or "")
            if status >= 500:
                return unreachable(
                    "slack", "Slack", "SLACK_API_URL", api_url, f"Slack answered HTTP {status}"
                )
            if error in REFUSED:
                return Problem(
                    "slack", f"Slack refused {setting}: it answered {error}; check {setting}", refused=True
                )
            answer = error[:80] or f"HTTP {status}"
            return unreachable("slack", "Slack", "SLACK_API_URL", api_url, f"Slack answered {answer}")
    cause = network_cause(exc)
    if cause is None and isinstance(exc, BoltError):
        cause = "Bolt could not start"  # its message may quote Slack's whole answer: not logged
    return unreachable("slack", "Slack", "SLACK_API_URL", api_url, cause or type(exc).__name__)


def check_slack_token(token: str, api_url: str, timeout: float, setting: str = "SLACK_BOT_TOKEN") -> str:
    """`auth.test` with `token`, no retries (the caller backs off); the bot's user id, or StartupError."""
    client = WebClient(
        token=token, base_url=api_url, timeout=int(max(1, timeout)), logger=_quiet, retry_handlers=[]
    )
    try:
        answer = client.auth_test()
    except Exception as exc:
        raise StartupError(slack_problem(exc, setting, api_url)) from None
    return str(answer.get("user_id") or "")
