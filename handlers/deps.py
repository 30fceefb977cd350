"""What the listeners need, built once by the composition root (bot/app.py) and handed to `register_all`."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock, system_clock
from bot.slack.users import UserGate

if TYPE_CHECKING:
    from bot.services.claims import Claims
    from bot.services.discovery import Discovery
    from bot.services.home import HomeService
    from bot.services.identity import IdentityService
    from bot.services.issue_list import IssueFinder
    from bot.services.progression import ProgressionService
    from bot.services.stats import StatsService
    from bot.services.subscriptions import SubscriptionService
    from bot.services.welcome import WelcomeService

ANSWER_DEADLINE_SECONDS = 2.0  # Slack waits 3 s for the acknowledgement; this leaves room for the trip


def _answer_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=16, thread_name_prefix="answer")


@dataclass(frozen=True)
class HandlerDeps:
    discovery: Discovery
    user_gate: UserGate
    answer_deadline: float = ANSWER_DEADLINE_SECONDS
    # Where command work runs, so a listener can stop waiting for it at the deadline and acknowledge.
    executor: ThreadPoolExecutor = field(default_factory=_answer_pool)
    subscriptions: SubscriptionService | None = None  # subscribe, unsubscribe, subscriptions, digest
    identities: IdentityService | None = None  # link, unlink
    issues: IssueFinder | None = None  # issues (and its *More* button)
    claims: Claims | None = None  # *Claim* and *Not interested* on a delivered good-first-issue
    progression: ProgressionService | None = None  # me, admin promote, Approve/Decline a nomination
    # `admin crawl`: runs one crawl now (as `innersource-bot job crawl` does) and returns its summary
    # line; it may take minutes, so the listener calls it in the executor and answers via response_url.
    admin_crawl: Callable[[], str] | None = None
    stats: StatsService | None = None  # stats
    now: Clock = system_clock  # the core's clock: `new` counts its 30 days from it
    home: HomeService | None = None  # the App Home tab (without it: a tab that says what the bot is)
    welcome: WelcomeService | None = None  # the welcome DM to people who join the announce channel

    def subscribed_projects(self, user_id: str) -> frozenset[int] | None:
        """The caller's subscribed projects, for *Subscribe*/*Unsubscribe* buttons (None: no buttons)."""
        return self.subscriptions.subscribed_projects(user_id) if self.subscriptions else None
