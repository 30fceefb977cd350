"""The sandbox console: `/innersource …` lines in, the bot's answers out, through the production path.

Each line becomes the signed request Slack would send to `POST /slack/events` (the real HTTP server,
signature check and listeners answer it); the answer is read where Slack would find it: the
acknowledgement's body, posts to the request's response_url, and Web API calls (DMs, Home tab) the
fake Slack recorded. `press N` presses button N of the last answer, as a block action. In the sandbox
the outbox is delivered after each line (`settle`), so a DM a line caused is printed right after it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from bot.sandbox.console.console_render import Button, render_message
from bot.sandbox.console.forge_commands import FORGE_HELP, ForgeConsole, forge_command
from bot.sandbox.console.time_travel import TIME_HELP, TimeConsole, time_command
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_channels import ANNOUNCE_CHANNEL_ID
from bot.sandbox.slack.slack_requests import (
    SignedRequest,
    SlackUser,
    block_action_body,
    sign,
    signed_event,
    signed_slash_command,
)

COMMAND = "/innersource"
PROMPT = "innersource> "
HELP = (
    "Type /innersource followed by a subcommand (or just the subcommand, e.g. `find kafka`); "
    "`press N` presses button N of the last answer; `/innersource help` shows the bot's own help; "
    "`home` opens your App Home tab; `join` joins #innersource-announce (the welcome DM follows, once "
    "ever); `help` shows this; `quit` ends. In the sandbox, " + FORGE_HELP + " " + TIME_HELP
)
_HTTP_TIMEOUT = 10.0  # generous: a slow acknowledgement is reported, not cut short


class _Session:
    def __init__(
        self,
        events_url: str,
        slack: FakeSlack,
        out: TextIO,
        user: SlackUser,
        timeout: float,
        grace: float,
        shown: int | None = None,
    ) -> None:
        self.events_url, self.slack, self.out, self.user = events_url, slack, out, user
        self.timeout, self.grace = timeout, grace
        self.buttons: list[Button] = []
        self.forge: ForgeConsole | None = None  # the sandbox's forge, for `forge …` lines
        self.time: TimeConsole | None = None  # the sandbox's clock, for `time …` lines
        self.settle: Callable[[], None] | None = None  # delivers what the outbox has due now
        self._messages_seen = len(slack.messages) if shown is None else shown
        self._responses_seen: dict[str, int] = {}  # response_url -> posts already printed
        self._asked: dict[str, str] = {}  # response_url -> the line that asked, to label late posts

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def command(self, text: str) -> None:
        url = self.slack.new_response_url()
        signed = signed_slash_command(FakeSlack.signing_secret, text, url, self.user)
        self._exchange(signed, url, f"{COMMAND} {text}".strip())

    def event(self, event: dict[str, Any], asked: str) -> None:
        """An Events API delivery from the console's user; what it causes (a Home tab, a DM) is printed."""
        signed = signed_event(FakeSlack.signing_secret, event, self.user.team_id)
        if self._send(signed) is None:
            return
        self.buttons = []
        deadline = time.monotonic() + self.timeout
        while len(self.slack.messages) <= self._messages_seen and time.monotonic() < deadline:
            if self.settle is not None:
                self.settle()  # a DM the event queued is delivered here
            self.slack.wait_until(lambda: len(self.slack.messages) > self._messages_seen, 0.2)
        if not self.flush():
            self.say(f"(Nothing came of `{asked}` within {self.timeout:g} s.)")

    def press(self, number: int) -> None:
        button = next((b for b in self.buttons if b.number == number), None)
        if button is None:
            self.say(f"! There is no button {number} in the last answer.")
            return
        url = self.slack.new_response_url()
        body = block_action_body(button.action_id, button.value, url, self.user, block_id=button.block_id)
        self._exchange(sign(FakeSlack.signing_secret, body), url, f"press {number} [{button.label}]")

    def _exchange(self, signed: SignedRequest, url: str, asked: str) -> None:
        self._responses_seen[url], self._asked[url] = 0, asked
        ack = self._send(signed)
        if ack is None:
            return
        self.buttons = []
        shown = self._show(ack)
        # An answer ready at once comes in the acknowledgement; slower work answers through the
        # response_url or by posting (a DM): wait for the first of those when the ack was empty,
        # and a moment for follow-ups when it was not.
        self.slack.wait_until(lambda: self._pending(url), self.grace if shown else self.timeout)
        shown = self.flush(current=url) or shown
        if not shown:
            self.say(f"(Nothing arrived within {self.timeout:g} s.)")

    def _pending(self, url: str) -> bool:
        return len(self.slack.responses(url)) > self._responses_seen[url] or (
            len(self.slack.messages) > self._messages_seen
        )

    def _send(self, signed: SignedRequest) -> dict[str, Any] | None:
        request = urllib.request.Request(
            self.events_url, data=signed.body, headers=signed.headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT) as answer:
                body: bytes = answer.read()
        except urllib.error.HTTPError as error:
            if error.code == 401:
                self.say("! The app refused the request (HTTP 401): its signing secret is not the sandbox's.")
            else:
                self.say(f"! The app answered HTTP {error.code} {error.reason}.")
            return None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            self.say(f"! Could not reach the app at {self.events_url}: {reason}.")
            return None
        if not body.strip():
            return {}
        try:
            parsed = json.loads(body)
        except ValueError:
            return {"text": body.decode(errors="replace")}
        return parsed if isinstance(parsed, dict) else {}

    def _show(self, message: Mapping[str, Any], label: str | None = None, brief: bool = False) -> bool:
        """Print a message (`brief`: its label and first line only, buttons not offered)."""
        if not message.get("text") and not message.get("blocks"):
            return False
        rendered = render_message(message, first_button=len(self.buttons) + 1)
        if brief:
            lines = rendered.text.strip().splitlines() or [""]
            self.say(f"{label} {lines[0]}{' …' if len(lines) > 1 else ''}")
            return True
        self.buttons.extend(rendered.buttons)
        if label is not None:
            self.say(label)
            self.say("\n".join("  " + line for line in rendered.text.splitlines()))
        else:
            self.say(rendered.text)
        return True

    def settle_and_flush(self, others_briefly: bool = False) -> bool:
        if self.settle is not None:
            self.settle()
        return self.flush(others_briefly=others_briefly)

    def flush(self, current: str | None = None, others_briefly: bool = False) -> bool:
        """Print what arrived since last shown: posts to response URLs, then DMs, messages, Home tabs.

        Posts to an earlier request's response_url say which request they answer. `others_briefly`:
        messages to other people in one line each (start-up's many milestones and cards).
        """
        shown = False
        for url, seen in list(self._responses_seen.items()):
            posts = self.slack.responses(url)
            for post in posts[seen:]:
                late = f"(later, in reply to `{self._asked[url]}`)"
                label = _response_label(post) if url == current else late
                shown = self._show(post, label) or shown
            self._responses_seen[url] = len(posts)
        messages = self.slack.messages
        for method, params in messages[self._messages_seen :]:
            body = params.get("view") if method == "views.publish" else params
            if isinstance(body, Mapping):
                brief = others_briefly and self._recipient(method, params) != self.user.user_id
                shown = self._show(body, self._message_label(method, params), brief) or shown
        self._messages_seen = len(messages)
        return shown

    def _message_label(self, method: str, params: Mapping[str, Any]) -> str:
        if method == "views.publish":
            found = self.slack.directory.user(str(params.get("user_id"))) or {}
            return f"App Home of @{found.get('name') or params.get('user_id')}:"
        if method == "chat.postEphemeral":
            return f"[Only visible to @{params.get('user')} in #{params.get('channel', '')}]"
        user = self._recipient(method, params)
        if user:
            found = self.slack.directory.user(user) or {}
            return f"DM to @{found.get('name') or user}:"
        reference = str(params.get("channel", ""))
        channel = self.slack.channels.find(reference)
        return f"#{channel['name'] if channel else reference.lstrip('#')}:"

    def _recipient(self, method: str, params: Mapping[str, Any]) -> str | None:
        """The one person who sees the message; None for a channel message."""
        if method == "views.publish":
            return str(params.get("user_id"))
        if method == "chat.postEphemeral":
            return str(params.get("user"))
        channel = str(params.get("channel", ""))
        return channel if channel[:1] in ("U", "W") else self.slack.dm_user(channel)


