"""Delivery rate: DMs to distinct people through the fake Slack with Slack's published rate limits
enforced (429 past them), as a share of the rate those limits permit, and duplicates.

Budgets (issue #7): >= 90% of the permitted rate, 0 duplicates, 0 rate-limited answers (pacing, not
429s, keeps us under Slack's limits). With one DM channel per person the binding limit is the
workspace-wide message budget (bot/slack/outbox_pacing.py; Slack publishes no figure for it).

    .venv/bin/python bench/deliver.py [--messages 2000] [--per-minute 1200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta

from bot.app import build_core
from bot.clock import system_clock
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.people import Person
from bot.sandbox.slack.fake_slack import FakeSlack, SlackDirectory
from bot.services.outbox import enqueue
from bot.slack.outbox import (
    RECIPIENT_CHECK_SECONDS,
    Deliverer,
    DeliveryReport,
    compose_notice,
    new_delivery_client,
)
from bot.slack.outbox_pacing import CHANNEL_INTERVAL_SECONDS, WORKSPACE_MESSAGES_PER_MINUTE
from bot.slack.users import UserGate

SHARE_BUDGET = 0.90
DUPLICATE_BUDGET = 0
RATE_LIMITED_BUDGET = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--per-minute", type=float, default=WORKSPACE_MESSAGES_PER_MINUTE)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        core = build_core(Settings(database_url=url))
        directory = SlackDirectory(populated=False)
        users = [f"U{n:08d}" for n in range(1, args.messages + 1)]
        for user in users:
            directory.add_user(user)
        now = system_clock()
        with session_scope(core.sessions) as session:
            # Subscribers who used the bot this week: the deliverer's recipient check trusts that
            # (people.slack_checked_at) instead of a users.info per DM, as in production.
            session.add_all(
                Person(
                    slack_user_id=user,
                    created_at=now,
                    updated_at=now,
                    slack_checked_at=now - timedelta(days=1),
                )
                for user in users
            )
            session.flush()
            for n, user in enumerate(users):
                enqueue(
                    session,
                    key=f"bench:{n}:{user}",
                    kind="notice",
                    recipient=user,
                    payload={"text": "hi"},
                    now=now,
                )

        with FakeSlack(
            directory, rate_limits=True, workspace_per_minute=args.per_minute, clock=system_clock
        ) as fake:
            client = new_delivery_client(fake.bot_token, fake.api_url)
            deliverer = Deliverer(
                core.sessions,
                client,
                {"notice": compose_notice},
                system_clock,
                worker_id="bench",
                workspace_per_minute=args.per_minute,
                gate=UserGate(client, ttl_seconds=RECIPIENT_CHECK_SECONDS),  # as build_deliverer makes it
            )
            total = DeliveryReport()
            started = time.perf_counter()
            while (report := deliverer.deliver_due()).claimed:
                total += report
            seconds = time.perf_counter() - started
            keys = fake.outbox_keys()
            rate_limited = sum(1 for _, status in fake.attempts if status == 429)
        core.engine.dispose()

    permitted = min(args.per_minute / 60.0, len(users) / CHANNEL_INTERVAL_SECONDS)
    rate = len(set(keys)) / seconds if seconds else 0.0
    share = rate / permitted
    duplicates = sum(n - 1 for n in Counter(keys).values())
    lost = args.messages - len(set(keys))
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"deliver: {args.messages} DMs to distinct people, {database}, Slack's rates enforced by the fake")
    print(
        f"  permitted rate         {permitted:8.1f} msg/s"
        f"  (workspace budget {args.per_minute:.0f}/min, 1/s per channel)"
    )
    print(f"  delivered              {rate:8.1f} msg/s  in {seconds:.1f}s  ({total.summary()})")
    checks = [
        ("share of permitted rate", f"{share:8.1%}", f">= {SHARE_BUDGET:.0%}", share >= SHARE_BUDGET),
        ("duplicates", f"{duplicates:8d}", f"<= {DUPLICATE_BUDGET}", duplicates <= DUPLICATE_BUDGET),
        ("lost", f"{lost:8d}", "<= 0", lost <= 0),
        ("429s seen", f"{rate_limited:8d}", f"<= {RATE_LIMITED_BUDGET}", rate_limited <= RATE_LIMITED_BUDGET),
    ]
    for name, figure, budget, ok in checks:
        print(f"  {name:22} {figure}   budget {budget:6} -> {'OK' if ok else 'OVER BUDGET'}")
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
