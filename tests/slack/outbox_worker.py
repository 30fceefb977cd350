"""A deliverer in its own process, for tests that kill one (tests/slack/test_outbox_processes.py).

Builds the real Deliverer from its arguments and runs it until SIGTERM; prints "ready" once started.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from bot.clock import system_clock
from bot.db.engine import make_engine, session_factory
from bot.slack.outbox import Deliverer, compose_notice, new_delivery_client


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--database-url", "--api-url", "--token", "--worker-id"):
        parser.add_argument(name, required=True)
    parser.add_argument("--claim-seconds", type=float, default=2.0)
    parser.add_argument("--per-minute", type=float, default=6000.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine = make_engine(args.database_url)
    deliverer = Deliverer(
        session_factory(engine),
        new_delivery_client(args.token, args.api_url, timeout=2),
        {"notice": compose_notice},
        system_clock,
        worker_id=args.worker_id,
        claim_seconds=args.claim_seconds,
        workspace_per_minute=args.per_minute,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    deliverer.run(stop, idle_seconds=0.05)
    engine.dispose()


if __name__ == "__main__":
    main()