def _response_label(post: Mapping[str, Any]) -> str | None:
    if post.get("response_type") == "in_channel":
        return "[Posted in the channel]"
    if post.get("replace_original") in (True, "true"):
        return "(replaces the previous answer)"
    return None


def run_console(
    events_url: str,
    slack: FakeSlack,
    lines: TextIO,
    out: TextIO,
    interactive: bool,
    user: SlackUser | None = None,
    *,
    response_timeout: float = 5.0,
    grace: float = 0.3,
    forge: ForgeConsole | None = None,
    settle: Callable[[], None] | None = None,
    shown: int | None = None,
    time_travel: TimeConsole | None = None,
) -> int:
    """Read commands until `quit` or end of input, printing each answer to `out`; returns 0.

    `response_timeout` bounds the wait for an answer when the acknowledgement was empty; `grace` is
    how long to wait for follow-ups after an acknowledgement that already answered. `settle`, called
    before the first prompt and after each line, delivers what is due so its DMs are printed then.
    `shown`: how many of the fake Slack's messages were printed already (default: all so far); the
    sandbox passes 0, so the DMs its start-up sent (a nomination card, milestones) come first.
    """
    session = _Session(events_url, slack, out, user or SlackUser(), response_timeout, grace, shown)
    session.forge, session.settle, session.time = forge, settle, time_travel
    if session.settle_and_flush(others_briefly=True):  # what start-up sent: yours in full
        session.say()
    while True:
        if interactive:
            out.write(PROMPT)
            out.flush()
        raw = lines.readline()
        if not raw:  # end of input (Ctrl-D at a terminal)
            if interactive:
                session.say()
            break
        session.flush()  # answers that came in late, before the next one
        line = raw.strip()
        if not line:
            continue
        if not _handle(session, line, echo=not interactive):
            break
        out.flush()
    session.settle_and_flush()
    out.flush()
    return 0


def _handle(session: _Session, line: str, echo: bool) -> bool:
    """One console line; False when it asks to quit."""
    words = line.split()
    word = words[0].casefold()
    if word in ("quit", "exit"):
        return False
    console_words = ("press", "help", "?", "forge", "time", "home", "join")
    is_command = word == COMMAND or not (word.startswith("/") or word in console_words)
    text = " ".join(words[1:]) if word == COMMAND else " ".join(words)
    if echo:
        session.say("> " + (f"{COMMAND} {text}".strip() if is_command else line))
    if is_command:
        session.command(text)
    elif word in ("help", "?"):
        session.say(HELP)
    elif word == "forge":
        said_lines = forge_command(session.forge, line)
        for said in said_lines:
            session.say(said)
        # A routed issue becomes a DM when the in-process deliverer next wakes (within
        # deliver_interval_seconds): wait for it then; otherwise only for the usual grace.
        routed = any("routed to" in said for said in said_lines)
        wait = session.timeout if routed else session.grace
        session.slack.wait_until(lambda: len(session.slack.messages) > session._messages_seen, wait)
        session.flush()
    elif word == "home":
        session.event({"type": "app_home_opened", "user": session.user.user_id, "channel": "D0SANDBOX",
                       "tab": "home"}, "home")  # fmt: skip
    elif word == "join":
        user, team = session.user.user_id, session.user.team_id
        joined = {"type": "member_joined_channel", "user": user, "channel": ANNOUNCE_CHANNEL_ID,
                  "channel_type": "C", "team": team}  # fmt: skip
        session.event(joined, "join")
    elif word == "time":
        for said in time_command(session.time, line):
            session.say(said)
        session.settle_and_flush(others_briefly=True)  # everyone's digests: yours in full
    elif word == "press":
        if len(words) > 1 and words[1].isdigit():
            session.press(int(words[1]))
        else:
            session.say("! Say which button, for example `press 1`.")
    else:
        session.say(f"! Only {COMMAND} is installed here.")
    session.settle_and_flush()
    session.say()
    return True
